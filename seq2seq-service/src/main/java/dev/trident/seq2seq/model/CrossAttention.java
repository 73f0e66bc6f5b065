package dev.trident.seq2seq.model;

import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.tensor.Tensor;

/**
 * Decoder-to-encoder attention: queries from the decoder rows, keys and values projected once from the encoder's
 * output ({@link #keys}, {@link #values}) and reused at every decoding step; non-causal, padding keys masked.
 */
final class CrossAttention {

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final Attention.Shape shape;
    private final StepLinear queryStep;
    private final StepLinear outputStep;
    private float[] queries = new float[0];
    private float[] attended = new float[0];

    /** @param queryBias, outputBias the biases of {@code query} and {@code output} (null: none), for the batched step */
    CrossAttention(Linear query, Linear key, Linear value, Linear output, int heads, int headDim, float scale,
                   Tensor queryBias, Tensor outputBias) {
        this.queryStep = StepLinear.of(query.weight(), queryBias);
        this.outputStep = StepLinear.of(output.weight(), outputBias);
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
        this.shape = new Attention.Shape(heads, heads, headDim, scale, false, 0);
        int width = heads * headDim;
        if (query.outFeatures() != width || key.outFeatures() != width || value.outFeatures() != width
                || output.inFeatures() != width) {
            throw new IllegalArgumentException("cross-attention projections do not fit " + shape);
        }
    }

    float[] keys(EncoderOutput encoder) {
        float[] k = new float[encoder.length() * key.outFeatures()];
        key.forward(encoder.hidden(), 0, encoder.length(), k, 0);
        return k;
    }

    float[] values(EncoderOutput encoder) {
        float[] v = new float[encoder.length() * value.outFeatures()];
        value.forward(encoder.hidden(), 0, encoder.length(), v, 0);
        return v;
    }

    void forward(float[] x, int xOff, int rows, float[] keys, float[] values, EncoderOutput encoder, float[] out, int outOff) {
        int width = shape.heads() * shape.headDim();
        if (queries.length < rows * width) {
            queries = new float[rows * width];
            attended = new float[rows * width];
        }
        query.forward(x, xOff, rows, queries, 0);
        Attention.attend(shape, queries, 0, rows, 0, keys, values, 0, encoder.length(), encoder.keyValid(), null, 0,
                attended, 0);
        output.forward(attended, 0, rows, out, outOff);
    }

    /**
     * One query row for each of {@code rows} states (a batched decoder step): row {@code i} of {@code x} attends over
     * {@code states[i]}'s encoder, bit for bit {@link #forward} of that row alone.
     */
    void forwardRows(float[] x, int rows, DecoderState[] states, int layer, float[] out) {
        int width = shape.heads() * shape.headDim();
        if (queries.length < rows * width) {
            queries = new float[rows * width];
            attended = new float[rows * width];
        }
        queryStep.forward(x, rows, queries);
        for (int i = 0; i < rows; i++) {
            EncoderOutput encoder = states[i].encoder();
            Attention.attend(shape, queries, i * width, 1, 0, states[i].crossKeys(layer), states[i].crossValues(layer), 0,
                    encoder.length(), encoder.keyValid(), null, 0, attended, i * width);
        }
        outputStep.forward(attended, rows, out);
    }
}
