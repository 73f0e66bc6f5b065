package dev.trident.decoder.web;

import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.SamplingParams;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sampling fields OpenAI (and vLLM's extensions) put in a request, with their defaults. */
final class OpenAiRequests {

    private OpenAiRequests() {
    }

    static SamplingParams sampling(JsonNode request, DecoderModel model, int defaultMaxTokens) {
        JsonNode maxNode = request.hasNonNull("max_completion_tokens") ? request.get("max_completion_tokens") : request.get("max_tokens");
        int maxTokens = maxNode == null || maxNode.isNull() ? defaultMaxTokens : maxNode.asInt();
        List<String> stop = new ArrayList<>();
        JsonNode stopNode = request.get("stop");
        if (stopNode != null && stopNode.isString()) {
            stop.add(stopNode.asString());
        } else if (stopNode != null && stopNode.isArray()) {
            stopNode.forEach(s -> stop.add(s.asString()));
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop strings must not be empty", "stop");
        }
        try {
            return new SamplingParams(
                    maxTokens,
                    request.path("temperature").asDouble(1.0),
                    request.path("top_p").asDouble(1.0),
                    Math.max(0, request.path("top_k").asInt(0)),
                    request.path("min_p").asDouble(0.0),
                    request.path("repetition_penalty").asDouble(1.0),
                    request.path("presence_penalty").asDouble(0.0),
                    request.path("frequency_penalty").asDouble(0.0),
                    request.hasNonNull("seed") ? request.get("seed").asLong() : null,
                    stop,
                    model.stopTokenIds());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage(), null);
        }
    }

    /**
     * vLLM's {@code truncate_prompt_tokens}: keep only the last N prompt tokens (N below the context), so that a long
     * conversation still fits; absent, the prompt is left whole (and a too long one is refused by the caller).
     */
    static int[] truncated(int[] prompt, JsonNode request, DecoderModel model) {
        JsonNode keep = request.get("truncate_prompt_tokens");
        if (keep == null || keep.isNull()) {
            return prompt;
        }
        int n = keep.asInt(-1);
        if (!keep.isIntegralNumber() || n < 1 || n >= model.contextLength()) {
            throw ApiException.invalid("truncate_prompt_tokens must be between 1 and " + (model.contextLength() - 1), "truncate_prompt_tokens");
        }
        return prompt.length <= n ? prompt : java.util.Arrays.copyOfRange(prompt, prompt.length - n, prompt.length);
    }

    /** Most choices one request may ask for. */
    static final int MAX_CHOICES = 64;
    /** Most alternatives per token ({@code top_logprobs}, completions' {@code logprobs}), as OpenAI's chat API. */
    static final int MAX_TOP_LOGPROBS = 20;

    /** {@code n}: how many choices, 1 when absent. */
    static int choices(JsonNode request) {
        JsonNode n = request.get("n");
        if (n == null || n.isNull()) {
            return 1;
        }
        if (!n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > MAX_CHOICES) {
            throw ApiException.invalid("n must be an integer between 1 and " + MAX_CHOICES, "n");
        }
        return n.asInt();
    }

    /** Chat's {@code logprobs} (boolean) and {@code top_logprobs} (0..20): -1 for none, else the alternatives. */
    static int chatLogprobs(JsonNode request) {
        JsonNode on = request.get("logprobs");
        JsonNode top = request.get("top_logprobs");
        if (on != null && !on.isNull() && !on.isBoolean()) {
            throw ApiException.invalid("logprobs must be a boolean", "logprobs");
        }
        boolean wanted = on != null && on.asBoolean(false);
        if (top == null || top.isNull()) {
            return wanted ? 0 : -1;
        }
        if (!top.isIntegralNumber() || top.asInt() < 0 || top.asInt() > MAX_TOP_LOGPROBS) {
            throw ApiException.invalid("top_logprobs must be an integer between 0 and " + MAX_TOP_LOGPROBS, "top_logprobs");
        }
        if (!wanted) {
            throw ApiException.invalid("top_logprobs needs logprobs set to true", "top_logprobs");
        }
        return top.asInt();
    }

    /** Completions' {@code logprobs} (an integer 0..20, the alternatives per token): -1 when absent. */
    static int completionLogprobs(JsonNode request) {
        JsonNode k = request.get("logprobs");
        if (k == null || k.isNull()) {
            return -1;
        }
        if (!k.isIntegralNumber() || k.asInt() < 0 || k.asInt() > MAX_TOP_LOGPROBS) {
            throw ApiException.invalid("logprobs must be an integer between 0 and " + MAX_TOP_LOGPROBS, "logprobs");
        }
        return k.asInt();
    }

    /** Completion tokens of all choices. */
    static int completionTokens(List<dev.trident.decoder.inference.Generation> choices) {
        int sum = 0;
        for (dev.trident.decoder.inference.Generation choice : choices) {
            sum += choice.completionTokens();
        }
        return sum;
    }

    static boolean anyCancelled(List<dev.trident.decoder.inference.Generation> choices) {
        return choices.stream().anyMatch(choice -> choice.finishReason().equals("cancelled"));
    }

    static Map<String, Object> usage(int promptTokens, int completionTokens) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }
}
