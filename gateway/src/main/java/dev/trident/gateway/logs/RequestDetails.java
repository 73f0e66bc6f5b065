package dev.trident.gateway.logs;

/**
 * The request log's columns beyond the HTTP exchange itself; null where unknown. Bodies are set only for teams
 * that switched body logging on.
 */
public record RequestDetails(String team, String keyId, String sessionId, String model, Integer promptTokens,
                             Integer completionTokens, Integer cachedTokens, String finishReason, String requestBody,
                             String responseBody) {

    public static final RequestDetails NONE = new RequestDetails(null, null, null, null, null, null, null, null, null, null);

    /** Tokens the request used, for token limits and usage: prompt plus completion. */
    public long totalTokens() {
        return (promptTokens == null ? 0L : promptTokens) + (completionTokens == null ? 0L : completionTokens);
    }
}
