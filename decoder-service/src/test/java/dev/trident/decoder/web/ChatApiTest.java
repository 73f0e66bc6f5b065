package dev.trident.decoder.web;

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
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Chat completions on the real service and model: sessions reuse their KV cache and answer exactly as without one. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChatApiTest {

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aFollowUpTurnReusesTheSessionCacheAndAnswersAsAFullRecomputation() throws Exception {
        String session = "chat-" + UUID.randomUUID();
        List<Map<String, String>> conversation = new ArrayList<>(List.of(Map.of("role", "user", "content", "Once upon a time")));
        JsonNode first = ok(chat(conversation, session, false));
        assertThat(first.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
        String reply = first.path("choices").get(0).path("message").path("content").asString();
        assertThat(reply).isNotBlank();

        conversation.add(Map.of("role", "assistant", "content", reply));
        conversation.add(Map.of("role", "user", "content", "Then what happened?"));
        JsonNode second = ok(chat(conversation, session, false));
        int cached = second.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
        int promptTokens = second.path("usage").path("prompt_tokens").asInt();
        assertThat(cached).isGreaterThan(first.path("usage").path("prompt_tokens").asInt() / 2).isLessThan(promptTokens);

        JsonNode withoutSession = ok(chat(conversation, null, false));
        assertThat(second.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo(withoutSession.path("choices").get(0).path("message").path("content").asString());

        JsonNode held = ok(get("/v1/sessions/" + session));
        assertThat(held.path("tokens").asInt()).isGreaterThanOrEqualTo(promptTokens);
        assertThat(held.path("bytes").asLong()).isPositive();
        assertThat(held.path("turns").asInt()).isEqualTo(2);
        assertThat(held.path("cached").asBoolean()).isTrue();
        assertThat(held.path("transcript").size()).isEqualTo(2);
        assertThat(held.path("transcript").get(0).path("reply").asString()).isEqualTo(reply);
        assertThat(held.path("transcript").get(1).path("cached_tokens").asInt()).isEqualTo(cached);

        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(uri("/v1/sessions/" + session)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.readTree(deleted.body()).path("deleted").asBoolean()).isTrue();
        HttpResponse<String> gone = get("/v1/sessions/" + session);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json.readTree(gone.body()).path("error").path("type").asString()).isEqualTo("session_not_found");

        // A session that is gone is no error: the next turn rebuilds its cache.
        JsonNode rebuilt = ok(chat(conversation, session, false));
        assertThat(rebuilt.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
        assertThat(rebuilt.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo(withoutSession.path("choices").get(0).path("message").path("content").asString());
    }

    @Test
    void streamsChatChunksAsOpenAiDoes() throws Exception {
        List<Map<String, String>> conversation = List.of(Map.of("role", "user", "content", "Lily and Ben went to the park."));
        HttpResponse<String> response = chat(conversation, null, true);
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> chunks = new ArrayList<>();
        String[] blocks = response.body().split("\n\n");
        assertThat(blocks[blocks.length - 1]).isEqualTo("data: [DONE]");
        for (int i = 0; i < blocks.length - 1; i++) {
            chunks.add(json.readTree(blocks[i].substring("data: ".length())));
        }
        assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asString()).isEqualTo("assistant");
        assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString()).isIn("stop", "length");
        StringBuilder streamed = new StringBuilder();
        for (JsonNode chunk : chunks) {
            assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
            streamed.append(chunk.path("choices").get(0).path("delta").path("content").asString(""));
        }
        String whole = ok(chat(conversation, null, false)).path("choices").get(0).path("message").path("content").asString();
        assertThat(streamed.toString()).isEqualTo(whole);
    }

    @Test
    void badConversationsGet400() throws Exception {
        HttpResponse<String> empty = post("{\"messages\": []}");
        assertThat(empty.statusCode()).isEqualTo(400);
        HttpResponse<String> badRole = post("{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}");
        assertThat(badRole.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badRole.body()).path("error").path("param").asString()).isEqualTo("messages");
    }

    @Test
    void nChoicesWithLogprobsInOpenAisShape() throws Exception {
        String messages = "[{\"role\": \"user\", \"content\": \"Once upon a time\"}]";
        JsonNode single = ok(post("{\"messages\": " + messages + ", \"max_tokens\": 12, \"temperature\": 0.9, \"seed\": 21}"));
        JsonNode response = ok(post("{\"messages\": " + messages + ", \"max_tokens\": 12, \"temperature\": 0.9, \"seed\": 21, "
                + "\"n\": 3, \"logprobs\": true, \"top_logprobs\": 2}"));
        JsonNode choices = response.path("choices");
        assertThat(choices.size()).isEqualTo(3);
        int completion = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode choice = choices.get(i);
            assertThat(choice.path("index").asInt()).isEqualTo(i);
            JsonNode content = choice.path("logprobs").path("content");
            assertThat(content.size()).isPositive();
            completion += content.size();
            StringBuilder tokens = new StringBuilder();
            for (JsonNode token : content) {
                assertThat(token.path("logprob").asDouble()).isLessThanOrEqualTo(0);
                assertThat(token.path("top_logprobs").size()).isEqualTo(2);
                assertThat(token.path("top_logprobs").get(0).path("logprob").asDouble())
                        .isGreaterThanOrEqualTo(token.path("top_logprobs").get(1).path("logprob").asDouble())
                        .isGreaterThanOrEqualTo(token.path("logprob").asDouble());
                byte[] bytes = new byte[token.path("bytes").size()];
                for (int b = 0; b < bytes.length; b++) {
                    bytes[b] = (byte) token.path("bytes").get(b).asInt();
                }
                assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(token.path("token").asString());
                tokens.append(token.path("token").asString());
            }
            assertThat(tokens.toString().replace(" ", "")).contains(choice.path("message").path("content").asString().replace(" ", "").trim());
        }
        // Choice 0 is what n = 1 gives with the same seed; usage counts the prompt once and every choice's tokens.
        assertThat(choices.get(0).path("message").path("content").asString())
                .isEqualTo(single.path("choices").get(0).path("message").path("content").asString());
        assertThat(response.path("usage").path("completion_tokens").asInt()).isEqualTo(completion);
        assertThat(response.path("usage").path("prompt_tokens").asInt()).isEqualTo(single.path("usage").path("prompt_tokens").asInt());
        assertThat(response.path("usage").path("total_tokens").asInt())
                .isEqualTo(completion + single.path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void streamedChoicesCarryTheirIndex() throws Exception {
        HttpResponse<String> response = post("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 10, "
                + "\"temperature\": 0.9, \"seed\": 4, \"n\": 2, \"stream\": true, \"logprobs\": true}");
        assertThat(response.statusCode()).isEqualTo(200);
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int[] finishes = new int[2];
        int logprobTokens = 0;
        for (String block : response.body().split("\n\n")) {
            String data = block.substring("data: ".length());
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = json.readTree(data).path("choices").get(0);
            int index = choice.path("index").asInt();
            texts[index].append(choice.path("delta").path("content").asString(""));
            if (!choice.path("finish_reason").isNull()) {
                finishes[index]++;
            }
            logprobTokens += choice.path("logprobs").path("content").size();
        }
        assertThat(finishes).containsExactly(1, 1);
        assertThat(logprobTokens).isPositive();
        JsonNode whole = ok(post("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 10, "
                + "\"temperature\": 0.9, \"seed\": 4, \"n\": 2}"));
        assertThat(texts[0].toString()).isEqualTo(whole.path("choices").get(0).path("message").path("content").asString());
        assertThat(texts[1].toString()).isEqualTo(whole.path("choices").get(1).path("message").path("content").asString());
    }

    @Test
    void badChoiceAndLogprobCountsGet400() throws Exception {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
        for (String bad : List.of("\"n\": 0", "\"n\": 1.5", "\"n\": 1000", "\"logprobs\": true, \"top_logprobs\": 21",
                "\"top_logprobs\": 3", "\"logprobs\": true, \"top_logprobs\": -1", "\"logprobs\": 3")) {
            HttpResponse<String> response = post("{" + messages + ", " + bad + "}");
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(json.readTree(response.body()).path("error").path("type").asString()).as(bad).isEqualTo("invalid_request_error");
        }
    }

    private HttpResponse<String> chat(List<Map<String, String>> messages, String session, boolean stream) throws Exception {
        String body = json.writeValueAsString(Map.of("messages", messages, "max_tokens", 40, "temperature", 0, "stream", stream));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("X-Session-Id", session);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
