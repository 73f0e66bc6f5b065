package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.KernelTesting.LENGTHS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxNormsTest {

    /**
     * Vector vs scalar softmax: each probability is exp(x - max)/sum; exp differs by a few ulps (SVML vs
     * StrictMath-class exp) and the sum by the summation bound, so 1e-6 relative + 1e-9 absolute is ample.
     */
    @Test
    void softmaxVectorMatchesScalarAndSumsToOne() {
        Random random = new Random(81);
        for (int n : LENGTHS) {
            float[] x = KernelTesting.gaussian(random, n, 4.0);
            x[random.nextInt(n)] += 1000f; // stability: a huge logit must not overflow
            float[] vector = x.clone();
            float[] scalar = x.clone();
            Softmax.vector(vector, 0, n);
            Softmax.scalar(scalar, 0, n);
            KernelTesting.assertClose(vector, scalar, 1e-5, 1e-9, "softmax n=" + n);
            double sum = 0;
            for (float p : vector) {
                sum += p;
                assertThat(p).isBetween(0f, 1f);
            }
            assertThat(sum).as("n=%d", n).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void softmaxOfKnownValues() {
        float[] x = {0f, (float) Math.log(3)};
        Softmax.softmax(x, 0, 2);
        assertThat((double) x[0]).isCloseTo(0.25, within(1e-7));
        assertThat((double) x[1]).isCloseTo(0.75, within(1e-7));
        float[] uniform = new float[37];
        Arrays.fill(uniform, 5f);
        Softmax.softmax(uniform, 0, 37);
        for (float p : uniform) {
            assertThat((double) p).isCloseTo(1.0 / 37, within(1e-7));
        }
    }

    @Test
    void softmaxMaskAndLengthLimit() {
        Random random = new Random(82);
        float[] x = KernelTesting.gaussian(random, 40, 1.0);
        float[] mask = new float[40];
        for (int i = 25; i < 40; i++) {
            mask[i] = Float.NEGATIVE_INFINITY;
        }
        float[] masked = x.clone();
        Softmax.softmaxMasked(masked, 0, 40, mask, 0);
        float[] limited = x.clone();
        Softmax.softmax(limited, 0, 40, 25);
        float[] prefix = Arrays.copyOf(x, 25);
        Softmax.softmax(prefix, 0, 25);
        for (int i = 0; i < 40; i++) {
            float expected = i < 25 ? prefix[i] : 0f;
            assertThat((double) masked[i]).isCloseTo(expected, within(1e-7));
            assertThat(limited[i]).isEqualTo(expected);
        }
        float[] allMasked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        Softmax.softmax(allMasked, 0, 3);
        assertThat(allMasked).containsOnly(0f);
    }

    /** Norms: statistics are float sums of n terms, so vector and scalar differ within the summation bound. */
    @Test
    void layerNormVectorMatchesScalarAndNormalizes() {
        Random random = new Random(83);
        for (int n : LENGTHS) {
            if (n == 1) {
                continue;
            }
            float[] x = KernelTesting.gaussian(random, n + 1, 3.0);
            for (int i = 0; i < x.length; i++) {
                x[i] += 10f; // a large mean: the two-pass variance must not cancel
            }
            float[] weight = KernelTesting.gaussian(random, n, 1.0);
            float[] bias = KernelTesting.gaussian(random, n, 1.0);
            float[] vector = new float[n];
            float[] scalar = new float[n];
            Norms.layerNormVector(x, 1, vector, 0, n, weight, bias, 1e-5f);
            Norms.layerNormScalar(x, 1, scalar, 0, n, weight, bias, 1e-5f);
            // The mean is a float sum of n terms, off by up to γ_n·mean|x| in each order; that shifts every
            // normalized value by up to γ_n·mean|x|/std, and the variance's own error scales x̂ by as much.
            double meanAbs = 0;
            double mean0 = 0;
            for (int i = 1; i <= n; i++) {
                meanAbs += Math.abs(x[i]) / n;
                mean0 += x[i] / (double) n;
            }
            double var0 = 0;
            for (int i = 1; i <= n; i++) {
                var0 += (x[i] - mean0) * (x[i] - mean0) / n;
            }
            double gamma = (n + 1) * KernelTesting.U / (1 - (n + 1) * KernelTesting.U);
            double shift = 2 * gamma * meanAbs / Math.sqrt(var0);
            for (int i = 0; i < n; i++) {
                double normalized = (x[1 + i] - mean0) / Math.sqrt(var0);
                double tolerance = 1e-5 * Math.abs(scalar[i]) + shift * Math.abs(weight[i]) * (1 + Math.abs(normalized)) + 1e-6;
                assertThat((double) vector[i]).as("layerNorm n=%d [%d]", n, i).isCloseTo(scalar[i], within(tolerance));
            }

            float[] ones = new float[n];
            Arrays.fill(ones, 1f);
            float[] plain = new float[n];
            Norms.layerNorm(x, 1, plain, 0, n, ones, null, 0f);
            double mean = 0;
            for (float v : plain) {
                mean += v;
            }
            mean /= n;
            double variance = 0;
            for (float v : plain) {
                variance += (v - mean) * (v - mean);
            }
            variance /= n;
            assertThat(mean).as("mean n=%d", n).isCloseTo(0.0, within(1e-5));
            assertThat(variance).as("variance n=%d", n).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void rmsNormVectorMatchesScalarAndHasUnitRms() {
        Random random = new Random(84);
        for (int n : LENGTHS) {
            float[] x = KernelTesting.gaussian(random, n, 2.0);
            float[] weight = KernelTesting.gaussian(random, n, 1.0);
            float[] vector = new float[n];
            float[] scalar = new float[n];
            Norms.rmsNormVector(x, 0, vector, 0, n, weight, 1e-6f);
            Norms.rmsNormScalar(x, 0, scalar, 0, n, weight, 1e-6f);
            // Σx² has only positive terms: relative error ≤ γ_n per order, halved by the square root.
            double gamma = (n + 1) * KernelTesting.U / (1 - (n + 1) * KernelTesting.U);
            KernelTesting.assertClose(vector, scalar, gamma + 1e-6, 1e-7, "rmsNorm n=" + n);

            float[] unit = new float[n];
            Norms.t5LayerNorm(x, 0, unit, 0, n, null, 0f);
            double sq = 0;
            for (float v : unit) {
                sq += v * v;
            }
            assertThat(Math.sqrt(sq / n)).as("rms n=%d", n).isCloseTo(1.0, within(1e-5));
        }
        // Hand-computed: x = (3, 4): mean square 12.5, so x / sqrt(12.5) · w.
        float[] out = new float[2];
        Norms.rmsNorm(new float[] {3, 4}, 0, out, 0, 2, new float[] {2, 1}, 0f);
        assertThat((double) out[0]).isCloseTo(6 / Math.sqrt(12.5), within(1e-6));
        assertThat((double) out[1]).isCloseTo(4 / Math.sqrt(12.5), within(1e-6));
    }
}
