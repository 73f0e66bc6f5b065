package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class RopeTest {

    /** Same multiplies and adds in the same order (no FMA on either side): vector and scalar agree bit for bit. */
    @ParameterizedTest
    @EnumSource(Rope.Layout.class)
    void vectorMatchesScalarExactly(Rope.Layout layout) {
        Random random = new Random(101);
        for (int headDim : new int[] {2, 6, 16, 34, 64, 80, 128}) {
            for (int rotary : new int[] {headDim, headDim / 2 / 2 * 2}) {
                if (rotary == 0) {
                    continue;
                }
                Rope.Table table = new Rope.Table(Rope.inverseFrequencies(rotary, 10000), 300, layout);
                int heads = 3;
                float[] x = KernelTesting.gaussian(random, 1 + heads * headDim, 1.0);
                float[] vector = x.clone();
                float[] scalar = x.clone();
                Rope.vector(vector, 1, heads, headDim, 257, table);
                Rope.scalar(scalar, 1, heads, headDim, 257, table);
                assertThat(vector).as("headDim %d rotary %d", headDim, rotary).containsExactly(scalar);
                // Dimensions past the rotary part pass through.
                for (int h = 0; h < heads; h++) {
                    for (int d = rotary; d < headDim; d++) {
                        assertThat(vector[1 + h * headDim + d]).isEqualTo(x[1 + h * headDim + d]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Rope.Layout.class)
    void rotationPreservesNormAndIsRelative(Rope.Layout layout) {
        Random random = new Random(102);
        int headDim = 64;
        Rope.Table table = new Rope.Table(Rope.inverseFrequencies(headDim, 10000), 512, layout);
        float[] q = KernelTesting.gaussian(random, headDim, 1.0);
        float[] k = KernelTesting.gaussian(random, headDim, 1.0);
        double norm = Math.sqrt(Dot.scalar(q, 0, q, 0, headDim));
        float[] q0 = q.clone();
        Rope.apply(q0, 0, 1, headDim, 0, table);
        assertThat(q0).containsExactly(q); // position 0: cos 1, sin 0
        // <rope(q, m), rope(k, n)> depends only on m - n.
        double[] dots = new double[3];
        int[][] positions = {{10, 3}, {107, 100}, {407, 400}};
        for (int t = 0; t < 3; t++) {
            float[] qr = q.clone();
            float[] kr = k.clone();
            Rope.apply(qr, 0, 1, headDim, positions[t][0], table);
            Rope.apply(kr, 0, 1, headDim, positions[t][1], table);
            assertThat(Math.sqrt(Dot.scalar(qr, 0, qr, 0, headDim))).isCloseTo(norm, within(1e-5 * norm));
            dots[t] = Dot.scalar(qr, 0, kr, 0, headDim);
        }
        assertThat(dots[1]).isCloseTo(dots[0], within(1e-3));
        assertThat(dots[2]).isCloseTo(dots[0], within(1e-3));
    }

    @Test
    void halfLayoutRotatesDimensionIWithIPlusHalf() {
        // headDim 4: pairs (0, 2) with inv_freq 1 and (1, 3) with inv_freq 1/100. Position 1: angle 1 and 0.01.
        Rope.Table table = new Rope.Table(Rope.inverseFrequencies(4, 10000), 4, Rope.Layout.HALF);
        float[] x = {1, 0, 0, 1};
        Rope.apply(x, 0, 1, 4, 1, table);
        assertThat((double) x[0]).isCloseTo(Math.cos(1), within(1e-7));
        assertThat((double) x[2]).isCloseTo(Math.sin(1), within(1e-7));
        assertThat((double) x[1]).isCloseTo(-Math.sin(0.01), within(1e-7));
        assertThat((double) x[3]).isCloseTo(Math.cos(0.01), within(1e-7));
        Rope.Table pairs = new Rope.Table(Rope.inverseFrequencies(4, 10000), 4, Rope.Layout.INTERLEAVED);
        float[] y = {1, 0, 0, 1};
        Rope.apply(y, 0, 1, 4, 1, pairs);
        assertThat((double) y[0]).isCloseTo(Math.cos(1), within(1e-7));
        assertThat((double) y[1]).isCloseTo(Math.sin(1), within(1e-7));
        assertThat((double) y[2]).isCloseTo(-Math.sin(0.01), within(1e-7));
        assertThat((double) y[3]).isCloseTo(Math.cos(0.01), within(1e-7));
    }

    /**
     * Llama 3.1 rope_scaling (factor 8, low 1, high 4, original 8192, theta 500000, head 128), expected values
     * from HF's _compute_llama3_parameters run in numpy float32: index 30 is in the smoothed band, 40+ scaled by 1/8.
     */
    @Test
    void llama3FrequenciesMatchHf() {
        float[] inv = Rope.inverseFrequencies(128, 500000);
        float[] scaled = Rope.llama3Scaled(inv, 8, 1, 4, 8192);
        double[][] expected = {{0, 1.0, 1.0}, {1, 0.8146172165870667, 0.8146172165870667},
                {20, 0.016560440883040428, 0.016560440883040428}, {30, 0.002131119603291154, 0.0013718936825171113},
                {40, 0.00027424818836152554, 3.428102354519069e-05}, {45, 9.838111145654693e-05, 1.2297638932068367e-05},
                {50, 3.529227615217678e-05, 4.411534519022098e-06}, {63, 2.4551407022954663e-06, 3.068925877869333e-07}};
        for (double[] e : expected) {
            int i = (int) e[0];
            assertThat((double) inv[i]).as("inv_freq[%d]", i).isCloseTo(e[1], within(2e-6 * e[1]));
            assertThat((double) scaled[i]).as("llama3[%d]", i).isCloseTo(e[2], within(2e-6 * e[2]));
        }
        float[] linear = Rope.linearScaled(inv, 4);
        assertThat(linear[10]).isEqualTo(inv[10] / 4f);
    }
}
