package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Numerically stable softmax in place over a float range: subtract the max, exponentiate, multiply by the
 * reciprocal of the sum (as PyTorch's CPU kernel). A range whose entries are all {@code -Inf} (every key masked)
 * becomes all zeros rather than NaN.
 */
public final class Softmax {

    private Softmax() {
    }

    /** Softmax of {@code x[off .. off + n)} in place. */
    public static void softmax(float[] x, int off, int n) {
        if (Simd.SCALAR) {
            scalar(x, off, n);
        } else {
            vector(x, off, n);
        }
    }

    /**
     * Softmax of the first {@code validLen} entries of {@code x[off .. off + n)}; entries from {@code validLen} on
     * are treated as masked and set to 0 (a key padding length limit).
     */
    public static void softmax(float[] x, int off, int n, int validLen) {
        int valid = Math.max(0, Math.min(n, validLen));
        softmax(x, off, valid);
        Arrays.fill(x, off + valid, off + n, 0f);
    }

    /** Softmax of {@code x + mask} in place: {@code mask[maskOff .. maskOff + n)} is additive (0 or -Inf, or a bias). */
    public static void softmaxMasked(float[] x, int off, int n, float[] mask, int maskOff) {
        if (Simd.SCALAR) {
            Mask.addScalar(mask, maskOff, x, off, n);
            scalar(x, off, n);
        } else {
            Mask.addVector(mask, maskOff, x, off, n);
            vector(x, off, n);
        }
    }

    public static void vector(float[] x, int off, int n) {
        if (n <= 0) {
            return;
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
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(x, off, off + n, 0f);
            return;
        }
        FloatVector sumV = FloatVector.zero(F);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max);
            e = VectorMath.exp(e);
            e.intoArray(x, off + i);
            sumV = sumV.add(e);
        }
        float sum = VectorMath.sumLanes(sumV);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        Axpy.scaleVector(x, off, n, 1f / sum);
    }

    public static void scalar(float[] x, int off, int n) {
        if (n <= 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(x, off, off + n, 0f);
            return;
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        Axpy.scaleScalar(x, off, n, 1f / sum);
    }

    /** Adding an additive mask into scores. */
    static final class Mask {
        private Mask() {
        }

        static void addVector(float[] mask, int maskOff, float[] x, int off, int n) {
            int i = 0;
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(F, x, off + i).add(FloatVector.fromArray(F, mask, maskOff + i)).intoArray(x, off + i);
            }
            for (; i < n; i++) {
                x[off + i] += mask[maskOff + i];
            }
        }

        static void addScalar(float[] mask, int maskOff, float[] x, int off, int n) {
            for (int i = 0; i < n; i++) {
                x[off + i] += mask[maskOff + i];
            }
        }
    }
}
