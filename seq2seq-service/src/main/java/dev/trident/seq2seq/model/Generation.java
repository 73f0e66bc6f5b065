package dev.trident.seq2seq.model;

import dev.trident.kernels.ops.ArgMax;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy and beam-search decoding over a {@link Seq2SeqLm}, with the semantics of HF transformers 4.39
 * {@code generate} (no logits processors). Sequences start with {@code decoder_start_token_id}.
 */
public final class Generation {

    private Generation() {
    }

    /**
     * Greedy: the argmax of every step's logits, up to {@code maxNewTokens} new tokens; with {@code eosTokenId >= 0}
     * generation stops after emitting it (the eos is kept), with -1 it never stops early.
     *
     * @return the whole sequence, starting with the decoder start token
     */
    public static int[] greedy(Seq2SeqLm model, EncoderOutput encoded, int maxNewTokens, int eosTokenId) {
        DecoderState state = model.newDecoderState(encoded);
        int[] sequence = new int[maxNewTokens + 1];
        sequence[0] = model.decoderStartTokenId();
        int length = 1;
        float[] logits = model.decode(new int[] {sequence[0]}, state, false);
        for (int step = 0; step < maxNewTokens; step++) {
            int next = ArgMax.argMax(logits, 0, model.vocabSize());
            sequence[length++] = next;
            if (next == eosTokenId || step + 1 == maxNewTokens) {
                break;
            }
            logits = model.decode(new int[] {next}, state, false);
        }
        return Arrays.copyOf(sequence, length);
    }

    /**
     * Beam search settings.
     *
     * @param eosTokenId          -1: no eos (every beam runs {@code maxNewTokens} steps)
     * @param earlyStopping       HF {@code early_stopping} (true: stop once {@code numBeams} hypotheses are finished;
     *                            false: stop when no running beam can beat the worst finished one at the current length)
     * @param numReturnSequences  how many of the best hypotheses to return (at most {@code numBeams})
     */
    public record BeamOptions(int numBeams, int maxNewTokens, double lengthPenalty, boolean earlyStopping,
                              int eosTokenId, int numReturnSequences) {
        public BeamOptions {
            if (numBeams < 1 || numReturnSequences < 1 || numReturnSequences > numBeams || maxNewTokens < 1) {
                throw new IllegalArgumentException("beams " + numBeams + ", return " + numReturnSequences
                        + ", new tokens " + maxNewTokens);
            }
        }
    }

    /**
     * A finished hypothesis: the sequence (decoder start token first, eos last when it ended with one) and its score,
     * the sum of its tokens' log-probabilities divided by {@code generatedLength ^ lengthPenalty}.
     */
    public record Hypothesis(int[] sequence, float score) {
    }

    /**
     * HF's beam search: every step adds {@code log_softmax(logits)} to each beam's running sum (beams 1..k-1 start at
     * -1e9, so the first step expands beam 0 only), takes the top {@code 2k} (with eos: {@code max(2, 2)·k}) of
     * beams × vocabulary, best first; a candidate ending in eos among the first {@code k} ranks becomes a finished
     * hypothesis (its sum divided by the generated length counting the eos, as in HF 4.39), the other candidates fill the {@code k} beams in
     * order. At the end the running beams are scored too (unless the search was done), and the hypotheses are sorted
     * best first.
     */
    public static List<Hypothesis> beamSearch(Seq2SeqLm model, EncoderOutput encoded, BeamOptions options) {
        int k = options.numBeams();
        int vocab = model.vocabSize();
        int eos = options.eosTokenId();
        int maxLength = options.maxNewTokens() + 1;
        int candidates = 2 * k; // HF: max(2, 1 + number of eos ids) · k
        Hypotheses finished = new Hypotheses(k, options.lengthPenalty(), options.earlyStopping());

        DecoderState first = model.newDecoderState(encoded);
        int start = model.decoderStartTokenId();
        float[] firstLogits = model.decode(new int[] {start}, first, false);
        int[][] sequences = new int[k][];
        DecoderState[] states = new DecoderState[k];
        float[][] logits = new float[k][];
        float[] beamScores = new float[k];
        for (int b = 0; b < k; b++) {
            sequences[b] = new int[] {start};
            states[b] = b == 0 ? first : first.fork();
            logits[b] = firstLogits;
            beamScores[b] = b == 0 ? 0f : -1e9f;
        }
        boolean done = false;
        int curLen = 1;
        while (true) {
            // Running sum + log_softmax for every beam and token, then the best `candidates` of them.
            float[] scores = new float[k * vocab];
            for (int b = 0; b < k; b++) {
                logSoftmax(logits[b], scores, b * vocab, vocab);
                for (int t = 0; t < vocab; t++) {
                    scores[b * vocab + t] += beamScores[b];
                }
            }
            int[] top = topIndices(scores, candidates);

            int[] nextBeam = new int[k];
            int[] nextToken = new int[k];
            float[] nextScore = new float[k];
            int filled = 0;
            for (int rank = 0; rank < top.length && filled < k; rank++) {
                int beam = top[rank] / vocab;
                int token = top[rank] % vocab;
                float score = scores[top[rank]];
                if (eos >= 0 && token == eos) {
                    if (rank >= k) {
                        continue;
                    }
                    finished.add(sequences[beam], score, curLen, true);
                } else {
                    nextBeam[filled] = beam;
                    nextToken[filled] = token;
                    nextScore[filled] = score;
                    filled++;
                }
            }
            done = done || finished.isDone(scores[top[0]], curLen);

            int[][] nextSequences = new int[k][];
            DecoderState[] nextStates = new DecoderState[k];
            boolean[] taken = new boolean[k];
            for (int b = 0; b < k; b++) {
                int src = nextBeam[b];
                nextSequences[b] = Arrays.copyOf(sequences[src], sequences[src].length + 1);
                nextSequences[b][sequences[src].length] = nextToken[b];
                nextStates[b] = taken[src] ? states[src].fork() : states[src];
                taken[src] = true;
            }
            // A beam chosen twice is forked before any state advances below, so forks copy the pre-step cache.
            sequences = nextSequences;
            states = nextStates;
            beamScores = nextScore;
            curLen++;
            if (done || curLen >= maxLength) {
                break;
            }
            for (int b = 0; b < k; b++) {
                logits[b] = model.decode(new int[] {nextToken[b]}, states[b], false);
            }
        }
        if (!done) {
            for (int b = 0; b < k; b++) {
                finished.add(sequences[b], beamScores[b], sequences[b].length - 1, false);
            }
        }
        List<Hypothesis> best = finished.sortedBestFirst(eos);
        return best.subList(0, Math.min(options.numReturnSequences(), best.size()));
    }

