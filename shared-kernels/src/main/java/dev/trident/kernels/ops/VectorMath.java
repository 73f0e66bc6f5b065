package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Vector building blocks built only from lane-wise IEEE operations (add, mul, fma, compares, bit moves), so a
 * kernel gives the same bits whether it runs interpreted, in C1 or in C2.
 *
 * <p>Why not the API's own: {@code reduceLanes(ADD)} sums in an unspecified order (the Java fallback goes left to
 * right, the C2 intrinsic by a tree), and {@code lanewise(EXP/TANH)} is SVML in C2 but a per-lane
 * {@code Math.exp} before that; both made the first calls of a kernel differ in the last bits from the later ones.
 */
final class VectorMath {

    private static final VectorShuffle<Float> XOR_8 = VectorShuffle.fromOp(F, lane -> (lane ^ 8) & (L - 1));
    private static final VectorShuffle<Float> XOR_4 = VectorShuffle.fromOp(F, lane -> (lane ^ 4) & (L - 1));
    private static final VectorShuffle<Float> XOR_2 = VectorShuffle.fromOp(F, lane -> (lane ^ 2) & (L - 1));
    private static final VectorShuffle<Float> XOR_1 = VectorShuffle.fromOp(F, lane -> (lane ^ 1) & (L - 1));

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f; // few mantissa bits: n · LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5 · 2^23: adding it rounds to an integer (nearest even)
    private static final float EXP_MAX_INPUT = 88.3f;   // keeps 2^n with n ≤ 127
    private static final float EXP_MIN_INPUT = -87.33f; // below, the result would be subnormal: flushed to 0

    private VectorMath() {
    }

    /** Sum of all lanes by a fixed butterfly (pairs 8 apart, then 4, 2, 1), deterministic in every tier. */
    static float sumLanes(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(XOR_8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(XOR_4));
        }
        v = v.add(v.rearrange(XOR_2));
        v = v.add(v.rearrange(XOR_1));
        return v.lane(0);
    }

    /**
     * e^x lane-wise: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite), e^r by its degree-7 Taylor polynomial (truncation
     * below 1e-8 relative), times 2^n built in the exponent bits. Within about 2 ulp of {@link Math#exp}.
     * Results below {@link Float#MIN_NORMAL} are 0, inputs above 88.3 give +Inf (e^88.3 ≈ 2.1e38), -Inf gives 0.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_MIN_INPUT).min(EXP_MAX_INPUT);
        FloatVector n = clamped.fma(LOG2E, ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = n.mul(-LN2_HI).add(clamped); // exact product, one rounding
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, 1f / 5040f);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 720f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6f));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        IntVector exponent = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = p.mul(exponent.reinterpretAsFloats());
        result = result.blend(0f, x.compare(VectorOperators.LT, EXP_MIN_INPUT));
        return result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX_INPUT));
    }
}
