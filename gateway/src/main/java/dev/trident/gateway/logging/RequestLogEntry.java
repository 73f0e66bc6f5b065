package dev.trident.gateway.logging;

import dev.trident.gateway.logs.RequestDetails;

import java.time.Instant;

/** One request through the gateway, as stored in {@code request_log}. Nullable fields are unknown or not applicable. */
public record RequestLogEntry(
        Instant receivedAt,
        String requestId,
        String method,
        String path,
        String task,
        String routeId,
        String service,
        String upstreamUri,
        int status,
        double latencyMs,
        long requestBytes,
        long responseBytes,
        String clientAddress,
        String errorType,
        RequestDetails details) {

    public RequestLogEntry {
        details = details == null ? RequestDetails.NONE : details;
    }
}
