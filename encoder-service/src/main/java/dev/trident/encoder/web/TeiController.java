package dev.trident.encoder.web;

import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.inference.EncoderService.Label;
import dev.trident.encoder.inference.EncoderService.Ranked;
import dev.trident.encoder.inference.EncoderService.Result;
import dev.trident.encoder.inference.Input;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HF text-embeddings-inference's API: {@code /embed}, {@code /embed_all}, {@code /predict}, {@code /rerank},
 * {@code /tokenize}, {@code /decode}. Requests may also name a served {@code model} (TEI serves one).
 */
@RestController
public class TeiController {

    private final EncoderService service;

    public TeiController(EncoderService service) {
        this.service = service;
    }

    /**
     * {@code inputs}, {@code normalize} (true), {@code truncate} (false), {@code truncation_direction} (right|left),
     * {@code dimensions}: one vector per input.
     */
    @PostMapping("/embed")
    public ResponseEntity<float[][]> embed(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        Result<float[][]> result = service.embed(Requests.string(body, "model"), Requests.inputs(body, "inputs"),
                Requests.bool(body, "normalize", true), Requests.bool(body, "truncate", false),
                Requests.truncateLeft(body), Requests.integer(body, "dimensions"));
        return Requests.timed(result.value(), result.timing(), start);
    }

    /** Every token's last hidden state: {@code [input][token][hidden]}. */
    @PostMapping("/embed_all")
    public ResponseEntity<List<float[][]>> embedAll(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        Result<List<float[][]>> result = service.embedAll(Requests.string(body, "model"), Requests.inputs(body, "inputs"),
                Requests.bool(body, "truncate", false), Requests.truncateLeft(body));
        return Requests.timed(result.value(), result.timing(), start);
    }

    /**
     * {@code inputs}: a text, a pair {@code ["a", "b"]} (two strings are a pair, as in TEI), or a list of
     * texts / pairs; {@code raw_scores}. A single input
     * answers a list of {@code {label, score}}, a batch a list of those (TEI's shapes).
     */
    @PostMapping("/predict")
    public ResponseEntity<Object> predict(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        JsonNode inputs = body.get("inputs");
        List<List<String>> items = new ArrayList<>();
        boolean single;
        if (inputs != null && inputs.isString()) {
            items.add(List.of(inputs.asString()));
            single = true;
        } else if (inputs != null && inputs.isArray() && inputs.size() == 2 && inputs.get(0).isString() && inputs.get(1).isString()) {
            // TEI reads two strings as one pair (its untagged input tries a pair before a batch)
            items.add(List.of(inputs.get(0).asString(), inputs.get(1).asString()));
            single = true;
        } else if (inputs != null && inputs.isArray()) {
            single = false;
            for (JsonNode item : inputs) {
                if (item.isString()) {
                    items.add(List.of(item.asString()));
                } else if (item.isArray()) {
                    List<String> pair = new ArrayList<>();
                    item.forEach(t -> pair.add(t.asString()));
                    items.add(pair);
                } else {
                    throw ApiException.badRequest("invalid_request", "'inputs' items must be texts or pairs of texts");
                }
            }
            if (items.isEmpty()) {
                throw ApiException.badRequest("empty_input", "'inputs' must not be empty");
            }
        } else {
            throw ApiException.badRequest("invalid_request", "'inputs' must be a text, a list of texts or a list of pairs");
        }
        Result<List<List<Label>>> result = service.predict(Requests.string(body, "model"), items,
                Requests.bool(body, "truncate", false), Requests.bool(body, "raw_scores", false), null,
                Requests.integer(body, "top_k"));
        List<List<Map<String, Object>>> out = result.value().stream().map(TeiController::labels).toList();
        return Requests.timed(single ? out.getFirst() : out, result.timing(), start);
    }

    /** {@code query}, {@code texts}, {@code truncate}, {@code raw_scores}, {@code return_text}: best first. */
    @PostMapping("/rerank")
    public ResponseEntity<List<Map<String, Object>>> rerank(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        String query = Requests.string(body, "query");
        List<String> texts = Requests.strings(body, "texts");
        if (query == null || texts == null) {
            throw ApiException.badRequest("invalid_request", "'query' and 'texts' are required");
        }
        Result<List<Ranked>> result = service.rerank(Requests.string(body, "model"), query, texts,
                Requests.bool(body, "truncate", false), Requests.bool(body, "raw_scores", false),
                Requests.bool(body, "return_text", false));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Ranked r : result.value()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", r.index());
            row.put("score", r.score());
            if (r.text() != null) {
                row.put("text", r.text());
            }
            out.add(row);
        }
        return Requests.timed(out, result.timing(), start);
    }

    /** {@code inputs} (text or texts), {@code add_special_tokens} (true): per input its tokens. */
    @PostMapping("/tokenize")
    public List<List<Map<String, Object>>> tokenize(@RequestBody JsonNode body) {
        Requests.object(body);
        return service.tokenize(Requests.string(body, "model"), Requests.texts(body, "inputs"),
                Requests.bool(body, "add_special_tokens", true)).stream().map(tokens -> tokens.stream().map(t -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", t.id());
                    row.put("text", t.text());
                    row.put("special", t.special());
                    row.put("start", t.start());
                    row.put("stop", t.stop());
                    return row;
                }).toList()).toList();
    }

    /** {@code ids} (a list, or a list of lists), {@code skip_special_tokens} (true): one text per list. */
    @PostMapping("/decode")
    public List<String> decode(@RequestBody JsonNode body) {
        Requests.object(body);
        List<int[]> ids = new ArrayList<>();
        for (Input input : Requests.inputs(body, "ids")) {
            if (input.isText()) {
                throw ApiException.badRequest("invalid_request", "'ids' must be token ids");
            }
            ids.add(input.ids());
        }
        return service.decode(Requests.string(body, "model"), ids, Requests.bool(body, "skip_special_tokens", true));
    }

    static List<Map<String, Object>> labels(List<Label> labels) {
        return labels.stream().map(l -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("score", l.score());
            row.put("label", l.label());
            return row;
        }).toList();
    }
}
