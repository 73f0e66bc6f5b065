package dev.trident.gateway.logs;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseScannerTest {

    private final ObjectMapper json = JsonMapper.builder().build();

    @Test
    void readsUsageFinishReasonAndModelFromAJsonBodyFedByteByByte() {
        String body = """
                {"id":"x","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"{\\"usage\\":1}",\
                "finish_reason":"ignored-inside-message"},"finish_reason":"stop"}],"nested":{"usage":{"prompt_tokens":99}},\
                "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":8}}}""";
        ResponseScanner scanner = new ResponseScanner.Json(json);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            scanner.feed(ByteBuffer.wrap(new byte[] {b}));
        }
        scanner.finish();
        assertThat(scanner.usage.model).isEqualTo("m");
        assertThat(scanner.usage.promptTokens).isEqualTo(12);
        assertThat(scanner.usage.completionTokens).isEqualTo(3);
        assertThat(scanner.usage.cachedTokens).isEqualTo(8);
        assertThat(scanner.usage.finishReason).isEqualTo("stop");
        assertThat(scanner.usage.errorType).isNull();
    }

    @Test
    void readsAnErrorTypeAndIgnoresBodiesThatAreNotJson() {
        ResponseScanner error = new ResponseScanner.Json(json);
        error.feed(ByteBuffer.wrap("{\"error\":{\"type\":\"queue_full\",\"message\":\"m\"}}".getBytes()));
        error.finish();
        assertThat(error.usage.errorType).isEqualTo("queue_full");

        ResponseScanner garbage = new ResponseScanner.Json(json);
        garbage.feed(ByteBuffer.wrap("<html>oops</html>".getBytes()));
        garbage.finish();
        assertThat(garbage.usage.promptTokens).isNull();
    }

    @Test
    void findsTheUsageChunkOfAStreamWhoseLinesArriveInPieces() {
        String stream = """
                data: {"model":"llm","choices":[{"delta":{"content":"a"},"finish_reason":null}],"usage":null}

                data: {"model":"llm","choices":[{"delta":{},"finish_reason":"length"}],"usage":null}

                data: {"model":"llm","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":2}}}

                data: [DONE]

                """;
        ResponseScanner scanner = new ResponseScanner.Sse(json);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 7) {
            scanner.feed(ByteBuffer.wrap(bytes, i, Math.min(7, bytes.length - i)));
        }
        scanner.finish();
        assertThat(scanner.usage.model).isEqualTo("llm");
        assertThat(scanner.usage.promptTokens).isEqualTo(5);
        assertThat(scanner.usage.completionTokens).isEqualTo(9);
        assertThat(scanner.usage.cachedTokens).isEqualTo(2);
        assertThat(scanner.usage.finishReason).isEqualTo("length");
    }
}
