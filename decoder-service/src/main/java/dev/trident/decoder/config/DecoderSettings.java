package dev.trident.decoder.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.List;

/**
 * The models this replica serves ({@code trident.decoder.models}); the first is the default. {@code --model=DIR}
 * on the command line serves that one folder instead.
 *
 * @param maxBatchSize sequences of one model decoded together in a step ({@code trident.decoder.max-batch-size});
 *                     more wait for a slot. Each choice of an {@code n > 1} request is one sequence.
 */
@ConfigurationProperties("trident.decoder")
public record DecoderSettings(@DefaultValue List<ModelSpec> models, @DefaultValue("16") int maxBatchSize) {

    /**
     * @param id           the name requests use in {@code model}; defaults to the folder name
     * @param path         an HF model folder
     * @param builtin      instead of a folder: {@code stories260K}, committed in this service's resources
     * @param quantize     {@code none} or {@code q8_0}
     * @param stopTokenIds token ids that end generation besides the model's eos (stories260K ends stories with 1)
     */
    public record ModelSpec(String id, String path, String builtin, @DefaultValue("none") String quantize,
                            @DefaultValue List<Integer> stopTokenIds) {
    }
}
