package dev.trident.seq2seq.model;

import java.util.Arrays;

/**
 * HF transformers' logits processors and warpers that {@link DecodingOptions} can switch on, each on one row of
 * {@code vocab} scores at {@code off}, in HF 4.39's order ({@code _get_logits_processor}): processors
 * ({@link #process}: repetition penalty, no-repeat-ngram, min length, min new tokens, forced bos, forced eos) for
 * every mode, then warpers ({@link #warp}: temperature, top-k, top-p) when sampling. Banned tokens get {@code -inf},
 * as HF's {@code filter_value}. The working memory is a search's {@link Buffers}, so a step allocates nothing.
 */
public final class LogitsProcessors {

    private LogitsProcessors() {
    }

    /** One search's scratch space for rows of {@code vocab} scores, reused at every step. */
    static final class Buffers {
        final int vocab;
        final float[] sorted;
        final long[] order;
        final double[] probs;
        final int[] seenAt;
        int stamp;

        Buffers(int vocab) {
            this.vocab = vocab;
            sorted = new float[vocab];
            order = new long[vocab];
            probs = new double[vocab];
            seenAt = new int[vocab];
        }

        /** A fresh mark for {@link #seenAt}: a token is seen in this pass when its entry holds the mark. */
        int nextStamp() {
            if (++stamp == Integer.MAX_VALUE) {
                Arrays.fill(seenAt, 0);
                stamp = 1;
            }
            return stamp;
        }
    }

    /** {@link #process} with buffers of its own and no encoder input (tests; a search keeps its {@link Buffers}). */
    static void process(DecodingOptions options, int[] sequence, int length, float[] scores, int off, int vocab) {
        process(options, null, true, sequence, length, scores, off, vocab, new Buffers(vocab));
    }

    /**
     * The processors HF's {@code _get_logits_processor} builds for these options, in its order, for one decoder
     * sequence {@code sequence[0, length)} (the start token first; {@code length} is HF's {@code cur_len}).
     *
     * @param encoderIds the encoder's input ids (null: none known; the encoder repetition penalty needs them)
     * @param firstRow   whether this is the search's row 0: HF 4.39 builds the encoder repetition penalty over the
     *                   encoder input before it is expanded for beams or samples, so its gather/scatter reaches only
     *                   the first row of the expanded batch (beam 0, sample 0), and only that row is penalized here
     */
    static void process(DecodingOptions options, int[] encoderIds, boolean firstRow, int[] sequence, int length,
                        float[] scores, int off, int vocab, Buffers buffers) {
        if (options.encoderRepetitionPenalty() != 1.0 && firstRow) {
            if (encoderIds == null) {
                throw new IllegalArgumentException("encoder_repetition_penalty needs the encoder input ids");
            }
            // EncoderRepetitionPenaltyLogitsProcessor: the repetition penalty with 1 / penalty over the encoder ids.
            float inverse = (float) (1 / options.encoderRepetitionPenalty());
            repetitionPenalty(inverse, encoderIds, encoderIds.length, scores, off, vocab, buffers);
        }
        if (options.repetitionPenalty() != 1.0) {
            repetitionPenalty((float) options.repetitionPenalty(), sequence, length, scores, off, vocab, buffers);
        }
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
        if (options.forcedBosTokenId() >= 0 && length == 1) {
            force(options.forcedBosTokenId(), scores, off, vocab); // ForcedBOSTokenLogitsProcessor: cur_len == 1
        }
        // ForcedEOSTokenLogitsProcessor: cur_len == max_length - 1, HF's max_length being max_new_tokens + 1 here.
        if (options.forcedEosTokenId() >= 0 && length == options.maxNewTokens()) {
            force(options.forcedEosTokenId(), scores, off, vocab);
        }
    }

    /** Every token but {@code token} gets {@code -inf}, {@code token} gets 0 (as HF's forced-token processors). */
    static void force(int token, float[] scores, int off, int vocab) {
        Arrays.fill(scores, off, off + vocab, Float.NEGATIVE_INFINITY);
        scores[off + token] = 0f;
    }

    /**
     * {@code RepetitionPenaltyLogitsProcessor}: for each distinct token of the decoder sequence (start token
     * included, as HF's {@code input_ids}), a negative score is multiplied by {@code penalty}, another divided by it
     * (float32, as torch). HF gathers, then scatters, so a token seen twice is still penalized once.
     */
    static void repetitionPenalty(float penalty, int[] sequence, int length, float[] scores, int off, int vocab,
                                  Buffers buffers) {
        int mark = buffers.nextStamp();
        for (int i = 0; i < length; i++) {
            int token = sequence[i];
            if (token < 0 || token >= vocab || buffers.seenAt[token] == mark) {
                continue;
            }
            buffers.seenAt[token] = mark;
            float score = scores[off + token];
            scores[off + token] = score < 0 ? score * penalty : score / penalty;
        }
    }

