package dev.trident.decoder.inference;

import dev.trident.kernels.ops.ArgMax;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: penalties first (repetition as in HF/vLLM — divide positive logits, multiply
 * negative ones — then OpenAI's presence and frequency penalties), then temperature, top-k, top-p and min-p, then a
 * draw from the sequence's own seeded generator. One instance per sequence; it owns its token counts and buffers.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private final int[] counts;
    private final float[] probabilities;
    /** Candidates for top-k/top-p/min-p, as sortable keys: inverted probability bits above, token id below. */
    private final long[] order;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = params;
        this.random = new SplittableRandom(params.seed() != null ? params.seed() : new SplittableRandom().nextLong());
        this.counts = new int[vocabSize];
        this.probabilities = new float[vocabSize];
        boolean cuts = params.topK() > 0 || params.topP() < 1 || params.minP() > 0;
        this.order = params.isGreedy() || !cuts ? null : new long[vocabSize];
    }

    /** Tokens the penalties count: the prompt for repetition (as HF), generated tokens for all three. */
    public void notePromptToken(int id) {
        if (id >= 0 && id < counts.length && counts[id] == 0) {
            counts[id] = -1; // seen in the prompt only: repetition penalty applies, presence/frequency do not
        }
    }

    public void noteGenerated(int id) {
        counts[id] = counts[id] < 0 ? 1 : counts[id] + 1;
    }

    /** The next token for {@code logits} (modified in place). */
    public int next(float[] logits) {
        applyPenalties(logits);
        if (params.isGreedy()) {
            return ArgMax.argMax(logits, 0, logits.length);
        }
        int n = logits.length;
        float inverseTemperature = (float) (1 / params.temperature());
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[i] - max) * inverseTemperature);
            probabilities[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) {
            probabilities[i] /= (float) sum;
        }
        if (order == null) {
            // No cut asked: draw over the whole distribution in id order, no sort needed.
            double draw = random.nextDouble();
            for (int i = 0; i < n; i++) {
                draw -= probabilities[i];
                if (draw <= 0) {
                    return i;
                }
            }
            return ArgMax.argMax(probabilities, 0, n);
        }
        // Most probable first, ties by id: a primitive sort of (probability, id) keys, so nothing is boxed.
        // Probabilities are non-negative, so their float bits order like the floats; inverting them sorts descending.
        for (int i = 0; i < n; i++) {
            order[i] = ((long) (~Float.floatToRawIntBits(probabilities[i]) & 0x7fffffff) << 32) | i;
        }
        java.util.Arrays.sort(order);
        int keep = n;
        if (params.topK() > 0) {
            keep = Math.min(keep, params.topK());
        }
        if (params.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += probabilities[idOf(order[i])];
                if (cumulative >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0) {
            float threshold = (float) (params.minP() * probabilities[idOf(order[0])]);
            int i = 1;
            while (i < keep && probabilities[idOf(order[i])] >= threshold) {
                i++;
            }
            keep = i;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probabilities[idOf(order[i])];
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            draw -= probabilities[idOf(order[i])];
            if (draw <= 0) {
                return idOf(order[i]);
            }
        }
        return idOf(order[keep - 1]);
    }

    private static int idOf(long key) {
        return (int) key;
    }

    private void applyPenalties(float[] logits) {
        double repetition = params.repetitionPenalty();
        double presence = params.presencePenalty();
        double frequency = params.frequencyPenalty();
        if (repetition == 1 && presence == 0 && frequency == 0) {
            return;
        }
        for (int id = 0; id < counts.length; id++) {
            int count = counts[id];
            if (count == 0) {
                continue;
            }
            if (repetition != 1) {
                logits[id] = (float) (logits[id] > 0 ? logits[id] / repetition : logits[id] * repetition);
            }
            if (count > 0) {
                logits[id] -= (float) (presence + frequency * count);
            }
        }
    }
}
