package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Normalizations over one row of {@code n} floats, {@code src} to {@code dst} ({@code dst} may be {@code src}, same
 * offset, for in place). Statistics in float32 like HF with float32 weights; {@code 1/sqrt} as
 * {@code 1 / (float) Math.sqrt}.
 */
public final class Norms {

    private Norms() {
    }

    /**
     * LayerNorm (BERT, BART, GPT-2): {@code dst = (x - mean) / sqrt(var + eps) · weight + bias}, biased variance
     * (divide by n) as {@code torch.nn.LayerNorm}. {@code bias} may be null (no bias).
     */
    public static void layerNorm(float[] src, int srcOff, float[] dst, int dstOff, int n,
                                 float[] weight, float[] bias, float eps) {
        if (Simd.SCALAR) {
            layerNormScalar(src, srcOff, dst, dstOff, n, weight, bias, eps);
        } else {
            layerNormVector(src, srcOff, dst, dstOff, n, weight, bias, eps);
        }
    }

    /**
     * {@link #layerNorm} of {@code rows} consecutive rows of {@code n}, split over threads by rows for large blocks
     * (each row is normalised whole by one thread, so results do not depend on the split).
     */
    public static void layerNormRows(float[] src, int srcOff, float[] dst, int dstOff, int rows, int n,
                                     float[] weight, float[] bias, float eps) {
        int minRows = Math.max(1, (1 << 14) / Math.max(1, n));
        if (!Parallel.splits(rows, minRows)) {
            layerNormRange(src, srcOff, dst, dstOff, n, weight, bias, eps, 0, rows);
            return;
        }
        Parallel.forRange(rows, minRows,
                (start, end) -> layerNormRange(src, srcOff, dst, dstOff, n, weight, bias, eps, start, end));
    }

    private static void layerNormRange(float[] src, int srcOff, float[] dst, int dstOff, int n, float[] weight,
                                       float[] bias, float eps, int start, int end) {
        for (int r = start; r < end; r++) {
            layerNorm(src, srcOff + r * n, dst, dstOff + r * n, n, weight, bias, eps);
        }
    }

    // Two passes (mean, then squared deviations) rather than E[x²] - E[x]², which cancels badly when |mean| >> std.
    public static void layerNormVector(float[] src, int srcOff, float[] dst, int dstOff, int n,
                                       float[] weight, float[] bias, float eps) {
        FloatVector sumV = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            sumV = sumV.add(FloatVector.fromArray(F, src, srcOff + i));
        }
        float sum = VectorMath.sumLanes(sumV);
        for (; i < n; i++) {
            sum += src[srcOff + i];
        }
        float mean = sum / n;
        FloatVector sqV = FloatVector.zero(F);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector d = FloatVector.fromArray(F, src, srcOff + i).sub(mean);
            sqV = d.fma(d, sqV);
        }
        float sq = VectorMath.sumLanes(sqV);
        for (; i < n; i++) {
            float d = src[srcOff + i] - mean;
            sq += d * d;
        }
        float inv = 1f / (float) Math.sqrt(sq / n + eps);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector normed = FloatVector.fromArray(F, src, srcOff + i).sub(mean).mul(inv);
            FloatVector scaled = normed.mul(FloatVector.fromArray(F, weight, i));
            if (bias != null) {
                scaled = scaled.add(FloatVector.fromArray(F, bias, i));
            }
            scaled.intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            float v = (src[srcOff + i] - mean) * inv * weight[i];
            dst[dstOff + i] = bias != null ? v + bias[i] : v;
        }
    }

    public static void layerNormScalar(float[] src, int srcOff, float[] dst, int dstOff, int n,
                                       float[] weight, float[] bias, float eps) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += src[srcOff + i];
        }
        float mean = sum / n;
        float sq = 0f;
        for (int i = 0; i < n; i++) {
            float d = src[srcOff + i] - mean;
            sq += d * d;
        }
        float inv = 1f / (float) Math.sqrt(sq / n + eps);
        for (int i = 0; i < n; i++) {
            float v = (src[srcOff + i] - mean) * inv * weight[i];
            dst[dstOff + i] = bias != null ? v + bias[i] : v;
        }
    }

    /**
     * RMSNorm as HF Llama/Mistral/Qwen: {@code dst = weight · (x / sqrt(mean(x²) + eps))}, no mean subtraction,
     * no bias. {@code weight} may be null (no scale).
     */
    public static void rmsNorm(float[] src, int srcOff, float[] dst, int dstOff, int n, float[] weight, float eps) {
        if (Simd.SCALAR) {
            rmsNormScalar(src, srcOff, dst, dstOff, n, weight, eps);
        } else {
            rmsNormVector(src, srcOff, dst, dstOff, n, weight, eps);
        }
    }

    /**
     * T5's {@code T5LayerNorm}: despite the name it is exactly {@link #rmsNorm} (root mean square, no mean
     * subtraction, no bias; HF computes the variance in float32). Here so a T5 block reads as T5.
     */
    public static void t5LayerNorm(float[] src, int srcOff, float[] dst, int dstOff, int n, float[] weight, float eps) {
        rmsNorm(src, srcOff, dst, dstOff, n, weight, eps);
    }

    public static void rmsNormVector(float[] src, int srcOff, float[] dst, int dstOff, int n, float[] weight, float eps) {
        FloatVector sqV = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, src, srcOff + i);
            sqV = v.fma(v, sqV);
        }
        float sq = VectorMath.sumLanes(sqV);
        for (; i < n; i++) {
            sq += src[srcOff + i] * src[srcOff + i];
        }
        float inv = 1f / (float) Math.sqrt(sq / n + eps);
        i = 0;
        for (; i <= n - L; i += L) {
            FloatVector normed = FloatVector.fromArray(F, src, srcOff + i).mul(inv);
            if (weight != null) {
                normed = normed.mul(FloatVector.fromArray(F, weight, i));
            }
            normed.intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            float normed = src[srcOff + i] * inv;
            dst[dstOff + i] = weight != null ? normed * weight[i] : normed;
        }
    }

    public static void rmsNormScalar(float[] src, int srcOff, float[] dst, int dstOff, int n, float[] weight, float eps) {
        float sq = 0f;
        for (int i = 0; i < n; i++) {
            sq += src[srcOff + i] * src[srcOff + i];
        }
        float inv = 1f / (float) Math.sqrt(sq / n + eps);
        for (int i = 0; i < n; i++) {
            float normed = src[srcOff + i] * inv;
            dst[dstOff + i] = weight != null ? normed * weight[i] : normed;
        }
    }
}
