package dev.trident.seq2seq.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trident.seq2seq.inference.GenerationDefaults;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;

/** Request fields over generation_config defaults, as HF generate reads them (summarize's max_length / min_length). */
class DecodingParametersTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void generationConfigGivesTheDefaultsAndTheRequestOverrides(@TempDir Path dir) throws Exception {
        // A BART-summarizer-like generation_config.
        Files.writeString(dir.resolve("generation_config.json"), """
                {"max_length": 142, "min_length": 56, "num_beams": 4, "no_repeat_ngram_size": 3,
                 "length_penalty": 2.0, "early_stopping": true}""");
        GenerationDefaults defaults = GenerationDefaults.read(dir);
        DecodingOptions plain = DecodingParameters.read(json.readTree("{}"), defaults, 2);
        assertThat(plain.maxNewTokens()).isEqualTo(141);
        assertThat(plain.minLength()).isEqualTo(56);
        assertThat(plain.numBeams()).isEqualTo(4);
        assertThat(plain.noRepeatNgramSize()).isEqualTo(3);
        assertThat(plain.lengthPenalty()).isEqualTo(2.0);
        assertThat(plain.earlyStopping()).isEqualTo(EarlyStopping.TRUE);
        assertThat(plain.doSample()).isFalse();
        assertThat(plain.topK()).isEqualTo(50);
        assertThat(plain.eosTokenId()).isEqualTo(2);

        DecodingOptions summarize = DecodingParameters.read(json.readTree("""
                {"max_length": 30, "min_length": 10, "num_beams": 1, "early_stopping": "never"}"""), defaults, 2);
        assertThat(summarize.maxNewTokens()).isEqualTo(29);
        assertThat(summarize.minLength()).isEqualTo(10);
        assertThat(summarize.numBeams()).isEqualTo(1);
        assertThat(summarize.earlyStopping()).isEqualTo(EarlyStopping.NEVER);
        DecodingOptions both = DecodingParameters.read(json.readTree("{\"max_length\": 30, \"max_new_tokens\": 5}"), defaults, 2);
        assertThat(both.maxNewTokens()).as("max_new_tokens wins, as in HF").isEqualTo(5);
    }

    @Test
    void withoutGenerationConfigHfDefaultsApply(@TempDir Path dir) throws Exception {
        GenerationDefaults defaults = GenerationDefaults.read(dir);
        assertThat(defaults).isEqualTo(GenerationDefaults.HF);
        DecodingOptions sampled = DecodingParameters.read(json.readTree("{\"do_sample\": true}"), defaults, 1);
        assertThat(sampled.maxNewTokens()).isEqualTo(19);
        assertThat(sampled.doSample()).isTrue();
        assertThat(sampled.seed()).as("a drawn seed, reported back").isNotNegative();
        assertThatThrownBy(() -> DecodingParameters.read(json.readTree("{\"seed\": \"x\"}"), defaults, 1))
                .isInstanceOf(ApiException.class).hasMessageContaining("seed");
    }

    @Test
    void forcedTokensAndRepetitionPenaltyComeFromTheModelConfigUnlessTheRequestSays(@TempDir Path dir) throws Exception {
        // An older BART checkpoint: no generation_config.json, the generation keys in config.json.
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "bart", "forced_bos_token_id": 0, "forced_eos_token_id": 2, "num_beams": 4,
                 "repetition_penalty": 1.2}""");
        GenerationDefaults defaults = GenerationDefaults.read(dir);
        DecodingOptions plain = DecodingParameters.read(json.readTree("{}"), defaults, 2, 50);
        assertThat(plain.forcedBosTokenId()).isZero();
        assertThat(plain.forcedEosTokenId()).isEqualTo(2);
        assertThat(plain.repetitionPenalty()).isEqualTo(1.2);
        assertThat(plain.numBeams()).isEqualTo(4);
        DecodingOptions asked = DecodingParameters.read(json.readTree("""
                {"forced_bos_token_id": 7, "forced_eos_token_id": -1, "repetition_penalty": 0.8}"""), defaults, 2, 50);
        assertThat(asked.forcedBosTokenId()).isEqualTo(7);
        assertThat(asked.forcedEosTokenId()).as("-1 turns the model's forced eos off").isEqualTo(-1);
        assertThat(asked.repetitionPenalty()).isEqualTo(0.8);

        // A generation_config.json of its own (not derived from the model config) wins over config.json entirely.
        Files.writeString(dir.resolve("generation_config.json"), "{\"forced_eos_token_id\": [3]}");
        GenerationDefaults own = GenerationDefaults.read(dir);
        assertThat(own.forcedBosTokenId()).isEqualTo(-1);
        assertThat(own.forcedEosTokenId()).isEqualTo(3);
        assertThat(own.numBeams()).isEqualTo(1);
        // One HF derived from config.json (_from_model_config) leaves config.json's keys in force.
        Files.writeString(dir.resolve("generation_config.json"), "{\"_from_model_config\": true, \"eos_token_id\": 2}");
        assertThat(GenerationDefaults.read(dir).forcedBosTokenId()).isZero();
    }

    @Test
    void badRepetitionPenaltiesAndForcedIdsAreRefusedByName() throws Exception {
        GenerationDefaults defaults = GenerationDefaults.HF;
        for (String bad : new String[] {"0", "-1.5", "\"high\"", "true"}) {
            assertThatThrownBy(() -> DecodingParameters.read(json.readTree("{\"repetition_penalty\": " + bad + "}"),
                    defaults, 1, 50)).isInstanceOf(ApiException.class).hasMessageContaining("repetition_penalty");
        }
        for (String bad : new String[] {"0", "-3", "\"x\""}) {
            assertThatThrownBy(() -> DecodingParameters.read(json.readTree("{\"encoder_repetition_penalty\": " + bad + "}"),
                    defaults, 1, 50)).isInstanceOf(ApiException.class).hasMessageContaining("encoder_repetition_penalty");
        }
        assertThat(DecodingParameters.read(json.readTree("{\"encoder_repetition_penalty\": 1.5}"), defaults, 1, 50)
                .encoderRepetitionPenalty()).isEqualTo(1.5);
        for (String bad : new String[] {"50", "-2", "1.5", "\"a\""}) {
            assertThatThrownBy(() -> DecodingParameters.read(json.readTree("{\"forced_bos_token_id\": " + bad + "}"),
                    defaults, 1, 50)).isInstanceOf(ApiException.class).hasMessageContaining("forced_bos_token_id");
        }
        assertThatThrownBy(() -> DecodingParameters.read(json.readTree("{\"forced_eos_token_id\": 99}"), defaults, 1, 50))
                .isInstanceOf(ApiException.class).hasMessageContaining("forced_eos_token_id");
    }
}
