package dev.trident.kernels.blocks;

import dev.trident.kernels.tensor.Tensor;

/** Small weight tensors (norm gains, biases) are read once into float arrays, which the kernels take directly. */
public final class Weights {

    private Weights() {
    }

    /** {@code tensor} decoded to F32, checking it is the vector of {@code length} the block expects. */
    public static float[] vector(Tensor tensor, int length) {
        if (tensor.rank() != 1 || tensor.dim(0) != length) {
            throw new IllegalArgumentException("tensor " + tensor.name() + ": expected shape [" + length + "], found "
                    + java.util.Arrays.toString(tensor.shape()));
        }
        return tensor.toFloatArray();
    }
}
