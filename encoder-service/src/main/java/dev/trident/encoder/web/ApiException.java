package dev.trident.encoder.web;

import org.springframework.http.HttpStatus;

/** A failure the client caused or must know about, answered as {@code {"error": {"type", "message"}}}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;

    public ApiException(HttpStatus status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
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
