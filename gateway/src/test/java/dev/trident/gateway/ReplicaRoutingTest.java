package dev.trident.gateway;

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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three stand-in decoder replicas behind the gateway: sessions named by header or body stay on one replica (the
 * body reaching it whole, streams included), requests without a session rotate, and a replica that stops between
 * two polls costs a session's next turn nothing: the refused connection is retried on the next ring replica.
 * Health polls run only at start-up here (interval 1h), so that the failover is the gateway's retry, not a poll.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "trident.routing.health-interval=1h")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaRoutingTest {

    private static final List<StubReplica> replicas = Stream.of("a", "b", "c").map(name -> {
        try {
            return new StubReplica(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }).toList();

    @DynamicPropertySource
    static void decoderHasThreeReplicas(DynamicPropertyRegistry registry) {
        // Comma-separated, as TRIDENT_DECODER_URLS gives it.
        registry.add("trident.services.decoder.replicas",
                () -> replicas.stream().map(r -> r.url().toString()).collect(Collectors.joining(",")));
    }

    @AfterAll
    static void stopReplicas() {
        replicas.forEach(StubReplica::close);
    }

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Autowired
    JdbcTemplate jdbc;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @Order(1)
    void eachSessionStaysOnOneReplicaWhetherNamedByHeaderOrBody() throws Exception {
        Map<String, String> replicaOfSession = new HashMap<>();
        for (int turn = 0; turn < 4; turn++) {
            for (int s = 0; s < 24; s++) {
                String session = "sticky-" + s;
                boolean inHeader = s % 2 == 0;
                boolean stream = s % 3 == 0;
                String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"turn " + turn + "\"}],\"stream\":" + stream
                        + (inHeader ? "" : ",\"session_id\":\"" + session + "\"") + "}";
                HttpResponse<String> response = post("/v1/chat/completions", body, inHeader ? session : null);
                assertThat(response.statusCode()).isEqualTo(200);
                String replica = replicaIn(response.body());
                if (!stream) {
                    // The body peeked at for its session_id reaches the replica whole.
                    assertThat(json.readTree(response.body()).path("bytes").asInt()).isEqualTo(body.getBytes().length);
                } else {
                    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
                }
                String before = replicaOfSession.putIfAbsent(session, replica);
                assertThat(replica).as(session + " turn " + turn).isEqualTo(before == null ? replica : before);
            }
        }
        // 24 sessions over 3 replicas: every replica holds some.
        assertThat(new HashSet<>(replicaOfSession.values())).containsExactlyInAnyOrder("a", "b", "c");
        // The session's own endpoint reaches the replica that holds it.
        for (int s = 0; s < 6; s++) {
            HttpResponse<String> lookup = http.send(GatewayClient.request(port, "/v1/sessions/sticky-" + s).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(replicaIn(lookup.body())).isEqualTo(replicaOfSession.get("sticky-" + s));
        }
    }

    @Test
    @Order(2)
    void requestsWithoutASessionRotateOverTheReplicas() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            HttpResponse<String> response = post("/v1/completions", "{\"prompt\":\"x\"}", null);
            assertThat(response.statusCode()).isEqualTo(200);
            seen.add(replicaIn(response.body()));
        }
        assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    @Order(3)
    void aStoppedReplicasSessionGoesOnToTheNextReplicaWithoutAnError() throws Exception {
        String session = "failover-" + UUID.randomUUID();
        String owner = replicaIn(post("/v1/chat/completions", "{\"session_id\":\"" + session + "\"}", null).body());
        StubReplica stopped = replicas.stream().filter(r -> r.name().equals(owner)).findFirst().orElseThrow();
        stopped.close();

        String requestId = "failover-" + UUID.randomUUID();
        HttpResponse<String> next = http.send(GatewayClient.request(port, "/v1/chat/completions")
                .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + session + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(next.statusCode()).isEqualTo(200);
        String takeover = replicaIn(next.body());
        assertThat(takeover).isNotEqualTo(owner);
        // The session stays on its new replica for the following turns.
        for (int turn = 0; turn < 3; turn++) {
            assertThat(replicaIn(post("/v1/chat/completions", "{}", session).body())).isEqualTo(takeover);
        }
        // One row for the request that was retried, naming the replica that answered.
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(200);
        String takeoverUrl = replicas.stream().filter(r -> r.name().equals(takeover)).findFirst().orElseThrow().url().toString();
        assertThat((String) row.get("upstream_uri")).startsWith(takeoverUrl);

        JsonNode decoder = null;
        HttpResponse<String> listing = http.send(GatewayClient.request(port, "/v1/services").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode app : json.readTree(listing.body()).path("services")) {
            if (app.path("name").asString().equals("decoder")) {
                decoder = app;
            }
        }
        assertThat(decoder).isNotNull();
        assertThat(decoder.path("status").asString()).isEqualTo("UP");
        assertThat(decoder.path("replicas").size()).isEqualTo(3);
        for (JsonNode replica : decoder.path("replicas")) {
            boolean isStopped = replica.path("url").asString().equals(stopped.url().toString());
            assertThat(replica.path("status").asString()).as(replica.toString()).isEqualTo(isStopped ? "DOWN" : "UP");
            // Every request, the retried one included, was counted off its replica when it finished.
            assertThat(replica.path("in_flight").asInt()).as(replica.toString()).isZero();
        }
    }

    private HttpResponse<String> post(String path, String body, String sessionHeader) throws Exception {
        HttpRequest.Builder request = GatewayClient.request(port, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (sessionHeader != null) {
            request.header("X-Session-Id", sessionHeader);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String replicaIn(String body) throws Exception {
        String json = body.startsWith("data: ") ? body.substring(6, body.indexOf('\n')) : body;
        return this.json.readTree(json).path("replica").asString();
    }
}
