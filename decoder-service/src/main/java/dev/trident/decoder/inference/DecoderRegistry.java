package dev.trident.decoder.inference;

import dev.trident.decoder.config.DecoderSettings;
import dev.trident.decoder.config.DecoderSettings.ModelSpec;
import dev.trident.decoder.model.CausalLm;
import dev.trident.decoder.model.CausalLms;
import dev.trident.decoder.web.ApiException;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The causal LMs this replica serves, loaded at start; requests pick one by id, or get the first. */
@Component
public class DecoderRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DecoderRegistry.class);

    private final Map<String, DecoderModel> models = new LinkedHashMap<>();

    public DecoderRegistry(DecoderSettings settings, Environment environment) {
        String quickTrial = environment.getProperty("model");
        List<ModelSpec> specs = quickTrial != null && !quickTrial.isBlank()
                ? List.of(new ModelSpec(null, quickTrial, null, "none", List.of()))
                : settings.models();
        try {
            for (ModelSpec spec : specs) {
                DecoderModel model = load(spec, settings.maxBatchSize());
                if (models.putIfAbsent(model.id(), model) != null) {
                    model.close();
                    throw new IllegalArgumentException("two decoder models have the id '" + model.id() + "'");
                }
                log.info("decoder model '{}' loaded: context {}, vocabulary {}, stop tokens {}, batch up to {}{}", model.id(),
                        model.contextLength(), model.vocabSize(), model.stopTokenIds(), model.maxBatch(), model.tokenizer() == null ? ", ids only" : "");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static DecoderModel load(ModelSpec spec, int maxBatch) {
        LoadOptions options = LoadOptions.fromSetting(spec.quantize());
        Path dir;
        if (spec.builtin() != null && !spec.builtin().isBlank()) {
            dir = BuiltinModels.folder(spec.builtin());
        } else if (spec.path() != null && !spec.path().isBlank()) {
            dir = Path.of(spec.path());
        } else {
            throw new IllegalArgumentException("a decoder model needs a 'path' (an HF folder) or a 'builtin'");
        }
        String id = spec.id() != null && !spec.id().isBlank() ? spec.id()
                : spec.builtin() != null && !spec.builtin().isBlank() ? spec.builtin() : dir.getFileName().toString();
        CausalLm lm = CausalLms.load(dir, options);
        Tokenizer tokenizer = null;
        try {
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                tokenizer = HfTokenizer.open(dir);
            }
            Set<Integer> stops = new LinkedHashSet<>(eosIds(dir));
            stops.addAll(spec.stopTokenIds());
            return new DecoderModel(id, lm, tokenizer, stops, ChatTemplate.of(dir), maxBatch);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** eos from generation_config.json when present (it is what HF's generate uses), else from config.json. */
    private static List<Integer> eosIds(Path dir) {
        Path generation = dir.resolve("generation_config.json");
        HfConfig config = Files.isRegularFile(generation) ? HfConfig.read(generation) : HfConfig.read(dir);
        return config.getIntList("eos_token_id", HfConfig.read(dir).getIntList("eos_token_id", List.of()));
    }

    /** The model {@code id} names, or the default when null or empty; unknown ids are a 404. */
    public DecoderModel get(String id) {
        if (models.isEmpty()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "model_not_loaded", "no decoder model is loaded");
        }
        if (id == null || id.isBlank()) {
            return models.values().iterator().next();
        }
        DecoderModel model = models.get(id);
        if (model == null) {
            throw new ApiException(HttpStatus.NOT_FOUND, "model_not_found",
                    "The model '" + id + "' does not exist; served here: " + String.join(", ", models.keySet()));
        }
        return model;
    }

    public List<String> ids() {
        return new ArrayList<>(models.keySet());
    }

    public Collection<DecoderModel> all() {
        return models.values();
    }

    @Override
    public void close() {
        models.values().forEach(DecoderModel::close);
        models.clear();
    }
}
