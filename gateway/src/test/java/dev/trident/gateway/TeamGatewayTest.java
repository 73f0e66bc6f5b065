package dev.trident.gateway;

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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway as teams meet it, against a fake upstream (encoder and decoder) and a stopped one (seq2seq), on real
 * PostgreSQL: API keys and the admin API, identity headers, the services' management endpoints, per-key limits
 * (429), body size (413), the circuit breaker (503), the request log's team/usage columns and the logs and usage
 * API — each refusal with the gateway's JSON error and its request_log row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "trident.security.admin-key=" + TeamGatewayTest.ADMIN_KEY,
        "trident.security.key-cache-ttl=" + TeamGatewayTest.CACHE_TTL_MS + "ms",
        "trident.limits.max-body-size=2KB",
        "trident.limits.circuit-breaker.minimum-calls=3",
        "trident.limits.circuit-breaker.sliding-window-size=3",
        "trident.limits.circuit-breaker.wait-in-open-state=60s"})
class TeamGatewayTest {

    static final String ADMIN_KEY = "test-admin-key-0123456789";
    static final long CACHE_TTL_MS = 2000;
    private static final FakeUpstream upstream = startUpstream();
    private static final int STOPPED_PORT = unusedPort();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        registry.add("trident.services.encoder.url", () -> upstream.url().toString());
        registry.add("trident.services.decoder.url", () -> upstream.url().toString());
        registry.add("trident.services.seq2seq.url", () -> "http://127.0.0.1:" + STOPPED_PORT);
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    @Autowired
    ApiKeyStore keys;

    private final HttpClient http = HttpClient.newHttpClient();

    // --- keys ---------------------------------------------------------------------------------------------------

    @Test
    void missingUnknownAndRevokedKeysAllGetTheSame401AndTheirRows() throws Exception {
        TestKeys.Key revoked = TestKeys.newTeamKey(keys, "revoked");
        assertThat(keys.revoke(revoked.id())).isTrue();
        List<String> bodies = new ArrayList<>();
        String marker = "{\"input\":\"" + UUID.randomUUID() + "\"}";
        Map<String, String> authorizations = new LinkedHashMap<>();
        authorizations.put("missing", null);
        authorizations.put("not bearer", "Basic dXNlcjpwYXNz");
        authorizations.put("unknown", "Bearer trd_" + "A".repeat(43));
        authorizations.put("revoked", revoked.bearer());
        for (var attempt : authorizations.entrySet()) {
            String requestId = "auth-" + UUID.randomUUID();
            HttpResponse<String> response = send("POST", "/v1/embeddings", marker, requestId,
                    attempt.getValue() == null ? Map.of() : Map.of("Authorization", attempt.getValue()));
            assertThat(response.statusCode()).as(attempt.getKey()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            bodies.add(response.body());
            Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
            assertThat(row.get("status")).isEqualTo(401);
            assertThat(row.get("error_type")).isEqualTo("unauthorized");
            assertThat(row.get("team")).isNull();
        }
        assertThat(json.readTree(bodies.getFirst()).path("error").path("type").asString()).isEqualTo("unauthorized");
        assertThat(bodies).as("no answer tells one failure from another").containsOnly(bodies.getFirst());
        assertThat(upstream.seen).noneMatch(seen -> seen.body().equals(marker));
    }

    @Test
    void theGatewaysHealthNeedsNoKeyButEverythingElseDoes() throws Exception {
        assertThat(send("GET", "/actuator/health", null, "h-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/services", null, "h-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/v1/logs", null, "h-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/actuator/prometheus", null, "h-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(401);
        // Operators' tools may use the admin key for the gateway's own management endpoints, but not for the suite.
        Map<String, String> admin = Map.of("Authorization", "Bearer " + ADMIN_KEY);
        assertThat(send("GET", "/actuator/prometheus", null, "h-" + UUID.randomUUID(), admin).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/embeddings", "{}", "h-" + UUID.randomUUID(), admin).statusCode()).isEqualTo(401);
    }

    @Test
    void identityHeadersFromClientsAreReplacedByTheKeysAndTheKeyIsNotForwarded() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "headers");
        String marker = UUID.randomUUID().toString();
        HttpResponse<String> response = send("POST", "/v1/batches", "{\"marker\":\"" + marker + "\"}", "hd-" + marker,
                Map.of("Authorization", key.bearer(), "X-Trident-Team", "someone-else",
                        "X-Trident-Key-Id", "key_forged", "X-Trident-Admin", "true"));
        assertThat(response.statusCode()).isEqualTo(200);
        FakeUpstream.Seen seen = upstream.seen.stream().filter(s -> s.body().contains(marker)).findFirst().orElseThrow();
        assertThat(seen.header("X-Trident-Team")).isEqualTo(key.team());
        assertThat(seen.header("X-Trident-Key-Id")).isEqualTo(key.id());
        assertThat(seen.header("X-Trident-Admin")).isNull();
        assertThat(seen.header("Authorization")).isNull();
        assertThat(seen.headers().get("X-trident-team")).hasSize(1);
    }

    @Test
    void theServicesManagementEndpointsAreNotReachableThroughRoutes() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "mgmt");
        List<String> attempts = List.of(
                "/v1/sessions/../../actuator/env",
                "/v1/sessions/%2e%2e/%2e%2e/actuator/env",
                "/v1/batches/..%2f..%2factuator/env",
                "/v1/batches/%2E%2E/%2E%2E/admin/anything",
                "/v1/sessions/..;/..;/actuator/env",
                "/v1/services/encoder/../../../actuator/env",
                "/actuator/env",
                "/admin/keys/../../actuator/env");
        for (String path : attempts) {
            HttpResponse<String> response = send("GET", path, null, "m-" + UUID.randomUUID(),
                    Map.of("Authorization", key.bearer()));
            assertThat(response.statusCode()).as(path).isIn(401, 404);
            assertThat(response.body()).as(path).doesNotContain("management endpoint reached");
        }
        // Requests routed through the gateway carry its X-Request-Id; the gateway's own health polls of the
        // replicas (routing/) do not, and they may reach /actuator/health.
        assertThat(upstream.seen).filteredOn(seen -> seen.header("X-Request-Id") != null)
                .noneMatch(seen -> seen.rawPath().toLowerCase().contains("actuator")
                        || seen.rawPath().toLowerCase().contains("admin"));
    }

