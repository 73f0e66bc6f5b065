package dev.trident.decoder.model;

import dev.trident.kernels.blocks.Embedding;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.blocks.LayerNorm;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.Mlp;
import dev.trident.kernels.blocks.SelfAttention;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.tensor.Tensor;

/**
 * GPT-2 as HF's {@code GPT2LMHeadModel}: token plus learned position embeddings, then per layer
 * {@code x += attn(ln_1(x))}, {@code x += mlp(ln_2(x))}, a final {@code ln_f} and the LM head tied to the token
 * embeddings. Attention scores are divided by {@code sqrt(head_dim)} ({@code scale_attn_weights}) and, with
 * {@code scale_attn_by_inverse_layer_idx}, also by the layer number.
 */
public final class Gpt2Model implements CausalLm {

    private final Gpt2Config config;
    private final AutoCloseable weightsResource;
    private final int headDim;

    private final Embedding wte;             // transformer.wte.weight [vocab, n_embd]
    private final Embedding wpe;             // transformer.wpe.weight [n_positions, n_embd]
    private final LayerNorm[] ln1;           // transformer.h.N.ln_1 [n_embd]
    private final SelfAttention[] attn;      // attn.c_attn [n_embd, 3·n_embd] split into q, k, v; attn.c_proj [n_embd, n_embd]
    private final LayerNorm[] ln2;
    private final Mlp[] mlp;                 // mlp.c_fc [n_embd, inner], mlp.c_proj [inner, n_embd]
    private final LayerNorm lnF;             // transformer.ln_f [n_embd]
    private final Linear lmHead;             // tied: transformer.wte.weight
    private final BatchStep batch = new BatchStep();

    public Gpt2Model(Gpt2Config config, WeightSource weights, AutoCloseable weightsResource) {
        this.config = config;
        this.weightsResource = weightsResource;
        String prefix = weights.has("transformer.wte.weight") ? "transformer." : "";
        int embd = config.nEmbd();
        int inner = config.innerSize();
        int vocab = config.vocabSize();
        float eps = (float) config.layerNormEpsilon();
        headDim = config.headDim();
        Activation activation = Activation.fromHf(config.activationFunction());

        Tensor tokenEmbeddings = weights.tensor(prefix + "wte.weight", vocab, embd);
        wte = new Embedding(tokenEmbeddings);
        wpe = new Embedding(weights.tensor(prefix + "wpe.weight", config.nPositions(), embd));
        int layers = config.nLayer();
        ln1 = new LayerNorm[layers];
        attn = new SelfAttention[layers];
        ln2 = new LayerNorm[layers];
        mlp = new Mlp[layers];
        for (int l = 0; l < layers; l++) {
            String p = prefix + "h." + l + ".";
            ln1[l] = new LayerNorm(weights.tensor(p + "ln_1.weight", embd), weights.tensor(p + "ln_1.bias", embd), embd, eps);
            Tensor cAttn = weights.tensor(p + "attn.c_attn.weight", embd, 3 * embd);
            Tensor cAttnBias = weights.tensor(p + "attn.c_attn.bias", 3 * embd);
            float scale = (float) ((config.scaleAttnWeights() ? 1 / Math.sqrt(headDim) : 1.0)
                    / (config.scaleAttnByInverseLayerIdx() ? l + 1 : 1));
            Attention.Shape shape = new Attention.Shape(config.nHead(), config.nHead(), headDim, scale, true, 0);
            attn[l] = new SelfAttention(
                    new Linear(Conv1D.transposedColumns(cAttn, 0, embd, p + "attn.q"), Conv1D.slice(cAttnBias, 0, embd, p + "attn.q.bias")),
                    new Linear(Conv1D.transposedColumns(cAttn, embd, embd, p + "attn.k"), Conv1D.slice(cAttnBias, embd, embd, p + "attn.k.bias")),
                    new Linear(Conv1D.transposedColumns(cAttn, 2 * embd, embd, p + "attn.v"), Conv1D.slice(cAttnBias, 2 * embd, embd, p + "attn.v.bias")),
                    conv1d(weights, p + "attn.c_proj", embd, embd),
                    shape, null);
            ln2[l] = new LayerNorm(weights.tensor(p + "ln_2.weight", embd), weights.tensor(p + "ln_2.bias", embd), embd, eps);
            mlp[l] = new Mlp(conv1d(weights, p + "mlp.c_fc", embd, inner), conv1d(weights, p + "mlp.c_proj", inner, embd), activation);
        }
        lnF = new LayerNorm(weights.tensor(prefix + "ln_f.weight", embd), weights.tensor(prefix + "ln_f.bias", embd), embd, eps);
        lmHead = Linear.withoutBias(tokenEmbeddings).withQ8_0Panels();
    }

