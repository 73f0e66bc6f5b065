package dev.trident.seq2seq.model;

/**
 * An encoder-decoder language model (T5, BART, Marian): {@link #encode} the source once, open a
 * {@link DecoderState} (which computes every layer's cross-attention keys and values from the encoder output, once),
 * then feed target ids after what the state's self-attention cache already holds and get the next-token logits.
 * Prefill and step are the same call with more or fewer ids.
 */
public interface Seq2SeqLm extends AutoCloseable {

    String modelType();

    int vocabSize();

    int hiddenSize();

    /** The first decoder input ({@code decoder_start_token_id}). */
    int decoderStartTokenId();

    /** {@code eos_token_id}, or -1 when the config has none. */
    int eosTokenId();

    int padTokenId();

    /**
     * The encoder over one source sequence.
     *
     * @param attentionMask null (all tokens real) or one flag per id, false for padding (HF {@code attention_mask == 0})
     */
    EncoderOutput encode(int[] inputIds, boolean[] attentionMask);

    /** A decoder for {@code encoded}: cross-attention keys/values computed here, an empty self-attention cache. */
    DecoderState newDecoderState(EncoderOutput encoded);

    /**
     * Runs {@code ids} at the target positions after {@code state.length()}, appending their self-attention keys and
     * values to the state.
     *
     * @param allRows logits for every row ({@code [ids.length][vocab]}), or only for the last ({@code [vocab]})
     */
    float[] decode(int[] ids, DecoderState state, boolean allRows);

    /**
     * One decoder step for each of {@code count} states (the beams of a search, the searches of several requests):
     * {@code tokens[i]} at the next position of {@code states[i]}, its logits into row {@code i} of
     * {@code logits[off, off + count·vocab)}. Row {@code i} is bit for bit {@code decode(new int[] {tokens[i]},
     * states[i], false)}: batching changes the cost, never a result. The states must be distinct objects.
     */
    default void decodeStep(int[] tokens, DecoderState[] states, int count, float[] logits, int off) {
        int vocab = vocabSize();
        for (int i = 0; i < count; i++) {
            float[] row = decode(new int[] {tokens[i]}, states[i], false);
            System.arraycopy(row, 0, logits, off + i * vocab, vocab);
        }
    }

    @Override
    void close();
}
