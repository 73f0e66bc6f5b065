package dev.trident.decoder.model;

import dev.trident.kernels.ops.Axpy;

/** {@code x += delta}: the residual connections around attention and MLP. */
final class Residual {

    private Residual() {
    }

    static void add(float[] x, float[] delta, int n) {
        Axpy.axpy(1f, delta, 0, x, 0, n);
    }
}
