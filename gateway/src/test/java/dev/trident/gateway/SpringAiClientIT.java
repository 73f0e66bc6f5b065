package dev.trident.gateway;

import dev.trident.gateway.security.ApiKeyStore;
import dev.trident.springaiclient.SpringAiClientApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real client: a Spring Boot application using Spring AI's OpenAI starter, {@code spring.ai.openai.base-url}
 * pointing at the gateway with {@code /v1} (the OpenAI SDK under Spring AI appends {@code chat/completions} and
 * {@code embeddings} to it), with a team key as its API key. It chats with the real decoder (streaming and not) and
 * embeds with the real encoder through the gateway; the answers are checked against direct calls to the services:
 * greedy generation gives the same text, the embedding the same vector.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringAiClientIT {

    /** The services' default models (decoder-service and encoder-service application.yml). */
    static final String CHAT_MODEL = "stories260K";
    static final String EMBEDDING_MODEL = "all-MiniLM-L6-v2";
    static final String PROMPT = "Once upon a time";
    static final int MAX_TOKENS = 24;

    private static Map<String, ServiceProcess> services;

    @DynamicPropertySource
    static void startTheServices(DynamicPropertyRegistry registry) throws Exception {
        services = SuiteServices.obtain();
        SuiteServices.register(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    ApiKeyStore keys;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    private static ConfigurableApplicationContext client;
    private static TestKeys.Key key;
    private final HttpClient http = HttpClient.newHttpClient();


    @AfterAll
    static void stopClient() {
        if (client != null) {
            client.close();
        }
    }

    private ConfigurableApplicationContext client() {
        if (client == null) {
            key = TestKeys.newTeamKey(keys, "spring-ai");
            client = new SpringApplicationBuilder(SpringAiClientApplication.class)
                    .web(WebApplicationType.NONE)
                    .run("--spring.main.banner-mode=off",
                            "--spring.ai.model.chat=openai",
                            "--spring.ai.model.embedding=openai",
                            "--spring.ai.openai.base-url=http://127.0.0.1:" + port + "/v1",
                            "--spring.ai.openai.api-key=" + key.secret(),
                            "--spring.ai.openai.chat.model=" + CHAT_MODEL,
                            "--spring.ai.openai.chat.temperature=0",
                            "--spring.ai.openai.chat.max-tokens=" + MAX_TOKENS,
                            "--spring.ai.openai.embedding.model=" + EMBEDDING_MODEL,
                            "--spring.cloud.gateway.server.webflux.enabled=false",
                            "--server.port=0",
                            "--management.server.port=-1");
        }
        return client;
    }

    @Test
    void chatThroughTheGatewayGivesTheDecodersGreedyAnswer() throws Exception {
        String direct = directChat();
        assertThat(direct).isNotBlank();

        ChatModel chat = client().getBean(ChatModel.class);
        ChatResponse answer = chat.call(new Prompt(PROMPT));
        assertThat(answer.getResult().getOutput().getText()).isEqualTo(direct);
        assertThat(answer.getMetadata().getUsage().getPromptTokens()).isPositive();

        String streamed = chat.stream(new Prompt(PROMPT))
                .map(chunk -> chunk.getResult() == null || chunk.getResult().getOutput().getText() == null
                        ? "" : chunk.getResult().getOutput().getText())
                .collect(Collectors.joining())
                .block(Duration.ofSeconds(120));
        assertThat(streamed).isEqualTo(direct);

        List<Map<String, Object>> rows = awaitRows("chat", 2);
        for (Map<String, Object> row : rows) {
            assertThat(row.get("status")).isEqualTo(200);
            assertThat(row.get("model")).isEqualTo(CHAT_MODEL);
            assertThat(row.get("key_id")).isEqualTo(key.id());
        }
        assertThat(rows).anySatisfy(row -> assertThat((Integer) row.get("completion_tokens")).isPositive());
    }

    @Test
    void embeddingThroughTheGatewayIsTheEncodersVector() throws Exception {
        float[] direct = directEmbedding("the gateway in front of the encoder");
        EmbeddingModel embedding = client().getBean(EmbeddingModel.class);
        float[] viaGateway = embedding.embed("the gateway in front of the encoder");
        assertThat(viaGateway).hasSize(direct.length).hasSize(384);
        for (int i = 0; i < direct.length; i++) {
            assertThat(viaGateway[i]).as("component %d", i).isCloseTo(direct[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
        List<Map<String, Object>> rows = awaitRows("embed", 1);
        assertThat(rows.getFirst().get("model")).isEqualTo(EMBEDDING_MODEL);
        assertThat((Integer) rows.getFirst().get("prompt_tokens")).isPositive();
    }

    private String directChat() throws Exception {
        String body = json.writeValueAsString(Map.of("model", CHAT_MODEL, "temperature", 0, "max_tokens", MAX_TOKENS,
                "messages", List.of(Map.of("role", "user", "content", PROMPT))));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(services.get("decoder").url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).path("choices").get(0).path("message").path("content").asString();
    }

    private float[] directEmbedding(String text) throws Exception {
        String body = json.writeValueAsString(Map.of("model", EMBEDDING_MODEL, "input", text));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(services.get("encoder").url().resolve("/v1/embeddings"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode vector = json.readTree(response.body()).path("data").get(0).path("embedding");
        float[] values = new float[vector.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) vector.get(i).asDouble();
        }
        return values;
    }

    /** The client's request_log rows of {@code task}, once at least {@code count} are written. */
    private List<Map<String, Object>> awaitRows(String task, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Map<String, Object>> rows;
        do {
            rows = jdbc.queryForList("SELECT * FROM request_log WHERE team = ? AND task = ? ORDER BY received_at",
                    key.team(), task);
            if (rows.size() >= count) {
                return rows;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + count + " request_log rows of " + task + " for " + key.team() + ", got " + rows);
    }

}
