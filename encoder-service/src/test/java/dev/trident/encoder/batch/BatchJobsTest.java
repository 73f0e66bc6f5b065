package dev.trident.encoder.batch;

import dev.trident.encoder.config.BatchSettings;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch jobs on real PostgreSQL. The REST layer and the job tables are the real ones; the model is replaced by a
 * transparent stand-in ({@link LengthRunner}: the length of each text) because what is under test is durability —
 * every input answered exactly once, in order, across crashes, restarts and several replicas. The application's
 * own workers are off ({@code workers=0}); each test runs "replicas" as {@link BatchWorker}s it controls.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"trident.batch.workers=0", "trident.batch.chunk-size=16"})
class BatchJobsTest {

    @TestConfiguration
    static class StandInModel {
        @Bean
        @org.springframework.context.annotation.Primary // over the real runner: these tests are about the job machinery
        BatchTaskRunner lengthRunner() {
            return new LengthRunner();
        }
    }

    /** result = {"length": n}; an input "fail" makes its whole chunk fail; "unknown-model" is refused at submission. */
    static final class LengthRunner implements BatchTaskRunner {
        @Override
        public void validate(BatchTask task, String model, JsonNode parameters) {
            if ("unknown-model".equals(model)) {
                throw new IllegalArgumentException("unknown model 'unknown-model'");
            }
        }

