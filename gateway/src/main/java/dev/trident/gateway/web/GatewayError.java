package dev.trident.gateway.web;

import org.springframework.http.HttpStatus;

import java.util.Map;

/**
 * An error the gateway itself answers with, always as
 * {@code {"error": {"type": ..., "message": ..., ...details}}}. {@code type} is stable; clients branch on it.
 */
public record GatewayError(HttpStatus status, String type, String message, Map<String, Object> details) {

    /** Exchange attribute holding the error type, for the request log. */
    public static final String TYPE_ATTRIBUTE = GatewayError.class.getName() + ".type";

    public GatewayError {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static GatewayError of(HttpStatus status, String type, String message) {
        return new GatewayError(status, type, message, Map.of());
    }
}
