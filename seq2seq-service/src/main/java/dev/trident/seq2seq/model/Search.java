package dev.trident.seq2seq.model;

import java.util.List;

/**
 * One request's decoding, one step at a time, so that a scheduler can decode the steps of many searches together:
 * {@link #pending()} rows want a decoder step (the token each feeds and the state it extends); the logits of those
 * rows go to {@link #advance}; when {@link #done()}, {@link #result()} gives the sequences, best first.
 *
 * <p>A search never touches the model: whoever runs it decodes the pending rows, alone
 * ({@link Generation#run}) or batched with other searches' rows ({@code Seq2SeqLm#decodeStep}), which gives the
 * same floats either way.
 */
public abstract sealed class Search permits SequenceSearch, BeamSearch {

    /** Rows that need a decoder step now (0 once done). */
    public abstract int pending();

    /** The token row {@code i} feeds. */
    public abstract int pendingToken(int i);

    /** The decoder state row {@code i} extends by one position. */
    public abstract DecoderState pendingState(int i);

    /** The next-token logits of every pending row, {@code [pending()][vocab]} from {@code off}. */
    public abstract void advance(float[] logits, int off);

    public abstract boolean done();

    /** The finished sequences (decoder start token first), best first; beams carry their score, others NaN. */
    public abstract List<Generation.Hypothesis> result();
}
