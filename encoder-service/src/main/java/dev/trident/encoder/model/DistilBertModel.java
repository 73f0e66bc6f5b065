package dev.trident.encoder.model;

import dev.trident.encoder.model.EncoderLayers.BidirectionalAttention;
import dev.trident.encoder.model.EncoderLayers.PostLnLayer;
import dev.trident.kernels.blocks.Embedding;
import dev.trident.kernels.blocks.LayerNorm;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.Mlp;
import dev.trident.kernels.load.WeightSource;
import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Activations;
import dev.trident.kernels.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * DistilBERT (modeling_distilbert.py) with the head its checkpoint carries. The same post-LN layers as BERT under
 * other names ({@code transformer.layer.N.attention.q_lin}, {@code sa_layer_norm}, {@code ffn.lin1},
 * {@code output_layer_norm}); embeddings are {@code LayerNorm(word[id] + position[t])} with no token types, the
 * positions learned or (with {@code sinusoidal_pos_embds}) the fixed sinusoid table; no pooler.
 *
 * <p>Heads: sequence classification {@code classifier(relu(pre_classifier(hidden[:, 0])))}; token classification
 * {@code classifier} on every token; masked LM {@code vocab_projector(vocab_layer_norm(act(vocab_transform(h))))},
 * the projector tied to the word embeddings. Base tensors are prefixed {@code distilbert.} under a head.
 */
public final class DistilBertModel implements EncoderArchitecture {

    private static final double EPS = DistilBertConfig.LAYER_NORM_EPS;

    private final DistilBertConfig config;
    private final EncoderTask task;
    private final int dim;

    // embeddings
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final LayerNorm embeddingsLayerNorm;
    // transformer
    private final PostLnLayer[] layers;
    // heads: only the task's are set
    private final Linear preClassifier;
    private final Linear classifier;
    private final Linear vocabTransform;
    private final Activation vocabActivation;
    private final LayerNorm vocabLayerNorm;
    private final Linear vocabProjector;

    public static DistilBertModel load(DistilBertConfig config, WeightSource weights) {
        return load(config, weights, null);
    }

    /** @param task the head to run, or null to detect it from {@code architectures}, else the tensors present */
    public static DistilBertModel load(DistilBertConfig config, WeightSource weights, EncoderTask task) {
        return new DistilBertModel(config, weights, task != null ? task : detectTask(config, weights));
    }

    static EncoderTask detectTask(DistilBertConfig config, WeightSource weights) {
        EncoderTask named = config.architecture() == null ? null : EncoderTask.fromArchitecture(config.architecture());
        if (named != null) {
            return named;
        }
        if (weights.has("vocab_transform.weight")) {
            return EncoderTask.MASKED_LM;
        }
        if (weights.has("pre_classifier.weight")) {
            return EncoderTask.SEQUENCE_CLASSIFICATION;
        }
        return weights.has("classifier.weight") ? EncoderTask.TOKEN_CLASSIFICATION : EncoderTask.EMBEDDING;
    }

    private DistilBertModel(DistilBertConfig config, WeightSource weights, EncoderTask task) {
        this.config = config;
        this.task = task;
        int d = config.dim();
        this.dim = d;
        int ffn = config.hiddenDim();
        String p = EncoderLayers.prefixOf(weights, "embeddings.word_embeddings.weight");

        wordEmbeddings = new Embedding(weights.tensor(p + "embeddings.word_embeddings.weight", config.vocabSize(), d));
        positionEmbeddings = new Embedding(config.sinusoidalPosEmbds()
                ? sinusoidTable(config.maxPositionEmbeddings(), d)
                : weights.tensor(p + "embeddings.position_embeddings.weight", config.maxPositionEmbeddings(), d));
        embeddingsLayerNorm = EncoderLayers.layerNorm(weights, p + "embeddings.LayerNorm", d, EPS);

        Activation act = Activation.fromHf(config.activation());
        layers = new PostLnLayer[config.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String lp = p + "transformer.layer." + l + ".";
            BidirectionalAttention attention = new BidirectionalAttention(
                    EncoderLayers.linear(weights, lp + "attention.q_lin", d, d),    // [dim, dim]
                    EncoderLayers.linear(weights, lp + "attention.k_lin", d, d),    // [dim, dim]
                    EncoderLayers.linear(weights, lp + "attention.v_lin", d, d),    // [dim, dim]
                    EncoderLayers.linear(weights, lp + "attention.out_lin", d, d),  // [dim, dim]
                    config.nHeads());
            layers[l] = new PostLnLayer(
                    attention,
                    EncoderLayers.layerNorm(weights, lp + "sa_layer_norm", d, EPS),
                    new Mlp(EncoderLayers.linear(weights, lp + "ffn.lin1", ffn, d),  // [hidden_dim, dim]
                            EncoderLayers.linear(weights, lp + "ffn.lin2", d, ffn),  // [dim, hidden_dim]
                            act),
                    EncoderLayers.layerNorm(weights, lp + "output_layer_norm", d, EPS));
        }

        int labels = config.id2label().size();
        Linear pre = null, cls = null, transform = null, projector = null;
        LayerNorm norm = null;
        Activation vocabAct = null;
        switch (task) {
            case EMBEDDING -> {
            }
            case SEQUENCE_CLASSIFICATION -> {
                pre = EncoderLayers.linear(weights, "pre_classifier", d, d);
                cls = EncoderLayers.linear(weights, "classifier", labels, d);
            }
            case TOKEN_CLASSIFICATION -> cls = EncoderLayers.linear(weights, "classifier", labels, d);
            case MASKED_LM -> {
                transform = EncoderLayers.linear(weights, "vocab_transform", d, d);
                vocabAct = act;
                norm = EncoderLayers.layerNorm(weights, "vocab_layer_norm", d, EPS);
                String projectorWeight = weights.has("vocab_projector.weight")
                        ? "vocab_projector.weight" : p + "embeddings.word_embeddings.weight"; // tied
                projector = new Linear(weights.tensor(projectorWeight, config.vocabSize(), d),
                        weights.tensor("vocab_projector.bias", config.vocabSize()));
            }
        }
        preClassifier = pre;
        classifier = cls;
        vocabTransform = transform;
        vocabActivation = vocabAct;
        vocabLayerNorm = norm;
        vocabProjector = projector;
    }

