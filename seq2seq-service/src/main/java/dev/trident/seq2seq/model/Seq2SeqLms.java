package dev.trident.seq2seq.model;

import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;

import java.nio.file.Path;

/** Opens an HF encoder-decoder folder as the architecture its {@code model_type} names. */
public final class Seq2SeqLms {

    private Seq2SeqLms() {
    }

    public static Seq2SeqLm load(Path dir, LoadOptions options) {
        HfConfig config = HfConfig.read(dir);
        Checkpoint weights = Checkpoint.open(dir, options);
        try {
            return switch (config.modelType()) {
                case "t5" -> new T5Model(T5Config.from(config), weights, weights);
                case "bart", "marian" -> new BartModel(BartConfig.from(config), weights, weights);
                default -> throw config.invalid("model_type", "'" + config.modelType()
                        + "' is not an encoder-decoder Trident serves (t5, bart, marian)");
            };
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }
}
