package dev.trident.encoder.inference;

import dev.trident.encoder.model.EncoderArchitecture;
import dev.trident.encoder.model.EncoderBatch;
import dev.trident.encoder.model.EncoderOutput;
import dev.trident.encoder.model.EncoderTask;
import dev.trident.encoder.model.Pooling;
import dev.trident.kernels.ops.Softmax;
import dev.trident.kernels.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A loaded encoder, as the service layer uses it: what it is ({@link #summary()}), its tokenizer, and one method per
 * kind of output. Inputs are token ids, one array per text, unpadded (special tokens included: use
 * {@link #tokenize(String)} or the tokenizer); batches are padded and masked here. Outputs are per input row, with
 * padding removed.
 *
 * <p>One forward pass runs at a time (the methods are synchronized; the kernels use all cores inside a pass), so
 * a service gains throughput by batching requests, not by calling concurrently. Plain class: no Spring.
 */
public final class EncoderModel implements AutoCloseable {

    /** What the service reports about a model. */
    public record Summary(String modelId, String modelType, EncoderTask task, int hiddenSize, int maxSequenceLength,
                          int vocabSize, List<String> labels, String problemType, Pooling pooling, boolean hasTokenizer) {
    }

    /** One sequence's classification: raw logits and their probabilities (softmax, or sigmoid for multi-label). */
    public record Classification(float[] logits, float[] probabilities) {
    }

    /** How logits become probabilities, as HF's text-classification pipeline decides it. */
    public enum Scoring {
        SOFTMAX, SIGMOID, NONE;

        /** {@code regression}: none; {@code multi_label_classification} or a single label: sigmoid; else softmax. */
        public static Scoring of(String problemType, int labels) {
            if ("regression".equals(problemType)) {
                return NONE;
            }
            if ("multi_label_classification".equals(problemType) || labels == 1) {
                return SIGMOID;
            }
            return SOFTMAX;
        }
    }

    private final String modelId;
    private final EncoderArchitecture architecture;
    private final Tokenizer tokenizer;
    private final Pooling pooling;
    private final AutoCloseable resources;

    /**
     * @param tokenizer null for ids-only mode
     * @param resources closed with the model (the mapped checkpoint), or null
     */
    public EncoderModel(String modelId, EncoderArchitecture architecture, Tokenizer tokenizer, Pooling pooling,
                        AutoCloseable resources) {
        this.modelId = modelId;
        this.architecture = architecture;
        this.tokenizer = tokenizer;
        this.pooling = pooling == null ? new Pooling(Pooling.Mode.NONE, false) : pooling;
        this.resources = resources;
    }

    public String modelId() {
        return modelId;
    }

    public Summary summary() {
        return new Summary(modelId, architecture.modelType(), architecture.task(), architecture.hiddenSize(),
                architecture.maxSequenceLength(), architecture.vocabSize(), architecture.labels(),
                architecture.problemType(), pooling, tokenizer != null);
    }

    public EncoderTask task() {
        return architecture.task();
    }

    public int hiddenSize() {
        return architecture.hiddenSize();
    }

    public int maxSequenceLength() {
        return architecture.maxSequenceLength();
    }

    /** Labels by id; empty unless the model classifies. */
    public List<String> labels() {
        return architecture.labels();
    }

    public Pooling pooling() {
        return pooling;
    }

    public Scoring scoring() {
        return Scoring.of(architecture.problemType(), architecture.labels().size());
    }

    /** The tokenizer, or null in ids-only mode. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public EncoderArchitecture architecture() {
        return architecture;
    }

    /** {@code text} with the model's special tokens; longer than {@link #maxSequenceLength()} is an error, not a cut. */
    public int[] tokenize(String text) {
        if (tokenizer == null) {
            throw new IllegalStateException(modelId + " has no tokenizer (ids-only mode)");
        }
        int[] ids = tokenizer.encodeIds(text, true);
        if (ids.length > maxSequenceLength()) {
            throw new IllegalArgumentException("text of " + ids.length + " tokens exceeds the " + maxSequenceLength()
                    + " positions of " + modelId);
        }
        return ids;
    }

    /** Sentence embeddings with the model's {@link #pooling()}. */
    public float[][] embed(List<int[]> ids) {
        return embed(ids, null, pooling);
    }

    /**
     * Sentence embeddings, {@code [rows][hidden]}.
     *
     * @param tokenTypes null for all-zero token types
     * @param pooling    CLS or MEAN, normalised or not (NONE is refused: use {@link #hiddenStates})
     */
    public synchronized float[][] embed(List<int[]> ids, List<int[]> tokenTypes, Pooling pooling) {
        EncoderBatch batch = batch(ids, tokenTypes);
        return pooling.pool(architecture.forward(batch, false, false), batch);
    }

    /** Last hidden state per row, {@code [row][token][hidden]} over the row's own tokens. */
    public synchronized List<float[][]> hiddenStates(List<int[]> ids, List<int[]> tokenTypes) {
        EncoderBatch batch = batch(ids, tokenTypes);
        EncoderOutput out = architecture.forward(batch, false, false);
        return perToken(out.lastHiddenState(), batch, out.hiddenSize());
    }

    /** Sequence classification: logits and probabilities per row. */
    public synchronized List<Classification> classify(List<int[]> ids, List<int[]> tokenTypes) {
        require(EncoderTask.SEQUENCE_CLASSIFICATION);
        EncoderBatch batch = batch(ids, tokenTypes);
        float[] logits = architecture.logits(architecture.forward(batch, false, false), batch);
        int labels = labels().size();
        Scoring scoring = scoring();
        List<Classification> out = new ArrayList<>();
        for (int b = 0; b < batch.batchSize(); b++) {
            float[] row = Arrays.copyOfRange(logits, b * labels, (b + 1) * labels);
            out.add(new Classification(row, probabilities(row, scoring)));
        }
        return out;
    }

    /** Token classification: per row, one {@link Classification} per token of the row. */
    public synchronized List<List<Classification>> tokenLogits(List<int[]> ids, List<int[]> tokenTypes) {
        require(EncoderTask.TOKEN_CLASSIFICATION);
        EncoderBatch batch = batch(ids, tokenTypes);
        float[] logits = architecture.logits(architecture.forward(batch, false, false), batch);
        int labels = labels().size();
        // The token-classification pipeline always takes a softmax over a token's labels.
        Scoring scoring = "multi_label_classification".equals(architecture.problemType()) ? Scoring.SIGMOID : Scoring.SOFTMAX;
        List<List<Classification>> out = new ArrayList<>();
        for (float[][] row : perToken(logits, batch, labels)) {
            List<Classification> tokens = new ArrayList<>();
            for (float[] token : row) {
                tokens.add(new Classification(token, probabilities(token, scoring)));
            }
            out.add(tokens);
        }
        return out;
    }

    /** Masked LM: vocabulary logits per row, {@code [row][token][vocab]}. */
    public synchronized List<float[][]> maskedLmLogits(List<int[]> ids, List<int[]> tokenTypes) {
        require(EncoderTask.MASKED_LM);
        EncoderBatch batch = batch(ids, tokenTypes);
        float[] logits = architecture.logits(architecture.forward(batch, false, false), batch);
        return perToken(logits, batch, architecture.vocabSize());
    }

    private EncoderBatch batch(List<int[]> ids, List<int[]> tokenTypes) {
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i).length > maxSequenceLength()) {
                throw new IllegalArgumentException("input " + i + " has " + ids.get(i).length + " tokens; "
                        + modelId + " takes at most " + maxSequenceLength());
            }
        }
        return EncoderBatch.pad(ids, tokenTypes, architecture.padTokenId());
    }

    private void require(EncoderTask task) {
        if (architecture.task() != task) {
            throw new IllegalStateException(modelId + " is a " + architecture.task() + " model, not " + task);
        }
    }

    /** {@code flat[batch][seqLen][width]} cut to each row's real tokens. */
    private static List<float[][]> perToken(float[] flat, EncoderBatch batch, int width) {
        List<float[][]> out = new ArrayList<>();
        for (int b = 0; b < batch.batchSize(); b++) {
            int length = batch.length(b);
            float[][] row = new float[length][];
            for (int t = 0; t < length; t++) {
                int off = (b * batch.seqLen() + t) * width;
                row[t] = Arrays.copyOfRange(flat, off, off + width);
            }
            out.add(row);
        }
        return out;
    }

    static float[] probabilities(float[] logits, Scoring scoring) {
        float[] p = logits.clone();
        switch (scoring) {
            case SOFTMAX -> Softmax.softmax(p, 0, p.length);
            case SIGMOID -> {
                for (int i = 0; i < p.length; i++) {
                    p[i] = (float) (1 / (1 + Math.exp(-p[i])));
                }
            }
            case NONE -> {
            }
        }
        return p;
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + modelId + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "EncoderModel[" + summary() + "]";
    }
}
