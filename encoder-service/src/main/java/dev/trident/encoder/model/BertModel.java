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

import java.util.ArrayList;
import java.util.List;

/**
 * BERT, RoBERTa and XLM-RoBERTa (modeling_bert.py, modeling_roberta.py) with the head their checkpoint carries.
 *
 * <p>Embeddings: {@code LayerNorm(word[id] + token_type[type] + position[pos])}, where BERT's positions are
 * {@code 0..seqLen-1} and RoBERTa's count only non-pad tokens from {@code padding_idx + 1} (padding itself sits at
 * {@code padding_idx}), as {@code create_position_ids_from_input_ids}. Then post-LN layers, then, where present,
 * the pooler {@code tanh(dense(hidden[:, 0]))}.
 *
 * <p>Heads: BERT sequence classification is {@code classifier(pooler)}; RoBERTa's is
 * {@code classifier.out_proj(tanh(classifier.dense(hidden[:, 0])))}; token classification is {@code classifier} on
 * every token; masked LM is transform (dense, activation, LayerNorm) then the decoder, tied to the word embeddings
 * unless the checkpoint stores its own, plus a bias.
 *
 * <p>Tensor names carry the prefix of the class that saved them ({@code bert.}, {@code roberta.}, none for a bare
 * base model); it is read off the checkpoint. Heads are never prefixed.
 */
public final class BertModel implements EncoderArchitecture {

    private final BertConfig config;
    private final EncoderTask task;
    private final int hidden;

    // embeddings
    private final Embedding wordEmbeddings;
    private final Embedding positionEmbeddings;
    private final Embedding tokenTypeEmbeddings;
    private final LayerNorm embeddingsLayerNorm;
    // encoder
    private final PostLnLayer[] layers;
    // pooler: null when the checkpoint has none (token classification, masked LM, some base models)
    private final Linear pooler;
    // heads: only the task's are set
    private final Linear classifier;
    private final Linear classifierDense;
    private final Linear classifierOutProj;
    private final Linear lmTransformDense;
    private final Activation lmTransformActivation;
    private final LayerNorm lmTransformLayerNorm;
    private final Linear lmDecoder;

    /** The task from config.json's {@code architectures}, else from the head tensors present. */
    public static BertModel load(BertConfig config, WeightSource weights) {
        return load(config, weights, null);
    }

    /** @param task the head to run, or null to detect it; EMBEDDING runs any checkpoint as a base model */
    public static BertModel load(BertConfig config, WeightSource weights, EncoderTask task) {
        return new BertModel(config, weights, task != null ? task : detectTask(config, weights));
    }

    static EncoderTask detectTask(BertConfig config, WeightSource weights) {
        EncoderTask named = config.architecture() == null ? null : EncoderTask.fromArchitecture(config.architecture());
        if (named != null) {
            return named;
        }
        if (weights.has("cls.predictions.transform.dense.weight") || weights.has("lm_head.dense.weight")) {
            return EncoderTask.MASKED_LM;
        }
        if (weights.has("classifier.out_proj.weight")) {
            return EncoderTask.SEQUENCE_CLASSIFICATION;
        }
        if (weights.has("classifier.weight")) {
            // BertForSequenceClassification keeps the pooler it classifies; ForTokenClassification drops it.
            String prefix = EncoderLayers.prefixOf(weights, "embeddings.word_embeddings.weight");
            return weights.has(prefix + "pooler.dense.weight")
                    ? EncoderTask.SEQUENCE_CLASSIFICATION : EncoderTask.TOKEN_CLASSIFICATION;
        }
        return EncoderTask.EMBEDDING;
    }

