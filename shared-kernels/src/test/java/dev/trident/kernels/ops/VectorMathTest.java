package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {

    /** Within 3 ulp of Math.exp over the normal range (the polynomial truncation is far below 1 ulp). */
    @Test
    void expIsAccurateAndHandlesTheEdges() {
        Random random = new Random(131);
        float[] x = new float[Simd.L];
        float[] y = new float[Simd.L];
        for (int trial = 0; trial < 2000; trial++) {
            for (int i = 0; i < Simd.L; i++) {
                x[i] = (float) (random.nextDouble() * 175 - 87);
            }
            VectorMath.exp(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < Simd.L; i++) {
                float expected = (float) Math.exp(x[i]);
                assertThat(Math.abs(y[i] - expected)).as("exp(%s)", x[i]).isLessThanOrEqualTo(3 * Math.ulp(expected));
            }
        }
        float[] edges = new float[Simd.L];
        float[] special = {Float.NEGATIVE_INFINITY, -200f, 0f, 1f, 89f, Float.POSITIVE_INFINITY, -1f, 88f};
        for (int i = 0; i < Simd.L; i++) {
            edges[i] = special[i % special.length];
        }
        VectorMath.exp(FloatVector.fromArray(Simd.F, edges, 0)).intoArray(y, 0);
        assertThat(y[0]).isZero();
        assertThat(y[1]).isZero();
        assertThat(y[2]).isEqualTo(1f);
        assertThat(Math.abs(y[3] - (float) Math.E)).isLessThanOrEqualTo(Math.ulp((float) Math.E));
        if (Simd.L > 4) {
            assertThat(y[4]).isInfinite();
            assertThat(y[5]).isInfinite();
        }
    }

    @Test
    void sumLanesAddsEveryLane() {
        float[] x = new float[Simd.L];
        for (int i = 0; i < Simd.L; i++) {
            x[i] = i + 1;
        }
        assertThat(VectorMath.sumLanes(FloatVector.fromArray(Simd.F, x, 0))).isEqualTo(Simd.L * (Simd.L + 1) / 2f);
    }
}
