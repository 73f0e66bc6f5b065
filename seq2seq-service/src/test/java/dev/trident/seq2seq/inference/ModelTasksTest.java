package dev.trident.seq2seq.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTasksTest {

    @TempDir
    Path dir;

    /** t5-small's config.json, abridged: its tasks and their prefixes. */
    @Test
    void t5TaskSpecificParamsNamePairsAndSummarization() throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "t5", "d_model": 512,
                 "task_specific_params": {
                   "summarization": {"early_stopping": true, "length_penalty": 2.0, "max_length": 200,
                                     "min_length": 30, "no_repeat_ngram_size": 3, "num_beams": 4,
                                     "prefix": "summarize: "},
                   "translation_en_to_de": {"early_stopping": true, "max_length": 300, "num_beams": 4,
                                            "prefix": "translate English to German: "},
                   "translation_en_to_fr": {"prefix": "translate English to French: "},
                   "translation_en_to_ro": {"prefix": "translate English to Romanian: "}}}
                """);
        ModelTasks tasks = ModelTasks.read(dir);
        assertThat(tasks.translations()).containsExactly(
                new Translation("en", "de", "translate English to German: "),
                new Translation("en", "fr", "translate English to French: "),
                new Translation("en", "ro", "translate English to Romanian: "));
        assertThat(tasks.summarizePrefix()).isEqualTo("summarize: ");
    }

    /** bart-large-cnn: summarization with no prefix at all. */
    @Test
    void aSummarizationTaskWithoutPrefixSummarizesAsIs() throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "bart", "task_specific_params": {"summarization": {"num_beams": 4, "max_length": 142}}}
                """);
        ModelTasks tasks = ModelTasks.read(dir);
        assertThat(tasks.summarizePrefix()).isEmpty();
        assertThat(tasks.translations()).isEmpty();
    }

    @Test
    void aMarianCheckpointTranslatesItsPairWithoutPrefix() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"marian\"}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"source_lang\": \"en\", \"target_lang\": \"de\"}");
        Files.writeString(dir.resolve("vocab.json"), "{\"</s>\": 0, \"<unk>\": 1, \"▁Hallo\": 2, \"<pad>\": 3}");
        ModelTasks tasks = ModelTasks.read(dir);
        assertThat(tasks.translations()).containsExactly(new Translation("en", "de", ""));
        assertThat(tasks.summarizePrefix()).isNull();
    }

    /** opus-mt-en-ROMANCE style: the target is chosen by a {@code >>xx<<} token at the start of the input. */
    @Test
    void aMultiTargetMarianCheckpointNamesEachLanguageToken() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"source_lang\": \"en\", \"target_lang\": \"ROMANCE\"}");
        Files.writeString(dir.resolve("vocab.json"),
                "{\">>fr<<\": 0, \">>es<<\": 1, \">>pt_BR<<\": 2, \"</s>\": 3, \"▁a\": 4, \">>not a code\": 5}");
        assertThat(ModelTasks.read(dir).translations()).containsExactly(
                new Translation("en", "fr", ">>fr<< "),
                new Translation("en", "es", ">>es<< "),
                new Translation("en", "pt_BR", ">>pt_BR<< "));
    }

    @Test
    void aCheckpointThatNamesNothingHasNoTasks() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\"}");
        ModelTasks tasks = ModelTasks.read(dir);
        assertThat(tasks.translations()).isEmpty();
        assertThat(tasks.summarizePrefix()).isNull();
    }
}
