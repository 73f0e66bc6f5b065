package dev.trident.gateway.routing;

import dev.trident.gateway.config.RoutingSettings;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;

import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends a request routed to {@code lb://<service>} to one of the service's replicas.
 *
 * <p>Routes with metadata {@code affinity: session} take the session from the {@code X-Session-Id} header or, when
 * absent, from the JSON body's {@code session_id} (the body is read once and replayed; responses are untouched, so
 * streams still pass through unbuffered); routes with {@code affinity: session-path} take it from the last path
 * segment ({@code /v1/sessions/{id}}). A request with a session goes to the session's replica on the hash ring;
 * one without goes to the least loaded healthy replica.
 *
 * <p>A replica that refuses the connection has not seen the request: it is marked down and the request goes to the
 * next candidate (for a session, the next replica on the ring), so that a replica that has just died costs the
 * client nothing. Anything that fails after the connection is made is not retried.
 */
@Component
public class ReplicaLoadBalancerFilter implements GlobalFilter, Ordered {

    /** Just before Spring Cloud's own load balancer filter, which then finds a plain http URL and lets it pass. */
    public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;
    /** Exchange attribute: the session id the request named (absent when none). */
    public static final String SESSION_ID_ATTRIBUTE = ReplicaLoadBalancerFilter.class.getName() + ".sessionId";
    /** Exchange attribute: the replica now serving the request, released when the response is finished. */
    static final String IN_FLIGHT_ATTRIBUTE = ReplicaLoadBalancerFilter.class.getName() + ".replica";

    private static final String SCHEME = "lb";

    private final ReplicaRegistry registry;
    private final RoutingSettings settings;
    private final ObjectMapper json;

    public ReplicaLoadBalancerFilter(ReplicaRegistry registry, RoutingSettings settings, ObjectMapper json) {
        this.registry = registry;
        this.settings = settings;
        this.json = json;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        if (url == null || !SCHEME.equals(url.getScheme())) {
            return chain.filter(exchange);
        }
        ServerWebExchangeUtils.addOriginalRequestUrl(exchange, url);
        ReplicaSet set = registry.get(url.getHost());
        if (set == null || set.replicas().isEmpty()) {
            return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "no replica of " + url.getHost()));
        }
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        Object affinity = route == null ? null : route.getMetadata().get("affinity");
        String session = switch (affinity == null ? "" : affinity.toString()) {
            case "session" -> blankToNull(exchange.getRequest().getHeaders().getFirst(settings.sessionHeader()));
            case "session-path" -> lastSegment(exchange.getRequest().getPath().value());
            default -> null;
        };
        boolean peekBody = session == null && "session".equals(affinity) && isJson(exchange);
        boolean retryable = set.replicas().size() > 1;
        if (!peekBody && !retryable) {
            return attempt(exchange, chain, url, session, set.candidates(session), 0);
        }
        // The body is read once, so that it can be looked into and sent again to the next replica.
        return ServerWebExchangeUtils.cacheRequestBody(exchange, cached -> {
            ServerWebExchange replayable = exchange.mutate().request(cached).build();
            String named = peekBody ? sessionInBody(exchange.getAttribute(ServerWebExchangeUtils.CACHED_REQUEST_BODY_ATTR)) : session;
            return attempt(replayable, chain, url, named, set.candidates(named), 0);
        });
    }

    private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, URI url, String session,
                               List<Replica> candidates, int index) {
        Replica replica = candidates.get(index);
        if (session != null) {
            exchange.getAttributes().put(SESSION_ID_ATTRIBUTE, session);
        }
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, onReplica(url, replica.url()));
        replica.started();
        exchange.getAttributes().put(IN_FLIGHT_ATTRIBUTE, replica);
        return chain.filter(exchange).onErrorResume(failure -> {
            boolean nothingSent = hasCause(failure, ConnectException.class);
            if (!nothingSent || index + 1 >= candidates.size() || exchange.getResponse().isCommitted()) {
                return Mono.error(failure);
            }
            if (exchange.getAttributes().remove(IN_FLIGHT_ATTRIBUTE, replica)) {
                replica.finished();
            }
            registry.down(replica, "connect failed: " + failure.getMessage());
            ServerWebExchangeUtils.reset(exchange);
            return attempt(exchange, chain, url, session, candidates, index + 1);
        });
    }

    /** The top-level session field of a JSON body, read with the streaming parser (messages are skipped, not built). */
    private String sessionInBody(DataBuffer body) {
        if (body == null || body.readableByteCount() == 0) {
            return null;
        }
        String field = settings.sessionBodyField();
        // toString(index, length) leaves the buffer's read position alone: the replayed body stays whole.
        try (JsonParser parser = json.createParser(body.toString(body.readPosition(), body.readableByteCount(), StandardCharsets.UTF_8))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING && name.equals(field)) {
                    return blankToNull(parser.getString());
                }
                parser.skipChildren();
            }
            return null;
        } catch (JacksonException notJson) {
            // The service answers malformed JSON with its own 400; routing only needs to pick some replica.
            return null;
        }
    }

    private static boolean isJson(ServerWebExchange exchange) {
        MediaType type = exchange.getRequest().getHeaders().getContentType();
        return type != null && (type.isCompatibleWith(MediaType.APPLICATION_JSON) || type.getSubtype().endsWith("+json"));
    }

    /** {@code url}'s path and query on the replica's scheme, host and port. */
    static URI onReplica(URI url, URI replica) {
        boolean encoded = ServerWebExchangeUtils.containsEncodedParts(url);
        return UriComponentsBuilder.fromUri(url)
                .scheme(replica.getScheme())
                .host(replica.getHost())
                .port(replica.getPort())
                .build(encoded)
                .toUri();
    }

    /** The last path segment, decoded: the session id as the service reads it from its path variable. */
    private static String lastSegment(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 || slash == path.length() - 1 ? null : UriUtils.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
