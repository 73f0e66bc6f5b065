package dev.trident.encoder.web;

import dev.trident.encoder.config.ServingSettings;
import dev.trident.encoder.inference.EncoderModel;
import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.model.EncoderTask;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What this replica serves: TEI's {@code /info} fields for the default model, plus {@code service}, {@code status}
 * and every model's summary (the gateway's {@code /v1/services} reads those); and TEI's {@code /health}.
 */
@RestController
public class InfoController {

    private final EncoderService service;
    private final String version;

    public InfoController(EncoderService service, ObjectProvider<BuildProperties> build) {
        this.service = service;
        BuildProperties properties = build.getIfAvailable();
        this.version = properties == null ? "dev" : properties.getVersion();
    }

    @GetMapping("/info")
    public Map<String, Object> info() {
        Map<String, EncoderModel.Summary> summaries = service.summaries();
        ServingSettings settings = service.settings();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("service", "encoder");
        info.put("status", summaries.isEmpty() ? "no_model" : "ready");
        info.put("version", version);
        if (!summaries.isEmpty()) {
            Map.Entry<String, EncoderModel.Summary> first = summaries.entrySet().iterator().next();
            info.put("model_id", first.getKey());
            info.put("model_sha", null);
            info.put("model_dtype", service.registry().dtype(first.getKey()));
            info.put("model_type", modelType(first.getValue()));
            info.put("max_concurrent_requests", settings.maxConcurrentRequests());
            info.put("max_input_length", first.getValue().maxSequenceLength());
            info.put("max_batch_tokens", settings.maxBatchTokens());
            info.put("max_batch_requests", settings.maxBatchRequests());
            info.put("max_client_batch_size", settings.maxClientBatchSize());
            info.put("tokenization_workers", null);
        }
        List<Map<String, Object>> models = new ArrayList<>();
        summaries.forEach((id, s) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("model_type", s.modelType());
            m.put("dtype", service.registry().dtype(id));
            m.put("task", s.task().name().toLowerCase(Locale.ROOT));
            m.put("hidden_size", s.hiddenSize());
            m.put("max_input_length", s.maxSequenceLength());
            m.put("vocab_size", s.vocabSize());
            m.put("labels", s.labels());
            m.put("problem_type", s.problemType());
            m.put("pooling", s.pooling().mode().name().toLowerCase(Locale.ROOT));
            m.put("normalize", s.pooling().normalize());
            m.put("has_tokenizer", s.hasTokenizer());
            models.add(m);
        });
        info.put("models", models);
        return info;
    }

    /** TEI's {@code model_type}: {@code {"embedding": {"pooling"}}}, {@code {"classifier"| "reranker": {"id2label"}}}. */
    private static Map<String, Object> modelType(EncoderModel.Summary s) {
        if (s.task() == EncoderTask.SEQUENCE_CLASSIFICATION || s.task() == EncoderTask.TOKEN_CLASSIFICATION) {
            Map<String, String> id2label = new LinkedHashMap<>();
            Map<String, Integer> label2id = new LinkedHashMap<>();
            for (int i = 0; i < s.labels().size(); i++) {
                id2label.put(String.valueOf(i), s.labels().get(i));
                label2id.put(s.labels().get(i), i);
            }
            String kind = s.task() == EncoderTask.SEQUENCE_CLASSIFICATION && s.labels().size() == 1 ? "reranker" : "classifier";
            return Map.of(kind, Map.of("id2label", id2label, "label2id", label2id));
        }
        return Map.of("embedding", Map.of("pooling", s.pooling().mode().name().toLowerCase(Locale.ROOT)));
    }

    /** 200 once the models are loaded (they load before the app takes requests), 503 without any. */
    @GetMapping("/health")
    public ResponseEntity<Map<String, Object>> health() {
        boolean ready = !service.summaries().isEmpty();
        return ResponseEntity.status(ready ? 200 : 503).body(Map.of("status", ready ? "ok" : "no_model"));
    }
}
