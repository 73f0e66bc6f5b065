package dev.trident.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * A stand-in for the services in gateway tests: answers the OpenAI-style endpoints with fixed usage, streams a chat
 * when asked to, serves an /actuator/env that must never be reached through the gateway, and records every request
 * it gets (path and headers).
 */
final class FakeUpstream implements AutoCloseable {

    /** One request as the upstream saw it. */
    record Seen(String method, String rawPath, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (var entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue().getFirst();
                }
            }
            return null;
        }
    }

    static final String CHAT_JSON = """
            {"id":"chatcmpl-1","object":"chat.completion","model":"fake-llm","choices":[{"index":0,\
            "message":{"role":"assistant","content":"hi"},"finish_reason":"length"}],\
            "usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":3}}}""";
    static final List<String> CHAT_EVENTS = List.of(
            "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"fake-llm\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"fake-llm\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}],\"usage\":null}",
            "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"fake-llm\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2,\"total_tokens\":13,\"prompt_tokens_details\":{\"cached_tokens\":4}}}");

    private final HttpServer server;
    final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    FakeUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getRawPath();
        seen.add(new Seen(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body));
        if (path.startsWith("/v1/chat/completions") && body.contains("\"stream\":true")) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String event : CHAT_EVENTS) {
                    byte[] bytes = ("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8);
                    // Split every event across two writes, so that lines arrive in pieces.
                    out.write(bytes, 0, bytes.length / 2);
                    out.flush();
                    out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        String answer;
        int status = 200;
        if (path.startsWith("/v1/chat/completions") || path.startsWith("/v1/completions")) {
            answer = CHAT_JSON;
        } else if (path.startsWith("/v1/embeddings")) {
            answer = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,0.25]}],"
                    + "\"model\":\"fake-embedder\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}";
        } else if (path.startsWith("/actuator")) {
            answer = "{\"secret\":\"management endpoint reached\"}";
        } else if (path.startsWith("/v1/fail")) {
            status = 500;
            answer = "{\"error\":{\"type\":\"internal_error\",\"message\":\"boom\"}}";
        } else {
            answer = "{\"path\":\"" + path + "\"}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
