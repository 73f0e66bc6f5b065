package dev.trident.decoder.web;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The real service on its default model (stories260K) over real HTTP, against the model's reference.json. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CompletionsApiTest {

    private static JsonNode reference;

    @BeforeAll
    static void readReference() throws Exception {
        reference = new ObjectMapper().readTree(CompletionsApiTest.class.getResourceAsStream("/models/stories260K/reference.json"));
    }

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void reproducesLlama2csTwoHundredTokenStoryByteForByte() throws Exception {
        JsonNode story = reference.path("llama2c_test_all_200");
        JsonNode response = ok(post("{\"prompt\": [1], \"max_tokens\": 200, \"temperature\": 0, \"return_token_ids\": true}"));
        JsonNode choice = response.path("choices").get(0);
        assertThat(choice.path("text").asString()).isEqualTo(story.path("text").asString());
        assertThat(choice.path("token_ids")).isEqualTo(story.path("generated"));
        assertThat(choice.path("finish_reason").asString()).isEqualTo("length");
        assertThat(response.path("model").asString()).isEqualTo("stories260K");
        assertThat(response.path("usage").path("prompt_tokens").asInt()).isEqualTo(1);
        assertThat(response.path("usage").path("completion_tokens").asInt()).isEqualTo(200);
    }

    @Test
    void textPromptIsTokenizedWithBosAndContinuesLikeTheReference() throws Exception {
        JsonNode greedy = reference.path("outputs").path("greedy");
        JsonNode response = ok(post(json.writeValueAsString(java.util.Map.of(
                "prompt", greedy.path("prompt_text").asString(), "max_tokens", greedy.path("new_tokens").asInt(),
                "temperature", 0, "return_token_ids", true))));
        JsonNode choice = response.path("choices").get(0);
        assertThat(choice.path("prompt_token_ids")).isEqualTo(greedy.path("input_ids").get(0));
        assertThat(choice.path("text").asString()).isEqualTo(greedy.path("generated_text").asString());
    }

    @Test
    void streamsTheSameTextAsOpenAiSendsIt() throws Exception {
        String body = "{\"prompt\": [1], \"max_tokens\": 80, \"temperature\": 0, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
        HttpResponse<String> response = post(body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        for (String block : response.body().split("\n\n")) {
            assertThat(block).startsWith("data: ");
            events.add(block.substring("data: ".length()));
        }
        assertThat(events.getLast()).isEqualTo("[DONE]");
        JsonNode usage = json.readTree(events.get(events.size() - 2));
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(80);
        JsonNode finish = json.readTree(events.get(events.size() - 3));
        assertThat(finish.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
        StringBuilder streamed = new StringBuilder();
        for (String event : events.subList(0, events.size() - 3)) {
            JsonNode chunk = json.readTree(event);
            assertThat(chunk.path("object").asString()).isEqualTo("text_completion");
            assertThat(chunk.path("choices").get(0).path("finish_reason").isNull()).isTrue();
            streamed.append(chunk.path("choices").get(0).path("text").asString());
        }
        String whole = ok(post("{\"prompt\": [1], \"max_tokens\": 80, \"temperature\": 0}")).path("choices").get(0).path("text").asString();
        assertThat(streamed.toString()).isEqualTo(whole);
    }

    @Test
    void stopStringEndsGenerationAndIsNotReturned() throws Exception {
        String story = reference.path("llama2c_test_all_200").path("text").asString();
        JsonNode choice = ok(post("{\"prompt\": [1], \"max_tokens\": 200, \"temperature\": 0, \"stop\": [\"little girl\"]}"))
                .path("choices").get(0);
        assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
        assertThat(choice.path("text").asString()).isEqualTo(story.substring(0, story.indexOf("little girl")));
    }

    @Test
    void theSameSeedGivesTheSameSample() throws Exception {
        String body = "{\"prompt\": [1], \"max_tokens\": 40, \"temperature\": 0.9, \"top_p\": 0.9, \"top_k\": 40, \"seed\": 1234}";
        String first = ok(post(body)).path("choices").get(0).path("text").asString();
        String second = ok(post(body)).path("choices").get(0).path("text").asString();
        assertThat(first).isNotBlank().isEqualTo(second);
    }

    @Test
    void badRequestsGetOpenAiErrors() throws Exception {
        assertError(post("{\"model\": \"nope\", \"prompt\": \"hi\"}"), 404, "model_not_found");
        assertError(post("{\"prompt\": \"hi\", \"temperature\": -1}"), 400, "invalid_request_error");
        assertError(post("{\"max_tokens\": 3}"), 400, "invalid_request_error");
        StringBuilder tooLong = new StringBuilder("{\"prompt\": [1");
        for (int i = 0; i < 600; i++) {
            tooLong.append(", 300");
        }
        HttpResponse<String> response = post(tooLong.append("]}").toString());
        assertError(response, 400, "invalid_request_error");
        assertThat(json.readTree(response.body()).path("error").path("message").asString()).contains("512").contains("601");
        String truncatedRequest = tooLong.substring(0, tooLong.length() - 1) + ", \"truncate_prompt_tokens\": 100, \"max_tokens\": 2}";
        JsonNode truncated = ok(post(truncatedRequest));
        assertThat(truncated.path("usage").path("prompt_tokens").asInt()).isEqualTo(100);
    }

    @Test
    void nChoicesAndLogprobsInTheLegacyShape() throws Exception {
        JsonNode response = ok(post("{\"prompt\": \"Once upon a time\", \"max_tokens\": 15, \"temperature\": 0.8, \"seed\": 3, "
                + "\"n\": 2, \"logprobs\": 3}"));
        assertThat(response.path("choices").size()).isEqualTo(2);
        int completion = 0;
        for (int i = 0; i < 2; i++) {
            JsonNode choice = response.path("choices").get(i);
            assertThat(choice.path("index").asInt()).isEqualTo(i);
            JsonNode logprobs = choice.path("logprobs");
            int n = logprobs.path("tokens").size();
            completion += n;
            assertThat(n).isPositive();
            assertThat(logprobs.path("token_logprobs").size()).isEqualTo(n);
            assertThat(logprobs.path("top_logprobs").size()).isEqualTo(n);
            assertThat(logprobs.path("text_offset").size()).isEqualTo(n);
            int offset = 0;
            for (int t = 0; t < n; t++) {
                String token = logprobs.path("tokens").get(t).asString();
                JsonNode top = logprobs.path("top_logprobs").get(t);
                // The 3 most likely, and always the sampled token (so 3 or 4 entries).
                assertThat(top.size()).isBetween(3, 4);
                assertThat(top.path(token).asDouble()).isEqualTo(logprobs.path("token_logprobs").get(t).asDouble());
                assertThat(logprobs.path("text_offset").get(t).asInt()).isEqualTo(offset);
                offset += token.length();
            }
        }
        assertThat(response.path("usage").path("completion_tokens").asInt()).isEqualTo(completion);
        assertError(post("{\"prompt\": \"hi\", \"n\": 0}"), 400, "invalid_request_error");
        assertError(post("{\"prompt\": \"hi\", \"logprobs\": 21}"), 400, "invalid_request_error");
        assertError(post("{\"prompt\": \"hi\", \"logprobs\": true}"), 400, "invalid_request_error");
    }

    @Test
    void concurrentRequestsGiveWhatEachGivesAlone() throws Exception {
        List<String> bodies = List.of(
                "{\"prompt\": [1], \"max_tokens\": 60, \"temperature\": 0}",
                "{\"prompt\": \"The cat\", \"max_tokens\": 50, \"temperature\": 0.9, \"seed\": 8}",
                "{\"prompt\": \"Lily\", \"max_tokens\": 40, \"temperature\": 1.1, \"top_k\": 30, \"seed\": 9, \"stop\": [\".\"]}",
                "{\"prompt\": \"One day\", \"max_tokens\": 70, \"temperature\": 0.7, \"seed\": 10, \"frequency_penalty\": 0.5}");
        List<String> alone = new ArrayList<>();
        for (String body : bodies) {
            alone.add(ok(post(body)).path("choices").get(0).path("text").asString());
        }
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (String body : bodies) {
                together.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
        for (int i = 0; i < together.size(); i++) {
            assertThat(ok(together.get(i).get()).path("choices").get(0).path("text").asString()).as(bodies.get(i % bodies.size()))
                    .isEqualTo(alone.get(i % bodies.size()));
        }
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() throws Exception {
        HttpResponse<String> tokenized = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tokenize"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a time\"}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode tokens = ok(tokenized).path("tokens");
        assertThat(tokens).isEqualTo(reference.path("inputs").path("input_ids").get(0));
        HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/detokenize"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tokens\": " + tokens + "}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok(text).path("prompt").asString()).isEqualTo("<s> Once upon a time");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    private void assertError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json.readTree(response.body()).path("error").path("type").asString()).isEqualTo(type);
    }

    private JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