    /** HF's {@code BeamHypotheses}: the best {@code numBeams} finished hypotheses and the stopping test. */
    private static final class Hypotheses {
        private record Entry(double score, int[] tokens, boolean endsWithEos, int order) {
        }

        private final int numBeams;
        private final double lengthPenalty;
        private final boolean earlyStopping;
        private final List<Entry> beams = new ArrayList<>();
        private double worstScore = 1e9;
        private int added;

        Hypotheses(int numBeams, double lengthPenalty, boolean earlyStopping) {
            this.numBeams = numBeams;
            this.lengthPenalty = lengthPenalty;
            this.earlyStopping = earlyStopping;
        }

        void add(int[] tokens, float sumLogprobs, int generatedLength, boolean endsWithEos) {
            double score = sumLogprobs / Math.pow(generatedLength, lengthPenalty);
            if (beams.size() < numBeams || score > worstScore) {
                beams.add(new Entry(score, tokens, endsWithEos, added++));
                if (beams.size() > numBeams) {
                    List<Entry> sorted = new ArrayList<>(beams);
                    sorted.sort(Comparator.comparingDouble(Entry::score));
                    beams.remove(sorted.get(0));
                    worstScore = sorted.get(1).score();
                } else {
                    worstScore = Math.min(score, worstScore);
                }
            }
        }

        boolean isDone(float bestSumLogprobs, int curLen) {
            if (beams.size() < numBeams) {
                return false;
            }
            if (earlyStopping) {
                return true;
            }
            return worstScore >= bestSumLogprobs / Math.pow(curLen, lengthPenalty);
        }

        /** Best first; equal scores: the later added first (Python's stable sort, then pop from the end). */
        List<Hypothesis> sortedBestFirst(int eos) {
            List<Entry> sorted = new ArrayList<>(beams);
            sorted.sort(Comparator.comparingDouble(Entry::score).thenComparingInt(Entry::order).reversed());
            List<Hypothesis> out = new ArrayList<>();
            for (Entry e : sorted) {
                int[] seq = e.tokens();
                if (e.endsWithEos()) {
                    seq = Arrays.copyOf(seq, seq.length + 1);
                    seq[seq.length - 1] = eos;
                }
                out.add(new Hypothesis(seq, (float) e.score()));
            }
            return out;
        }
    }

    private static final int LANES = 16;

    /** {@code log_softmax} of {@code n} logits into {@code out[off, off + n)}. */
    static void logSoftmax(float[] logits, float[] out, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[i]);
        }
        // float32 in torch's order (16-lane vector accumulation, then the lanes summed in turn): for a confident model
        // the sum is 1 + tiny, and its float rounding is what the reference's log-probabilities and beam scores carry.
        float[] lanes = new float[LANES];
        for (int i = 0; i < n; i++) {
            lanes[i % LANES] += (float) Math.exp(logits[i] - max);
        }
        float sum = lanes[0];
        for (int l = 1; l < LANES; l++) {
            sum += lanes[l];
        }
        float logSum = (float) Math.log(sum);
        for (int i = 0; i < n; i++) {
            out[off + i] = (logits[i] - max) - logSum;
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
