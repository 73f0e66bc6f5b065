package dev.trident.kernels.blocks;

import dev.trident.kernels.testing.OracleReference;

import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.LlamaConfig;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.ArgMax;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.ops.Rope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared-kernels end-to-end check: the oracle's tiny Llama, composed from the blocks in a few lines (the real
 * architecture lives in the decoder service), reproduces HF transformers' logits, its KV-cache continuation and
 * its greedy ids. Tolerance from the oracle README: {@code max|x - ref| <= 1e-4 · max(1, max|ref|)}.
 */
class LlamaThroughBlocksTest {

    private static Checkpoint checkpoint;
    private static JsonNode reference;
    private static JsonNode inputs;
    private static TinyLlama model;

    @BeforeAll
    static void load() throws Exception {
        Path dir = OracleReference.resource("/oracle/llama");
        checkpoint = Checkpoint.open(dir);
        JsonNode root = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        reference = root.path("outputs");
        inputs = root.path("inputs");
        model = new TinyLlama(LlamaConfig.read(dir), checkpoint);
    }

    @AfterAll
    static void close() {
        checkpoint.close();
    }

    @Test
    void fullPromptLogitsMatchTheReference() {
        int[] prompt = referenceInputIds();
        KVCache cache = model.newCache();
        float[] logits = model.forward(prompt, cache);
        OracleReference.assertClose("logits", logits, OracleReference.floats(reference.path("logits").path("data")));
    }

    @Test
    void cachedContinuationEqualsTheFullComputation() {
        JsonNode kv = reference.path("kv_cache");
        int prefixLength = kv.path("prefix_len").asInt();
        int[] ids = referenceInputIds();
        int[] prefix = Arrays.copyOf(ids, prefixLength);
        KVCache cache = model.newCache();
        OracleReference.assertClose("prefix logits", model.forward(prefix, cache), OracleReference.floats(kv.path("prefix_logits").path("data")));

        float[] expected = OracleReference.floats(kv.path("continuation_logits_token_by_token").path("data"));
        int vocab = model.vocab;
        JsonNode continuation = kv.path("continuation_ids").get(0);
        for (int i = 0; i < continuation.size(); i++) {
            float[] step = model.forward(new int[] {continuation.get(i).asInt()}, cache);
            OracleReference.assertClose("cached step " + i, step, Arrays.copyOfRange(expected, i * vocab, (i + 1) * vocab));
        }
        assertThat(cache.length()).isEqualTo(prefixLength + continuation.size());
    }

    @Test
    void greedyIdsAreExact() {
        JsonNode greedy = reference.path("greedy");
        int steps = greedy.path("new_tokens").asInt();
        KVCache cache = model.newCache();
        float[] logits = model.forward(referenceInputIds(), cache);
        List<Integer> generated = new ArrayList<>();
        int vocab = model.vocab;
        int rows = logits.length / vocab;
        int next = ArgMax.argMax(logits, (rows - 1) * vocab, vocab);
        for (int i = 0; i < steps; i++) {
            generated.add(next);
            logits = model.forward(new int[] {next}, cache);
            next = ArgMax.argMax(logits, 0, vocab);
        }
        List<Integer> expected = new ArrayList<>();
        greedy.path("generated").get(0).forEach(id -> expected.add(id.asInt()));
        assertThat(generated).isEqualTo(expected);
    }

    /** Llama from the blocks: embeddings, then per layer norm → attention → residual, norm → SwiGLU → residual. */
    static final class TinyLlama {
        final int vocab;
        final int hidden;
        final int layers;
        final Attention.Shape shape;
        final int maxPositions;
        final Embedding embedTokens;
        final RmsNorm[] inputNorms;
        final SelfAttention[] attentions;
        final RmsNorm[] postAttentionNorms;
        final GatedMlp[] mlps;
        final RmsNorm finalNorm;
        final Linear lmHead;

