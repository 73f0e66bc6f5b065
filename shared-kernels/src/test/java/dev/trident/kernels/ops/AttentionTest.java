package dev.trident.kernels.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.trident.kernels.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AttentionTest {

    /** Straightforward double-precision attention, the spec the kernels are held to. */
    static float[] reference(Attention.Shape s, float[] q, int qLen, int qPos0, float[] k, float[] v, int kvLen,
                             boolean[] keyValid, float[] bias) {
        int d = s.headDim();
        float[] out = new float[qLen * s.heads() * d];
        for (int i = 0; i < qLen; i++) {
            for (int h = 0; h < s.heads(); h++) {
                int kvh = h / (s.heads() / s.kvHeads());
                double[] scores = new double[kvLen];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < kvLen; j++) {
                    int pos = qPos0 + i;
                    boolean visible = (keyValid == null || keyValid[j])
                            && (!s.causal() || j <= pos)
                            && (!s.causal() || s.slidingWindow() == 0 || j > pos - s.slidingWindow());
                    if (!visible) {
                        scores[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += (double) q[(i * s.heads() + h) * d + c] * k[(j * s.kvHeads() + kvh) * d + c];
                    }
                    scores[j] = dot * s.scale() + (bias == null ? 0 : bias[(h * qLen + i) * kvLen + j]);
                    max = Math.max(max, scores[j]);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                double sum = 0;
                for (int j = 0; j < kvLen; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int j = 0; j < kvLen; j++) {
                        acc += scores[j] / sum * v[(j * s.kvHeads() + kvh) * d + c];
                    }
                    out[(i * s.heads() + h) * d + c] = (float) acc;
                }
            }
        }
        return out;
    }

    /**
     * Vector and scalar against the double reference: scores are dot products of headDim terms (bound ~ headDim·u
     * relative), softmax and a convex combination of values of size ~1: 2e-5 absolute on outputs of order 1.
     */
    @Test
    void vectorAndScalarMatchReferenceOnRandomConfigurations() {
        Random random = new Random(111);
        for (int trial = 0; trial < 40; trial++) {
            int kvHeads = 1 + random.nextInt(3);
            int heads = kvHeads * (1 + random.nextInt(3));
            int headDim = new int[] {1, 4, 7, 16, 33, 64}[random.nextInt(6)];
            boolean causal = random.nextBoolean();
            int window = causal && random.nextBoolean() ? 1 + random.nextInt(6) : 0;
            boolean t5 = random.nextInt(3) == 0;
            float scale = t5 ? 1f : (float) (1 / Math.sqrt(headDim));
            Attention.Shape shape = new Attention.Shape(heads, kvHeads, headDim, scale, causal, window);
            int kvLen = 1 + random.nextInt(40);
            int qLen = causal ? 1 + random.nextInt(kvLen) : 1 + random.nextInt(20); // cross-attention: any qLen
            int qPos0 = causal ? kvLen - qLen : 0;
            float[] q = KernelTesting.gaussian(random, qLen * heads * headDim, 1.0);
            float[] k = KernelTesting.gaussian(random, (kvLen + 3) * kvHeads * headDim, 1.0); // buffer has spare rows
            float[] v = KernelTesting.gaussian(random, (kvLen + 3) * kvHeads * headDim, 1.0);
            boolean[] keyValid = null;
            if (random.nextBoolean()) {
                keyValid = new boolean[kvLen];
                for (int j = 0; j < kvLen; j++) {
                    keyValid[j] = random.nextInt(4) != 0;
                }
            }
            float[] bias = t5 ? KernelTesting.gaussian(random, heads * qLen * kvLen, 2.0) : null;
            float[] expected = reference(shape, q, qLen, qPos0, k, v, kvLen, keyValid, bias);
            float[] vector = new float[expected.length];
            float[] scalar = new float[expected.length];
            Attention.vector(shape, q, 0, qLen, qPos0, k, v, 0, kvLen, keyValid, bias, 0, vector, 0);
            Attention.scalar(shape, q, 0, qLen, qPos0, k, v, 0, kvLen, keyValid, bias, 0, scalar, 0);
            KernelTesting.assertClose(vector, expected, 0, 2e-5, "vector trial " + trial);
            KernelTesting.assertClose(scalar, expected, 0, 2e-5, "scalar trial " + trial);
        }
    }

    @Test
    void oneKeyReturnsItsValue() {
        Attention.Shape shape = Attention.Shape.of(2, 1, 5, false);
        float[] q = {1, 2, 3, 4, 5, -1, -2, -3, -4, -5};
        float[] k = {0.3f, 0.1f, -0.2f, 0.5f, 0.9f};
        float[] v = {7, 8, 9, 10, 11};
        float[] out = new float[10];
        Attention.attend(shape, q, 0, 1, 0, k, v, 0, 1, null, null, 0, out, 0);
        assertThat(out).containsExactly(7, 8, 9, 10, 11, 7, 8, 9, 10, 11);
    }

    @Test
    void causalMaskIgnoresTheFuture() {
        Random random = new Random(112);
        Attention.Shape shape = Attention.Shape.of(4, 2, 16, true);
        int len = 9;
        float[] q = KernelTesting.gaussian(random, len * 4 * 16, 1.0);
        float[] k = KernelTesting.gaussian(random, len * 2 * 16, 1.0);
        float[] v = KernelTesting.gaussian(random, len * 2 * 16, 1.0);
        float[] out = new float[len * 4 * 16];
        Attention.attend(shape, q, 0, len, 0, k, v, 0, len, null, null, 0, out, 0);
        // Scramble keys/values from row 5 on: rows 0..4 of the output must not move.
        float[] k2 = k.clone();
        float[] v2 = v.clone();
        for (int i = 5 * 2 * 16; i < k.length; i++) {
            k2[i] = 100f * random.nextFloat();
            v2[i] = -100f;
        }
        float[] out2 = new float[out.length];
        Attention.attend(shape, q, 0, len, 0, k2, v2, 0, len, null, null, 0, out2, 0);
        for (int i = 0; i < 5 * 4 * 16; i++) {
            assertThat(out2[i]).isEqualTo(out[i]);
        }
        // The first query sees only key 0: its output is v[0] of its kv head.
        for (int h = 0; h < 4; h++) {
            for (int c = 0; c < 16; c++) {
                assertThat(out[h * 16 + c]).isEqualTo(v[(h / 2) * 16 + c]);
            }
        }
    }

    @Test
    void equalScoresAverageTheValuesAndFullyMaskedQueriesGetZeros() {
        Attention.Shape shape = new Attention.Shape(1, 1, 2, 1f, false, 0);
        float[] q = {0, 0};
        float[] k = {1, 2, 3, 4, 5, 6};
        float[] v = {1, 10, 2, 20, 6, 60};
        float[] out = new float[2];
        Attention.attend(shape, q, 0, 1, 0, k, v, 0, 3, null, null, 0, out, 0);
        assertThat((double) out[0]).isCloseTo(3, within(1e-6));
        assertThat((double) out[1]).isCloseTo(30, within(1e-5));
        Attention.attend(shape, q, 0, 1, 0, k, v, 0, 3, new boolean[] {false, true, false}, null, 0, out, 0);
        assertThat(out).containsExactly(2, 20);
        Attention.attend(shape, q, 0, 1, 0, k, v, 0, 3, new boolean[3], null, 0, out, 0);
        assertThat(out).containsExactly(0, 0);
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        Random random = new Random(113);
        Attention.Shape shape = Attention.Shape.of(8, 2, 32, true);
        int len = 33;
        float[] q = KernelTesting.gaussian(random, len * 8 * 32, 1.0);
        float[] k = KernelTesting.gaussian(random, len * 2 * 32, 1.0);
        float[] v = KernelTesting.gaussian(random, len * 2 * 32, 1.0);
        float[] one = new float[q.length];
        float[] two = new float[q.length];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Attention.attend(shape, q, 0, len, 0, k, v, 0, len, null, null, 0, one, 0);
            Parallel.setThreads(2);
            assertThat(Parallel.splits(len * shape.heads(), Attention.minItemsPerChunk(len, shape.headDim())))
                    .as("the items split on 2 threads").isTrue();
            Attention.attend(shape, q, 0, len, 0, k, v, 0, len, null, null, 0, two, 0);
        } finally {
            Parallel.setThreads(saved);
        }
        assertThat(two).containsExactly(one);
    }

    @Test
    void nonCausalBlocksSplitOverHeadsWithTheSameResult() {
        Random random = new Random(117);
        Attention.Shape shape = Attention.Shape.of(12, 12, 32, false);
        int len = 40;
        float[] q = KernelTesting.gaussian(random, len * 12 * 32, 1.0);
        float[] k = KernelTesting.gaussian(random, len * 12 * 32, 1.0);
        float[] v = KernelTesting.gaussian(random, len * 12 * 32, 1.0);
        boolean[] keyValid = new boolean[len];
        for (int j = 0; j < len; j++) {
            keyValid[j] = j % 7 != 3;
        }
        float[] expected = reference(shape, q, len, 0, k, v, len, keyValid, null);
        float[] one = new float[q.length];
        float[] two = new float[q.length];
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Attention.vector(shape, q, 0, len, 0, k, v, 0, len, keyValid, null, 0, one, 0);
            Parallel.setThreads(2);
            assertThat(len).isGreaterThanOrEqualTo(Attention.KEYS_ACROSS_MIN_QUERIES);
            assertThat(Parallel.splits(shape.heads(), Attention.minHeadsPerChunk(len, len, shape.headDim())))
                    .as("the heads split on 2 threads").isTrue();
            Attention.vector(shape, q, 0, len, 0, k, v, 0, len, keyValid, null, 0, two, 0);
        } finally {
            Parallel.setThreads(saved);
        }
        assertThat(two).containsExactly(one);
        KernelTesting.assertClose(one, expected, 0, 2e-5, "keys across");
    }

    /**
     * The keys-across kernel takes queries four at a time and the rest one by one; a query's bits must not depend
     * on which: query i is the single fifth of the block {@code [i-4, i+1)} and a group member in the whole block.
     * Causal with a window (the four see different keys), masked keys, GQA, and a head width with a scalar tail.
     */
    @Test
    void queriesInAGroupOfFourEqualTheSameQueryAloneBitwise() {
        Random random = new Random(118);
        for (int headDim : new int[] {32, 20}) {
            Attention.Shape shape = new Attention.Shape(4, 2, headDim, (float) (1 / Math.sqrt(headDim)), true, 6);
            int kvLen = 23;
            int qLen = 11;
            int qPos0 = kvLen - qLen;
            int width = shape.heads() * headDim;
            float[] q = KernelTesting.gaussian(random, qLen * width, 1.0);
            float[] k = KernelTesting.gaussian(random, kvLen * shape.kvHeads() * headDim, 1.0);
            float[] v = KernelTesting.gaussian(random, kvLen * shape.kvHeads() * headDim, 1.0);
            boolean[] keyValid = new boolean[kvLen];
            for (int j = 0; j < kvLen; j++) {
                keyValid[j] = j % 5 != 2;
            }
            float[] whole = new float[qLen * width];
            Parallel.sequential(() -> Attention.vector(shape, q, 0, qLen, qPos0, k, v, 0, kvLen, keyValid, null, 0,
                    whole, 0));
            for (int i = 4; i < 8; i++) {
                int first = i - 4;
                float[] block = new float[5 * width];
                Parallel.sequential(() -> Attention.vector(shape, q, first * width, 5, qPos0 + first, k, v, 0, kvLen,
                        keyValid, null, 0, block, 0));
                assertThat(java.util.Arrays.copyOfRange(block, 4 * width, 5 * width)).as("query %d, head width %d", i, headDim)
                        .containsExactly(java.util.Arrays.copyOfRange(whole, i * width, (i + 1) * width));
            }
        }
    }
}
