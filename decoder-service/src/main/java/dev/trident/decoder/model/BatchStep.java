package dev.trident.decoder.model;

import dev.trident.kernels.blocks.KVCache;

/** What the models' batched decode step shares: checks, and scratch that grows to the largest batch seen. */
final class BatchStep {

    float[] x = new float[0];
    float[] normed = new float[0];
    float[] delta = new float[0];
    float[] logits = new float[0];

    void ensure(int rows, int width, int vocab) {
        if (x.length < rows * width) {
            x = new float[rows * width];
            normed = new float[rows * width];
            delta = new float[rows * width];
        }
        if (logits.length != rows * vocab) {
            logits = new float[rows * vocab];
        }
    }

    /** Ensures room for one more position in each of {@code caches}, which must be distinct sequences. */
    static void prepareStep(int[] ids, KVCache[] caches) {
        if (ids.length != caches.length) {
            throw new IllegalArgumentException(ids.length + " tokens for " + caches.length + " caches");
        }
        for (int j = 0; j < caches.length; j++) {
            for (int i = 0; i < j; i++) {
                if (caches[i] == caches[j]) {
                    throw new IllegalArgumentException("sequences " + i + " and " + j + " share one cache");
                }
            }
            caches[j].ensureCapacity(caches[j].length() + 1);
        }
    }

    /** After the step: each cache holds one more position. */
    static void advance(KVCache[] caches) {
        for (KVCache cache : caches) {
            cache.setLength(cache.length() + 1);
        }
    }
}
