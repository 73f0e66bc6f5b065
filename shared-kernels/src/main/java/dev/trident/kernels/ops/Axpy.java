package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

/** Scale-add {@code y += α·x} (residual adds with α = 1, attention's weighted sum of values) and in-place scale. */
public final class Axpy {

    private Axpy() {
    }

    /** {@code y[yOff + i] += alpha · x[xOff + i]} for {@code i < n}. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        if (Simd.SCALAR) {
            scalar(alpha, x, xOff, y, yOff, n);
        } else {
            vector(alpha, x, xOff, y, yOff, n);
        }
    }

    /** One FMA per element (a single rounding; the scalar twin rounds the product and the sum separately). */
    public static void vector(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    public static void scalar(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /**
     * {@code y[yOff + r·n + i] += row[i]} for {@code r < rows}, {@code i < n} (a Linear's bias on every output
     * row): {@link #axpy} with alpha 1 per row, split over threads by rows for large blocks.
     */
    public static void addToRows(float[] row, float[] y, int yOff, int rows, int n) {
        int minRows = Math.max(1, (1 << 15) / Math.max(1, n));
        if (!Parallel.splits(rows, minRows)) {
            addToRowRange(row, y, yOff, n, 0, rows);
            return;
        }
        Parallel.forRange(rows, minRows, (start, end) -> addToRowRange(row, y, yOff, n, start, end));
    }

    private static void addToRowRange(float[] row, float[] y, int yOff, int n, int start, int end) {
        for (int r = start; r < end; r++) {
            axpy(1f, row, 0, y, yOff + r * n, n);
        }
    }

    /** {@code x[off + i] *= alpha} for {@code i < n}. */
    public static void scale(float[] x, int off, int n, float alpha) {
        if (Simd.SCALAR) {
            scaleScalar(x, off, n, alpha);
        } else {
            scaleVector(x, off, n, alpha);
        }
    }

    public static void scaleVector(float[] x, int off, int n, float alpha) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    public static void scaleScalar(float[] x, int off, int n, float alpha) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }
}
