/** The shared kernel worker pool and its deterministic range splitting ({@link dev.trident.kernels.parallel.Parallel}). */
package dev.trident.kernels.parallel;
