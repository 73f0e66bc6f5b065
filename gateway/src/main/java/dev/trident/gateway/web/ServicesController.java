package dev.trident.gateway.web;

import dev.trident.gateway.config.TridentServices;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/services}: each app of the suite, its URL, its health and the models it has loaded. */
@RestController
public class ServicesController {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final TridentServices services;
    private final ObjectProvider<HealthEndpoint> ownHealth;
    private final WebClient client;

    public ServicesController(TridentServices services, ObjectProvider<HealthEndpoint> ownHealth) {
        this.services = services;
        this.ownHealth = ownHealth;
        this.client = WebClient.create();
    }

    @GetMapping("/v1/services")
    public Mono<Map<String, Object>> services(ServerHttpRequest request) {
        Map<String, Object> gateway = new LinkedHashMap<>();
        gateway.put("name", "gateway");
        gateway.put("urls", List.of(baseUrl(request.getURI())));
        HealthEndpoint health = ownHealth.getIfAvailable();
        gateway.put("status", health == null ? "UNKNOWN" : health.health().getStatus().getCode());
        return Flux.fromIterable(services.services().entrySet())
                .flatMapSequential(service -> probe(service.getKey(), service.getValue().url()))
                .collectList()
                .map(probed -> {
                    List<Map<String, Object>> all = new ArrayList<>();
                    all.add(gateway);
                    all.addAll(probed);
                    return Map.of("services", all);
                });
    }

    private Mono<Map<String, Object>> probe(String name, URI url) {
        Mono<String> status = client.get().uri(url.resolve("/actuator/health")).retrieve()
                .bodyToMono(JsonNode.class)
                .map(body -> body.path("status").asString("UNKNOWN"))
                .timeout(PROBE_TIMEOUT)
                .onErrorResume(e -> Mono.just("DOWN"));
        Mono<Object> info = client.get().uri(url.resolve("/info")).retrieve()
                .bodyToMono(JsonNode.class)
                .<Object>map(body -> body)
                .timeout(PROBE_TIMEOUT)
                .onErrorResume(e -> Mono.just(Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage())));
        return Mono.zip(status, info).map(result -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            entry.put("urls", List.of(url.toString()));
            entry.put("status", result.getT1());
            Object details = result.getT2();
            entry.put("models", details instanceof JsonNode node && node.has("models") ? node.get("models") : List.of());
            entry.put("info", details);
            return entry;
        });
    }

    private static String baseUrl(URI uri) {
        return uri.getScheme() + "://" + uri.getAuthority();
    }
}
