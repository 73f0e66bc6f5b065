package dev.trident.encoder.inference;

import dev.trident.encoder.batch.BatchTask;
import dev.trident.encoder.batch.BatchTaskRunner;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.web.ApiException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Batch jobs on the served models, through the same {@link EncoderService} calls (and queues) as the endpoints.
 * Parameters: classify {@code top_k}, {@code multi_label}; zero-shot {@code labels}, {@code hypothesis_template},
 * {@code multi_label}, {@code top_k}; embed {@code normalize}, {@code dimensions}; ner {@code aggregation_strategy},
 * {@code ignore_labels}. Every task takes {@code truncate} (default true: a long text in a big job is cut rather than
 * failing its chunk).
 */
@Component
public class EncoderBatchTaskRunner implements BatchTaskRunner {

    private final EncoderService service;
    private final ObjectMapper json;

    public EncoderBatchTaskRunner(EncoderService service, ObjectMapper json) {
        this.service = service;
        this.json = json;
    }

    @Override
    public void validate(BatchTask task, String model, JsonNode parameters) {
        EncoderModel m;
        try {
            m = service.model(model).model();
        } catch (ApiException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        JsonNode p = parameters == null ? json.createObjectNode() : parameters;
        if (!p.isObject()) {
            throw new IllegalArgumentException("'parameters' must be an object");
        }
        if (m.tokenizer() == null) {
            throw new IllegalArgumentException("model '" + model + "' has no tokenizer: batch jobs take texts");
        }
        positiveOrAbsent(p, "top_k");
        switch (task) {
            case CLASSIFY -> require(m.task() == EncoderTask.SEQUENCE_CLASSIFICATION, "classify needs a sequence-classification model");
            case EMBED -> {
                positiveOrAbsent(p, "dimensions");
                if (p.has("dimensions") && p.get("dimensions").asInt() > m.hiddenSize()) {
                    throw new IllegalArgumentException("dimensions must be at most " + m.hiddenSize());
                }
            }
            case NER -> {
                require(m.task() == EncoderTask.TOKEN_CLASSIFICATION, "ner needs a token-classification model");
                NerAggregation.Strategy.of(p.path("aggregation_strategy").asString("simple"));
            }
            case ZERO_SHOT -> {
                JsonNode labels = p.path("labels");
                require(labels.isArray() && !labels.isEmpty(), "zero-shot needs parameters.labels, a non-empty list");
                require(m.task() == EncoderTask.EMBEDDING || m.task() == EncoderTask.SEQUENCE_CLASSIFICATION
                        && m.labels().stream().anyMatch(l -> l.toLowerCase().startsWith("entail")),
                        "zero-shot needs an embedding model or an NLI classifier with an 'entailment' label");
                String template = p.path("hypothesis_template").asString(EncoderService.DEFAULT_HYPOTHESIS);
                require(template.contains("{}"), "hypothesis_template must contain {}");
            }
        }
    }

    @Override
    public List<JsonNode> run(BatchTask task, String model, JsonNode parameters, List<String> inputs) {
        JsonNode p = parameters == null ? json.createObjectNode() : parameters;
        boolean truncate = p.path("truncate").asBoolean(true);
        Integer topK = p.has("top_k") ? p.get("top_k").asInt() : null;
        List<JsonNode> out = new ArrayList<>();
        // The service's per-request limit applies to each call: a chunk is sent in slices of that size.
        int slice = service.settings().maxClientBatchSize();
        for (int from = 0; from < inputs.size(); from += slice) {
            List<String> part = inputs.subList(from, Math.min(inputs.size(), from + slice));
            switch (task) {
                case CLASSIFY -> service.predict(model, part.stream().map(List::of).toList(), truncate, false,
                        p.has("multi_label") ? p.get("multi_label").asBoolean() : null, topK).value()
                        .forEach(labels -> out.add(labels(labels)));
                case ZERO_SHOT -> {
                    List<String> labels = new ArrayList<>();
                    p.path("labels").forEach(l -> labels.add(l.asString()));
                    service.zeroShot(model, part, labels, p.path("hypothesis_template").asString(null),
                            p.path("multi_label").asBoolean(false), topK, truncate).value().forEach(l -> out.add(labels(l)));
                }
                case EMBED -> {
                    Integer dimensions = p.has("dimensions") ? p.get("dimensions").asInt() : null;
                    for (float[] v : service.embed(model, part.stream().map(Input::text).toList(),
                            p.path("normalize").asBoolean(true), truncate, dimensions).value()) {
                        ObjectNode row = json.createObjectNode();
                        ArrayNode embedding = row.putArray("embedding");
                        for (float f : v) {
                            embedding.add(f);
                        }
                        out.add(row);
                    }
                }
                case NER -> {
                    Set<String> ignore = new HashSet<>(List.of("O"));
                    if (p.has("ignore_labels")) {
                        ignore.clear();
                        p.get("ignore_labels").forEach(l -> ignore.add(l.asString()));
                    }
                    for (List<NerAggregation.Entity> entities : service.ner(model, part,
                            NerAggregation.Strategy.of(p.path("aggregation_strategy").asString("simple")), ignore, truncate).value()) {
                        ObjectNode row = json.createObjectNode();
                        row.set("entities", json.valueToTree(entities.stream().map(EncoderBatchTaskRunner::entity).toList()));
                        out.add(row);
                    }
                }
            }
        }
        return out;
    }

    /** An entity as /v1/ner writes it. */
    public static java.util.Map<String, Object> entity(NerAggregation.Entity e) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        if (e.entity() != null) {
            m.put("entity", e.entity());
        } else {
            m.put("entity_group", e.entityGroup());
        }
        m.put("score", e.score());
        if (e.index() != null) {
            m.put("index", e.index());
        }
        m.put("word", e.word());
        m.put("start", e.start());
        m.put("end", e.end());
        return m;
    }

    private ObjectNode labels(List<EncoderService.Label> labels) {
        ObjectNode row = json.createObjectNode();
        ArrayNode list = row.putArray("labels");
        for (EncoderService.Label l : labels) {
            list.addObject().put("label", l.label()).put("score", l.score());
        }
        if (!labels.isEmpty()) {
            row.put("label", labels.getFirst().label());
            row.put("score", labels.getFirst().score());
        }
        return row;
    }

    private static void positiveOrAbsent(JsonNode p, String name) {
        if (p.has(name) && (!p.get(name).isInt() || p.get(name).asInt() < 1)) {
            throw new IllegalArgumentException(name + " must be a positive integer");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
