package dev.trident.encoder.inference;

import dev.trident.encoder.model.BertConfig;
import dev.trident.encoder.model.BertModel;
import dev.trident.encoder.model.DistilBertConfig;
import dev.trident.encoder.model.DistilBertModel;
import dev.trident.encoder.model.EncoderArchitecture;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.kernels.load.Checkpoint;
import dev.trident.kernels.load.HfConfig;
import dev.trident.kernels.load.LoadOptions;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.tokenize.HfTokenizer;
import dev.trident.kernels.tokenize.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads encoders: any HF BERT-family folder, or the built-in default model. */
public final class EncoderModels {

    /** Pooling for a base model whose folder declares none (no sentence-transformers files). */
    public static final Pooling DEFAULT_POOLING = new Pooling(Pooling.Mode.MEAN, false);

    private EncoderModels() {
    }

    /**
     * An HF model folder: config.json, safetensors weights, tokenizer.json when present (else ids-only mode). The
     * head is the one the checkpoint carries; pooling comes from sentence-transformers' files, else
     * {@link #DEFAULT_POOLING}.
     */
    public static EncoderModel load(Path dir, LoadOptions options) {
        return load(dir, options, null, null);
    }

    /**
     * @param task    null to use the checkpoint's head; {@link EncoderTask#EMBEDDING} runs any checkpoint as a base model
     * @param pooling null for the folder's sentence-transformers pooling, else {@link #DEFAULT_POOLING}
     */
    public static EncoderModel load(Path dir, LoadOptions options, EncoderTask task, Pooling pooling) {
        HfConfig config = HfConfig.read(dir);
        Checkpoint checkpoint = Checkpoint.open(dir, options);
        Tokenizer tokenizer = null;
        try {
            EncoderArchitecture architecture = architecture(config, checkpoint, task);
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                tokenizer = HfTokenizer.open(dir);
            }
            Pooling chosen = pooling != null ? pooling : Pooling.fromSentenceTransformers(dir).orElse(DEFAULT_POOLING);
            return new EncoderModel(dir.getFileName().toString(), architecture, tokenizer, chosen, checkpoint);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            checkpoint.close();
            throw e;
        }
    }

    /** The family's model for config.json's {@code model_type}, reading {@code weights}. */
    public static EncoderArchitecture architecture(HfConfig config, WeightSource weights, EncoderTask task) {
        String type = config.modelType();
        if (BertConfig.MODEL_TYPES.contains(type)) {
            return BertModel.load(BertConfig.from(config), weights, task);
        }
        if (type.equals("distilbert")) {
            return DistilBertModel.load(DistilBertConfig.from(config), weights, task);
        }
        throw config.invalid("model_type", "'" + type + "' is not an encoder this service runs (bert, roberta, "
                + "xlm-roberta, distilbert)");
    }

    /** all-MiniLM-L6-v2, weights as stored (float32): mean pooling, L2-normalised, 384 dimensions. */
    public static EncoderModel defaultMiniLm() {
        return MiniLm.load(LoadOptions.mapped());
    }

    public static EncoderModel defaultMiniLm(LoadOptions options) {
        return MiniLm.load(options);
    }
}
