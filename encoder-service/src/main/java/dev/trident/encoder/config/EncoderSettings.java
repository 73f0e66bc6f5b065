package dev.trident.encoder.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.List;

/**
 * The models this replica serves ({@code trident.encoder.models}); the first is the default for requests that
 * name none. {@code --model=DIR} on the command line replaces the list with that one folder.
 */
@ConfigurationProperties("trident.encoder")
public record EncoderSettings(@DefaultValue List<ModelSpec> models) {

    /**
     * One served model.
     *
     * @param id       the name requests use in {@code model}; defaults to the folder name
     * @param path     an HF model folder (config.json, safetensors, tokenizer.json when present)
     * @param builtin  instead of a folder: {@code all-minilm-l6-v2}, the default model from its Maven artifact
     * @param quantize {@code none} (weights as stored) or {@code q8_0} (quantized at load)
     * @param task     override the checkpoint's head: {@code embedding} serves any checkpoint as an embedder
     * @param pooling  override pooling: {@code cls}, {@code mean} or {@code none} (else sentence-transformers' files)
     * @param normalize with {@code pooling}: L2-normalise pooled embeddings
     */
    public record ModelSpec(String id, String path, String builtin, @DefaultValue("none") String quantize,
                            String task, String pooling, @DefaultValue("false") boolean normalize) {
    }
}
