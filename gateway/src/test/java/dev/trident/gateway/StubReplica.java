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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A stand-in replica: healthy on /actuator/health, and for any other path it answers (JSON, or server-sent events
 * when the body asks for a stream) with its own name and what it received, and remembers each request.
 */
final class StubReplica implements AutoCloseable {

    record Received(String path, String sessionHeader, String body) {
    }

    private final String name;
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    StubReplica(String name) throws IOException {
        this.name = name;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/actuator/health", exchange -> respond(exchange, "application/json", "{\"status\":\"UP\"}"));
        server.createContext("/", this::handle);
        server.start();
    }

    String name() {
        return name;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return received;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("X-Session-Id"), body));
        if (body.contains("\"stream\":true")) {
            respond(exchange, "text/event-stream", "data: {\"replica\":\"" + name + "\"}\n\ndata: [DONE]\n\n");
        } else {
            respond(exchange, "application/json", "{\"replica\":\"" + name + "\",\"bytes\":" + body.getBytes(StandardCharsets.UTF_8).length + "}");
        }
    }

    private static void respond(HttpExchange exchange, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
