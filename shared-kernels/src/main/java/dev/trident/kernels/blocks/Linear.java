package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.BatchedMatVec;
import dev.trident.kernels.ops.MatMul;
import dev.trident.kernels.ops.MatVec;
import dev.trident.kernels.ops.PackedMatMul;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} with {@code W} of shape {@code [out, in]} as in HF {@code nn.Linear} (any weight dtype) and
 * an optional bias. One row is a matrix × vector (bandwidth bound); several rows a register-tiled matrix × matrix.
 * {@link #withPackedWeights()} trades a second, F32 copy of the weight for matrix products without per-call packing
 * (for models whose every call is a prefill, like the encoders).
 */
public final class Linear {

    private final Tensor weight;
    private final float[] bias;
    /** The weight in column panels for {@link PackedMatMul}, or null: {@link MatMul} on {@link #weight}. */
    private final PackedMatMul.Packed packed;

    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("tensor " + weight.name() + ": expected a matrix [out, in], found rank " + weight.rank());
        }
        this.weight = weight;
        this.bias = bias == null ? null : Weights.vector(bias, weight.dim(0));
        this.packed = null;
    }

    private Linear(Linear plain, PackedMatMul.Packed packed) {
        this.weight = plain.weight;
        this.bias = plain.bias;
        this.packed = packed;
    }

    /**
     * This layer with its weight also repacked for {@link PackedMatMul} (same results as {@link MatMul}, bitwise);
     * a Q8_0 weight stays as it is, since it was chosen to save memory.
     */
    public Linear withPackedWeights() {
        if (packed != null || weight.dtype() == DType.Q8_0) {
            return this;
        }
        return new Linear(this, PackedMatMul.pack(weight));
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
        } else if (packed != null) {
            PackedMatMul.matMul(packed, x, xOff, rows, y, yOff);
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
