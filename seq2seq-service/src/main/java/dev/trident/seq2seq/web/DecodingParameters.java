package dev.trident.seq2seq.web;

import dev.trident.seq2seq.inference.GenerationDefaults;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import tools.jackson.databind.JsonNode;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A request's decoding fields, named as HF {@code generate}'s arguments, read strictly (a field of the wrong type or
 * out of range is a 400 naming it) over the model's generation_config defaults: {@code num_beams},
 * {@code max_new_tokens} (or {@code max_length}, which counts the start token, as in HF), {@code min_new_tokens},
 * {@code min_length}, {@code num_return_sequences}, {@code length_penalty}, {@code early_stopping} (true, false or
 * "never"), {@code no_repeat_ngram_size}, {@code do_sample}, {@code temperature}, {@code top_k}, {@code top_p},
 * {@code seed}. Without a {@code seed}, sampling draws one, which the response reports.
 */
final class DecodingParameters {

    /** Bounds on what one request may ask for, so that it cannot claim unbounded memory. */
    static final int MAX_NEW_TOKENS = 2048;
    static final int MAX_BEAMS_OR_SEQUENCES = 64;

    private DecodingParameters() {
    }

    static DecodingOptions read(JsonNode request, GenerationDefaults defaults, int eosTokenId) {
        int maxNewTokens = defaults.maxNewTokens();
        if (present(request, "max_new_tokens")) {
            maxNewTokens = integer(request, "max_new_tokens");
        } else if (present(request, "max_length")) {
            maxNewTokens = integer(request, "max_length") - 1;
            if (maxNewTokens < 1) {
                throw ApiException.invalid("max_length counts the decoder start token: it must be at least 2");
            }
        }
        boolean doSample = present(request, "do_sample") ? bool(request, "do_sample") : defaults.doSample();
        long seed = present(request, "seed") ? longValue(request, "seed") : doSample ? ThreadLocalRandom.current().nextLong(1L << 53) : 0L;
        if (maxNewTokens > MAX_NEW_TOKENS) {
            throw ApiException.invalid("max_new_tokens (or max_length - 1) must be at most " + MAX_NEW_TOKENS + ", not " + maxNewTokens);
        }
        for (String field : new String[] {"num_beams", "num_return_sequences"}) {
            if (present(request, field) && integer(request, field) > MAX_BEAMS_OR_SEQUENCES) {
                throw ApiException.invalid("'" + field + "' must be at most " + MAX_BEAMS_OR_SEQUENCES);
            }
        }
        try {
            return new DecodingOptions(maxNewTokens,
                    present(request, "min_new_tokens") ? integer(request, "min_new_tokens") : defaults.minNewTokens(),
                    present(request, "min_length") ? integer(request, "min_length") : defaults.minLength(),
                    present(request, "num_beams") ? integer(request, "num_beams") : defaults.numBeams(),
                    present(request, "num_return_sequences") ? integer(request, "num_return_sequences") : 1,
                    present(request, "length_penalty") ? number(request, "length_penalty") : defaults.lengthPenalty(),
                    present(request, "early_stopping") ? earlyStopping(request) : defaults.earlyStopping(),
                    present(request, "no_repeat_ngram_size") ? integer(request, "no_repeat_ngram_size") : defaults.noRepeatNgramSize(),
                    doSample,
                    present(request, "temperature") ? number(request, "temperature") : defaults.temperature(),
                    present(request, "top_k") ? integer(request, "top_k") : defaults.topK(),
                    present(request, "top_p") ? number(request, "top_p") : defaults.topP(),
                    seed, eosTokenId);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private static boolean present(JsonNode request, String field) {
        return request.has(field) && !request.get(field).isNull();
    }

    private static int integer(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw ApiException.invalid("'" + field + "' must be an integer, not " + value);
        }
        return value.asInt();
    }

    private static long longValue(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiException.invalid("'" + field + "' must be an integer, not " + value);
        }
        return value.asLong();
    }

    private static double number(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (!value.isNumber()) {
            throw ApiException.invalid("'" + field + "' must be a number, not " + value);
        }
        return value.asDouble();
    }

    private static boolean bool(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (!value.isBoolean()) {
            throw ApiException.invalid("'" + field + "' must be true or false, not " + value);
        }
        return value.asBoolean();
    }

    private static EarlyStopping earlyStopping(JsonNode request) {
        JsonNode value = request.get("early_stopping");
        if (value.isBoolean()) {
            return EarlyStopping.of(value.asBoolean());
        }
        if (value.isString() && value.asString().equals("never")) {
            return EarlyStopping.NEVER;
        }
        throw ApiException.invalid("'early_stopping' must be true, false or \"never\", not " + value);
    }
}
