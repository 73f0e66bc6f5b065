package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** HF's processors and warpers on hand-built rows, each value worked out by hand from HF's definitions. */
class LogitsProcessorsTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;

    private static DecodingOptions options(int minNew, int minLength, int beams, int ngram, boolean sample, double t,
                                           int topK, double topP, int eos) {
        return new DecodingOptions(20, minNew, minLength, beams, 1, 1.0, EarlyStopping.FALSE, ngram, sample, t, topK,
                topP, 7L, eos);
    }

    @Test
    void noRepeatNgramBansWhatWouldCompleteASeenNgram() {
        int[] seq = {0, 5, 6, 7, 5, 6};
        float[] row = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        LogitsProcessors.noRepeatNgram(3, seq, seq.length, row, 0, 10);
        // (5, 6) was followed by 7 once: 7 is banned, nothing else.
        assertThat(row).containsExactly(1, 1, 1, 1, 1, 1, 1, NEG, 1, 1);

        float[] bigrams = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        LogitsProcessors.noRepeatNgram(2, new int[] {0, 5, 6, 5, 9, 5}, 6, bigrams, 0, 10);
        // After 5 came 6 and 9 (the start token counts: (0, 5) is a bigram too, but it starts with 0).
        assertThat(bigrams).containsExactly(1, 1, 1, 1, 1, 1, NEG, 1, 1, NEG);

        float[] tooShort = {1, 1, 1};
        LogitsProcessors.noRepeatNgram(3, new int[] {2}, 1, tooShort, 0, 3);
        assertThat(tooShort).containsExactly(1, 1, 1);
    }

    @Test
    void minLengthCountsTheStartTokenMinNewTokensDoesNot() {
        DecodingOptions minLength = options(0, 3, 1, 0, false, 1, 50, 1, 2);
        float[] row = {0, 0, 0, 0};
        LogitsProcessors.process(minLength, new int[] {0, 1}, 2, row, 0, 4);
        assertThat(row[2]).isEqualTo(NEG);
        float[] later = {0, 0, 0, 0};
        LogitsProcessors.process(minLength, new int[] {0, 1, 3}, 3, later, 0, 4);
        assertThat(later).containsExactly(0, 0, 0, 0);

        DecodingOptions minNew = options(2, 0, 1, 0, false, 1, 50, 1, 2);
        float[] one = {0, 0, 0, 0};
        LogitsProcessors.process(minNew, new int[] {0, 1}, 2, one, 0, 4); // one new token so far
        assertThat(one[2]).isEqualTo(NEG);
        float[] two = {0, 0, 0, 0};
        LogitsProcessors.process(minNew, new int[] {0, 1, 3}, 3, two, 0, 4);
        assertThat(two[2]).isZero();
    }

    @Test
    void warpersActOnlyWhenSamplingInHfOrder() {
        // Temperature first: 2 halves the scores, then top-k 2 keeps the two best (ties with the 2nd kept).
        DecodingOptions sampling = options(0, 0, 1, 0, true, 2.0, 2, 1.0, -1);
        float[] row = {4, 2, 6, 2, 1};
        LogitsProcessors.warp(sampling, 1, row, 0, 5);
        assertThat(row).containsExactly(2, NEG, 3, NEG, NEG);
        float[] tie = {1, 3, 3, 3, 0};
        LogitsProcessors.topK(2, 1, tie, 0, 5);
        assertThat(tie).containsExactly(NEG, 3, 3, 3, NEG);
        // min_tokens_to_keep (2 with beams) wins over top_k 1.
        float[] beams = {1, 3, 2};
        LogitsProcessors.topK(1, 2, beams, 0, 3);
        assertThat(beams).containsExactly(NEG, 3, 2);

        DecodingOptions greedy = options(0, 0, 1, 0, false, 2.0, 2, 0.5, -1);
        float[] untouched = {4, 2, 6};
        LogitsProcessors.warp(greedy, 1, untouched, 0, 3);
        assertThat(untouched).containsExactly(4, 2, 6);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.15, 0.05: ascending cumulative 0.05, 0.2, 0.5, 1; p 0.75 removes cumulative <= 0.25.
        float[] row = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        float[] expected = {row[0], row[1], NEG, NEG};
        LogitsProcessors.topP(0.75, 1, row, 0, 4);
        assertThat(row).containsExactly(expected);
        // p so small that only the best survives, but min_tokens_to_keep 2 keeps two.
        float[] two = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        float[] keptTwo = {two[0], two[1], NEG, NEG};
        LogitsProcessors.topP(0.01, 2, two, 0, 4);
        assertThat(two).containsExactly(keptTwo);
    }

    @Test
    void processorsRunBeforeWarpers() {
        // no_repeat bans token 2 (the best) first; top-k 1 then keeps the best of what is left, token 1.
        DecodingOptions o = options(0, 0, 1, 2, true, 1.0, 1, 1.0, -1);
        float[] row = {0, 5, 9};
        LogitsProcessors.process(o, new int[] {0, 2, 0}, 3, row, 0, 3);
        LogitsProcessors.warp(o, 1, row, 0, 3);
        assertThat(row).containsExactly(NEG, 5, NEG);
    }

    @Test
    void badOptionsAreRefusedWithTheirHfName() {
        assertThatThrownBy(() -> options(0, 0, 1, 0, true, 0, 50, 1, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> options(0, 0, 1, 0, true, 1, -1, 1, 1)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> options(0, 0, 1, 0, true, 1, 50, 1.5, 1)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> options(-1, 0, 1, 0, false, 1, 50, 1, 1)).hasMessageContaining("min_new_tokens");
        assertThatThrownBy(() -> options(0, 0, 1, -2, false, 1, 50, 1, 1)).hasMessageContaining("no_repeat_ngram_size");
        assertThatThrownBy(() -> new DecodingOptions(20, 0, 0, 1, 2, 1, EarlyStopping.FALSE, 0, false, 1, 50, 1, 0, 1))
                .hasMessageContaining("num_return_sequences");
        assertThatThrownBy(() -> new DecodingOptions(20, 0, 0, 2, 3, 1, EarlyStopping.FALSE, 0, false, 1, 50, 1, 0, 1))
                .hasMessageContaining("num_return_sequences");
    }

    private static DecodingOptions forced(double repetition, int bos, int eos, int maxNew) {
        return new DecodingOptions(maxNew, 0, 0, 1, 1, 1.0, EarlyStopping.FALSE, 0, false, 1.0, 50, 1.0, 0L, 3,
                repetition, bos, eos);
    }

    @Test
    void repetitionPenaltyDividesPositivesMultipliesNegativesOncePerDistinctToken() {
        float[] row = {2, -1, 3, 4, -0.5f};
        // Token 1 occurs three times and 2 twice: each is penalized once, as HF's gather-then-scatter does.
        LogitsProcessors.process(forced(2.0, -1, -1, 20), new int[] {1, 2, 1, 2, 1}, 5, row, 0, 5);
        assertThat(row).containsExactly(2, -2, 1.5f, 4, -0.5f);
        float[] encourage = {2, -1, 3};
        LogitsProcessors.process(forced(0.5, -1, -1, 20), new int[] {0, 1}, 2, encourage, 0, 3);
        assertThat(encourage).containsExactly(4, -0.5f, 3);
        // Only the first length tokens are the sequence.
        float[] prefix = {1, 1, 1};
        LogitsProcessors.process(forced(2.0, -1, -1, 20), new int[] {0, 2}, 1, prefix, 0, 3);
        assertThat(prefix).containsExactly(0.5f, 1, 1);
    }

    @Test
    void forcedBosActsAtTheFirstStepForcedEosAtTheLast() {
        DecodingOptions o = forced(1.0, 2, 4, 3);
        float[] first = {5, 1, -3, 7, 0};
        LogitsProcessors.process(o, new int[] {0}, 1, first, 0, 5);
        assertThat(first).containsExactly(NEG, NEG, 0, NEG, NEG);
        float[] middle = {5, 1, -3, 7, 0};
        LogitsProcessors.process(o, new int[] {0, 2}, 2, middle, 0, 5);
        assertThat(middle).containsExactly(5, 1, -3, 7, 0);
        // max_new_tokens 3: HF's max_length is 4, so cur_len 3 (start + 2 tokens) picks the last token.
        float[] last = {5, 1, -3, 7, 0};
        LogitsProcessors.process(o, new int[] {0, 2, 1}, 3, last, 0, 5);
        assertThat(last).containsExactly(NEG, NEG, NEG, NEG, 0);
        // The forced token wins over the min-length ban of the same token (forcing comes after it, as in HF).
        DecodingOptions both = new DecodingOptions(3, 0, 10, 1, 1, 1.0, EarlyStopping.FALSE, 0, false, 1.0, 50, 1.0, 0L,
                4, 1.0, -1, 4);
        float[] banned = {5, 1, -3, 7, 0};
        LogitsProcessors.process(both, new int[] {0, 2, 1}, 3, banned, 0, 5);
        assertThat(banned).containsExactly(NEG, NEG, NEG, NEG, 0);
    }

    @Test
    void encoderRepetitionPenaltyFavoursTheEncoderTokensOnTheFirstRowOnly() {
        DecodingOptions o = new DecodingOptions(20, 0, 0, 2, 1, 1.0, EarlyStopping.FALSE, 0, false, 1.0, 50, 1.0, 0L, 3,
                2.0, -1, -1, 4.0);
        int[] encoder = {1, 3, 1};
        // HF: penalty 1 / 4 on the encoder tokens (1 and 3, once each), then the repetition penalty 2 on the decoder's.
        float[] first = {2, -1, 3, 4, -0.5f};
        LogitsProcessors.process(o, encoder, true, new int[] {0, 3}, 2, first, 0, 5, new LogitsProcessors.Buffers(5));
        assertThat(first).containsExactly(1, -0.25f, 3, 8, -0.5f);
        // Beam 1 (or sample 1) is past the unexpanded encoder_input_ids HF gathers over: only the decoder penalty.
        float[] second = {2, -1, 3, 4, -0.5f};
        LogitsProcessors.process(o, encoder, false, new int[] {0, 3}, 2, second, 0, 5, new LogitsProcessors.Buffers(5));
        assertThat(second).containsExactly(1, -1, 3, 2, -0.5f);
        assertThatThrownBy(() -> new DecodingOptions(20, 0, 0, 1, 1, 1.0, EarlyStopping.FALSE, 0, false, 1.0, 50, 1.0,
                0L, 3, 1.0, -1, -1, 0.0)).hasMessageContaining("encoder_repetition_penalty");
    }

    /** The top-p warper as first written (boxed indices, a comparator sort, fresh arrays): the twin of the in-place one. */
    private static void topPAsFirstWritten(double p, int minTokensToKeep, float[] scores, int off, int vocab) {
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[off + a], scores[off + b]));
        float max = scores[off + order[vocab - 1]];
        double[] probs = new double[vocab];
        double sum = 0;
        for (int r = 0; r < vocab; r++) {
            float s = scores[off + order[r]];
            probs[r] = s == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) s - max);
            sum += probs[r];
        }
        float threshold = (float) (1 - p);
        boolean[] remove = new boolean[vocab];
        double cumulative = 0;
        for (int r = 0; r < vocab; r++) {
            cumulative += probs[r] / sum;
            remove[r] = (float) cumulative <= threshold;
        }
        for (int r = Math.max(0, vocab - minTokensToKeep); r < vocab; r++) {
            remove[r] = false;
        }
        for (int r = 0; r < vocab; r++) {
            if (remove[r]) {
                scores[off + order[r]] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    @Test
    void inPlaceTopPEqualsTheFirstVersionOnRowsWithTiesSignedZerosAndInfinities() {
        SplittableRandom random = new SplittableRandom(11);
        LogitsProcessors.Buffers buffers = new LogitsProcessors.Buffers(300);
        for (int trial = 0; trial < 400; trial++) {
            int vocab = 1 + random.nextInt(300);
            float[] row = new float[vocab + 3];
            for (int i = 0; i < row.length; i++) {
                int kind = random.nextInt(10);
                // Coarse values make ties common; -0, +0 and -inf are the edge cases of the key order.
                row[i] = kind == 0 ? NEG : kind == 1 ? -0f : kind == 2 ? 0f
                        : kind < 6 ? random.nextInt(5) - 2 : (float) (random.nextGaussian() * 3);
            }
            row[3 + random.nextInt(vocab)] = 1f; // at least one finite score
            double p = random.nextDouble();
            int keep = 1 + random.nextInt(3);
            float[] expected = row.clone();
            topPAsFirstWritten(p, keep, expected, 3, vocab);
            LogitsProcessors.topP(p, keep, row, 3, vocab, buffers);
            assertThat(row).as("trial %d", trial).containsExactly(expected);
        }
    }

    @Test
    void inPlaceSelectionAndSortEqualArraysSort() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + random.nextInt(trial % 20 == 0 ? 5000 : 200);
            float[] values = new float[n];
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                int kind = random.nextInt(8);
                values[i] = kind == 0 ? NEG : kind == 1 ? -0f : kind == 2 ? 0f : kind == 3 ? Float.POSITIVE_INFINITY
                        : kind < 6 ? random.nextInt(4) : (float) random.nextGaussian();
                keys[i] = random.nextLong(-50, 50);
            }
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            int rank = random.nextInt(n);
            assertThat(Float.compare(LogitsProcessors.select(values.clone(), n, rank), sorted[rank]))
                    .as("trial %d rank %d of %s", trial, rank, Arrays.toString(values)).isZero();
            long[] expectedKeys = keys.clone();
            Arrays.sort(expectedKeys);
            LogitsProcessors.sortLongs(keys, n);
            assertThat(keys).containsExactly(expectedKeys);
        }
    }

    @Test
    void samplingWarpersAndProcessorsAllocateNothingPerStep() {
        int vocab = 4096;
        DecodingOptions o = new DecodingOptions(20, 0, 0, 1, 1, 1.0, EarlyStopping.FALSE, 2, true, 0.7, 40, 0.9, 1L, 3,
                1.3, -1, -1, 1.4);
        int[] encoderIds = {12, 700, 12, 5, 1};
        LogitsProcessors.Buffers buffers = new LogitsProcessors.Buffers(vocab);
        float[] source = new float[vocab];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < vocab; i++) {
            source[i] = (float) random.nextGaussian();
        }
        int[] seq = {0, 5, 9, 5, 17, 3000, 9};
        float[] row = new float[vocab];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 200; warm++) {
            System.arraycopy(source, 0, row, 0, vocab);
            LogitsProcessors.process(o, encoderIds, true, seq, seq.length, row, 0, vocab, buffers);
            LogitsProcessors.warp(o, 1, row, 0, vocab, buffers);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int step = 0; step < 100; step++) {
            System.arraycopy(source, 0, row, 0, vocab);
            LogitsProcessors.process(o, encoderIds, true, seq, seq.length, row, 0, vocab, buffers);
            LogitsProcessors.warp(o, 1, row, 0, vocab, buffers);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // The boxed top-p sort alone took over 100 KB a step at this vocabulary; a few stray bytes may be the counter's.
        assertThat(allocated).as("bytes allocated over 100 steps").isLessThan(1024);
    }
}
