package dev.trident.kernels.tokenize;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Text ⇄ token ids for one model.
 *
 * <p>A tokenizer never truncates or pads: whatever {@code tokenizer.json} says about truncation and padding is
 * ignored, because a service that silently cuts a 300-token input to 128 returns a wrong answer with no error. The
 * caller truncates (and rejects or chunks over-long inputs) and pads batches itself, with {@link Encoding#truncate}
 * and {@link Encoding#pad} or its own logic.
 */
public interface Tokenizer extends AutoCloseable {

    /**
     * One encoded text. {@code starts[i]}/{@code ends[i]}: the UTF-16 char range {@code [start, end)} of the original
     * string that token {@code i} came from ({@code text.substring(start, end)}), or {@code -1}/{@code -1} for a token
     * that covers no text (added special tokens, padding). {@code special[i]}: the token is a special token.
     */
    record Encoding(int[] ids, int[] starts, int[] ends, boolean[] special) {
        public Encoding {
            if (starts.length != ids.length || ends.length != ids.length || special.length != ids.length) {
                throw new IllegalArgumentException("ids, starts, ends and special must have the same length");
            }
        }

        public int size() {
            return ids.length;
        }

        /** The first {@code maxLength} tokens (all of them when shorter). */
        public Encoding truncate(int maxLength) {
            if (maxLength >= ids.length) {
                return this;
            }
            return new Encoding(Arrays.copyOf(ids, maxLength), Arrays.copyOf(starts, maxLength),
                    Arrays.copyOf(ends, maxLength), Arrays.copyOf(special, maxLength));
        }

        /** Right-padded to {@code length} with {@code padId} (flagged special, no offsets); unchanged when longer. */
        public Encoding pad(int length, int padId) {
            if (length <= ids.length) {
                return this;
            }
            int n = ids.length;
            int[] i = Arrays.copyOf(ids, length);
            int[] s = Arrays.copyOf(starts, length);
            int[] e = Arrays.copyOf(ends, length);
            boolean[] sp = Arrays.copyOf(special, length);
            Arrays.fill(i, n, length, padId);
            Arrays.fill(s, n, length, -1);
            Arrays.fill(e, n, length, -1);
            Arrays.fill(sp, n, length, true);
            return new Encoding(i, s, e, sp);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Encoding other && Arrays.equals(ids, other.ids) && Arrays.equals(starts, other.starts)
                    && Arrays.equals(ends, other.ends) && Arrays.equals(special, other.special);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "Encoding" + Arrays.toString(ids);
        }
    }

    /**
     * Special token ids the model defines; null where it has none (T5 has no bos; Llama has no pad).
     * BERT-style models have {@code cls}/{@code sep} rather than bos/eos.
     */
    record SpecialTokens(Integer bos, Integer eos, Integer pad, Integer unk, Integer mask, Integer cls, Integer sep) {
        public static final SpecialTokens NONE = new SpecialTokens(null, null, null, null, null, null, null);
    }

    /**
     * Encodes {@code text}. With {@code addSpecialTokens}, the model's template is applied (e.g. {@code <s>} before
     * Llama text, {@code </s>} after T5 text, {@code [CLS] … [SEP]} around BERT text).
     */
    Encoding encode(String text, boolean addSpecialTokens);

    /** Just the ids of {@link #encode}. */
    default int[] encodeIds(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens).ids();
    }

    /** Text of {@code ids}; special tokens are dropped with {@code skipSpecialTokens}, spelled out otherwise. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The id of a vocabulary entry (exact spelling, e.g. {@code "▁the"}), empty when it has none. */
    OptionalInt tokenToId(String token);

    /** The vocabulary entry of {@code id}; {@link IllegalArgumentException} outside {@code [0, vocabSize())}. */
    String idToToken(int id);

    /** Number of ids, added tokens included (ids run from 0 to vocabSize() - 1). */
    int vocabSize();

    SpecialTokens specialTokens();

    /** Whether {@code id} is a special (control) token. */
    boolean isSpecial(int id);

    @Override
    default void close() {
    }
}
