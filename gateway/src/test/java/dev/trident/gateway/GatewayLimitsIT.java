package dev.trident.gateway;

import dev.trident.gateway.security.ApiKeyStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

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

/**
 * The gateway's refusals in front of the real encoder and decoder (their default models, each its own process):
 * 401 for missing and unknown keys, 413 for a body beyond the limit, 429 for a key's requests per second and for
 * its tokens per minute as the decoder reports them, and 504 when the encoder takes longer than its route's
 * timeout — each with the gateway's JSON error and its request_log row. (503 {@code circuit_open} with a stopped
 * real service is in {@link SuiteRoutingIT}.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "trident.limits.max-body-size=64KB",
        // Only /embed_all: a full batch of long texts takes the real encoder far longer than this.
        "trident.limits.upstream-timeouts.encoder-embed-all=50ms"})
class GatewayLimitsIT {

    @DynamicPropertySource
    static void startTheServices(DynamicPropertyRegistry registry) throws Exception {
        SuiteServices.register(registry);
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

    @Test
    void missingAndUnknownKeysGet401AndTheirRows() throws Exception {
        Map<String, Map<String, String>> attempts = Map.of(
                "missing", Map.of(),
                "unknown", Map.of("Authorization", "Bearer trd_" + "0".repeat(40)));
        for (var attempt : attempts.entrySet()) {
            String requestId = "401-" + UUID.randomUUID();
            HttpResponse<String> response = send("/v1/embeddings", "{\"input\":\"hello\"}", requestId, attempt.getValue());
            Map<String, Object> row = assertRefusedWithRow(response, requestId, 401, "unauthorized");
            assertThat(row.get("team")).as(attempt.getKey()).isNull();
        }
    }

    @Test
    void aBodyBeyondTheLimitGets413AndOneWithinItReachesTheEncoder() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "it-size");
        // About 10 KB of the 64 KB allowed; the encoder truncates it to the model's length.
        String within = "{\"inputs\":\"" + "word ".repeat(2_000) + "\",\"truncate\":true}";
        HttpResponse<String> embedded = send("/embed", within, "413-" + UUID.randomUUID(), auth(key));
        assertThat(embedded.statusCode()).as(embedded.body()).isEqualTo(200);
        assertThat(json.readTree(embedded.body()).get(0).size()).isEqualTo(384);

        String requestId = "413-" + UUID.randomUUID();
        String beyond = "{\"input\":\"" + "word ".repeat(16_000) + "\"}";
        HttpResponse<String> refused = send("/v1/embeddings", beyond, requestId, auth(key));
        Map<String, Object> row = assertRefusedWithRow(refused, requestId, 413, "payload_too_large");
        assertThat(row.get("team")).isEqualTo(key.team());
    }

    @Test
    void requestsBeyondTheKeysRateGet429WithRetryAfterAndARow() throws Exception {
        // One request per 5 s: the second, right after the first, is refused however slow this machine is.
        TestKeys.Key key = TestKeys.newTeamKey(keys, "it-rps", false, 0.2, null);
        HttpResponse<String> first = send("/v1/embeddings", "{\"input\":\"hello\"}", "429-" + UUID.randomUUID(), auth(key));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        String requestId = "429-" + UUID.randomUUID();
        HttpResponse<String> refused = send("/v1/embeddings", "{\"input\":\"hello\"}", requestId, auth(key));
        Map<String, Object> row = assertRefusedWithRow(refused, requestId, 429, "rate_limited");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 5L);
        assertThat(json.readTree(refused.body()).path("error").path("limit").asString()).isEqualTo("requests_per_second");
        assertThat(row.get("key_id")).isEqualTo(key.id());
    }

    @Test
    void tokensTheDecoderReportsAreChargedAndTheNextRequestBeyondTheBudgetGets429() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "it-tpm", false, 0.0, 20L);
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":24,"
                + "\"temperature\":0}";
        String chargedId = "tpm-" + UUID.randomUUID();
        HttpResponse<String> answered = send("/v1/chat/completions", chat, chargedId, auth(key));
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        JsonNode usage = json.readTree(answered.body()).path("usage");
        long promptTokens = usage.path("prompt_tokens").asLong();
        long completionTokens = usage.path("completion_tokens").asLong();
        assertThat(promptTokens + completionTokens).isGreaterThan(20);
        Map<String, Object> charged = rows().awaitOne(chargedId, Duration.ofSeconds(10));
        assertThat(((Number) charged.get("prompt_tokens")).longValue()).isEqualTo(promptTokens);
        assertThat(((Number) charged.get("completion_tokens")).longValue()).isEqualTo(completionTokens);
        assertThat(charged.get("model")).isEqualTo("stories260K");

        String requestId = "tpm-" + UUID.randomUUID();
        HttpResponse<String> refused = send("/v1/chat/completions", chat, requestId, auth(key));
        assertRefusedWithRow(refused, requestId, 429, "rate_limited");
        assertThat(json.readTree(refused.body()).path("error").path("limit").asString()).isEqualTo("tokens_per_minute");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        // Overdrawn by (used - 20) tokens at 20 per minute: admitted again once one token is back.
        long expected = (long) Math.ceil((promptTokens + completionTokens - 20 + 1) * 60.0 / 20);
        assertThat(retryAfter).isBetween(expected - 5, expected);
    }

    @Test
    void anEncoderSlowerThanItsRoutesTimeoutGives504AndItsRow() throws Exception {
        TestKeys.Key key = TestKeys.newTeamKey(keys, "it-timeout");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            texts.add("text " + i + " " + "the quick brown fox jumps over the lazy dog ".repeat(30));
        }
        String body = json.writeValueAsString(Map.of("inputs", texts, "truncate", true));
        String requestId = "504-" + UUID.randomUUID();
        HttpResponse<String> response = send("/embed_all", body, requestId, auth(key));
        Map<String, Object> row = assertRefusedWithRow(response, requestId, 504, "upstream_timeout");
        assertThat(json.readTree(response.body()).path("error").path("service").asString()).isEqualTo("encoder");
        assertThat(row.get("service")).isEqualTo("encoder");

        // The other encoder routes keep the service's timeout.
        HttpResponse<String> embeddings = send("/embed",
                json.writeValueAsString(Map.of("inputs", texts.subList(0, 4), "truncate", true)),
                "504-" + UUID.randomUUID(), auth(key));
        assertThat(embeddings.statusCode()).as(embeddings.body()).isEqualTo(200);
        assertThat(json.readTree(embeddings.body()).size()).isEqualTo(4);
    }

    private Map<String, String> auth(TestKeys.Key key) {
        return Map.of("Authorization", key.bearer());
    }

    private RequestLogRows rows() {
        return new RequestLogRows(jdbc);
    }

    /** The gateway's JSON error with {@code status} and {@code type}, and the request's row saying the same. */
    private Map<String, Object> assertRefusedWithRow(HttpResponse<String> response, String requestId, int status,
                                                     String type) throws InterruptedException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json.readTree(response.body()).path("error").path("type").asString()).isEqualTo(type);
        Map<String, Object> row = rows().awaitOne(requestId, Duration.ofSeconds(10));
        assertThat(row.get("status")).isEqualTo(status);
        assertThat(row.get("error_type")).isEqualTo(type);
        return row;
    }

    private HttpResponse<String> send(String path, String body, String requestId, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(120))
                .header("X-Request-Id", requestId)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
