/**
 * Compute kernels, each a {@code jdk.incubator.vector} implementation next to a plain scalar twin
 * ({@code X.vector(...)} / {@code X.scalar(...)}) and a public dispatching entry point that takes the scalar twin
 * when {@code -Dtrident.kernels.scalar=true} ({@link dev.trident.kernels.ops.Simd}).
 *
 * <p>Data: weights are {@link dev.trident.kernels.tensor.Tensor}s over little-endian native
 * {@link java.lang.foreign.MemorySegment}s (mapped checkpoints); activations, scores and outputs are caller-owned
 * {@code float[]} with explicit offsets, so the hot paths allocate nothing and reuse buffers across layers.
 *
 * <p>Numerics: float32 products summed in float32; lane sums and exp use {@code VectorMath} so results are the
 * same in every JIT tier and for any thread count.
 *
 * <ul>
 *   <li>{@link dev.trident.kernels.ops.MatVec}, {@link dev.trident.kernels.ops.MatMul}: {@code y = x·Wᵀ} for
 *       F32/F16/BF16/Q8_0 weights {@code [out, in]}.</li>
 *   <li>{@link dev.trident.kernels.ops.Dot}, {@link dev.trident.kernels.ops.Axpy},
 *       {@link dev.trident.kernels.ops.Softmax}, {@link dev.trident.kernels.ops.Norms},
 *       {@link dev.trident.kernels.ops.Activations}, {@link dev.trident.kernels.ops.Rope},
 *       {@link dev.trident.kernels.ops.Attention}, {@link dev.trident.kernels.ops.ArgMax},
 *       {@link dev.trident.kernels.ops.TopK}, {@link dev.trident.kernels.ops.Convert}.</li>
 * </ul>
 */
package dev.trident.kernels.ops;
