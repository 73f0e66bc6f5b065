package dev.trident.seq2seq.inference;

import dev.trident.kernels.tokenize.Tokenizer;
import dev.trident.seq2seq.config.Seq2SeqSettings.Serving;
import dev.trident.seq2seq.config.Seq2SeqSettings.Translation;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.Generation;
import dev.trident.seq2seq.model.Seq2SeqLm;

import dev.trident.seq2seq.web.ApiException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A served encoder-decoder model: the architecture, its tokenizer (null: ids-only mode), the language pairs and task
 * prefixes it was trained with, and generation_config's decoding defaults. Concurrent requests are decoded together
 * by one {@link DecodeScheduler} per model.
 */
public final class Seq2SeqModel implements AutoCloseable {

    /** One returned sequence: its ids (without the decoder start token), its text and, for beams, its score. */
    public record Output(int[] ids, String text, Float score) {
    }

    /** One input's sequences and how long it took from admission to its last token. */
    public record Result(List<Output> outputs, double timeMs) {
    }

    private final String id;
    private final Seq2SeqLm lm;
    private final Tokenizer tokenizer;
    private final List<Translation> translations;
    private final String summarizePrefix;
    private final int maxSourceTokens;
    private final GenerationDefaults defaults;
    private final DecodeScheduler scheduler;
    private final Serving serving;

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, GenerationDefaults defaults) {
        this(id, lm, tokenizer, translations, summarizePrefix, maxSourceTokens, defaults, DEFAULT_MAX_BATCH_ROWS);
    }

    /** Rows (beams, samples, requests) one decoder step takes at most, unless configured. */
    public static final int DEFAULT_MAX_BATCH_ROWS = 64;

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, GenerationDefaults defaults, int maxBatchRows) {
        this(id, lm, tokenizer, translations, summarizePrefix, maxSourceTokens, defaults, maxBatchRows, Serving.DEFAULTS);
    }

    public Seq2SeqModel(String id, Seq2SeqLm lm, Tokenizer tokenizer, List<Translation> translations, String summarizePrefix,
                        int maxSourceTokens, GenerationDefaults defaults, int maxBatchRows, Serving serving) {
        this.id = id;
        this.serving = serving;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.translations = List.copyOf(translations);
        this.summarizePrefix = summarizePrefix;
        this.maxSourceTokens = maxSourceTokens;
        this.defaults = defaults;
        this.scheduler = new DecodeScheduler(id, lm, maxBatchRows, serving.maxQueuedInputs());
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
        return generate(List.<int[]>of(inputIds), options).getFirst().outputs();
    }

    /**
     * Decodes all of {@code inputs} together (they join the model's other running requests), or refuses them all:
     * 429 ({@code overloaded}, with {@code Retry-After}) when the model's queue cannot take them, 400 when they could
     * never fit. Past the request timeout (or when the waiting thread is interrupted) every input still running is
     * cancelled, which frees its decoder rows at the next step, and the request is answered 503 ({@code timeout}).
     */
    public List<Result> generate(List<int[]> inputs, DecodingOptions options) {
        int limit = serving.maxQueuedInputs();
        if (inputs.size() > limit) {
            throw ApiException.invalid("a request may carry at most " + limit + " inputs for model '" + id + "', not "
                    + inputs.size());
        }
        long start = System.nanoTime();
        List<CompletableFuture<List<Generation.Hypothesis>>> futures;
        try {
            futures = scheduler.submit(inputs, options);
        } catch (DecodeScheduler.QueueFull e) {
            throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "overloaded", "model '" + id + "' has " + e.admitted
                    + " inputs waiting or decoding (at most " + e.limit + "); retry later",
                    Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, serving.retryAfter().toSeconds()))));
        }
        // Each input's own finish time, taken in the thread that completes it (the waits below run in turn).
        List<CompletableFuture<Timed>> timed = futures.stream().map(f -> f.thenApply(h -> new Timed(h, System.nanoTime())))
                .toList();
        long deadline = start + serving.requestTimeout().toNanos();
        List<Result> results = new ArrayList<>(futures.size());
        try {
            for (int i = 0; i < futures.size(); i++) {
                Timed found = timed.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                List<Output> outputs = found.hypotheses().stream()
                        .map(h -> output(h.sequence(), options.beams() ? h.score() : null)).toList();
                results.add(new Result(outputs, (found.nanos() - start) / 1e6));
            }
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false));
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "timeout", "model '" + id + "' did not finish within "
                    + serving.requestTimeout().toMillis() + " ms; the request was cancelled");
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "cancelled", "the request was cancelled");
        } catch (CancellationException e) {
            futures.forEach(f -> f.cancel(false));
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "cancelled", "the request was cancelled");
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        }
        return results;
    }

    private record Timed(List<Generation.Hypothesis> hypotheses, long nanos) {
    }

    /** Inputs admitted now (waiting or decoding) and searches dropped because their request was cancelled. */
    public long[] queueCounters() {
        return new long[] {scheduler.admitted(), scheduler.abandoned()};
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
