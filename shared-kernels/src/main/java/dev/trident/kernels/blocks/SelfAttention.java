package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.ops.Rope;

/**
 * Multi-head self-attention with separate q/k/v/o projections (Llama, Mistral, Qwen2, BERT-style encoders once
 * their fused weights are split): project, rotate q and k when the model uses RoPE, append k and v to a key/value
 * store at the rows' positions, attend over everything stored so far, project out.
 *
 * <p>The store is a {@link KVCache} layer for decoders (so a later call only computes its new rows) or plain
 * arrays for an encoder. Layout of the store: {@code [position][kvHeads][headDim]}.
 */
public final class SelfAttention {

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final Attention.Shape shape;
    private final Rope.Table rope;
    private float[] queries = new float[0];
    private float[] attended = new float[0];
    private float[] newKeys = new float[0];
    private float[] newValues = new float[0];

    /** @param rope null for models without rotary embeddings */
    public SelfAttention(Linear query, Linear key, Linear value, Linear output, Attention.Shape shape, Rope.Table rope) {
        int qWidth = shape.heads() * shape.headDim();
        int kvWidth = shape.kvHeads() * shape.headDim();
        if (query.outFeatures() != qWidth || key.outFeatures() != kvWidth || value.outFeatures() != kvWidth
                || output.inFeatures() != qWidth) {
            throw new IllegalArgumentException("attention projections " + query.weight() + ", " + key.weight() + ", "
                    + value.weight() + ", " + output.weight() + " do not fit " + shape);
        }
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
        this.shape = shape;
        this.rope = rope;
    }

    public Attention.Shape shape() {
        return shape;
    }

    /**
     * Attention for {@code rows} new rows at positions {@code [pos0, pos0 + rows)}, appending their keys and values
     * to layer {@code layer} of {@code cache} (whose capacity the caller has ensured).
     */
    public void forward(float[] x, int xOff, int rows, int pos0, KVCache cache, int layer, float[] out, int outOff) {
        forward(x, xOff, rows, pos0, cache.keys(layer), cache.values(layer), null, null, 0, out, outOff);
    }

    /**
     * The general form: keys and values of the new rows go to {@code keys}/{@code values} at row {@code pos0}, and the
     * rows attend over {@code [0, pos0 + rows)} of them.
     *
     * @param keyValid null, or false for padding keys
     * @param bias     null, or an additive {@code [heads][rows][pos0 + rows]} bias
     */
    public void forward(float[] x, int xOff, int rows, int pos0, float[] keys, float[] values,
                        boolean[] keyValid, float[] bias, int biasOff, float[] out, int outOff) {
        int headDim = shape.headDim();
        int qWidth = shape.heads() * headDim;
        int kvWidth = shape.kvHeads() * headDim;
        if (queries.length < rows * qWidth) {
            queries = new float[rows * qWidth];
            attended = new float[rows * qWidth];
        }
        query.forward(x, xOff, rows, queries, 0);
        key.forward(x, xOff, rows, keys, pos0 * kvWidth);
        value.forward(x, xOff, rows, values, pos0 * kvWidth);
        if (rope != null) {
            for (int r = 0; r < rows; r++) {
                Rope.apply(queries, r * qWidth, shape.heads(), headDim, pos0 + r, rope);
                Rope.apply(keys, (pos0 + r) * kvWidth, shape.kvHeads(), headDim, pos0 + r, rope);
            }
        }
        Attention.attend(shape, queries, 0, rows, pos0, keys, values, 0, pos0 + rows, keyValid, bias, biasOff, attended, 0);
        output.forward(attended, 0, rows, out, outOff);
    }

    /**
     * One decode step of {@code rows} different sequences: row {@code r} of {@code x} is the newest token of the
     * sequence whose cache is {@code caches[r]}, at position {@code caches[r].length()} (capacity ensured by the
     * caller; the length is not advanced here). The projections run batched ({@link Linear#forwardEach}, one pass
     * over each weight), attention per sequence over its own cache; every row is bitwise what
     * {@link #forward(float[], int, int, int, KVCache, int, float[], int)} gives for that token alone.
     */
    public void decodeEach(float[] x, int xOff, int rows, KVCache[] caches, int layer, float[] out, int outOff) {
        int headDim = shape.headDim();
        int qWidth = shape.heads() * headDim;
        int kvWidth = shape.kvHeads() * headDim;
        if (queries.length < rows * qWidth) {
            queries = new float[rows * qWidth];
            attended = new float[rows * qWidth];
        }
        if (newKeys.length < rows * kvWidth) {
            newKeys = new float[rows * kvWidth];
            newValues = new float[rows * kvWidth];
        }
        query.forwardEach(x, xOff, rows, queries, 0);
        key.forwardEach(x, xOff, rows, newKeys, 0);
        value.forwardEach(x, xOff, rows, newValues, 0);
        for (int r = 0; r < rows; r++) {
            int pos = caches[r].length();
            float[] keys = caches[r].keys(layer);
            float[] values = caches[r].values(layer);
            System.arraycopy(newKeys, r * kvWidth, keys, pos * kvWidth, kvWidth);
            System.arraycopy(newValues, r * kvWidth, values, pos * kvWidth, kvWidth);
            if (rope != null) {
                Rope.apply(queries, r * qWidth, shape.heads(), headDim, pos, rope);
                Rope.apply(keys, pos * kvWidth, shape.kvHeads(), headDim, pos, rope);
            }
            Attention.attend(shape, queries, r * qWidth, 1, pos, keys, values, 0, pos + 1, null, null, 0, attended, r * qWidth);
        }
        output.forwardEach(attended, 0, rows, out, outOff);
    }
}
