package dev.trident.seq2seq.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * The models this replica serves ({@code trident.seq2seq.models}); the first is the default. {@code --model=DIR}
 * serves that one folder instead (text2text only, unless its config names tasks). {@code trident.seq2seq.serving}
 * bounds what waits on each model.
 */
@ConfigurationProperties("trident.seq2seq")
public record Seq2SeqSettings(@DefaultValue List<ModelSpec> models, @DefaultValue Serving serving) {

    /**
     * @param translations   language pairs with the task prefix the model was trained with
     * @param summarizePrefix the prefix for summarization (T5's "summarize: "), or null when the model cannot
     * @param maxSourceTokens the longest input the encoder takes
     * @param maxBatchRows    decoder rows (beams, samples, concurrent requests) one step takes at most
     */
    public record ModelSpec(String id, String path, String builtin, @DefaultValue("none") String quantize,
                            @DefaultValue List<Translation> translations, String summarizePrefix,
                            @DefaultValue("512") int maxSourceTokens, @DefaultValue("64") int maxBatchRows) {
    }

    public record Translation(String source, String target, String prefix) {
    }

    /**
     * @param maxQueuedInputs inputs (each text of a request) admitted per model, waiting or decoding; a request that
     *                        would pass it is answered 429 with {@code Retry-After}
     * @param retryAfter      what {@code Retry-After} tells a refused client
     * @param requestTimeout  how long a request may wait for its outputs; past it the request is answered 503
     *                        ({@code timeout}) and its searches leave the decoder at the next step
     */
    public record Serving(@DefaultValue("256") int maxQueuedInputs, @DefaultValue("1s") Duration retryAfter,
                          @DefaultValue("120s") Duration requestTimeout) {

        public static final Serving DEFAULTS = new Serving(256, Duration.ofSeconds(1), Duration.ofSeconds(120));

        public Serving {
            if (maxQueuedInputs < 1) {
                throw new IllegalArgumentException("max-queued-inputs must be at least 1, not " + maxQueuedInputs);
            }
        }
    }
}
