package dev.trident.encoder.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

import java.util.Map;

/** Exceptions from the controllers, as the service's JSON error shape; nothing internal reaches the client. */
@RestControllerAdvice
public class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e, jakarta.servlet.http.HttpServletRequest request) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(e.status());
        e.headers().forEach(builder::header);
        return builder.body(error(request, e.type(), e.getMessage()));
    }

    /**
     * The service's error shape; under OpenAI's paths ({@code /v1/embeddings}) also OpenAI's {@code code} and
     * {@code param} fields, which its client libraries read.
     */
    static Map<String, Object> error(jakarta.servlet.http.HttpServletRequest request, String type, String message) {
        Map<String, Object> error = new java.util.LinkedHashMap<>();
        error.put("type", type);
        error.put("message", message == null ? "" : message);
        if (request != null && "/v1/embeddings".equals(request.getRequestURI())) {
            error.put("code", type);
            error.put("param", null);
        }
        if (request != null && TEI_PATHS.contains(request.getRequestURI())) {
            // TEI's clients read error_type (its "error" is a string there; ours stays the service's object)
            return Map.of("error", error, "error_type", teiErrorType(type));
        }
        return Map.of("error", error);
    }

    private static final java.util.Set<String> TEI_PATHS = java.util.Set.of("/embed", "/embed_all", "/predict",
            "/rerank", "/tokenize", "/decode");

    /** TEI's error kinds: empty, tokenizer, overloaded, backend, validation. */
    static String teiErrorType(String type) {
        return switch (type) {
            case "empty_input" -> "empty";
            case "no_tokenizer" -> "tokenizer";
            case "overloaded" -> "overloaded";
            case "internal_error", "shutting_down", "interrupted", "model_not_loaded" -> "backend";
            default -> "validation";
        };
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class,
            MissingServletRequestParameterException.class, MissingServletRequestPartException.class})
    ResponseEntity<Map<String, Object>> unreadable(Exception e) {
        String message = e instanceof HttpMessageNotReadableException ? "request body is not valid JSON of the expected shape" : e.getMessage();
        return body(HttpStatus.BAD_REQUEST, "invalid_request", message);
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<Map<String, Object>> tooLarge(MaxUploadSizeExceededException e) {
        return body(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", "upload too large");
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<Map<String, Object>> internal(RuntimeException e) {
        log.error("request failed", e);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error");
    }

    static ResponseEntity<Map<String, Object>> body(HttpStatus status, String type, String message) {
        return ResponseEntity.status(status).body(Map.of("error", Map.of("type", type, "message", message == null ? "" : message)));
    }
}
