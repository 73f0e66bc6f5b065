package dev.trident.encoder.model;

import java.util.List;

/**
 * What the base model computed for a batch, flat and row-major.
 *
 * @param lastHiddenState {@code [batch][seqLen][hidden]}; padded positions attend like HF's when they were computed,
 *                        else they are zero (see {@link EncoderArchitecture#forward(EncoderBatch, boolean, boolean)})
 * @param hiddenStates    empty unless asked for: {@code [0]} the embeddings after their LayerNorm, {@code [i]} the
 *                        output of layer {@code i}, each {@code [batch][seqLen][hidden]}
 * @param poolerOutput    BERT's pooler ({@code tanh(dense(hidden[:, 0]))}), {@code [batch][hidden]}; null when the
 *                        checkpoint has no pooler
 */
public record EncoderOutput(int batchSize, int seqLen, int hiddenSize, float[] lastHiddenState,
                            List<float[]> hiddenStates, float[] poolerOutput) {
}
