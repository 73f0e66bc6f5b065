package dev.trident.gateway.logs;

import dev.trident.gateway.web.GatewayError;
import org.reactivestreams.Publisher;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Learns from each response of an authenticated request, as it passes, what the request log and the token limit
 * need: the model, tokens (from {@code usage} in a JSON body, the usage chunk of a stream, or the services'
 * headers), the finish reason, an upstream error's type — and, for teams that log bodies, the start of the body.
 * Chunks go on to the client as they come; nothing waits for the whole body.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 300)
public class UsageCaptureWebFilter implements WebFilter {

    /** Token counts some services send as headers (TEI's {@code x-compute-tokens}: the input tokens). */
    static final String PROMPT_TOKENS_HEADER = "x-prompt-tokens";
    static final String COMPLETION_TOKENS_HEADER = "x-completion-tokens";
    static final String CACHED_TOKENS_HEADER = "x-cached-tokens";
    static final String COMPUTE_TOKENS_HEADER = "x-compute-tokens";

    private final ObjectMapper json;

    public UsageCaptureWebFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        RequestFacts facts = RequestFacts.of(exchange);
        if (facts.keyId == null) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate().response(new Capturing(exchange, facts)).build());
    }

    private final class Capturing extends ServerHttpResponseDecorator {
        private final ServerWebExchange exchange;
        private final RequestFacts facts;
        private ResponseScanner scanner;
        private ByteArrayOutputStream body;
        private boolean finished;

        Capturing(ServerWebExchange exchange, RequestFacts facts) {
            super(exchange.getResponse());
            this.exchange = exchange;
            this.facts = facts;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            start();
            // done() before the completion travels on: the request log reads the facts when it arrives.
            return super.writeWith(Flux.from(body).doOnNext(this::look)).doOnTerminate(this::done).doOnCancel(this::done);
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            start();
            return super.writeAndFlushWith(Flux.from(body).map(chunk -> Flux.from(chunk).doOnNext(this::look)))
                    .doOnTerminate(this::done).doOnCancel(this::done);
        }

        private void start() {
            MediaType type = getHeaders().getContentType();
            if (type != null && type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)) {
                scanner = new ResponseScanner.Sse(json);
            } else if (type != null && (type.isCompatibleWith(MediaType.APPLICATION_JSON)
                    || type.getSubtype().endsWith("+json"))) {
                scanner = new ResponseScanner.Json(json);
            }
            if (facts.logBodies) {
                body = new ByteArrayOutputStream();
            }
        }

        private void look(DataBuffer buffer) {
            if (scanner == null && body == null) {
                return;
            }
            try (DataBuffer.ByteBufferIterator views = buffer.readableByteBuffers()) {
                while (views.hasNext()) {
                    ByteBuffer view = views.next();
                    if (body != null && body.size() < RequestFacts.BODY_LOG_LIMIT) {
                        ByteBuffer copy = view.duplicate();
                        int n = Math.min(copy.remaining(), RequestFacts.BODY_LOG_LIMIT - body.size());
                        byte[] bytes = new byte[n];
                        copy.get(bytes);
                        body.write(bytes, 0, n);
                    }
                    if (scanner != null) {
                        scanner.feed(view);
                    }
                }
            }
        }

        private void done() {
            if (finished) {
                return;
            }
            finished = true;
            if (scanner != null) {
                scanner.finish();
                ResponseUsage usage = scanner.usage;
                if (usage.model != null) {
                    facts.model = usage.model;
                }
                facts.promptTokens = usage.promptTokens;
                facts.completionTokens = usage.completionTokens;
                facts.cachedTokens = usage.cachedTokens;
                facts.finishReason = usage.finishReason;
                if (usage.errorType != null && exchange.getAttribute(GatewayError.TYPE_ATTRIBUTE) == null) {
                    exchange.getAttributes().put(GatewayError.TYPE_ATTRIBUTE, usage.errorType);
                }
            }
            HttpHeaders headers = getHeaders();
            if (facts.promptTokens == null) {
                facts.promptTokens = headerInt(headers, PROMPT_TOKENS_HEADER);
                if (facts.promptTokens == null) {
                    facts.promptTokens = headerInt(headers, COMPUTE_TOKENS_HEADER);
                }
            }
            if (facts.completionTokens == null) {
                facts.completionTokens = headerInt(headers, COMPLETION_TOKENS_HEADER);
            }
            if (facts.cachedTokens == null) {
                facts.cachedTokens = headerInt(headers, CACHED_TOKENS_HEADER);
            }
            if (body != null) {
                facts.responseBody = body.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        }

        private static Integer headerInt(HttpHeaders headers, String name) {
            String value = headers.getFirst(name);
            if (value == null) {
                return null;
            }
            try {
                return Integer.valueOf(value.trim());
            } catch (NumberFormatException notANumber) {
                return null;
            }
        }
    }
}
