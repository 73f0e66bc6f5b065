/** The kernel speed bench ({@link dev.trident.kernels.bench.KernelBench}), run by {@code ops/bench/kernels}. */
package dev.trident.kernels.bench;
