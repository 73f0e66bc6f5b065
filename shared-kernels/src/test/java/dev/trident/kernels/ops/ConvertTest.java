package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Half-precision decoding is exact, so vector and scalar must agree bit for bit on all 65536 patterns. */
class ConvertTest {

    private static MemorySegment allShortPatterns() {
        MemorySegment segment = Arena.ofAuto().allocate(65536L * 2 + 2);
        for (int i = 0; i < 65536; i++) {
            segment.setAtIndex(Tensor.I16_LE, i, (short) i);
        }
        return segment;
    }

    @Test
    void f16DecodesEveryPatternLikeFloat16ToFloat() {
        MemorySegment segment = allShortPatterns();
        float[] vector = new float[65536];
        float[] scalar = new float[65536];
        Convert.f16ToF32Vector(segment, 0, vector, 0, 65536);
        Convert.f16ToF32Scalar(segment, 0, scalar, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            if (Float.isNaN(scalar[i])) {
                // NaN payload/quiet bits are not specified the same in every JDK code path; NaN-ness is.
                assertThat(vector[i]).as("pattern %04x", i).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(vector[i])).as("pattern %04x", i)
                        .isEqualTo(Float.floatToRawIntBits(scalar[i]));
            }
        }
        // An odd count exercises the scalar tail; pattern 0x3c00 is 1.0.
        float[] tail = new float[37];
        Convert.f16ToF32(segment, 2 * 0x3c00, tail, 0, 37);
        assertThat(tail[0]).isEqualTo(1.0f);
    }

    @Test
    void bf16DecodesEveryPatternExactly() {
        MemorySegment segment = allShortPatterns();
        float[] vector = new float[65536];
        float[] scalar = new float[65536];
        Convert.bf16ToF32Vector(segment, 0, vector, 0, 65536);
        Convert.bf16ToF32Scalar(segment, 0, scalar, 0, 65536);
        for (int i = 0; i < 65536; i++) {
            assertThat(Float.floatToRawIntBits(vector[i])).isEqualTo(i << 16).isEqualTo(Float.floatToRawIntBits(scalar[i]));
        }
    }

    @Test
    void bf16RoundingIsNearestEven() {
        assertThat(Tensor.bf16ToFloat(Tensor.floatToBf16(1.0f))).isEqualTo(1.0f);
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties to even (1).
        assertThat(Tensor.bf16ToFloat(Tensor.floatToBf16(1f + 0x1p-8f))).isEqualTo(1.0f);
        assertThat(Tensor.bf16ToFloat(Tensor.floatToBf16(1f + 0x1p-8f + 0x1p-20f))).isEqualTo(1f + 0x1p-7f);
        assertThat(Float.isNaN(Tensor.bf16ToFloat(Tensor.floatToBf16(Float.NaN)))).isTrue();
    }

    @Test
    void q8_0VectorDecodeMatchesScalar() {
        Random random = new Random(61);
        for (int blocks : new int[] {1, 2, 3, 17}) {
            float[] values = KernelTesting.gaussian(random, blocks * 32, 3.0);
            Tensor q = Tensor.q8_0("q", values, blocks * 32);
            float[] vector = new float[blocks * 32];
            float[] scalar = new float[blocks * 32];
            Convert.q8_0ToF32Vector(q.data(), 0, vector, 0, blocks);
            Convert.q8_0ToF32Scalar(q.data(), 0, scalar, 0, blocks);
            assertThat(vector).containsExactly(scalar).containsExactly(q.toFloatArray());
        }
    }
}
