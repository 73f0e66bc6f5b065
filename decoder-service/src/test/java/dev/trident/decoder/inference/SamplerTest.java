package dev.trident.decoder.inference;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};

    private static SamplingParams params(double temperature, double topP, int topK, double minP, double repetition, long seed) {
        return new SamplingParams(10, temperature, topP, topK, minP, repetition, 0, 0, seed, List.of(), Set.of());
    }

    private static int draw(Sampler sampler) {
        return sampler.next(LOGITS.clone());
    }

    @Test
    void temperatureZeroIsArgmax() {
        assertThat(draw(new Sampler(params(0, 1, 0, 0, 1, 1), LOGITS.length))).isEqualTo(1);
    }

    @Test
    void cutsKeepOnlyTheMostProbableToken() {
        for (long seed = 0; seed < 50; seed++) {
            assertThat(draw(new Sampler(params(1, 1, 1, 0, 1, seed), LOGITS.length))).as("top_k 1").isEqualTo(1);
            assertThat(draw(new Sampler(params(1, 0.01, 0, 0, 1, seed), LOGITS.length))).as("top_p 0.01").isEqualTo(1);
            assertThat(draw(new Sampler(params(1, 1, 0, 0.99, 1, seed), LOGITS.length))).as("min_p 0.99").isEqualTo(1);
        }
    }

    @Test
    void topKTwoDrawsOnlyTheTwoBest() {
        Sampler sampler = new Sampler(params(1, 1, 2, 0, 1, 7), LOGITS.length);
        for (int i = 0; i < 200; i++) {
            assertThat(draw(sampler)).isIn(1, 4);
        }
    }

    @Test
    void uncutSamplingFollowsTheSoftmax() {
        Sampler sampler = new Sampler(params(1, 1, 0, 0, 1, 42), LOGITS.length);
        int draws = 40_000;
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            counts[draw(sampler)]++;
        }
        double sum = 0;
        for (float l : LOGITS) {
            sum += Math.exp(l);
        }
        for (int id = 0; id < LOGITS.length; id++) {
            // Binomial standard deviation at most 0.0025 here: 0.01 is four of them.
            assertThat(counts[id] / (double) draws).as("token %d", id).isCloseTo(Math.exp(LOGITS[id]) / sum, within(0.01));
        }
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        Sampler a = new Sampler(params(0.8, 0.9, 3, 0.05, 1, 99), LOGITS.length);
        Sampler b = new Sampler(params(0.8, 0.9, 3, 0.05, 1, 99), LOGITS.length);
        for (int i = 0; i < 100; i++) {
            assertThat(draw(a)).isEqualTo(draw(b));
        }
    }

    @Test
    void repetitionPenaltyDemotesSeenTokens() {
        Sampler sampler = new Sampler(params(0, 1, 0, 0, 2.0, 1), LOGITS.length);
        sampler.noteGenerated(1); // 3.0 / 2 = 1.5, now below token 4 (2.9) and token 2 (2.0)
        assertThat(draw(sampler)).isEqualTo(4);
    }
}
