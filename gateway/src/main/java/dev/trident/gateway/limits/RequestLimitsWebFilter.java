package dev.trident.gateway.limits;

import dev.trident.gateway.logs.RequestBodyFields;
import dev.trident.gateway.logs.RequestFacts;
import dev.trident.gateway.security.Caller;
import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import dev.trident.gateway.web.UnreadBody;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Per-key limits on requests of authenticated callers: requests per second and tokens per minute (429 with
 * {@code Retry-After}), and the request body size (413). The body — requests are bounded, only responses stream —
 * is read here once, within the limit, so that its {@code model} and {@code session_id} reach the request log;
 * the upstream gets the same bytes.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 200)
public class RequestLimitsWebFilter implements WebFilter {

    public static final String SESSION_HEADER = "X-Session-Id";
    private static final int SESSION_ID_MAX = 256;

    private final LimitSettings settings;
    private final KeyRateLimiter limiter;
    private final GatewayErrors errors;
    private final RequestBodyFields bodyFields;

    public RequestLimitsWebFilter(LimitSettings settings, KeyRateLimiter limiter, GatewayErrors errors,
                                  RequestBodyFields bodyFields) {
        this.settings = settings;
        this.limiter = limiter;
        this.errors = errors;
        this.bodyFields = bodyFields;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Caller caller = Caller.of(exchange);
        if (caller == null) {
            return chain.filter(exchange);
        }
        KeyRateLimiter.Decision decision = limiter.admit(caller);
        if (!decision.allowed()) {
            UnreadBody.closeConnectionAfterAnswer(exchange);
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(decision.retryAfterSeconds()));
            String what = decision.limit().equals("requests_per_second") ? "requests per second" : "tokens per minute";
            return errors.write(exchange, new GatewayError(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "this key's " + what + " limit is reached; retry after " + decision.retryAfterSeconds() + " s",
                    Map.of("limit", decision.limit(), "retry_after_seconds", decision.retryAfterSeconds())));
        }
        RequestFacts facts = RequestFacts.of(exchange);
        String sessionHeader = exchange.getRequest().getHeaders().getFirst(SESSION_HEADER);
        if (sessionHeader != null && !sessionHeader.isBlank()) {
            facts.sessionId = truncate(sessionHeader, SESSION_ID_MAX);
        }
        long maxBody = settings.maxBodySize().toBytes();
        long declared = exchange.getRequest().getHeaders().getContentLength();
        if (declared > maxBody) {
            UnreadBody.closeConnectionAfterAnswer(exchange);
            return tooLarge(exchange, maxBody);
        }
        Mono<Void> handled = hasBody(exchange.getRequest())
                ? DataBufferUtils.join(exchange.getRequest().getBody(), (int) Math.min(Integer.MAX_VALUE, maxBody))
                        .map(RequestLimitsWebFilter::bytesOf)
                        .defaultIfEmpty(new byte[0])
                        .flatMap(body -> chain.filter(withBody(exchange, body, facts)))
                        .onErrorResume(DataBufferLimitException.class, tooBig -> {
                            // The rest of the body is still on its way: do not keep the connection for another request.
                            UnreadBody.closeConnectionAfterAnswer(exchange);
                            return tooLarge(exchange, maxBody);
                        })
                : chain.filter(exchange);
        return handled.doFinally(signal -> limiter.chargeTokens(caller, RequestFacts.detailsOf(exchange).totalTokens()));
    }

    private ServerWebExchange withBody(ServerWebExchange exchange, byte[] body, RequestFacts facts) {
        MediaType type = exchange.getRequest().getHeaders().getContentType();
        if (type != null && type.isCompatibleWith(MediaType.APPLICATION_JSON) && body.length > 0) {
            RequestBodyFields.Fields fields = bodyFields.read(body);
            if (facts.sessionId == null && fields.sessionId() != null) {
                facts.sessionId = truncate(fields.sessionId(), SESSION_ID_MAX);
            }
            facts.model = fields.model();
        }
        if (facts.logBodies) {
            facts.requestBody = new String(body, 0, Math.min(body.length, RequestFacts.BODY_LOG_LIMIT), StandardCharsets.UTF_8);
        }
        ServerHttpRequest request = new ServerHttpRequestDecorator(exchange.getRequest()) {
            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(exchange.getResponse().bufferFactory().wrap(body)));
            }
        };
        return exchange.mutate().request(request).build();
    }

    private Mono<Void> tooLarge(ServerWebExchange exchange, long maxBody) {
        return errors.write(exchange, new GatewayError(HttpStatus.PAYLOAD_TOO_LARGE, "payload_too_large",
                "request body larger than " + maxBody + " bytes", Map.of("max_bytes", maxBody)));
    }

    private static boolean hasBody(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
    }

    private static byte[] bytesOf(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
