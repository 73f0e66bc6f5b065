package dev.trident.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.RequestDispatcher;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

class JsonErrorControllerTest {

    private final JsonErrorController controller = new JsonErrorController();

    @Test
    void clientErrorsNameTheirTypeAndPath() {
        assertThat(body(error(404, "/v1/nothing-here"))).containsEntry("type", "not_found")
                .containsEntry("message", "Not Found: /v1/nothing-here");
        assertThat(body(error(405, "/health"))).containsEntry("type", "method_not_allowed");
        assertThat(body(error(415, "/embed"))).containsEntry("type", "unsupported_media_type");
        assertThat(body(error(413, "/embed"))).containsEntry("type", "payload_too_large");
        assertThat(body(error(400, "/embed"))).containsEntry("type", "invalid_request");
        assertThat(body(error(409, "/embed"))).containsEntry("type", "invalid_request");
        assertThat(error(404, "/x").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    /** A server error says nothing about its cause: no exception text, no path, no stack trace. */
    @Test
    void serverErrorsSayNothingAboutTheirCause() {
        MockHttpServletRequest request = request(500, "/v1/secret");
        request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, new IllegalStateException("db password is hunter2"));
        ResponseEntity<Map<String, Object>> response = controller.error(request);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(body(response)).containsExactlyInAnyOrderEntriesOf(
                Map.of("type", "internal_error", "message", "internal error"));
    }

    @Test
    void aMissingOrUnknownStatusIsAServerError() {
        assertThat(controller.error(new MockHttpServletRequest()).getStatusCode())
                .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(error(799, "/x").getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
    }

    private ResponseEntity<Map<String, Object>> error(int status, String uri) {
        return controller.error(request(status, uri));
    }

    private static MockHttpServletRequest request(int status, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, status);
        request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, uri);
        return request;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(ResponseEntity<Map<String, Object>> response) {
        return (Map<String, Object>) response.getBody().get("error");
    }
}
