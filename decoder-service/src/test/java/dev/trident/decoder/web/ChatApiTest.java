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
