package dev.trident.encoder.web;

import dev.trident.encoder.batch.BatchJobService;
import dev.trident.encoder.batch.BatchJobView;
import dev.trident.encoder.batch.BatchResultRow;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Durable batch jobs: {@code POST /v1/batches} (inputs as a JSON array, or an uploaded JSONL file),
 * {@code GET /v1/batches/{id}} (status, progress, counts, timings), {@code GET /v1/batches/{id}/results} (paged JSON,
 * or all of it streamed as JSONL), {@code DELETE /v1/batches/{id}} (cancel). Through the gateway, jobs belong to the
 * caller's team ({@code X-Trident-Team}) and other teams' jobs are "not found".
 */
@RestController
public class BatchController {

    /** Set by the gateway from the caller's API key (clients' own values are stripped there). */
    static final String TEAM_HEADER = "X-Trident-Team";
    static final MediaType JSONL = MediaType.parseMediaType("application/x-ndjson");
    private static final int MAX_PAGE = 1000;

    private final BatchJobService batches;
    private final ObjectMapper json;

    public BatchController(BatchJobService batches, ObjectMapper json) {
        this.batches = batches;
        this.json = json;
    }

    /** {@code {"task": "classify", "model": "...", "inputs": ["...", {"text": "..."}], "parameters": {...}}}. */
    @PostMapping(path = "/v1/batches", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> submit(@RequestBody JsonNode body, @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        if (!body.isObject()) {
            throw ApiException.badRequest("invalid_request", "request body must be a JSON object");
        }
        JsonNode inputs = body.path("inputs");
        if (!inputs.isArray()) {
            throw ApiException.badRequest("invalid_request", "'inputs' must be an array of texts");
        }
        List<String> texts = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            texts.add(textOf(inputs.get(i), "input " + i));
        }
        BatchJobView job = batches.submit(team, stringOrNull(body, "task"), stringOrNull(body, "model"), body.get("parameters"), texts);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(job.toJson());
    }

    /** Multipart: {@code file} (JSONL, one text or {"text": ...} per line), {@code task}, {@code model}, {@code parameters}. */
    @PostMapping(path = "/v1/batches", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<Map<String, Object>> upload(@RequestPart("file") MultipartFile file,
                                                      @RequestParam("task") String task,
                                                      @RequestParam(name = "model", required = false) String model,
                                                      @RequestParam(name = "parameters", required = false) String parameters,
                                                      @RequestHeader(name = TEAM_HEADER, required = false) String team) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(file.getInputStream(), StandardCharsets.UTF_8))) {
            int number = 0;
            for (String line; (line = lines.readLine()) != null; ) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                texts.add(textOf(parse(line, "line " + number + " of the uploaded file"), "line " + number));
            }
        }
        JsonNode params = parameters == null || parameters.isBlank() ? null : parse(parameters, "'parameters'");
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(batches.submit(team, task, model, params, texts).toJson());
    }

    @GetMapping("/v1/batches/{id}")
    public Map<String, Object> status(@PathVariable String id, @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        return batches.get(uuid(id), team).toJson();
    }

    @DeleteMapping("/v1/batches/{id}")
    public Map<String, Object> cancel(@PathVariable String id, @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        return batches.cancel(uuid(id), team).toJson();
    }

    /** A page of results, in input order. */
    @GetMapping("/v1/batches/{id}/results")
    public Map<String, Object> results(@PathVariable String id,
                                       @RequestParam(defaultValue = "0") int offset,
                                       @RequestParam(defaultValue = "100") int limit,
                                       @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        UUID job = uuid(id);
        if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
            throw ApiException.badRequest("invalid_request", "offset must be >= 0 and limit between 1 and " + MAX_PAGE);
        }
        BatchJobView view = batches.get(job, team);
        List<Map<String, Object>> data = batches.results(job, team, offset, limit).stream().map(this::toJson).toList();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("object", "list");
        page.put("batch_id", job.toString());
        page.put("status", view.status());
        page.put("offset", offset);
        page.put("limit", limit);
        page.put("total", view.totalItems());
        page.put("has_more", offset + data.size() < view.totalItems());
        page.put("data", data);
        return page;
    }

    /** Every result, one JSON object per line, streamed from the database ({@code ?format=jsonl}). */
    @GetMapping(path = "/v1/batches/{id}/results", params = "format=jsonl")
    public ResponseEntity<StreamingResponseBody> resultsAsJsonl(@PathVariable String id, @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        UUID job = uuid(id);
        BatchJobView view = batches.get(job, team);
        StreamingResponseBody stream = out -> batches.streamResults(job, team, row -> writeLine(out, row));
        return ResponseEntity.ok().contentType(JSONL).header("X-Batch-Status", view.status()).body(stream);
    }

    /** The same, chosen by {@code Accept: application/x-ndjson}. */
    @GetMapping(path = "/v1/batches/{id}/results", produces = "application/x-ndjson")
    public ResponseEntity<StreamingResponseBody> resultsAsNdjson(@PathVariable String id, @RequestHeader(name = TEAM_HEADER, required = false) String team) {
        return resultsAsJsonl(id, team);
    }

    private Map<String, Object> toJson(BatchResultRow row) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("index", row.index());
        item.put("input", row.input());
        item.put("result", row.resultJson() == null ? null : json.readTree(row.resultJson()));
        item.put("error", row.error());
        return item;
    }

    private void writeLine(OutputStream out, BatchResultRow row) {
        try {
            out.write(json.writeValueAsBytes(toJson(row)));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode parse(String text, String what) {
        try {
            return json.readTree(text);
        } catch (JacksonException e) {
            throw ApiException.badRequest("invalid_request", what + " is not valid JSON");
        }
    }

    private static String textOf(JsonNode node, String what) {
        if (node.isString()) {
            return node.asString();
        }
        if (node.isObject() && node.path("text").isString()) {
            return node.path("text").asString();
        }
        throw ApiException.badRequest("invalid_request", what + " must be a string or an object with a \"text\" string");
    }

    private static String stringOrNull(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be a string");
        }
        return value.asString();
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, "batch_not_found", "no batch job " + id);
        }
    }
}
