package dev.trident.encoder.batch;

import tools.jackson.databind.JsonNode;

import java.util.List;

/** Runs one chunk of a batch job on a model. The encoder's inference layer provides it. */
public interface BatchTaskRunner {

    /**
     * Checked when the job is submitted, so that a job never fails later for a reason known up front (unknown model,
     * a task the model cannot do, bad parameters). Throws {@link IllegalArgumentException} with the reason.
     */
    void validate(BatchTask task, String model, JsonNode parameters);

    /** One result per input, in order. */
    List<JsonNode> run(BatchTask task, String model, JsonNode parameters, List<String> inputs);
}
