package dev.trident.decoder.inference;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param finishReason {@code stop} (a stop token or string) or {@code length} (max tokens or the context)
 */
public record Generation(List<Integer> tokenIds, String text, String finishReason, int promptTokens) {

    public int completionTokens() {
        return tokenIds.size();
    }
}
