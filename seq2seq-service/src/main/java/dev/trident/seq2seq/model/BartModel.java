package dev.trident.seq2seq.model;

import dev.trident.kernels.blocks.Embedding;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.blocks.LayerNorm;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.Mlp;
import dev.trident.kernels.blocks.SelfAttention;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Activations;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.MatVecRows;
import dev.trident.kernels.tensor.Tensor;

/**
 * BART and Marian as HF's {@code BartForConditionalGeneration} and {@code MarianMTModel}: token embeddings times
 * {@code sqrt(d_model)} when {@code scale_embedding}, plus positions — BART: learned, row {@code position + 2};
 * Marian: sinusoidal, computed here as HF's {@code MarianSinusoidalPositionalEmbedding} (first half
 * {@code sin(pos / 10000^(2j/d))}, second half the cosines) — then for BART {@code layernorm_embedding}. Post-LN
 * layers: {@code x = ln(x + attn(x))}, in the decoder {@code x = ln(x + cross_attn(x, encoder))},
 * {@code x = ln(x + fc2(act(fc1(x))))}; all projections with biases, scores scaled by {@code head_dim^-0.5}. The LM
 * head is the (decoder) token embedding table, plus {@code final_logits_bias}.
 */
public final class BartModel implements Seq2SeqLm {

    private final BartConfig config;
    private final AutoCloseable weightsResource;
    private final float embedScale;

    private final Embedding encoderTokens;           // model.shared.weight [vocab, d_model] (Marian unshared: model.encoder.embed_tokens.weight)
    private final Embedding decoderTokens;           // model.shared.weight (Marian unshared: model.decoder.embed_tokens.weight [decoder_vocab, d_model])
    private final Embedding encoderPositions;        // BART: model.encoder.embed_positions.weight [max_positions + 2, d_model]; Marian: null
    private final Embedding decoderPositions;        // BART: model.decoder.embed_positions.weight
    private final float[] sinusoids;                 // Marian: [max_positions, d_model], computed; BART: null
    private final LayerNorm encoderEmbeddingNorm;    // BART: model.encoder.layernorm_embedding [d_model]; Marian: null
    private final LayerNorm decoderEmbeddingNorm;    // BART: model.decoder.layernorm_embedding
    private final SelfAttention[] encoderAttn;       // model.encoder.layers.N.self_attn.{q,k,v,out}_proj [d_model, d_model] + bias
    private final LayerNorm[] encoderAttnNorm;       // self_attn_layer_norm
    private final Mlp[] encoderFfn;                  // fc1 [encoder_ffn_dim, d_model], fc2 [d_model, encoder_ffn_dim]
    private final LayerNorm[] encoderFfnNorm;        // final_layer_norm
    private final SelfAttention[] decoderAttn;       // model.decoder.layers.N.self_attn
    private final LayerNorm[] decoderAttnNorm;
    private final CrossAttention[] crossAttn;        // encoder_attn.{q,k,v,out}_proj
    private final LayerNorm[] crossNorm;             // encoder_attn_layer_norm
    private final Mlp[] decoderFfn;
    private final LayerNorm[] decoderFfnNorm;
    private final Linear lmHead;                     // tied: the decoder token table; else lm_head.weight [decoder_vocab, d_model]
    private final float[] finalLogitsBias;           // final_logits_bias [1, decoder_vocab]
    private final StepLayer[] decoderStep;           // the decoder's projections again, for the batched step
    private final Activation activation;
    private final Attention.Shape decoderShape;

    /** One decoder layer's self-attention and feed-forward projections (same tensors) for {@link #decodeStep}. */
    private record StepLayer(StepLinear q, StepLinear k, StepLinear v, StepLinear o, StepLinear fc1, StepLinear fc2) {
    }

