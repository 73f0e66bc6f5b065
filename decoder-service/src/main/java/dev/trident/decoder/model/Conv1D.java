package dev.trident.decoder.model;

import dev.trident.kernels.tensor.Tensor;

/**
 * GPT-2 stores its projections as {@code Conv1D} weights {@code [in, out]}; the kernels take HF Linear's
 * {@code [out, in]}. The weights are transposed once at load into heap F32 (the mapped file is not used for them).
 */
final class Conv1D {

    private Conv1D() {
    }

    /** Columns {@code [from, from + count)} of {@code weight} ({@code [in, out]}) as a {@code [count, in]} matrix. */
    static Tensor transposedColumns(Tensor weight, int from, int count, String name) {
        int in = weight.dim(0);
        int out = weight.dim(1);
        if (from < 0 || from + count > out) {
            throw new IllegalArgumentException("tensor " + weight.name() + ": columns [" + from + ", " + (from + count)
                    + ") outside its " + out);
        }
        float[] transposed = new float[count * in];
        for (int i = 0; i < in; i++) {
            for (int c = 0; c < count; c++) {
                transposed[c * in + i] = weight.getFloat((long) i * out + from + c);
            }
        }
        return Tensor.f32(name, transposed, count, in);
    }

    /** Elements {@code [from, from + count)} of a bias vector. */
    static Tensor slice(Tensor bias, int from, int count, String name) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = bias.getFloat(from + i);
        }
        return Tensor.f32(name, values, count);
    }
}
