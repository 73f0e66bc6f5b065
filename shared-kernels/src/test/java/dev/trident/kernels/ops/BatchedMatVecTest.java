package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batched matrix × vector must give every vector exactly {@link MatVec}'s bits (that is what makes batched
 * decoding deterministic), in the vector and the scalar kernel, for every weight type, odd shapes (tails shorter
 * than a vector, one Q8_0 block, an odd block count) and any thread count; and vector against scalar within the
 * summation bound.
 */
class BatchedMatVecTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyVectorEqualsMatVecAloneBitwise(DType type) {
        Random random = new Random(61 + type.ordinal());
        for (int trial = 0; trial < 30; trial++) {
            int out = new int[] {1, 2, 5, 16, 17, 63, 130}[random.nextInt(7)];
            int in = MatrixKernelsTest.inputSize(random, type);
            int n = new int[] {1, 2, 3, 4, 5, 7, 8}[random.nextInt(7)];
            check(random, type, out, in, n);
        }
        check(random, type, 96, 2048, 8);
    }

    private static void check(Random random, DType type, int out, int in, int n) {
        Tensor w = MatrixKernelsTest.weight(type, KernelTesting.gaussian(random, out * in, 0.05), out, in);
        int xOff = 3;
        int yOff = 2;
        float[] x = KernelTesting.gaussian(random, xOff + n * in, 1.0);
        float[] batchedVector = new float[yOff + n * out];
        float[] batchedScalar = new float[yOff + n * out];
        BatchedMatVec.vector(w, x, xOff, n, batchedVector, yOff);
        BatchedMatVec.scalar(w, x, xOff, n, batchedScalar, yOff);
        for (int j = 0; j < n; j++) {
            float[] aloneVector = new float[out];
            float[] aloneScalar = new float[out];
            MatVec.vector(w, x, xOff + j * in, aloneVector, 0);
            MatVec.scalar(w, x, xOff + j * in, aloneScalar, 0);
            float[] rowVector = Arrays.copyOfRange(batchedVector, yOff + j * out, yOff + (j + 1) * out);
            float[] rowScalar = Arrays.copyOfRange(batchedScalar, yOff + j * out, yOff + (j + 1) * out);
            assertThat(rowVector).as("%s vector, vector %d of %d, out=%d in=%d", type, j, n, out, in).containsExactly(aloneVector);
            assertThat(rowScalar).as("%s scalar, vector %d of %d, out=%d in=%d", type, j, n, out, in).containsExactly(aloneScalar);
            MatrixKernelsTest.assertWithinDotBound(rowVector, rowScalar, w.toFloatArray(),
                    Arrays.copyOfRange(x, xOff + j * in, xOff + (j + 1) * in), 1, out, in);
        }
        assertThat(Arrays.copyOf(batchedVector, yOff)).containsOnly(0f);
        float[] dispatched = new float[yOff + n * out];
        BatchedMatVec.matVec(w, x, xOff, n, dispatched, yOff);
        assertThat(dispatched).containsExactly(Simd.SCALAR ? batchedScalar : batchedVector);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void resultsDoNotDependOnThreadCount(DType type) {
        Random random = new Random(71);
        int out = 71; // 3 threads: chunks start at rows 0, 23, 47
        int in = 2048; // 5 vectors x 2048 weights per row: enough work per row that 71 rows split
        int n = 5;
        assertThat(BatchedMatVec.minRowsPerChunk(in, n)).isLessThanOrEqualTo(out / 3);
        Tensor w = MatrixKernelsTest.weight(type, KernelTesting.gaussian(random, out * in, 0.1), out, in);
        float[] x = KernelTesting.gaussian(random, n * in, 1.0);
        float[] one = new float[n * out];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            BatchedMatVec.vector(w, x, 0, n, one, 0);
            Parallel.setThreads(3);
            float[] three = new float[n * out];
            BatchedMatVec.vector(w, x, 0, n, three, 0);
            assertThat(three).containsExactly(one);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void emptyBatchAndShapeMismatch() {
        Tensor w = Tensor.f32("w", new float[12], 3, 4);
        float[] y = {7f};
        BatchedMatVec.matVec(w, new float[0], 0, 0, y, 0);
        assertThat(y).containsExactly(7f);
        assertThatThrownBy(() -> BatchedMatVec.matVec(w, new float[7], 0, 2, new float[6], 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchedMatVec.matVec(w, new float[8], 0, 2, new float[5], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
