package dev.trident.encoder.web;

import dev.trident.encoder.inference.EncoderBatchTaskRunner;
import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.inference.EncoderService.Fill;
import dev.trident.encoder.inference.EncoderService.Label;
import dev.trident.encoder.inference.EncoderService.Result;
import dev.trident.encoder.inference.NerAggregation;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The service's own task endpoints: {@code /v1/classify} (a classifier, or zero-shot with {@code labels}),
 * {@code /v1/ner}, {@code /v1/fill-mask}. Each answers {@code {"model", "results": [one per input]}}.
 */
@RestController
public class TaskController {

    private final EncoderService service;

    public TaskController(EncoderService service) {
        this.service = service;
    }

    /**
     * {@code inputs}, {@code model}, {@code top_k}, {@code multi_label}; with {@code labels} (and optionally
     * {@code hypothesis_template}) zero-shot. Each result: {@code {"label", "score", "labels": [{label, score}]}},
     * sorted by score.
     */
    @PostMapping("/v1/classify")
    public ResponseEntity<Map<String, Object>> classify(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        String model = Requests.string(body, "model");
        List<String> texts = Requests.texts(body, "inputs");
        List<String> labels = Requests.strings(body, "labels");
        Integer topK = Requests.integer(body, "top_k");
        if (topK != null && topK < 1) {
            throw ApiException.badRequest("invalid_request", "top_k must be at least 1");
        }
        Result<List<List<Label>>> result = labels != null
                ? service.zeroShot(model, texts, labels, Requests.string(body, "hypothesis_template"),
                        Requests.bool(body, "multi_label", false), topK, Requests.bool(body, "truncate", false))
                : service.predict(model, texts.stream().map(List::of).toList(), Requests.bool(body, "truncate", false),
                        false, body.has("multi_label") ? Requests.bool(body, "multi_label", false) : null, topK);
        List<Map<String, Object>> results = result.value().stream().map(l -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("label", l.getFirst().label());
            row.put("score", l.getFirst().score());
            row.put("labels", TeiController.labels(l));
            return row;
        }).toList();
        return Requests.timed(envelope(result.model(), results), result.timing(), start);
    }

    /**
     * {@code inputs}, {@code model}, {@code aggregation_strategy} (none, simple (default), first, average, max),
     * {@code ignore_labels} (default ["O"]). Each result is the text's entities.
     */
    @PostMapping("/v1/ner")
    public ResponseEntity<Map<String, Object>> ner(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        String strategyName = Requests.string(body, "aggregation_strategy");
        NerAggregation.Strategy strategy;
        try {
            strategy = NerAggregation.Strategy.of(strategyName == null ? "simple" : strategyName);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_request", e.getMessage());
        }
        List<String> ignore = Requests.strings(body, "ignore_labels");
        Set<String> ignoreLabels = new HashSet<>(ignore == null ? List.of("O") : ignore);
        Result<List<List<NerAggregation.Entity>>> result = service.ner(Requests.string(body, "model"),
                Requests.texts(body, "inputs"), strategy, ignoreLabels, Requests.bool(body, "truncate", false));
        List<List<Map<String, Object>>> results = result.value().stream()
                .map(entities -> entities.stream().map(EncoderBatchTaskRunner::entity).toList()).toList();
        return Requests.timed(envelope(result.model(), results), result.timing(), start);
    }

    /**
     * {@code inputs} (each with the tokenizer's mask token), {@code top_k} (5). Each result: per mask token, a
     * list of {@code {score, token, token_str, sequence}}.
     */
    @PostMapping("/v1/fill-mask")
    public ResponseEntity<Map<String, Object>> fillMask(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        Integer topK = Requests.integer(body, "top_k");
        Result<List<List<List<Fill>>>> result = service.fillMask(Requests.string(body, "model"),
                Requests.texts(body, "inputs"), topK == null ? 5 : topK, Requests.bool(body, "truncate", false));
        List<List<List<Map<String, Object>>>> results = result.value().stream().map(masks -> masks.stream()
                .map(fills -> fills.stream().map(f -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("score", f.score());
                    row.put("token", f.token());
                    row.put("token_str", f.tokenStr());
                    row.put("sequence", f.sequence());
                    return row;
                }).toList()).toList()).toList();
        return Requests.timed(envelope(result.model(), results), result.timing(), start);
    }

    private static Map<String, Object> envelope(String model, Object results) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("results", results);
        return out;
    }
}
