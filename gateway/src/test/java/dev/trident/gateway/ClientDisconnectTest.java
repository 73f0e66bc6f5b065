package dev.trident.gateway;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that hangs up in the middle of a stream cancels the upstream request: the upstream, which would stream
 * for a minute, finds its connection closed within seconds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClientDisconnectTest {

    private static final CountDownLatch streaming = new CountDownLatch(1);
    private static final CompletableFuture<String> upstreamSaw = new CompletableFuture<>();
    private static final HttpServer upstream = startEndlessUpstream();

    @DynamicPropertySource
    static void decoderIsTheEndlessUpstream(DynamicPropertyRegistry registry) {
        registry.add("trident.services.decoder.url", () -> "http://127.0.0.1:" + upstream.getAddress().getPort());
    }

    @AfterAll
    static void stopUpstream() {
        upstream.stop(0);
    }

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Test
    void hangingUpMidStreamClosesTheUpstreamConnection() throws Exception {
        String body = "{\"stream\":true}";
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = client.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + GatewayClient.requiredHeaderLines(port)
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.contains("data: event"));
            assertThat(line).contains("data: event");
            assertThat(streaming.await(5, TimeUnit.SECONDS)).isTrue();
            // While the stream runs it counts against its replica (the least-loaded choice depends on it).
            assertThat(inFlightOnTheDecoder()).isEqualTo(1);
        }
        // The upstream writes an event every 50 ms for a minute unless its connection is closed.
        assertThat(upstreamSaw.get(15, TimeUnit.SECONDS)).startsWith("closed after");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (inFlightOnTheDecoder() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(inFlightOnTheDecoder()).isZero();
    }

    private int inFlightOnTheDecoder() throws Exception {
        HttpResponse<String> listing = HttpClient.newHttpClient().send(GatewayClient.request(port, "/v1/services").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode app : json.readTree(listing.body()).path("services")) {
            if (app.path("name").asString().equals("decoder")) {
                return app.path("replicas").get(0).path("in_flight").asInt();
            }
        }
        throw new AssertionError("no decoder in " + listing.body());
    }

    private static HttpServer startEndlessUpstream() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/v1/chat/completions", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                int sent = 0;
                try (OutputStream out = exchange.getResponseBody()) {
                    for (; sent < 1200; sent++) {
                        out.write(("data: event " + sent + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        streaming.countDown();
                        Thread.sleep(50);
                    }
                    upstreamSaw.complete("streamed to the end");
                } catch (IOException closed) {
                    upstreamSaw.complete("closed after " + sent + " events");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