        TinyLlama(LlamaConfig config, Checkpoint weights) {
            vocab = config.vocabSize();
            hidden = config.hiddenSize();
            layers = config.numHiddenLayers();
            maxPositions = config.maxPositionEmbeddings();
            int headDim = config.headDim();
            float eps = (float) config.rmsNormEps();
            shape = Attention.Shape.of(config.numAttentionHeads(), config.numKeyValueHeads(), headDim, true);
            Rope.Table rope = new Rope.Table(Rope.inverseFrequencies(headDim, config.ropeTheta()), maxPositions, Rope.Layout.HALF, 1f);
            embedTokens = new Embedding(weights.tensor("model.embed_tokens.weight", vocab, hidden));
            inputNorms = new RmsNorm[layers];
            attentions = new SelfAttention[layers];
            postAttentionNorms = new RmsNorm[layers];
            mlps = new GatedMlp[layers];
            int qWidth = config.numAttentionHeads() * headDim;
            int kvWidth = config.numKeyValueHeads() * headDim;
            int ffn = config.intermediateSize();
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                inputNorms[l] = new RmsNorm(weights.tensor(p + "input_layernorm.weight", hidden), hidden, eps);
                attentions[l] = new SelfAttention(
                        Linear.withoutBias(weights.tensor(p + "self_attn.q_proj.weight", qWidth, hidden)),
                        Linear.withoutBias(weights.tensor(p + "self_attn.k_proj.weight", kvWidth, hidden)),
                        Linear.withoutBias(weights.tensor(p + "self_attn.v_proj.weight", kvWidth, hidden)),
                        Linear.withoutBias(weights.tensor(p + "self_attn.o_proj.weight", hidden, qWidth)),
                        shape, rope);
                postAttentionNorms[l] = new RmsNorm(weights.tensor(p + "post_attention_layernorm.weight", hidden), hidden, eps);
                mlps[l] = new GatedMlp(
                        Linear.withoutBias(weights.tensor(p + "mlp.gate_proj.weight", ffn, hidden)),
                        Linear.withoutBias(weights.tensor(p + "mlp.up_proj.weight", ffn, hidden)),
                        Linear.withoutBias(weights.tensor(p + "mlp.down_proj.weight", hidden, ffn)),
                        Activation.fromHf(config.hiddenAct()));
            }
            finalNorm = new RmsNorm(weights.tensor("model.norm.weight", hidden), hidden, eps);
            lmHead = Linear.withoutBias(config.tieWordEmbeddings()
                    ? weights.tensor("model.embed_tokens.weight", vocab, hidden)
                    : weights.tensor("lm_head.weight", vocab, hidden));
        }

        KVCache newCache() {
            return new KVCache(layers, shape.kvHeads(), shape.headDim(), maxPositions);
        }

        /** Logits {@code [ids.length][vocab]} for {@code ids} following what {@code cache} holds. */
        float[] forward(int[] ids, KVCache cache) {
            int rows = ids.length;
            int pos0 = cache.length();
            cache.ensureCapacity(pos0 + rows);
            float[] x = new float[rows * hidden];
            float[] normed = new float[rows * hidden];
            float[] delta = new float[rows * hidden];
            embedTokens.lookup(ids, 0, rows, x, 0);
            for (int l = 0; l < layers; l++) {
                inputNorms[l].forward(x, 0, rows, normed, 0);
                attentions[l].forward(normed, 0, rows, pos0, cache, l, delta, 0);
                add(x, delta);
                postAttentionNorms[l].forward(x, 0, rows, normed, 0);
                mlps[l].forward(normed, 0, rows, delta, 0);
                add(x, delta);
            }
            cache.setLength(pos0 + rows);
            finalNorm.forward(x, 0, rows, normed, 0);
            float[] logits = new float[rows * vocab];
            lmHead.forward(normed, 0, rows, logits, 0);
            return logits;
        }

        private static void add(float[] x, float[] delta) {
            for (int i = 0; i < x.length; i++) {
                x[i] += delta[i];
            }
        }
    }

    private static int[] referenceInputIds() {
        JsonNode row = inputs.path("input_ids").get(0);
        int[] ids = new int[row.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = row.get(i).asInt();
        }
        return ids;
    }
}