    /** {@link #warp} with buffers of its own (tests; a search keeps its {@link Buffers}). */
    static void warp(DecodingOptions options, int minTokensToKeep, float[] scores, int off, int vocab) {
        warp(options, minTokensToKeep, scores, off, vocab, new Buffers(vocab));
    }

    /**
     * The warpers of HF's {@code _get_logits_warper}, in its order; {@code minTokensToKeep} is 2 with beams, else 1.
     * Nothing acts unless sampling.
     */
    static void warp(DecodingOptions options, int minTokensToKeep, float[] scores, int off, int vocab,
                     Buffers buffers) {
        if (!options.doSample()) {
            return;
        }
        if (options.temperature() != 1.0) {
            temperature((float) options.temperature(), scores, off, vocab);
        }
        if (options.topK() != 0) {
            topK(options.topK(), minTokensToKeep, scores, off, vocab, buffers);
        }
        if (options.topP() < 1.0) {
            topP(options.topP(), minTokensToKeep, scores, off, vocab, buffers);
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
        topK(k, minTokensToKeep, scores, off, vocab, new Buffers(vocab));
    }

    static void topK(int k, int minTokensToKeep, float[] scores, int off, int vocab, Buffers buffers) {
        int keep = Math.min(Math.max(k, minTokensToKeep), vocab);
        float[] copy = buffers.sorted;
        System.arraycopy(scores, off, copy, 0, vocab);
        float kth = select(copy, vocab, vocab - keep);
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
        topP(p, minTokensToKeep, scores, off, vocab, new Buffers(vocab));
    }

    static void topP(double p, int minTokensToKeep, float[] scores, int off, int vocab, Buffers buffers) {
        // Each key holds the score's bits mapped to a signed int that orders as Float.compare does, over the token
        // index: sorting the longs sorts by score, ties by index, which is the stable sort of the indices, in place.
        long[] order = buffers.order;
        for (int i = 0; i < vocab; i++) {
            order[i] = ((long) sortableBits(scores[off + i]) << 32) | i;
        }
        sortLongs(order, vocab);
        float max = scores[off + (int) order[vocab - 1]];
        double[] probs = buffers.probs;
        double sum = 0;
        for (int r = 0; r < vocab; r++) {
            float s = scores[off + (int) order[r]];
            probs[r] = s == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) s - max);
            sum += probs[r];
        }
        float threshold = (float) (1 - p);
        int keepFrom = Math.max(0, vocab - minTokensToKeep);
        double cumulative = 0;
        for (int r = 0; r < vocab; r++) {
            cumulative += probs[r] / sum;
            // torch compares the float32 cumulative sum with the float32 1 - top_p.
            if ((float) cumulative <= threshold && r < keepFrom) {
                scores[off + (int) order[r]] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * The value {@code Arrays.sort(a, 0, n)} would put at {@code rank} ({@link Float#compare} order), by quickselect
     * in place: {@code Arrays.sort} may allocate run buffers, and a step must not.
     */
    static float select(float[] a, int n, int rank) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            float pivot = median(a[lo], a[lo + (hi - lo) / 2], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (Float.compare(a[i], pivot) < 0) {
                    i++;
                }
                while (Float.compare(a[j], pivot) > 0) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (rank <= j) {
                hi = j;
            } else if (rank >= i) {
                lo = i;
            } else {
                return a[rank];
            }
        }
        return a[rank];
    }

    private static float median(float a, float b, float c) {
        if (Float.compare(a, b) > 0) {
            float t = a;
            a = b;
            b = t;
        }
        if (Float.compare(b, c) > 0) {
            b = c;
        }
        return Float.compare(a, b) > 0 ? a : b;
    }

    /**
     * Ascending sort of {@code a[0, n)} in place: quicksort (median-of-three pivots, insertion sort for short ranges,
     * recursion on the smaller side only, so the stack stays logarithmic). The keys are distinct, so any correct sort
     * gives the one order; {@code Arrays.sort} is not used because it may allocate run buffers.
     */
    static void sortLongs(long[] a, int n) {
        quicksort(a, 0, n - 1);
    }

    private static void quicksort(long[] a, int lo, int hi) {
        while (hi - lo > 16) {
            int mid = lo + (hi - lo) / 2;
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[hi] < a[mid]) {
                swap(a, hi, mid);
            }
            long pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i++, j--);
                }
            }
            if (j - lo < hi - i) {
                quicksort(a, lo, j);
                lo = i;
            } else {
                quicksort(a, i, hi);
                hi = j;
            }
        }
        for (int i = lo + 1; i <= hi; i++) {
            long x = a[i];
            int k = i - 1;
            while (k >= lo && a[k] > x) {
                a[k + 1] = a[k];
                k--;
            }
            a[k + 1] = x;
        }
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** The float's bits as an int whose signed order is {@link Float#compare}'s (-0 before +0). */
    private static int sortableBits(float x) {
        int bits = Float.floatToIntBits(x);
        return bits ^ ((bits >> 31) & 0x7fffffff);
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
