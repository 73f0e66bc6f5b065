package dev.trident.encoder.model;

import dev.trident.kernels.load.HfConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * config.json of a BERT-shaped model: {@code model_type} bert, roberta or xlm-roberta (RoBERTa is BERT with
 * pad-aware position ids and other head names). Every default is HF's (configuration_bert.py,
 * configuration_roberta.py, configuration_xlm_roberta.py, PretrainedConfig), because config.json only lists what
 * differs from them. Dropout keys are not bound: inference runs in eval mode.
 *
 * @param id2label    labels by id for the classification heads (PretrainedConfig: LABEL_0, LABEL_1 when absent)
 * @param problemType null, "regression", "single_label_classification" or "multi_label_classification"
 */
public record BertConfig(
        String modelType,
        List<String> architectures,
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double layerNormEps,
        int padTokenId,
        String positionEmbeddingType,
        List<String> id2label,
        String problemType) {

    public static final Set<String> MODEL_TYPES = Set.of("bert", "roberta", "xlm-roberta");

    public BertConfig {
        if (!MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("model_type " + modelType + " is not BERT-shaped " + MODEL_TYPES);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        if (!"absolute".equals(positionEmbeddingType)) {
            throw new IllegalArgumentException("position_embedding_type " + positionEmbeddingType
                    + " is not supported (only \"absolute\"; relative_key variants add a distance embedding)");
        }
    }

    public static BertConfig read(Path dir) {
        return from(HfConfig.read(dir));
    }

    public static BertConfig from(HfConfig c) {
        String type = c.modelType();
        if (!MODEL_TYPES.contains(type)) {
            throw c.invalid("model_type", "'" + type + "' is not BERT-shaped " + MODEL_TYPES);
        }
        boolean roberta = !type.equals("bert");
        // RobertaConfig: vocab 50265, pad 1; XLMRobertaConfig: vocab 30522, pad 1; BertConfig: vocab 30522, pad 0.
        int defaultVocab = type.equals("roberta") ? 50265 : 30522;
        int defaultPad = roberta ? 1 : 0;
        try {
            return new BertConfig(
                    type,
                    c.architectures(),
                    c.getInt("vocab_size", defaultVocab),
                    c.getInt("hidden_size", 768),
                    c.getInt("num_hidden_layers", 12),
                    c.getInt("num_attention_heads", 12),
                    c.getInt("intermediate_size", 3072),
                    c.getString("hidden_act", "gelu"),
                    c.getInt("max_position_embeddings", 512),
                    c.getInt("type_vocab_size", 2),
                    c.getDouble("layer_norm_eps", 1e-12),
                    c.getInt("pad_token_id", defaultPad),
                    c.getString("position_embedding_type", "absolute"),
                    Labels.id2label(c),
                    c.getString("problem_type", null));
        } catch (IllegalArgumentException e) {
            throw c.invalid(null, e.getMessage());
        }
    }

    /** RoBERTa and XLM-RoBERTa: positions count non-pad tokens from {@code padding_idx + 1}. */
    public boolean robertaPositions() {
        return !modelType.equals("bert");
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** The first architecture listed, or null. */
    public String architecture() {
        return architectures.isEmpty() ? null : architectures.getFirst();
    }
}
