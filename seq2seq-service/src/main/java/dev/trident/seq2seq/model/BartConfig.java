package dev.trident.seq2seq.model;

import dev.trident.kernels.load.HfConfig;

/**
 * {@code config.json} of the BART family — {@code bart} and {@code marian}, which share one post-LN encoder-decoder
 * and differ in positions (BART: learned, offset 2, plus {@code layernorm_embedding}; Marian: sinusoidal, computed)
 * and defaults. Defaults are those of transformers' BartConfig and MarianConfig for keys a file leaves out.
 *
 * @param decoderVocabSize Marian's {@code decoder_vocab_size} ({@code vocab_size} when absent; BART: {@code vocab_size})
 * @param shareEncoderDecoderEmbeddings Marian: one {@code model.shared} table for both sides (BART always shares)
 */
public record BartConfig(
        String modelType,
        int vocabSize,
        int decoderVocabSize,
        int dModel,
        int encoderLayers,
        int encoderFfnDim,
        int encoderAttentionHeads,
        int decoderLayers,
        int decoderFfnDim,
        int decoderAttentionHeads,
        String activationFunction,
        int maxPositionEmbeddings,
        boolean scaleEmbedding,
        boolean tieWordEmbeddings,
        boolean shareEncoderDecoderEmbeddings,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId) {

    /** The per-family defaults of keys that differ between BartConfig and MarianConfig. */
    private record Defaults(int vocab, int pad, int eos, int decoderStart) {
    }

    public static BartConfig from(HfConfig config) {
        String type = config.modelType();
        Defaults d = switch (type) {
            case "bart" -> new Defaults(50265, 1, 2, 2);
            case "marian" -> new Defaults(58101, 58100, 0, 58100);
            default -> throw config.invalid("model_type", "'" + type + "' is not a BART-family model (bart, marian)");
        };
        int vocab = config.getInt("vocab_size", d.vocab());
        Integer decoderVocab = type.equals("marian") ? config.getIntOrNull("decoder_vocab_size") : null;
        boolean share = !type.equals("marian") || config.getBoolean("share_encoder_decoder_embeddings", true);
        int dModel = config.getInt("d_model", 1024);
        int encoderHeads = config.getInt("encoder_attention_heads", 16);
        int decoderHeads = config.getInt("decoder_attention_heads", 16);
        if (dModel % encoderHeads != 0 || dModel % decoderHeads != 0) {
            throw config.invalid("d_model", dModel + " is not a multiple of the attention heads");
        }
        return new BartConfig(
                type,
                vocab,
                decoderVocab == null ? vocab : decoderVocab,
                dModel,
                config.getInt("encoder_layers", 12),
                config.getInt("encoder_ffn_dim", 4096),
                encoderHeads,
                config.getInt("decoder_layers", 12),
                config.getInt("decoder_ffn_dim", 4096),
                decoderHeads,
                config.getString("activation_function", "gelu"),
                config.getInt("max_position_embeddings", 1024),
                config.getBoolean("scale_embedding", false),
                config.getBoolean("tie_word_embeddings", true),
                share,
                config.getInt("pad_token_id", d.pad()),
                config.getInt("eos_token_id", d.eos()),
                config.getInt("decoder_start_token_id", d.decoderStart()));
    }

    public boolean marian() {
        return modelType.equals("marian");
    }
}
