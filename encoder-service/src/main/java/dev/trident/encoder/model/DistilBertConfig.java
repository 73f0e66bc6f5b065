package dev.trident.encoder.model;

import dev.trident.kernels.load.HfConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * config.json of a DistilBERT model, with configuration_distilbert.py's defaults. Its LayerNorms use a fixed
 * {@code eps = 1e-12} (modeling_distilbert.py), so the config has no eps key. Dropout keys are not bound.
 *
 * @param sinusoidalPosEmbds position embeddings are the fixed sinusoid table (computed here) instead of learned
 */
public record DistilBertConfig(
        List<String> architectures,
        int vocabSize,
        int maxPositionEmbeddings,
        boolean sinusoidalPosEmbds,
        int nLayers,
        int nHeads,
        int dim,
        int hiddenDim,
        String activation,
        int padTokenId,
        List<String> id2label,
        String problemType) {

    public static final double LAYER_NORM_EPS = 1e-12;

    public DistilBertConfig {
        if (dim % nHeads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not a multiple of n_heads " + nHeads);
        }
    }

    public static DistilBertConfig read(Path dir) {
        return from(HfConfig.read(dir));
    }

    public static DistilBertConfig from(HfConfig c) {
        if (!c.modelType().equals("distilbert")) {
            throw c.invalid("model_type", "'" + c.modelType() + "' is not distilbert");
        }
        int dim = c.getInt("dim", 768);
        try {
            return new DistilBertConfig(
                    c.architectures(),
                    c.getInt("vocab_size", 30522),
                    c.getInt("max_position_embeddings", 512),
                    c.getBoolean("sinusoidal_pos_embds", false),
                    c.getInt("n_layers", 6),
                    c.getInt("n_heads", 12),
                    dim,
                    c.getInt("hidden_dim", 4 * 768),
                    c.getString("activation", "gelu"),
                    c.getInt("pad_token_id", 0),
                    Labels.id2label(c),
                    c.getString("problem_type", null));
        } catch (IllegalArgumentException e) {
            throw c.invalid(null, e.getMessage());
        }
    }

    public String architecture() {
        return architectures.isEmpty() ? null : architectures.getFirst();
    }
}
