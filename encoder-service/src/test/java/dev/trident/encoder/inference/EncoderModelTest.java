package dev.trident.encoder.inference;

import dev.trident.encoder.model.BertConfig;
import dev.trident.encoder.model.BertModel;
import dev.trident.encoder.model.EncoderBatch;
import dev.trident.encoder.model.EncoderOutput;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.SequencedSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The entry point the service layer uses, over the oracle's folders (no tokenizer there: ids-only mode). */
class EncoderModelTest {

    @Test
    void sequenceClassifierGivesLogitsAndSoftmaxPerRowUnpadded() throws Exception {
        try (EncoderModel model = EncoderModels.load(oracle("bert-seqcls"), LoadOptions.mapped())) {
            EncoderModel.Summary summary = model.summary();
            assertThat(summary.task()).isEqualTo(EncoderTask.SEQUENCE_CLASSIFICATION);
            assertThat(summary.labels()).containsExactly("LABEL_0", "LABEL_1", "LABEL_2");
            assertThat(summary.hasTokenizer()).isFalse();
            assertThat(model.tokenizer()).isNull();
            assertThat(model.scoring()).isEqualTo(EncoderModel.Scoring.SOFTMAX);

            List<EncoderModel.Classification> out = model.classify(
                    List.of(new int[] {2, 45, 812, 7, 99, 3, 517, 4}, new int[] {2, 301, 66, 3, 900, 4}),
                    List.of(new int[] {0, 0, 0, 0, 1, 1, 1, 1}, new int[] {0, 0, 0, 0, 1, 1}));
            assertThat(out).hasSize(2);
            for (EncoderModel.Classification c : out) {
                assertThat(c.logits()).hasSize(3);
                float sum = 0;
                for (float p : c.probabilities()) {
                    sum += p;
                }
                assertThat(sum).isCloseTo(1f, within(1e-5f));
            }
            assertThatThrownBy(() -> model.tokenLogits(List.of(new int[] {2, 3}), null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("SEQUENCE_CLASSIFICATION");
            assertThatThrownBy(() -> model.tokenize("hello")).hasMessageContaining("no tokenizer");
        }
    }

    @Test
    void tokenClassifierGivesOneDistributionPerRealToken() throws Exception {
        try (EncoderModel model = EncoderModels.load(oracle("distilbert-tokcls"), LoadOptions.mapped())) {
            List<List<EncoderModel.Classification>> out = model.tokenLogits(
                    List.of(new int[] {2, 45, 812, 7, 99, 3, 517, 4}, new int[] {2, 301, 66}), null);
            assertThat(out.get(0)).hasSize(8);
            assertThat(out.get(1)).hasSize(3);
            assertThat(out.get(1).getFirst().logits()).hasSize(5);
        }
    }

    @Test
    void baseModelEmbedsWithDefaultPoolingAndAnyPoolingOnRequest() throws Exception {
        try (EncoderModel model = EncoderModels.load(oracle("bert-model"), LoadOptions.mapped())) {
            assertThat(model.pooling()).isEqualTo(EncoderModels.DEFAULT_POOLING);
            List<int[]> ids = List.of(new int[] {2, 45, 812, 7}, new int[] {2, 301});
            float[][] mean = model.embed(ids);
            float[][] cls = model.embed(ids, null, new Pooling(Pooling.Mode.CLS, true));
            List<float[][]> states = model.hiddenStates(ids, null);
            assertThat(states.get(1)).hasNumberOfRows(2);
            // mean over the row's own tokens; CLS is the first token, normalised
            for (int j = 0; j < 32; j++) {
                assertThat(mean[1][j]).isCloseTo((states.get(1)[0][j] + states.get(1)[1][j]) / 2, within(1e-6f));
            }
            assertThat(norm(cls[0])).isCloseTo(1.0, within(1e-6));
            assertThatThrownBy(() -> model.embed(List.of(new int[129]))).hasMessageContaining("at most 128");
        }
    }

    @Test
    void sentenceTransformersFilesChooseThePooling(@TempDir Path dir) throws Exception {
        assertThat(Pooling.fromSentenceTransformers(dir)).isEmpty();
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\": 32, \"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        assertThat(Pooling.fromSentenceTransformers(dir)).contains(new Pooling(Pooling.Mode.CLS, true));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
        assertThatThrownBy(() -> Pooling.fromSentenceTransformers(dir)).hasMessageContaining("pooling_mode_max_tokens");
    }

    @Test
    void multiLabelAndRegressionScoring() {
        assertThat(EncoderModel.Scoring.of("multi_label_classification", 5)).isEqualTo(EncoderModel.Scoring.SIGMOID);
        assertThat(EncoderModel.Scoring.of(null, 1)).isEqualTo(EncoderModel.Scoring.SIGMOID);
        assertThat(EncoderModel.Scoring.of("regression", 1)).isEqualTo(EncoderModel.Scoring.NONE);
        assertThat(EncoderModel.Scoring.of(null, 3)).isEqualTo(EncoderModel.Scoring.SOFTMAX);
        assertThat(EncoderModel.probabilities(new float[] {0f}, EncoderModel.Scoring.SIGMOID)).containsExactly(0.5f);
    }

    /**
     * No masked-LM oracle, so the head's wiring is checked against its definition written out here: BERT's
     * {@code cls.predictions} transform (dense, gelu, LayerNorm) and a decoder tied to the word embeddings plus a bias.
     */
    @Test
    void maskedLmHeadIsTheTransformThenTheTiedDecoder() throws Exception {
        try (Checkpoint base = Checkpoint.open(oracle("bert-model"))) {
            Random random = new Random(7);
            Tensor dense = Tensor.f32("cls.predictions.transform.dense.weight", gaussian(random, 32 * 32, 0.2f), 32, 32);
            Tensor denseBias = Tensor.f32("cls.predictions.transform.dense.bias", gaussian(random, 32, 0.1f), 32);
            Tensor gain = Tensor.f32("cls.predictions.transform.LayerNorm.weight", gaussian(random, 32, 1f), 32);
            Tensor shift = Tensor.f32("cls.predictions.transform.LayerNorm.bias", gaussian(random, 32, 0.1f), 32);
            Tensor bias = Tensor.f32("cls.predictions.bias", gaussian(random, 1000, 0.1f), 1000);
            WeightSource weights = withHead(base, List.of(dense, denseBias, gain, shift, bias));
            BertConfig config = BertConfig.read(oracle("bert-model"));
            // config.json says BertModel (a base model), so the head is asked for explicitly
            BertModel model = BertModel.load(config, weights, EncoderTask.MASKED_LM);
            assertThat(model.task()).isEqualTo(EncoderTask.MASKED_LM);

            EncoderBatch batch = EncoderBatch.pad(List.of(new int[] {2, 45, 812, 4}), null, 0);
            EncoderOutput out = model.forward(batch, false);
            float[] logits = model.logits(out, batch);
            assertThat(logits).hasSize(4 * 1000);

            float[] w = dense.toFloatArray(), b = denseBias.toFloatArray(), g = gain.toFloatArray(), s = shift.toFloatArray();
            float[] emb = base.tensor("embeddings.word_embeddings.weight").toFloatArray(), vb = bias.toFloatArray();
            float[] h = out.lastHiddenState();
            for (int t = 0; t < 4; t++) {
                double[] x = new double[32];
                for (int o = 0; o < 32; o++) {
                    double acc = b[o];
                    for (int i = 0; i < 32; i++) {
                        acc += w[o * 32 + i] * h[t * 32 + i];
                    }
                    x[o] = acc / 2 * (1 + dev.trident.kernels.ops.Activations.erf(acc / Math.sqrt(2)));
                }
                double mean = 0, var = 0;
                for (double v : x) {
                    mean += v / 32;
                }
                for (double v : x) {
                    var += (v - mean) * (v - mean) / 32;
                }
                for (int j = 0; j < 32; j++) {
                    x[j] = (x[j] - mean) / Math.sqrt(var + 1e-12) * g[j] + s[j];
                }
                for (int v = 0; v < 1000; v += 97) {
                    double expected = vb[v];
                    for (int j = 0; j < 32; j++) {
                        expected += emb[v * 32 + j] * x[j];
                    }
                    assertThat((double) logits[t * 1000 + v]).isCloseTo(expected, within(1e-3 * Math.max(1, Math.abs(expected))));
                }
            }
        }
    }

    private static WeightSource withHead(Checkpoint base, List<Tensor> head) {
        return new WeightSource() {
            @Override
            public SequencedSet<String> names() {
                SequencedSet<String> names = new LinkedHashSet<>(base.names());
                head.forEach(t -> names.add(t.name()));
                return names;
            }

            @Override
            public boolean has(String name) {
                return base.has(name) || head.stream().anyMatch(t -> t.name().equals(name));
            }

            @Override
            public Tensor tensor(String name) {
                return head.stream().filter(t -> t.name().equals(name)).findFirst().orElseGet(() -> base.tensor(name));
            }

            @Override
            public Tensor tensor(String name, int... shape) {
                Tensor t = tensor(name);
                assertThat(t.shape()).as(name).containsExactly(shape);
                return t;
            }
        };
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian() * scale;
        }
        return out;
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float f : a) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }

    static Path oracle(String name) throws URISyntaxException {
        return Path.of(EncoderModelTest.class.getResource("/oracle/" + name + "/config.json").toURI()).getParent();
    }
}