    /**
     * {@code create_sinusoidal_embeddings}: {@code angle = pos / 10000^(2·(j/2)/dim)}, sine at even {@code j},
     * cosine at odd (computed in double, stored as float32 like torch's FloatTensor copy).
     */
    static Tensor sinusoidTable(int positions, int dim) {
        float[] table = new float[positions * dim];
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < dim; j++) {
                double angle = pos / Math.pow(10000, 2.0 * (j / 2) / dim);
                table[pos * dim + j] = (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return Tensor.f32("embeddings.position_embeddings.weight (sinusoidal)", table, positions, dim);
    }

    public DistilBertConfig config() {
        return config;
    }

    @Override
    public String modelType() {
        return "distilbert";
    }

    @Override
    public EncoderTask task() {
        return task;
    }

    @Override
    public int hiddenSize() {
        return dim;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxSequenceLength() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    @Override
    public List<String> labels() {
        return task == EncoderTask.SEQUENCE_CLASSIFICATION || task == EncoderTask.TOKEN_CLASSIFICATION
                ? config.id2label() : List.of();
    }

    @Override
    public String problemType() {
        return config.problemType();
    }

    @Override
    public EncoderOutput forward(EncoderBatch batch, boolean allHiddenStates, boolean paddingRows) {
        int seqLen = batch.seqLen();
        if (seqLen > maxSequenceLength()) {
            throw new IllegalArgumentException("sequence of " + seqLen + " tokens exceeds the " + maxSequenceLength()
                    + " positions of this model");
        }
        BatchRows computed = BatchRows.of(batch, paddingRows);
        int rows = computed.rows;
        float[] x = new float[rows * dim];
        float[] scratch = new float[rows * dim];
        float[] row = new float[dim];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < seqLen; t++) {
                int i = b * seqLen + t;
                int r = computed.rowOf(i);
                if (r < 0) {
                    continue;
                }
                wordEmbeddings.row(batch.inputIds()[i], scratch, r * dim);
                positionEmbeddings.row(t, row, 0);
                EncoderLayers.addInto(scratch, r * dim, row, dim);
            }
        }
        embeddingsLayerNorm.forward(scratch, 0, rows, x, 0);
        List<float[]> states = new ArrayList<>();
        if (allHiddenStates) {
            states.add(computed.paddedCopy(x, dim));
        }
        for (PostLnLayer layer : layers) {
            layer.forward(x, computed, scratch);
            if (allHiddenStates) {
                states.add(computed.paddedCopy(x, dim));
            }
        }
        return new EncoderOutput(batch.batchSize(), seqLen, dim, computed.toPadded(x, dim), List.copyOf(states), null);
    }

    @Override
    public float[] logits(EncoderOutput output, EncoderBatch batch) {
        int rows = batch.tokens();
        int labels = config.id2label().size();
        return switch (task) {
            case EMBEDDING -> throw new IllegalStateException("a base model has no head: use the hidden states or pooling");
            case SEQUENCE_CLASSIFICATION -> {
                int batchSize = batch.batchSize();
                float[] first = new float[batchSize * dim];
                for (int b = 0; b < batchSize; b++) {
                    System.arraycopy(output.lastHiddenState(), b * batch.seqLen() * dim, first, b * dim, dim);
                }
                float[] pooled = new float[batchSize * dim];
                preClassifier.forward(first, 0, batchSize, pooled, 0);
                Activations.apply(Activation.RELU, pooled, 0, pooled, 0, pooled.length);
                float[] logits = new float[batchSize * labels];
                classifier.forward(pooled, 0, batchSize, logits, 0);
                yield logits;
            }
            case TOKEN_CLASSIFICATION -> {
                float[] logits = new float[rows * labels];
                classifier.forward(output.lastHiddenState(), 0, rows, logits, 0);
                yield logits;
            }
            case MASKED_LM -> {
                float[] transformed = new float[rows * dim];
                float[] normed = new float[rows * dim];
                vocabTransform.forward(output.lastHiddenState(), 0, rows, transformed, 0);
                Activations.apply(vocabActivation, transformed, 0, transformed, 0, transformed.length);
                vocabLayerNorm.forward(transformed, 0, rows, normed, 0);
                float[] logits = new float[rows * config.vocabSize()];
                vocabProjector.forward(normed, 0, rows, logits, 0);
                yield logits;
            }
        };
    }
}
