/**
 * Reusable transformer blocks the services compose into their architectures: embedding lookup, linear layers,
 * norms, attention over a KV cache, and the MLP variants. Blocks hold their weights and reusable scratch; the
 * math is in {@code dev.trident.kernels.ops}. A block instance runs one forward at a time.
 */
package dev.trident.kernels.blocks;
