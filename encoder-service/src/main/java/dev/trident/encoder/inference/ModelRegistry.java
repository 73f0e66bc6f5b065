package dev.trident.encoder.inference;

import dev.trident.encoder.config.EncoderSettings;
import dev.trident.encoder.config.EncoderSettings.ModelSpec;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.encoder.web.ApiException;
import dev.trident.kernels.load.LoadOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The models this replica serves, loaded at start; requests pick one by its id, or get the first. */
@Component
public class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    public static final String BUILTIN_MINILM = "all-minilm-l6-v2";

    private final Map<String, EncoderModel> models = new LinkedHashMap<>();
    private final Map<String, String> dtypes = new LinkedHashMap<>();

    public ModelRegistry(EncoderSettings settings, Environment environment) {
        String quickTrial = environment.getProperty("model");
        List<ModelSpec> specs = quickTrial != null && !quickTrial.isBlank()
                ? List.of(new ModelSpec(null, quickTrial, null, "none", null, null, false))
                : settings.models();
        try {
            for (ModelSpec spec : specs) {
                long start = System.nanoTime();
                EncoderModel model = load(spec);
                String id = spec.id() != null && !spec.id().isBlank() ? spec.id() : model.modelId();
                if (models.putIfAbsent(id, model) != null) {
                    model.close();
                    throw new IllegalArgumentException("two encoder models have the id '" + id + "'");
                }
                dtypes.put(id, spec.quantize().toLowerCase(Locale.ROOT).equals("q8_0") ? "q8_0" : "float32");
                log.info("encoder model '{}' loaded in {} ms: {}", id, (System.nanoTime() - start) / 1_000_000, model.summary());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static EncoderModel load(ModelSpec spec) {
        LoadOptions options = LoadOptions.fromSetting(spec.quantize());
        if (spec.builtin() != null && !spec.builtin().isBlank()) {
            if (!BUILTIN_MINILM.equals(spec.builtin())) {
                throw new IllegalArgumentException("unknown built-in encoder '" + spec.builtin() + "'; built in: " + BUILTIN_MINILM);
            }
            return EncoderModels.defaultMiniLm(options);
        }
        if (spec.path() == null || spec.path().isBlank()) {
            throw new IllegalArgumentException("an encoder model needs a 'path' (an HF folder) or a 'builtin'");
        }
        EncoderTask task = spec.task() == null ? null : EncoderTask.valueOf(spec.task().toUpperCase(Locale.ROOT).replace('-', '_'));
        Pooling pooling = spec.pooling() == null ? null
                : new Pooling(Pooling.Mode.valueOf(spec.pooling().toUpperCase(Locale.ROOT)), spec.normalize());
        return EncoderModels.load(Path.of(spec.path()), options, task, pooling);
    }

    /** The model {@code id} names, or the default when {@code id} is null or empty; unknown ids are a 404. */
    public EncoderModel get(String id) {
        if (models.isEmpty()) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "model_not_loaded", "no encoder model is loaded");
        }
        if (id == null || id.isBlank()) {
            return models.values().iterator().next();
        }
        EncoderModel model = models.get(id);
        if (model == null) {
            throw new ApiException(HttpStatus.NOT_FOUND, "model_not_found",
                    "unknown model '" + id + "'; served here: " + String.join(", ", models.keySet()));
        }
        return model;
    }

    /** How the weights of {@code id} are held: {@code float32} (as stored) or {@code q8_0} (TEI's model_dtype). */
    public String dtype(String id) {
        return dtypes.getOrDefault(id, "float32");
    }

    /** Served ids in configuration order (the first is the default). */
    public List<String> ids() {
        return new ArrayList<>(models.keySet());
    }

    public Collection<EncoderModel> all() {
        return models.values();
    }

    @Override
    public void close() {
        models.values().forEach(EncoderModel::close);
        models.clear();
    }
}
