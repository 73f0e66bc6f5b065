package dev.trident.decoder.model;

import dev.trident.kernels.blocks.KVCache;

/**
 * A decoder-only language model: feed token ids after what a sequence's {@link KVCache} already holds, get the
 * next-token logits. Prefill and decode are the same call with more or fewer ids.
 */
public interface CausalLm extends AutoCloseable {

    int vocabSize();

    /** The longest sequence the model's positions allow. */
    int maxPositions();

    /** An empty cache for one sequence of up to {@link #maxPositions()} tokens. */
    KVCache newCache();

    /**
     * Runs {@code ids} at the positions after {@code cache.length()}, appending their keys and values.
     *
     * @param allRows logits for every row ({@code [ids.length][vocab]}), or only for the last ({@code [vocab]})
     */
    float[] forward(int[] ids, KVCache cache, boolean allRows);

    /**
     * One decode step of {@code ids.length} different sequences (continuous batching): {@code ids[j]} is the newest
     * token of the sequence whose cache is {@code caches[j]} (all distinct), run at position
     * {@code caches[j].length()}. The matrix products make one pass over each weight for all sequences; attention
     * stays per sequence. Row {@code j} of the result ({@code [ids.length][vocab]}) is bitwise what
     * {@code forward(new int[] {ids[j]}, caches[j], false)} returns, so batching never changes a sequence's tokens.
     *
     * <p>The returned array is the model's scratch, overwritten by the next call.
     */
    float[] forwardBatch(int[] ids, KVCache[] caches);

    @Override
    void close();
}
