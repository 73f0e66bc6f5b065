package dev.trident.decoder.web;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --model=DIR} on a folder without a tokenizer (the oracle's tiny Llama): the service serves it alone, in
 * ids-only mode — token-id prompts work and reproduce the reference's greedy ids; text gets a 400 that says why.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IdsOnlyModelTest {

    @DynamicPropertySource
    static void serveTheOracleLlama(DynamicPropertyRegistry registry) throws Exception {
        Path dir = Path.of(IdsOnlyModelTest.class.getResource("/oracle/llama/config.json").toURI()).getParent();
        registry.add("model", dir::toString);
        registry.add("trident.decoder.max-batch-size", () -> "3");
    }

    @Autowired
    dev.trident.decoder.inference.DecoderRegistry models;

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Test
    void tokenIdPromptsWorkAndTextIsRefused() throws Exception {
        JsonNode reference = json.readTree(getClass().getResourceAsStream("/oracle/llama/reference.json"));
        String ids = reference.path("inputs").path("input_ids").get(0).toString();
        HttpResponse<String> response = post("{\"model\": \"llama\", \"prompt\": " + ids
                + ", \"max_tokens\": 10, \"temperature\": 0, \"return_token_ids\": true}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("choices").get(0).path("token_ids"))
                .isEqualTo(reference.path("outputs").path("greedy").path("generated").get(0));

        HttpResponse<String> withLogprobs = post("{\"prompt\": " + ids + ", \"max_tokens\": 3, \"temperature\": 0, \"logprobs\": 1}");
        JsonNode tokens = json.readTree(withLogprobs.body()).path("choices").get(0).path("logprobs").path("tokens");
        JsonNode greedy = reference.path("outputs").path("greedy").path("generated").get(0);
        for (int i = 0; i < 3; i++) {
            assertThat(tokens.get(i).asString()).isEqualTo("token_id:" + greedy.get(i).asInt());
        }
        assertThat(models.get(null).maxBatch()).as("trident.decoder.max-batch-size").isEqualTo(3);

        HttpResponse<String> text = post("{\"prompt\": \"hello\"}");
        assertThat(text.statusCode()).isEqualTo(400);
        assertThat(json.readTree(text.body()).path("error").path("message").asString()).contains("no tokenizer");
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
