package dev.trident.gateway.logging;

import dev.trident.gateway.config.RequestLogSettings;
import dev.trident.gateway.logs.RequestFacts;
import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import org.reactivestreams.Publisher;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Wraps every request: gives it a request id ({@code X-Request-Id}, taken from the client or generated, forwarded
 * upstream and returned), turns any failure into the gateway's JSON error, and hands one row per request to the
 * {@link RequestLogWriter} when the response is finished — upstream errors, timeouts and cancellations included.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestLogWebFilter implements WebFilter {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    private static final Pattern ACCEPTABLE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final RequestLogWriter writer;
    private final GatewayErrors errors;
    private final RequestLogSettings settings;
    private final AntPathMatcher paths = new AntPathMatcher();

    public RequestLogWebFilter(RequestLogWriter writer, GatewayErrors errors, RequestLogSettings settings) {
        this.writer = writer;
        this.errors = errors;
        this.settings = settings;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (settings.excludePaths().stream().anyMatch(pattern -> paths.match(pattern, path))) {
            return chain.filter(exchange);
        }
        Instant receivedAt = Instant.now();
        long start = System.nanoTime();
        String requestId = requestIdOf(exchange.getRequest());

        ServerHttpRequest withId = exchange.getRequest().mutate().header(REQUEST_ID_HEADER, requestId).build();
        CountingRequest request = new CountingRequest(withId);
        CountingResponse response = new CountingResponse(exchange.getResponse());
        response.beforeCommit(() -> {
            response.getHeaders().set(REQUEST_ID_HEADER, requestId);
            return Mono.empty();
        });
        ServerWebExchange counted = exchange.mutate().request(request).response(response).build();

        return chain.filter(counted)
                .onErrorResume(failure -> {
                    if (response.isCommitted()) {
                        // The status line is gone already (e.g. an upstream died mid-stream): the log says so.
                        counted.getAttributes().put(GatewayError.TYPE_ATTRIBUTE, "upstream_aborted");
                        return Mono.error(failure);
                    }
                    return errors.write(counted, errors.classify(counted, failure));
                })
                .doFinally(signal -> writer.submit(entry(counted, signal, receivedAt, start, requestId, request, response)));
    }

    private static RequestLogEntry entry(ServerWebExchange exchange, SignalType signal, Instant receivedAt, long start,
                                         String requestId, CountingRequest request, CountingResponse response) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        URI upstream = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        String errorType = exchange.getAttribute(GatewayError.TYPE_ATTRIBUTE);
        if (errorType == null && signal == SignalType.CANCEL) {
            errorType = "client_cancelled";
        }
        HttpStatusCode status = response.getStatusCode();
        InetSocketAddress client = exchange.getRequest().getRemoteAddress();
        return new RequestLogEntry(
                receivedAt,
                requestId,
                exchange.getRequest().getMethod().name(),
                exchange.getRequest().getPath().value(),
                route == null ? null : (String) route.getMetadata().get("task"),
                route == null ? null : route.getId(),
                GatewayErrors.serviceOf(exchange),
                upstream == null ? null : upstream.toString(),
                status == null ? 200 : status.value(),
                (System.nanoTime() - start) / 1e6,
                request.bytes(),
                response.bytes.get(),
                client == null ? null : client.getAddress() == null ? client.getHostString() : client.getAddress().getHostAddress(),
                errorType,
                RequestFacts.detailsOf(exchange));
    }

    private static String requestIdOf(ServerHttpRequest request) {
        String given = request.getHeaders().getFirst(REQUEST_ID_HEADER);
        return given != null && ACCEPTABLE_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }

    /** Counts the request body as it is read; falls back to Content-Length when the body was never read. */
    private static final class CountingRequest extends ServerHttpRequestDecorator {
        private final AtomicLong bytes = new AtomicLong();

        CountingRequest(ServerHttpRequest delegate) {
            super(delegate);
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return super.getBody().doOnNext(buffer -> bytes.addAndGet(buffer.readableByteCount()));
        }

        long bytes() {
            long read = bytes.get();
            return read > 0 ? read : Math.max(0, getHeaders().getContentLength());
        }
    }

    /** Counts response bytes without buffering: streamed (server-sent event) bodies pass straight through. */
    private static final class CountingResponse extends ServerHttpResponseDecorator {
        private final AtomicLong bytes = new AtomicLong();

        CountingResponse(ServerHttpResponse delegate) {
            super(delegate);
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            if (body instanceof Mono<? extends DataBuffer> single) {
                return super.writeWith(single.doOnNext(this::count));
            }
            return super.writeWith(Flux.from(body).doOnNext(this::count));
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(Flux.from(body).map(chunk -> Flux.from(chunk).doOnNext(this::count)));
        }

        private void count(DataBuffer buffer) {
            bytes.addAndGet(buffer.readableByteCount());
        }
    }
}
