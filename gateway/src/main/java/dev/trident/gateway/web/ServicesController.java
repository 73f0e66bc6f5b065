package dev.trident.gateway.web;

import dev.trident.gateway.routing.Replica;
import dev.trident.gateway.routing.ReplicaRegistry;
import dev.trident.gateway.routing.ReplicaSet;
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

/**
 * {@code GET /v1/services}: each app of the suite, its replicas and their health (checked again for this answer,
 * which also updates what routing uses), and the models it has loaded (from the {@code /info} of a healthy replica).
 */
@RestController
public class ServicesController {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final ReplicaRegistry replicas;
    private final ObjectProvider<HealthEndpoint> ownHealth;
    private final WebClient client;

    public ServicesController(ReplicaRegistry replicas, ObjectProvider<HealthEndpoint> ownHealth) {
        this.replicas = replicas;
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
        return Flux.fromIterable(replicas.all().values())
                .flatMapSequential(this::probe)
                .collectList()
                .map(probed -> {
                    List<Map<String, Object>> all = new ArrayList<>();
                    all.add(gateway);
                    all.addAll(probed);
                    return Map.of("services", all);
                });
    }

    private Mono<Map<String, Object>> probe(ReplicaSet set) {
        return replicas.checkNow(set).then(Mono.defer(() -> {
            List<Replica> members = set.replicas();
            Replica healthy = members.stream().filter(r -> r.health() == Replica.Health.UP).findFirst().orElse(null);
            Mono<Object> info = healthy == null
                    ? Mono.just(Map.of("error", "no healthy replica"))
                    : client.get().uri(healthy.url().resolve("/info")).retrieve()
                            .bodyToMono(JsonNode.class)
                            .<Object>map(body -> body)
                            .timeout(PROBE_TIMEOUT)
                            .onErrorResume(e -> Mono.just(Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage())));
            return info.map(details -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", set.service());
                entry.put("urls", members.stream().map(r -> r.url().toString()).toList());
                entry.put("status", healthy == null ? "DOWN" : "UP");
                entry.put("replicas", members.stream().map(ServicesController::replica).toList());
                entry.put("models", details instanceof JsonNode node && node.has("models") ? node.get("models") : List.of());
                entry.put("info", details);
                return entry;
            });
        }));
    }

    private static Map<String, Object> replica(Replica replica) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("url", replica.url().toString());
        entry.put("status", replica.health().name());
        entry.put("in_flight", replica.inFlight());
        entry.put("checked_at", replica.checkedAt() == null ? null : replica.checkedAt().toString());
        if (replica.lastError() != null) {
            entry.put("error", replica.lastError());
        }
        return entry;
    }

    private static String baseUrl(URI uri) {
        return uri.getScheme() + "://" + uri.getAuthority();
    }
}
