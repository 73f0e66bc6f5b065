package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.KernelTesting.LENGTHS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.trident.kernels.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ActivationsTest {

    /**
     * Vector (float arithmetic, SVML exp/tanh) vs scalar (double, rounded once): a few ulps apart, plus the
     * absolute cancellation of {@code 1 + tanh} in the tanh-GELU negative tail: 2e-6 relative + 1e-6 absolute
     * (GELU erf form keeps relative precision in the tail, it has no cancellation).
     */
    @ParameterizedTest
    @EnumSource(Activation.class)
    void vectorMatchesScalar(Activation act) {
        Random random = new Random(91);
        for (int n : LENGTHS) {
            float[] x = KernelTesting.uniform(random, n, -12, 12);
            float[] vector = new float[n];
            float[] scalar = new float[n];
            Activations.applyVector(act, x, 0, vector, 0, n);
            Activations.applyScalar(act, x, 0, scalar, 0, n);
            KernelTesting.assertClose(vector, scalar, 2e-6, act == Activation.GELU_TANH ? 1e-6 : 1e-12, act + " n=" + n);

            float[] up = KernelTesting.gaussian(random, n, 1.0);
            float[] gatedVector = new float[n];
            float[] gatedScalar = new float[n];
            Activations.gatedVector(act, x, 0, up, 0, gatedVector, 0, n);
            Activations.gatedScalar(act, x, 0, up, 0, gatedScalar, 0, n);
            KernelTesting.assertClose(gatedVector, gatedScalar, 3e-6, act == Activation.GELU_TANH ? 1e-5 : 1e-12,
                    "gated " + act + " n=" + n);
            for (int i = 0; i < n; i++) {
                assertThat((double) gatedScalar[i]).isCloseTo(scalar[i] * up[i], within(1e-6 * Math.abs(scalar[i] * up[i]) + 1e-30));
            }
        }
    }

    /** Reference values from Python's math.erf / math.tanh / math.exp in double. */
    @Test
    void knownValues() {
        double[][] gelu = {{1, 0.8413447460685429}, {-1, -0.15865525393145707}, {3, 2.99595030590511},
                {-3, -0.00404969409489031}, {0.5, 0.34573123063700656}, {-5, -1.4332578593401202e-06}, {10, 10}, {0, 0}};
        double[][] geluTanh = {{1, 0.8411919906082768}, {-1, -0.15880800939172324}, {3, 2.996362607918227},
                {0.5, 0.34571400982514394}};
        double[][] silu = {{1, 0.7310585786300049}, {-1, -0.2689414213699951}, {3, 2.8577223804672998},
                {-5, -0.03346425462142428}};
        check(Activation.GELU, gelu, 1e-6);
        check(Activation.GELU_TANH, geluTanh, 1e-6);
        check(Activation.SILU, silu, 1e-6);
        check(Activation.RELU, new double[][] {{-2, 0}, {0, 0}, {2.5, 2.5}}, 0);
        assertThat(Activations.erf(0.5)).isCloseTo(0.5204998778130465, within(2e-7));
        assertThat(Activations.erf(-2)).isCloseTo(-0.9953222650189527, within(2e-7));
    }

    private static void check(Activation act, double[][] cases, double relative) {
        // 17 copies so the vector body (any lane count) and the scalar tail both see every value.
        for (double[] c : cases) {
            float[] x = new float[17];
            java.util.Arrays.fill(x, (float) c[0]);
            float[] y = new float[17];
            Activations.apply(act, x, 0, y, 0, 17);
            float[] yv = new float[17];
            Activations.applyVector(act, x, 0, yv, 0, 17);
            for (int i = 0; i < 17; i++) {
                assertThat((double) y[i]).as("%s(%s)", act, c[0]).isCloseTo(c[1], within(relative * Math.abs(c[1]) + 1e-12));
                assertThat((double) yv[i]).as("vector %s(%s)", act, c[0]).isCloseTo(c[1], within(relative * Math.abs(c[1]) + 1e-12));
            }
        }
    }

    @Test
    void hfNames() {
        assertThat(Activation.fromHf("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
        assertThat(Activation.fromHf("silu")).isEqualTo(Activation.SILU);
        assertThat(Activation.fromHf("gelu")).isEqualTo(Activation.GELU);
    }

    @Test
    void largeBlocksSplitOverThreadsWithTheSameResult() {
        float[] x = KernelTesting.gaussian(new Random(19), 100_003, 3.0);
        int saved = Parallel.threads();
        try {
            for (Activation act : Activation.values()) {
                float[] one = new float[x.length];
                float[] two = new float[x.length];
                Parallel.setThreads(1);
                Activations.apply(act, x, 0, one, 0, x.length);
                Parallel.setThreads(2);
                assertThat(Parallel.splits(
                        x.length / Simd.L, Activations.ELEMENTS_PER_CHUNK / Simd.L)).isTrue();
                Activations.apply(act, x, 0, two, 0, x.length);
                assertThat(two).as(act.name()).containsExactly(one);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
