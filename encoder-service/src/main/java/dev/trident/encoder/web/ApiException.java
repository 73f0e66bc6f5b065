package dev.trident.encoder.web;

import org.springframework.http.HttpStatus;

import java.util.Map;

/** A failure the client caused or must know about, answered as {@code {"error": {"type", "message"}}}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final Map<String, String> headers;

    public ApiException(HttpStatus status, String type, String message) {
        this(status, type, message, Map.of());
    }

    /** @param headers sent with the error (e.g. {@code Retry-After} on a 429) */
    public ApiException(HttpStatus status, String type, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.type = type;
        this.headers = Map.copyOf(headers);
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String type, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, type, message);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }
}
