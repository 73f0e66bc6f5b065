package dev.trident.gateway;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An upstream that accepts the request but does not answer in time gives the JSON 504 and its row. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.cloud.gateway.server.webflux.httpclient.response-timeout=700ms")
class UpstreamTimeoutTest {

    private static final CountDownLatch release = new CountDownLatch(1);
    private static final HttpServer silentUpstream = startSilentUpstream();

    @DynamicPropertySource
    static void encoderNeverAnswers(DynamicPropertyRegistry registry) {
        registry.add("trident.services.encoder.url", () -> "http://127.0.0.1:" + silentUpstream.getAddress().getPort());
    }

    @AfterAll
    static void stopUpstream() {
        release.countDown();
        silentUpstream.stop(0);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    @Test
    void slowUpstreamGivesJson504AndItsRow() throws Exception {
        String requestId = "timeout-" + UUID.randomUUID();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/classify"))
                        .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(504);
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("upstream_timeout");
        assertThat(error.path("service").asString()).isEqualTo("encoder");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(504);
        assertThat(row.get("error_type")).isEqualTo("upstream_timeout");
        assertThat(row.get("route_id")).isEqualTo("encoder-classify");
    }

    private static HttpServer startSilentUpstream() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.createContext("/", exchange -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
