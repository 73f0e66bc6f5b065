package dev.trident.decoder.web;

import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.DecoderRegistry;
import dev.trident.decoder.inference.Generation;
import dev.trident.decoder.inference.GenerationMetrics;
import dev.trident.decoder.inference.SamplingParams;
import dev.trident.decoder.inference.TokenLogprob;
import org.springframework.http.MediaType;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * OpenAI's {@code POST /v1/completions} (prompt as text or token ids; streamed as server-sent events exactly as
 * OpenAI sends them) and {@code GET /v1/models}.
 */
@RestController
public class CompletionsController {

    private final DecoderRegistry models;
    private final ObjectMapper json;
    private final GenerationMetrics metrics;

    public CompletionsController(DecoderRegistry models, ObjectMapper json, GenerationMetrics metrics) {
        this.models = models;
        this.json = json;
        this.metrics = metrics;
    }

    @GetMapping("/v1/models")
    public Map<String, Object> listModels() {
        List<Map<String, Object>> data = new ArrayList<>();
        for (DecoderModel model : models.all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", model.id());
            entry.put("object", "model");
            entry.put("created", 0);
            entry.put("owned_by", "trident");
            entry.put("max_model_len", model.contextLength());
            data.add(entry);
        }
        return Map.of("object", "list", "data", data);
    }

    @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Object complete(@RequestBody JsonNode request, HttpServletResponse servletResponse) {
        if (!request.isObject()) {
            throw ApiException.invalid("request body must be a JSON object", null);
        }
        DecoderModel model = models.get(text(request, "model"));
        int[] prompt = OpenAiRequests.truncated(prompt(model, request.get("prompt")), request, model);
        if (prompt.length >= model.contextLength()) {
            throw ApiException.invalid("This model's maximum context length is " + model.contextLength()
                    + " tokens; the prompt has " + prompt.length + " tokens (send truncate_prompt_tokens to keep only the last ones).", "prompt");
        }
        int n = OpenAiRequests.choices(request);
        int topLogprobs = OpenAiRequests.completionLogprobs(request);
        SamplingParams params = OpenAiRequests.sampling(request, model, 16);
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        boolean returnTokenIds = request.path("return_token_ids").asBoolean(false);
        if (!request.path("stream").asBoolean(false)) {
            long start = System.nanoTime();
            List<Generation> generations = model.generate(prompt, params, n, topLogprobs, null, model.newCache(), 0);
            metrics.record(generations, System.nanoTime() - start);
            List<Map<String, Object>> choices = new ArrayList<>();
            for (int i = 0; i < generations.size(); i++) {
                Generation generation = generations.get(i);
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("text", generation.text());
                choice.put("index", i);
                choice.put("logprobs", generation.logprobs() == null ? null
                        : OpenAiLogprobs.completion(generation.logprobs(), model.tokenizer(), new int[1]));
                choice.put("finish_reason", generation.finishReason());
                if (returnTokenIds) {
                    choice.put("prompt_token_ids", prompt);
                    choice.put("token_ids", generation.tokenIds());
                }
                choices.add(choice);
            }
            Map<String, Object> body = envelope(id, created, model.id(), choices);
            body.put("usage", OpenAiRequests.usage(prompt.length, OpenAiRequests.completionTokens(generations)));
            return body;
        }
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        StreamingResponseBody stream = out -> {
            long start = System.nanoTime();
            int[][] offsets = new int[n][1];
            DecoderModel.ChoiceListener listener = new DecoderModel.ChoiceListener() {
                @Override
                public boolean onText(int index, String delta, int tokenId, List<TokenLogprob> tokens) {
                    return send(out, envelope(id, created, model.id(), List.of(chunkChoice(index, delta,
                            tokens == null ? null : OpenAiLogprobs.completion(tokens, model.tokenizer(), offsets[index]), null))));
                }

                @Override
                public void onFinish(int index, String finishReason) {
                    // Each choice's finish as it happens; a cancelled one has no client left to tell.
                    if (!finishReason.equals("cancelled")) {
                        send(out, envelope(id, created, model.id(), List.of(chunkChoice(index, "", null, finishReason))));
                    }
                }
            };
            List<Generation> generations = model.generate(prompt, params, n, topLogprobs, listener, model.newCache(), 0);
            metrics.record(generations, System.nanoTime() - start);
            if (!OpenAiRequests.anyCancelled(generations)) {
                if (includeUsage) {
                    Map<String, Object> usage = envelope(id, created, model.id(), List.of());
                    usage.put("usage", OpenAiRequests.usage(prompt.length, OpenAiRequests.completionTokens(generations)));
                    send(out, usage);
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
        // Returned as the value's own type (not inside a ResponseEntity) so that Spring streams it.
        servletResponse.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        servletResponse.setCharacterEncoding("UTF-8");
        servletResponse.setHeader("Cache-Control", "no-cache");
        return stream;
    }

    private static Map<String, Object> chunkChoice(int index, String text, Map<String, Object> logprobs, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("text", text);
        choice.put("index", index);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        return choice;
    }

    private static Map<String, Object> envelope(String id, long created, String model, List<Map<String, Object>> choices) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "text_completion");
        body.put("created", created);
        body.put("model", model);
        body.put("choices", choices);
        return body;
    }

    /** Writes one event; false when the client has gone, which cancels the generation. */
    private boolean send(OutputStream out, Map<String, Object> event) {
        try {
            out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException clientGone) {
            return false;
        }
    }

    private static int[] prompt(DecoderModel model, JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("'prompt' is required", "prompt");
        }
        if (prompt.isString()) {
            if (model.tokenizer() == null) {
                throw ApiException.invalid("model '" + model.id() + "' has no tokenizer (ids-only mode): send the prompt as token ids", "prompt");
            }
            int[] ids = model.tokenizer().encode(prompt.asString(), true).ids();
            if (ids.length == 0) {
                throw ApiException.invalid("the prompt is empty", "prompt");
            }
            return ids;
        }
        if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = prompt.get(i);
                if (!id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= model.vocabSize()) {
                    throw ApiException.invalid("prompt token " + i + " is not a token id of this model (0.." + (model.vocabSize() - 1) + ")", "prompt");
                }
                ids[i] = id.asInt();
            }
            return ids;
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isString()) {
            return prompt(model, prompt.get(0));
        }
        throw ApiException.invalid("'prompt' must be a string, one string in a list, or a list of token ids", "prompt");
    }

    private static String text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }
}
