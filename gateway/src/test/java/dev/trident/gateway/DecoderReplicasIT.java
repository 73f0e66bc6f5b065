package dev.trident.gateway;

import dev.trident.postgres.EmbeddedPostgres;
import dev.trident.postgres.SharedEmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway in front of three replicas of the real decoder (three processes of its jar, default model, one
 * PostgreSQL): every turn of a session lands on one replica, which holds the session's KV cache (asked of each
 * replica directly); when that replica is stopped mid-conversation, the next turn succeeds on another replica with
 * nothing cached, and the turn after is cached there; and the first streamed chunk arrives through the gateway
 * about as soon as directly.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "trident.routing.health-interval=500ms")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DecoderReplicasIT {

    private static final List<ServiceProcess> decoders = new ArrayList<>();

    @DynamicPropertySource
    static synchronized void startThreeDecoders(DynamicPropertyRegistry registry) throws Exception {
        if (decoders.isEmpty()) {
            Map<String, String> environment = new LinkedHashMap<>();
            String external = System.getenv("TRIDENT_DB_URL");
            if (external == null || external.isBlank()) {
                EmbeddedPostgres postgres = SharedEmbeddedPostgres.obtain(new EmbeddedPostgres.Settings(
                        Path.of(System.getProperty("trident.db.embedded.data-dir", "target/it-pgdata")), 0,
                        Boolean.parseBoolean(System.getProperty("trident.db.embedded.ephemeral", "true"))));
                environment.put("TRIDENT_DB_URL", postgres.jdbcUrl());
            }
            for (int i = 0; i < 3; i++) {
                decoders.add(ServiceProcess.start("decoder", "decoder-replica-" + i, environment));
            }
            for (ServiceProcess decoder : decoders) {
                decoder.awaitHealthy(Duration.ofSeconds(180));
            }
        }
        registry.add("trident.services.decoder.replicas",
                () -> decoders.stream().map(d -> d.url().toString()).collect(Collectors.joining(",")));
    }

    @AfterAll
    static void stopTheDecoders() throws InterruptedException {
        ServiceProcess.stopAll(decoders);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();
    private static final Set<Integer> stopped = new HashSet<>();

    /** A conversation kept by the test: each turn sends the whole transcript, as OpenAI clients do. */
    private final class Conversation {
        final String session;
        final boolean sessionInBody;
        final ArrayNode messages = json.createArrayNode();

        Conversation(String session, boolean sessionInBody) {
            this.session = session;
            this.sessionInBody = sessionInBody;
        }

        /** One turn through the gateway; returns the response body and records the assistant's reply. */
        JsonNode turn(String userText, String requestId) throws Exception {
            messages.addObject().put("role", "user").put("content", userText);
            ObjectNode body = json.createObjectNode();
            body.set("messages", messages.deepCopy());
            body.put("max_tokens", 6).put("temperature", 0);
            if (sessionInBody) {
                body.put("session_id", session);
            }
            HttpRequest.Builder request = GatewayClient.request(port, "/v1/chat/completions")
                    .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            if (!sessionInBody) {
                request.header("X-Session-Id", session);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode answer = json.readTree(response.body());
            messages.addObject().put("role", "assistant")
                    .put("content", answer.path("choices").get(0).path("message").path("content").asString());
            return answer;
        }
    }

    @Test
    @Order(1)
    void everyTurnOfASessionLandsOnTheReplicaThatHoldsItsCache() throws Exception {
        List<Conversation> conversations = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            conversations.add(new Conversation("sticky-" + s + "-" + UUID.randomUUID(), s % 2 == 1));
        }
        RequestLogRows rows = new RequestLogRows(jdbc);
        Map<String, Set<String>> upstreamsOfSession = new LinkedHashMap<>();
        for (int turn = 0; turn < 4; turn++) {
            for (Conversation conversation : conversations) {
                String requestId = "it-" + UUID.randomUUID();
                JsonNode answer = conversation.turn("Tell me more, part " + turn + ".", requestId);
                int cached = answer.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
                if (turn > 0) {
                    // Only the replica that ran the previous turn has the prefix cached.
                    assertThat(cached).as(conversation.session + " turn " + turn).isGreaterThan(0);
                }
                String upstream = (String) rows.awaitOne(requestId, Duration.ofSeconds(10)).get("upstream_uri");
                upstreamsOfSession.computeIfAbsent(conversation.session, k -> new HashSet<>())
                        .add(URI.create(upstream).getAuthority());
            }
        }
        Set<String> used = new HashSet<>();
        for (Conversation conversation : conversations) {
            Set<String> upstreams = upstreamsOfSession.get(conversation.session);
            assertThat(upstreams).as(conversation.session).hasSize(1);
            int holder = holderOf(conversation.session);
            assertThat(upstreams).containsExactly(decoders.get(holder).url().getAuthority());
            used.add(upstreams.iterator().next());
        }
        System.out.printf("[replicas-it] 6 sessions x 4 turns: sessions per replica %s%n", upstreamsOfSession.values());
        assertThat(used.size()).as("6 sessions spread over the 3 replicas").isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(2)
    void theFirstStreamedChunkArrivesThroughTheGatewayAboutAsSoonAsDirectly() throws Exception {
        // Requests without a session rotate over the three replicas: the direct ones do the same, interleaved with
        // them, so that both see the same replicas in the same state.
        URI viaGateway = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        for (int warmUp = 0; warmUp < 9; warmUp++) {
            firstChunkMillis(decoders.get(warmUp % 3).url().resolve("/v1/chat/completions"));
            firstChunkMillis(viaGateway);
        }
        double[] directMs = new double[21];
        double[] gatewayMs = new double[21];
        for (int i = 0; i < directMs.length; i++) {
            directMs[i] = firstChunkMillis(decoders.get(i % 3).url().resolve("/v1/chat/completions"));
            gatewayMs[i] = firstChunkMillis(viaGateway);
        }
        double directMedian = median(directMs);
        double gatewayMedian = median(gatewayMs);
        System.out.printf("[replicas-it] first streamed chunk, median of 21: direct %.1f ms, through the gateway %.1f ms (load average %s)%n",
                directMedian, gatewayMedian, loadAverage());
        // Generous, for a shared machine: one more loopback hop and the gateway's routing, never a buffered response.
        assertThat(gatewayMedian).isLessThan(2 * directMedian + 100);
    }

    @Test
    @Order(3)
    void whenTheSessionsReplicaStopsTheNextTurnRunsOnAnotherWithoutAnError() throws Exception {
        Conversation conversation = new Conversation("failover-" + UUID.randomUUID(), false);
        conversation.turn("Once upon a time", "it-" + UUID.randomUUID());
        JsonNode second = conversation.turn("What happened next?", "it-" + UUID.randomUUID());
        assertThat(second.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isGreaterThan(0);
        int owner = holderOf(conversation.session);

        decoders.get(owner).close();
        stopped.add(owner);

        String requestId = "it-" + UUID.randomUUID();
        JsonNode third = conversation.turn("And then?", requestId);
        // Rebuilt from the transcript on the new replica: nothing cached there yet.
        assertThat(third.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
        String upstream = (String) new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10)).get("upstream_uri");
        int takeover = holderOf(conversation.session);
        assertThat(takeover).isNotEqualTo(owner);
        assertThat(URI.create(upstream).getAuthority()).isEqualTo(decoders.get(takeover).url().getAuthority());

        JsonNode fourth = conversation.turn("The end.", "it-" + UUID.randomUUID());
        assertThat(fourth.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isGreaterThan(0);
        assertThat(holderOf(conversation.session)).isEqualTo(takeover);
    }

    /** The one running replica whose own {@code GET /v1/sessions/{id}} says it holds the session's cache. */
    private int holderOf(String session) throws Exception {
        List<Integer> holders = new ArrayList<>();
        for (int i = 0; i < decoders.size(); i++) {
            if (stopped.contains(i)) {
                continue;
            }
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(decoders.get(i).url().resolve("/v1/sessions/" + session))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && json.readTree(response.body()).path("cached").asBoolean()) {
                holders.add(i);
            }
        }
        assertThat(holders).as("replicas holding " + session).hasSize(1);
        return holders.getFirst();
    }

    private double firstChunkMillis(URI url) throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"temperature\":0,\"stream\":true}";
        HttpRequest.Builder request = url.getPort() == port ? GatewayClient.request(url) : HttpRequest.newBuilder(url);
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line = events.readLine();
            double elapsed = (System.nanoTime() - start) / 1e6;
            assertThat(line).startsWith("data: ");
            while (events.readLine() != null) {
                // read the stream to its end, so that the connection is reused
            }
            return elapsed;
        }
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