        @Override
        public List<JsonNode> run(BatchTask task, String model, JsonNode parameters, List<String> inputs) {
            if (inputs.contains("fail")) {
                throw new IllegalStateException("the model failed on this chunk");
            }
            return inputs.stream().<JsonNode>map(t -> JsonNodeFactory.instance.objectNode().put("length", t.length())).toList();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    BatchJobRepository jobs;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ObjectMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyInputIsAnsweredOnceInOrderAndResultsPageAndStream() throws Exception {
        List<String> inputs = IntStream.range(0, 100).mapToObj(i -> "text number " + i + "x".repeat(i % 7)).toList();
        UUID id = submit(inputs);
        assertThat(status(id).path("status").asString()).isEqualTo("queued");

        try (Replica replica = new Replica("replica-a", Duration.ofSeconds(30))) {
            JsonNode done = awaitStatus(id, "completed");
            assertThat(done.path("counts").path("completed").asInt()).isEqualTo(100);
            assertThat(done.path("progress").asDouble()).isEqualTo(1.0);
        }

        JsonNode page = get("/v1/batches/" + id + "/results?offset=90&limit=50");
        assertThat(page.path("total").asInt()).isEqualTo(100);
        assertThat(page.path("has_more").asBoolean()).isFalse();
        assertThat(page.path("data").size()).isEqualTo(10);
        assertThat(page.path("data").get(0).path("index").asInt()).isEqualTo(90);
        assertThat(page.path("data").get(0).path("result").path("length").asInt()).isEqualTo(inputs.get(90).length());

        String[] lines = send(HttpRequest.newBuilder(uri("/v1/batches/" + id + "/results?format=jsonl")).GET()).body().split("\n");
        assertThat(lines).hasSize(100);
        for (int i = 0; i < lines.length; i++) {
            JsonNode line = json.readTree(lines[i]);
            assertThat(line.path("index").asInt()).isEqualTo(i);
            assertThat(line.path("result").path("length").asInt()).isEqualTo(inputs.get(i).length());
        }
        assertThat(jdbc.queryForObject("SELECT max(attempts) FROM batch_chunk WHERE job_id = ?", Integer.class, id)).isEqualTo(1);
    }

    @Test
    void aCrashedReplicasChunkIsTakenOverAfterItsLeaseAndCountedOnce() throws Exception {
        UUID id = submit(IntStream.range(0, 40).mapToObj(i -> "item " + i).toList());
        ChunkClaim abandoned = jobs.claim("crashed-replica", Duration.ofMillis(300)).orElseThrow();

        try (Replica survivor = new Replica("survivor", Duration.ofSeconds(30))) {
            awaitStatus(id, "completed");
        }
        // The crashed replica comes back to life and tries to finish its chunk: it is no longer its own.
        assertThat(jobs.complete(abandoned, "crashed-replica", List.of(), "late")).isFalse();

        JsonNode job = status(id);
        assertThat(job.path("counts").path("completed").asInt()).isEqualTo(40);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_item WHERE job_id = ? AND result IS NOT NULL", Integer.class, id)).isEqualTo(40);
        assertThat(jdbc.queryForObject("SELECT attempts FROM batch_chunk WHERE job_id = ? AND chunk_no = ?", Integer.class,
                id, abandoned.chunkNo())).isEqualTo(2);
    }

    @Test
    void aReplicaRestartedUnderItsIdResumesItsChunkAtOnce() throws Exception {
        UUID id = submit(IntStream.range(0, 20).mapToObj(i -> "item " + i).toList());
        // The replica died holding a chunk with a long lease; restarting under the same id must not wait for it.
        jobs.claim("replica-7", Duration.ofMinutes(10)).orElseThrow();
        try (Replica restarted = new Replica("replica-7", Duration.ofMinutes(10))) {
            assertThat(awaitStatus(id, "completed").path("counts").path("completed").asInt()).isEqualTo(20);
        }
    }

    @Test
    void twoReplicasShareTheWorkWithoutDoingAnyChunkTwice() throws Exception {
        UUID id = submit(IntStream.range(0, 320).mapToObj(i -> "shared " + i).toList());
        try (Replica a = new Replica("replica-a", Duration.ofSeconds(30)); Replica b = new Replica("replica-b", Duration.ofSeconds(30))) {
            awaitStatus(id, "completed");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_chunk WHERE job_id = ? AND status = 'done'", Integer.class, id)).isEqualTo(20);
        assertThat(jdbc.queryForObject("SELECT max(attempts) FROM batch_chunk WHERE job_id = ?", Integer.class, id)).isEqualTo(1);
        assertThat(status(id).path("counts").path("completed").asInt()).isEqualTo(320);
    }

    @Test
    void aFailingChunkMarksItsItemsFailedAndTheJobGoesOn() throws Exception {
        List<String> inputs = new ArrayList<>(IntStream.range(0, 32).mapToObj(i -> "ok " + i).toList());
        inputs.set(20, "fail");
        UUID id = submit(inputs);
        try (Replica replica = new Replica("replica-f", Duration.ofSeconds(30))) {
            JsonNode done = awaitStatus(id, "completed");
            assertThat(done.path("counts").path("completed").asInt()).isEqualTo(16);
            assertThat(done.path("counts").path("failed").asInt()).isEqualTo(16);
        }
        JsonNode item = get("/v1/batches/" + id + "/results?offset=17&limit=1").path("data").get(0);
        assertThat(item.path("result").isNull()).isTrue();
        assertThat(item.path("error").asString()).contains("the model failed");
    }

    @Test
    void cancelledJobIsNotWorkedOn() throws Exception {
        UUID id = submit(List.of("a", "b", "c"));
        HttpResponse<String> cancelled = send(HttpRequest.newBuilder(uri("/v1/batches/" + id)).DELETE());
        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(json.readTree(cancelled.body()).path("status").asString()).isEqualTo("cancelled");
        try (Replica replica = new Replica("replica-c", Duration.ofSeconds(30))) {
            Thread.sleep(300);
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_chunk WHERE job_id = ? AND status <> 'cancelled'", Integer.class, id)).isZero();
        assertThat(status(id).path("counts").path("completed").asInt()).isZero();
    }

    @Test
    void uploadedJsonlIsAJobToo() throws Exception {
        String boundary = "trident-" + UUID.randomUUID();
        String jsonl = "\"first text\"\n\n{\"text\": \"second text\"}\n";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\nembed\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/x-ndjson\r\n\r\n" + jsonl + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/batches"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode job = json.readTree(response.body());
        assertThat(job.path("task").asString()).isEqualTo("embed");
        assertThat(job.path("counts").path("total").asInt()).isEqualTo(2);
    }

    @Test
    void badSubmissionsAreRefusedWithoutWritingAnything() throws Exception {
        int before = jdbc.queryForObject("SELECT count(*) FROM batch_job", Integer.class);
        assertError(post("{\"task\":\"classify\",\"inputs\":[]}"), 400, "empty_input");
        assertError(post("{\"task\":\"juggle\",\"inputs\":[\"a\"]}"), 400, "invalid_request");
        assertError(post("{\"task\":\"classify\",\"inputs\":[\"a\", \"\"]}"), 400, "empty_input");
        assertError(post("{\"task\":\"classify\",\"model\":\"unknown-model\",\"inputs\":[\"a\"]}"), 400, "invalid_request");
        assertError(post("{\"task\":\"classify\",\"inputs\":[\"a\"],\"parameters\":[1]}"), 400, "invalid_request");
        assertError(post("{not json"), 400, "invalid_request");
        StringBuilder tooMany = new StringBuilder("{\"task\":\"classify\",\"inputs\":[");
        for (int i = 0; i <= 100_000; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"a\"");
        }
        assertError(post(tooMany.append("]}").toString()), 413, "too_many_inputs");
        assertError(send(HttpRequest.newBuilder(uri("/v1/batches/" + UUID.randomUUID())).GET()), 404, "batch_not_found");
        assertError(send(HttpRequest.newBuilder(uri("/v1/batches/not-a-uuid")).GET()), 404, "batch_not_found");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job", Integer.class)).isEqualTo(before);
    }

    /** A replica's batch worker, stopped at the end of the block. */
    private final class Replica implements AutoCloseable {
        private final BatchWorker worker;

        Replica(String id, Duration lease) {
            worker = new BatchWorker(jobs, new LengthRunner(),
                    new BatchSettings(100_000, 16, 1, lease, Duration.ofMillis(20), id), id, json);
            worker.start();
        }

        @Override
        public void close() {
            worker.stop();
        }
    }

    @Test
    void aTeamSeesOnlyItsOwnJobs() throws Exception {
        HttpResponse<String> submitted = send(HttpRequest.newBuilder(uri("/v1/batches"))
                .header("Content-Type", "application/json").header("X-Trident-Team", "team-a")
                .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"classify\",\"inputs\":[\"one\",\"two\"]}")));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        UUID id = UUID.fromString(json.readTree(submitted.body()).path("id").asString());
        assertThat(jdbc.queryForObject("SELECT team FROM batch_job WHERE id = ?", String.class, id)).isEqualTo("team-a");

        for (String path : List.of("/v1/batches/" + id, "/v1/batches/" + id + "/results", "/v1/batches/" + id + "/results?format=jsonl")) {
            HttpResponse<String> own = send(HttpRequest.newBuilder(uri(path)).header("X-Trident-Team", "team-a").GET());
            assertThat(own.statusCode()).as(path).isEqualTo(200);
            HttpResponse<String> other = send(HttpRequest.newBuilder(uri(path)).header("X-Trident-Team", "team-b").GET());
            assertError(other, 404, "batch_not_found");
        }
        HttpResponse<String> cancelByOther = send(HttpRequest.newBuilder(uri("/v1/batches/" + id))
                .header("X-Trident-Team", "team-b").DELETE());
        assertError(cancelByOther, 404, "batch_not_found");
        assertThat(status(id).path("status").asString()).as("untouched by the other team").isEqualTo("queued");
        // Its own team may cancel it (which also keeps this job from being claimed by the other tests' replicas).
        HttpResponse<String> cancelled = send(HttpRequest.newBuilder(uri("/v1/batches/" + id))
                .header("X-Trident-Team", "team-a").DELETE());
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(status(id).path("status").asString()).isEqualTo("cancelled");
    }

    private UUID submit(List<String> inputs) throws Exception {
        HttpResponse<String> response = post(json.writeValueAsString(java.util.Map.of("task", "classify", "inputs", inputs)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return UUID.fromString(json.readTree(response.body()).path("id").asString());
    }

    private JsonNode awaitStatus(UUID id, String wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode job = status(id);
        while (!job.path("status").asString().equals(wanted) && System.nanoTime() < deadline) {
            Thread.sleep(25);
            job = status(id);
        }
        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo(wanted);
        return job;
    }

    private JsonNode status(UUID id) throws Exception {
        return get("/v1/batches/" + id);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return send(HttpRequest.newBuilder(uri("/v1/batches")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private void assertError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json.readTree(response.body()).path("error").path("type").asString()).isEqualTo(type);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
