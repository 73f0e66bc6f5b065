package dev.trident.kernels.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Q8_0Test {

    @Test
    void roundTripIsWithinTheBoundForEverySourceType() {
        SplittableRandom random = new SplittableRandom(42);
        float[] values = new float[64 * 96];
        for (int i = 0; i < values.length; i++) {
            // Blocks of very different magnitudes, including tiny ones whose float16 scale is subnormal.
            double scale = Math.pow(10, (i / 32) % 9 - 6);
            values[i] = (float) (random.nextGaussian() * scale);
        }
        Tensor f32 = Tensor.f32("w", values, 64, 96);
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor source = convert(f32, dtype);
            Tensor q = Q8_0.quantize(source, Arena.ofAuto());
            assertThat(q.dtype()).isEqualTo(DType.Q8_0);
            assertThat(q.shape()).containsExactly(64, 96);
            assertThat(q.data().byteSize()).isEqualTo(64 * 3 * 34);
            for (int b = 0; b < values.length / 32; b++) {
                float amax = 0;
                for (int i = 0; i < 32; i++) {
                    amax = Math.max(amax, Math.abs(source.getFloat(b * 32 + i)));
                }
                float bound = Q8_0.errorBound(amax);
                for (int i = 0; i < 32; i++) {
                    int k = b * 32 + i;
                    assertThat(Math.abs(q.getFloat(k) - source.getFloat(k))).as(dtype + " element " + k).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void blockLayoutMatchesGgml() {
        float[] v = new float[32];
        for (int i = 0; i < 32; i++) {
            v[i] = i - 16; // amax 16 → d = 16/127
        }
        v[5] = -0.5f * 16f / 127f; // exactly half a step: ggml's roundf goes away from zero → -1
        Tensor q = Q8_0.quantize(Tensor.f32("b", v, 1, 32), Arena.ofAuto());
        assertThat(q.data().get(Tensor.I16_LE, 0)).isEqualTo(Float.floatToFloat16(16f / 127f));
        assertThat(q.data().get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) -127);
        assertThat(q.data().get(ValueLayout.JAVA_BYTE, 2 + 16)).isEqualTo((byte) 0);
        assertThat(q.data().get(ValueLayout.JAVA_BYTE, 2 + 5)).isEqualTo((byte) -1);
        assertThat(q.data().get(ValueLayout.JAVA_BYTE, 2 + 31)).isEqualTo((byte) Math.round(15 * 127 / 16f));
    }

    @Test
    void zeroBlockStaysZero() {
        Tensor q = Q8_0.quantize(Tensor.f32("z", new float[32], 32), Arena.ofAuto());
        assertThat(q.toFloatArray()).containsOnly(0f);
    }

    @Test
    void refusesWhatItCannotRepresent() {
        assertThatThrownBy(() -> Q8_0.quantize(Tensor.f32("odd", new float[48], 2, 24), Arena.ofAuto()))
                .hasMessageContaining("odd").hasMessageContaining("multiple of 32");
        float[] big = new float[32];
        big[3] = 1e8f;
        assertThatThrownBy(() -> Q8_0.quantize(Tensor.f32("big", big, 32), Arena.ofAuto()))
                .hasMessageContaining("big").hasMessageContaining("float16 scale");
        float[] inf = new float[32];
        inf[7] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> Q8_0.quantize(Tensor.f32("inf", inf, 32), Arena.ofAuto()))
                .hasMessageContaining("inf").hasMessageContaining("element 7");
    }

    private static Tensor convert(Tensor f32, DType dtype) {
        if (dtype == DType.F32) {
            return f32;
        }
        long n = f32.elementCount();
        var seg = Arena.ofAuto().allocate(n * 2);
        for (long i = 0; i < n; i++) {
            float x = f32.getFloat(i);
            short bits = dtype == DType.F16 ? Float.floatToFloat16(x) : (short) (Float.floatToIntBits(x) >>> 16);
            seg.setAtIndex(Tensor.I16_LE, i, bits);
        }
        return new Tensor(f32.name(), dtype, f32.shape(), seg);
    }

    /** The heap constructors the kernel tests use quantize the same way as quantization at load. */
    @Test
    void heapConstructorsQuantizeLikeTheLoader() {
        float[] values = new float[64];
        for (int i = 0; i < 64; i++) {
            values[i] = i - 31.5f;
        }
        Tensor viaHeap = Tensor.q8_0("h", values, 2, 32);
        Tensor viaLoader = Q8_0.quantize(Tensor.f32("l", values, 2, 32), Arena.ofAuto());
        assertThat(viaHeap.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(viaLoader.data().toArray(ValueLayout.JAVA_BYTE));
        Tensor fromBf16 = Tensor.bf16("b", values, 2, 32).quantizeQ8_0();
        assertThat(fromBf16.dtype()).isEqualTo(DType.Q8_0);
        assertThat(fromBf16.shape()).containsExactly(2, 32);
        assertThatThrownBy(() -> Tensor.q8_0("bad", new float[30], 3, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
