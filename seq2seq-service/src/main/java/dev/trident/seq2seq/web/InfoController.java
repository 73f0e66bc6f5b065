package dev.trident.seq2seq.web;

import dev.trident.seq2seq.inference.Seq2SeqModel;
import dev.trident.seq2seq.inference.Seq2SeqRegistry;
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
    private final Seq2SeqRegistry models;

    public InfoController(ObjectProvider<BuildProperties> build, Seq2SeqRegistry models) {
        BuildProperties properties = build.getIfAvailable();
        this.version = properties == null ? "dev" : properties.getVersion();
        this.models = models;
    }

    @GetMapping("/info")
    public Map<String, Object> info() {
        List<Map<String, Object>> served = new ArrayList<>();
        for (Seq2SeqModel model : models.all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", model.id());
            entry.put("language_pairs", model.translations().stream().map(t -> t.source() + "-" + t.target()).toList());
            entry.put("max_source_tokens", model.maxSourceTokens());
            entry.put("tokenizer", model.tokenizer() != null);
            served.add(entry);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("service", "seq2seq");
        info.put("version", version);
        info.put("status", served.isEmpty() ? "no_model" : "ready");
        info.put("models", served);
        return info;
    }
}
