package dev.trident.decoder.web;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What this replica serves. The gateway's {@code /v1/services} reads it. */
@RestController
public class InfoController {

    private final String version;

    public InfoController(ObjectProvider<BuildProperties> build) {
        BuildProperties properties = build.getIfAvailable();
        this.version = properties == null ? "dev" : properties.getVersion();
    }

    @GetMapping("/info")
    public Map<String, Object> info() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("service", "decoder");
        info.put("version", version);
        info.put("status", "no_model");
        info.put("models", List.of());
        info.put("message", "no model loaded: this service's models and endpoints arrive with issue 5");
        return info;
    }
}
