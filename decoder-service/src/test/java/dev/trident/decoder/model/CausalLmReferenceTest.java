package dev.trident.decoder.model;

import dev.trident.kernels.testing.OracleReference;

import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.ops.ArgMax;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle's causal LMs (HF transformers, float32) against our architectures: full-prompt logits, the KV-cache
 * continuation fed one token at a time (which must equal the full computation), and 10 greedy ids.
 * Tolerance from the oracle README: {@code max|x - ref| <= 1e-4 · max(1, max|ref|)}; ids exact.
 */
class CausalLmReferenceTest {


    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt2-inner", "gpt2-layerscale", "llama", "llama-tied", "qwen2", "mistral"})
    void logitsCacheAndGreedyMatchTheReference(String name) throws Exception {
        Path dir = OracleReference.resource("/oracle/" + name);
        JsonNode root = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        JsonNode outputs = root.path("outputs");
        int[] prompt = OracleReference.ints(root.path("inputs").path("input_ids").get(0));
        try (CausalLm model = CausalLms.load(dir, LoadOptions.mapped())) {
            int vocab = model.vocabSize();

            float[] logits = model.forward(prompt, model.newCache(), true);
            OracleReference.assertClose(name + " logits", logits, OracleReference.floats(outputs.path("logits").path("data")));

            JsonNode kv = outputs.path("kv_cache");
            int prefix = kv.path("prefix_len").asInt();
            KVCache cache = model.newCache();
            OracleReference.assertClose(name + " prefix logits", model.forward(Arrays.copyOf(prompt, prefix), cache, true),
                    OracleReference.floats(kv.path("prefix_logits").path("data")));
            float[] stepwise = OracleReference.floats(kv.path("continuation_logits_token_by_token").path("data"));
            int[] continuation = OracleReference.ints(kv.path("continuation_ids").get(0));
            for (int i = 0; i < continuation.length; i++) {
                OracleReference.assertClose(name + " cached step " + i, model.forward(new int[] {continuation[i]}, cache, false),
                        Arrays.copyOfRange(stepwise, i * vocab, (i + 1) * vocab));
            }

            JsonNode greedy = outputs.path("greedy");
            List<Integer> expected = new ArrayList<>();
            greedy.path("generated").get(0).forEach(id -> expected.add(id.asInt()));
            assertThat(greedyIds(model, prompt, greedy.path("new_tokens").asInt())).as(name + " greedy").isEqualTo(expected);
        }
    }

    static List<Integer> greedyIds(CausalLm model, int[] prompt, int steps) {
        KVCache cache = model.newCache();
        float[] logits = model.forward(prompt, cache, false);
        List<Integer> generated = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int next = ArgMax.argMax(logits, 0, model.vocabSize());
            generated.add(next);
            if (i + 1 < steps) {
                logits = model.forward(new int[] {next}, cache, false);
            }
        }
        return generated;
    }
}
