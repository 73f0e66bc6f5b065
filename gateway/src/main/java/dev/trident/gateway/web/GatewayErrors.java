package dev.trident.gateway.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

import java.net.ConnectException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Turns failures into the gateway's JSON error shape; nothing else (no HTML, no stack trace) reaches a client. */
@Component
public class GatewayErrors {

    private static final Logger log = LoggerFactory.getLogger(GatewayErrors.class);

    private final ObjectMapper json;

    public GatewayErrors(ObjectMapper json) {
        this.json = json;
    }

    /** What a failure on the way to (or from) an upstream means for the client. */
    public GatewayError classify(ServerWebExchange exchange, Throwable failure) {
        String service = serviceOf(exchange);
        if (hasCause(failure, ConnectException.class)) {
            return new GatewayError(HttpStatus.SERVICE_UNAVAILABLE, "upstream_unavailable",
                    (service == null ? "the upstream service" : service) + " is not reachable" + upstreamSuffix(exchange),
                    service == null ? Map.of() : Map.of("service", service));
        }
        if (hasCause(failure, TimeoutException.class)
                || failure instanceof ResponseStatusException rse && rse.getStatusCode().value() == 504) {
            return new GatewayError(HttpStatus.GATEWAY_TIMEOUT, "upstream_timeout",
                    (service == null ? "the upstream service" : service) + " did not answer in time",
                    service == null ? Map.of() : Map.of("service", service));
        }
        if (failure instanceof ResponseStatusException rse) {
            HttpStatusCode code = rse.getStatusCode();
            HttpStatus status = HttpStatus.resolve(code.value());
            if (status == null) {
                status = HttpStatus.INTERNAL_SERVER_ERROR;
            }
            return switch (status.value()) {
                case 404 -> GatewayError.of(status, "not_found",
                        "no route for " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath().value());
                case 405 -> GatewayError.of(status, "method_not_allowed", "method not allowed");
                case 413 -> GatewayError.of(status, "payload_too_large", "request body too large");
                case 415 -> GatewayError.of(status, "unsupported_media_type", "unsupported media type");
                case 503 -> GatewayError.of(status, "upstream_unavailable",
                        (service == null ? "the upstream service" : service) + " is not available");
                default -> status.is4xxClientError()
                        ? GatewayError.of(status, "invalid_request", rse.getReason() == null ? status.getReasonPhrase() : rse.getReason())
                        : internal(exchange, failure);
            };
        }
        return internal(exchange, failure);
    }

    private GatewayError internal(ServerWebExchange exchange, Throwable failure) {
        log.error("gateway error on {} {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), failure);
        return GatewayError.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal gateway error");
    }

    /** Writes {@code error} as the response; the request log picks its type up from the exchange. */
    public Mono<Void> write(ServerWebExchange exchange, GatewayError error) {
        exchange.getAttributes().put(GatewayError.TYPE_ATTRIBUTE, error.type());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", error.type());
        body.put("message", error.message());
        body.putAll(error.details());
        byte[] bytes = json.writeValueAsBytes(Map.of("error", body));
        var response = exchange.getResponse();
        response.setStatusCode(error.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }

    public static String serviceOf(ServerWebExchange exchange) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        Object service = route == null ? null : route.getMetadata().get("service");
        return service == null ? null : service.toString();
    }

    private static String upstreamSuffix(ServerWebExchange exchange) {
        URI upstream = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        return upstream == null ? "" : " at " + upstream.getScheme() + "://" + upstream.getAuthority();
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
