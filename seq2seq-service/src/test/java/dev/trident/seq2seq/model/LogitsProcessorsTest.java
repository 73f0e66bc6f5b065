package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
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
}
