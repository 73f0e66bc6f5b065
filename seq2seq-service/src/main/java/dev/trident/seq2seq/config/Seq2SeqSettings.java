package dev.trident.seq2seq.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.List;

/**
 * The models this replica serves ({@code trident.seq2seq.models}); the first is the default. {@code --model=DIR}
 * serves that one folder instead (text2text only, unless its config names tasks).
 */
@ConfigurationProperties("trident.seq2seq")
public record Seq2SeqSettings(@DefaultValue List<ModelSpec> models) {

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
}
