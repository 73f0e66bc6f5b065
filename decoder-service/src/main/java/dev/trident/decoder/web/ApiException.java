package dev.trident.decoder.web;

import org.springframework.http.HttpStatus;

/** A failure answered in OpenAI's error shape: {@code {"error": {"message", "type", "param", "code"}}}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String param;

    public ApiException(HttpStatus status, String type, String message) {
        this(status, type, message, null);
    }

    public ApiException(HttpStatus status, String type, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public static ApiException invalid(String message, String param) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", message, param);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
