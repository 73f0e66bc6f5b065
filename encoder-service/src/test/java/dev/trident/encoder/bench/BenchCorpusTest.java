package dev.trident.encoder.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench corpus is the same on every run and has the promised mix of lengths (the bench itself is not a test). */
class BenchCorpusTest {

    @Test
    void sameSeedSameSentencesAndAMixOfLengths() {
        List<String> a = BenchCorpus.sentences(null);
        assertThat(a).hasSize(BenchCorpus.SIZE).isEqualTo(BenchCorpus.sentences(null));
        assertThat(BenchCorpus.sentences(BenchCorpus.SEED, 200, null)).isEqualTo(a.subList(0, 200));
        long shortOnes = a.stream().filter(s -> words(s) <= 10).count();
        long longOnes = a.stream().filter(s -> words(s) >= 50).count();
        assertThat(shortOnes).isBetween(1300L, 1500L);
        assertThat(longOnes).isBetween(60L, 150L);
        assertThat(a).allSatisfy(s -> assertThat(s).matches("[A-Z0-9].*[.?!]"));
    }

    @Test
    void theTokenCapCutsLongSentences() {
        List<String> capped = BenchCorpus.sentences(BenchCorpus.SEED, 300, s -> words(s) * 3);
        assertThat(capped).allSatisfy(s -> assertThat(words(s) * 3).isLessThanOrEqualTo(BenchCorpus.MAX_TOKENS));
    }

    private static int words(String s) {
        return s.split("\\s+").length;
    }
}
