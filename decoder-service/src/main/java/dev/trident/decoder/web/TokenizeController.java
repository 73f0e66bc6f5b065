package dev.trident.decoder.web;

import dev.trident.decoder.inference.DecoderModel;
import dev.trident.decoder.inference.DecoderRegistry;
import dev.trident.kernels.tokenize.Tokenizer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.Map;

/** vLLM's {@code POST /tokenize} and {@code POST /detokenize}, and {@code GET /health}. */
@RestController
public class TokenizeController {

    private final DecoderRegistry models;

    public TokenizeController(DecoderRegistry models) {
        this.models = models;
    }

    /** {@code {"model", "prompt", "add_special_tokens": true}} → {@code {"tokens", "count", "max_model_len"}}. */
    @PostMapping("/tokenize")
    public Map<String, Object> tokenize(@RequestBody JsonNode request) {
        DecoderModel model = models.get(request.path("model").isString() ? request.path("model").asString() : null);
        Tokenizer tokenizer = requireTokenizer(model);
        if (!request.path("prompt").isString()) {
            throw ApiException.invalid("'prompt' must be a string", "prompt");
        }
        int[] ids = tokenizer.encode(request.path("prompt").asString(), request.path("add_special_tokens").asBoolean(true)).ids();
        return Map.of("tokens", ids, "count", ids.length, "max_model_len", model.contextLength());
    }

    /** {@code {"model", "tokens": [ids]}} → {@code {"prompt": text}}. */
    @PostMapping("/detokenize")
    public Map<String, Object> detokenize(@RequestBody JsonNode request) {
        DecoderModel model = models.get(request.path("model").isString() ? request.path("model").asString() : null);
        Tokenizer tokenizer = requireTokenizer(model);
        JsonNode tokens = request.path("tokens");
        if (!tokens.isArray()) {
            throw ApiException.invalid("'tokens' must be a list of token ids", "tokens");
        }
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            int id = tokens.get(i).asInt(-1);
            if (!tokens.get(i).isIntegralNumber() || id < 0 || id >= model.vocabSize()) {
                throw ApiException.invalid("tokens[" + i + "] is not a token id of this model", "tokens");
            }
            ids[i] = id;
        }
        return Map.of("prompt", tokenizer.decode(ids, false));
    }

    /** 200 once every configured model is loaded (the registry loads them before the server accepts requests). */
    @GetMapping("/health")
    public ResponseEntity<Map<String, Object>> health() {
        boolean ready = !models.ids().isEmpty();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("status", ready ? "ok" : "loading", "models", models.ids()));
    }

    private static Tokenizer requireTokenizer(DecoderModel model) {
        if (model.tokenizer() == null) {
            throw ApiException.invalid("model '" + model.id() + "' has no tokenizer (ids-only mode)", "model");
        }
        return model.tokenizer();
    }
}
