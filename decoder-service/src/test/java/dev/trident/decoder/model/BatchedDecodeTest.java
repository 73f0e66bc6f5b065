package dev.trident.decoder.model;

import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.ops.ArgMax;
import dev.trident.kernels.testing.OracleReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The batched decode step against the single-sequence one, on every oracle architecture, F32 and Q8_0: sequences
 * of different lengths decoded together give each row exactly (bitwise) the logits of that sequence decoded alone,
 * while sequences join and leave the batch between steps.
 */
class BatchedDecodeTest {

    @ParameterizedTest
    @CsvSource({"gpt2,none", "gpt2-inner,none", "llama,none", "llama,q8_0", "llama-tied,none", "qwen2,none", "qwen2,q8_0", "mistral,none"})
    void batchedRowsEqualSingleSequenceDecodingBitwise(String name, String quantize) throws Exception {
        Path dir = OracleReference.resource("/oracle/" + name);
        try (CausalLm model = CausalLms.load(dir, LoadOptions.fromSetting(quantize))) {
            int vocab = model.vocabSize();
            int sequences = 4;
            KVCache[] alone = new KVCache[sequences];
            KVCache[] batched = new KVCache[sequences];
            int[] last = new int[sequences];
            for (int s = 0; s < sequences; s++) {
                int[] prompt = new int[2 + 3 * s];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = (7 + 31 * s + 13 * i) % vocab;
                }
                alone[s] = model.newCache();
                batched[s] = model.newCache();
                float[] a = model.forward(prompt, alone[s], false);
                float[] b = model.forward(prompt, batched[s], false);
                assertThat(b).containsExactly(a);
                last[s] = ArgMax.argMax(a, 0, vocab);
            }
            // Membership per step: all, a subset, one alone, and back — as requests arrive and finish.
            int[][] steps = {{0, 1, 2, 3}, {1, 3}, {2}, {0, 2, 3}, {3, 1, 0, 2}, {0, 1, 2, 3}};
            for (int[] members : steps) {
                int[] ids = new int[members.length];
                KVCache[] caches = new KVCache[members.length];
                for (int j = 0; j < members.length; j++) {
                    ids[j] = last[members[j]];
                    caches[j] = batched[members[j]];
                }
                float[] rows = model.forwardBatch(ids, caches).clone();
                assertThat(rows).hasSize(members.length * vocab);
                for (int j = 0; j < members.length; j++) {
                    int s = members[j];
                    float[] single = model.forward(new int[] {last[s]}, alone[s], false);
                    assertThat(Arrays.copyOfRange(rows, j * vocab, (j + 1) * vocab))
                            .as("%s %s: sequence %d in batch %s", name, quantize, s, Arrays.toString(members))
                            .containsExactly(single);
                    assertThat(batched[s].length()).isEqualTo(alone[s].length());
                    last[s] = ArgMax.argMax(single, 0, vocab);
                }
            }
            KVCache shared = model.newCache();
            model.forward(new int[] {1}, shared, false);
            assertThatThrownBy(() -> model.forwardBatch(new int[] {1, 2}, new KVCache[] {shared, shared}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
