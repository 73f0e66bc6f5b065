package dev.trident.encoder.web;

import dev.trident.encoder.inference.Input;
import dev.trident.encoder.inference.InferenceQueue.Timing;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reading request bodies (TEI's and OpenAI's input unions) and writing TEI's timing headers. */
final class Requests {

    private Requests() {
    }

    static JsonNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("invalid_request", "request body must be a JSON object");
        }
        return body;
    }

    /** A string, a list of strings, a list of token ids, or a list of lists of token ids. */
    static List<Input> inputs(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' is required");
        }
        if (node.isString()) {
            return List.of(Input.text(node.asString()));
        }
        if (!node.isArray()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be a string, a list of strings, a list of token ids or a list of lists of token ids");
        }
        if (!node.isEmpty() && node.get(0).isIntegralNumber()) {
            return List.of(Input.ids(ids(node, field)));
        }
        List<Input> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (item.isString()) {
                out.add(Input.text(item.asString()));
            } else if (item.isArray()) {
                out.add(Input.ids(ids(item, field)));
            } else {
                throw ApiException.badRequest("invalid_request", "each of '" + field + "' must be a string or a list of token ids");
            }
        }
        return out;
    }

    /** A string or a list of strings. */
    static List<String> texts(JsonNode body, String field) {
        List<String> out = new ArrayList<>();
        for (Input input : inputs(body, field)) {
            if (!input.isText()) {
                throw ApiException.badRequest("invalid_request", "'" + field + "' must be a string or a list of strings");
            }
            out.add(input.text());
        }
        return out;
    }

    static int[] ids(JsonNode node, String field) {
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = node.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw ApiException.badRequest("invalid_request", "'" + field + "': token ids must be integers");
            }
            ids[i] = id.asInt();
        }
        return ids;
    }

    static boolean bool(JsonNode body, String field, boolean fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be true or false");
        }
        return node.asBoolean();
    }

    /** TEI's {@code truncation_direction}: "right" (default, the end of the text is cut) or "left". */
    static boolean truncateLeft(JsonNode body) {
        String direction = string(body, "truncation_direction");
        if (direction == null || direction.equalsIgnoreCase("right")) {
            return false;
        }
        if (direction.equalsIgnoreCase("left")) {
            return true;
        }
        throw ApiException.badRequest("invalid_request", "truncation_direction must be 'left' or 'right'");
    }

    static Integer integer(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be an integer");
        }
        return node.asInt();
    }

    static String string(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be a string");
        }
        return node.asString();
    }

    static List<String> strings(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw ApiException.badRequest("invalid_request", "'" + field + "' must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isString()) {
                throw ApiException.badRequest("invalid_request", "'" + field + "' must be a list of strings");
            }
            out.add(item.asString());
        }
        return out;
    }

    /** TEI's headers, in milliseconds: queue, compute, total; and the tokens computed. */
    static <T> ResponseEntity<T> timed(T body, Timing timing, long startedAt) {
        long total = System.nanoTime() - startedAt;
        return ResponseEntity.ok()
                .header("x-compute-time", String.valueOf(TimeUnit.NANOSECONDS.toMillis(timing.computeNanos())))
                .header("x-compute-tokens", String.valueOf(timing.tokens()))
                .header("x-queue-time", String.valueOf(TimeUnit.NANOSECONDS.toMillis(timing.queueNanos())))
                .header("x-total-time", String.valueOf(TimeUnit.NANOSECONDS.toMillis(total)))
                .body(body);
    }
}
