package dev.trident.kernels.load;

import java.util.List;

/**
 * HF {@code LlamaConfig} (transformers' configuration_llama.py) with every default written out, so that a
 * config.json that omits a key binds to what transformers would use. Test code: the shared end-to-end check composes a
 * Llama from the blocks with it; the served architecture and its config live in the decoder service.
 *
 * <p>Defaults: vocab_size 32000, hidden_size 4096, intermediate_size 11008, num_hidden_layers 32,
 * num_attention_heads 32, num_key_value_heads = num_attention_heads, head_dim = hidden_size / num_attention_heads,
 * hidden_act "silu", max_position_embeddings 2048, initializer_range 0.02, rms_norm_eps 1e-6, pad_token_id None,
 * bos_token_id 1, eos_token_id 2, pretraining_tp 1, tie_word_embeddings false, rope_theta 10000.0,
 * rope_scaling None, attention_bias false, attention_dropout 0.0, mlp_bias false.
 *
 * @param eosTokenIds HF allows an int or a list; always a list here (possibly empty when config says null)
 * @param padTokenId  null when the model has none
 * @param bosTokenId  null when the model has none
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        String hiddenAct,
        int maxPositionEmbeddings,
        double initializerRange,
        double rmsNormEps,
        Integer padTokenId,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        int pretrainingTp,
        boolean tieWordEmbeddings,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean attentionBias,
        double attentionDropout,
        boolean mlpBias) {

    /**
     * {@code rope_scaling}: {@code linear} (positions divided by {@code factor}) or {@code llama3} (Llama 3.1's
     * frequency-dependent scaling, which needs all four numbers). Other types (dynamic, yarn, longrope) are refused
     * at load: an engine that ignored them would silently compute different logits beyond the original context.
     */
    public record RopeScaling(String type, double factor, Double lowFreqFactor, Double highFreqFactor,
                              Integer originalMaxPositionEmbeddings) {

        static RopeScaling from(HfConfig node) {
            // transformers accepts the legacy "type" key as well as "rope_type".
            String type = node.getString("rope_type", node.getString("type", null));
            if (type == null) {
                throw node.invalid("rope_scaling", "has neither \"rope_type\" nor \"type\"");
            }
            return switch (type) {
                case "default" -> null;
                case "linear" -> new RopeScaling(type, requireFactor(node), null, null, null);
                case "llama3" -> {
                    Double low = node.getDoubleOrNull("low_freq_factor");
                    Double high = node.getDoubleOrNull("high_freq_factor");
                    Integer original = node.getIntOrNull("original_max_position_embeddings");
                    if (low == null || high == null || original == null) {
                        throw node.invalid("rope_scaling", "type llama3 needs factor, low_freq_factor,"
                                + " high_freq_factor and original_max_position_embeddings");
                    }
                    yield new RopeScaling(type, requireFactor(node), low, high, original);
                }
                default -> throw node.invalid("rope_scaling", "type '" + type
                        + "' is not supported (Trident implements linear and llama3)");
            };
        }

        private static double requireFactor(HfConfig node) {
            Double factor = node.getDoubleOrNull("factor");
            if (factor == null || !(factor >= 1.0)) {
                throw node.invalid("rope_scaling", "needs a \"factor\" >= 1, got " + factor);
            }
            return factor;
        }
    }

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Binds {@code config}, applying HF's defaults and checking the head arithmetic. */
    public static LlamaConfig from(HfConfig config) {
        int hidden = config.getInt("hidden_size", 4096);
        int heads = config.getInt("num_attention_heads", 32);
        if (heads <= 0) {
            throw config.invalid("num_attention_heads", "must be positive, got " + heads);
        }
        int kvHeads = config.getInt("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw config.invalid("num_key_value_heads", kvHeads + " must divide num_attention_heads " + heads);
        }
        Integer headDim = config.getIntOrNull("head_dim");
        if (headDim == null) {
            if (hidden % heads != 0) {
                throw config.invalid("hidden_size", hidden + " is not a multiple of num_attention_heads " + heads
                        + " and head_dim is not given");
            }
            headDim = hidden / heads;
        }
        HfConfig scaling = config.getObject("rope_scaling");
        return new LlamaConfig(
                config.getInt("vocab_size", 32000),
                hidden,
                config.getInt("intermediate_size", 11008),
                config.getInt("num_hidden_layers", 32),
                heads,
                kvHeads,
                headDim,
                config.getString("hidden_act", "silu"),
                config.getInt("max_position_embeddings", 2048),
                config.getDouble("initializer_range", 0.02),
                config.getDouble("rms_norm_eps", 1e-6),
                config.getIntOrNull("pad_token_id"),
                // bos/eos: absent → HF default; explicit null → none.
                config.root().has("bos_token_id") ? config.getIntOrNull("bos_token_id") : Integer.valueOf(1),
                config.root().has("eos_token_id") ? config.getIntList("eos_token_id", List.of()) : List.of(2),
                config.getInt("pretraining_tp", 1),
                config.getBoolean("tie_word_embeddings", false),
                config.getDouble("rope_theta", 10000.0),
                scaling == null ? null : RopeScaling.from(scaling),
                config.getBoolean("attention_bias", false),
                config.getDouble("attention_dropout", 0.0),
                config.getBoolean("mlp_bias", false));
    }

    /** Reads and binds {@code config.json} of a model folder. */
    public static LlamaConfig read(java.nio.file.Path dirOrFile) {
        return from(HfConfig.read(dirOrFile));
    }

    /** The config transformers builds from {@code LlamaConfig()} with no arguments. */
    public static LlamaConfig defaults() {
        return from(HfConfig.parse("{}", java.nio.file.Path.of("<defaults>")));
    }
}
