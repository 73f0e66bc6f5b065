package dev.trident.encoder.web;

import dev.trident.encoder.inference.EncoderService;
import dev.trident.encoder.inference.EncoderService.Result;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code POST /v1/embeddings}: {@code input} (string, strings, token ids, lists of token ids),
 * {@code model}, {@code encoding_format} ({@code float}, or {@code base64}: little-endian float32 bytes),
 * {@code dimensions}. Vectors are normalised (as OpenAI's are); input longer than the model is a 413.
 */
@RestController
public class OpenAiController {

    private final EncoderService service;

    public OpenAiController(EncoderService service) {
        this.service = service;
    }

    @PostMapping("/v1/embeddings")
    public ResponseEntity<Map<String, Object>> embeddings(@RequestBody JsonNode body) {
        long start = System.nanoTime();
        Requests.object(body);
        String format = Requests.string(body, "encoding_format");
        boolean base64 = "base64".equals(format);
        if (format != null && !base64 && !"float".equals(format)) {
            throw ApiException.badRequest("invalid_request", "encoding_format must be 'float' or 'base64'");
        }
        Result<float[][]> result = service.embed(Requests.string(body, "model"), Requests.inputs(body, "input"),
                true, false, Requests.integer(body, "dimensions"));
        List<Map<String, Object>> data = new ArrayList<>();
        for (float[] vector : result.value()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("index", data.size());
            item.put("embedding", base64 ? base64(vector) : vector);
            data.add(item);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "list");
        out.put("data", data);
        out.put("model", result.model());
        out.put("usage", Map.of("prompt_tokens", result.timing().tokens(), "total_tokens", result.timing().tokens()));
        return Requests.timed(out, result.timing(), start);
    }

    static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
