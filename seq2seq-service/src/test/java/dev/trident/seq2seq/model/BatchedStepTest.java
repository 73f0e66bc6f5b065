package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.testing.OracleReference;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Seq2SeqLm#decodeStep}: rows of different requests (other encoder outputs and lengths) and forked beams decoded
 * in one step give exactly the floats each gets decoded alone, and leave the same caches behind (the next step agrees
 * too). This is what lets beams and concurrent requests share a step without changing any output.
 */
class BatchedStepTest {

    @ParameterizedTest
    @ValueSource(strings = {"/oracle/t5", "/oracle/t5-gated-gelu", "/oracle/bart", "/oracle/marian", "/models/t5-numbers-en-fr"})
    void everyRowEqualsItsStepAlone(String resource) throws Exception {
        Path dir = resource.startsWith("/models")
                ? Path.of(BatchedStepTest.class.getResource(resource + "/config.json").toURI()).getParent()
                : OracleReference.resource(resource);
        try (Seq2SeqLm model = Seq2SeqLms.load(dir, LoadOptions.mapped())) {
            int vocab = model.vocabSize();
            int start = model.decoderStartTokenId();
            EncoderOutput a = model.encode(new int[] {30, 87, 46, 47, 1}, null);
            EncoderOutput b = model.encode(new int[] {12, 5, 9, 1}, null);
            DecoderState a1 = model.newDecoderState(a);
            model.decode(new int[] {start, 14, 60}, a1, false);
            DecoderState a2 = a1.fork();
            DecoderState b1 = model.newDecoderState(b);
            model.decode(new int[] {start}, b1, false);
            DecoderState c1 = model.newDecoderState(b); // a fresh state: the first step of another request

            DecoderState[] batched = {a1, a2, b1, c1};
            DecoderState[] alone = {a1.fork(), a2.fork(), b1.fork(), c1.fork()};
            int[][] steps = {{7, 21, 3, start}, {9, 9, 40, 11}};
            for (int[] tokens : steps) {
                float[] together = new float[2 + tokens.length * vocab];
                model.decodeStep(tokens, batched, tokens.length, together, 2);
                for (int i = 0; i < tokens.length; i++) {
                    float[] single = model.decode(new int[] {tokens[i]}, alone[i], false);
                    assertThat(Arrays.copyOfRange(together, 2 + i * vocab, 2 + (i + 1) * vocab))
                            .as("%s row %d after tokens %s", resource, i, Arrays.toString(tokens)).containsExactly(single);
                    assertThat(batched[i].length()).isEqualTo(alone[i].length());
                }
            }
        }
    }
}
