package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 weights in column panels: the vector kernels bitwise equal to the scalar twin (they sum in the same order),
 * every row of a matrix product bitwise what the row gives alone (batched decode and prefill agree with the decode
 * step), within the dot bound of the row-major Q8_0 kernels' scalar twin, and independent of the thread count.
 * Shapes cover a part-filled last panel (and one of a single column), one block, rows past the last whole tile, more
 * rows than one pass keeps its outputs for (256-bit kernels), enough rows for 512-bit prefill's decoded blocks and
 * more than one chunk of them, and more panels than one pass sums at once.
 */
class Q8_0PanelsTest {

    private static final int[] OUTS = {1, 5, 16, 63, 64, 65, 130, 200};
    private static final int[] INS = {32, 64, 96, 160, 288};

    @Test
    void vectorEqualsTheScalarTwinBitwiseAndTheRowMajorKernelsWithinTheDotBound() {
        assumeTrue(Q8_0Panels.supported(), "the panel kernels run on 512- and 256-bit vectors only");
        Random random = new Random(71);
        int[] rowCounts = {1, 2, 5, 6, 7, 13, 70, 97, 203, 389};
        for (int trial = 0; trial < 30; trial++) {
            int rows = rowCounts[random.nextInt(rowCounts.length)];
            int out = OUTS[random.nextInt(OUTS.length)];
            int in = INS[random.nextInt(INS.length)];
            Tensor tensor = Tensor.q8_0("w", KernelTesting.gaussian(random, out * in, 0.05), out, in);
            Q8_0Panels.Packed packed = Q8_0Panels.pack(tensor);
            float[] x = KernelTesting.gaussian(random, 3 + rows * in, 1.0);
            float[] vectorY = new float[2 + rows * out + 5];
            float[] scalarY = new float[2 + rows * out + 5];
            float[] rowMajorY = new float[rows * out];
            Q8_0Panels.vector(packed, x, 3, rows, vectorY, 2);
            Q8_0Panels.scalar(packed, x, 3, rows, scalarY, 2);
            MatMul.scalar(tensor, x, 3, rows, rowMajorY, 0);
            assertThat(vectorY).as("rows=%d out=%d in=%d", rows, out, in).containsExactly(scalarY);
            assertThat(vectorY[0]).isZero();
            assertThat(vectorY[1]).isZero();
            assertThat(Arrays.copyOfRange(vectorY, 2 + rows * out, vectorY.length)).as("nothing written past y")
                    .containsOnly(0f);
            float[] unshifted = Arrays.copyOfRange(vectorY, 2, 2 + rows * out);
            float[] shiftedX = Arrays.copyOfRange(x, 3, 3 + rows * in);
            MatrixKernelsTest.assertWithinDotBound(unshifted, rowMajorY, tensor.toFloatArray(), shiftedX, rows, out, in);
        }
    }

    @Test
    void eachRowOfAProductEqualsThatRowAloneBitwise() {
        assumeTrue(Q8_0Panels.supported(), "the panel kernels run on 512- and 256-bit vectors only");
        Random random = new Random(72);
        int out = 130;
        int in = 160;
        Q8_0Panels.Packed packed = Q8_0Panels.pack(Tensor.q8_0("w", KernelTesting.gaussian(random, out * in, 0.1), out, in));
        for (int rows : new int[] {8, 101}) {
            eachRowEqualsThatRowAlone(packed, random, rows, out, in);
        }
    }

    private static void eachRowEqualsThatRowAlone(Q8_0Panels.Packed packed, Random random, int rows, int out, int in) {
        float[] x = KernelTesting.gaussian(random, rows * in, 1.0);
        float[] batched = new float[rows * out];
        Q8_0Panels.matMul(packed, x, 0, rows, batched, 0);
        for (int r = 0; r < rows; r++) {
            float[] alone = new float[out];
            Q8_0Panels.matVec(packed, x, r * in, alone, 0);
            assertThat(Arrays.copyOfRange(batched, r * out, (r + 1) * out)).as("row %d of %d", r, rows)
                    .containsExactly(alone);
        }
    }

