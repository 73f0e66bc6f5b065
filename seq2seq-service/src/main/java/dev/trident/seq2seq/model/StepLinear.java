package dev.trident.seq2seq.model;

import dev.trident.kernels.blocks.Weights;
import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.MatVecRows;
import dev.trident.kernels.tensor.Tensor;

/**
 * A linear layer for the batched decoder step: {@code y_r = W·x_r + b} for several rows with one pass over {@code W}
 * ({@link MatVecRows}) and the bias added row by row, exactly as {@code Linear.forward} does for one row, so each row
 * equals the one-row result bit for bit.
 *
 * @param bias null for none; else as {@code Linear} holds it ({@link Weights#vector})
 */
record StepLinear(Tensor weight, float[] bias) {

    static StepLinear of(Tensor weight, Tensor bias) {
        return new StepLinear(weight, bias == null ? null : Weights.vector(bias, weight.dim(0)));
    }

    void forward(float[] x, int rows, float[] y) {
        MatVecRows.matVecRows(weight, x, 0, rows, y, 0);
        if (bias != null) {
            int out = weight.dim(0);
            for (int r = 0; r < rows; r++) {
                Axpy.axpy(1f, bias, 0, y, r * out, out);
            }
        }
    }
}
