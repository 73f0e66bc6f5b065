package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The column-panel matrix product: bitwise {@link MatMul#vector} on F32, F16 and BF16 (both sum each output as one
 * FMA chain over k from zero), within the dot bound of the scalar twin, and independent of the thread count. Shapes
 * cover a part-filled last panel, rows past the last whole tile, one row, and more than one unit of rows.
 */
class PackedMatMulTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void equalsMatMulBitwiseAndTheScalarTwinWithinTheDotBound(DType type) {
        Random random = new Random(61 + type.ordinal());
        int[] ms = {1, 2, 4, 5, 6, 7, 8, 13, 64, 97, 200};
        int[] outs = {1, 3, 15, 16, 17, 64, 65, 130};
        int[] ins = {1, 3, 16, 17, 100, 129, 300, 700};
        for (int trial = 0; trial < 24; trial++) {
            int m = ms[random.nextInt(ms.length)];
            int out = outs[random.nextInt(outs.length)];
            int in = ins[random.nextInt(ins.length)];
            Tensor tensor = MatrixKernelsTest.weight(type, KernelTesting.gaussian(random, out * in, 0.05), out, in);
            PackedMatMul.Packed packed = PackedMatMul.pack(tensor);
            float[] x = KernelTesting.gaussian(random, 3 + m * in, 1.0);
            float[] packedY = new float[2 + m * out + 5];
            float[] plainY = new float[2 + m * out + 5];
            float[] scalarY = new float[m * out];
            PackedMatMul.vector(packed, x, 3, m, packedY, 2);
            MatMul.vector(tensor, x, 3, m, plainY, 2);
            MatMul.scalar(tensor, x, 3, m, scalarY, 0);
            assertThat(packedY).as("m=%d out=%d in=%d", m, out, in).containsExactly(plainY);
            assertThat(packedY[0]).isZero();
            assertThat(packedY[2 + m * out]).as("nothing written past y").isZero();
            float[] unshifted = java.util.Arrays.copyOfRange(packedY, 2, 2 + m * out);
            float[] shiftedX = java.util.Arrays.copyOfRange(x, 3, 3 + m * in);
            MatrixKernelsTest.assertWithinDotBound(unshifted, scalarY, tensor.toFloatArray(), shiftedX, m, out, in);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Random random = new Random(62);
        int m = 250; // three units of rows
        int out = 200;
        int in = 384;
        Tensor tensor = Tensor.f32("w", KernelTesting.gaussian(random, out * in, 0.1), out, in);
        PackedMatMul.Packed packed = PackedMatMul.pack(tensor);
        float[] x = KernelTesting.gaussian(random, m * in, 1.0);
        float[] one = new float[m * out];
        float[] two = new float[m * out];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            PackedMatMul.matMul(packed, x, 0, m, one, 0);
            Parallel.setThreads(2);
            PackedMatMul.matMul(packed, x, 0, m, two, 0);
        } finally {
            Parallel.setThreads(saved);
        }
        assertThat(two).containsExactly(one);
    }

    @Test
    void q8_0AndShapeMismatchAreRejected() {
        assertThatThrownBy(() -> PackedMatMul.pack(Tensor.q8_0("w", new float[64], 2, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q8_0");
        PackedMatMul.Packed packed = PackedMatMul.pack(Tensor.f32("w", new float[12], 3, 4));
        assertThatThrownBy(() -> PackedMatMul.matMul(packed, new float[8], 0, 2, new float[5], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
