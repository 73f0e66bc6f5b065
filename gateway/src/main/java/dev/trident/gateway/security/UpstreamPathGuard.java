package dev.trident.gateway.security;

import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The services' management endpoints ({@code /actuator/**}, {@code /admin/**}) are not reachable through the
 * gateway's routes: the path a request would be sent to upstream is checked after decoding, and one that leaves
 * its route with dot segments or encoded separators, or lands on a management endpoint, gets the 404 that a path
 * without a route gets.
 */
@Component
public class UpstreamPathGuard implements GlobalFilter, Ordered {

    private static final Set<String> MANAGEMENT_ROOTS = Set.of("actuator", "admin");

    private final GatewayErrors errors;

    public UpstreamPathGuard(GatewayErrors errors) {
        this.errors = errors;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        URI upstream = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        if (upstream != null && !allowed(upstream.getRawPath())) {
            return errors.write(exchange, GatewayError.of(HttpStatus.NOT_FOUND, "not_found",
                    "no route for " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath().value()));
        }
        return chain.filter(exchange);
    }

    static boolean allowed(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return true;
        }
        String lower = rawPath.toLowerCase();
        // Encoded separators and backslashes are read as path structure by some servers: never pass them on.
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("\\") || lower.contains("%25")) {
            return false;
        }
        String decoded;
        try {
            decoded = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
        String[] segments = decoded.split("/", -1);
        String first = null;
        for (String segment : segments) {
            if (segment.equals("..") || segment.equals(".") || segment.contains(";")) {
                return false;
            }
            if (first == null && !segment.isEmpty()) {
                first = segment.toLowerCase();
            }
        }
        return first == null || !MANAGEMENT_ROOTS.contains(first);
    }

    @Override
    public int getOrder() {
        // After the route's URL is known (RouteToRequestUrlFilter, 10000), before the call.
        return 10_020;
    }
}
