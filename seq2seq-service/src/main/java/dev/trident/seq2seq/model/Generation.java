package dev.trident.seq2seq.model;

import java.util.List;

/**
 * Decoding over a {@link Seq2SeqLm} with the semantics of HF transformers 4.39 {@code generate}: greedy, sampling,
 * beam search and beam sampling ({@link DecodingOptions} picks the mode), with the logits processors of
 * {@link LogitsProcessors}. Sequences start with {@code decoder_start_token_id}. {@link #start} gives a step-wise
 * {@link Search} (which a scheduler can batch with other requests' searches); {@link #generate} runs one alone.
 */
public final class Generation {

    private Generation() {
    }

    /**
     * A finished sequence (decoder start token first, eos last when it ended with one) and, for beams, its score: the
     * sum of its tokens' log-probabilities divided by {@code generatedLength ^ lengthPenalty}; NaN otherwise.
     */
    public record Hypothesis(int[] sequence, float score) {
    }

    /** A search for {@code encoded}, its first step (the start token on a fresh decoder state) pending. */
    public static Search start(Seq2SeqLm model, EncoderOutput encoded, DecodingOptions options) {
        DecoderState state = model.newDecoderState(encoded);
        if (options.beams()) {
            return new BeamSearch(options, model.vocabSize(), model.decoderStartTokenId(), state);
        }
        return new SequenceSearch(options, model.vocabSize(), model.decoderStartTokenId(), state);
    }

    /** Runs {@code search} to the end on its own, all its pending rows (the beams) in one decoder step each time. */
    public static List<Hypothesis> run(Seq2SeqLm model, Search search) {
        int vocab = model.vocabSize();
        while (!search.done()) {
            int rows = search.pending();
            int[] tokens = new int[rows];
            DecoderState[] states = new DecoderState[rows];
            for (int i = 0; i < rows; i++) {
                tokens[i] = search.pendingToken(i);
                states[i] = search.pendingState(i);
            }
            float[] logits = new float[rows * vocab];
            model.decodeStep(tokens, states, rows, logits, 0);
            search.advance(logits, 0);
        }
        return search.result();
    }

    public static List<Hypothesis> generate(Seq2SeqLm model, EncoderOutput encoded, DecodingOptions options) {
        return run(model, start(model, encoded, options));
    }

    /**
     * Greedy: the argmax of every step's logits, up to {@code maxNewTokens} new tokens; with {@code eosTokenId >= 0}
     * generation stops after emitting it (the eos is kept), with -1 it never stops early.
     *
     * @return the whole sequence, starting with the decoder start token
     */
    public static int[] greedy(Seq2SeqLm model, EncoderOutput encoded, int maxNewTokens, int eosTokenId) {
        return generate(model, encoded, DecodingOptions.greedy(maxNewTokens, eosTokenId)).getFirst().sequence();
    }

    /**
     * Beam search settings (the processors off).
     *
     * @param eosTokenId         -1: no eos (every beam runs {@code maxNewTokens} steps)
     * @param earlyStopping      HF {@code early_stopping} true or false
     * @param numReturnSequences how many of the best hypotheses to return (at most {@code numBeams})
     */
    public record BeamOptions(int numBeams, int maxNewTokens, double lengthPenalty, boolean earlyStopping,
                              int eosTokenId, int numReturnSequences) {
        public BeamOptions {
            if (numBeams < 1 || numReturnSequences < 1 || numReturnSequences > numBeams || maxNewTokens < 1) {
                throw new IllegalArgumentException("beams " + numBeams + ", return " + numReturnSequences
                        + ", new tokens " + maxNewTokens);
            }
        }

        public DecodingOptions decoding() {
            return new DecodingOptions(maxNewTokens, 0, 0, numBeams, numReturnSequences, lengthPenalty,
                    DecodingOptions.EarlyStopping.of(earlyStopping), 0, false, 1.0, 50, 1.0, 0L, eosTokenId);
        }
    }

    /** HF's beam search with {@code options}; see {@link BeamSearch}. */
    public static List<Hypothesis> beamSearch(Seq2SeqLm model, EncoderOutput encoded, BeamOptions options) {
        if (options.numBeams() == 1) {
            throw new IllegalArgumentException("beam search needs at least 2 beams");
        }
        return generate(model, encoded, options.decoding());
    }

    private static final int LANES = 16;

    /** {@code log_softmax} of the {@code n} logits at {@code in} into {@code out[off, off + n)}. */
    static void logSoftmax(float[] logits, int in, float[] out, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[in + i]);
        }
        // float32 in torch's order (16-lane vector accumulation, then the lanes summed in turn): for a confident model
        // the sum is 1 + tiny, and its float rounding is what the reference's log-probabilities and beam scores carry.
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) {
            lanes[i % LANES] += (float) Math.exp(logits[in + i] - max);
        }
        float sum = lanes[0];
        for (int l = 1; l < LANES; l++) {
            sum += lanes[l];
        }
        float logSum = (float) Math.log(sum);
        for (int i = 0; i < n; i++) {
            out[off + i] = (logits[in + i] - max) - logSum;
        }
    }

    /** Indices of the {@code count} largest values, largest first (equal values: lower index first). */
    static int[] topIndices(float[] x, int count) {
        int n = Math.min(count, x.length);
        int[] idx = new int[n];
        float[] val = new float[n];
        int size = 0;
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (size == n && !(v > val[n - 1])) {
                continue;
            }
            int pos = size == n ? n - 1 : size++;
            while (pos > 0 && val[pos - 1] < v) {
                val[pos] = val[pos - 1];
                idx[pos] = idx[pos - 1];
                pos--;
            }
            val[pos] = v;
            idx[pos] = i;
        }
        return idx;
    }
}
