package dev.trident.seq2seq.model;

import dev.trident.kernels.blocks.Embedding;
import dev.trident.kernels.blocks.GatedMlp;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.Mlp;
import dev.trident.kernels.blocks.RmsNorm;
import dev.trident.kernels.blocks.SelfAttention;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Activations;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.MatVecRows;
import dev.trident.kernels.tensor.Tensor;

/**
 * T5 as HF's {@code T5ForConditionalGeneration} (v1.0 with ReLU, v1.1/Flan with gated GELU): token embeddings
 * ({@code shared}, not scaled, no positions), pre-norm blocks with T5's RMS layer norm (no mean, no bias),
 * {@code x += attn(norm(x))}, in the decoder {@code x += cross_attn(norm(x), encoder)}, {@code x += ff(norm(x))}, a
 * final norm. Attention scores are not scaled ({@code q·k}, no {@code 1/sqrt(d)}); a relative position bias
 * {@code [heads][q][k]} from log-spaced buckets (bidirectional in the encoder, causal in the decoder) lives in block 0
 * and is added in every layer. With tied embeddings the decoder output is multiplied by {@code d_model^-0.5} before
 * the LM head.
 */
public final class T5Model implements Seq2SeqLm {

    /** T5 has no position limit; this only bounds one target sequence's cache. */
    private static final int MAX_TARGET_POSITIONS = 1 << 16;

    private final T5Config config;
    private final AutoCloseable weightsResource;
    private final Attention.Shape encoderShape;
    private final Attention.Shape decoderShape;

    private final Embedding shared;                   // shared.weight [vocab, d_model]
    private final float[] encoderRelativeBias;        // encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight [buckets, heads]
    private final RmsNorm[] encoderAttnNorm;          // encoder.block.N.layer.0.layer_norm.weight [d_model]
    private final SelfAttention[] encoderAttn;        // q/k/v [heads·d_kv, d_model], o [d_model, heads·d_kv]
    private final RmsNorm[] encoderFfNorm;            // encoder.block.N.layer.1.layer_norm.weight
    private final FeedForward[] encoderFf;            // layer.1.DenseReluDense.wi (or wi_0, wi_1) [d_ff, d_model], wo [d_model, d_ff]
    private final RmsNorm encoderFinalNorm;           // encoder.final_layer_norm.weight
    private final float[] decoderRelativeBias;        // decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight
    private final RmsNorm[] decoderAttnNorm;          // decoder.block.N.layer.0.layer_norm.weight
    private final SelfAttention[] decoderAttn;
    private final Projections[] decoderProjections;
    private final RmsNorm[] crossNorm;                // decoder.block.N.layer.1.layer_norm.weight
    private final CrossAttention[] crossAttn;         // decoder.block.N.layer.1.EncDecAttention.q/k/v/o
    private final RmsNorm[] decoderFfNorm;            // decoder.block.N.layer.2.layer_norm.weight
    private final FeedForward[] decoderFf;            // layer.2.DenseReluDense
    private final RmsNorm decoderFinalNorm;           // decoder.final_layer_norm.weight
    private final Linear lmHead;                      // lm_head.weight [vocab, d_model], or shared.weight when tied

    /** {@code wo(act(wi(x)))} or {@code wo(act(wi_0(x)) · wi_1(x))}. */
    private record FeedForward(Mlp plain, GatedMlp gated, Linear wi, Linear wi0, Linear wi1, Linear wo, Activation act) {
        void forward(float[] x, int rows, float[] out) {
            if (plain != null) {
                plain.forward(x, 0, rows, out, 0);
            } else {
                gated.forward(x, 0, rows, out, 0);
            }
        }

