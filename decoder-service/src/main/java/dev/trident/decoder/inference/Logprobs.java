package dev.trident.decoder.inference;

import dev.trident.kernels.ops.TopK;

/**
 * Log-probabilities of one position: {@code log softmax(logits)} with the log-sum-exp in double (max subtracted
 * first, so no overflow), and the top entries. One instance per sequence; it reuses its buffers.
 */
final class Logprobs {

    private final int top;
    private final int[] topIds;
    private final float[] topLogits;
    private double logSumExp;

    Logprobs(int top) {
        this.top = top;
        this.topIds = new int[Math.max(top, 1)];
        this.topLogits = new float[Math.max(top, 1)];
    }

    /** Takes in the raw logits of a position (before the sampler changes them); {@link #of} then answers for it. */
    void observe(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp((double) l - max);
        }
        logSumExp = max + Math.log(sum);
        if (top > 0) {
            TopK.topK(logits, 0, logits.length, top, topIds, topLogits);
        }
    }

    /** The entry of token {@code id}, whose raw logit was {@code logit}, at the position last observed. */
    TokenLogprob of(int id, float logit) {
        float[] values = new float[top];
        for (int i = 0; i < top; i++) {
            values[i] = (float) (topLogits[i] - logSumExp);
        }
        return new TokenLogprob(id, (float) (logit - logSumExp), java.util.Arrays.copyOf(topIds, top), values);
    }
}
