package dev.trident.seq2seq.model;

import dev.trident.kernels.testing.OracleReference;

import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.ops.TopK;
import dev.trident.kernels.tokenize.HfTokenizer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The default model, t5-numbers-en-fr (a trained Flan-style T5), on its four reference cases: tokenizer ids of the
 * prefixed input (with {@code </s>}), the encoder's last hidden state, greedy ids and text (eos stops) with the top-5
 * logits of every step, and beam-4
 * ids, text and score (max_new_tokens 23, length_penalty 1.0, early_stopping false, as HF generate did).
 */
class T5NumbersReferenceTest {

    @Test
    void fourReferenceCasesTranslateAsHfDid() throws Exception {
        Path model = Path.of(T5NumbersReferenceTest.class.getResource("/models/t5-numbers-en-fr/config.json").toURI()).getParent();
        JsonNode root = new ObjectMapper().readTree(
                T5NumbersReferenceTest.class.getResourceAsStream("/models/t5-numbers-en-fr/reference.json"));
        JsonNode greedySettings = root.path("generation").path("greedy");
        JsonNode beamSettings = root.path("generation").path("beam");
        assertThat(root.path("cases").size()).isEqualTo(4);
        try (Seq2SeqLm lm = Seq2SeqLms.load(model, LoadOptions.mapped()); HfTokenizer tokenizer = HfTokenizer.open(model)) {
            for (JsonNode c : root.path("cases")) {
                String input = c.path("input_text").asText();
                int[] ids = tokenizer.encode(input, true).ids();
                assertThat(ids).as(input + " ids").containsExactly(OracleReference.ints(c.path("input_ids").get(0)));

                EncoderOutput encoded = lm.encode(ids, null);
                OracleReference.assertClose(input + " encoder", encoded.hidden(),
                        OracleReference.floats(c.path("encoder_last_hidden_state").path("data")));

                int[] greedy = Generation.greedy(lm, encoded, greedySettings.path("max_new_tokens").asInt(), lm.eosTokenId());
                assertThat(greedy).as(input + " greedy").containsExactly(OracleReference.ints(c.path("greedy").path("sequence").get(0)));
                assertThat(tokenizer.decode(greedy, true)).isEqualTo(c.path("greedy").path("text").asText());
                assertTopFiveAlongGreedyPath(lm, encoded, greedy, c.path("greedy").path("steps_top5"), input);

                JsonNode beam = c.path("beam");
                List<Generation.Hypothesis> best = Generation.beamSearch(lm, encoded, new Generation.BeamOptions(
                        beamSettings.path("num_beams").asInt(), beamSettings.path("max_new_tokens").asInt(),
                        beamSettings.path("length_penalty").asDouble(), beamSettings.path("early_stopping").asBoolean(),
                        lm.eosTokenId(), beamSettings.path("num_return_sequences").asInt()));
                assertThat(best).hasSize(1);
                assertThat(best.get(0).sequence()).as(input + " beam").containsExactly(OracleReference.ints(beam.path("sequence").get(0)));
                assertThat(tokenizer.decode(best.get(0).sequence(), true)).isEqualTo(beam.path("text").asText());
                // The scores are tiny (the model is sure), so 1e-4 alone would not notice a wrong length divisor (HF divides
                // by the generated length counting the eos): compare within 1 % too. Closer is float rounding order.
                float expected = (float) beam.path("sequence_score").asDouble();
                assertThat(best.get(0).score()).as(input + " beam score").isCloseTo(expected, within(1e-4f))
                        .isCloseTo(expected, within(Math.abs(expected) * 1e-2f));
            }
        }
    }

    /** The raw logits' top 5 (ids exact, values within the oracle tolerance) at every greedy step, via the cache. */
    private static void assertTopFiveAlongGreedyPath(Seq2SeqLm lm, EncoderOutput encoded, int[] greedy, JsonNode steps,
                                                     String input) {
        assertThat(steps.size()).isEqualTo(greedy.length - 1);
        DecoderState state = lm.newDecoderState(encoded);
        for (int i = 0; i < steps.size(); i++) {
            float[] logits = lm.decode(new int[] {greedy[i]}, state, false);
            int[] ids = new int[5];
            float[] values = new float[5];
            TopK.topK(logits, 0, lm.vocabSize(), 5, ids, values);
            assertThat(ids).as(input + " step " + i + " top 5").containsExactly(OracleReference.ints(steps.get(i).path("ids")));
            OracleReference.assertClose(input + " step " + i + " top-5 logits", values,
                    OracleReference.floats(steps.get(i).path("values")));
        }
    }
}
