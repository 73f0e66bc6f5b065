package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The {@code k} largest values of a range with their indices, sorted by value descending, ties by lower index
 * (as a stable sort would give). Output arrays are the caller's ({@code k} entries each); nothing is allocated.
 * Inputs must be NaN-free.
 */
public final class TopK {

    private TopK() {
    }

    /**
     * Fills {@code indices[0..k)} and {@code values[0..k)} with the top {@code min(k, n)} entries of
     * {@code x[off .. off + n)}; returns how many were written.
     */
    public static int topK(float[] x, int off, int n, int k, int[] indices, float[] values) {
        return Simd.SCALAR ? scalar(x, off, n, k, indices, values) : vector(x, off, n, k, indices, values);
    }

    /**
     * The scalar insertion, but whole vectors with no lane above the current k-th value are skipped with one
     * compare: with a vocabulary of 32k+ and small k almost every vector is skipped. Same result as the scalar twin.
     */
    public static int vector(float[] x, int off, int n, int k, int[] indices, float[] values) {
        int count = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            if (count == k) {
                if (k == 0 || !FloatVector.fromArray(F, x, off + i).compare(VectorOperators.GT, values[k - 1]).anyTrue()) {
                    continue;
                }
            }
            for (int lane = 0; lane < L; lane++) {
                count = offer(x[off + i + lane], i + lane, count, k, indices, values);
            }
        }
        for (; i < n; i++) {
            count = offer(x[off + i], i, count, k, indices, values);
        }
        return count;
    }

    public static int scalar(float[] x, int off, int n, int k, int[] indices, float[] values) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            count = offer(x[off + i], i, count, k, indices, values);
        }
        return count;
    }

    /** Inserts (value, index) into the sorted top list if it beats the last entry strictly; returns the new count. */
    private static int offer(float value, int index, int count, int k, int[] indices, float[] values) {
        if (count == k && (k == 0 || !(value > values[k - 1]))) {
            return count;
        }
        int pos = count == k ? k - 1 : count;
        // Strictly greater moves up: an equal earlier entry stays ahead (lower index first).
        while (pos > 0 && value > values[pos - 1]) {
            values[pos] = values[pos - 1];
            indices[pos] = indices[pos - 1];
            pos--;
        }
        values[pos] = value;
        indices[pos] = index;
        return count == k ? k : count + 1;
    }
}
