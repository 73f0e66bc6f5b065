package dev.trident.decoder.model;

import dev.trident.kernels.blocks.Embedding;
import dev.trident.kernels.blocks.GatedMlp;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.RmsNorm;
import dev.trident.kernels.blocks.SelfAttention;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.ops.Rope;

/**
 * The Llama family (Llama 1/2/3, Mistral, Qwen2) as HF's {@code LlamaForCausalLM}: token embeddings, then per layer
 * {@code x += attn(rms_norm(x))}, {@code x += swiglu(rms_norm(x))}, a final RMSNorm and the LM head (tied to the
 * embeddings or not). Attention: RoPE in the rotate-half layout HF's checkpoints use, grouped-query heads, Mistral's
 * sliding window, Qwen2's q/k/v biases.
 */
public final class LlamaModel implements CausalLm {

    private final LlamaConfig config;
    private final AutoCloseable weightsResource;
    private final Attention.Shape shape;

    private final Embedding embedTokens;          // model.embed_tokens.weight   [vocab, hidden]
    private final RmsNorm[] inputLayernorm;       // model.layers.N.input_layernorm.weight [hidden]
    private final SelfAttention[] selfAttn;       // q_proj [heads·hd, hidden], k/v_proj [kv·hd, hidden], o_proj [hidden, heads·hd]
    private final RmsNorm[] postAttentionLayernorm;
    private final GatedMlp[] mlp;                 // gate/up_proj [ffn, hidden], down_proj [hidden, ffn]
    private final RmsNorm norm;                   // model.norm.weight [hidden]
    private final Linear lmHead;                  // lm_head.weight [vocab, hidden], or the embeddings when tied
    private final BatchStep batch = new BatchStep();

