package dev.trident.gateway.security;

import dev.trident.gateway.logs.RequestFacts;
import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import dev.trident.gateway.web.UnreadBody;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import java.util.ArrayList;

/**
 * Every request needs {@code Authorization: Bearer <key>}: a team's key for the suite, the admin key for
 * {@code /admin/**} (and, for operators' tools, the gateway's own {@code /actuator/**}); only
 * {@code trident.security.public-paths} (the gateway's health) are open. Missing, unknown
 * and revoked keys all get the same 401, so the answer tells a guesser nothing.
 *
 * <p>Identity travels upstream only as the gateway sets it: every {@code X-Trident-*} header of the client is
 * removed, then {@code X-Trident-Team} and {@code X-Trident-Key-Id} are set from the key; the key itself is not
 * forwarded.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public class ApiKeyWebFilter implements WebFilter {

    public static final String TEAM_HEADER = "X-Trident-Team";
    public static final String KEY_ID_HEADER = "X-Trident-Key-Id";
    private static final String BEARER = "Bearer ";
    private static final GatewayError UNAUTHORIZED =
            GatewayError.of(HttpStatus.UNAUTHORIZED, "unauthorized", "missing or invalid API key");

    private final SecuritySettings settings;
    private final ApiKeyCache keys;
    private final GatewayErrors errors;
    private final AntPathMatcher paths = new AntPathMatcher();

    public ApiKeyWebFilter(SecuritySettings settings, ApiKeyCache keys, GatewayErrors errors) {
        this.settings = settings;
        this.keys = keys;
        this.errors = errors;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (settings.publicPaths().stream().anyMatch(pattern -> paths.match(pattern, path))) {
            return chain.filter(exchange.mutate().request(withoutIdentity(exchange.getRequest()).build()).build());
        }
        String secret = bearerSecret(exchange.getRequest());
        if (path.equals("/admin") || path.startsWith("/admin/")) {
            return isAdmin(secret)
                    ? chain.filter(exchange.mutate().request(withoutIdentity(exchange.getRequest()).build()).build())
                    : unauthorized(exchange);
        }
        if (path.startsWith("/actuator/") && isAdmin(secret)) {
            // Operators' tools (a Prometheus scrape) may use the admin key for the gateway's own management endpoints.
            return chain.filter(exchange);
        }
        if (secret == null) {
            return unauthorized(exchange);
        }
        return keys.lookup(secret)
                .map(found -> new Lookup(found.orElse(null), false))
                // Only the lookup's own failure means "cannot check"; errors further down are not auth errors.
                .onErrorResume(DataAccessException.class, databaseAway -> Mono.just(Lookup.FAILED))
                .flatMap(lookup -> proceed(exchange, chain, lookup));
    }

    private Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain, Lookup lookup) {
        if (lookup.failed()) {
            UnreadBody.closeConnectionAfterAnswer(exchange);
            return errors.write(exchange, GatewayError.of(HttpStatus.SERVICE_UNAVAILABLE, "auth_unavailable",
                    "API keys cannot be checked right now; retry shortly"));
        }
        if (lookup.caller() == null) {
            return unauthorized(exchange);
        }
        Caller caller = lookup.caller();
        exchange.getAttributes().put(Caller.ATTRIBUTE, caller);
        RequestFacts facts = RequestFacts.of(exchange);
        facts.team = caller.team();
        facts.keyId = caller.keyId();
        facts.logBodies = caller.logBodies();
        ServerHttpRequest upstream = withoutIdentity(exchange.getRequest())
                .headers(headers -> {
                    headers.set(TEAM_HEADER, caller.team());
                    headers.set(KEY_ID_HEADER, caller.keyId());
                })
                .build();
        return chain.filter(exchange.mutate().request(upstream).build());
    }

    private record Lookup(Caller caller, boolean failed) {
        static final Lookup FAILED = new Lookup(null, true);
    }

    private boolean isAdmin(String secret) {
        return secret != null && !settings.adminKey().isEmpty() && ApiKeySecrets.sameSecret(secret, settings.adminKey());
    }

    private Mono<Void> unauthorized(ServerWebExchange exchange) {
        UnreadBody.closeConnectionAfterAnswer(exchange);
        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        return errors.write(exchange, UNAUTHORIZED);
    }

    /** The request without the client's Authorization and without any header in the gateway's identity namespace. */
    private ServerHttpRequest.Builder withoutIdentity(ServerHttpRequest request) {
        String prefix = settings.identityHeaderPrefix();
        return request.mutate().headers(headers -> {
            headers.remove(HttpHeaders.AUTHORIZATION);
            for (String name : new ArrayList<>(headers.headerNames())) {
                if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
                    headers.remove(name);
                }
            }
        });
    }

    private static String bearerSecret(ServerHttpRequest request) {
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String secret = authorization.substring(BEARER.length()).trim();
        return secret.isEmpty() ? null : secret;
    }
}
