package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Element-wise activations and the gated-MLP product, {@code src → dst} over {@code n} floats ({@code dst} may be
 * {@code src} at the same offset). Vector kernels use {@link VectorMath#exp} (deterministic in every JIT tier)
 * and a vector erfc;
 * the scalar twins compute the same formulas in double.
 *
 * <p>erf: no library erf in Java, so erfc by the Chebyshev-fitted formula of Numerical Recipes ({@code erfcc},
 * fractional error below 1.2e-7 over the whole line). GELU uses erfc directly
 * ({@code gelu(x) = x/2 · erfc(-x/√2)}), so its relative error stays near float precision in the negative tail
 * where {@code 1 + erf} would cancel.
 */
public final class Activations {

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activations() {
    }

    /** {@code dst[i] = act(src[i])}. */
    public static void apply(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        boolean scalar = Simd.SCALAR;
        // Large blocks (an encoder's feed-forward: tokens x 1536) split over threads in whole vectors, so every
        // element takes the same vector or scalar-tail path as in one call.
        int vectors = n / L;
        if (!Parallel.splits(vectors, ELEMENTS_PER_CHUNK / L)) {
            applyRange(scalar, act, src, srcOff, dst, dstOff, n);
            return;
        }
        Parallel.forRange(vectors, ELEMENTS_PER_CHUNK / L, (start, end) -> {
            int from = start * L;
            int to = end == vectors ? n : end * L;
            applyRange(scalar, act, src, srcOff + from, dst, dstOff + from, to - from);
        });
    }

    /** Elements a thread chunk of {@link #apply} needs at least (an erf GELU costs a few ns per element). */
    static final int ELEMENTS_PER_CHUNK = 1 << 14;

    private static void applyRange(boolean scalar, Activation act, float[] src, int srcOff, float[] dst, int dstOff,
                                   int n) {
        if (scalar) {
            applyScalar(act, src, srcOff, dst, dstOff, n);
        } else {
            applyVector(act, src, srcOff, dst, dstOff, n);
        }
    }

    /** Gated MLP product {@code dst[i] = act(gate[i]) · up[i]} (Llama SiLU, Gemma/T5 v1.1 GELU). */
    public static void gated(Activation act, float[] gate, int gateOff, float[] up, int upOff,
                             float[] dst, int dstOff, int n) {
        if (Simd.SCALAR) {
            gatedScalar(act, gate, gateOff, up, upOff, dst, dstOff, n);
        } else {
            gatedVector(act, gate, gateOff, up, upOff, dst, dstOff, n);
        }
    }

    public static void gelu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        apply(Activation.GELU, src, srcOff, dst, dstOff, n);
    }

    public static void geluTanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        apply(Activation.GELU_TANH, src, srcOff, dst, dstOff, n);
    }

    public static void silu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        apply(Activation.SILU, src, srcOff, dst, dstOff, n);
    }

    public static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        apply(Activation.RELU, src, srcOff, dst, dstOff, n);
    }

    public static void applyVector(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        // One switch per call, not per vector: each case is its own loop.
        switch (act) {
            case RELU -> {
                for (; i <= n - L; i += L) {
                    FloatVector.fromArray(F, src, srcOff + i).max(0f).intoArray(dst, dstOff + i);
                }
            }
            case SILU -> {
                for (; i <= n - L; i += L) {
                    siluVector(FloatVector.fromArray(F, src, srcOff + i)).intoArray(dst, dstOff + i);
                }
            }
            case GELU -> {
                for (; i <= n - L; i += L) {
                    geluVector(FloatVector.fromArray(F, src, srcOff + i)).intoArray(dst, dstOff + i);
                }
            }
            case GELU_TANH -> {
                for (; i <= n - L; i += L) {
                    geluTanhVector(FloatVector.fromArray(F, src, srcOff + i)).intoArray(dst, dstOff + i);
                }
            }
        }
        applyScalar(act, src, srcOff + i, dst, dstOff + i, n - i);
    }

    public static void applyScalar(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = scalar(act, src[srcOff + i]);
        }
    }

    public static void gatedVector(Activation act, float[] gate, int gateOff, float[] up, int upOff,
                                   float[] dst, int dstOff, int n) {
        int i = 0;
        switch (act) {
            case RELU -> {
                for (; i <= n - L; i += L) {
                    FloatVector.fromArray(F, gate, gateOff + i).max(0f)
                            .mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(dst, dstOff + i);
                }
            }
            case SILU -> {
                for (; i <= n - L; i += L) {
                    siluVector(FloatVector.fromArray(F, gate, gateOff + i))
                            .mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(dst, dstOff + i);
                }
            }
            case GELU -> {
                for (; i <= n - L; i += L) {
                    geluVector(FloatVector.fromArray(F, gate, gateOff + i))
                            .mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(dst, dstOff + i);
                }
            }
            case GELU_TANH -> {
                for (; i <= n - L; i += L) {
                    geluTanhVector(FloatVector.fromArray(F, gate, gateOff + i))
                            .mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(dst, dstOff + i);
                }
            }
        }
        gatedScalar(act, gate, gateOff + i, up, upOff + i, dst, dstOff + i, n - i);
    }

    public static void gatedScalar(Activation act, float[] gate, int gateOff, float[] up, int upOff,
                                   float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = scalar(act, gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** One value, scalar twin (double inside, rounded once to float). */
    public static float scalar(Activation act, float x) {
        return switch (act) {
            case RELU -> Math.max(x, 0f);
            case SILU -> (float) (x / (1 + Math.exp(-x)));
            case GELU -> (float) (0.5 * x * erfc(-x / Math.sqrt(2)));
            case GELU_TANH -> {
                double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
                yield (float) (0.5 * x * (1 + Math.tanh(inner)));
            }
        };
    }

    static FloatVector siluVector(FloatVector x) {
        return x.div(VectorMath.exp(x.neg()).add(1f));
    }

    static FloatVector geluVector(FloatVector x) {
        FloatVector erfcOfAbs = erfcNonNegative(x.abs().mul(INV_SQRT2));
        // erfc(-z) = 2 - erfc(z) for z >= 0: pick by sign so the negative tail keeps its relative precision.
        VectorMask<Float> positive = x.compare(VectorOperators.GT, 0f);
        FloatVector erfcOfMinus = erfcOfAbs.blend(erfcOfAbs.neg().add(2f), positive);
        return x.mul(0.5f).mul(erfcOfMinus);
    }

    static FloatVector geluTanhVector(FloatVector x) {
        FloatVector cube = x.mul(x).mul(x);
        FloatVector inner = cube.mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
        // x/2 · (1 + tanh(y)) = x / (1 + e^(-2y)): no cancellation of 1 + tanh in the negative tail.
        return x.div(VectorMath.exp(inner.mul(-2f)).add(1f));
    }

    /** erfc(z) for z >= 0, vector (Numerical Recipes erfcc, float arithmetic). */
    static FloatVector erfcNonNegative(FloatVector z) {
        FloatVector t = FloatVector.broadcast(F, 1f).div(z.fma(0.5f, 1f));
        FloatVector poly = t.mul(0.17087277f).add(-0.82215223f);
        poly = poly.fma(t, FloatVector.broadcast(F, 1.48851587f));
        poly = poly.fma(t, FloatVector.broadcast(F, -1.13520398f));
        poly = poly.fma(t, FloatVector.broadcast(F, 0.27886807f));
        poly = poly.fma(t, FloatVector.broadcast(F, -0.18628806f));
        poly = poly.fma(t, FloatVector.broadcast(F, 0.09678418f));
        poly = poly.fma(t, FloatVector.broadcast(F, 0.37409196f));
        poly = poly.fma(t, FloatVector.broadcast(F, 1.00002368f));
        poly = poly.fma(t, FloatVector.broadcast(F, -1.26551223f));
        FloatVector exponent = z.mul(z).neg().add(poly);
        return t.mul(VectorMath.exp(exponent));
    }

    /** erfc(x) for any x, double (Numerical Recipes erfcc, fractional error < 1.2e-7). */
    public static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double ans = t * Math.exp(-z * z + poly);
        return x >= 0 ? ans : 2 - ans;
    }

    /** erf(x) = 1 - erfc(x), absolute error below about 1.2e-7. */
    public static double erf(double x) {
        return 1 - erfc(x);
    }
}
