package dev.trident.seq2seq.model;

import java.util.Arrays;

/**
 * HF transformers' logits processors and warpers that {@link DecodingOptions} can switch on, each on one row of
 * {@code vocab} scores at {@code off}, in HF's order: processors ({@link #process}: no-repeat-ngram, min length, min
 * new tokens) for every mode, then warpers ({@link #warp}: temperature, top-k, top-p) when sampling. Banned tokens get
 * {@code -inf}, as HF's {@code filter_value}.
 */
public final class LogitsProcessors {

    private LogitsProcessors() {
    }

    /**
     * The processors HF's {@code _get_logits_processor} builds for these options, in its order, for one decoder
     * sequence {@code sequence[0, length)} (the start token first).
     */
    public static void process(DecodingOptions options, int[] sequence, int length, float[] scores, int off, int vocab) {
        if (options.noRepeatNgramSize() > 0) {
            noRepeatNgram(options.noRepeatNgramSize(), sequence, length, scores, off, vocab);
        }
        int eos = options.eosTokenId();
        if (eos >= 0 && options.minLength() > 0 && length < options.minLength()) {
            scores[off + eos] = Float.NEGATIVE_INFINITY; // MinLengthLogitsProcessor
        }
        if (eos >= 0 && options.minNewTokens() > 0 && length - 1 < options.minNewTokens()) {
            scores[off + eos] = Float.NEGATIVE_INFINITY; // MinNewTokensLengthLogitsProcessor (the start token is the prompt)
        }
    }

    /**
     * The warpers of HF's {@code _get_logits_warper}, in its order; {@code minTokensToKeep} is 2 with beams, else 1.
     * Nothing acts unless sampling.
     */
    public static void warp(DecodingOptions options, int minTokensToKeep, float[] scores, int off, int vocab) {
        if (!options.doSample()) {
            return;
        }
        if (options.temperature() != 1.0) {
            temperature((float) options.temperature(), scores, off, vocab);
        }
        if (options.topK() != 0) {
            topK(options.topK(), minTokensToKeep, scores, off, vocab);
        }
        if (options.topP() < 1.0) {
            topP(options.topP(), minTokensToKeep, scores, off, vocab);
        }
    }

    /**
     * {@code NoRepeatNGramLogitsProcessor}: every token that would complete an n-gram already in the sequence is
     * banned. The n-grams run over the whole decoder sequence, start token included, as HF's {@code input_ids}.
     */
    static void noRepeatNgram(int n, int[] sequence, int length, float[] scores, int off, int vocab) {
        if (length + 1 < n) {
            return;
        }
        int prefixStart = length + 1 - n; // the last n-1 tokens, which the next token would extend
        for (int start = 0; start + n <= length; start++) {
            boolean same = true;
            for (int j = 0; j < n - 1 && same; j++) {
                same = sequence[start + j] == sequence[prefixStart + j];
            }
            if (same) {
                int banned = sequence[start + n - 1];
                if (banned >= 0 && banned < vocab) {
                    scores[off + banned] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /** {@code TemperatureLogitsWarper}: {@code scores / t} (in float, as torch divides a float tensor). */
    static void temperature(float t, float[] scores, int off, int vocab) {
        for (int i = 0; i < vocab; i++) {
            scores[off + i] = scores[off + i] / t;
        }
    }

    /**
     * {@code TopKLogitsWarper}: {@code k = min(max(k, minTokensToKeep), vocab)}; every score below the k-th largest is
     * removed (ties with it stay, as HF's {@code scores < topk[..., -1]}).
     */
    static void topK(int k, int minTokensToKeep, float[] scores, int off, int vocab) {
        int keep = Math.min(Math.max(k, minTokensToKeep), vocab);
        float[] sorted = Arrays.copyOfRange(scores, off, off + vocab);
        Arrays.sort(sorted);
        float kth = sorted[vocab - keep];
        for (int i = 0; i < vocab; i++) {
            if (scores[off + i] < kth) {
                scores[off + i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * {@code TopPLogitsWarper}: sort ascending, softmax, cumulative sum; the tokens whose cumulative probability is
     * {@code <= 1 - p} are removed, except the {@code minTokensToKeep} largest. Ties keep index order (stable sort).
     */
    static void topP(double p, int minTokensToKeep, float[] scores, int off, int vocab) {
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[off + a], scores[off + b]));
        float max = scores[off + order[vocab - 1]];
        double[] probs = new double[vocab];
        double sum = 0;
        for (int r = 0; r < vocab; r++) {
            float s = scores[off + order[r]];
            probs[r] = s == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) s - max);
            sum += probs[r];
        }
        float threshold = (float) (1 - p);
        boolean[] remove = new boolean[vocab];
        double cumulative = 0;
        for (int r = 0; r < vocab; r++) {
            cumulative += probs[r] / sum;
            // torch compares the float32 cumulative sum with the float32 1 - top_p.
            remove[r] = (float) cumulative <= threshold;
        }
        for (int r = Math.max(0, vocab - minTokensToKeep); r < vocab; r++) {
            remove[r] = false;
        }
        for (int r = 0; r < vocab; r++) {
            if (remove[r]) {
                scores[off + order[r]] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** {@code softmax} of one row into {@code probs} (double; -inf gives 0). */
    static double softmax(float[] scores, int off, int n, double[] probs) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, scores[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float s = scores[off + i];
            probs[i] = s == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) s - max);
            sum += probs[i];
        }
        for (int i = 0; i < n; i++) {
            probs[i] /= sum;
        }
        return sum;
    }
}
