package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Matrix × vector and matrix × matrix, every weight type: vector kernels against their scalar twins on random
 * shapes (1, odd, not a multiple of the lane count or of the 4×4 tile, across the K block), within the summation
 * bound of {@link KernelTesting#dotTolerance} computed from the decoded weights.
 */
class MatrixKernelsTest {

    static Tensor weight(DType type, float[] values, int out, int in) {
        return switch (type) {
            case F32 -> Tensor.f32("w", values, out, in);
            case F16 -> Tensor.f16("w", values, out, in);
            case BF16 -> Tensor.bf16("w", values, out, in);
            case Q8_0 -> Tensor.q8_0("w", values, out, in);
        };
    }

    /** Per output element: the dot bound over Σ|w·x| with the weights as stored (decoded). */
    static void assertWithinDotBound(float[] actual, float[] expected, float[] decoded, float[] x, int m, int out, int in) {
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < out; c++) {
                double absSum = 0;
                for (int k = 0; k < in; k++) {
                    absSum += Math.abs((double) decoded[c * in + k] * x[r * in + k]);
                }
                // Q8_0 sums per block then scales: one more rounding per block term, covered by n + blocks.
                double tolerance = KernelTesting.dotTolerance(in + in / 32 + 1, absSum);
                assertThat((double) actual[r * out + c]).as("row %d col %d (m=%d out=%d in=%d)", r, c, m, out, in)
                        .isCloseTo(expected[r * out + c], within(tolerance));
            }
        }
    }

    static int inputSize(Random random, DType type) {
        int[] any = {1, 3, 16, 17, 33, 100, 129, 300, 700};
        int[] blocks = {32, 64, 96, 160, 288, 544};
        return type == DType.Q8_0 ? blocks[random.nextInt(blocks.length)] : any[random.nextInt(any.length)];
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matVecVectorMatchesScalar(DType type) {
        Random random = new Random(21 + type.ordinal());
        for (int trial = 0; trial < 24; trial++) {
            int out = new int[] {1, 2, 5, 16, 17, 63, 130}[random.nextInt(7)];
            int in = inputSize(random, type);
            checkMatVec(random, type, out, in);
        }
        checkMatVec(random, type, 256, 4096);
    }

    private static void checkMatVec(Random random, DType type, int out, int in) {
        float[] w = KernelTesting.gaussian(random, out * in, 0.05);
        float[] x = KernelTesting.gaussian(random, in + 2, 1.0);
        Tensor tensor = weight(type, w, out, in);
        float[] yVector = new float[out + 1];
        float[] yScalar = new float[out + 1];
        MatVec.vector(tensor, x, 2, yVector, 1);
        MatVec.scalar(tensor, x, 2, yScalar, 1);
        float[] xs = java.util.Arrays.copyOfRange(x, 2, 2 + in);
        assertWithinDotBound(java.util.Arrays.copyOfRange(yVector, 1, out + 1),
                java.util.Arrays.copyOfRange(yScalar, 1, out + 1), tensor.toFloatArray(), xs, 1, out, in);
        float[] yDispatch = new float[out + 1];
        MatVec.matVec(tensor, x, 2, yDispatch, 1);
        assertThat(yDispatch).containsExactly(Simd.SCALAR ? yScalar : yVector);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void matMulVectorMatchesScalar(DType type) {
        Random random = new Random(31 + type.ordinal());
        for (int trial = 0; trial < 16; trial++) {
            int m = new int[] {1, 2, 5, 17, 63, 64, 65, 130, 200}[random.nextInt(9)];
            int out = new int[] {1, 3, 4, 63, 65, 130}[random.nextInt(6)];
            int in = inputSize(random, type);
            checkMatMul(random, type, m, out, in);
        }
    }

    private static void checkMatMul(Random random, DType type, int m, int out, int in) {
        float[] w = KernelTesting.gaussian(random, out * in, 0.05);
        float[] x = KernelTesting.gaussian(random, m * in, 1.0);
        Tensor tensor = weight(type, w, out, in);
        float[] yVector = new float[m * out];
        float[] yScalar = new float[m * out];
        MatMul.vector(tensor, x, 0, m, yVector, 0);
        MatMul.scalar(tensor, x, 0, m, yScalar, 0);
        assertWithinDotBound(yVector, yScalar, tensor.toFloatArray(), x, m, out, in);
    }

    /** Row r of a matrix product is the matrix × vector of activation row r (same bound). */
    @Test
    void matMulRowsAgreeWithMatVecAndOffsetsAreHonoured() {
        Random random = new Random(41);
        int m = 70;
        int out = 67;
        int in = 200;
        float[] w = KernelTesting.gaussian(random, out * in, 0.1);
        float[] x = KernelTesting.gaussian(random, 5 + m * in, 1.0);
        Tensor tensor = Tensor.f32("w", w, out, in);
        float[] y = new float[7 + m * out];
        MatMul.vector(tensor, x, 5, m, y, 7);
        float[] row = new float[out];
        for (int r = 0; r < m; r++) {
            MatVec.vector(tensor, x, 5 + r * in, row, 0);
            for (int c = 0; c < out; c++) {
                double absSum = 0;
                for (int k = 0; k < in; k++) {
                    absSum += Math.abs((double) w[c * in + k] * x[5 + r * in + k]);
                }
                assertThat((double) y[7 + r * out + c]).isCloseTo(row[c], within(KernelTesting.dotTolerance(in, absSum)));
            }
        }
        assertThat(y[0]).isZero();
    }

    /**
     * A row of a many-row product is bitwise that row alone: from {@code MatMul}'s per-call panels threshold up a
     * call takes another kernel than one row does, and both must sum in the same order (for Q8_0 on 256- and
     * 128-bit vectors, the interleaved one).
     */
    @ParameterizedTest
    @EnumSource(DType.class)
    void matMulRowsOfABatchEqualTheRowAloneBitwise(DType type) {
        Random random = new Random(43 + type.ordinal());
        int m = 37;
        int out = 45; // a part-filled last panel
        int in = type == DType.Q8_0 ? 352 : 347;
        Tensor tensor = weight(type, KernelTesting.gaussian(random, out * in, 0.1), out, in);
        float[] x = KernelTesting.gaussian(random, m * in, 1.0);
        float[] batch = new float[m * out];
        MatMul.vector(tensor, x, 0, m, batch, 0);
        float[] alone = new float[out];
        for (int r = 0; r < m; r++) {
            MatMul.vector(tensor, x, r * in, 1, alone, 0);
            assertThat(java.util.Arrays.copyOfRange(batch, r * out, (r + 1) * out)).as("row %d", r)
                    .containsExactly(alone);
        }
    }

    @Test
    void identityWeightCopiesTheInput() {
        int n = 37;
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 1f;
        }
        Random random = new Random(42);
        float[] x = KernelTesting.gaussian(random, 3 * n, 1.0);
        float[] y = new float[3 * n];
        MatMul.matMul(Tensor.bf16("eye", eye, n, n), x, 0, 3, y, 0);
        assertThat(y).containsExactly(x);
        float[] y1 = new float[n];
        MatVec.matVec(Tensor.f16("eye", eye, n, n), x, n, y1, 0);
        assertThat(y1).containsExactly(java.util.Arrays.copyOfRange(x, n, 2 * n));
    }

    /** Each output element is computed whole by one thread in a fixed order: 1 and 2 threads give the same bits. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void resultsDoNotDependOnThreadCount(DType type) {
        Random random = new Random(51);
        int m = 77;
        int out = 200;
        int in = 1024; // enough weights per row that matrix x vector splits too
        Tensor tensor = weight(type, KernelTesting.gaussian(random, out * in, 0.1), out, in);
        float[] x = KernelTesting.gaussian(random, m * in, 1.0);
        float[] one = new float[m * out];
        float[] two = new float[m * out];
        float[] vecOne = new float[out];
        float[] vecTwo = new float[out];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            MatMul.matMul(tensor, x, 0, m, one, 0);
            MatVec.matVec(tensor, x, 0, vecOne, 0);
            Parallel.setThreads(2);
            assertThat(Parallel.splits(out, MatVec.minRowsPerChunk(in))).as("matrix x vector splits").isTrue();
            MatMul.matMul(tensor, x, 0, m, two, 0);
            MatVec.matVec(tensor, x, 0, vecTwo, 0);
        } finally {
            Parallel.setThreads(saved);
        }
        assertThat(two).containsExactly(one);
        assertThat(vecTwo).containsExactly(vecOne);
        float[] sequential = new float[m * out];
        Parallel.sequential(() -> MatMul.matMul(tensor, x, 0, m, sequential, 0));
        assertThat(sequential).containsExactly(one);
    }

    /** Rows taken four at a time must not change a row's bits, wherever a thread's chunk starts. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void pairedRowsEqualSingleRowKernelBitwise(DType type) {
        Random random = new Random(52);
        int out = 71; // with 3 threads the chunks start at rows 0, 23, 47: odd starts shift the pairing
        // 22 rows per chunk at least (MatVec.minRowsPerChunk), so 71 rows do split in 3; rows of other types end in
        // a part vector and a scalar tail
        int in = type == DType.Q8_0 ? 2912 : 2899;
        Tensor tensor = weight(type, KernelTesting.gaussian(random, out * in, 0.1), out, in);
        float[] x = KernelTesting.gaussian(random, in, 1.0);
        float[] single = new float[out];
        float[] rowX = type == DType.Q8_0 && Q8_0Lanes.INTERLEAVED ? Q8_0Lanes.interleaved(x, 0, in).clone() : x;
        for (int r = 0; r < out; r++) {
            single[r] = MatVec.rowDotVector(type, tensor.data(), r, in, rowX, 0);
        }
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 3}) {
                Parallel.setThreads(threads);
                if (threads == 3) {
                    assertThat(Parallel.splits(out, MatVec.minRowsPerChunk(in))).as("3 chunks").isTrue();
                }
                float[] y = new float[out];
                MatVec.vector(tensor, x, 0, y, 0);
                assertThat(y).as("%d threads", threads).containsExactly(single);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void shapeMismatchIsRejected() {
        Tensor tensor = Tensor.f32("w", new float[12], 3, 4);
        assertThatThrownBy(() -> MatVec.matVec(tensor, new float[3], 0, new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MatMul.matMul(tensor, new float[8], 0, 2, new float[5], 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
