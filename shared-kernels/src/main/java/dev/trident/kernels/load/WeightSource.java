package dev.trident.kernels.load;

import dev.trident.kernels.tensor.Tensor;

import java.util.SequencedSet;

/**
 * Tensors by their HF names, wherever they come from: a safetensors {@link Checkpoint}, or another format
 * translated to HF names (an ONNX export, say). Architectures read their weights through this, asking for the
 * shape they expect, so that a mismatch fails at load naming the tensor.
 */
public interface WeightSource {

    SequencedSet<String> names();

    boolean has(String name);

    /** The tensor, or a {@link CheckpointException} naming it and the source when it is missing. */
    Tensor tensor(String name);

    /** The tensor, checked to have {@code expectedShape}; a mismatch names the tensor, the expected and the found shape. */
    Tensor tensor(String name, int... expectedShape);

    /**
     * The caller keeps its own copy of {@code name} (a weight repacked at load) and reads the source's no more: a
     * source holding a copy of its own (a tensor quantized at load) may free it. The tensors of that name handed
     * out before then become unusable (reading their data throws); asked for again, the tensor is made again.
     * Sources without such copies do nothing.
     */
    default void release(String name) {
    }
}
