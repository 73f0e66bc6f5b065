package dev.trident.decoder.model;

import dev.trident.kernels.ops.Axpy;

/** {@code x += delta}: the residual connections around attention and MLP. */
final class Residual {

    private Residual() {
    }

    static void add(float[] x, float[] delta, int n) {
        Axpy.axpy(1f, delta, 0, x, 0, n);
    }

    /** {@code rows} rows of {@code width}, one at a time, so each row's arithmetic is that of the row alone. */
    static void addRows(float[] x, float[] delta, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            Axpy.axpy(1f, delta, r * width, x, r * width, width);
        }
    }
}
