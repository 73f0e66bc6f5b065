package dev.trident.seq2seq.inference;

import dev.trident.kernels.load.BundledModel;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.MarianTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.config.Seq2SeqSettings;
import dev.trident.seq2seq.config.Seq2SeqSettings.ModelSpec;
import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import dev.trident.seq2seq.model.Seq2SeqLm;
import dev.trident.seq2seq.model.Seq2SeqLms;
import dev.trident.seq2seq.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The encoder-decoder models this replica serves, loaded at start. */
@Component
public class Seq2SeqRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Seq2SeqRegistry.class);
    public static final String T5_NUMBERS = "t5-numbers-en-fr";
    private static final List<String> T5_NUMBERS_FILES = List.of("config.json", "generation_config.json",
            "model.safetensors", "spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

    private final Map<String, Seq2SeqModel> models = new LinkedHashMap<>();

    public Seq2SeqRegistry(Seq2SeqSettings settings, Environment environment) {
        String quickTrial = environment.getProperty("model");
        List<ModelSpec> specs = quickTrial != null && !quickTrial.isBlank()
                ? List.of(new ModelSpec(null, quickTrial, null, "none", List.of(), null, 512, Seq2SeqModel.DEFAULT_MAX_BATCH_ROWS))
                : settings.models();
        try {
            for (ModelSpec spec : specs) {
                Seq2SeqModel model = load(spec, settings.serving());
                if (models.putIfAbsent(model.id(), model) != null) {
                    model.close();
                    throw new IllegalArgumentException("two seq2seq models have the id '" + model.id() + "'");
                }
                log.info("seq2seq model '{}' loaded: pairs {}, summarize {}", model.id(), model.translations(), model.summarizePrefix() != null);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Seq2SeqModel load(ModelSpec spec, Seq2SeqSettings.Serving serving) {
        LoadOptions options = LoadOptions.fromSetting(spec.quantize());
        Path dir;
        if (spec.builtin() != null && !spec.builtin().isBlank()) {
            if (!T5_NUMBERS.equals(spec.builtin())) {
                throw new IllegalArgumentException("unknown built-in seq2seq model '" + spec.builtin() + "'; built in: " + T5_NUMBERS);
            }
            dir = BundledModel.unpack("/models/" + T5_NUMBERS, T5_NUMBERS_FILES, Seq2SeqRegistry.class);
        } else if (spec.path() != null && !spec.path().isBlank()) {
            dir = Path.of(spec.path());
        } else {
            throw new IllegalArgumentException("a seq2seq model needs a 'path' (an HF folder) or a 'builtin'");
        }
        String id = spec.id() != null && !spec.id().isBlank() ? spec.id()
                : spec.builtin() != null && !spec.builtin().isBlank() ? spec.builtin() : dir.getFileName().toString();
        Seq2SeqLm lm = Seq2SeqLms.load(dir, options);
        Tokenizer tokenizer = null;
        try {
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                tokenizer = HfTokenizer.open(dir);
            } else if (MarianTokenizer.present(dir)) {
                tokenizer = MarianTokenizer.open(dir); // a Marian checkpoint's own source.spm/target.spm + vocab.json
            }
            ModelTasks named = ModelTasks.read(dir); // what the checkpoint says, where the YAML says nothing
            List<Translation> translations = spec.translations().isEmpty() ? named.translations() : spec.translations();
            String summarizePrefix = spec.summarizePrefix() != null ? spec.summarizePrefix() : named.summarizePrefix();
            return new Seq2SeqModel(id, lm, tokenizer, translations, summarizePrefix, spec.maxSourceTokens(),
                    GenerationDefaults.read(dir), spec.maxBatchRows(), serving);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    public Seq2SeqModel get(String id) {
        if (models.isEmpty()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "model_not_loaded", "no seq2seq model is loaded");
        }
        if (id == null || id.isBlank()) {
            return models.values().iterator().next();
        }
        Seq2SeqModel model = models.get(id);
        if (model == null) {
            throw new ApiException(HttpStatus.NOT_FOUND, "model_not_found",
                    "unknown model '" + id + "'; served here: " + String.join(", ", models.keySet()));
        }
        return model;
    }

    public List<String> ids() {
        return new ArrayList<>(models.keySet());
    }

    public Collection<Seq2SeqModel> all() {
        return models.values();
    }

    @Override
    public void close() {
        models.values().forEach(Seq2SeqModel::close);
        models.clear();
    }
}
