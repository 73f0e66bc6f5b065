package dev.trident.gateway;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import dev.trident.gateway.security.ApiKeyStore;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-sent events pass through the gateway unbuffered: the client reads the first event while the upstream is
 * still holding back the rest. The upstream is a bare HTTP server that streams bytes; the gateway is under test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StreamingPassThroughTest {

    private static final CountDownLatch firstEventRead = new CountDownLatch(1);
    private static final HttpServer upstream = startStreamingUpstream();

    @DynamicPropertySource
    static void decoderIsTheStreamingUpstream(DynamicPropertyRegistry registry) {
        registry.add("trident.services.decoder.url", () -> "http://127.0.0.1:" + upstream.getAddress().getPort());
    }

    @AfterAll
    static void stopUpstream() {
        upstream.stop(0);
    }

    @LocalServerPort
    int port;

    @Autowired
    ApiKeyStore keys;

    @Test
    void firstEventArrivesBeforeTheUpstreamFinishes() throws Exception {
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", TestKeys.newTeamKey(keys, "stream-test").bearer())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            // The upstream sends nothing more until this line has been read through the gateway.
            assertThat(events.readLine()).isEqualTo("data: first");
            firstEventRead.countDown();
            assertThat(events.readLine()).isEmpty();
            assertThat(events.readLine()).isEqualTo("data: [DONE]");
        }
    }

    private static HttpServer startStreamingUpstream() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v1/chat/completions", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    boolean read = firstEventRead.await(20, TimeUnit.SECONDS);
                    out.write((read ? "data: [DONE]\n\n" : "data: timed-out\n\n").getBytes(StandardCharsets.UTF_8));
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