    private BertModel(BertConfig config, WeightSource weights, EncoderTask task) {
        this.config = config;
        this.task = task;
        int h = config.hiddenSize();
        this.hidden = h;
        int ffn = config.intermediateSize();
        double eps = config.layerNormEps();
        String p = EncoderLayers.prefixOf(weights, "embeddings.word_embeddings.weight");

        wordEmbeddings = new Embedding(weights.tensor(p + "embeddings.word_embeddings.weight", config.vocabSize(), h));
        positionEmbeddings = new Embedding(weights.tensor(p + "embeddings.position_embeddings.weight",
                config.maxPositionEmbeddings(), h));
        tokenTypeEmbeddings = new Embedding(weights.tensor(p + "embeddings.token_type_embeddings.weight",
                config.typeVocabSize(), h));
        embeddingsLayerNorm = EncoderLayers.layerNorm(weights, p + "embeddings.LayerNorm", h, eps);

        Activation act = Activation.fromHf(config.hiddenAct());
        layers = new PostLnLayer[config.numHiddenLayers()];
        for (int l = 0; l < layers.length; l++) {
            String lp = p + "encoder.layer." + l + ".";
            BidirectionalAttention attention = new BidirectionalAttention(
                    EncoderLayers.linear(weights, lp + "attention.self.query", h, h),    // [h, h]
                    EncoderLayers.linear(weights, lp + "attention.self.key", h, h),      // [h, h]
                    EncoderLayers.linear(weights, lp + "attention.self.value", h, h),    // [h, h]
                    EncoderLayers.linear(weights, lp + "attention.output.dense", h, h),  // [h, h]
                    config.numAttentionHeads());
            layers[l] = new PostLnLayer(
                    attention,
                    EncoderLayers.layerNorm(weights, lp + "attention.output.LayerNorm", h, eps),
                    new Mlp(EncoderLayers.linear(weights, lp + "intermediate.dense", ffn, h),  // [ffn, h]
                            EncoderLayers.linear(weights, lp + "output.dense", h, ffn),        // [h, ffn]
                            act),
                    EncoderLayers.layerNorm(weights, lp + "output.LayerNorm", h, eps));
        }
        boolean bertSequenceHead = task == EncoderTask.SEQUENCE_CLASSIFICATION && !config.robertaPositions();
        pooler = weights.has(p + "pooler.dense.weight") || bertSequenceHead
                ? EncoderLayers.linear(weights, p + "pooler.dense", h, h) : null;

        int labels = config.id2label().size();
        Linear cls = null, clsDense = null, clsOut = null, lmDense = null, decoder = null;
        LayerNorm lmNorm = null;
        Activation lmAct = null;
        switch (task) {
            case EMBEDDING -> {
            }
            case SEQUENCE_CLASSIFICATION -> {
                if (config.robertaPositions()) {
                    clsDense = EncoderLayers.linear(weights, "classifier.dense", h, h);
                    clsOut = EncoderLayers.linear(weights, "classifier.out_proj", labels, h);
                } else {
                    cls = EncoderLayers.linear(weights, "classifier", labels, h);
                }
            }
            case TOKEN_CLASSIFICATION -> cls = EncoderLayers.linear(weights, "classifier", labels, h);
            case MASKED_LM -> {
                String head = config.robertaPositions() ? "lm_head." : "cls.predictions.";
                String transform = config.robertaPositions() ? "lm_head." : "cls.predictions.transform.";
                lmDense = EncoderLayers.linear(weights, transform + "dense", h, h);
                // RobertaLMHead applies gelu whatever hidden_act says; BertPredictionHeadTransform uses hidden_act.
                lmAct = config.robertaPositions() ? Activation.GELU : act;
                lmNorm = EncoderLayers.layerNorm(weights, transform + (config.robertaPositions() ? "layer_norm" : "LayerNorm"), h, eps);
                String decoderWeight = weights.has(head + "decoder.weight")
                        ? head + "decoder.weight" : p + "embeddings.word_embeddings.weight"; // tied
                String bias = weights.has(head + "bias") ? head + "bias" : head + "decoder.bias";
                decoder = new Linear(weights.tensor(decoderWeight, config.vocabSize(), h),
                        weights.tensor(bias, config.vocabSize()));
            }
        }
        classifier = cls;
        classifierDense = clsDense;
        classifierOutProj = clsOut;
        lmTransformDense = lmDense;
        lmTransformActivation = lmAct;
        lmTransformLayerNorm = lmNorm;
        lmDecoder = decoder;
    }

    public BertConfig config() {
        return config;
    }

    @Override
    public String modelType() {
        return config.modelType();
    }

    @Override
    public EncoderTask task() {
        return task;
    }

