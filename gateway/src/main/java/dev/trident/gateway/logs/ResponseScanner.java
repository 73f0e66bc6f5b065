package dev.trident.gateway.logs;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.async.ByteBufferFeeder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads {@link ResponseUsage} out of a response body chunk by chunk as the chunks pass to the client: nothing is
 * held back and the body is never kept whole. A body that is not what the scanner expects is simply not scanned.
 */
abstract sealed class ResponseScanner {

    final ResponseUsage usage = new ResponseUsage();

    /** Looks at the readable bytes of {@code chunk} (a read-only view; its position may move). */
    abstract void feed(ByteBuffer chunk);

    abstract void finish();

    /**
     * A JSON body, through Jackson's non-blocking parser: only the values on the paths that matter are looked at,
     * however large the body (embeddings) is.
     */
    static final class Json extends ResponseScanner {
        private final JsonParser parser;
        private final ByteBufferFeeder feeder;
        private boolean failed;

        Json(ObjectMapper json) {
            this.parser = json.createNonBlockingByteBufferParser();
            this.feeder = (ByteBufferFeeder) parser.nonBlockingInputFeeder();
        }

        @Override
        void feed(ByteBuffer chunk) {
            if (failed) {
                return;
            }
            try {
                feeder.feedInput(chunk);
                drain();
            } catch (JacksonException notJson) {
                failed = true;
            }
        }

        @Override
        void finish() {
            if (failed) {
                return;
            }
            try {
                feeder.endOfInput();
                drain();
            } catch (JacksonException truncated) {
                failed = true;
            } finally {
                parser.close();
            }
        }

        private void drain() {
            JsonToken token;
            while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
                if (token.isScalarValue()) {
                    onValue(token);
                }
            }
        }

        private void onValue(JsonToken token) {
            TokenStreamContext here = parser.streamReadContext();
            if (!here.inObject()) {
                return;
            }
            String name = here.currentName();
            TokenStreamContext parent = here.getParent();
            if (parent.inRoot()) {
                if (name.equals("model") && token == JsonToken.VALUE_STRING) {
                    usage.model = parser.getString();
                }
                return;
            }
            TokenStreamContext grandparent = parent.getParent();
            if (grandparent.inRoot() && parent.inObject()) {
                String object = parent.currentName();
                if ("usage".equals(object) && token == JsonToken.VALUE_NUMBER_INT) {
                    switch (name) {
                        case "prompt_tokens" -> usage.promptTokens = parser.getIntValue();
                        case "completion_tokens" -> usage.completionTokens = parser.getIntValue();
                        default -> { }
                    }
                } else if ("error".equals(object) && name.equals("type") && token == JsonToken.VALUE_STRING) {
                    usage.errorType = parser.getString();
                }
                return;
            }
            if (grandparent.getParent() != null && grandparent.getParent().inRoot()) {
                if (parent.inArray() && "choices".equals(grandparent.currentName()) && name.equals("finish_reason")
                        && token == JsonToken.VALUE_STRING) {
                    usage.finishReason = parser.getString();
                } else if (parent.inObject() && "prompt_tokens_details".equals(parent.currentName())
                        && "usage".equals(grandparent.currentName()) && name.equals("cached_tokens")
                        && token == JsonToken.VALUE_NUMBER_INT) {
                    usage.cachedTokens = parser.getIntValue();
                }
            }
        }
    }

    /**
     * Server-sent events: each {@code data:} line is one JSON chunk. Lines are assembled across network chunks;
     * only the few that carry usage, a finish reason or an error are parsed (OpenAI puts usage in the last chunk).
     */
    static final class Sse extends ResponseScanner {
        private static final int LINE_LIMIT = 1 << 20;
        private final ObjectMapper json;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        private boolean firstParsed;

        Sse(ObjectMapper json) {
            this.json = json;
        }

        @Override
        void feed(ByteBuffer chunk) {
            while (chunk.hasRemaining()) {
                byte b = chunk.get();
                if (b == '\n') {
                    onLine();
                    line.reset();
                } else if (line.size() < LINE_LIMIT) {
                    line.write(b);
                }
            }
        }

        @Override
        void finish() {
            if (line.size() > 0) {
                onLine();
                line.reset();
            }
        }

        private void onLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            if (!text.startsWith("data:")) {
                return;
            }
            String data = text.substring(5).trim();
            if (!data.startsWith("{")) {
                return;
            }
            // The first chunk names the model; later ones matter only when they carry usage, an end or an error.
            boolean interesting = !firstParsed || data.contains("\"usage\":{") || data.contains("\"usage\": {") || data.contains("\"error\"")
                    || (data.contains("\"finish_reason\"") && !data.contains("\"finish_reason\":null"));
            if (!interesting) {
                return;
            }
            firstParsed = true;
            try {
                JsonNode event = json.readTree(data);
                usage.takeFrom(event);
            } catch (JacksonException notJson) {
                // not a JSON event: nothing to learn from it
            }
        }
    }
}