    @Test
    void aWideMatrixOfManyPanelsEqualsTheScalarTwinBitwise() {
        assumeTrue(Q8_0Panels.supported(), "the panel kernels run on 512- and 256-bit vectors only");
        Random random = new Random(75);
        int out = 2100;
        int in = 64;
        Tensor tensor = Tensor.q8_0("w", KernelTesting.gaussian(random, out * in, 0.05), out, in);
        Q8_0Panels.Packed packed = Q8_0Panels.pack(tensor);
        for (int rows : new int[] {1, 5}) {
            float[] x = KernelTesting.gaussian(random, rows * in, 1.0);
            float[] vectorY = new float[rows * out];
            float[] scalarY = new float[rows * out];
            int saved = Parallel.threads();
            try {
                Parallel.setThreads(1);
                Q8_0Panels.vector(packed, x, 0, rows, vectorY, 0);
            } finally {
                Parallel.setThreads(saved);
            }
            Q8_0Panels.scalar(packed, x, 0, rows, scalarY, 0);
            assertThat(vectorY).as("rows=%d", rows).containsExactly(scalarY);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Random random = new Random(73);
        int out = 1000;
        int in = 256;
        Q8_0Panels.Packed packed = Q8_0Panels.pack(Tensor.q8_0("w", KernelTesting.gaussian(random, out * in, 0.1), out, in));
        for (int rows : new int[] {1, 9, 200}) {
            float[] x = KernelTesting.gaussian(random, rows * in, 1.0);
            float[] one = new float[rows * out];
            float[] two = new float[rows * out];
            int saved = Parallel.threads();
            try {
                Parallel.setThreads(1);
                Q8_0Panels.matMul(packed, x, 0, rows, one, 0);
                Parallel.setThreads(2);
                Q8_0Panels.matMul(packed, x, 0, rows, two, 0);
            } finally {
                Parallel.setThreads(saved);
            }
            assertThat(two).as("rows=%d", rows).containsExactly(one);
        }
    }

    @Test
    void packingKeepsEveryValueAndScale() {
        Random random = new Random(74);
        int out = 70;
        int in = 96;
        Tensor tensor = Tensor.q8_0("w", KernelTesting.gaussian(random, out * in, 0.3), out, in);
        Q8_0Panels.Packed packed = Q8_0Panels.pack(tensor);
        // One-hot activations read single weights back through the scalar twin: d·q exactly.
        float[] decoded = tensor.toFloatArray();
        float[] y = new float[out];
        for (int k = 0; k < in; k += 7) {
            float[] x = new float[in];
            x[k] = 1f;
            Q8_0Panels.scalar(packed, x, 0, 1, y, 0);
            for (int c = 0; c < out; c++) {
                assertThat(y[c]).as("W[%d][%d]", c, k).isEqualTo(decoded[c * in + k]);
            }
        }
        assertThat(packed.panelCount()).isEqualTo((out + Q8_0Panels.NR - 1) / Q8_0Panels.NR);
        assertThat(packed.byteSize()).isEqualTo(packed.panelCount() * (Q8_0Panels.NR * 36L) * (in / 32));
    }

    @Test
    void onlyQ8_0MatricesPackAndShapesAreChecked() {
        assertThatThrownBy(() -> Q8_0Panels.pack(Tensor.f32("w", new float[64], 2, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q8_0");
        Q8_0Panels.Packed packed = Q8_0Panels.pack(Tensor.q8_0("w", new float[96], 3, 32));
        assertThatThrownBy(() -> Q8_0Panels.matMul(packed, new float[40], 0, 2, new float[6], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x needs 64");
        assertThatThrownBy(() -> Q8_0Panels.matMul(packed, new float[64], 0, 2, new float[5], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y needs 6");
    }
}
