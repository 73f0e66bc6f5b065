package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MatVecRows}: every output row bit for bit {@link MatVec} of that input alone (the property batched decoding
 * relies on), for every weight type and awkward shapes, vector and scalar twins alike.
 */
class MatVecRowsTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyRowEqualsMatVecOfThatInputAlone(DType type) {
        Random random = new Random(77 + type.ordinal());
        for (int trial = 0; trial < 16; trial++) {
            int out = new int[] {1, 5, 16, 17, 63, 130, 700}[random.nextInt(7)];
            int in = MatrixKernelsTest.inputSize(random, type);
            int count = new int[] {1, 2, 3, 7, 16}[random.nextInt(5)];
            check(random, type, out, in, count);
        }
        check(random, type, 1000, 512, 5); // several tiles per thread chunk
    }

    private static void check(Random random, DType type, int out, int in, int count) {
        Tensor w = MatrixKernelsTest.weight(type, KernelTesting.gaussian(random, out * in, 0.05), out, in);
        float[] x = KernelTesting.gaussian(random, 3 + count * in, 1.0);
        float[] yVector = new float[1 + count * out];
        float[] yScalar = new float[1 + count * out];
        float[] yDispatch = new float[1 + count * out];
        MatVecRows.vector(w, x, 3, count, yVector, 1);
        MatVecRows.scalar(w, x, 3, count, yScalar, 1);
        MatVecRows.matVecRows(w, x, 3, count, yDispatch, 1);
        for (int b = 0; b < count; b++) {
            float[] alone = new float[out];
            float[] aloneScalar = new float[out];
            MatVec.vector(w, x, 3 + b * in, alone, 0);
            MatVec.scalar(w, x, 3 + b * in, aloneScalar, 0);
            assertThat(Arrays.copyOfRange(yVector, 1 + b * out, 1 + (b + 1) * out))
                    .as("%s vector, input %d of %d, [%d x %d]", type, b, count, out, in).containsExactly(alone);
            assertThat(Arrays.copyOfRange(yScalar, 1 + b * out, 1 + (b + 1) * out))
                    .as("%s scalar, input %d of %d, [%d x %d]", type, b, count, out, in).containsExactly(aloneScalar);
        }
        assertThat(yDispatch).containsExactly(Simd.SCALAR ? yScalar : yVector);
        assertThat(yVector[0]).isZero();
    }

    @Test
    void rejectsInputsThatDoNotFit() {
        Tensor w = Tensor.f32("w", new float[6], 2, 3);
        assertThatThrownBy(() -> MatVecRows.matVecRows(w, new float[5], 0, 2, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 inputs need 6 floats");
        assertThatThrownBy(() -> MatVecRows.matVecRows(w, new float[6], 0, 2, new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
