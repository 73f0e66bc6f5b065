package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Norms;
import dev.trident.kernels.tensor.Tensor;

/** {@code nn.LayerNorm}: mean and variance over the last dimension, then weight and bias, row by row. */
public final class LayerNorm {

    private final float[] weight;
    private final float[] bias;
    private final float eps;

    public LayerNorm(Tensor weight, Tensor bias, int dim, float eps) {
        this.weight = Weights.vector(weight, dim);
        this.bias = bias == null ? null : Weights.vector(bias, dim);
        this.eps = eps;
    }

    public void forward(float[] x, int xOff, int rows, float[] out, int outOff) {
        Norms.layerNormRows(x, xOff, out, outOff, rows, weight.length, weight, bias, eps);
    }
}
