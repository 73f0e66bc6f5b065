package dev.trident.encoder.model;

import dev.trident.encoder.inference.EncoderModels;
import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The BERT-family models of the oracle (HF transformers 4.39, float32, eager attention) on their padded batch of two
 * rows: every hidden state, the pooler output and the head logits within
 * {@code max|x - ref| <= 1e-4 · max(1, max|ref|)}, padded positions included; and the padded row run alone agrees
 * with itself inside the batch.
 */
class OracleGoldenTest {

    static final List<String> ORACLES = List.of("bert-model", "bert-seqcls", "bert-tokcls", "roberta-model",
            "roberta-seqcls", "distilbert-model", "distilbert-tokcls");

    @ParameterizedTest
    @ValueSource(strings = {"bert-model", "bert-seqcls", "bert-tokcls", "roberta-model", "roberta-seqcls",
            "distilbert-model", "distilbert-tokcls"})
    void matchesTheReference(String name) throws Exception {
        Path dir = oracle(name);
        JsonNode reference = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        JsonNode outputs = reference.path("outputs");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            EncoderArchitecture model = EncoderModels.architecture(HfConfig.read(dir), checkpoint, null);
            assertThat(model.task()).isEqualTo(expectedTask(name));
            EncoderBatch batch = inputs(reference.path("inputs"));
            EncoderOutput out = model.forward(batch, true);

            JsonNode hiddenStates = outputs.path("hidden_states");
            assertThat(out.hiddenStates()).hasSize(hiddenStates.size());
            for (int i = 0; i < hiddenStates.size(); i++) {
                assertClose(name + " hidden_states[" + i + "]", out.hiddenStates().get(i), hiddenStates.get(i));
            }
            assertClose(name + " last hidden state", out.lastHiddenState(), hiddenStates.get(hiddenStates.size() - 1));
            if (outputs.has("last_hidden_state")) {
                assertClose(name + " last_hidden_state", out.lastHiddenState(), outputs.path("last_hidden_state"));
            }
            if (outputs.has("pooler_output")) {
                assertClose(name + " pooler_output", out.poolerOutput(), outputs.path("pooler_output"));
            }
            if (outputs.has("logits")) {
                assertClose(name + " logits", model.logits(out, batch), outputs.path("logits"));
                assertThat(model.labels()).hasSize(outputs.path("logits").path("shape").get(outputs.path("logits").path("shape").size() - 1).asInt());
            }
        }
    }

    /**
     * The serving path computes only the real tokens (packed, no padding in any matrix product): every real
     * position of every layer still matches HF within the same tolerance, the heads too, and padded positions are
     * zero.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bert-model", "bert-seqcls", "bert-tokcls", "roberta-model", "roberta-seqcls",
            "distilbert-model", "distilbert-tokcls"})
    void realTokensOnlyMatchTheReferenceAndLeavePaddingZero(String name) throws Exception {
        Path dir = oracle(name);
        JsonNode reference = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        JsonNode outputs = reference.path("outputs");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            EncoderArchitecture model = EncoderModels.architecture(HfConfig.read(dir), checkpoint, null);
            EncoderBatch batch = inputs(reference.path("inputs"));
            assertThat(batch.length(1)).as("the oracle batch has a padded row").isLessThan(batch.seqLen());
            EncoderOutput out = model.forward(batch, true, false);
            int h = model.hiddenSize();
            JsonNode hiddenStates = outputs.path("hidden_states");
            for (int i = 0; i < hiddenStates.size(); i++) {
                assertRealRowsClose(name + " hidden_states[" + i + "]", out.hiddenStates().get(i),
                        hiddenStates.get(i), batch, h, true);
            }
            if (outputs.has("pooler_output")) {
                assertClose(name + " pooler_output", out.poolerOutput(), outputs.path("pooler_output"));
            }
            if (outputs.has("logits")) {
                float[] logits = model.logits(out, batch);
                if (model.task() == EncoderTask.TOKEN_CLASSIFICATION) {
                    assertRealRowsClose(name + " logits", logits, outputs.path("logits"), batch,
                            logits.length / batch.tokens(), false);
                } else {
                    assertClose(name + " logits", logits, outputs.path("logits"));
                }
            }
        }
    }

    /** Rows of real tokens within the tolerance of {@link #assertClose}; rows of padding zero when asked. */
    static void assertRealRowsClose(String what, float[] actual, JsonNode expectedArray, EncoderBatch batch, int width,
                                    boolean paddingIsZero) {
        float[] expected = floats(expectedArray.path("data"));
        assertThat(actual).as(what).hasSameSizeAs(expected);
        float maxRef = 0;
        for (float e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        float tolerance = 1e-4f * Math.max(1f, maxRef);
        for (int position = 0; position < batch.tokens(); position++) {
            boolean real = batch.attentionMask()[position] != 0;
            for (int j = position * width; j < (position + 1) * width; j++) {
                if (real) {
                    assertThat(Math.abs(actual[j] - expected[j])).as("%s, position %d", what, position)
                            .isLessThanOrEqualTo(tolerance);
                } else if (paddingIsZero) {
                    assertThat(actual[j]).as("%s, padded position %d", what, position).isZero();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-seqcls", "roberta-seqcls", "distilbert-tokcls"})
    void aPaddedRowAgreesWithItselfAlone(String name) throws Exception {
        Path dir = oracle(name);
        JsonNode inputs = new ObjectMapper().readTree(dir.resolve("reference.json").toFile()).path("inputs");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            EncoderArchitecture model = EncoderModels.architecture(HfConfig.read(dir), checkpoint, null);
            EncoderBatch batch = inputs(inputs);
            EncoderOutput together = model.forward(batch, false);
            float[] togetherLogits = model.logits(together, batch);

            int length = inputs.path("lengths").get(1).asInt();
            int seqLen = batch.seqLen();
            int h = model.hiddenSize();
            int[] ids = Arrays.copyOfRange(batch.inputIds(), seqLen, seqLen + length);
            int[] types = Arrays.copyOfRange(batch.tokenTypeIds(), seqLen, seqLen + length);
            EncoderBatch alone = EncoderBatch.pad(List.of(ids), List.of(types), model.padTokenId());
            EncoderOutput single = model.forward(alone, false);
            float[] expected = Arrays.copyOfRange(together.lastHiddenState(), seqLen * h, (seqLen + length) * h);
            assertThat(maxDiff(single.lastHiddenState(), expected)).isLessThanOrEqualTo(1e-5f);

            float[] singleLogits = model.logits(single, alone);
            int perRow = togetherLogits.length / batch.batchSize();
            int width = model.task() == EncoderTask.TOKEN_CLASSIFICATION ? perRow / seqLen : perRow;
            int count = model.task() == EncoderTask.TOKEN_CLASSIFICATION ? length * width : width;
            float[] expectedLogits = Arrays.copyOfRange(togetherLogits, perRow, perRow + count);
            assertThat(maxDiff(singleLogits, expectedLogits)).isLessThanOrEqualTo(1e-5f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-model", "distilbert-tokcls"})
    void reducedPrecisionWeightsStayClose(String name) throws Exception {
        // Q8_0 matrices: an error of a few 1e-3 relative per weight; the outputs stay close, not exact.
        Path dir = oracle(name);
        JsonNode reference = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
        try (Checkpoint checkpoint = Checkpoint.open(dir, LoadOptions.q8_0())) {
            assertThat(checkpoint.quantizedNames()).isNotEmpty();
            EncoderArchitecture model = EncoderModels.architecture(HfConfig.read(dir), checkpoint, null);
            EncoderOutput out = model.forward(inputs(reference.path("inputs")), false);
            JsonNode states = reference.path("outputs").path("hidden_states");
            float[] ref = floats(states.get(states.size() - 1).path("data"));
            assertThat(maxDiff(out.lastHiddenState(), ref)).isLessThan(0.1f);
            assertThat(cosine(out.lastHiddenState(), ref)).isGreaterThan(0.999);
        }
    }

    static EncoderTask expectedTask(String name) {
        if (name.endsWith("seqcls")) {
            return EncoderTask.SEQUENCE_CLASSIFICATION;
        }
        return name.endsWith("tokcls") ? EncoderTask.TOKEN_CLASSIFICATION : EncoderTask.EMBEDDING;
    }

    static EncoderBatch inputs(JsonNode inputs) {
        return EncoderBatch.of(ints(inputs.path("input_ids")), ints(inputs.path("attention_mask")),
                inputs.has("token_type_ids") ? ints(inputs.path("token_type_ids")) : null);
    }

    static int[][] ints(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = rows.get(i);
            out[i] = new int[row.size()];
            for (int j = 0; j < row.size(); j++) {
                out[i][j] = row.get(j).asInt();
            }
        }
        return out;
    }

    static float[] floats(JsonNode data) {
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    static void assertClose(String what, float[] actual, JsonNode expectedArray) {
        float[] expected = floats(expectedArray.path("data"));
        assertThat(actual).as(what).hasSameSizeAs(expected);
        float maxRef = 0;
        for (float e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        float tolerance = 1e-4f * Math.max(1f, maxRef);
        assertThat(maxDiff(actual, expected)).as("%s: max |x - ref| (tolerance %s)", what, tolerance)
                .isLessThanOrEqualTo(tolerance);
    }

    static float maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static Path oracle(String name) throws URISyntaxException {
        return Path.of(OracleGoldenTest.class.getResource("/oracle/" + name + "/config.json").toURI()).getParent();
    }
}
