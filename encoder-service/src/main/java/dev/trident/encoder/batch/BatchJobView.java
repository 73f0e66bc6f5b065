package dev.trident.encoder.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A job as clients see it: status, progress, counts and timings. */
public record BatchJobView(UUID id, String task, String model, String status, int totalItems, int completedItems,
                           int failedItems, Instant createdAt, Instant startedAt, Instant finishedAt, String error) {

    public boolean isTerminal() {
        return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }

    /** The JSON body of {@code GET /v1/batches/{id}}. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id.toString());
        json.put("object", "batch");
        json.put("task", task);
        json.put("model", model);
        json.put("status", status);
        json.put("progress", totalItems == 0 ? 0.0 : (double) (completedItems + failedItems) / totalItems);
        json.put("counts", Map.of("total", totalItems, "completed", completedItems, "failed", failedItems));
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("created_at", createdAt.toString());
        timings.put("started_at", startedAt == null ? null : startedAt.toString());
        timings.put("finished_at", finishedAt == null ? null : finishedAt.toString());
        if (startedAt != null) {
            Duration running = Duration.between(startedAt, finishedAt == null ? Instant.now() : finishedAt);
            timings.put("running_seconds", running.toMillis() / 1000.0);
            double seconds = Math.max(running.toMillis(), 1) / 1000.0;
            timings.put("items_per_second", (completedItems + failedItems) / seconds);
        }
        json.put("timings", timings);
        if (error != null) {
            json.put("error", error);
        }
        return json;
    }
}
