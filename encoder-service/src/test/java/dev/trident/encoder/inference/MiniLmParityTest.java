package dev.trident.encoder.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.kernels.load.OnnxModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default model on our engine against ONNX Runtime (test scope only) running the very same ONNX file: the same
 * mean pooling and L2 normalisation over ONNX Runtime's {@code last_hidden_state}, for 50 varied sentences one at a
 * time, and for a padded batch of several of them. Cosine at least 0.99999 for every sentence.
 */
class MiniLmParityTest {

    static final double MIN_COSINE = 0.99999;

    static final List<String> SENTENCES = sentences();

    private static EncoderModel model;
    private static OrtEnvironment environment;
    private static OrtSession session;
    private static List<int[]> ids;
    private static List<float[]> reference;

    @BeforeAll
    static void load() throws Exception {
        model = EncoderModels.defaultMiniLm();
        environment = OrtEnvironment.getEnvironment();
        byte[] onnx;
        try (InputStream in = MiniLmParityTest.class.getResourceAsStream(MiniLm.ONNX_RESOURCE)) {
            onnx = in.readAllBytes();
        }
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(2);
        session = environment.createSession(onnx, options);
        ids = new ArrayList<>();
        reference = new ArrayList<>();
        for (String s : SENTENCES) {
            int[] row = model.tokenize(s);
            ids.add(row);
            reference.add(onnxRuntimeEmbedding(row));
        }
    }

    @AfterAll
    static void close() throws Exception {
        if (session != null) {
            session.close();
        }
        if (model != null) {
            model.close();
        }
    }

    @Test
    void describesItself() {
        EncoderModel.Summary summary = model.summary();
        assertThat(summary.modelId()).isEqualTo("all-MiniLM-L6-v2");
        assertThat(summary.task()).isEqualTo(EncoderTask.EMBEDDING);
        assertThat(summary.hiddenSize()).isEqualTo(384);
        assertThat(summary.maxSequenceLength()).isEqualTo(512);
        assertThat(summary.vocabSize()).isEqualTo(30522);
        assertThat(summary.pooling()).isEqualTo(Pooling.MEAN_NORMALIZED);
        assertThat(summary.hasTokenizer()).isTrue();
        assertThat(session.getOutputNames()).contains("last_hidden_state");
        // the inputs span short to long, as the brief asks
        int longest = ids.stream().mapToInt(r -> r.length).max().orElseThrow();
        int shortest = ids.stream().mapToInt(r -> r.length).min().orElseThrow();
        assertThat(SENTENCES).hasSize(50);
        assertThat(longest).isBetween(200, 256);
        assertThat(shortest).isLessThanOrEqualTo(5);
    }

