package dev.trident.seq2seq.inference;

import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.Generation;
import dev.trident.seq2seq.model.Seq2SeqLm;

import java.util.List;

/**
 * A served encoder-decoder model: the architecture, its tokenizer (null: ids-only mode), the language pairs and task
 * prefixes it was trained with, and generation_config's decoding defaults. Concurrent requests are decoded together
 * by one {@link DecodeScheduler} per model.
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
    private final GenerationDefaults defaults;
    private final DecodeScheduler scheduler;

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, GenerationDefaults defaults) {
        this(id, lm, tokenizer, translations, summarizePrefix, maxSourceTokens, defaults, DEFAULT_MAX_BATCH_ROWS);
    }

    /** Rows (beams, samples, requests) one decoder step takes at most, unless configured. */
    public static final int DEFAULT_MAX_BATCH_ROWS = 64;

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, GenerationDefaults defaults, int maxBatchRows) {
        this.id = id;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.translations = List.copyOf(translations);
        this.summarizePrefix = summarizePrefix;
        this.maxSourceTokens = maxSourceTokens;
        this.defaults = defaults;
        this.scheduler = new DecodeScheduler(id, lm, maxBatchRows);
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

    /** generation_config.json's decoding defaults (HF's where it has none). */
    public GenerationDefaults defaults() {
        return defaults;
    }

    public int vocabSize() {
        return lm.vocabSize();
    }

    /**
     * Encodes once, then decodes as {@code options} say (greedy, sampling, beam search, beam sampling), returning
     * {@code numReturnSequences} sequences, best first for beams.
     */
    public List<Output> generate(int[] inputIds, DecodingOptions options) {
        List<Generation.Hypothesis> found;
        try {
            found = scheduler.submit(inputIds, options).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
        return found.stream().map(h -> output(h.sequence(), options.beams() ? h.score() : null)).toList();
    }

    /** Decoder steps run, rows decoded and the widest step so far (how much the scheduler batched). */
    public long[] decodeCounters() {
        return new long[] {scheduler.steps(), scheduler.rows(), scheduler.widestStep()};
    }

    /** HF's options for this model: its eos, the rest as given. */
    public DecodingOptions options(int numBeams, int maxNewTokens, double lengthPenalty, boolean earlyStopping,
                                   int numReturnSequences) {
        return new DecodingOptions(maxNewTokens, 0, 0, numBeams, numReturnSequences, lengthPenalty,
                DecodingOptions.EarlyStopping.of(earlyStopping), 0, false, 1.0, 50, 1.0, 0L, lm.eosTokenId());
    }

    public int eosTokenId() {
        return lm.eosTokenId();
    }

    private Output output(int[] sequence, Float score) {
        int[] ids = java.util.Arrays.copyOfRange(sequence, 1, sequence.length);
        String text = tokenizer == null ? "" : tokenizer.decode(ids, true);
        return new Output(ids, text, score);
    }

    @Override
    public void close() {
        scheduler.close();
        lm.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
