package dev.trident.decoder.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.util.LinkedHashMap;
import java.util.Map;

/** Controller exceptions as OpenAI's error shape; nothing internal reaches the client. */
@RestControllerAdvice
public class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        return body(e.status(), e.type(), e.getMessage(), e.param());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return body(HttpStatus.BAD_REQUEST, "invalid_request_error", "request body is not valid JSON of the expected shape", null);
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<Map<String, Object>> internal(RuntimeException e) {
        log.error("request failed", e);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error", null);
    }

    static ResponseEntity<Map<String, Object>> body(HttpStatus status, String type, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message == null ? "" : message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", null);
        return ResponseEntity.status(status).body(Map.of("error", error));
    }
}
