package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.BatchedMatVec;
import dev.trident.kernels.ops.MatMul;
import dev.trident.kernels.ops.MatVec;
import dev.trident.kernels.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} with {@code W} of shape {@code [out, in]} as in HF {@code nn.Linear} (any weight dtype) and
 * an optional bias. One row is a matrix × vector (bandwidth bound); several rows a register-tiled matrix × matrix.
 */
public final class Linear {

    private final Tensor weight;
    private final float[] bias;

    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("tensor " + weight.name() + ": expected a matrix [out, in], found rank " + weight.rank());
        }
        this.weight = weight;
        this.bias = bias == null ? null : Weights.vector(bias, weight.dim(0));
    }

    public static Linear withoutBias(Tensor weight) {
        return new Linear(weight, null);
    }

    public int inFeatures() {
        return weight.dim(1);
    }

    public int outFeatures() {
        return weight.dim(0);
    }

    public Tensor weight() {
        return weight;
    }

    /** {@code rows} input rows of {@link #inFeatures()} from {@code xOff} into {@code rows} output rows at {@code yOff}. */
    public void forward(float[] x, int xOff, int rows, float[] y, int yOff) {
        if (rows == 1) {
            MatVec.matVec(weight, x, xOff, y, yOff);
        } else {
            MatMul.matMul(weight, x, xOff, rows, y, yOff);
        }
        if (bias != null) {
            Axpy.addToRows(bias, y, yOff, rows, outFeatures());
        }
    }

    /**
     * {@code rows} independent rows, each exactly as {@code forward(x, xOff + r·in, 1, y, yOff + r·out)} would
     * compute it (bitwise), but with one pass over the weights for all of them: the batched decode step.
     */
    public void forwardEach(float[] x, int xOff, int rows, float[] y, int yOff) {
        if (rows == 1) {
            MatVec.matVec(weight, x, xOff, y, yOff);
        } else {
            BatchedMatVec.matVec(weight, x, xOff, rows, y, yOff);
        }
        if (bias != null) {
            Axpy.addToRows(bias, y, yOff, rows, outFeatures());
        }
    }
}
