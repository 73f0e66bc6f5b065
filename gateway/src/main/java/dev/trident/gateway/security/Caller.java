package dev.trident.gateway.security;

import org.springframework.web.server.ServerWebExchange;

/**
 * The authenticated caller of a request: the key and its team, with what the gateway needs on the hot path.
 *
 * @param requestsPerSecond null: the gateway's default; 0: unlimited
 * @param tokensPerMinute   null: the gateway's default; 0: unlimited
 */
public record Caller(String team, String keyId, boolean logBodies, Double requestsPerSecond, Long tokensPerMinute) {

    public static final String ATTRIBUTE = Caller.class.getName();

    /** The caller of {@code exchange}, or null before authentication (or for public paths and the admin key). */
    public static Caller of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }
}
