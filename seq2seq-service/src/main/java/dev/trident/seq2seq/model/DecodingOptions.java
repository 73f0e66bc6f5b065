package dev.trident.seq2seq.model;

/**
 * How to decode, with the meaning and defaults of HF transformers 4.39 {@code GenerationConfig} for an
 * encoder-decoder (lengths count decoder tokens; {@code minLength} counts the decoder start token, as HF's
 * {@code min_length} does, {@code minNewTokens} does not).
 *
 * <p>The mode follows from the fields as in HF: {@code numBeams == 1} greedy, or sampling with {@code doSample};
 * {@code numBeams > 1} beam search, or beam sampling with {@code doSample}. {@code temperature}, {@code topK} and
 * {@code topP} only act when sampling (HF ignores them otherwise); {@code lengthPenalty} and {@code earlyStopping}
 * only with beams.
 *
 * @param maxNewTokens       new tokens at most (the eos counts)
 * @param minNewTokens       eos is forbidden before this many new tokens (0: off)
 * @param minLength          eos is forbidden while the decoder sequence, start token included, is shorter (0: off)
 * @param numReturnSequences beams: the best ones, at most {@code numBeams}; sampling: independent samples; greedy: 1
 * @param lengthPenalty      a finished beam scores {@code sum(logprobs) / generatedLength ^ lengthPenalty}
 * @param noRepeatNgramSize  no n-gram of this size occurs twice in a decoder sequence (0: off)
 * @param topK               keep the k best tokens when sampling (0: off; HF's default is 50)
 * @param topP               keep the smallest set of best tokens whose probability reaches p (1: off)
 * @param seed               the sampler's seed: the same seed, options and input give the same output
 * @param eosTokenId         -1: none (every sequence runs {@code maxNewTokens} steps)
 */
public record DecodingOptions(int maxNewTokens, int minNewTokens, int minLength, int numBeams, int numReturnSequences,
                              double lengthPenalty, EarlyStopping earlyStopping, int noRepeatNgramSize,
                              boolean doSample, double temperature, int topK, double topP, long seed, int eosTokenId) {

    /** HF's {@code early_stopping}: true, false (a heuristic on the current length) or "never" (the exact bound). */
    public enum EarlyStopping {
        TRUE, FALSE, NEVER;

        public static EarlyStopping of(boolean value) {
            return value ? TRUE : FALSE;
        }
    }

    public DecodingOptions {
        require(maxNewTokens >= 1, "max_new_tokens must be at least 1, not " + maxNewTokens);
        require(minNewTokens >= 0, "min_new_tokens must not be negative, not " + minNewTokens);
        require(minLength >= 0, "min_length must not be negative, not " + minLength);
        require(numBeams >= 1, "num_beams must be at least 1, not " + numBeams);
        require(numReturnSequences >= 1, "num_return_sequences must be at least 1, not " + numReturnSequences);
        require(numBeams == 1 || numReturnSequences <= numBeams,
                "num_return_sequences (" + numReturnSequences + ") must not exceed num_beams (" + numBeams + ")");
        require(numBeams > 1 || doSample || numReturnSequences == 1,
                "greedy decoding returns one sequence: num_return_sequences > 1 needs num_beams > 1 or do_sample");
        require(Double.isFinite(lengthPenalty), "length_penalty must be a finite number");
        require(earlyStopping != null, "early_stopping must be true, false or \"never\"");
        require(noRepeatNgramSize >= 0, "no_repeat_ngram_size must not be negative, not " + noRepeatNgramSize);
        require(temperature > 0 && Double.isFinite(temperature),
                "temperature must be a strictly positive number, not " + temperature);
        require(topK >= 0, "top_k must not be negative, not " + topK);
        require(topP > 0 && topP <= 1, "top_p must be in (0, 1], not " + topP);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Greedy with no processors: HF's defaults but for the length and eos. */
    public static DecodingOptions greedy(int maxNewTokens, int eosTokenId) {
        return new DecodingOptions(maxNewTokens, 0, 0, 1, 1, 1.0, EarlyStopping.FALSE, 0, false, 1.0, 50, 1.0, 0L,
                eosTokenId);
    }

    public boolean beams() {
        return numBeams > 1;
    }

    public DecodingOptions withNumBeams(int beams, int returnSequences) {
        return new DecodingOptions(maxNewTokens, minNewTokens, minLength, beams, returnSequences, lengthPenalty,
                earlyStopping, noRepeatNgramSize, doSample, temperature, topK, topP, seed, eosTokenId);
    }
}
