package dev.trident.seq2seq.inference;

import dev.trident.kernels.load.HfConfig;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The decoding defaults a model ships in {@code generation_config.json}, over HF's own defaults (written out here):
 * what a request gets for every option it leaves out, as HF {@code generate} would use them. As HF's
 * {@code GenerationConfig.from_model_config}, a folder without a generation_config.json, or with one HF derived from
 * the model config ({@code _from_model_config}), takes what config.json says for the keys the former lacks (BART
 * checkpoints keep {@code forced_bos_token_id} / {@code forced_eos_token_id} there).
 *
 * @param maxNewTokens      {@code max_new_tokens}, else {@code max_length - 1} (HF's {@code max_length} counts the
 *                          start token; its default is 20)
 * @param repetitionPenalty {@code repetition_penalty} (1: off)
 * @param forcedBosTokenId  {@code forced_bos_token_id} (-1: none)
 * @param forcedEosTokenId  {@code forced_eos_token_id} (-1: none)
 * @param encoderRepetitionPenalty {@code encoder_repetition_penalty} (1: off)
 */
public record GenerationDefaults(int maxNewTokens, int minNewTokens, int minLength, int numBeams, double lengthPenalty,
                                 EarlyStopping earlyStopping, int noRepeatNgramSize, boolean doSample,
                                 double temperature, int topK, double topP, double repetitionPenalty,
                                 int forcedBosTokenId, int forcedEosTokenId, double encoderRepetitionPenalty) {

    public static final GenerationDefaults HF = new GenerationDefaults(19, 0, 0, 1, 1.0, EarlyStopping.FALSE, 0, false,
            1.0, 50, 1.0, 1.0, -1, -1, 1.0);

    public static GenerationDefaults read(Path dir) {
        Path file = dir.resolve("generation_config.json");
        Path model = dir.resolve(HfConfig.FILE);
        HfConfig generation = Files.isRegularFile(file) ? HfConfig.read(file) : null;
        HfConfig fromModel = (generation == null || generation.getBoolean("_from_model_config", false))
                && Files.isRegularFile(model) ? HfConfig.read(model) : null;
        Keys c = new Keys(generation, fromModel);
        Integer maxNew = c.intOrNull("max_new_tokens");
        Integer maxLength = c.intOrNull("max_length");
        int maxNewTokens = maxNew != null ? maxNew : Math.max(1, (maxLength != null ? maxLength : HF.maxNewTokens + 1) - 1);
        EarlyStopping early = HF.earlyStopping;
        JsonNode earlyNode = c.node("early_stopping");
        if (earlyNode != null && earlyNode.isString()) {
            early = "never".equals(earlyNode.asString()) ? EarlyStopping.NEVER : early;
        } else if (earlyNode != null) {
            early = EarlyStopping.of(c.from("early_stopping").getBoolean("early_stopping", false));
        }
        return new GenerationDefaults(maxNewTokens, c.integer("min_new_tokens", HF.minNewTokens),
                c.integer("min_length", HF.minLength), c.integer("num_beams", HF.numBeams),
                c.number("length_penalty", HF.lengthPenalty), early,
                c.integer("no_repeat_ngram_size", HF.noRepeatNgramSize), c.bool("do_sample", HF.doSample),
                c.number("temperature", HF.temperature), c.integer("top_k", HF.topK), c.number("top_p", HF.topP),
                c.number("repetition_penalty", HF.repetitionPenalty), c.tokenId("forced_bos_token_id"),
                c.tokenId("forced_eos_token_id"), c.number("encoder_repetition_penalty", HF.encoderRepetitionPenalty));
    }

    /** A key from generation_config.json, else (when it applies) from config.json; null values count as absent. */
    private record Keys(HfConfig generation, HfConfig model) {

        HfConfig from(String key) {
            if (generation != null && generation.has(key)) {
                return generation;
            }
            return model != null && model.has(key) ? model : null;
        }

        JsonNode node(String key) {
            HfConfig c = from(key);
            return c == null ? null : c.node(key);
        }

        Integer intOrNull(String key) {
            HfConfig c = from(key);
            return c == null ? null : c.getIntOrNull(key);
        }

        int integer(String key, int otherwise) {
            HfConfig c = from(key);
            return c == null ? otherwise : c.getInt(key, otherwise);
        }

        double number(String key, double otherwise) {
            HfConfig c = from(key);
            return c == null ? otherwise : c.getDouble(key, otherwise);
        }

        boolean bool(String key, boolean otherwise) {
            HfConfig c = from(key);
            return c == null ? otherwise : c.getBoolean(key, otherwise);
        }

        /** A token id, or HF's one-element list of one (several forced ids are not supported); -1 when absent. */
        int tokenId(String key) {
            HfConfig c = from(key);
            if (c == null) {
                return -1;
            }
            JsonNode n = c.node(key);
            if (n.isArray()) {
                if (n.size() != 1 || !n.get(0).isIntegralNumber()) {
                    throw c.invalid(key, "only a single forced token id is supported, not " + n);
                }
                return n.get(0).asInt();
            }
            return c.getInt(key, -1);
        }
    }
}
