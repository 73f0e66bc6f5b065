package dev.trident.decoder.inference;

/**
 * A generated token with its log-probability and the most likely alternatives at its position, all from the
 * log-softmax of the model's raw logits (before penalties and temperature, as vLLM reports by default).
 *
 * @param topIds      the {@code top_logprobs} most likely tokens, most likely first (ties by lower id)
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprob(int tokenId, float logprob, int[] topIds, float[] topLogprobs) {
}
