package dev.trident.gateway.logs;

import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads the top-level {@code model} and {@code session_id} of a JSON request body with the streaming parser,
 * skipping everything else (messages, inputs) without building a tree.
 */
@Component
public class RequestBodyFields {

    public record Fields(String model, String sessionId) {
        static final Fields NONE = new Fields(null, null);
    }

    private final ObjectMapper json;

    public RequestBodyFields(ObjectMapper json) {
        this.json = json;
    }

    public Fields read(byte[] body) {
        String model = null;
        String sessionId = null;
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Fields.NONE;
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING && name.equals("model")) {
                    model = parser.getString();
                } else if (value == JsonToken.VALUE_STRING && name.equals("session_id")) {
                    sessionId = parser.getString();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (JacksonException notJson) {
            // The service answers malformed JSON itself; the log just has no model or session for it.
        }
        return new Fields(model, sessionId);
    }
}
