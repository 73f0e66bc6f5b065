package dev.trident.kernels.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q8_0Test {

    /**
     * Round trip within half a quantization step per block: |x - d·q| ≤ d/2 with d the stored fp16 scale
     * (≈ max|x|/127). Slack 1e-4·d: x·(1/d) carries a couple of ulps, which can move a value sitting within
     * ~1.5e-5 of a rounding midpoint to the other side.
     */
    // The scale itself is fp16: relative error 2^-11 when normal, absolute 2^-25 in fp16's subnormal range.
    @Test
    void roundTripErrorIsWithinHalfAStepPerBlock() {
        Random random = new Random(71);
        for (double magnitude : new double[] {1e-3, 0.02, 1.0, 37.0, 3000.0}) {
            int blocks = 64;
            float[] values = new float[blocks * 32];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * magnitude * (1 + i / 32 % 5));
            }
            Tensor q = Tensor.q8_0("q", values, blocks, 32);
            float[] back = q.toFloatArray();
            for (int b = 0; b < blocks; b++) {
                float maxAbs = 0;
                for (int j = 0; j < 32; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(values[b * 32 + j]));
                }
                float scale = Q8_0.scale(q.data(), b);
                assertThat((double) scale).isCloseTo(maxAbs / 127.0,
                        org.assertj.core.api.Assertions.within(maxAbs / 127.0 * 0x1p-11 + 0x1p-25));
                for (int j = 0; j < 32; j++) {
                    int i = b * 32 + j;
                    assertThat((double) Math.abs(values[i] - back[i])).as("block %d value %d", b, j)
                            .isLessThanOrEqualTo(scale / 2 * (1 + 1e-4));
                }
            }
        }
    }

    @Test
    void layoutIsGgufBlocks() {
        float[] values = new float[32];
        values[0] = 127f;
        values[1] = -63.5f;
        values[2] = 0.4f;
        Tensor q = Tensor.q8_0("q", values, 32);
        assertThat(q.data().byteSize()).isEqualTo(34);
        assertThat(Float.float16ToFloat(q.data().get(Tensor.I16_LE, 0))).isEqualTo(1f);
        assertThat(q.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 127);
        // -63.5 rounds half away from zero, as llama.cpp's roundf.
        assertThat(q.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) -64);
        assertThat(q.getFloat(2)).isEqualTo(0f);
        float[] zeros = new Tensor("z", DType.Q8_0, new int[] {32}, Tensor.q8_0("z", new float[32], 32).data()).toFloatArray();
        assertThat(zeros).containsOnly(0f);
    }

    @Test
    void quantizeFromOtherTypesAndRejectBadShapes() {
        float[] values = new float[64];
        for (int i = 0; i < 64; i++) {
            values[i] = i - 31.5f;
        }
        Tensor q = Tensor.bf16("b", values, 2, 32).quantizeQ8_0();
        assertThat(q.dtype()).isEqualTo(DType.Q8_0);
        assertThat(q.shape()).containsExactly(2, 32);
        assertThatThrownBy(() -> Tensor.q8_0("bad", new float[30], 3, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
