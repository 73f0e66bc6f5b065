package dev.trident.seq2seq.model;

import dev.trident.kernels.testing.OracleReference;

import dev.trident.kernels.load.LoadOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The oracle's encoder-decoders (HF transformers 4.39, float32) against our architectures: the encoder's last hidden
 * state, the decoder logits for fixed {@code decoder_input_ids}, the cache check (prefix, then the continuation one
 * token at a time), 10 greedy ids (eos does not stop) and beam search with 3 beams (ids exact, scores within 1e-4).
 * Tolerance for arrays, from the oracle README: {@code max|x - ref| <= 1e-4 · max(1, max|ref|)}.
 */
class Seq2SeqReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"t5", "t5-gated-gelu", "bart", "marian"})
    void encoderLogitsCacheGreedyAndBeamMatchTheReference(String name) throws Exception {
        Path dir = OracleReference.resource("/oracle/" + name);
        JsonNode root = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        JsonNode inputs = root.path("inputs");
        JsonNode outputs = root.path("outputs");
        int[] inputIds = OracleReference.ints(inputs.path("input_ids").get(0));
        int[] decoderInput = OracleReference.ints(inputs.path("decoder_input_ids").get(0));
        try (Seq2SeqLm model = Seq2SeqLms.load(dir, LoadOptions.mapped())) {
            int vocab = model.vocabSize();
            assertThat(model.decoderStartTokenId()).isEqualTo(inputs.path("decoder_start_token_id").asInt());

            EncoderOutput encoded = model.encode(inputIds, null);
            OracleReference.assertClose(name + " encoder last hidden state", encoded.hidden(),
                    OracleReference.floats(outputs.path("encoder_last_hidden_state").path("data")));

            float[] logits = model.decode(decoderInput, model.newDecoderState(encoded), true);
            OracleReference.assertClose(name + " logits", logits, OracleReference.floats(outputs.path("logits").path("data")));

            JsonNode kv = outputs.path("kv_cache");
            int prefix = kv.path("prefix_len").asInt();
            DecoderState state = model.newDecoderState(encoded);
            OracleReference.assertClose(name + " prefix logits", model.decode(Arrays.copyOf(decoderInput, prefix), state, true),
                    OracleReference.floats(kv.path("prefix_logits").path("data")));
            float[] stepwise = OracleReference.floats(kv.path("continuation_logits_token_by_token").path("data"));
            int[] continuation = OracleReference.ints(kv.path("continuation_ids").get(0));
            for (int i = 0; i < continuation.length; i++) {
                OracleReference.assertClose(name + " cached step " + i, model.decode(new int[] {continuation[i]}, state, false),
                        Arrays.copyOfRange(stepwise, i * vocab, (i + 1) * vocab));
            }

            JsonNode greedy = outputs.path("greedy");
            assertThat(Generation.greedy(model, encoded, greedy.path("new_tokens").asInt(), -1)).as(name + " greedy")
                    .containsExactly(OracleReference.ints(greedy.path("sequence").get(0)));

            JsonNode beam = outputs.path("beam");
            int beams = beam.path("num_beams").asInt();
            List<Generation.Hypothesis> found = Generation.beamSearch(model, encoded, new Generation.BeamOptions(
                    beams, beam.path("new_tokens").asInt(), beam.path("length_penalty").asDouble(), false, -1, beams));
            assertThat(found).hasSize(beam.path("sequences").size());
            for (int i = 0; i < found.size(); i++) {
                assertThat(found.get(i).sequence()).as(name + " beam " + i)
                        .containsExactly(OracleReference.ints(beam.path("sequences").get(i)));
                assertThat(found.get(i).score()).as(name + " beam score " + i)
                        .isCloseTo((float) beam.path("sequences_scores").get(i).asDouble(), within(1e-4f));
            }
        }
    }
}
