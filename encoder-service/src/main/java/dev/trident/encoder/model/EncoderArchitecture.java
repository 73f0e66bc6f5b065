package dev.trident.encoder.model;

import java.util.List;

/**
 * One loaded encoder (a family's base model plus the head its checkpoint carries), as the inference layer sees it.
 * Implementations hold per-call scratch in their blocks: one forward pass at a time (the kernels parallelise inside).
 */
public interface EncoderArchitecture {

    /** {@code model_type} of config.json: bert, roberta, xlm-roberta, distilbert. */
    String modelType();

    EncoderTask task();

    int hiddenSize();

    int vocabSize();

    /** The longest row the position embeddings allow (RoBERTa's offset of {@code padding_idx + 1} taken off). */
    int maxSequenceLength();

    int padTokenId();

    /** Labels by id (from {@code id2label}) for the classification heads; empty otherwise. */
    List<String> labels();

    /** HF's {@code problem_type}, or null: decides softmax or sigmoid over classification logits. */
    String problemType();

    /**
     * The base model over a padded batch, padded positions computed too, as HF does; {@code allHiddenStates} keeps a
     * copy of every layer's output.
     */
    default EncoderOutput forward(EncoderBatch batch, boolean allHiddenStates) {
        return forward(batch, allHiddenStates, true);
    }

    /**
     * The base model over a padded batch. With {@code paddingRows} false only the real tokens of a right-padded
     * batch are computed (packed one sequence after another, as TEI batches, so no matrix product multiplies
     * padding); their states are those of the padded pass up to float rounding, and padded positions of the output
     * are zero. Serving uses that: nothing reads a padded position.
     */
    EncoderOutput forward(EncoderBatch batch, boolean allHiddenStates, boolean paddingRows);

    /**
     * The head over {@link #forward}'s output: {@code [batch][labels]} for sequence classification,
     * {@code [batch][seqLen][labels]} for token classification, {@code [batch][seqLen][vocab]} for masked LM.
     */
    float[] logits(EncoderOutput output, EncoderBatch batch);
}
