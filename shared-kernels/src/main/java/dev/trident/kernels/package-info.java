/**
 * Trident's inference engine: tensors, Vector API kernels with scalar twins, checkpoint loading, tokenization and
 * reusable transformer blocks. Plain Java, no Spring; the services compose their architectures from it.
 */
package dev.trident.kernels;
