package dev.trident.seq2seq.model;

import dev.trident.kernels.load.HfConfig;

/**
 * {@code config.json} of a T5 checkpoint (T5 v1.0, v1.1, Flan-T5), with transformers' T5Config defaults for every
 * key a file leaves out. {@code feed_forward_proj} is {@code "{act}"} or {@code "gated-{act}"}; {@code "gated-gelu"}
 * means the tanh GELU ({@code gelu_new}) as in T5Config.
 *
 * @param numDecoderLayers {@code num_decoder_layers}, {@code num_layers} when absent
 * @param denseActFn       the feed-forward activation (HF spelling)
 * @param gatedAct         {@code wi_0}/{@code wi_1} gated feed-forward (v1.1/Flan) instead of {@code wi}
 * @param tieWordEmbeddings LM head = {@code shared.weight}, with the decoder output rescaled by {@code d_model^-0.5}
 */
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numHeads,
        int relativeAttentionNumBuckets,
        int relativeAttentionMaxDistance,
        double layerNormEpsilon,
        String feedForwardProj,
        String denseActFn,
        boolean gatedAct,
        boolean tieWordEmbeddings,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId) {

    public static T5Config from(HfConfig config) {
        if (!config.modelType().equals("t5")) {
            throw config.invalid("model_type", "'" + config.modelType() + "' is not t5");
        }
        String proj = config.getString("feed_forward_proj", "relu");
        String[] parts = proj.split("-");
        if (parts.length > 2 || (parts.length == 2 && !parts[0].equals("gated"))) {
            throw config.invalid("feed_forward_proj", "'" + proj + "' is not '{ACT_FN}' or 'gated-{ACT_FN}'");
        }
        boolean gated = parts[0].equals("gated");
        String act = proj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1];
        int numLayers = config.getInt("num_layers", 6);
        Integer decoderLayers = config.getIntOrNull("num_decoder_layers");
        int pad = config.getInt("pad_token_id", 0);
        Integer start = config.getIntOrNull("decoder_start_token_id");
        return new T5Config(
                config.getInt("vocab_size", 32128),
                config.getInt("d_model", 512),
                config.getInt("d_kv", 64),
                config.getInt("d_ff", 2048),
                numLayers,
                decoderLayers == null ? numLayers : decoderLayers,
                config.getInt("num_heads", 8),
                config.getInt("relative_attention_num_buckets", 32),
                config.getInt("relative_attention_max_distance", 128),
                config.getDouble("layer_norm_epsilon", 1e-6),
                proj,
                act,
                gated,
                config.getBoolean("tie_word_embeddings", true),
                pad,
                config.getInt("eos_token_id", 1),
                // T5 checkpoints start decoding from the pad token; HF's T5 writes decoder_start_token_id = 0.
                start == null ? pad : start);
    }

    /** {@code num_heads · d_kv}: the width of q, k, v (need not equal {@code d_model}). */
    public int innerDim() {
        return numHeads * dKv;
    }
}
