package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** Runs where the vector width interleaves (256 or 128 bits: {@code -Dtrident.kernels.vectorBits=256} on AVX-512). */
class Q8_0LanesTest {

    /** Lane j of part k of a group must hold value 4j + k, the byte the shifts take from int lane j. */
    @Test
    void interleavedPutsValueFourJPlusKInLaneJOfPartK() {
        assumeTrue(Q8_0Lanes.INTERLEAVED);
        int groups = 3;
        int n = groups * Q8_0Lanes.GROUP;
        float[] x = new float[n + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        float[] xs = Q8_0Lanes.interleaved(x, 5, n);
        for (int g = 0; g < n; g += Q8_0Lanes.GROUP) {
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < Simd.L; j++) {
                    assertThat(xs[g + k * Simd.L + j]).isEqualTo(5 + g + 4 * j + k);
                }
            }
        }
    }

    /** The packing of MatMul's Q8_0 activation panels reads position p from sourceOf(p): the same map. */
    @Test
    void sourceOfNamesTheValueEachInterleavedPositionHolds() {
        assumeTrue(Q8_0Lanes.INTERLEAVED);
        int n = 4 * Q8_0Lanes.GROUP;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        float[] xs = Q8_0Lanes.interleaved(x, 0, n);
        for (int p = 0; p < n; p++) {
            assertThat(xs[p]).as("position %d", p).isEqualTo(Q8_0Lanes.sourceOf(p));
        }
    }

    @Test
    void groupDividesABlock() {
        assumeTrue(Q8_0Lanes.INTERLEAVED);
        assertThat(32 % Q8_0Lanes.GROUP).isZero();
    }
}
