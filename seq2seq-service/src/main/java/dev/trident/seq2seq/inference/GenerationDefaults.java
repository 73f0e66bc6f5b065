package dev.trident.seq2seq.inference;

import dev.trident.kernels.load.HfConfig;
import dev.trident.seq2seq.model.DecodingOptions.EarlyStopping;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The decoding defaults a model ships in {@code generation_config.json}, over HF's own defaults (written out here):
 * what a request gets for every option it leaves out, as HF {@code generate} would use them.
 *
 * @param maxNewTokens {@code max_new_tokens}, else {@code max_length - 1} (HF's {@code max_length} counts the start
 *                     token; its default is 20)
 */
public record GenerationDefaults(int maxNewTokens, int minNewTokens, int minLength, int numBeams, double lengthPenalty,
                                 EarlyStopping earlyStopping, int noRepeatNgramSize, boolean doSample,
                                 double temperature, int topK, double topP) {

    public static final GenerationDefaults HF = new GenerationDefaults(19, 0, 0, 1, 1.0, EarlyStopping.FALSE, 0, false,
            1.0, 50, 1.0);

    public static GenerationDefaults read(Path dir) {
        Path file = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return HF;
        }
        HfConfig c = HfConfig.read(file);
        Integer maxNew = c.getIntOrNull("max_new_tokens");
        int maxNewTokens = maxNew != null ? maxNew : Math.max(1, c.getInt("max_length", HF.maxNewTokens + 1) - 1);
        EarlyStopping early = HF.earlyStopping;
        if (c.has("early_stopping") && c.node("early_stopping").isString()) {
            early = "never".equals(c.getString("early_stopping", "")) ? EarlyStopping.NEVER : early;
        } else if (c.has("early_stopping")) {
            early = EarlyStopping.of(c.getBoolean("early_stopping", false));
        }
        return new GenerationDefaults(maxNewTokens, c.getInt("min_new_tokens", HF.minNewTokens),
                c.getInt("min_length", HF.minLength), c.getInt("num_beams", HF.numBeams),
                c.getDouble("length_penalty", HF.lengthPenalty), early,
                c.getInt("no_repeat_ngram_size", HF.noRepeatNgramSize), c.getBoolean("do_sample", HF.doSample),
                c.getDouble("temperature", HF.temperature), c.getInt("top_k", HF.topK), c.getDouble("top_p", HF.topP));
    }
}
