package dev.trident.seq2seq.inference;

import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import dev.trident.seq2seq.model.EncoderOutput;
import dev.trident.seq2seq.model.Generation;
import dev.trident.seq2seq.model.Seq2SeqLm;

import java.util.List;

/**
 * A served encoder-decoder model: the architecture, its tokenizer (null: ids-only mode), the language pairs and task
 * prefixes it was trained with, and generation_config's length limit. Requests on one model run one at a time.
 */
public final class Seq2SeqModel implements AutoCloseable {

    /** One returned sequence: its ids (without the decoder start token), its text and, for beams, its score. */
    public record Output(int[] ids, String text, Float score) {
    }

    private final String id;
    private final Seq2SeqLm lm;
    private final Tokenizer tokenizer;
    private final List<Translation> translations;
    private final String summarizePrefix;
    private final int maxSourceTokens;
    private final int defaultMaxNewTokens;

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, int defaultMaxNewTokens) {
        this.id = id;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.translations = List.copyOf(translations);
        this.summarizePrefix = summarizePrefix;
        this.maxSourceTokens = maxSourceTokens;
        this.defaultMaxNewTokens = defaultMaxNewTokens;
    }

    public String id() {
        return id;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public List<Translation> translations() {
        return translations;
    }

    public String summarizePrefix() {
        return summarizePrefix;
    }

    public int maxSourceTokens() {
        return maxSourceTokens;
    }

    public int defaultMaxNewTokens() {
        return defaultMaxNewTokens;
    }

    public int vocabSize() {
        return lm.vocabSize();
    }

    /**
     * Encodes once, then decodes greedily ({@code numBeams == 1}) or with HF's beam search, returning
     * {@code numReturnSequences} sequences best first. Generation stops at eos.
     */
    public synchronized List<Output> generate(int[] inputIds, int numBeams, int maxNewTokens, double lengthPenalty,
                                              boolean earlyStopping, int numReturnSequences) {
        EncoderOutput encoded = lm.encode(inputIds, null);
        if (numBeams == 1) {
            int[] sequence = Generation.greedy(lm, encoded, maxNewTokens, lm.eosTokenId());
            return List.of(output(sequence, null));
        }
        return Generation.beamSearch(lm, encoded, new Generation.BeamOptions(numBeams, maxNewTokens, lengthPenalty,
                        earlyStopping, lm.eosTokenId(), numReturnSequences)).stream()
                .map(h -> output(h.sequence(), h.score()))
                .toList();
    }

    private Output output(int[] sequence, Float score) {
        int[] ids = java.util.Arrays.copyOfRange(sequence, 1, sequence.length);
        String text = tokenizer == null ? "" : tokenizer.decode(ids, true);
        return new Output(ids, text, score);
    }

    @Override
    public void close() {
        lm.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
