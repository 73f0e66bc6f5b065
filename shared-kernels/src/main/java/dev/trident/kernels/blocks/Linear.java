package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Axpy;
import dev.trident.kernels.ops.BatchedMatVec;
import dev.trident.kernels.ops.MatMul;
import dev.trident.kernels.ops.MatVec;
import dev.trident.kernels.ops.PackedMatMul;
import dev.trident.kernels.ops.Q8_0Panels;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} with {@code W} of shape {@code [out, in]} as in HF {@code nn.Linear} (any weight dtype) and
 * an optional bias. One row is a matrix × vector (bandwidth bound); several rows a register-tiled matrix × matrix.
 * {@link #withPackedWeights()} trades a second, F32 copy of the weight for matrix products without per-call packing
 * (for models whose every call is a prefill, like the encoders); {@link #withQ8_0Panels()} lays a Q8_0 weight out
 * again by columns for faster decode steps (the decoders), after which its source may free the row-major copy.
 */
public final class Linear {

    private final Tensor weight;
    private final float[] bias;
    /** The weight in column panels for {@link PackedMatMul}, or null: {@link MatMul} on {@link #weight}. */
    private final PackedMatMul.Packed packed;
    /** The Q8_0 weight in column panels for {@link Q8_0Panels}, or null. */
    private final Q8_0Panels.Packed q8Panels;

    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("tensor " + weight.name() + ": expected a matrix [out, in], found rank " + weight.rank());
        }
        this.weight = weight;
        this.bias = bias == null ? null : Weights.vector(bias, weight.dim(0));
        this.packed = null;
        this.q8Panels = null;
    }

    private Linear(Linear plain, PackedMatMul.Packed packed, Q8_0Panels.Packed q8Panels) {
        this.weight = plain.weight;
        this.bias = plain.bias;
        this.packed = packed;
        this.q8Panels = q8Panels;
    }

    /**
     * This layer with its weight also repacked for {@link PackedMatMul} (same results as {@link MatMul}, bitwise);
     * a Q8_0 weight stays as it is, since it was chosen to save memory.
     */
    public Linear withPackedWeights() {
        if (packed != null || weight.dtype() == DType.Q8_0) {
            return this;
        }
        return new Linear(this, PackedMatMul.pack(weight), null);
    }

    /**
     * This layer with a Q8_0 weight also in column panels ({@link Q8_0Panels}), used for every row count, so a row
     * gives the same bits alone, batched or in a prefill; other weights, or where the panel kernels do not run
     * ({@link Q8_0Panels#supported()}), stay as they are. The layer reads the row-major weight no more: a caller that
     * alone uses it may {@link dev.trident.kernels.load.WeightSource#release} it (see {@link #usesQ8_0Panels()}).
     */
    public Linear withQ8_0Panels() {
        if (q8Panels != null || weight.dtype() != DType.Q8_0 || !Q8_0Panels.supported()) {
            return this;
        }
        return new Linear(this, packed, Q8_0Panels.pack(weight));
    }

    /** Whether this layer computes from Q8_0 column panels (and so never reads {@link #weight()}'s data). */
    public boolean usesQ8_0Panels() {
        return q8Panels != null;
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

    /** The weight as loaded; with {@link #usesQ8_0Panels()} its data may have been released (name and shape stay). */
    public Tensor weight() {
        return weight;
    }

    /** {@code rows} input rows of {@link #inFeatures()} from {@code xOff} into {@code rows} output rows at {@code yOff}. */
    public void forward(float[] x, int xOff, int rows, float[] y, int yOff) {
        if (q8Panels != null) {
            Q8_0Panels.matMul(q8Panels, x, xOff, rows, y, yOff);
        } else if (rows == 1) {
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
        if (q8Panels != null) {
            Q8_0Panels.matMul(q8Panels, x, xOff, rows, y, yOff);
        } else if (rows == 1) {
            MatVec.matVec(weight, x, xOff, y, yOff);
        } else {
            BatchedMatVec.matVec(weight, x, xOff, rows, y, yOff);
        }
        if (bias != null) {
            Axpy.addToRows(bias, y, yOff, rows, outFeatures());
        }
    }
}
