package dev.trident.seq2seq.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** The error shape, with the headers an exception carries (Retry-After on a 429). */
class ApiErrorsTest {

    @Test
    void anOverloadedModelAnswers429WithRetryAfterInTheErrorShape() {
        ResponseEntity<Map<String, Object>> response = new ApiErrors().api(new ApiException(HttpStatus.TOO_MANY_REQUESTS,
                "overloaded", "model 'm' has 2 inputs waiting or decoding (at most 2); retry later",
                Map.of("Retry-After", "3")));
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("3");
        assertThat(response.getBody()).isEqualTo(Map.of("error", Map.of("type", "overloaded",
                "message", "model 'm' has 2 inputs waiting or decoding (at most 2); retry later")));

        ResponseEntity<Map<String, Object>> plain = new ApiErrors().api(ApiException.invalid("bad"));
        assertThat(plain.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(plain.getHeaders().containsHeader("Retry-After")).isFalse();
    }
}
