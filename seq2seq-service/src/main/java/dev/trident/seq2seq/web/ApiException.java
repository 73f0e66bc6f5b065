package dev.trident.seq2seq.web;

import org.springframework.http.HttpStatus;

import java.util.Map;

/** A failure answered as {@code {"error": {"type", "message"}}} with its status (and headers, e.g. Retry-After). */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final Map<String, String> headers;

    public ApiException(HttpStatus status, String type, String message) {
        this(status, type, message, Map.of());
    }

    public ApiException(HttpStatus status, String type, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.type = type;
        this.headers = Map.copyOf(headers);
    }

    public static ApiException invalid(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", message);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
