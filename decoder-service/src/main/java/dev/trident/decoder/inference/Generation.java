package dev.trident.decoder.inference;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param finishReason   {@code stop} (a stop token or string) or {@code length} (max tokens or the context)
 * @param cachedTokens   prompt tokens whose keys and values came from a session's cache instead of being computed
 * @param cachedSequence the token ids the cache holds afterwards
 */
public record Generation(List<Integer> tokenIds, String text, String finishReason, int promptTokens, int cachedTokens,
                         int[] cachedSequence) {

    public int completionTokens() {
        return tokenIds.size();
    }
}
