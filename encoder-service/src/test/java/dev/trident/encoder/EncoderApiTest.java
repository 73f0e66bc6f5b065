package dev.trident.encoder;

import dev.trident.encoder.inference.EncoderModel;
import dev.trident.encoder.inference.ModelRegistry;
import dev.trident.encoder.model.Pooling;
import org.junit.jupiter.api.Test;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The endpoints on the real default model (all-MiniLM-L6-v2) over real HTTP, checked against the engine itself.
 * Same configuration as {@link EncoderServiceApplicationTest}, so both share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EncoderApiTest {

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Autowired
    ModelRegistry registry;

    @Autowired
    EmbeddingModel springAi;

    private final HttpClient http = HttpClient.newHttpClient();

    EncoderModel miniLm() {
        return registry.get(null);
    }

    float[] engineEmbedding(String text) {
        return miniLm().embed(List.of(miniLm().tokenize(text)))[0];
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    static double norm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f * f;
        }
        return Math.sqrt(s);
    }

    @Test
    void embedEqualsTheEngineAndSendsTeiHeaders() throws Exception {
        HttpResponse<String> response = post("/embed", "{\"inputs\": [\"The cat sat on the mat.\", \"Paris is in France.\"]}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        assertThat(body.size()).isEqualTo(2);
        assertThat(floats(body.get(0))).containsExactly(engineEmbedding("The cat sat on the mat."), within(1e-5f));
        assertThat(floats(body.get(1))).containsExactly(engineEmbedding("Paris is in France."), within(1e-5f));
        assertThat(response.headers().firstValue("x-compute-tokens")).hasValue(String.valueOf(
                miniLm().tokenize("The cat sat on the mat.").length + miniLm().tokenize("Paris is in France.").length));
        for (String header : List.of("x-compute-time", "x-queue-time", "x-total-time")) {
            assertThat(response.headers().firstValue(header)).as(header).isPresent();
        }
    }

    @Test
    void normalizeFalseGivesTheRawMeanPoolAndDimensionsCutAndRenormalise() throws Exception {
        String text = "A quick brown fox.";
        float[] raw = floats(json.readTree(post("/embed", "{\"inputs\": \"" + text + "\", \"normalize\": false}").body()).get(0));
        float[] expectedRaw = miniLm().embed(List.of(miniLm().tokenize(text)), null, new Pooling(Pooling.Mode.MEAN, false))[0];
        assertThat(raw).containsExactly(expectedRaw, within(1e-5f));
        assertThat(norm(raw)).isNotCloseTo(1.0, within(0.01));

        float[] cut = floats(json.readTree(post("/embed", "{\"inputs\": \"" + text + "\", \"dimensions\": 64}").body()).get(0));
        assertThat(cut).hasSize(64);
        assertThat(norm(cut)).isCloseTo(1.0, within(1e-5));
        float[] head = java.util.Arrays.copyOf(expectedRaw, 64);
        Pooling.l2Normalize(head);
        assertThat(cut).containsExactly(head, within(1e-5f));
        assertThat(post("/embed", "{\"inputs\": \"x\", \"dimensions\": 1000}").statusCode()).isEqualTo(400);
    }

    @Test
    void tooLongInputIs413UnlessTruncatedAndTruncationKeepsTheFinalSep() throws Exception {
        String longText = "word ".repeat(600);
        HttpResponse<String> refused = post("/embed", "{\"inputs\": \"" + longText + "\"}");
        assertThat(refused.statusCode()).isEqualTo(413);
        JsonNode error = json.readTree(refused.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("input_too_long");
        assertThat(error.path("message").asString()).contains("602").contains("512");

        HttpResponse<String> cut = post("/embed", "{\"inputs\": \"" + longText + "\", \"truncate\": true}");
        assertThat(cut.statusCode()).isEqualTo(200);
        int[] all = miniLm().tokenizer().encodeIds(longText, true);
        int[] kept = java.util.Arrays.copyOf(all, 512);
        kept[511] = all[all.length - 1]; // [SEP]
        float[] expected = miniLm().embed(List.of(kept))[0];
        assertThat(floats(json.readTree(cut.body()).get(0))).containsExactly(expected, within(1e-5f));

        // left: [CLS] and [SEP] kept, the content's start cut
        String mixed = "alpha ".repeat(300) + "omega ".repeat(300);
        HttpResponse<String> leftCut = post("/embed", "{\"inputs\": \"" + mixed + "\", \"truncate\": true, \"truncation_direction\": \"left\"}");
        int[] allMixed = miniLm().tokenizer().encodeIds(mixed, true);
        int[] keptLeft = new int[512];
        keptLeft[0] = allMixed[0];
        System.arraycopy(allMixed, allMixed.length - 511, keptLeft, 1, 511);
        assertThat(floats(json.readTree(leftCut.body()).get(0)))
                .containsExactly(miniLm().embed(List.of(keptLeft))[0], within(1e-5f));
        assertThat(json.readTree(refused.body()).path("error_type").asString()).isEqualTo("validation");
    }

    @Test
    void tokenIdInputsEmbedLikeTheText() throws Exception {
        int[] ids = miniLm().tokenize("hello world");
        String list = java.util.Arrays.toString(ids);
        JsonNode single = json.readTree(post("/embed", "{\"inputs\": " + list + "}").body());
        JsonNode nested = json.readTree(post("/embed", "{\"inputs\": [" + list + ", " + list + "]}").body());
        float[] expected = engineEmbedding("hello world");
        assertThat(floats(single.get(0))).containsExactly(expected, within(1e-5f));
        assertThat(nested.size()).isEqualTo(2);
        assertThat(floats(nested.get(1))).containsExactly(expected, within(1e-5f));
    }

    @Test
    void errorsHaveTheServiceShape() throws Exception {
        HttpResponse<String> empty = post("/embed", "{\"inputs\": []}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json.readTree(empty.body()).path("error").path("type").asString()).isEqualTo("empty_input");
        assertThat(post("/embed", "{\"inputs\": \"\"}").statusCode()).isEqualTo(400);

        HttpResponse<String> unknown = post("/embed", "{\"inputs\": \"x\", \"model\": \"nope\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json.readTree(unknown.body()).path("error").path("type").asString()).isEqualTo("model_not_found");

        String many = "[" + String.join(",", java.util.Collections.nCopies(33, "\"x\"")) + "]";
        HttpResponse<String> tooMany = post("/embed", "{\"inputs\": " + many + "}");
        assertThat(tooMany.statusCode()).isEqualTo(413);
        assertThat(tooMany.body()).contains("33").contains("32").doesNotContain("Exception");

        HttpResponse<String> notJson = post("/embed", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(post("/predict", "{\"inputs\": \"x\"}").statusCode()).isEqualTo(400); // not a classifier
    }

    @Test
    void embedAllGivesEveryTokensHiddenState() throws Exception {
        JsonNode body = json.readTree(post("/embed_all", "{\"inputs\": \"hello world\"}").body());
        List<float[][]> expected = miniLm().hiddenStates(List.of(miniLm().tokenize("hello world")), null);
        assertThat(body.get(0).size()).isEqualTo(expected.getFirst().length);
        assertThat(floats(body.get(0).get(1))).containsExactly(expected.getFirst()[1], within(1e-5f));
    }

    @Test
    void openAiEmbeddingsWithFloatsAndBase64() throws Exception {
        JsonNode floatsBody = json.readTree(post("/v1/embeddings", "{\"input\": [\"hello world\", \"good night\"]}").body());
        assertThat(floatsBody.path("object").asString()).isEqualTo("list");
        assertThat(floatsBody.path("model").asString()).isEqualTo("all-MiniLM-L6-v2");
        assertThat(floatsBody.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(floatsBody.path("data").get(0).path("object").asString()).isEqualTo("embedding");
        int tokens = miniLm().tokenize("hello world").length + miniLm().tokenize("good night").length;
        assertThat(floatsBody.path("usage").path("prompt_tokens").asInt()).isEqualTo(tokens);
        assertThat(floatsBody.path("usage").path("total_tokens").asInt()).isEqualTo(tokens);
        float[] first = floats(floatsBody.path("data").get(0).path("embedding"));
        assertThat(first).containsExactly(engineEmbedding("hello world"), within(1e-5f));

        JsonNode b64 = json.readTree(post("/v1/embeddings",
                "{\"input\": \"hello world\", \"encoding_format\": \"base64\", \"model\": \"all-MiniLM-L6-v2\"}").body());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64.path("data").get(0).path("embedding").asString()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertThat(decoded).containsExactly(first, within(1e-6f));

        HttpResponse<String> unknown = post("/v1/embeddings", "{\"input\": \"x\", \"model\": \"text-embedding-3-small\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        JsonNode error = json.readTree(unknown.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("model_not_found");
        assertThat(error.has("param")).isTrue();
    }

    @Test
    void rerankPutsTheRelatedTextFirst() throws Exception {
        JsonNode ranked = json.readTree(post("/rerank", """
                {"query": "What is the capital of France?", "return_text": true,
                 "texts": ["Bananas are yellow fruit.", "Paris is the capital of France.", "The stock market fell today."]}
                """).body());
        assertThat(ranked.size()).isEqualTo(3);
        assertThat(ranked.get(0).path("index").asInt()).isEqualTo(1);
        assertThat(ranked.get(0).path("text").asString()).isEqualTo("Paris is the capital of France.");
        assertThat(ranked.get(0).path("score").floatValue()).isGreaterThan(ranked.get(1).path("score").floatValue());
    }

    @Test
    void zeroShotPicksTheObviousLabel() throws Exception {
        JsonNode body = json.readTree(post("/v1/classify",
                "{\"inputs\": \"I love playing football\", \"labels\": [\"cooking\", \"sports\"]}").body());
        JsonNode result = body.path("results").get(0);
        assertThat(result.path("label").asString()).isEqualTo("sports");
        JsonNode labels = result.path("labels");
        assertThat(labels.get(0).path("label").asString()).isEqualTo("sports");
        assertThat(labels.get(0).path("score").floatValue() + labels.get(1).path("score").floatValue()).isCloseTo(1f, within(1e-4f));

        JsonNode multi = json.readTree(post("/v1/classify",
                "{\"inputs\": [\"I love playing football\"], \"labels\": [\"cooking\", \"sports\"], \"multi_label\": true, \"top_k\": 1}").body());
        assertThat(multi.path("results").get(0).path("labels").size()).isEqualTo(1);
        assertThat(multi.path("results").get(0).path("label").asString()).isEqualTo("sports");
        assertThat(post("/v1/classify", "{\"inputs\": [], \"labels\": [\"a\"]}").statusCode()).isEqualTo(400);
        // without labels the default model is no classifier
        assertThat(post("/v1/classify", "{\"inputs\": \"x\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void tokenizeAndDecodeLikeTei() throws Exception {
        JsonNode tokens = json.readTree(post("/tokenize", "{\"inputs\": \"Hello world\"}").body()).get(0);
        assertThat(tokens.get(0).path("text").asString()).isEqualTo("[CLS]");
        assertThat(tokens.get(0).path("special").asBoolean()).isTrue();
        assertThat(tokens.get(0).path("start").isNull()).isTrue();
        assertThat(tokens.get(1).path("text").asString()).isEqualTo("Hello");
        assertThat(tokens.get(1).path("start").asInt()).isZero();
        assertThat(tokens.get(1).path("stop").asInt()).isEqualTo(5);
        assertThat(tokens.get(2).path("id").asInt()).isEqualTo(miniLm().tokenize("Hello world")[2]);

        String ids = java.util.Arrays.toString(miniLm().tokenize("Hello world"));
        JsonNode decoded = json.readTree(post("/decode", "{\"ids\": " + ids + "}").body());
        assertThat(decoded.get(0).asString()).isEqualTo("hello world");
    }

    @Test
    void infoDescribesTheModel() throws Exception {
        JsonNode info = json.readTree(get("/info").body());
        assertThat(info.path("service").asString()).isEqualTo("encoder");
        assertThat(info.path("status").asString()).isEqualTo("ready");
        assertThat(info.path("model_id").asString()).isEqualTo("all-MiniLM-L6-v2");
        assertThat(info.path("max_input_length").asInt()).isEqualTo(512);
        assertThat(info.path("max_client_batch_size").asInt()).isEqualTo(32);
        assertThat(info.path("model_type").path("embedding").path("pooling").asString()).isEqualTo("mean");
        assertThat(info.path("models").get(0).path("hidden_size").asInt()).isEqualTo(384);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus").body()).contains("trident_encoder_tokens");
    }

    @Test
    void springAiEmbeddingModelGivesTheSameVectorsAsEmbed() throws Exception {
        float[] viaHttp = floats(json.readTree(post("/embed", "{\"inputs\": \"Spring meets TEI\"}").body()).get(0));
        EmbeddingResponse response = springAi.call(new EmbeddingRequest(List.of("Spring meets TEI", "second"), null));
        assertThat(response.getResults()).hasSize(2);
        assertThat(response.getResults().getFirst().getOutput()).containsExactly(viaHttp, within(1e-6f));
        assertThat(springAi.embed("Spring meets TEI")).containsExactly(viaHttp, within(1e-6f));
        assertThat(springAi.dimensions()).isEqualTo(384);
    }

    @Test
    void batchEmbedJobRunsOnTheRealModel() throws Exception {
        HttpResponse<String> submitted = post("/v1/batches",
                "{\"task\": \"embed\", \"inputs\": [\"hello world\", \"good night\"], \"parameters\": {\"dimensions\": 8}}");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = json.readTree(submitted.body()).path("id").asString();
        JsonNode status = null;
        for (int i = 0; i < 600; i++) { // a bound, not a timing assertion
            status = json.readTree(get("/v1/batches/" + id).body());
            if (status.path("status").asString().equals("completed")) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(status.path("status").asString()).isEqualTo("completed");
        JsonNode data = json.readTree(get("/v1/batches/" + id + "/results").body()).path("data");
        float[] expected = java.util.Arrays.copyOf(miniLm().embed(List.of(miniLm().tokenize("good night")), null,
                new Pooling(Pooling.Mode.MEAN, false))[0], 8);
        Pooling.l2Normalize(expected);
        assertThat(floats(data.get(1).path("result").path("embedding"))).containsExactly(expected, within(1e-5f));

        HttpResponse<String> refused = post("/v1/batches", "{\"task\": \"ner\", \"inputs\": [\"x\"]}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("token-classification");
        HttpResponse<String> unknownModel = post("/v1/batches", "{\"task\": \"embed\", \"model\": \"nope\", \"inputs\": [\"x\"]}");
        assertThat(unknownModel.statusCode()).isEqualTo(400);
        assertThat(unknownModel.body()).contains("nope");
        HttpResponse<String> noLabels = post("/v1/batches", "{\"task\": \"zero-shot\", \"inputs\": [\"x\"]}");
        assertThat(noLabels.statusCode()).isEqualTo(400);
    }

    @Test
    void batchZeroShotJobGivesTheSameAnswerAsTheEndpoint() throws Exception {
        HttpResponse<String> submitted = post("/v1/batches", """
                {"task": "zero-shot", "inputs": ["I love playing football", "This soup needs more salt"],
                 "parameters": {"labels": ["cooking", "sports"]}}""");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = json.readTree(submitted.body()).path("id").asString();
        for (int i = 0; i < 600 && !json.readTree(get("/v1/batches/" + id).body()).path("status").asString().equals("completed"); i++) {
            Thread.sleep(100);
        }
        JsonNode data = json.readTree(get("/v1/batches/" + id + "/results").body()).path("data");
        assertThat(data.get(0).path("result").path("label").asString()).isEqualTo("sports");
        assertThat(data.get(1).path("result").path("label").asString()).isEqualTo("cooking");
        JsonNode direct = json.readTree(post("/v1/classify",
                "{\"inputs\": \"I love playing football\", \"labels\": [\"cooking\", \"sports\"]}").body());
        assertThat(data.get(0).path("result").path("score").floatValue())
                .isCloseTo(direct.path("results").get(0).path("score").floatValue(), within(1e-5f));
    }

    /** Concurrent requests share the queue's passes; each caller still gets the vectors of its own texts. */
    @Test
    void concurrentRequestsEachGetTheirOwnVectors() throws Exception {
        List<String> texts = java.util.stream.IntStream.range(0, 12)
                .mapToObj(i -> "sentence number " + i + " is " + "quite ".repeat(i) + "long").toList();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> responses = texts.stream().map(t ->
                http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/embed"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"" + t + "\", \"" + t + " too\"]}")).build(),
                        HttpResponse.BodyHandlers.ofString())).toList();
        for (int i = 0; i < texts.size(); i++) {
            JsonNode body = json.readTree(responses.get(i).get().body());
            assertThat(floats(body.get(0))).as(texts.get(i)).containsExactly(engineEmbedding(texts.get(i)), within(1e-4f));
            assertThat(floats(body.get(1))).containsExactly(engineEmbedding(texts.get(i) + " too"), within(1e-4f));
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
