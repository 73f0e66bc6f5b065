package dev.trident.gateway;

import dev.trident.gateway.logging.RequestLogWriter;
import dev.trident.gateway.security.ApiKeyStore;
import dev.trident.postgres.EmbeddedPostgres;
import dev.trident.postgres.SharedEmbeddedPostgres;
import org.junit.jupiter.api.BeforeEach;
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
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gateway against real PostgreSQL, with every upstream stopped (nothing listens on their ports): errors are
 * JSON with a stable type, and every request — failed ones too — lands in request_log exactly once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // Long enough for the outage test's key to stay cached while the database is stopped.
        properties = "trident.security.key-cache-ttl=120s")
class GatewayRequestLogTest {

    private static final int STOPPED_PORT = unusedPort();

    @DynamicPropertySource
    static void upstreamsThatAreDown(DynamicPropertyRegistry registry) {
        for (String service : List.of("encoder", "decoder", "seq2seq")) {
            registry.add("trident.services." + service + ".url", () -> "http://127.0.0.1:" + STOPPED_PORT);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    @Autowired
    RequestLogWriter writer;

    @Autowired
    ApiKeyStore keys;

    private TestKeys.Key key;

    @BeforeEach
    void aTeamKey() {
        key = TestKeys.newTeamKey(keys, "log-test");
    }

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void stoppedUpstreamGivesJson503AndItsRow() throws Exception {
        String requestId = "test-" + UUID.randomUUID();
        HttpResponse<String> response = post("/v1/embeddings", "{\"input\":\"hello\"}", requestId);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(response.headers().firstValue("X-Request-Id")).contains(requestId);
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("upstream_unavailable");
        assertThat(error.path("service").asString()).isEqualTo("encoder");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("<html");

        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(503);
        assertThat(row.get("error_type")).isEqualTo("upstream_unavailable");
        assertThat(row.get("route_id")).isEqualTo("encoder-embeddings");
        assertThat(row.get("task")).isEqualTo("embed");
        assertThat(row.get("service")).isEqualTo("encoder");
        assertThat(row.get("upstream_uri")).isEqualTo("http://127.0.0.1:" + STOPPED_PORT + "/v1/embeddings");
        assertThat(row.get("method")).isEqualTo("POST");
        assertThat((Long) row.get("request_bytes")).isEqualTo(17L);
        assertThat((Long) row.get("response_bytes")).isEqualTo(response.body().getBytes().length);
        assertThat(row.get("client_address")).isEqualTo("127.0.0.1");
        assertThat(row.get("team")).isEqualTo(key.team());
        assertThat(row.get("key_id")).isEqualTo(key.id());
    }

    @Test
    void taskEndpointRoutesToTheTasksServicePath() throws Exception {
        String requestId = "test-" + UUID.randomUUID();
        HttpResponse<String> response = post("/v1/tasks/translate", "{\"text\":\"one\"}", requestId);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json.readTree(response.body()).path("error").path("service").asString()).isEqualTo("seq2seq");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("route_id")).isEqualTo("task-translate");
        assertThat(row.get("upstream_uri")).isEqualTo("http://127.0.0.1:" + STOPPED_PORT + "/v1/translate");
    }

    @Test
    void unknownTaskGives400ListingTheKnownOnes() throws Exception {
        String requestId = "test-" + UUID.randomUUID();
        HttpResponse<String> response = post("/v1/tasks/juggle", "{}", requestId);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("unknown_task");
        List<String> known = new ArrayList<>();
        error.path("known_tasks").forEach(task -> known.add(task.asString()));
        assertThat(known).containsExactlyInAnyOrder("embed", "classify", "ner", "fill-mask", "generate", "chat",
                "translate", "summarize");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(400);
        assertThat(row.get("error_type")).isEqualTo("unknown_task");
    }

    @Test
    void pathWithoutRouteGivesJson404AndItsRow() throws Exception {
        String requestId = "test-" + UUID.randomUUID();
        HttpResponse<String> response = post("/v1/nowhere", "{}", requestId);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json.readTree(response.body()).path("error").path("type").asString()).isEqualTo("not_found");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(404);
        assertThat(row.get("route_id")).isNull();
        assertThat(row.get("error_type")).isEqualTo("not_found");
    }

    @Test
    void generatesARequestIdWhenTheClientSendsNoneOrAnUnusableOne() throws Exception {
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(uri("/v1/nowhere"))
                        .header("Authorization", key.bearer()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String generated = none.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(UUID.fromString(generated)).isNotNull();
        new RequestLogRows(jdbc).awaitOne(generated, Duration.ofSeconds(10));

        HttpResponse<String> bad = post("/v1/nowhere", "{}", "bad id with spaces and \u00e9");
        assertThat(UUID.fromString(bad.headers().firstValue("X-Request-Id").orElseThrow())).isNotNull();
    }

    @Test
    void rowsWrittenWhileTheDatabaseIsDownArriveWhenItIsBack() throws Exception {
        EmbeddedPostgres postgres = SharedEmbeddedPostgres.only().orElse(null);
        assumeTrue(postgres != null, "needs the embedded PostgreSQL (TRIDENT_DB_URL names an external server)");
        List<String> ids = new ArrayList<>();
        // The key's lookup is cached, so requests keep being served while the database is away.
        assertThat(post("/v1/tasks/juggle", "{}", "outage-warm-" + UUID.randomUUID()).statusCode()).isEqualTo(400);
        postgres.stop();
        try {
            for (int i = 0; i < 5; i++) {
                String requestId = "outage-" + i + "-" + UUID.randomUUID();
                ids.add(requestId);
                // The request itself is unaffected by the database being away.
                assertThat(post("/v1/tasks/juggle", "{}", requestId).statusCode()).isEqualTo(400);
            }
            // A key that is not cached cannot be checked: 503, not a 401 that would call a valid key invalid.
            String uncheckedId = "outage-unchecked-" + UUID.randomUUID();
            HttpResponse<String> unchecked = http.send(HttpRequest.newBuilder(uri("/v1/tasks/juggle"))
                    .header("Authorization", "Bearer trd_not-cached-" + UUID.randomUUID())
                    .header("X-Request-Id", uncheckedId).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unchecked.statusCode()).isEqualTo(503);
            assertThat(json.readTree(unchecked.body()).path("error").path("type").asString()).isEqualTo("auth_unavailable");
            ids.add(uncheckedId);
            awaitPendingAtLeast(ids.size());
        } finally {
            postgres.restart();
        }
        RequestLogRows rows = new RequestLogRows(jdbc);
        for (String id : ids) {
            assertThat(rows.awaitOne(id, Duration.ofSeconds(30)).get("status")).isEqualTo(id.contains("unchecked") ? 503 : 400);
        }
    }

    private void awaitPendingAtLeast(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (writer.pending() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(writer.pending()).as("rows held while the database is down").isGreaterThanOrEqualTo(count);
    }

    private HttpResponse<String> post(String path, String body, String requestId) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .header("X-Request-Id", requestId)
                        .header("Authorization", key.bearer())
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