    private static Linear conv1d(WeightSource weights, String name, int in, int out) {
        Tensor weight = weights.tensor(name + ".weight", in, out);
        return new Linear(Conv1D.transposedColumns(weight, 0, out, name + ".weight"), weights.tensor(name + ".bias", out));
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.nPositions();
    }

    @Override
    public KVCache newCache() {
        return new KVCache(config.nLayer(), config.nHead(), headDim, config.nPositions());
    }

    @Override
    public synchronized float[] forward(int[] ids, KVCache cache, boolean allRows) {
        int rows = ids.length;
        int embd = config.nEmbd();
        int pos0 = cache.length();
        cache.ensureCapacity(pos0 + rows);
        float[] x = new float[rows * embd];
        float[] normed = new float[rows * embd];
        float[] delta = new float[rows * embd];
        wte.lookup(ids, 0, rows, x, 0);
        for (int r = 0; r < rows; r++) {
            wpe.row(pos0 + r, delta, r * embd);
        }
        Residual.add(x, delta, rows * embd);
        for (int l = 0; l < config.nLayer(); l++) {
            ln1[l].forward(x, 0, rows, normed, 0);
            attn[l].forward(normed, 0, rows, pos0, cache, l, delta, 0);
            Residual.add(x, delta, rows * embd);
            ln2[l].forward(x, 0, rows, normed, 0);
            mlp[l].forward(normed, 0, rows, delta, 0);
            Residual.add(x, delta, rows * embd);
        }
        cache.setLength(pos0 + rows);
        int first = allRows ? 0 : rows - 1;
        int outRows = rows - first;
        lnF.forward(x, first * embd, outRows, normed, 0);
        float[] logits = new float[outRows * config.vocabSize()];
        lmHead.forward(normed, 0, outRows, logits, 0);
        return logits;
    }

    @Override
    public synchronized float[] forwardBatch(int[] ids, KVCache[] caches) {
        BatchStep.prepareStep(ids, caches);
        int rows = ids.length;
        int embd = config.nEmbd();
        batch.ensure(rows, embd, config.vocabSize());
        float[] x = batch.x;
        float[] normed = batch.normed;
        float[] delta = batch.delta;
        wte.lookup(ids, 0, rows, x, 0);
        for (int r = 0; r < rows; r++) {
            wpe.row(caches[r].length(), delta, r * embd);
        }
        Residual.addRows(x, delta, rows, embd);
        for (int l = 0; l < config.nLayer(); l++) {
            ln1[l].forward(x, 0, rows, normed, 0);
            attn[l].decodeEach(normed, 0, rows, caches, l, delta, 0);
            Residual.addRows(x, delta, rows, embd);
            ln2[l].forward(x, 0, rows, normed, 0);
            mlp[l].forwardEach(normed, 0, rows, delta, 0);
            Residual.addRows(x, delta, rows, embd);
        }
        BatchStep.advance(caches);
        lnF.forward(x, 0, rows, normed, 0);
        lmHead.forwardEach(normed, 0, rows, batch.logits, 0);
        return batch.logits;
    }

    @Override
    public void close() {
        if (weightsResource != null) {
            try {
                weightsResource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the weights of a GPT-2 model", e);
            }
        }
    }
}
