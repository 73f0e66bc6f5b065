package dev.trident.seq2seq.model;

import dev.trident.kernels.ops.ArgMax;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Greedy decoding and multinomial sampling (HF's {@code _greedy_search} / {@code _sample}) of
 * {@code numReturnSequences} independent sequences of one input: every step runs the processors on the raw logits,
 * then takes the argmax, or applies the warpers and draws from their softmax. A sequence ends with its eos or at
 * {@code maxNewTokens}. The first step is decoded once for all sequences (they share the start token and the state).
 */
final class SequenceSearch extends Search {

    private final DecodingOptions options;
    private final int vocab;
    private final int[][] sequences;
    private final int[] lengths;
    private final DecoderState[] states;
    private final boolean[] finished;
    private final SplittableRandom random;
    private final float[] row;
    private final double[] probs;
    private final int[] pendingRows;
    private int pendingCount;
    private boolean started;

    SequenceSearch(DecodingOptions options, int vocab, int startToken, DecoderState first) {
        this.options = options;
        this.vocab = vocab;
        int n = options.numReturnSequences();
        sequences = new int[n][options.maxNewTokens() + 1];
        lengths = new int[n];
        states = new DecoderState[n];
        finished = new boolean[n];
        for (int s = 0; s < n; s++) {
            sequences[s][0] = startToken;
            lengths[s] = 1;
        }
        states[0] = first;
        random = options.doSample() ? new SplittableRandom(options.seed()) : null;
        row = new float[vocab];
        probs = options.doSample() ? new double[vocab] : null;
        pendingRows = new int[n];
        pendingRows[0] = 0;
        pendingCount = 1;
    }

    @Override
    public int pending() {
        return pendingCount;
    }

    @Override
    public int pendingToken(int i) {
        int s = pendingRows[i];
        return sequences[s][lengths[s] - 1];
    }

    @Override
    public DecoderState pendingState(int i) {
        return states[pendingRows[i]];
    }

    @Override
    public void advance(float[] logits, int off) {
        if (!started) {
            // Every sequence continues the one decoded start token: the others fork its cache now, before it grows.
            started = true;
            for (int s = 1; s < states.length; s++) {
                states[s] = states[0].fork();
            }
            for (int s = 0; s < sequences.length; s++) {
                step(s, logits, off);
            }
        } else {
            for (int i = 0; i < pendingCount; i++) {
                step(pendingRows[i], logits, off + i * vocab);
            }
        }
        pendingCount = 0;
        for (int s = 0; s < sequences.length; s++) {
            if (!finished[s]) {
                pendingRows[pendingCount++] = s;
            }
        }
    }

    private void step(int s, float[] logits, int off) {
        System.arraycopy(logits, off, row, 0, vocab);
        LogitsProcessors.process(options, sequences[s], lengths[s], row, 0, vocab);
        int next;
        if (options.doSample()) {
            LogitsProcessors.warp(options, 1, row, 0, vocab);
            next = draw();
        } else {
            next = ArgMax.argMax(row, 0, vocab);
        }
        sequences[s][lengths[s]++] = next;
        if (next == options.eosTokenId() || lengths[s] == sequences[s].length) {
            finished[s] = true;
        }
    }

    /** One draw from {@code softmax(row)}: the first token whose cumulative probability passes a uniform number. */
    private int draw() {
        LogitsProcessors.softmax(row, 0, vocab, probs);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int t = 0; t < vocab; t++) {
            if (probs[t] > 0) {
                cumulative += probs[t];
                last = t;
                if (u < cumulative) {
                    return t;
                }
            }
        }
        if (last < 0) {
            throw new IllegalStateException("every token was filtered out; nothing to sample");
        }
        return last; // rounding left the cumulative sum a hair below 1
    }

    @Override
    public boolean done() {
        return started && pendingCount == 0;
    }

    @Override
    public List<Generation.Hypothesis> result() {
        List<Generation.Hypothesis> out = new ArrayList<>();
        for (int s = 0; s < sequences.length; s++) {
            out.add(new Generation.Hypothesis(Arrays.copyOf(sequences[s], lengths[s]), Float.NaN));
        }
        return out;
    }
}