    public BartModel(BartConfig config, WeightSource weights, AutoCloseable weightsResource) {
        this.config = config;
        this.weightsResource = weightsResource;
        int d = config.dModel();
        int vocab = config.vocabSize();
        int decoderVocab = config.decoderVocabSize();
        float eps = 1e-5f; // nn.LayerNorm's default; BART and Marian do not configure it
        embedScale = config.scaleEmbedding() ? (float) Math.sqrt(d) : 1f;
        activation = Activation.fromHf(config.activationFunction());

        Tensor decoderTable;
        if (config.shareEncoderDecoderEmbeddings()) {
            Tensor shared = weights.tensor("model.shared.weight", vocab, d);
            encoderTokens = new Embedding(shared);
            decoderTable = shared;
        } else {
            encoderTokens = new Embedding(weights.tensor("model.encoder.embed_tokens.weight", vocab, d));
            decoderTable = weights.tensor("model.decoder.embed_tokens.weight", decoderVocab, d);
        }
        decoderTokens = new Embedding(decoderTable);
        if (config.marian()) {
            encoderPositions = null;
            decoderPositions = null;
            sinusoids = sinusoidalTable(config.maxPositionEmbeddings(), d);
            encoderEmbeddingNorm = null;
            decoderEmbeddingNorm = null;
        } else {
            int rows = config.maxPositionEmbeddings() + 2;
            encoderPositions = new Embedding(weights.tensor("model.encoder.embed_positions.weight", rows, d));
            decoderPositions = new Embedding(weights.tensor("model.decoder.embed_positions.weight", rows, d));
            sinusoids = null;
            encoderEmbeddingNorm = layerNorm(weights, "model.encoder.layernorm_embedding", d, eps);
            decoderEmbeddingNorm = layerNorm(weights, "model.decoder.layernorm_embedding", d, eps);
        }

        int el = config.encoderLayers();
        int eh = config.encoderAttentionHeads();
        Attention.Shape encoderShape = new Attention.Shape(eh, eh, d / eh, (float) Math.pow(d / eh, -0.5), false, 0);
        encoderAttn = new SelfAttention[el];
        encoderAttnNorm = new LayerNorm[el];
        encoderFfn = new Mlp[el];
        encoderFfnNorm = new LayerNorm[el];
        for (int l = 0; l < el; l++) {
            String p = "model.encoder.layers." + l + ".";
            encoderAttn[l] = new SelfAttention(linear(weights, p + "self_attn.q_proj", d, d), linear(weights, p + "self_attn.k_proj", d, d),
                    linear(weights, p + "self_attn.v_proj", d, d), linear(weights, p + "self_attn.out_proj", d, d), encoderShape, null);
            encoderAttnNorm[l] = layerNorm(weights, p + "self_attn_layer_norm", d, eps);
            encoderFfn[l] = new Mlp(linear(weights, p + "fc1", config.encoderFfnDim(), d),
                    linear(weights, p + "fc2", d, config.encoderFfnDim()), activation);
            encoderFfnNorm[l] = layerNorm(weights, p + "final_layer_norm", d, eps);
        }

        int dl = config.decoderLayers();
        int dh = config.decoderAttentionHeads();
        float decoderScale = (float) Math.pow(d / dh, -0.5);
        decoderShape = new Attention.Shape(dh, dh, d / dh, decoderScale, true, 0);
        decoderAttn = new SelfAttention[dl];
        decoderAttnNorm = new LayerNorm[dl];
        crossAttn = new CrossAttention[dl];
        crossNorm = new LayerNorm[dl];
        decoderFfn = new Mlp[dl];
        decoderFfnNorm = new LayerNorm[dl];
        decoderStep = new StepLayer[dl];
        for (int l = 0; l < dl; l++) {
            String p = "model.decoder.layers." + l + ".";
            decoderAttn[l] = new SelfAttention(linear(weights, p + "self_attn.q_proj", d, d), linear(weights, p + "self_attn.k_proj", d, d),
                    linear(weights, p + "self_attn.v_proj", d, d), linear(weights, p + "self_attn.out_proj", d, d), decoderShape, null);
            decoderAttnNorm[l] = layerNorm(weights, p + "self_attn_layer_norm", d, eps);
            crossAttn[l] = new CrossAttention(linear(weights, p + "encoder_attn.q_proj", d, d), linear(weights, p + "encoder_attn.k_proj", d, d),
                    linear(weights, p + "encoder_attn.v_proj", d, d), linear(weights, p + "encoder_attn.out_proj", d, d),
                    dh, d / dh, decoderScale, weights.tensor(p + "encoder_attn.q_proj.bias", d),
                    weights.tensor(p + "encoder_attn.out_proj.bias", d));
            decoderStep[l] = new StepLayer(step(weights, p + "self_attn.q_proj", d, d), step(weights, p + "self_attn.k_proj", d, d),
                    step(weights, p + "self_attn.v_proj", d, d), step(weights, p + "self_attn.out_proj", d, d),
                    step(weights, p + "fc1", config.decoderFfnDim(), d), step(weights, p + "fc2", d, config.decoderFfnDim()));
            crossNorm[l] = layerNorm(weights, p + "encoder_attn_layer_norm", d, eps);
            decoderFfn[l] = new Mlp(linear(weights, p + "fc1", config.decoderFfnDim(), d),
                    linear(weights, p + "fc2", d, config.decoderFfnDim()), activation);
            decoderFfnNorm[l] = layerNorm(weights, p + "final_layer_norm", d, eps);
        }
        lmHead = Linear.withoutBias(config.tieWordEmbeddings() || !weights.has("lm_head.weight")
                ? decoderTable : weights.tensor("lm_head.weight", decoderVocab, d));
        finalLogitsBias = weights.has("final_logits_bias")
                ? weights.tensor("final_logits_bias", 1, decoderVocab).toFloatArray()
                : new float[decoderVocab];
    }

