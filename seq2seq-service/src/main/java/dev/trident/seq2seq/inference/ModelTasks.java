package dev.trident.seq2seq.inference;

import dev.trident.kernels.load.HfConfig;
import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tasks a checkpoint says it was trained for, for a model whose YAML entry (or {@code --model=DIR}) names none:
 * <ul>
 *   <li>T5's {@code task_specific_params} in config.json: {@code translation_<src>_to_<tgt>} with its {@code prefix}
 *       ("translate English to German: "), {@code summarization} with its prefix ("summarize: "; BART's has none);</li>
 *   <li>a Marian checkpoint's {@code source_lang} / {@code target_lang} in tokenizer_config.json (no prefix), and for a
 *       multi-target one the {@code >>xx<<} language tokens of its vocab.json, each a target whose prefix is that
 *       token, as HF's MarianTokenizer documents.</li>
 * </ul>
 * What the YAML says wins over all of this.
 *
 * @param translations    language pairs with their input prefix; empty when the checkpoint names none
 * @param summarizePrefix the summarization prefix, or null when the checkpoint does not say it summarizes
 */
public record ModelTasks(List<Translation> translations, String summarizePrefix) {

    private static final Pattern TRANSLATION_KEY = Pattern.compile("translation_([A-Za-z0-9-]+)_to_([A-Za-z0-9-]+)");
    private static final Pattern LANGUAGE_TOKEN = Pattern.compile(">>([A-Za-z0-9_]+)<<");

    public static ModelTasks read(Path dir) {
        List<Translation> translations = new ArrayList<>();
        String summarizePrefix = null;
        Path config = dir.resolve(HfConfig.FILE);
        if (Files.isRegularFile(config)) {
            HfConfig params = HfConfig.read(config).getObject("task_specific_params");
            if (params != null) {
                for (String key : params.keys()) {
                    HfConfig task = params.getObject(key);
                    String prefix = task.getString("prefix", "");
                    Matcher translation = TRANSLATION_KEY.matcher(key);
                    if (translation.matches()) {
                        translations.add(new Translation(translation.group(1), translation.group(2), prefix));
                    } else if (key.equals("summarization")) {
                        summarizePrefix = prefix;
                    }
                }
            }
        }
        if (translations.isEmpty()) {
            translations.addAll(marianLanguages(dir));
        }
        return new ModelTasks(List.copyOf(translations), summarizePrefix);
    }

    private static List<Translation> marianLanguages(Path dir) {
        JsonNode tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"));
        if (tokenizerConfig == null) {
            return List.of();
        }
        String source = tokenizerConfig.path("source_lang").asString(null);
        String target = tokenizerConfig.path("target_lang").asString(null);
        if (source == null || target == null) {
            return List.of();
        }
        List<Translation> targets = new ArrayList<>();
        JsonNode vocab = readJson(dir.resolve("vocab.json"));
        if (vocab != null) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                Matcher code = LANGUAGE_TOKEN.matcher(entry.getKey());
                if (code.matches()) {
                    targets.add(new Translation(source, code.group(1), entry.getKey() + " "));
                }
            }
        }
        return targets.isEmpty() ? List.of(new Translation(source, target, "")) : targets;
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonMapper.shared().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
