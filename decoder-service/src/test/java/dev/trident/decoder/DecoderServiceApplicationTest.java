package dev.trident.decoder;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole application on a real port (and, where it has one, its real PostgreSQL schema). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DecoderServiceApplicationTest {

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void reportsHealthyAndExposesPrometheusMetrics() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json.readTree(health.body()).path("status").asString()).isEqualTo("UP");

        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("trident_decoder_batch_sequences");
    }

    @Test
    void unknownPathGivesJsonErrorWithStableType() throws Exception {
        HttpResponse<String> response = get("/no/such/endpoint");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("not_found");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("<html");
    }

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void flywayOwnsThisServiceSchema() {
        Integer histories = jdbc.queryForObject(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'decoder' AND table_name = 'flyway_schema_history'",
                Integer.class);
        assertThat(histories).isEqualTo(1);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
