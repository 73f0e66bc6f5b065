package dev.trident.seq2seq.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * HF's beam search and beam sampling ({@code _beam_search} / {@code _beam_sample} with {@code BeamSearchScorer}),
 * transformers 4.39. Every step, for each of the {@code k} beams: {@code log_softmax(logits)}, the processors on that
 * beam's sequence, plus the beam's running sum (beams 1..k-1 start at -1e9, so the first step expands beam 0 only);
 * with sampling the warpers then act on each beam's row of those sums (so temperature scales the sums, as in HF).
 * Candidates: the top {@code 2k} of beams × vocabulary, or {@code 2k} drawn without replacement from the softmax over
 * all of them and sorted by score. A candidate ending in eos among the first {@code k} ranks becomes a finished
 * hypothesis (score: the sum over the generated length, eos counted, to the power {@code lengthPenalty}); the others
 * fill the {@code k} beams in order. The stopping rule is HF's {@code early_stopping} (true / false / "never"); at the
 * end the running beams are scored too (unless the search was done) and the best {@code numReturnSequences} returned.
 */
final class BeamSearch extends Search {

    private final DecodingOptions options;
    private final int k;
    private final int vocab;
    private final int maxLength;
    private final Hypotheses finished;
    private final SplittableRandom random;
    private final float[] scores;
    private int[][] sequences;
    private DecoderState[] states;
    private float[] beamScores;
    private int curLen = 1;
    private boolean first = true;
    private boolean searchDone;
    private boolean stopped;

    BeamSearch(DecodingOptions options, int vocab, int startToken, DecoderState start) {
        this.options = options;
        this.k = options.numBeams();
        this.vocab = vocab;
        this.maxLength = options.maxNewTokens() + 1;
        this.finished = new Hypotheses(k, options.lengthPenalty(), options.earlyStopping(), options.maxNewTokens());
        this.random = options.doSample() ? new SplittableRandom(options.seed()) : null;
        this.scores = new float[k * vocab];
        sequences = new int[k][];
        states = new DecoderState[k];
        beamScores = new float[k];
        for (int b = 0; b < k; b++) {
            sequences[b] = new int[] {startToken};
            states[b] = start;
            beamScores[b] = b == 0 ? 0f : -1e9f;
        }
    }

    @Override
    public int pending() {
        return stopped ? 0 : first ? 1 : k;
    }

    @Override
    public int pendingToken(int i) {
        int[] s = sequences[i];
        return s[s.length - 1];
    }

    @Override
    public DecoderState pendingState(int i) {
        return states[i];
    }

    @Override
    public void advance(float[] logits, int off) {
        int eos = options.eosTokenId();
        for (int b = 0; b < k; b++) {
            int row = first ? off : off + b * vocab; // the first step's beams all continue the start token
            Generation.logSoftmax(logits, row, scores, b * vocab, vocab);
            LogitsProcessors.process(options, sequences[b], sequences[b].length, scores, b * vocab, vocab);
            for (int t = 0; t < vocab; t++) {
                scores[b * vocab + t] += beamScores[b];
            }
            LogitsProcessors.warp(options, 2, scores, b * vocab, vocab);
        }
        first = false;
        int candidates = 2 * k; // HF: max(2, 1 + number of eos ids) · k
        int[] top = options.doSample() ? drawCandidates(candidates) : Generation.topIndices(scores, candidates);

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
        searchDone = searchDone || finished.isDone(scores[top[0]], curLen);

        int[][] nextSequences = new int[k][];
        DecoderState[] nextStates = new DecoderState[k];
        for (int b = 0; b < k; b++) {
            int src = nextBeam[b];
            nextSequences[b] = Arrays.copyOf(sequences[src], sequences[src].length + 1);
            nextSequences[b][sequences[src].length] = nextToken[b];
            // A state continued by two beams is forked before any of them advances, so the copy holds the pre-step
            // cache; on the first step every beam's state is the same object.
            boolean taken = false;
            for (int j = 0; j < b && !taken; j++) {
                taken = nextStates[j] == states[src];
            }
            nextStates[b] = taken ? states[src].fork() : states[src];
        }
        sequences = nextSequences;
        states = nextStates;
        beamScores = nextScore;
        curLen++;
        if (searchDone || curLen >= maxLength) {
            stopped = true;
        }
    }

