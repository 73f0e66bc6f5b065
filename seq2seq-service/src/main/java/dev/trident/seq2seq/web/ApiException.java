package dev.trident.seq2seq.web;

import org.springframework.http.HttpStatus;

/** A failure answered as {@code {"error": {"type", "message"}}} with its status. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;

    public ApiException(HttpStatus status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
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
}
