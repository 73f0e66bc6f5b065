package dev.trident.decoder.model;

import dev.trident.kernels.load.HfConfig;

import java.util.List;

/**
 * {@code config.json} of the Llama family — {@code llama}, {@code mistral}, {@code qwen2} — which share one forward
 * pass and differ in a few switches: Mistral's sliding window, Qwen2's q/k/v biases. Defaults are those of
 * transformers' LlamaConfig, MistralConfig and Qwen2Config for keys a file leaves out.
 *
 * @param slidingWindow 0 for full attention, else keys with {@code q - k < window} are visible
 * @param qkvBias       q/k/v projections carry a bias (Qwen2 always; Llama with {@code attention_bias})
 * @param outputBias    o_proj carries a bias (Llama with {@code attention_bias})
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        String hiddenAct,
        int maxPositionEmbeddings,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        double ropeTheta,
        RopeScaling ropeScaling,
        int slidingWindow,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        Integer bosTokenId,
        List<Integer> eosTokenIds) {

    /** {@code rope_scaling}: {@code linear} (positions / factor) or {@code llama3} (Llama 3.1's frequency bands). */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
    }

    /** The per-family defaults of keys that differ between LlamaConfig, MistralConfig and Qwen2Config. */
    private record Defaults(int vocab, int hidden, int intermediate, int layers, int heads, Integer kvHeads,
                            int maxPositions, double rmsEps, boolean tie) {
    }

    public static LlamaConfig from(HfConfig config) {
        String type = config.modelType();
        Defaults d = switch (type) {
            case "llama" -> new Defaults(32000, 4096, 11008, 32, 32, null, 2048, 1e-6, false);
            case "mistral" -> new Defaults(32000, 4096, 14336, 32, 32, 8, 4096 * 32, 1e-6, false);
            case "qwen2" -> new Defaults(151936, 4096, 22016, 32, 32, 32, 32768, 1e-6, false);
            default -> throw config.invalid("model_type", "'" + type + "' is not a Llama-family model (llama, mistral, qwen2)");
        };
        int hidden = config.getInt("hidden_size", d.hidden());
        int heads = config.getInt("num_attention_heads", d.heads());
        int kvHeads = config.getInt("num_key_value_heads", d.kvHeads() == null ? heads : d.kvHeads());
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw config.invalid("num_key_value_heads", kvHeads + " must divide num_attention_heads " + heads);
        }
        Integer headDim = config.getIntOrNull("head_dim");
        if (headDim == null) {
            if (hidden % heads != 0) {
                throw config.invalid("hidden_size", hidden + " is not a multiple of num_attention_heads " + heads);
            }
            headDim = hidden / heads;
        }
        int window = switch (type) {
            // An explicit null window means full attention; an absent one, MistralConfig's default 4096.
            case "mistral" -> config.root().has("sliding_window") && config.root().get("sliding_window").isNull() ? 0
                    : config.getInt("sliding_window", 4096);
            case "qwen2" -> config.getBoolean("use_sliding_window", false) ? config.getInt("sliding_window", 4096) : 0;
            default -> 0;
        };
        boolean attentionBias = config.getBoolean("attention_bias", false);
        return new LlamaConfig(
                type,
                config.getInt("vocab_size", d.vocab()),
                hidden,
                config.getInt("intermediate_size", d.intermediate()),
                config.getInt("num_hidden_layers", d.layers()),
                heads,
                kvHeads,
                headDim,
                config.getString("hidden_act", "silu"),
                config.getInt("max_position_embeddings", d.maxPositions()),
                config.getDouble("rms_norm_eps", d.rmsEps()),
                config.getBoolean("tie_word_embeddings", d.tie()),
                config.getDouble("rope_theta", 10000.0),
                ropeScaling(config.getObject("rope_scaling"), config),
                window,
                type.equals("qwen2") || attentionBias,
                !type.equals("qwen2") && attentionBias,
                config.getBoolean("mlp_bias", false),
                config.has("bos_token_id") ? config.getIntOrNull("bos_token_id") : Integer.valueOf(1),
                config.has("eos_token_id") ? config.getIntList("eos_token_id", List.of()) : List.of(2));
    }

    private static RopeScaling ropeScaling(HfConfig scaling, HfConfig config) {
        if (scaling == null) {
            return null;
        }
        String type = scaling.getString("rope_type", scaling.getString("type", null));
        if (type == null || type.equals("default")) {
            return null;
        }
        return switch (type) {
            case "linear" -> new RopeScaling(type, scaling.getDouble("factor", 1.0), 0, 0, 0);
            case "llama3" -> new RopeScaling(type, scaling.getDouble("factor", 8.0), scaling.getDouble("low_freq_factor", 1.0),
                    scaling.getDouble("high_freq_factor", 4.0), scaling.getInt("original_max_position_embeddings", 8192));
            default -> throw config.invalid("rope_scaling", "type '" + type + "' is not supported (linear, llama3)");
        };
    }
}