    /**
     * HF's {@code torch.multinomial(softmax(scores), 2k)} without replacement, then sorted by score, best first (equal
     * scores: lower index first). Candidates with probability 0 are only taken once all others are.
     */
    private int[] drawCandidates(int count) {
        int n = scores.length;
        double[] probs = new double[n];
        LogitsProcessors.softmax(scores, 0, n, probs);
        boolean[] drawn = new boolean[n];
        Integer[] picked = new Integer[Math.min(count, n)];
        double remaining = 1.0;
        for (int c = 0; c < picked.length; c++) {
            int choice = -1;
            if (remaining > 0) {
                double u = random.nextDouble() * remaining;
                double cumulative = 0;
                for (int i = 0; i < n; i++) {
                    if (!drawn[i] && probs[i] > 0) {
                        cumulative += probs[i];
                        choice = i;
                        if (u < cumulative) {
                            break;
                        }
                    }
                }
            }
            if (choice < 0) {
                for (int i = 0; i < n && choice < 0; i++) {
                    if (!drawn[i]) {
                        choice = i;
                    }
                }
            }
            drawn[choice] = true;
            remaining -= probs[choice];
            picked[c] = choice;
        }
        Arrays.sort(picked, (a, b) -> {
            int byScore = Float.compare(scores[b], scores[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        int[] out = new int[picked.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = picked[i];
        }
        return out;
    }

    @Override
    public boolean done() {
        return stopped;
    }

    @Override
    public List<Generation.Hypothesis> result() {
        if (!stopped) {
            throw new IllegalStateException("the beam search is still running");
        }
        if (!searchDone) {
            for (int b = 0; b < k; b++) {
                finished.add(sequences[b], beamScores[b], sequences[b].length - 1, false);
            }
        }
        List<Generation.Hypothesis> best = finished.sortedBestFirst(options.eosTokenId());
        return best.subList(0, Math.min(options.numReturnSequences(), best.size()));
    }

    /** HF's {@code BeamHypotheses}: the best {@code numBeams} finished hypotheses and the stopping test. */
    private static final class Hypotheses {
        private record Entry(double score, int[] tokens, boolean endsWithEos, int order) {
        }

        private final int numBeams;
        private final double lengthPenalty;
        private final DecodingOptions.EarlyStopping earlyStopping;
        private final int maxNewTokens;
        private final List<Entry> beams = new ArrayList<>();
        private double worstScore = 1e9;
        private int added;

        Hypotheses(int numBeams, double lengthPenalty, DecodingOptions.EarlyStopping earlyStopping, int maxNewTokens) {
            this.numBeams = numBeams;
            this.lengthPenalty = lengthPenalty;
            this.earlyStopping = earlyStopping;
            this.maxNewTokens = maxNewTokens;
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

        /**
         * {@code BeamHypotheses.is_done}: never before {@code numBeams} are finished; then true stops at once, false
         * when the best running sum over the current length cannot beat the worst finished score, "never" the same
         * over the longest possible length when {@code lengthPenalty > 0} (the best that sum could still score).
         */
        boolean isDone(float bestSumLogprobs, int curLen) {
            if (beams.size() < numBeams) {
                return false;
            }
            return switch (earlyStopping) {
                case TRUE -> true;
                case FALSE -> worstScore >= bestSumLogprobs / Math.pow(curLen, lengthPenalty);
                case NEVER -> worstScore >= bestSumLogprobs
                        / Math.pow(lengthPenalty > 0 ? maxNewTokens : curLen, lengthPenalty);
            };
        }

        /** Best first; equal scores: the later added first (Python's stable sort, then pop from the end). */
        List<Generation.Hypothesis> sortedBestFirst(int eos) {
            List<Entry> sorted = new ArrayList<>(beams);
            sorted.sort(Comparator.comparingDouble(Entry::score).thenComparingInt(Entry::order).reversed());
            List<Generation.Hypothesis> out = new ArrayList<>();
            for (Entry e : sorted) {
                int[] seq = e.tokens();
                if (e.endsWithEos()) {
                    seq = Arrays.copyOf(seq, seq.length + 1);
                    seq[seq.length - 1] = eos;
                }
                out.add(new Generation.Hypothesis(seq, (float) e.score()));
            }
            return out;
        }
    }
}
