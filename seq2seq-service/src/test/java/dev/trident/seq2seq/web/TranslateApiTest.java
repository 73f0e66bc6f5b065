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

    @Test
    void decodingOptionsFollowHfGenerate() throws Exception {
        Map<String, Object> base = Map.of("text", "three hundred thirty-eight thousand ninety", "source_lang", "en",
                "target_lang", "fr", "return_token_ids", true);
        JsonNode a = ok(post("/v1/translate", with(base, "do_sample", true, "temperature", 2.5, "top_k", 0, "seed", 11,
                "num_return_sequences", 3))).path("translations").get(0);
        JsonNode b = ok(post("/v1/translate", with(base, "do_sample", true, "temperature", 2.5, "top_k", 0, "seed", 11,
                "num_return_sequences", 3))).path("translations").get(0);
        assertThat(a.path("sequences")).hasSize(3);
        assertThat(a.path("sequences")).isEqualTo(b.path("sequences"));
        assertThat(a.path("seed").asLong()).isEqualTo(11);
        assertThat(a.path("sequences").get(0).has("score")).isFalse();

        JsonNode minNew = ok(post("/v1/translate", with(base, "min_new_tokens", 20))).path("translations").get(0);
        assertThat(minNew.path("output_tokens").asInt()).isGreaterThanOrEqualTo(20);
        JsonNode capped = ok(post("/v1/translate", with(base, "max_length", 4))).path("translations").get(0);
        assertThat(capped.path("output_tokens").asInt()).isEqualTo(3);

        JsonNode beams = ok(post("/v1/translate", with(base, "num_beams", 4, "num_return_sequences", 4,
                "no_repeat_ngram_size", 2, "early_stopping", "never", "length_penalty", 0.5))).path("translations").get(0);
        assertThat(beams.path("sequences")).hasSize(4);
        for (JsonNode sequence : beams.path("sequences")) {
            java.util.Set<String> bigrams = new java.util.HashSet<>();
            int previous = 0; // the decoder start token takes part in HF's n-grams
            for (JsonNode id : sequence.path("token_ids")) {
                assertThat(bigrams.add(previous + "," + id.asInt())).as(sequence.toString()).isTrue();
                previous = id.asInt();
            }
        }
        double[] scores = java.util.stream.StreamSupport.stream(beams.path("sequences").spliterator(), false)
                .mapToDouble(s -> s.path("score").asDouble()).toArray();
        assertThat(scores).isSortedAccordingTo((x, y) -> Double.compare(y, x));
    }

    @Test
    void badDecodingValuesAreJson400s() throws Exception {
        Map<String, Object> base = Map.of("text", "one", "source_lang", "en", "target_lang", "fr");
        Object[][] bad = {{"do_sample", true, "temperature", 0}, {"do_sample", true, "top_p", 1.5},
                {"do_sample", true, "top_k", -3}, {"num_return_sequences", 2}, {"num_beams", 2, "num_return_sequences", 3},
                {"early_stopping", "sometimes"}, {"num_beams", "four"}, {"min_new_tokens", -1}, {"max_new_tokens", 0},
                {"no_repeat_ngram_size", 1.5}, {"do_sample", "yes"}, {"length_penalty", "long"}, {"max_length", 1},
                {"max_new_tokens", 1_000_000}, {"num_beams", 500}};
        for (Object[] fields : bad) {
            HttpResponse<String> response = post("/v1/translate", with(base, fields));
            assertThat(response.statusCode()).as(java.util.Arrays.toString(fields)).isEqualTo(400);
            JsonNode error = json.readTree(response.body()).path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request");
            assertThat(error.path("message").asString()).as(response.body()).contains(((String) fields[fields.length - 2]));
        }
    }

    private static Map<String, Object> with(Map<String, Object> base, Object... fields) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(base);
        for (int i = 0; i < fields.length; i += 2) {
            out.put((String) fields[i], fields[i + 1]);
        }
        return out;
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
