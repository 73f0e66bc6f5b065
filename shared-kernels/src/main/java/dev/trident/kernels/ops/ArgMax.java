package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Index of the largest value (greedy decoding). Ties go to the lowest index, as {@code torch.argmax}; inputs must
 * be NaN-free (NaN logits are a model bug, not a tie-break question).
 */
public final class ArgMax {

    private ArgMax() {
    }

    /** Index in {@code [0, n)} of the largest {@code x[off + i]}; {@code n} must be positive. */
    public static int argMax(float[] x, int off, int n) {
        return Simd.SCALAR ? scalar(x, off, n) : vector(x, off, n);
    }

    /** Two passes: the max by lane-wise max, then the first lane equal to it. */
    public static int vector(float[] x, int off, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("argmax of an empty range");
        }
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) {
            maxV = maxV.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, off + i).compare(VectorOperators.EQ, max);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (x[off + i] == max) {
                return i;
            }
        }
        return scalar(x, off, n);
    }

    public static int scalar(float[] x, int off, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("argmax of an empty range");
        }
        int best = 0;
        float bestValue = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bestValue) {
                bestValue = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
