package dev.trident.gateway.logs;

import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway learns about a request on its way through (who called, which session and model, the tokens the
 * service reported), collected by several filters and read once by the request log when the response is done.
 * One per exchange, so plain volatile fields suffice: each is written by one stage and read after completion.
 */
public final class RequestFacts {

    private static final String ATTRIBUTE = RequestFacts.class.getName();
    /** Bytes of a request or response body kept in the log for teams that log bodies; the rest is cut. */
    public static final int BODY_LOG_LIMIT = 64 * 1024;

    public volatile String team;
    public volatile String keyId;
    public volatile boolean logBodies;
    public volatile String sessionId;
    public volatile String model;
    public volatile Integer promptTokens;
    public volatile Integer completionTokens;
    public volatile Integer cachedTokens;
    public volatile String finishReason;
    public volatile String requestBody;
    public volatile String responseBody;

    /** The facts of {@code exchange}, created on first use. */
    public static RequestFacts of(ServerWebExchange exchange) {
        return (RequestFacts) exchange.getAttributes().computeIfAbsent(ATTRIBUTE, name -> new RequestFacts());
    }

    /** The facts as the request log stores them; all null when nothing was learned. */
    public static RequestDetails detailsOf(ServerWebExchange exchange) {
        RequestFacts facts = exchange.getAttribute(ATTRIBUTE);
        return facts == null ? RequestDetails.NONE : new RequestDetails(facts.team, facts.keyId, facts.sessionId,
                facts.model, facts.promptTokens, facts.completionTokens, facts.cachedTokens, facts.finishReason,
                facts.requestBody, facts.responseBody);
    }
}
