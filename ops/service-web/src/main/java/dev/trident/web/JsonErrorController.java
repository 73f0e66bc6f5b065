package dev.trident.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page of every Trident service: whatever Spring MVC could not route or answer (an unknown path, a wrong
 * method, an unreadable body, an exception no handler caught) leaves as JSON with a stable {@code type}, never as
 * Boot's HTML page or with a stack trace. Each service's own handlers answer the errors they know in their API's
 * shape; this is the floor under them. A service imports it on its application class.
 */
@RestController
public class JsonErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    public ResponseEntity<Map<String, Object>> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer value ? HttpStatus.resolve(value) : null;
        if (status == null) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String message = status.is5xxServerError()
                ? "internal error"
                : status.getReasonPhrase() + (uri == null ? "" : ": " + uri);
        return ResponseEntity.status(status).body(Map.of("error", Map.of("type", typeOf(status), "message", message)));
    }

    static String typeOf(HttpStatus status) {
        return switch (status) {
            case NOT_FOUND -> "not_found";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
            case NOT_ACCEPTABLE -> "not_acceptable";
            // 413: Spring 7 resolves it to CONTENT_TOO_LARGE; the deprecated PAYLOAD_TOO_LARGE never matches.
            case CONTENT_TOO_LARGE -> "payload_too_large";
            case BAD_REQUEST -> "invalid_request";
            default -> status.is4xxClientError() ? "invalid_request" : "internal_error";
        };
    }
}