    @Override
    public int hiddenSize() {
        return hidden;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxSequenceLength() {
        return config.robertaPositions()
                ? config.maxPositionEmbeddings() - config.padTokenId() - 1
                : config.maxPositionEmbeddings();
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

    /** Whether {@link EncoderOutput#poolerOutput()} is computed. */
    public boolean hasPooler() {
        return pooler != null;
    }

    @Override
    public EncoderOutput forward(EncoderBatch batch, boolean allHiddenStates, boolean paddingRows) {
        int seqLen = batch.seqLen();
        if (seqLen > maxSequenceLength()) {
            throw new IllegalArgumentException("sequence of " + seqLen + " tokens exceeds the " + maxSequenceLength()
                    + " positions of this model");
        }
        BatchRows computed = BatchRows.of(batch, paddingRows);
        float[] x = new float[computed.rows * hidden];
        float[] scratch = new float[computed.rows * hidden];
        embeddings(batch, computed, x, scratch);
        List<float[]> states = new ArrayList<>();
        if (allHiddenStates) {
            states.add(computed.paddedCopy(x, hidden));
        }
        for (PostLnLayer layer : layers) {
            layer.forward(x, computed, scratch);
            if (allHiddenStates) {
                states.add(computed.paddedCopy(x, hidden));
            }
        }
        x = computed.toPadded(x, hidden);
        float[] pooled = null;
        if (pooler != null) {
            pooled = new float[batch.batchSize() * hidden];
            pooler.forward(firstTokens(x, batch), 0, batch.batchSize(), pooled, 0);
            tanh(pooled);
        }
        return new EncoderOutput(batch.batchSize(), seqLen, hidden, x, List.copyOf(states), pooled);
    }

    /** {@code LayerNorm(word + token_type + position)} for every computed row into {@code out}. */
    private void embeddings(EncoderBatch batch, BatchRows computed, float[] out, float[] sum) {
        int seqLen = batch.seqLen();
        int pad = config.padTokenId();
        float[] row = new float[hidden];
        for (int b = 0; b < batch.batchSize(); b++) {
            int nonPad = 0;
            for (int t = 0; t < seqLen; t++) {
                int i = b * seqLen + t;
                int id = batch.inputIds()[i];
                int position;
                if (config.robertaPositions()) {
                    // cumsum(ids != pad) * (ids != pad) + pad: from the ids, not the attention mask, exactly as HF.
                    position = id == pad ? pad : ++nonPad + pad;
                } else {
                    position = t;
                }
                int computedRow = computed.rowOf(i);
                if (computedRow < 0) {
                    continue;
                }
                int off = computedRow * hidden;
                wordEmbeddings.row(id, sum, off);
                tokenTypeEmbeddings.row(batch.tokenTypeIds()[i], row, 0);
                EncoderLayers.addInto(sum, off, row, hidden);
                positionEmbeddings.row(position, row, 0);
                EncoderLayers.addInto(sum, off, row, hidden);
            }
        }
        embeddingsLayerNorm.forward(sum, 0, computed.rows, out, 0);
    }

    @Override
    public float[] logits(EncoderOutput output, EncoderBatch batch) {
        int batchSize = output.batchSize();
        int rows = batch.tokens();
        return switch (task) {
            case EMBEDDING -> throw new IllegalStateException("a base model has no head: use the hidden states or pooling");
            case SEQUENCE_CLASSIFICATION -> {
                float[] logits = new float[batchSize * config.id2label().size()];
                if (classifierDense != null) {
                    float[] features = new float[batchSize * hidden];
                    classifierDense.forward(firstTokens(output.lastHiddenState(), batch), 0, batchSize, features, 0);
                    tanh(features);
                    classifierOutProj.forward(features, 0, batchSize, logits, 0);
                } else {
                    classifier.forward(output.poolerOutput(), 0, batchSize, logits, 0);
                }
                yield logits;
            }
            case TOKEN_CLASSIFICATION -> {
                float[] logits = new float[rows * config.id2label().size()];
                classifier.forward(output.lastHiddenState(), 0, rows, logits, 0);
                yield logits;
            }
            case MASKED_LM -> {
                float[] transformed = new float[rows * hidden];
                float[] normed = new float[rows * hidden];
                lmTransformDense.forward(output.lastHiddenState(), 0, rows, transformed, 0);
                Activations.apply(lmTransformActivation, transformed, 0, transformed, 0, transformed.length);
                lmTransformLayerNorm.forward(transformed, 0, rows, normed, 0);
                float[] logits = new float[rows * config.vocabSize()];
                lmDecoder.forward(normed, 0, rows, logits, 0);
                yield logits;
            }
        };
    }

    /** {@code hidden[:, 0]}: the [CLS] / {@code <s>} row of every sequence. */
    private float[] firstTokens(float[] states, EncoderBatch batch) {
        float[] first = new float[batch.batchSize() * hidden];
        for (int b = 0; b < batch.batchSize(); b++) {
            System.arraycopy(states, b * batch.seqLen() * hidden, first, b * hidden, hidden);
        }
        return first;
    }

    static void tanh(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.tanh(x[i]);
        }
    }
}
