package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Beam sampling's in-place candidate order against the boxed comparator sort it replaced. */
class BeamCandidateOrderTest {

    @Test
    void inPlaceOrderEqualsTheComparatorSort() {
        SplittableRandom random = new SplittableRandom(9);
        for (int trial = 0; trial < 500; trial++) {
            float[] scores = new float[40];
            for (int i = 0; i < scores.length; i++) {
                int kind = random.nextInt(6);
                scores[i] = kind == 0 ? Float.NEGATIVE_INFINITY : kind == 1 ? -0f : kind == 2 ? 0f
                        : kind == 3 ? -random.nextInt(3) : (float) random.nextGaussian();
            }
            int n = 1 + random.nextInt(12);
            int[] idx = random.ints(0, scores.length).distinct().limit(n).toArray();
            Integer[] boxed = Arrays.stream(idx).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, (a, b) -> {
                int byScore = Float.compare(scores[b], scores[a]);
                return byScore != 0 ? byScore : Integer.compare(a, b);
            });
            int[] sorted = idx.clone();
            BeamSearch.sortByScore(sorted, n, scores);
            assertThat(sorted).as("trial %d", trial).containsExactly(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray());
        }
    }
}
