package dev.trident.decoder.inference;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param finishReason   {@code stop} (a stop token or string), {@code length} (max tokens or the context) or
 *                       {@code cancelled} (the client went away)
 * @param cachedTokens   prompt tokens whose keys and values came from a session's cache instead of being computed
 * @param cachedSequence the token ids the cache holds afterwards
 * @param logprobs       per generated token, when log-probabilities were asked for; else null
 */
public record Generation(List<Integer> tokenIds, String text, String finishReason, int promptTokens, int cachedTokens,
                         int[] cachedSequence, List<TokenLogprob> logprobs) {

    public int completionTokens() {
        return tokenIds.size();
    }
}
