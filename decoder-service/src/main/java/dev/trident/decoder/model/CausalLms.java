package dev.trident.decoder.model;

import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;

import java.nio.file.Path;

/** Opens an HF causal-LM folder as the architecture its {@code model_type} names. */
public final class CausalLms {

    private CausalLms() {
    }

    public static CausalLm load(Path dir, LoadOptions options) {
        HfConfig config = HfConfig.read(dir);
        Checkpoint weights = Checkpoint.open(dir, options);
        try {
            return switch (config.modelType()) {
                case "llama", "mistral", "qwen2" -> new LlamaModel(LlamaConfig.from(config), weights, weights);
                case "gpt2" -> new Gpt2Model(Gpt2Config.from(config), weights, weights);
                default -> throw config.invalid("model_type", "'" + config.modelType()
                        + "' is not a decoder Trident serves (llama, mistral, qwen2, gpt2)");
            };
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }
}