    // --- admin API ----------------------------------------------------------------------------------------------

    @Test
    void theAdminApiCreatesListsAndRevokesKeysAndNeedsTheAdminKey() throws Exception {
        TestKeys.Key teamKey = TestKeys.newTeamKey(keys, "not-admin");
        assertThat(send("GET", "/admin/keys", null, "a-" + UUID.randomUUID(), Map.of()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/admin/keys", null, "a-" + UUID.randomUUID(),
                Map.of("Authorization", teamKey.bearer())).statusCode()).isEqualTo(401);

        String team = "admin-made-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> createdTeam = admin("POST", "/admin/teams", "{\"name\":\"" + team + "\"}");
        assertThat(createdTeam.statusCode()).isEqualTo(201);
        assertThat(admin("POST", "/admin/teams", "{\"name\":\"" + team + "\"}").statusCode()).isEqualTo(409);
        assertThat(admin("POST", "/admin/teams", "{\"name\":\"Not A Name!\"}").statusCode()).isEqualTo(400);
        assertThat(admin("POST", "/admin/keys", "{\"team\":\"no-such-team\"}").statusCode()).isEqualTo(404);

        HttpResponse<String> created = admin("POST", "/admin/keys", "{\"team\":\"" + team + "\",\"name\":\"ci\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode key = json.readTree(created.body());
        String secret = key.path("key").asString();
        String id = key.path("id").asString();
        assertThat(secret).startsWith("trd_").hasSizeGreaterThan(40);
        assertThat(key.path("key_prefix").asString()).isEqualTo(secret.substring(0, 10));

        HttpResponse<String> listed = admin("GET", "/admin/keys?team=" + team, null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains(id).doesNotContain(secret).doesNotContain("hash");
        String stored = jdbc.queryForObject("SELECT encode(key_hash, 'hex') FROM api_key WHERE id = ?", String.class, id);
        assertThat(stored).hasSize(64).doesNotContain(secret);
        assertThat(json.readTree(admin("GET", "/admin/teams", null).body()).path("data").toString()).contains(team);

        assertThat(send("POST", "/v1/embeddings", "{\"input\":\"x\"}", "a-" + UUID.randomUUID(),
                Map.of("Authorization", "Bearer " + secret)).statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", "/admin/keys/" + id, null).statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", "/admin/keys/" + id, null).statusCode()).isEqualTo(404);
        // Revoked through this instance: refused at once, cache or not.
        assertThat(send("POST", "/v1/embeddings", "{\"input\":\"x\"}", "a-" + UUID.randomUUID(),
                Map.of("Authorization", "Bearer " + secret)).statusCode()).isEqualTo(401);
    }

    @Test
    void aKeyRevokedElsewhereStopsWorkingWithinTheCacheTtl() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "ttl");
        Map<String, String> auth = Map.of("Authorization", key.bearer());
        assertThat(send("POST", "/v1/embeddings", "{}", "t-" + UUID.randomUUID(), auth).statusCode()).isEqualTo(200);
        // As another gateway instance's admin API (or an operator in the database) would.
        jdbc.update("UPDATE api_key SET revoked_at = now() WHERE id = ?", key.id());
        long revokedAt = System.nanoTime();
        int status;
        do {
            status = send("POST", "/v1/embeddings", "{}", "t-" + UUID.randomUUID(), auth).statusCode();
            if (status == 200) {
                Thread.sleep(50);
            }
        } while (status == 200 && System.nanoTime() - revokedAt < Duration.ofSeconds(10).toNanos());
        long tookMs = (System.nanoTime() - revokedAt) / 1_000_000;
        assertThat(status).isEqualTo(401);
        // The TTL itself is checked exactly on a fake clock (ApiKeyCacheTest); here, end to end, the time also
        // holds the requests' own latency on a busy machine.
        assertThat(tookMs).as("revocation took effect after %d ms", tookMs).isLessThanOrEqualTo(CACHE_TTL_MS + 3000);
    }

    // --- limits -------------------------------------------------------------------------------------------------

    @Test
    void requestsBeyondTheKeysRateGet429WithRetryAfterAndARow() throws Exception {
        // One request per 5 s: the second, right after the first, is refused however slow this machine is.
        TestKeys.Key key = TestKeys.newTeamKey(keys, "rps", false, 0.2, null);
        Map<String, String> auth = Map.of("Authorization", key.bearer());
        assertThat(send("POST", "/v1/embeddings", "{}", "r-" + UUID.randomUUID(), auth).statusCode()).isEqualTo(200);
        String requestId = "r-" + UUID.randomUUID();
        HttpResponse<String> refused = send("POST", "/v1/embeddings", "{}", requestId, auth);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 5L);
        JsonNode error = json.readTree(refused.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("rate_limited");
        assertThat(error.path("limit").asString()).isEqualTo("requests_per_second");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(429);
        assertThat(row.get("error_type")).isEqualTo("rate_limited");
        assertThat(row.get("key_id")).isEqualTo(key.id());
        // Another key has its own budget.
        TestKeys.Key other = TestKeys.newTeamKey(keys, "rps-other", false, 0.2, null);
        assertThat(send("POST", "/v1/embeddings", "{}", "r-" + UUID.randomUUID(), Map.of("Authorization", other.bearer()))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void tokensBeyondTheKeysMinuteBudgetGet429() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "tpm", false, 0.0, 10L);
        Map<String, String> auth = Map.of("Authorization", key.bearer());
        // The budget is checked before and charged after: this one (12 tokens) passes and overdraws it.
        assertThat(send("POST", "/v1/chat/completions", "{\"messages\":[]}", "k-" + UUID.randomUUID(), auth)
                .statusCode()).isEqualTo(200);
        String requestId = "k-" + UUID.randomUUID();
        HttpResponse<String> refused = send("POST", "/v1/chat/completions", "{\"messages\":[]}", requestId, auth);
        assertThat(refused.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        // 3 tokens short at 10 per minute: about 18 s.
        assertThat(retryAfter).isBetween(15L, 19L);
        assertThat(json.readTree(refused.body()).path("error").path("limit").asString()).isEqualTo("tokens_per_minute");
        assertThat(new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10)).get("error_type"))
                .isEqualTo("rate_limited");
    }

    @Test
    void aBodyBeyondTheLimitGets413WithOrWithoutContentLength() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "size");
        String big = "{\"input\":\"" + "x".repeat(3000) + "\"}";
        String requestId = "s-" + UUID.randomUUID();
        HttpResponse<String> declared = send("POST", "/v1/embeddings", big, requestId, Map.of("Authorization", key.bearer()));
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(json.readTree(declared.body()).path("error").path("type").asString()).isEqualTo("payload_too_large");
        assertThat(new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10)).get("error_type"))
                .isEqualTo("payload_too_large");

        String chunkedId = "s-" + UUID.randomUUID();
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/v1/embeddings"))
                .header("Authorization", key.bearer()).header("Content-Type", "application/json")
                .header("X-Request-Id", chunkedId)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(new RequestLogRows(jdbc).awaitOne(chunkedId, Duration.ofSeconds(10)).get("status")).isEqualTo(413);
        assertThat(upstream.seen).noneMatch(seen -> seen.body().length() > 2048);
    }

    @Test
    void aFailingServiceOpensItsCircuitAndGets503CircuitOpen() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "breaker");
        Map<String, String> auth = Map.of("Authorization", key.bearer());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> down = send("POST", "/v1/translate", "{\"text\":\"one\"}", "b-" + UUID.randomUUID(), auth);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(json.readTree(down.body()).path("error").path("type").asString()).isEqualTo("upstream_unavailable");
        }
        String requestId = "b-" + UUID.randomUUID();
        HttpResponse<String> open = send("POST", "/v1/translate", "{\"text\":\"one\"}", requestId, auth);
        assertThat(open.statusCode()).isEqualTo(503);
        assertThat(open.headers().firstValue("Retry-After")).contains("60");
        JsonNode error = json.readTree(open.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("circuit_open");
        assertThat(error.path("service").asString()).isEqualTo("seq2seq");
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(503);
        assertThat(row.get("error_type")).isEqualTo("circuit_open");
        // Other services are not affected.
        assertThat(send("POST", "/v1/embeddings", "{}", "b-" + UUID.randomUUID(), auth).statusCode()).isEqualTo(200);
    }

    // --- the request log ----------------------------------------------------------------------------------------

    @Test
    void rowsCarryTeamSessionModelTokensAndFinishReasonFromJsonAndStreams() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "usage");
        String jsonId = "u-" + UUID.randomUUID();
        send("POST", "/v1/chat/completions", "{\"model\":\"asked-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                jsonId, Map.of("Authorization", key.bearer(), "X-Session-Id", "session-header"));
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(jsonId, Duration.ofSeconds(10));
        assertThat(row.get("team")).isEqualTo(key.team());
        assertThat(row.get("key_id")).isEqualTo(key.id());
        assertThat(row.get("session_id")).isEqualTo("session-header");
        assertThat(row.get("model")).isEqualTo("fake-llm");
        assertThat(row.get("prompt_tokens")).isEqualTo(7);
        assertThat(row.get("completion_tokens")).isEqualTo(5);
        assertThat(row.get("cached_tokens")).isEqualTo(3);
        assertThat(row.get("finish_reason")).isEqualTo("length");
        assertThat(row.get("request_body")).isNull();
        assertThat(row.get("response_body")).isNull();

        String streamId = "u-" + UUID.randomUUID();
        HttpResponse<String> stream = send("POST", "/v1/chat/completions",
                "{\"session_id\":\"session-body\",\"stream\":true,\"messages\":[]}", streamId,
                Map.of("Authorization", key.bearer()));
        assertThat(stream.body()).contains(FakeUpstream.CHAT_EVENTS).endsWith("data: [DONE]\n\n");
        Map<String, Object> streamed = new RequestLogRows(jdbc).awaitOne(streamId, Duration.ofSeconds(10));
        assertThat(streamed.get("session_id")).isEqualTo("session-body");
        assertThat(streamed.get("model")).isEqualTo("fake-llm");
        assertThat(streamed.get("prompt_tokens")).isEqualTo(11);
        assertThat(streamed.get("completion_tokens")).isEqualTo(2);
        assertThat(streamed.get("cached_tokens")).isEqualTo(4);
        assertThat(streamed.get("finish_reason")).isEqualTo("stop");
    }

    @Test
    void bodiesAreStoredOnlyForTeamsThatSwitchItOn() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "bodies", true, null, null);
        String requestId = "bd-" + UUID.randomUUID();
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"keep me\"}]}";
        send("POST", "/v1/chat/completions", body, requestId, Map.of("Authorization", key.bearer()));
        Map<String, Object> row = new RequestLogRows(jdbc).awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("request_body")).isEqualTo(body);
        assertThat(row.get("response_body")).isEqualTo(FakeUpstream.CHAT_JSON);
    }

    @Test
    void logsAndUsageShowOnlyTheCallersTeam() throws Exception {
        TestKeys.Key a = TestKeys.newTeamKey(keys, "team-a");
        TestKeys.Key b = TestKeys.newTeamKey(keys, "team-b");
        RequestLogRows rows = new RequestLogRows(jdbc);
        List<String> aIds = new ArrayList<>();
        for (String session : List.of("s1", "s2")) {
            String id = "la-" + UUID.randomUUID();
            aIds.add(id);
            send("POST", "/v1/chat/completions", "{\"messages\":[]}", id,
                    Map.of("Authorization", a.bearer(), "X-Session-Id", session));
        }
        String embedId = "la-" + UUID.randomUUID();
        aIds.add(embedId);
        send("POST", "/v1/embeddings", "{\"input\":\"x\"}", embedId, Map.of("Authorization", a.bearer()));
        String bId = "lb-" + UUID.randomUUID();
        send("POST", "/v1/chat/completions", "{\"messages\":[]}", bId, Map.of("Authorization", b.bearer()));
        for (String id : aIds) {
            rows.awaitOne(id, Duration.ofSeconds(10));
        }
        rows.awaitOne(bId, Duration.ofSeconds(10));

        // A forged team header changes nothing: the team is the key's.
        Map<String, String> asA = Map.of("Authorization", a.bearer(), "X-Trident-Team", b.team());
        JsonNode all = getJson("/v1/logs?task=chat", asA);
        assertThat(ids(all)).containsExactlyInAnyOrder(aIds.get(0), aIds.get(1));
        assertThat(ids(getJson("/v1/logs?session=s1", asA))).containsExactly(aIds.get(0));
        assertThat(ids(getJson("/v1/logs?model=fake-embedder&status=200", asA))).containsExactly(embedId);
        assertThat(ids(getJson("/v1/logs?from=2000-01-01&to=2000-01-02", asA))).isEmpty();
        JsonNode firstPage = getJson("/v1/logs?task=chat&page_size=1&page=0", asA);
        JsonNode secondPage = getJson("/v1/logs?task=chat&page_size=1&page=1", asA);
        assertThat(firstPage.path("has_more").asBoolean()).isTrue();
        assertThat(secondPage.path("has_more").asBoolean()).isFalse();
        // Newest first.
        assertThat(ids(firstPage)).containsExactly(aIds.get(1));
        assertThat(ids(secondPage)).containsExactly(aIds.get(0));
        assertThat(ids(getJson("/v1/logs?page_size=500", asA))).containsAll(aIds).doesNotContain(bId);
        assertThat(ids(getJson("/v1/logs", Map.of("Authorization", b.bearer())))).containsExactly(bId);
        assertThat(send("GET", "/v1/logs?page_size=100000", null, "l-" + UUID.randomUUID(), asA).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/v1/logs?from=yesterday", null, "l-" + UUID.randomUUID(), asA).statusCode()).isEqualTo(400);

        JsonNode usage = getJson("/v1/usage", asA).path("data");
        Map<String, JsonNode> byTask = new LinkedHashMap<>();
        usage.forEach(entry -> byTask.put(entry.path("task").asString() + "/" + entry.path("model").asString(), entry));
        assertThat(byTask).containsOnlyKeys("chat/fake-llm", "embed/fake-embedder");
        JsonNode chat = byTask.get("chat/fake-llm");
        assertThat(chat.path("requests").asLong()).isEqualTo(2);
        assertThat(chat.path("prompt_tokens").asLong()).isEqualTo(14);
        assertThat(chat.path("completion_tokens").asLong()).isEqualTo(10);
        assertThat(chat.path("cached_tokens").asLong()).isEqualTo(6);
        assertThat(chat.path("errors").asLong()).isZero();
        assertThat(byTask.get("embed/fake-embedder").path("prompt_tokens").asLong()).isEqualTo(4);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(row -> ids.add(row.path("request_id").asString()));
        return ids;
    }

    private JsonNode getJson(String path, Map<String, String> headers) throws Exception {
        HttpResponse<String> response = send("GET", path, null, "get-" + UUID.randomUUID(), headers);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, "admin-" + UUID.randomUUID(), Map.of("Authorization", "Bearer " + ADMIN_KEY));
    }

    private HttpResponse<String> send(String method, String path, String body, String requestId,
                                      Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                // A request that gets no answer fails the test instead of stalling the build.
                .timeout(Duration.ofSeconds(60))
                .header("X-Request-Id", requestId)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static FakeUpstream startUpstream() {
        try {
            return new FakeUpstream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
