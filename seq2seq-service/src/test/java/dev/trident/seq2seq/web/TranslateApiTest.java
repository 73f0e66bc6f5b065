package dev.trident.seq2seq.web;

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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The real service on its default model: the reference translations, greedy and beam 4, through HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TranslateApiTest {

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void reproducesTheReferenceTranslationsGreedyAndBeam() throws Exception {
        JsonNode reference = json.readTree(getClass().getResourceAsStream("/models/t5-numbers-en-fr/reference.json"));
        for (JsonNode testCase : reference.path("cases")) {
            String[] pair = testCase.path("direction").asString().split("-");
            String input = testCase.path("input_text").asString();
            String text = input.substring(input.indexOf(": ") + 2);
            JsonNode greedy = ok(post("/v1/translate", Map.of("text", text, "source_lang", pair[0], "target_lang", pair[1],
                    "return_token_ids", true))).path("translations").get(0);
            assertThat(greedy.path("input_ids")).isEqualTo(testCase.path("input_ids").get(0));
            assertThat(greedy.path("token_ids")).isEqualTo(testCase.path("greedy").path("generated").get(0));
            assertThat(greedy.path("text").asString()).isEqualTo(testCase.path("greedy").path("text").asString());

            JsonNode beam = ok(post("/v1/translate", Map.of("text", text, "source_lang", pair[0], "target_lang", pair[1],
                    "num_beams", 4, "max_new_tokens", 23, "return_token_ids", true))).path("translations").get(0);
            JsonNode expected = testCase.path("beam");
            assertThat(beam.path("token_ids")).isEqualTo(expected.path("generated").get(0));
            assertThat(beam.path("text").asString()).isEqualTo(expected.path("text").asString());
            assertThat(beam.path("sequences").get(0).path("score").asDouble())
                    .isCloseTo(expected.path("sequence_score").asDouble(), within(1e-4));
        }
    }

    @Test
    void refusesWhatTheModelCannotDo() throws Exception {
        HttpResponse<String> pair = post("/v1/translate", Map.of("text", "one", "source_lang", "en", "target_lang", "de"));
        assertThat(pair.statusCode()).isEqualTo(400);
        assertThat(json.readTree(pair.body()).path("error").path("message").asString()).contains("en-fr").contains("fr-en");

        HttpResponse<String> summarize = post("/v1/summarize", Map.of("text", "one two three"));
        assertThat(summarize.statusCode()).isEqualTo(400);

        HttpResponse<String> tooLong = post("/v1/translate", Map.of("text", "one ".repeat(200), "source_lang", "en", "target_lang", "fr"));
        assertThat(tooLong.statusCode()).isEqualTo(413);
        assertThat(json.readTree(tooLong.body()).path("error").path("type").asString()).isEqualTo("input_too_long");
        HttpResponse<String> truncated = post("/v1/translate", Map.of("text", "one ".repeat(200), "source_lang", "en",
                "target_lang", "fr", "truncate", true));
        assertThat(truncated.statusCode()).isEqualTo(200);
        assertThat(ok(truncated).path("translations").get(0).path("input_tokens").asInt()).isEqualTo(128);
    }

    @Test
    void text2textTakesPrefixedInputsAndIds() throws Exception {
        JsonNode viaText = ok(post("/v1/text2text", Map.of("inputs", "translate English to French: twenty-one", "return_token_ids", true)))
                .path("outputs").get(0);
        assertThat(viaText.path("text").asString()).isEqualTo("vingt et un");
        JsonNode viaIds = ok(post("/v1/text2text", Map.of("input_ids", viaText.path("input_ids")))).path("outputs").get(0);
        assertThat(viaIds.path("text").asString()).isEqualTo("vingt et un");
    }

    private JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String path, Object body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }
}
