package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.KernelTesting.LENGTHS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** argmax and top-k are exact selections: vector, scalar and a sort-based reference must agree exactly. */
class SelectionTest {

    @Test
    void argMaxMatchesScalarAndPrefersTheFirstOfTies() {
        Random random = new Random(121);
        for (int n : LENGTHS) {
            float[] x = KernelTesting.gaussian(random, n + 2, 1.0);
            assertThat(ArgMax.vector(x, 2, n)).isEqualTo(ArgMax.scalar(x, 2, n));
            // Ties: quantized logits repeat; the first index wins.
            float[] coarse = new float[n];
            for (int i = 0; i < n; i++) {
                coarse[i] = random.nextInt(4);
            }
            int expected = IntStream.range(0, n).filter(i -> coarse[i] == 3f).findFirst().orElse(
                    IntStream.range(0, n).reduce((a, b) -> coarse[b] > coarse[a] ? b : a).orElseThrow());
            assertThat(ArgMax.vector(coarse, 0, n)).as("n=%d", n).isEqualTo(expected);
            assertThat(ArgMax.scalar(coarse, 0, n)).as("n=%d", n).isEqualTo(expected);
            assertThat(ArgMax.argMax(coarse, 0, n)).isEqualTo(expected);
        }
        float[] negatives = {-5, -3, -3, -9};
        assertThat(ArgMax.vector(negatives, 0, 4)).isEqualTo(1);
    }

    @Test
    void topKMatchesSortedReference() {
        Random random = new Random(122);
        for (int n : LENGTHS) {
            for (int k : new int[] {1, 2, 5, 40}) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = random.nextInt(3) == 0 ? random.nextInt(5) : (float) random.nextGaussian();
                }
                Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -x[i]).thenComparingInt(i -> i));
                int count = Math.min(k, n);
                int[] vIdx = new int[k];
                float[] vVal = new float[k];
                int[] sIdx = new int[k];
                float[] sVal = new float[k];
                assertThat(TopK.vector(x, 0, n, k, vIdx, vVal)).isEqualTo(count);
                assertThat(TopK.scalar(x, 0, n, k, sIdx, sVal)).isEqualTo(count);
                for (int r = 0; r < count; r++) {
                    assertThat(vIdx[r]).as("n=%d k=%d rank %d", n, k, r).isEqualTo(order[r]);
                    assertThat(sIdx[r]).isEqualTo(order[r]);
                    assertThat(vVal[r]).isEqualTo(x[order[r]]).isEqualTo(sVal[r]);
                }
            }
        }
        int[] idx = new int[2];
        float[] val = new float[2];
        assertThat(TopK.topK(new float[] {1, 9, 3, 9}, 0, 4, 2, idx, val)).isEqualTo(2);
        assertThat(idx).containsExactly(1, 3);
    }
}
