package dev.trident.gateway.logs;

import tools.jackson.databind.JsonNode;

/**
 * What a service's response says about itself: model, token usage ({@code usage.prompt_tokens},
 * {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens}), finish reason, and the type of an error
 * body. Filled by {@link ResponseScanner}s while the response passes.
 */
final class ResponseUsage {

    String model;
    Integer promptTokens;
    Integer completionTokens;
    Integer cachedTokens;
    String finishReason;
    String errorType;

    /** Takes what one parsed JSON object (a whole response, or one server-sent event) says; later events win. */
    void takeFrom(JsonNode body) {
        if (model == null && body.path("model").isString()) {
            model = body.path("model").asString();
        }
        JsonNode usage = body.path("usage");
        if (usage.isObject()) {
            promptTokens = intOrKeep(usage.path("prompt_tokens"), promptTokens);
            completionTokens = intOrKeep(usage.path("completion_tokens"), completionTokens);
            cachedTokens = intOrKeep(usage.path("prompt_tokens_details").path("cached_tokens"), cachedTokens);
        }
        for (JsonNode choice : body.path("choices")) {
            if (choice.path("finish_reason").isString()) {
                finishReason = choice.path("finish_reason").asString();
            }
        }
        if (body.path("error").path("type").isString()) {
            errorType = body.path("error").path("type").asString();
        }
    }

    private static Integer intOrKeep(JsonNode value, Integer kept) {
        return value.isIntegralNumber() ? Integer.valueOf(value.asInt()) : kept;
    }
}