    public LlamaModel(LlamaConfig config, WeightSource weights, AutoCloseable weightsResource) {
        this.config = config;
        this.weightsResource = weightsResource;
        int hidden = config.hiddenSize();
        int headDim = config.headDim();
        int qWidth = config.numAttentionHeads() * headDim;
        int kvWidth = config.numKeyValueHeads() * headDim;
        int ffn = config.intermediateSize();
        int vocab = config.vocabSize();
        float eps = (float) config.rmsNormEps();
        shape = new Attention.Shape(config.numAttentionHeads(), config.numKeyValueHeads(), headDim,
                (float) (1 / Math.sqrt(headDim)), true, config.slidingWindow());
        Rope.Table rope = new Rope.Table(inverseFrequencies(config), config.maxPositionEmbeddings(), Rope.Layout.HALF, 1f);
        Activation activation = Activation.fromHf(config.hiddenAct());

        embedTokens = new Embedding(weights.tensor("model.embed_tokens.weight", vocab, hidden));
        int layers = config.numHiddenLayers();
        inputLayernorm = new RmsNorm[layers];
        selfAttn = new SelfAttention[layers];
        postAttentionLayernorm = new RmsNorm[layers];
        mlp = new GatedMlp[layers];
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            inputLayernorm[l] = new RmsNorm(weights.tensor(p + "input_layernorm.weight", hidden), hidden, eps);
            selfAttn[l] = new SelfAttention(
                    linear(weights, p + "self_attn.q_proj", qWidth, hidden, config.qkvBias()),
                    linear(weights, p + "self_attn.k_proj", kvWidth, hidden, config.qkvBias()),
                    linear(weights, p + "self_attn.v_proj", kvWidth, hidden, config.qkvBias()),
                    linear(weights, p + "self_attn.o_proj", hidden, qWidth, config.outputBias()),
                    shape, rope);
            postAttentionLayernorm[l] = new RmsNorm(weights.tensor(p + "post_attention_layernorm.weight", hidden), hidden, eps);
            mlp[l] = new GatedMlp(
                    linear(weights, p + "mlp.gate_proj", ffn, hidden, config.mlpBias()),
                    linear(weights, p + "mlp.up_proj", ffn, hidden, config.mlpBias()),
                    linear(weights, p + "mlp.down_proj", hidden, ffn, config.mlpBias()),
                    activation);
        }
        norm = new RmsNorm(weights.tensor("model.norm.weight", hidden), hidden, eps);
        boolean tied = config.tieWordEmbeddings() || !weights.has("lm_head.weight");
        lmHead = Linear.withoutBias(tied
                ? weights.tensor("model.embed_tokens.weight", vocab, hidden)
                : weights.tensor("lm_head.weight", vocab, hidden)).withQ8_0Panels();
        if (!tied && lmHead.usesQ8_0Panels()) {
            weights.release("lm_head.weight"); // tied, the embeddings still read the same tensor by rows
        }
    }

    public LlamaConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public KVCache newCache() {
        return new KVCache(config.numHiddenLayers(), shape.kvHeads(), shape.headDim(), config.maxPositionEmbeddings());
    }

    @Override
    public synchronized float[] forward(int[] ids, KVCache cache, boolean allRows) {
        int rows = ids.length;
        int hidden = config.hiddenSize();
        int pos0 = cache.length();
        cache.ensureCapacity(pos0 + rows);
        float[] x = new float[rows * hidden];
        float[] normed = new float[rows * hidden];
        float[] delta = new float[rows * hidden];
        embedTokens.lookup(ids, 0, rows, x, 0);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            inputLayernorm[l].forward(x, 0, rows, normed, 0);
            selfAttn[l].forward(normed, 0, rows, pos0, cache, l, delta, 0);
            Residual.add(x, delta, rows * hidden);
            postAttentionLayernorm[l].forward(x, 0, rows, normed, 0);
            mlp[l].forward(normed, 0, rows, delta, 0);
            Residual.add(x, delta, rows * hidden);
        }
        cache.setLength(pos0 + rows);
        int first = allRows ? 0 : rows - 1;
        int outRows = rows - first;
        norm.forward(x, first * hidden, outRows, normed, 0);
        float[] logits = new float[outRows * config.vocabSize()];
        lmHead.forward(normed, 0, outRows, logits, 0);
        return logits;
    }

    @Override
    public synchronized float[] forwardBatch(int[] ids, KVCache[] caches) {
        BatchStep.prepareStep(ids, caches);
        int rows = ids.length;
        int hidden = config.hiddenSize();
        batch.ensure(rows, hidden, config.vocabSize());
        float[] x = batch.x;
        float[] normed = batch.normed;
        float[] delta = batch.delta;
        embedTokens.lookup(ids, 0, rows, x, 0);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            inputLayernorm[l].forward(x, 0, rows, normed, 0);
            selfAttn[l].decodeEach(normed, 0, rows, caches, l, delta, 0);
            Residual.addRows(x, delta, rows, hidden);
            postAttentionLayernorm[l].forward(x, 0, rows, normed, 0);
            mlp[l].forwardEach(normed, 0, rows, delta, 0);
            Residual.addRows(x, delta, rows, hidden);
        }
        BatchStep.advance(caches);
        norm.forward(x, 0, rows, normed, 0);
        lmHead.forwardEach(normed, 0, rows, batch.logits, 0);
        return batch.logits;
    }

    private static float[] inverseFrequencies(LlamaConfig config) {
        float[] base = Rope.inverseFrequencies(config.headDim(), config.ropeTheta());
        LlamaConfig.RopeScaling scaling = config.ropeScaling();
        if (scaling == null) {
            return base;
        }
        return switch (scaling.type()) {
            case "linear" -> Rope.linearScaled(base, scaling.factor());
            case "llama3" -> Rope.llama3Scaled(base, scaling.factor(), scaling.lowFreqFactor(), scaling.highFreqFactor(),
                    scaling.originalMaxPositionEmbeddings());
            default -> throw new IllegalArgumentException("rope_scaling " + scaling.type());
        };
    }

    private static Linear linear(WeightSource weights, String name, int out, int in, boolean bias) {
        Linear linear = new Linear(weights.tensor(name + ".weight", out, in), bias ? weights.tensor(name + ".bias", out) : null)
                .withQ8_0Panels();
        if (linear.usesQ8_0Panels()) {
            // The panels are this layer's only reader of the weight: the checkpoint's Q8_0 copy need not stay too.
            weights.release(name + ".weight");
        }
        return linear;
    }

    @Override
    public void close() {
        if (weightsResource != null) {
            try {
                weightsResource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the weights of a " + config.modelType() + " model", e);
            }
        }
    }
}
