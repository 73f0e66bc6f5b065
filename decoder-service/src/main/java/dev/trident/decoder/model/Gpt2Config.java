package dev.trident.decoder.model;

import dev.trident.kernels.load.HfConfig;

import java.util.List;

/** {@code config.json} of GPT-2 with transformers' GPT2Config defaults for absent keys. */
public record Gpt2Config(
        int vocabSize,
        int nPositions,
        int nEmbd,
        int nLayer,
        int nHead,
        Integer nInner,
        String activationFunction,
        double layerNormEpsilon,
        boolean scaleAttnWeights,
        boolean scaleAttnByInverseLayerIdx,
        boolean reorderAndUpcastAttn,
        Integer bosTokenId,
        List<Integer> eosTokenIds) {

    public static Gpt2Config from(HfConfig config) {
        Gpt2Config c = new Gpt2Config(
                config.getInt("vocab_size", 50257),
                config.getInt("n_positions", 1024),
                config.getInt("n_embd", 768),
                config.getInt("n_layer", 12),
                config.getInt("n_head", 12),
                config.getIntOrNull("n_inner"),
                config.getString("activation_function", "gelu_new"),
                config.getDouble("layer_norm_epsilon", 1e-5),
                config.getBoolean("scale_attn_weights", true),
                config.getBoolean("scale_attn_by_inverse_layer_idx", false),
                config.getBoolean("reorder_and_upcast_attn", false),
                config.has("bos_token_id") ? config.getIntOrNull("bos_token_id") : Integer.valueOf(50256),
                config.has("eos_token_id") ? config.getIntList("eos_token_id", List.of()) : List.of(50256));
        if (c.nEmbd() % c.nHead() != 0) {
            throw config.invalid("n_embd", c.nEmbd() + " is not a multiple of n_head " + c.nHead());
        }
        return c;
    }

    /** The MLP width: {@code n_inner}, or 4 × {@code n_embd} when it is null. */
    public int innerSize() {
        return nInner == null ? 4 * nEmbd : nInner;
    }

    public int headDim() {
        return nEmbd / nHead;
    }
}
