package dev.trident.seq2seq.web;

import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import dev.trident.seq2seq.inference.Seq2SeqModel;
import dev.trident.seq2seq.inference.Seq2SeqRegistry;
import dev.trident.seq2seq.model.DecodingOptions;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code POST /v1/translate}, {@code /v1/summarize}, {@code /v1/text2text} and {@code GET /v1/models}. Decoding
 * options follow HF {@code generate} (see {@link DecodingParameters}).
 */
@RestController
public class Seq2SeqController {

    private final Seq2SeqRegistry models;

    public Seq2SeqController(Seq2SeqRegistry models) {
        this.models = models;
    }

    @GetMapping("/v1/models")
    public Map<String, Object> listModels() {
        List<Map<String, Object>> data = new ArrayList<>();
        for (Seq2SeqModel model : models.all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", model.id());
            entry.put("object", "model");
            entry.put("owned_by", "trident");
            entry.put("tasks", tasks(model));
            entry.put("language_pairs", model.translations().stream().map(t -> t.source() + "-" + t.target()).toList());
            entry.put("max_source_tokens", model.maxSourceTokens());
            data.add(entry);
        }
        return Map.of("object", "list", "data", data);
    }

    @PostMapping("/v1/translate")
    public Map<String, Object> translate(@RequestBody JsonNode request) {
        Seq2SeqModel model = models.get(string(request, "model"));
        String source = string(request, "source_lang");
        String target = string(request, "target_lang");
        Translation pair = model.translations().stream()
                .filter(t -> t.source().equals(source) && t.target().equals(target))
                .findFirst()
                .orElseThrow(() -> ApiException.invalid("model '" + model.id() + "' does not translate " + source + " to "
                        + target + "; supported pairs: " + model.translations().stream().map(t -> t.source() + "-" + t.target())
                        .collect(Collectors.joining(", "))));
        return Map.of("model", model.id(), "translations", run(model, texts(request), pair.prefix(), request));
    }

    @PostMapping("/v1/summarize")
    public Map<String, Object> summarize(@RequestBody JsonNode request) {
        Seq2SeqModel model = models.get(string(request, "model"));
        if (model.summarizePrefix() == null) {
            throw ApiException.invalid("model '" + model.id() + "' does not summarize; its tasks: " + String.join(", ", tasks(model)));
        }
        return Map.of("model", model.id(), "summaries", run(model, texts(request), model.summarizePrefix(), request));
    }

    /** Raw inputs that carry their own task prefix, or {@code input_ids}. */
    @PostMapping("/v1/text2text")
    public Map<String, Object> text2text(@RequestBody JsonNode request) {
        Seq2SeqModel model = models.get(string(request, "model"));
        if (request.has("input_ids")) {
            JsonNode ids = request.get("input_ids");
            List<int[]> inputs = new ArrayList<>();
            JsonNode rows = ids.isArray() && !ids.isEmpty() && ids.get(0).isArray() ? ids : wrap(ids);
            for (JsonNode row : rows) {
                int[] input = new int[row.size()];
                for (int i = 0; i < input.length; i++) {
                    int id = row.get(i).asInt(-1);
                    if (!row.get(i).isIntegralNumber() || id < 0 || id >= model.vocabSize()) {
                        throw ApiException.invalid("input_ids holds " + row.get(i) + ", not a token id of this model");
                    }
                    input[i] = id;
                }
                inputs.add(input);
            }
            return Map.of("model", model.id(), "outputs", generate(model, inputs, request));
        }
        List<String> texts = new ArrayList<>();
        JsonNode inputs = request.get("inputs");
        if (inputs != null && inputs.isString()) {
            texts.add(inputs.asString());
        } else if (inputs != null && inputs.isArray()) {
            inputs.forEach(t -> texts.add(t.asString()));
        } else {
            throw ApiException.invalid("'inputs' (a text or a list of texts) or 'input_ids' is required");
        }
        return Map.of("model", model.id(), "outputs", run(model, texts, "", request));
    }

    private List<Map<String, Object>> run(Seq2SeqModel model, List<String> texts, String prefix, JsonNode request) {
        if (model.tokenizer() == null) {
            throw ApiException.invalid("model '" + model.id() + "' has no tokenizer (ids-only mode): send input_ids to /v1/text2text");
        }
        List<int[]> inputs = new ArrayList<>();
        boolean truncate = request.path("truncate").asBoolean(false);
        for (String text : texts) {
            if (text == null || text.isBlank()) {
                throw ApiException.invalid("inputs must not be empty");
            }
            int[] ids = model.tokenizer().encode(prefix + text, true).ids();
            if (ids.length > model.maxSourceTokens()) {
                if (!truncate) {
                    throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "input_too_long", "the input has " + ids.length
                            + " tokens; the encoder takes at most " + model.maxSourceTokens() + " (send \"truncate\": true to cut it)");
                }
                int last = ids[ids.length - 1]; // the closing special token (T5's </s>) stays
                ids = java.util.Arrays.copyOf(ids, model.maxSourceTokens());
                ids[ids.length - 1] = last;
            }
            inputs.add(ids);
        }
        return generate(model, inputs, request);
    }

    private static List<Map<String, Object>> generate(Seq2SeqModel model, List<int[]> inputs, JsonNode request) {
        if (inputs.isEmpty()) {
            throw ApiException.invalid("no inputs");
        }
        DecodingOptions options = DecodingParameters.read(request, model.defaults(), model.eosTokenId());
        boolean returnIds = request.path("return_token_ids").asBoolean(false);
        List<Map<String, Object>> results = new ArrayList<>();
        for (int[] input : inputs) {
            long start = System.nanoTime();
            List<Seq2SeqModel.Output> outputs = model.generate(input, options);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("text", outputs.getFirst().text());
            result.put("input_tokens", input.length);
            result.put("output_tokens", outputs.getFirst().ids().length);
            if (returnIds) {
                result.put("input_ids", input);
                result.put("token_ids", outputs.getFirst().ids());
            }
            if (options.beams() || outputs.size() > 1) {
                List<Map<String, Object>> sequences = new ArrayList<>();
                for (Seq2SeqModel.Output output : outputs) {
                    Map<String, Object> sequence = new LinkedHashMap<>();
                    sequence.put("text", output.text());
                    if (output.score() != null) {
                        sequence.put("score", output.score());
                    }
                    sequence.put("output_tokens", output.ids().length);
                    if (returnIds) {
                        sequence.put("token_ids", output.ids());
                    }
                    sequences.add(sequence);
                }
                result.put("sequences", sequences);
            }
            if (options.doSample()) {
                result.put("seed", options.seed());
            }
            result.put("time_ms", (System.nanoTime() - start) / 1e6);
            results.add(result);
        }
        return results;
    }

    private static List<String> tasks(Seq2SeqModel model) {
        List<String> tasks = new ArrayList<>();
        if (!model.translations().isEmpty()) {
            tasks.add("translate");
        }
        if (model.summarizePrefix() != null) {
            tasks.add("summarize");
        }
        tasks.add("text2text");
        return tasks;
    }

    private static List<String> texts(JsonNode request) {
        List<String> texts = new ArrayList<>();
        if (request.path("text").isString()) {
            texts.add(request.path("text").asString());
        } else if (request.path("texts").isArray()) {
            request.path("texts").forEach(t -> texts.add(t.asString()));
        } else {
            throw ApiException.invalid("'text' (a string) or 'texts' (a list) is required");
        }
        return texts;
    }

    private static JsonNode wrap(JsonNode ids) {
        return tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(ids);
    }

    private static String string(JsonNode request, String field) {
        JsonNode value = request.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