    private static Linear linear(WeightSource weights, String name, int out, int in) {
        return new Linear(weights.tensor(name + ".weight", out, in), weights.tensor(name + ".bias", out));
    }

    private static StepLinear step(WeightSource weights, String name, int out, int in) {
        return StepLinear.of(weights.tensor(name + ".weight", out, in), weights.tensor(name + ".bias", out));
    }

    private static LayerNorm layerNorm(WeightSource weights, String name, int d, float eps) {
        return new LayerNorm(weights.tensor(name + ".weight", d), weights.tensor(name + ".bias", d), d, eps);
    }

    /**
     * HF's {@code MarianSinusoidalPositionalEmbedding._init_weight}, in float64 then rounded to float32: column
     * {@code j < ceil(d/2)} holds {@code sin(pos / 10000^(2j/d))}, column {@code ceil(d/2) + j} holds
     * {@code cos(pos / 10000^(2j/d))}.
     */
    static float[] sinusoidalTable(int positions, int dim) {
        int sentinel = dim % 2 == 0 ? dim / 2 : dim / 2 + 1;
        float[] table = new float[positions * dim];
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < dim; j++) {
                double angle = pos / Math.pow(10000, 2.0 * (j / 2) / dim);
                if (j % 2 == 0) {
                    table[pos * dim + j / 2] = (float) Math.sin(angle);
                } else {
                    table[pos * dim + sentinel + j / 2] = (float) Math.cos(angle);
                }
            }
        }
        return table;
    }

    public BartConfig config() {
        return config;
    }

    @Override
    public String modelType() {
        return config.modelType();
    }

    @Override
    public int vocabSize() {
        return config.decoderVocabSize();
    }

    @Override
    public int hiddenSize() {
        return config.dModel();
    }

    @Override
    public int decoderStartTokenId() {
        return config.decoderStartTokenId();
    }

    @Override
    public int eosTokenId() {
        return config.eosTokenId();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    /** Token embeddings · scale + the positions {@code [pos0, pos0 + rows)}, then (BART) the embedding norm. */
    private void embed(Embedding tokens, Embedding positions, LayerNorm norm, int[] ids, int pos0, float[] x, float[] scratch) {
        int rows = ids.length;
        int d = config.dModel();
        if (pos0 + rows > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + (pos0 + rows) + " positions exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        tokens.lookup(ids, 0, rows, x, 0);
        if (embedScale != 1f) {
            for (int i = 0; i < rows * d; i++) {
                x[i] *= embedScale;
            }
        }
        if (positions != null) {
            for (int r = 0; r < rows; r++) {
                positions.row(pos0 + r + 2, scratch, r * d); // BartLearnedPositionalEmbedding's offset
            }
        } else {
            System.arraycopy(sinusoids, pos0 * d, scratch, 0, rows * d);
        }
        Axpy.axpy(1f, scratch, 0, x, 0, rows * d);
        if (norm != null) {
            norm.forward(x, 0, rows, scratch, 0);
            System.arraycopy(scratch, 0, x, 0, rows * d);
        }
    }

    /** {@code x = norm(x + delta)}. */
    private static void addAndNorm(LayerNorm norm, float[] x, float[] delta, int rows, int d) {
        Axpy.axpy(1f, delta, 0, x, 0, rows * d);
        norm.forward(x, 0, rows, delta, 0);
        System.arraycopy(delta, 0, x, 0, rows * d);
    }

    @Override
    public synchronized EncoderOutput encode(int[] inputIds, boolean[] attentionMask) {
        int rows = inputIds.length;
        int d = config.dModel();
        float[] x = new float[rows * d];
        float[] delta = new float[rows * d];
        float[] keys = new float[rows * d];
        float[] values = new float[rows * d];
        embed(encoderTokens, encoderPositions, encoderEmbeddingNorm, inputIds, 0, x, delta);
        boolean[] keyValid = attentionMask == null ? null : attentionMask.clone();
        for (int l = 0; l < config.encoderLayers(); l++) {
            encoderAttn[l].forward(x, 0, rows, 0, keys, values, keyValid, null, 0, delta, 0);
            addAndNorm(encoderAttnNorm[l], x, delta, rows, d);
            encoderFfn[l].forward(x, 0, rows, delta, 0);
            addAndNorm(encoderFfnNorm[l], x, delta, rows, d);
        }
        return new EncoderOutput(x, rows, d, keyValid);
    }

    @Override
    public synchronized DecoderState newDecoderState(EncoderOutput encoded) {
        int layers = config.decoderLayers();
        float[][] keys = new float[layers][];
        float[][] values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = crossAttn[l].keys(encoded);
            values[l] = crossAttn[l].values(encoded);
        }
        int heads = config.decoderAttentionHeads();
        return new DecoderState(encoded, keys, values,
                new KVCache(layers, heads, config.dModel() / heads, config.maxPositionEmbeddings()));
    }

    @Override
    public synchronized float[] decode(int[] ids, DecoderState state, boolean allRows) {
        int rows = ids.length;
        int d = config.dModel();
        KVCache cache = state.cache();
        int pos0 = cache.length();
        cache.ensureCapacity(pos0 + rows);
        float[] x = new float[rows * d];
        float[] delta = new float[rows * d];
        embed(decoderTokens, decoderPositions, decoderEmbeddingNorm, ids, pos0, x, delta);
        for (int l = 0; l < config.decoderLayers(); l++) {
            decoderAttn[l].forward(x, 0, rows, pos0, cache.keys(l), cache.values(l), null, null, 0, delta, 0);
            addAndNorm(decoderAttnNorm[l], x, delta, rows, d);
            crossAttn[l].forward(x, 0, rows, state.crossKeys(l), state.crossValues(l), state.encoder(), delta, 0);
            addAndNorm(crossNorm[l], x, delta, rows, d);
            decoderFfn[l].forward(x, 0, rows, delta, 0);
            addAndNorm(decoderFfnNorm[l], x, delta, rows, d);
        }
        cache.setLength(pos0 + rows);
        int first = allRows ? 0 : rows - 1;
        int outRows = rows - first;
        int vocab = config.decoderVocabSize();
        float[] logits = new float[outRows * vocab];
        lmHead.forward(x, first * d, outRows, logits, 0);
        for (int r = 0; r < outRows; r++) {
            Axpy.axpy(1f, finalLogitsBias, 0, logits, r * vocab, vocab);
        }
        return logits;
    }

    /**
     * The batched decoder step: each projection reads its weights once for all {@code count} rows
     * ({@link StepLinear}); embeddings, positions, attention and norms run row by row on each row's own position,
     * cache and encoder, so row {@code i} equals {@code decode(new int[] {tokens[i]}, states[i], false)} bit for bit.
     */
    @Override
    public synchronized void decodeStep(int[] tokens, DecoderState[] states, int count, float[] logits, int off) {
        if (count == 1) {
            float[] row = decode(new int[] {tokens[0]}, states[0], false);
            System.arraycopy(row, 0, logits, off, row.length);
            return;
        }
        int d = config.dModel();
        int ff = config.decoderFfnDim();
        float[] x = new float[count * d];
        float[] delta = new float[count * d];
        float[] q = new float[count * d];
        float[] k = new float[count * d];
        float[] v = new float[count * d];
        float[] attended = new float[count * d];
        float[] h = new float[count * ff];
        int[] pos = new int[count];
        for (int i = 0; i < count; i++) {
            KVCache cache = states[i].cache();
            pos[i] = cache.length();
            cache.ensureCapacity(pos[i] + 1);
            embed(decoderTokens, decoderPositions, decoderEmbeddingNorm, new int[] {tokens[i]}, pos[i], q, delta);
            System.arraycopy(q, 0, x, i * d, d);
        }
        for (int l = 0; l < config.decoderLayers(); l++) {
            StepLayer p = decoderStep[l];
            p.q().forward(x, count, q);
            p.k().forward(x, count, k);
            p.v().forward(x, count, v);
            for (int i = 0; i < count; i++) {
                KVCache cache = states[i].cache();
                System.arraycopy(k, i * d, cache.keys(l), pos[i] * d, d);
                System.arraycopy(v, i * d, cache.values(l), pos[i] * d, d);
                Attention.attend(decoderShape, q, i * d, 1, pos[i], cache.keys(l), cache.values(l), 0, pos[i] + 1,
                        null, null, 0, attended, i * d);
            }
            p.o().forward(attended, count, delta);
            addAndNormRows(decoderAttnNorm[l], x, delta, count, d);
            crossAttn[l].forwardRows(x, count, states, l, delta);
            addAndNormRows(crossNorm[l], x, delta, count, d);
            p.fc1().forward(x, count, h);
            for (int i = 0; i < count; i++) {
                Activations.apply(activation, h, i * ff, h, i * ff, ff);
            }
            p.fc2().forward(h, count, delta);
            addAndNormRows(decoderFfnNorm[l], x, delta, count, d);
        }
        for (int i = 0; i < count; i++) {
            states[i].cache().setLength(pos[i] + 1);
        }
        int vocab = config.decoderVocabSize();
        MatVecRows.matVecRows(lmHead.weight(), x, 0, count, logits, off);
        for (int i = 0; i < count; i++) {
            Axpy.axpy(1f, finalLogitsBias, 0, logits, off + i * vocab, vocab);
        }
    }

    /** {@link #addAndNorm} row by row, as the one-row step does its single row. */
    private static void addAndNormRows(LayerNorm norm, float[] x, float[] delta, int rows, int d) {
        for (int r = 0; r < rows; r++) {
            Axpy.axpy(1f, delta, r * d, x, r * d, d);
        }
        norm.forward(x, 0, rows, delta, 0);
        System.arraycopy(delta, 0, x, 0, rows * d);
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
