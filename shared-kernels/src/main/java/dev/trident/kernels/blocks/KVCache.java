package dev.trident.kernels.blocks;

/**
 * Keys and values of one sequence for every layer, {@code [layer][position][kvHeads][headDim]} in float32, grown
 * as the sequence grows up to {@code maxPositions}. {@link #truncate(int)} cuts it back to a common prefix, which
 * is how a chat session reuses its cache for a follow-up turn.
 */
public final class KVCache {

    private final int layers;
    private final int rowWidth;
    private final int maxPositions;
    private final float[][] keys;
    private final float[][] values;
    private int length;

    public KVCache(int layers, int kvHeads, int headDim, int maxPositions) {
        this.layers = layers;
        this.rowWidth = kvHeads * headDim;
        this.maxPositions = maxPositions;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[0];
            values[l] = new float[0];
        }
    }

    /** Positions held (the same for every layer once a forward pass is complete). */
    public int length() {
        return length;
    }

    public int layers() {
        return layers;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Floats per position and layer: {@code kvHeads · headDim}. */
    public int rowWidth() {
        return rowWidth;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Makes room for positions up to {@code positions} in every layer (capacity doubles, to amortise copies). */
    public void ensureCapacity(int positions) {
        if (positions > maxPositions) {
            throw new IllegalArgumentException("sequence of " + positions + " positions exceeds the context of " + maxPositions);
        }
        long needed = (long) positions * rowWidth;
        if (keys[0].length >= needed) {
            return;
        }
        int capacity = (int) Math.min((long) maxPositions * rowWidth, Math.max(needed, 2L * keys[0].length));
        for (int l = 0; l < layers; l++) {
            keys[l] = java.util.Arrays.copyOf(keys[l], capacity);
            values[l] = java.util.Arrays.copyOf(values[l], capacity);
        }
    }

    /** Records that positions {@code [0, length)} now hold valid keys and values in every layer. */
    public void setLength(int length) {
        if (length < 0 || (long) length * rowWidth > keys[0].length) {
            throw new IllegalArgumentException("length " + length + " outside the cache's capacity");
        }
        this.length = length;
    }

    /** Forgets everything after the first {@code keep} positions. */
    public void truncate(int keep) {
        setLength(Math.min(keep, length));
    }

    /** Bytes held by the buffers (capacity, not just the valid part). */
    public long bytes() {
        return 2L * layers * keys[0].length * Float.BYTES;
    }
}
