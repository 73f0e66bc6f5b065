package dev.trident.decoder.inference;

import java.util.List;
import java.util.Set;

/**
 * How the next token is chosen and when generation stops, with OpenAI's and vLLM's defaults. Temperature 0 is
 * greedy; the same seed and parameters give the same tokens.
 *
 * @param topK      0 for no top-k cut
 * @param minP      0 for no min-p cut: tokens below {@code minP · p(max)} are dropped
 * @param seed      null for a fresh random seed
 * @param stop      stop strings, matched across token boundaries; the stop text is not returned
 * @param stopTokenIds token ids that end generation (eos and the model's configured extras)
 */
public record SamplingParams(int maxTokens, double temperature, double topP, int topK, double minP,
                             double repetitionPenalty, double presencePenalty, double frequencyPenalty, Long seed,
                             List<String> stop, Set<Integer> stopTokenIds) {

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be at least 1, got " + maxTokens);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0: off), got " + topK);
        }
        if (minP < 0 || minP > 1) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (repetitionPenalty <= 0) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (Math.abs(presencePenalty) > 2 || Math.abs(frequencyPenalty) > 2) {
            throw new IllegalArgumentException("presence_penalty and frequency_penalty must be in [-2, 2]");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
    }

    public static SamplingParams greedy(int maxTokens, Set<Integer> stopTokenIds) {
        return new SamplingParams(maxTokens, 0, 1, 0, 0, 1, 0, 0, null, List.of(), stopTokenIds);
    }

    /** The same parameters with another seed (null: a fresh random one). */
    public SamplingParams withSeed(Long newSeed) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, newSeed, stop, stopTokenIds);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
