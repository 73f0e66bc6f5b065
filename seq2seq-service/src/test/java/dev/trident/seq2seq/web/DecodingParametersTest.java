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
}
