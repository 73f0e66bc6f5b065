package dev.trident.gateway;

import com.sun.net.httpserver.HttpServer;
import dev.trident.gateway.security.ApiKeyStore;
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

/**
 * An upstream that accepts the request but does not answer in time gives the JSON 504 and its row, after the
 * timeout of its route: a route's own entry in trident.limits.upstream-timeouts wins over its service's.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "trident.limits.upstream-timeouts.encoder=2500ms",
        "trident.limits.upstream-timeouts.encoder-classify=500ms"})
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

    @Autowired
    ApiKeyStore keys;

    @Test
    void slowUpstreamGivesJson504AfterItsRoutesTimeoutAndItsRow() throws Exception {
        String requestId = "timeout-" + UUID.randomUUID();
        long start = System.nanoTime();
        HttpResponse<String> response = post("/v1/classify", requestId);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofMillis(2500));
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("upstream_timeout");
        assertThat(error.path("service").asString()).isEqualTo("encoder");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(504);
        assertThat(row.get("error_type")).isEqualTo("upstream_timeout");
        assertThat(row.get("route_id")).isEqualTo("encoder-classify");
    }

    @Test
    void aRouteWithoutItsOwnTimeoutTakesItsServices() throws Exception {
        String requestId = "timeout-" + UUID.randomUUID();
        long start = System.nanoTime();
        HttpResponse<String> response = post("/v1/ner", requestId);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(2500));
        assertThat(new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10)).get("error_type"))
                .isEqualTo("upstream_timeout");
    }

    private HttpResponse<String> post(String path, String requestId) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                        .header("Authorization", TestKeys.newTeamKey(keys, "timeout-test").bearer())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
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
