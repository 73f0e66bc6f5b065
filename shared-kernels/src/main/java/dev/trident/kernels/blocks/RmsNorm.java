package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Norms;
import dev.trident.kernels.tensor.Tensor;

/** Llama's RMSNorm, {@code x / sqrt(mean(x²) + eps) · weight}, row by row. (T5's layer norm is the same math.) */
public final class RmsNorm {

    private final float[] weight;
    private final float eps;

    public RmsNorm(Tensor weight, int dim, float eps) {
        this.weight = Weights.vector(weight, dim);
        this.eps = eps;
    }

    public int dim() {
        return weight.length;
    }

    public void forward(float[] x, int xOff, int rows, float[] out, int outOff) {
        int dim = weight.length;
        for (int r = 0; r < rows; r++) {
            Norms.rmsNorm(x, xOff + r * dim, out, outOff + r * dim, dim, weight, eps);
        }
    }
}
