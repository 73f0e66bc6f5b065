package dev.trident.kernels.ops;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Several independent matrix × vector products against one weight, {@code y_b = W·x_b} for {@code b < count}, in one
 * pass over {@code W}: a tile of weight rows small enough to stay in cache is multiplied with every {@code x_b} before
 * the next tile is read, so a decode step of {@code count} sequences (beams, concurrent requests) streams the weights
 * from memory once instead of {@code count} times.
 *
 * <p>Why not {@link MatMul}: its register tiles sum in another order, so a sequence decoded in a batch would get
 * different floats than decoded alone. Each product here is computed by {@link MatVec}'s own row kernels
 * ({@code rowDotVector} / {@code rowDotScalar}), so every {@code y_b} is bit for bit {@code MatVec.matVec(W, x_b)}:
 * batching never changes a result.
 */
public final class MatVecRows {

    /** Rows per thread chunk at least, as in {@link MatVec}. */
    private static final int MIN_ROWS_PER_CHUNK = 16;
    /** Bytes of weight rows multiplied with every input before moving on: about half of a core's L2 slice. */
    private static final long TILE_BYTES = 64 * 1024;

    private MatVecRows() {
    }

    /**
     * {@code y[yOff + b·out + r] = Σ_k W[r, k] · x[xOff + b·in + k]} for {@code count} inputs laid out one after another
     * ({@code x: [count][in]}, {@code y: [count][out]}).
     */
    public static void matVecRows(Tensor w, float[] x, int xOff, int count, float[] y, int yOff) {
        run(Simd.SCALAR, w, x, xOff, count, y, yOff);
    }

    public static void vector(Tensor w, float[] x, int xOff, int count, float[] y, int yOff) {
        run(false, w, x, xOff, count, y, yOff);
    }

    public static void scalar(Tensor w, float[] x, int xOff, int count, float[] y, int yOff) {
        run(true, w, x, xOff, count, y, yOff);
    }

    private static void run(boolean scalar, Tensor w, float[] x, int xOff, int count, float[] y, int yOff) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weight " + w + " must be [out, in]");
        }
        int rows = w.dim(0);
        int cols = w.dim(1);
        if (count < 0 || xOff < 0 || (long) xOff + (long) count * cols > x.length
                || yOff < 0 || (long) yOff + (long) count * rows > y.length) {
            throw new IllegalArgumentException("weight " + w + ": " + count + " inputs need " + (long) count * cols
                    + " floats from " + xOff + " (x has " + x.length + ") and " + (long) count * rows + " outputs from "
                    + yOff + " (y has " + y.length + ")");
        }
        if (count == 0) {
            return;
        }
        MemorySegment data = w.data();
        DType type = w.dtype();
        int tile = (int) Math.max(1, Math.min(rows, TILE_BYTES / Math.max(1, data.byteSize() / Math.max(1, rows))));
        if (!Parallel.splits(rows, MIN_ROWS_PER_CHUNK)) {
            tiles(scalar, type, data, rows, cols, x, xOff, count, y, yOff, 0, rows, tile);
            return;
        }
        Parallel.forRange(rows, MIN_ROWS_PER_CHUNK,
                (start, end) -> tiles(scalar, type, data, rows, cols, x, xOff, count, y, yOff, start, end, tile));
    }

    private static void tiles(boolean scalar, DType type, MemorySegment data, int rows, int cols, float[] x, int xOff,
                              int count, float[] y, int yOff, int start, int end, int tile) {
        for (int r0 = start; r0 < end; r0 += tile) {
            int r1 = Math.min(end, r0 + tile);
            for (int b = 0; b < count; b++) {
                int xAt = xOff + b * cols;
                int yAt = yOff + b * rows;
                for (int r = r0; r < r1; r++) {
                    y[yAt + r] = scalar
                            ? MatVec.rowDotScalar(type, data, r, cols, x, xAt)
                            : MatVec.rowDotVector(type, data, r, cols, x, xAt);
                }
            }
        }
    }
}
