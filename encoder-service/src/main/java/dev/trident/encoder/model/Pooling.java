package dev.trident.encoder.model;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How per-token hidden states become one sentence embedding, as sentence-transformers' {@code Pooling} and
 * {@code Normalize} modules do it.
 *
 * @param mode      CLS (the first token), MEAN (over the attention mask), NONE (no pooling: per-token states only)
 * @param normalize L2-normalise the pooled vector ({@code x / max(‖x‖, 1e-12)}, torch's {@code F.normalize})
 */
public record Pooling(Mode mode, boolean normalize) {

    public enum Mode {
        CLS, MEAN, NONE
    }

    public static final Pooling MEAN_NORMALIZED = new Pooling(Mode.MEAN, true);

    public Pooling {
        if (mode == null) {
            throw new IllegalArgumentException("pooling mode must not be null");
        }
        if (mode == Mode.NONE && normalize) {
            throw new IllegalArgumentException("normalisation needs a pooled vector: pooling NONE cannot normalise");
        }
    }

    /**
     * The pooling a sentence-transformers folder declares: {@code modules.json} lists a {@code Pooling} module
     * (whose {@code config.json} sets {@code pooling_mode_cls_token} or {@code pooling_mode_mean_tokens}) and maybe a
     * {@code Normalize} module. Empty when the folder has no {@code modules.json}.
     */
    public static Optional<Pooling> fromSentenceTransformers(Path dir) {
        Path modules = dir.resolve("modules.json");
        if (!Files.isRegularFile(modules)) {
            return Optional.empty();
        }
        ObjectMapper json = new ObjectMapper();
        try {
            JsonNode list = json.readTree(Files.readString(modules));
            Mode mode = null;
            boolean normalize = false;
            for (JsonNode module : list) {
                String type = module.path("type").asString("");
                if (type.endsWith(".Pooling")) {
                    Path config = dir.resolve(module.path("path").asString("1_Pooling")).resolve("config.json");
                    mode = poolingMode(json.readTree(Files.readString(config)), config);
                } else if (type.endsWith(".Normalize")) {
                    normalize = true;
                }
            }
            if (mode == null) {
                throw new IllegalArgumentException(modules + ": no sentence_transformers Pooling module");
            }
            return Optional.of(new Pooling(mode, normalize));
        } catch (IOException | tools.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(modules + ": cannot read the sentence-transformers modules: " + e.getMessage(), e);
        }
    }

    private static Mode poolingMode(JsonNode config, Path file) {
        boolean cls = config.path("pooling_mode_cls_token").asBoolean(false);
        boolean mean = config.path("pooling_mode_mean_tokens").asBoolean(false);
        for (String other : new String[] {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
            if (config.path(other).asBoolean(false)) {
                throw new IllegalArgumentException(file + ": " + other + " is not supported (CLS or mean pooling only)");
            }
        }
        if (cls == mean) {
            throw new IllegalArgumentException(file + ": exactly one of pooling_mode_cls_token and "
                    + "pooling_mode_mean_tokens must be true (found cls " + cls + ", mean " + mean + ")");
        }
        return cls ? Mode.CLS : Mode.MEAN;
    }

    /** One vector per row, {@code [batch][hidden]}; NONE is refused (there is nothing to pool into). */
    public float[][] pool(EncoderOutput output, EncoderBatch batch) {
        if (mode == Mode.NONE) {
            throw new IllegalStateException("pooling NONE: this model gives per-token hidden states only");
        }
        int hidden = output.hiddenSize();
        int seqLen = output.seqLen();
        float[] states = output.lastHiddenState();
        float[][] out = new float[output.batchSize()][hidden];
        for (int b = 0; b < output.batchSize(); b++) {
            float[] v = out[b];
            if (mode == Mode.CLS) {
                System.arraycopy(states, b * seqLen * hidden, v, 0, hidden);
            } else {
                // sum(h · mask) / max(sum(mask), 1e-9), accumulated in float32 as torch does.
                float count = 0;
                for (int t = 0; t < seqLen; t++) {
                    int m = batch.attentionMask()[b * seqLen + t];
                    if (m == 0) {
                        continue;
                    }
                    count += m;
                    int off = (b * seqLen + t) * hidden;
                    for (int j = 0; j < hidden; j++) {
                        v[j] += states[off + j] * m;
                    }
                }
                float denominator = Math.max(count, 1e-9f);
                for (int j = 0; j < hidden; j++) {
                    v[j] /= denominator;
                }
            }
            if (normalize) {
                l2Normalize(v);
            }
        }
        return out;
    }

    /** {@code x / max(‖x‖₂, 1e-12)} in place. */
    public static void l2Normalize(float[] x) {
        double sum = 0;
        for (float f : x) {
            sum += (double) f * f;
        }
        float norm = (float) Math.max(Math.sqrt(sum), 1e-12);
        for (int i = 0; i < x.length; i++) {
            x[i] /= norm;
        }
    }
}
