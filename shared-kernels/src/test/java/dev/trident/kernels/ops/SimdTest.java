package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The configuration the surefire executions set (scalar, 256- and 128-bit) is the one the kernels run with. */
class SimdTest {

    @Test
    void speciesFollowsTheProperties() {
        String bits = System.getProperty("trident.kernels.vectorBits");
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int expected = bits == null || bits.isBlank() ? preferred : Math.min(Integer.parseInt(bits), preferred);
        assertThat(Simd.F.vectorBitSize()).isEqualTo(expected);
        assertThat(Simd.L).isEqualTo(expected / 32);
        assertThat(Simd.S_HALF.length()).isEqualTo(Simd.L);
        assertThat(Simd.B_Q.length()).isEqualTo(Simd.L * Simd.B_Q_PARTS);
        assertThat(32 % Simd.B_Q.length()).isZero();
        assertThat(Simd.SCALAR).isEqualTo(Boolean.getBoolean("trident.kernels.scalar"));
        System.out.println("kernels: " + Simd.describe());
    }
}
