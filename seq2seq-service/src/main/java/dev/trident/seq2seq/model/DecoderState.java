package dev.trident.seq2seq.model;

import dev.trident.kernels.blocks.KVCache;

/**
 * One target sequence being decoded against one {@link EncoderOutput}: the cross-attention keys and values of every
 * decoder layer ({@code [layer][sourcePosition][kvHeads·headDim]}, computed once from the encoder output and shared
 * by {@link #fork() forks}) and the decoder's own self-attention {@link KVCache}.
 */
public final class DecoderState {

    private final EncoderOutput encoder;
    private final float[][] crossKeys;
    private final float[][] crossValues;
    private final KVCache cache;

    public DecoderState(EncoderOutput encoder, float[][] crossKeys, float[][] crossValues, KVCache cache) {
        this.encoder = encoder;
        this.crossKeys = crossKeys;
        this.crossValues = crossValues;
        this.cache = cache;
    }

    public EncoderOutput encoder() {
        return encoder;
    }

    public float[] crossKeys(int layer) {
        return crossKeys[layer];
    }

    public float[] crossValues(int layer) {
        return crossValues[layer];
    }

    public KVCache cache() {
        return cache;
    }

    /** Target positions decoded so far. */
    public int length() {
        return cache.length();
    }

    /** An independent copy of the self-attention cache (beam search), sharing the read-only cross keys/values. */
    public DecoderState fork() {
        int layers = crossKeys.length;
        KVCache copy = new KVCache(layers, 1, cache.rowWidth(), cache.maxPositions());
        int length = cache.length();
        copy.ensureCapacity(Math.max(1, length));
        int n = length * cache.rowWidth();
        for (int l = 0; l < layers; l++) {
            System.arraycopy(cache.keys(l), 0, copy.keys(l), 0, n);
            System.arraycopy(cache.values(l), 0, copy.values(l), 0, n);
        }
        copy.setLength(length);
        return new DecoderState(encoder, crossKeys, crossValues, copy);
    }
}
