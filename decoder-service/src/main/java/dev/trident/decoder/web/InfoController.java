package dev.trident.decoder.web;

import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.DecoderRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What this replica serves. The gateway's {@code /v1/services} reads it. */
@RestController
public class InfoController {

    private final String version;
    private final DecoderRegistry models;

    public InfoController(ObjectProvider<BuildProperties> build, DecoderRegistry models) {
        BuildProperties properties = build.getIfAvailable();
        this.version = properties == null ? "dev" : properties.getVersion();
        this.models = models;
    }

    @GetMapping("/info")
    public Map<String, Object> info() {
        List<Map<String, Object>> served = new ArrayList<>();
        for (DecoderModel model : models.all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", model.id());
            entry.put("context_length", model.contextLength());
            entry.put("vocab_size", model.vocabSize());
            entry.put("stop_token_ids", model.stopTokenIds());
            entry.put("tokenizer", model.tokenizer() != null);
            served.add(entry);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("service", "decoder");
        info.put("version", version);
        info.put("status", served.isEmpty() ? "no_model" : "ready");
        info.put("models", served);
        return info;
    }
}