    @Test
    void everySentenceAloneMatchesOnnxRuntime() {
        double worst = 1;
        for (int i = 0; i < ids.size(); i++) {
            float[] ours = model.embed(List.of(ids.get(i)))[0];
            double cosine = cosine(ours, reference.get(i));
            worst = Math.min(worst, cosine);
            assertThat(cosine).as("sentence %d: %s", i, SENTENCES.get(i)).isGreaterThanOrEqualTo(MIN_COSINE);
            assertThat(norm(ours)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
        System.out.printf("MiniLM parity with ONNX Runtime: min cosine %.9f (1 - cos = %.2e) over %d sentences%n", worst, 1 - worst, ids.size());
    }

    @Test
    void aPaddedBatchMatchesOnnxRuntimeRowByRow() {
        int[] picks = {0, 3, 17, 25, 44, 48}; // short, medium and long rows padded to the longest
        List<int[]> batch = new ArrayList<>();
        for (int p : picks) {
            batch.add(ids.get(p));
        }
        float[][] ours = model.embed(batch);
        double worst = 1;
        for (int r = 0; r < picks.length; r++) {
            double cosine = cosine(ours[r], reference.get(picks[r]));
            worst = Math.min(worst, cosine);
            assertThat(cosine).as("batch row %d: %s", r, SENTENCES.get(picks[r])).isGreaterThanOrEqualTo(MIN_COSINE);
        }
        System.out.printf("MiniLM parity, padded batch of %d: min cosine %.9f (1 - cos = %.2e)%n", picks.length, worst, 1 - worst);
    }

    @Test
    void q8_0WeightsStayCloseToOnnxRuntime() {
        // Q8_0 at load, through LoadOptions as for safetensors checkpoints: close, not exact.
        try (EncoderModel quantized = EncoderModels.defaultMiniLm(dev.trident.kernels.load.LoadOptions.q8_0())) {
            int[] picks = {2, 17, 45};
            List<int[]> batch = new ArrayList<>();
            for (int p : picks) {
                batch.add(ids.get(p));
            }
            float[][] ours = quantized.embed(batch);
            float[][] full = model.embed(batch);
            for (int r = 0; r < picks.length; r++) {
                assertThat(cosine(ours[r], reference.get(picks[r]))).isGreaterThan(0.995);
                // and the weights really were quantized: float32 agrees with ONNX Runtime to ~1e-12, Q8_0 does not
                assertThat(1 - cosine(ours[r], full[r])).isGreaterThan(1e-8);
            }
        }
    }

    @Test
    void theOnnxFileHasTheExpectedGraph() {
        OnnxModel onnx = OnnxModel.read(MiniLmParityTest.class.getResourceAsStream(MiniLm.ONNX_RESOURCE), "minilm");
        assertThat(onnx.opsets()).containsEntry("", 11L);
        assertThat(onnx.initializerNames()).hasSize(102);
        assertThat(onnx.initializerNames().stream().filter(n -> n.startsWith("onnx::MatMul_"))).hasSize(36);
        assertThat(onnx.inputs()).extracting(OnnxModel.ValueInfo::name)
                .containsExactly("input_ids", "attention_mask", "token_type_ids");
        assertThat(onnx.outputs()).extracting(OnnxModel.ValueInfo::name).containsExactly("last_hidden_state");
        assertThat(onnx.tensor("embeddings.word_embeddings.weight").shape()).containsExactly(30522, 384);
        assertThat(onnx.initializer("embeddings.position_ids").typeName()).isEqualTo("INT64");
    }

    /** ONNX Runtime's last_hidden_state for one unpadded row, mean-pooled and L2-normalised as sentence-transformers. */
    private static float[] onnxRuntimeEmbedding(int[] row) throws Exception {
        long[][] inputIds = new long[1][row.length];
        long[][] mask = new long[1][row.length];
        long[][] types = new long[1][row.length];
        for (int t = 0; t < row.length; t++) {
            inputIds[0][t] = row[t];
            mask[0][t] = 1;
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(environment, inputIds));
        inputs.put("attention_mask", OnnxTensor.createTensor(environment, mask));
        inputs.put("token_type_ids", OnnxTensor.createTensor(environment, types));
        try (OrtSession.Result result = session.run(inputs)) {
            float[][][] hidden = (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
            float[] pooled = new float[hidden[0][0].length];
            for (float[] token : hidden[0]) {
                for (int j = 0; j < pooled.length; j++) {
                    pooled[j] += token[j];
                }
            }
            for (int j = 0; j < pooled.length; j++) {
                pooled[j] /= row.length;
            }
            Pooling.l2Normalize(pooled);
            return pooled;
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
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

    static double norm(float[] a) {
        double s = 0;
        for (float f : a) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }

    private static List<String> sentences() {
        List<String> s = new ArrayList<>(List.of(
                "Hi",
                "Hello, world!",
                "The quick brown fox jumps over the lazy dog.",
                "A man is eating food.",
                "A man is riding a white horse on an enclosed ground.",
                "Two men pushed carts through the woods.",
                "A monkey is playing drums.",
                "What is the capital of France?",
                "Paris is the capital and most populous city of France.",
                "I can't believe it's not butter!!!",
                "Wait... what?! Are you serious???",
                "e-mail: someone@example.com, phone: +1 (555) 010-9999",
                "Prices rose 3.5% in Q2 2024, to $1,299.99 per unit.",
                "C'est la vie, naïve café au lait à la française.",
                "Ångström, Øresund, Ærøskøbing and Dvořák.",
                "Straße, Größe, Übermut und Fußgängerübergänge.",
                "El niño comió piñata en la mañana.",
                "東京は日本の首都です。",
                "我喜欢学习自然语言处理。",
                "한국어 문장도 처리할 수 있나요?",
                "Привет, как дела?",
                "Γειά σου Κόσμε",
                "مرحبا بالعالم",
                "שלום עולם",
                "नमस्ते दुनिया",
                "I love pizza 🍕 and tacos 🌮!",
                "🚀🚀🚀 to the moon 🌕",
                "Family: 👨‍👩‍👧‍👦, flags: 🇫🇷🇯🇵",
                "   leading and trailing spaces   ",
                "UPPERCASE TEXT SHOUTS LOUDLY",
                "mIxEd CaSe WoRdS",
                "tab\tseparated\tvalues and new\nlines",
                "(parentheses) [brackets] {braces} <angles>",
                "#hashtag @mention https://example.org/path?q=1&r=2",
                "supercalifragilisticexpialidocious antidisestablishmentarianism",
                "The Eiffel Tower was completed in 1889.",
                "Machine learning models learn patterns from data.",
                "Embeddings map sentences to vectors in a shared space.",
                "Semantic search finds documents by meaning, not keywords.",
                "Cats sleep for most of the day.",
                "Dogs are loyal companions.",
                "It rained all night, and the streets were flooded by morning.",
                "x",
                "1 2 3 4 5 6 7 8 9 10"));
        String paragraph = "The history of natural language processing generally started in the 1950s, although work "
                + "can be found from earlier periods. In 1950, Alan Turing published an article titled Computing "
                + "Machinery and Intelligence which proposed what is now called the Turing test as a criterion of "
                + "intelligence. ";
        s.add(paragraph);                                               // ~60 tokens
        s.add(paragraph + paragraph);                                   // ~120
        s.add(paragraph.repeat(3) + "Señor, ¿qué tal? 東京 🌍");        // ~190 with accents, CJK, emoji
        s.add(paragraph.repeat(4).substring(0, 1000));                  // ~220
        s.add("word ".repeat(250));                                     // 252 with [CLS] and [SEP]
        s.add(paragraph.repeat(2) + "Mixed: naïve 中文 😀 (punctuation!?) " + "end.");
        return List.copyOf(s);
    }
}
