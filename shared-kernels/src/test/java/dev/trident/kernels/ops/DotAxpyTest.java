package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.KernelTesting.LENGTHS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DotAxpyTest {

    @Test
    void dotVectorMatchesScalarWithinSummationBound() {
        Random random = new Random(11);
        for (int n : LENGTHS) {
            for (int offset : new int[] {0, 3}) {
                float[] a = KernelTesting.gaussian(random, n + offset, 2.0);
                float[] b = KernelTesting.gaussian(random, n + offset, 0.5);
                double absSum = 0;
                for (int i = 0; i < n; i++) {
                    absSum += Math.abs((double) a[offset + i] * b[offset + i]);
                }
                float vector = Dot.vector(a, offset, b, offset, n);
                float scalar = Dot.scalar(a, offset, b, offset, n);
                assertThat((double) vector).as("n=%d", n).isCloseTo(scalar, within(KernelTesting.dotTolerance(n, absSum)));
                assertThat((double) Dot.dot(a, offset, b, offset, n)).isCloseTo(scalar, within(KernelTesting.dotTolerance(n, absSum)));
            }
        }
    }

    @Test
    void dotOfKnownValues() {
        float[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
        // Σ i² for i = 1..17 = 17·18·35/6 = 1785, exact in float.
        assertThat(Dot.vector(a, 0, a, 0, 17)).isEqualTo(1785f);
        assertThat(Dot.scalar(a, 0, a, 0, 17)).isEqualTo(1785f);
    }

    /** One FMA (vector) against multiply-then-add (scalar): at most one rounding of the product apart, ≤ 1 ulp of |αx|+|y|. */
    @Test
    void axpyAndScaleVectorMatchScalar() {
        Random random = new Random(12);
        for (int n : LENGTHS) {
            float[] x = KernelTesting.gaussian(random, n, 1.0);
            float[] y0 = KernelTesting.gaussian(random, n, 1.0);
            float[] yVector = y0.clone();
            float[] yScalar = y0.clone();
            Axpy.vector(0.7f, x, 0, yVector, 0, n);
            Axpy.scalar(0.7f, x, 0, yScalar, 0, n);
            for (int i = 0; i < n; i++) {
                double tolerance = 2 * KernelTesting.U * (Math.abs(0.7 * x[i]) + Math.abs(y0[i])) + Float.MIN_NORMAL;
                assertThat((double) yVector[i]).isCloseTo(yScalar[i], within(tolerance));
            }
            float[] sVector = x.clone();
            float[] sScalar = x.clone();
            Axpy.scaleVector(sVector, 0, n, -1.5f);
            Axpy.scaleScalar(sScalar, 0, n, -1.5f);
            assertThat(sVector).containsExactly(sScalar);
        }
        float[] y = {1, 1, 1};
        Axpy.axpy(2f, new float[] {1, 2, 3}, 0, y, 0, 3);
        assertThat(y).containsExactly(3f, 5f, 7f);
    }
}
