package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

/** Shared helpers for the kernel tests: seeded random data and tolerance checks. */
final class KernelTesting {

    /** Lengths that hit every code path: 1, odd sizes, around the 4/8/16-lane vector and 4-vector unroll edges. */
    static final int[] LENGTHS = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 129, 257, 1000, 4099};

    /** Float32 unit roundoff, 2^-24. */
    static final double U = 0x1p-24;

    private KernelTesting() {
    }

    static float[] gaussian(Random random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * scale);
        }
        return out;
    }

    static float[] uniform(Random random, int n, double low, double high) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (low + random.nextDouble() * (high - low));
        }
        return out;
    }

    /**
     * Tolerance for two float32 evaluations of a sum of n products in different orders: each is within
     * γ_n · Σ|a_i b_i| of the exact value (γ_n = n·u/(1 - n·u), the standard recursive-summation bound, which
     * covers FMA and pairwise orders too), so they are within 2·γ_n·Σ|a_i b_i| of each other.
     */
    static double dotTolerance(int n, double sumOfAbsProducts) {
        double gamma = (n + 1) * U / (1 - (n + 1) * U);
        return 2 * gamma * sumOfAbsProducts + Float.MIN_NORMAL;
    }

    static void assertClose(float[] actual, float[] expected, double relative, double absolute, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            double tolerance = absolute + relative * Math.abs(expected[i]);
            assertThat((double) actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(tolerance));
        }
    }
}
