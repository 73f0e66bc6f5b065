package dev.trident.seq2seq.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sampling and beam sampling on the default model: deterministic given the seed, varied across seeds, HF's modes. */
class SamplingTest {

    private static DecodingOptions sample(int beams, int returned, double temperature, int topK, double topP, long seed) {
        return new DecodingOptions(23, 0, 0, beams, returned, 1.0, EarlyStopping.FALSE, 0, true, temperature, topK, topP,
                seed, 1);
    }

    @Test
    void sameSeedSameOutputOtherSeedsOtherOutputs() throws Exception {
        try (Seq2SeqLm model = load()) {
            EncoderOutput encoded = model.encode(new int[] {6, 16, 7, 9, 15, 14, 11, 6, 19, 10, 8, 21, 5, 44, 3, 60, 1}, null);
            Set<String> outputs = new HashSet<>();
            for (long seed = 0; seed < 12; seed++) {
                List<Generation.Hypothesis> a = Generation.generate(model, encoded, sample(1, 2, 3.0, 0, 1.0, seed));
                List<Generation.Hypothesis> b = Generation.generate(model, encoded, sample(1, 2, 3.0, 0, 1.0, seed));
                assertThat(a).hasSize(2);
                for (int i = 0; i < 2; i++) {
                    assertThat(a.get(i).sequence()).containsExactly(b.get(i).sequence());
                    outputs.add(Arrays.toString(a.get(i).sequence()));
                }
                List<Generation.Hypothesis> beams = Generation.generate(model, encoded, sample(3, 3, 2.0, 0, 1.0, seed));
                assertThat(beams).hasSize(3);
                assertThat(beams.get(0).score()).isGreaterThanOrEqualTo(beams.get(1).score());
                assertThat(beams.get(1).score()).isGreaterThanOrEqualTo(beams.get(2).score());
                assertThat(Generation.generate(model, encoded, sample(3, 3, 2.0, 0, 1.0, seed)).getFirst().sequence())
                        .containsExactly(beams.getFirst().sequence());
            }
            // At temperature 3 with no cut the confident model still varies: 24 samples are not all one sequence.
            assertThat(outputs.size()).isGreaterThan(3);
        }
    }

    @Test
    void topKOneAndATinyTopPSampleTheGreedyPath() throws Exception {
        try (Seq2SeqLm model = load()) {
            EncoderOutput encoded = model.encode(new int[] {6, 16, 7, 9, 15, 14, 11, 6, 19, 10, 8, 21, 5, 44, 3, 60, 1}, null);
            int[] greedy = Generation.greedy(model, encoded, 23, 1);
            for (long seed = 0; seed < 5; seed++) {
                assertThat(Generation.generate(model, encoded, sample(1, 1, 5.0, 1, 1.0, seed)).getFirst().sequence())
                        .containsExactly(greedy);
                assertThat(Generation.generate(model, encoded, sample(1, 1, 1.0, 0, 1e-6, seed)).getFirst().sequence())
                        .containsExactly(greedy);
            }
        }
    }

    private static Seq2SeqLm load() throws Exception {
        Path dir = Path.of(SamplingTest.class.getResource("/models/t5-numbers-en-fr/config.json").toURI()).getParent();
        return Seq2SeqLms.load(dir, LoadOptions.mapped());
    }
}
