package dev.trident.gateway.security;

import dev.trident.gateway.web.GatewayError;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * The admin API (behind the admin key, see {@link ApiKeyWebFilter}): teams, and their API keys created (the secret
 * is in that one response only), listed and revoked.
 */
@RestController
public class AdminController {

    private static final Pattern TEAM_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final ApiKeyStore store;
    private final ApiKeyCache cache;

    public AdminController(ApiKeyStore store, ApiKeyCache cache) {
        this.store = store;
        this.cache = cache;
    }

    @PostMapping("/admin/teams")
    public Mono<ResponseEntity<Object>> createTeam(@RequestBody JsonNode body, ServerWebExchange exchange) {
        String name = body.path("name").asString("");
        if (!TEAM_NAME.matcher(name).matches()) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request",
                    "name must match " + TEAM_NAME.pattern());
        }
        boolean logBodies = body.path("log_bodies").asBoolean(false);
        return blocking(() -> {
            try {
                return ResponseEntity.status(HttpStatus.CREATED).<Object>body(team(store.createTeam(name, logBodies)));
            } catch (DataIntegrityViolationException exists) {
                return errorEntity(exchange, HttpStatus.CONFLICT, "conflict", "team '" + name + "' exists");
            }
        });
    }

    @GetMapping("/admin/teams")
    public Mono<Map<String, Object>> teams() {
        return blocking(() -> Map.of("data", store.teams().stream().map(AdminController::team).toList()));
    }

    @PutMapping("/admin/teams/{name}")
    public Mono<ResponseEntity<Object>> updateTeam(@PathVariable String name, @RequestBody JsonNode body,
                                                   ServerWebExchange exchange) {
        if (!body.path("log_bodies").isBoolean()) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request", "log_bodies (true or false) is required");
        }
        return blocking(() -> {
            if (!store.setLogBodies(name, body.path("log_bodies").asBoolean())) {
                return errorEntity(exchange, HttpStatus.NOT_FOUND, "not_found", "no team '" + name + "'");
            }
            cache.invalidateAll();
            return ResponseEntity.ok((Object) team(store.team(name).orElseThrow()));
        });
    }

    @PostMapping("/admin/keys")
    public Mono<ResponseEntity<Object>> createKey(@RequestBody JsonNode body, ServerWebExchange exchange) {
        String team = body.path("team").asString("");
        String name = body.path("name").isString() ? body.path("name").asString() : null;
        Double rps = body.path("requests_per_second").isNumber() ? body.path("requests_per_second").asDouble() : null;
        Long tpm = body.path("tokens_per_minute").isNumber() ? body.path("tokens_per_minute").asLong() : null;
        if ((rps != null && !(rps >= 0)) || (tpm != null && tpm < 0)) {
            return error(exchange, HttpStatus.BAD_REQUEST, "invalid_request",
                    "requests_per_second and tokens_per_minute must be >= 0 (0: unlimited)");
        }
        return blocking(() -> {
            if (store.team(team).isEmpty()) {
                return errorEntity(exchange, HttpStatus.NOT_FOUND, "not_found", "no team '" + team + "'");
            }
            ApiKeyStore.CreatedKey created = store.createKey(team, name, rps, tpm);
            Map<String, Object> answer = key(created.key());
            // The only time the secret is shown.
            answer.put("key", created.secret());
            return ResponseEntity.status(HttpStatus.CREATED).<Object>body(answer);
        });
    }

    @GetMapping("/admin/keys")
    public Mono<Map<String, Object>> keys(@RequestParam(required = false) String team) {
        return blocking(() -> Map.of("data", store.keys(team).stream().map(AdminController::key).toList()));
    }

    @DeleteMapping("/admin/keys/{id}")
    public Mono<ResponseEntity<Object>> revoke(@PathVariable String id, ServerWebExchange exchange) {
        return blocking(() -> {
            if (!store.revoke(id)) {
                return errorEntity(exchange, HttpStatus.NOT_FOUND, "not_found", "no active key '" + id + "'");
            }
            cache.invalidateAll();
            return ResponseEntity.ok((Object) key(store.key(id).orElseThrow()));
        });
    }

    private static Map<String, Object> team(ApiKeyStore.Team team) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", team.name());
        view.put("log_bodies", team.logBodies());
        view.put("created_at", team.createdAt().toString());
        return view;
    }

    private static Map<String, Object> key(ApiKeyStore.KeyView key) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", key.id());
        view.put("team", key.team());
        view.put("name", key.name());
        view.put("key_prefix", key.keyPrefix());
        view.put("requests_per_second", key.requestsPerSecond());
        view.put("tokens_per_minute", key.tokensPerMinute());
        view.put("created_at", key.createdAt().toString());
        view.put("revoked_at", key.revokedAt() == null ? null : key.revokedAt().toString());
        return view;
    }

    private static <T> Mono<T> blocking(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
    }

    private static Mono<ResponseEntity<Object>> error(ServerWebExchange exchange, HttpStatus status, String type, String message) {
        return Mono.just(errorEntity(exchange, status, type, message));
    }

    private static ResponseEntity<Object> errorEntity(ServerWebExchange exchange, HttpStatus status, String type, String message) {
        exchange.getAttributes().put(GatewayError.TYPE_ATTRIBUTE, type);
        return ResponseEntity.status(status).body(Map.of("error", Map.of("type", type, "message", message)));
    }

}