        /** {@code rows} independent rows, each bit for bit {@link #forward} of that row alone, weights read once. */
        void forwardRows(float[] x, int rows, float[] out, float[] h, float[] h2) {
            int ff = wo.inFeatures();
            if (plain != null) {
                MatVecRows.matVecRows(wi.weight(), x, 0, rows, h, 0);
                for (int r = 0; r < rows; r++) {
                    Activations.apply(act, h, r * ff, h, r * ff, ff);
                }
            } else {
                MatVecRows.matVecRows(wi0.weight(), x, 0, rows, h, 0);
                MatVecRows.matVecRows(wi1.weight(), x, 0, rows, h2, 0);
                for (int r = 0; r < rows; r++) {
                    Activations.gated(act, h, r * ff, h2, r * ff, h, r * ff, ff);
                }
            }
            MatVecRows.matVecRows(wo.weight(), h, 0, rows, out, 0);
        }
    }

    /** The decoder self-attention projections, kept for the batched step. */
    private record Projections(Linear q, Linear k, Linear v, Linear o) {
    }

    public T5Model(T5Config config, WeightSource weights, AutoCloseable weightsResource) {
        this.config = config;
        this.weightsResource = weightsResource;
        int d = config.dModel();
        int inner = config.innerDim();
        int vocab = config.vocabSize();
        int heads = config.numHeads();
        float eps = (float) config.layerNormEpsilon();
        encoderShape = new Attention.Shape(heads, heads, config.dKv(), 1f, false, 0);
        decoderShape = new Attention.Shape(heads, heads, config.dKv(), 1f, true, 0);

        Tensor sharedTable = weights.tensor("shared.weight", vocab, d);
        shared = new Embedding(sharedTable);
        int buckets = config.relativeAttentionNumBuckets();
        encoderRelativeBias = weights.tensor("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                buckets, heads).toFloatArray();
        decoderRelativeBias = weights.tensor("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                buckets, heads).toFloatArray();

        int el = config.numLayers();
        encoderAttnNorm = new RmsNorm[el];
        encoderAttn = new SelfAttention[el];
        encoderFfNorm = new RmsNorm[el];
        encoderFf = new FeedForward[el];
        for (int l = 0; l < el; l++) {
            String p = "encoder.block." + l + ".layer.";
            encoderAttnNorm[l] = new RmsNorm(weights.tensor(p + "0.layer_norm.weight", d), d, eps);
            encoderAttn[l] = selfAttention(weights, p + "0.SelfAttention.", encoderShape);
            encoderFfNorm[l] = new RmsNorm(weights.tensor(p + "1.layer_norm.weight", d), d, eps);
            encoderFf[l] = feedForward(weights, p + "1.DenseReluDense.");
        }
        encoderFinalNorm = new RmsNorm(weights.tensor("encoder.final_layer_norm.weight", d), d, eps);

        int dl = config.numDecoderLayers();
        decoderAttnNorm = new RmsNorm[dl];
        decoderAttn = new SelfAttention[dl];
        decoderProjections = new Projections[dl];
        crossNorm = new RmsNorm[dl];
        crossAttn = new CrossAttention[dl];
        decoderFfNorm = new RmsNorm[dl];
        decoderFf = new FeedForward[dl];
        for (int l = 0; l < dl; l++) {
            String p = "decoder.block." + l + ".layer.";
            decoderAttnNorm[l] = new RmsNorm(weights.tensor(p + "0.layer_norm.weight", d), d, eps);
            decoderProjections[l] = projections(weights, p + "0.SelfAttention.");
            Projections pr = decoderProjections[l];
            decoderAttn[l] = new SelfAttention(pr.q(), pr.k(), pr.v(), pr.o(), decoderShape, null);
            crossNorm[l] = new RmsNorm(weights.tensor(p + "1.layer_norm.weight", d), d, eps);
            String c = p + "1.EncDecAttention.";
            crossAttn[l] = new CrossAttention(
                    Linear.withoutBias(weights.tensor(c + "q.weight", inner, d)),
                    Linear.withoutBias(weights.tensor(c + "k.weight", inner, d)),
                    Linear.withoutBias(weights.tensor(c + "v.weight", inner, d)),
                    Linear.withoutBias(weights.tensor(c + "o.weight", d, inner)),
                    heads, config.dKv(), 1f, null, null);
            decoderFfNorm[l] = new RmsNorm(weights.tensor(p + "2.layer_norm.weight", d), d, eps);
            decoderFf[l] = feedForward(weights, p + "2.DenseReluDense.");
        }
        decoderFinalNorm = new RmsNorm(weights.tensor("decoder.final_layer_norm.weight", d), d, eps);
        lmHead = Linear.withoutBias(config.tieWordEmbeddings() ? sharedTable : weights.tensor("lm_head.weight", vocab, d));
    }

    private SelfAttention selfAttention(WeightSource weights, String p, Attention.Shape shape) {
        Projections pr = projections(weights, p);
        return new SelfAttention(pr.q(), pr.k(), pr.v(), pr.o(), shape, null);
    }

    private Projections projections(WeightSource weights, String p) {
        int d = config.dModel();
        int inner = config.innerDim();
        return new Projections(
                Linear.withoutBias(weights.tensor(p + "q.weight", inner, d)),
                Linear.withoutBias(weights.tensor(p + "k.weight", inner, d)),
                Linear.withoutBias(weights.tensor(p + "v.weight", inner, d)),
                Linear.withoutBias(weights.tensor(p + "o.weight", d, inner)));
    }

    private FeedForward feedForward(WeightSource weights, String p) {
        int d = config.dModel();
        int ff = config.dFf();
        Activation act = Activation.fromHf(config.denseActFn());
        Linear wo = Linear.withoutBias(weights.tensor(p + "wo.weight", d, ff));
        if (config.gatedAct()) {
            Linear wi0 = Linear.withoutBias(weights.tensor(p + "wi_0.weight", ff, d));
            Linear wi1 = Linear.withoutBias(weights.tensor(p + "wi_1.weight", ff, d));
            return new FeedForward(null, new GatedMlp(wi0, wi1, wo, act), null, wi0, wi1, wo, act);
        }
        Linear wi = Linear.withoutBias(weights.tensor(p + "wi.weight", ff, d));
        return new FeedForward(new Mlp(wi, wo, act), null, wi, null, null, wo, act);
    }

    public T5Config config() {
        return config;
    }

    @Override
    public String modelType() {
        return "t5";
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
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

    @Override
    public synchronized EncoderOutput encode(int[] inputIds, boolean[] attentionMask) {
        int rows = inputIds.length;
        int d = config.dModel();
        int inner = config.innerDim();
        float[] x = new float[rows * d];
        float[] normed = new float[rows * d];
        float[] delta = new float[rows * d];
        float[] keys = new float[rows * inner];
        float[] values = new float[rows * inner];
        shared.lookup(inputIds, 0, rows, x, 0);
        float[] bias = positionBias(encoderRelativeBias, rows, 0, true);
        boolean[] keyValid = attentionMask == null ? null : attentionMask.clone();
        for (int l = 0; l < config.numLayers(); l++) {
            encoderAttnNorm[l].forward(x, 0, rows, normed, 0);
            encoderAttn[l].forward(normed, 0, rows, 0, keys, values, keyValid, bias, 0, delta, 0);
            Axpy.axpy(1f, delta, 0, x, 0, rows * d);
            encoderFfNorm[l].forward(x, 0, rows, normed, 0);
            encoderFf[l].forward(normed, rows, delta);
            Axpy.axpy(1f, delta, 0, x, 0, rows * d);
        }
        encoderFinalNorm.forward(x, 0, rows, normed, 0);
        return new EncoderOutput(normed, rows, d, keyValid);
    }

    @Override
    public synchronized DecoderState newDecoderState(EncoderOutput encoded) {
        int layers = config.numDecoderLayers();
        float[][] keys = new float[layers][];
        float[][] values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = crossAttn[l].keys(encoded);
            values[l] = crossAttn[l].values(encoded);
        }
        return new DecoderState(encoded, keys, values,
                new KVCache(layers, config.numHeads(), config.dKv(), MAX_TARGET_POSITIONS));
    }

    @Override
    public synchronized float[] decode(int[] ids, DecoderState state, boolean allRows) {
        int rows = ids.length;
        int d = config.dModel();
        KVCache cache = state.cache();
        int pos0 = cache.length();
        cache.ensureCapacity(pos0 + rows);
        float[] x = new float[rows * d];
        float[] normed = new float[rows * d];
        float[] delta = new float[rows * d];
        shared.lookup(ids, 0, rows, x, 0);
        float[] bias = positionBias(decoderRelativeBias, rows, pos0, false);
        for (int l = 0; l < config.numDecoderLayers(); l++) {
            decoderAttnNorm[l].forward(x, 0, rows, normed, 0);
            decoderAttn[l].forward(normed, 0, rows, pos0, cache.keys(l), cache.values(l), null, bias, 0, delta, 0);
            Axpy.axpy(1f, delta, 0, x, 0, rows * d);
            crossNorm[l].forward(x, 0, rows, normed, 0);
            crossAttn[l].forward(normed, 0, rows, state.crossKeys(l), state.crossValues(l), state.encoder(), delta, 0);
            Axpy.axpy(1f, delta, 0, x, 0, rows * d);
            decoderFfNorm[l].forward(x, 0, rows, normed, 0);
            decoderFf[l].forward(normed, rows, delta);
            Axpy.axpy(1f, delta, 0, x, 0, rows * d);
        }
        cache.setLength(pos0 + rows);
        int first = allRows ? 0 : rows - 1;
        int outRows = rows - first;
        decoderFinalNorm.forward(x, first * d, outRows, normed, 0);
        if (config.tieWordEmbeddings()) {
            float rescale = (float) Math.pow(d, -0.5);
            for (int i = 0; i < outRows * d; i++) {
                normed[i] *= rescale;
            }
        }
        float[] logits = new float[outRows * config.vocabSize()];
        lmHead.forward(normed, 0, outRows, logits, 0);
        return logits;
    }

    /**
     * The batched decoder step: every weight matrix is read once for all {@code count} rows ({@link MatVecRows}),
     * while attention, norms and residuals run row by row on each row's own cache, position bias and encoder, so row
     * {@code i} equals {@code decode(new int[] {tokens[i]}, states[i], false)} bit for bit.
     */
    @Override
    public synchronized void decodeStep(int[] tokens, DecoderState[] states, int count, float[] logits, int off) {
        if (count == 1) {
            float[] row = decode(new int[] {tokens[0]}, states[0], false);
            System.arraycopy(row, 0, logits, off, row.length);
            return;
        }
        int d = config.dModel();
        int inner = config.innerDim();
        int ff = config.dFf();
        int heads = config.numHeads();
        float[] x = new float[count * d];
        float[] normed = new float[count * d];
        float[] delta = new float[count * d];
        float[] q = new float[count * inner];
        float[] k = new float[count * inner];
        float[] v = new float[count * inner];
        float[] attended = new float[count * inner];
        float[] h = new float[count * ff];
        float[] h2 = new float[count * ff];
        int[] pos = new int[count];
        float[][] bias = new float[count][];
        for (int i = 0; i < count; i++) {
            KVCache cache = states[i].cache();
            pos[i] = cache.length();
            cache.ensureCapacity(pos[i] + 1);
            bias[i] = positionBias(decoderRelativeBias, 1, pos[i], false);
        }
        shared.lookup(tokens, 0, count, x, 0);
        for (int l = 0; l < config.numDecoderLayers(); l++) {
            decoderAttnNorm[l].forward(x, 0, count, normed, 0);
            Projections p = decoderProjections[l];
            MatVecRows.matVecRows(p.q().weight(), normed, 0, count, q, 0);
            MatVecRows.matVecRows(p.k().weight(), normed, 0, count, k, 0);
            MatVecRows.matVecRows(p.v().weight(), normed, 0, count, v, 0);
            for (int i = 0; i < count; i++) {
                KVCache cache = states[i].cache();
                System.arraycopy(k, i * inner, cache.keys(l), pos[i] * inner, inner);
                System.arraycopy(v, i * inner, cache.values(l), pos[i] * inner, inner);
                Attention.attend(decoderShape, q, i * inner, 1, pos[i], cache.keys(l), cache.values(l), 0, pos[i] + 1,
                        null, bias[i], 0, attended, i * inner);
            }
            MatVecRows.matVecRows(p.o().weight(), attended, 0, count, delta, 0);
            addRows(delta, x, count, d);
            crossNorm[l].forward(x, 0, count, normed, 0);
            crossAttn[l].forwardRows(normed, count, states, l, delta);
            addRows(delta, x, count, d);
            decoderFfNorm[l].forward(x, 0, count, normed, 0);
            decoderFf[l].forwardRows(normed, count, delta, h, h2);
            addRows(delta, x, count, d);
        }
        for (int i = 0; i < count; i++) {
            states[i].cache().setLength(pos[i] + 1);
        }
        decoderFinalNorm.forward(x, 0, count, normed, 0);
        if (config.tieWordEmbeddings()) {
            float rescale = (float) Math.pow(d, -0.5);
            for (int i = 0; i < count * d; i++) {
                normed[i] *= rescale;
            }
        }
        MatVecRows.matVecRows(lmHead.weight(), normed, 0, count, logits, off);
    }

    /** {@code x += delta} row by row, as the one-row step adds its single row. */
    private static void addRows(float[] delta, float[] x, int rows, int d) {
        for (int r = 0; r < rows; r++) {
            Axpy.axpy(1f, delta, r * d, x, r * d, d);
        }
    }

    /**
     * The additive bias {@code [heads][rows][pos0 + rows]} for queries at positions {@code pos0..pos0+rows-1} over keys
     * {@code 0..pos0+rows-1}: {@code table[bucket(key - query)][head]}.
     */
    private float[] positionBias(float[] table, int rows, int pos0, boolean bidirectional) {
        int heads = config.numHeads();
        int keys = pos0 + rows;
        float[] bias = new float[heads * rows * keys];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < keys; j++) {
                int bucket = relativePositionBucket(j - (pos0 + i), bidirectional,
                        config.relativeAttentionNumBuckets(), config.relativeAttentionMaxDistance());
                for (int h = 0; h < heads; h++) {
                    bias[(h * rows + i) * keys + j] = table[bucket * heads + h];
                }
            }
        }
        return bias;
    }

    /**
     * HF's {@code T5Attention._relative_position_bucket}: half the buckets for exact small distances, the rest
     * log-spaced up to {@code maxDistance}; bidirectional splits the buckets between keys before and after the query.
     * The log part is evaluated in float32 as torch does.
     */
    static int relativePositionBucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
        int buckets = 0;
        int n = numBuckets;
        int position;
        if (bidirectional) {
            n /= 2;
            if (relativePosition > 0) {
                buckets += n;
            }
            position = Math.abs(relativePosition);
        } else {
            position = -Math.min(relativePosition, 0);
        }
        int maxExact = n / 2;
        if (position < maxExact) {
            return buckets + position;
        }
        float ratio = (float) Math.log((float) position / maxExact);
        float large = ratio / (float) Math.log((double) maxDistance / maxExact) * (float) (n - maxExact);
        int ifLarge = Math.min(maxExact + (int) large, n - 1);
        return buckets + ifLarge;
    }

    @Override
    public void close() {
        if (weightsResource != null) {
            try {
                weightsResource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the weights of a T5 model", e);
            }
        }
    }
}
