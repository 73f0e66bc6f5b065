package dev.trident.encoder.batch;

import dev.trident.encoder.config.BatchSettings;
import dev.trident.encoder.web.ApiException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import java.util.List;
import java.util.UUID;

/** Submitting, reading and cancelling batch jobs; the work itself is done by {@link BatchWorker}s. */
@Service
public class BatchJobService {

    private final BatchJobRepository jobs;
    private final ObjectProvider<BatchTaskRunner> runner;
    private final BatchSettings settings;
    private final ObjectMapper json;

    public BatchJobService(BatchJobRepository jobs, ObjectProvider<BatchTaskRunner> runner, BatchSettings settings, ObjectMapper json) {
        this.jobs = jobs;
        this.runner = runner;
        this.settings = settings;
        this.json = json;
    }

    /** Validates everything that can be known up front, then stores the job whole (or not at all). */
    public BatchJobView submit(String taskName, String model, JsonNode parameters, List<String> inputs) {
        return submit(null, taskName, model, parameters, inputs);
    }

    /**
     * As above, for {@code team} (the gateway's {@code X-Trident-Team}); a job with a team is visible only to that
     * team. Null: a call from inside the deployment, which sees every job.
     */
    public BatchJobView submit(String team, String taskName, String model, JsonNode parameters, List<String> inputs) {
        if (taskName == null) {
            throw ApiException.badRequest("invalid_request", "'task' is required; known tasks: " + BatchTask.known());
        }
        BatchTask task;
        try {
            task = BatchTask.fromWire(taskName);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_request", e.getMessage());
        }
        if (inputs == null || inputs.isEmpty()) {
            throw ApiException.badRequest("empty_input", "a batch job needs at least one input");
        }
        if (inputs.size() > settings.maxItems()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "too_many_inputs",
                    "a batch job holds at most " + settings.maxItems() + " inputs; got " + inputs.size());
        }
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            if (text == null || text.isBlank()) {
                throw ApiException.badRequest("empty_input", "input " + i + " is empty");
            }
            if (text.indexOf('\u0000') >= 0) {
                throw ApiException.badRequest("invalid_request", "input " + i + " contains a NUL character");
            }
        }
        JsonNode params = parameters == null || parameters.isNull() ? JsonNodeFactory.instance.objectNode() : parameters;
        if (!params.isObject()) {
            throw ApiException.badRequest("invalid_request", "'parameters' must be a JSON object");
        }
        BatchTaskRunner available = runner.getIfAvailable();
        if (available == null) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "model_not_loaded", "no model is loaded to run batch jobs");
        }
        try {
            available.validate(task, model, params);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_request", e.getMessage());
        }
        UUID id = UUID.randomUUID();
        jobs.create(id, team, task, model, json.writeValueAsString(params), inputs, settings.chunkSize());
        return get(id);
    }

    public BatchJobView get(UUID id) {
        return get(id, null);
    }

    /** The job, if {@code team} may see it (another team's job is "not found", as if it did not exist). */
    public BatchJobView get(UUID id, String team) {
        return jobs.find(id, team).orElseThrow(() -> notFound(id));
    }

    public BatchJobView cancel(UUID id) {
        return cancel(id, null);
    }

    public BatchJobView cancel(UUID id, String team) {
        get(id, team);
        return jobs.cancel(id).orElseThrow(() -> notFound(id));
    }

    public List<BatchResultRow> results(UUID id, int offset, int limit) {
        return results(id, null, offset, limit);
    }

    public List<BatchResultRow> results(UUID id, String team, int offset, int limit) {
        get(id, team);
        return jobs.results(id, offset, limit);
    }

    public void streamResults(UUID id, java.util.function.Consumer<BatchResultRow> consumer) {
        streamResults(id, null, consumer);
    }

    public void streamResults(UUID id, String team, java.util.function.Consumer<BatchResultRow> consumer) {
        get(id, team);
        jobs.streamResults(id, consumer);
    }

    private static ApiException notFound(UUID id) {
        return new ApiException(HttpStatus.NOT_FOUND, "batch_not_found", "no batch job " + id);
    }
}
