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
        if (!scalar && type == DType.F32 && count >= 4) {
            // Four inputs per pass over a row: each weight vector is loaded once into a register for all four.
            int groups = count / 4 * 4;
            for (int r = start; r < end; r++) {
                long rowOff = (long) r * cols * 4;
                for (int b = 0; b < groups; b += 4) {
                    rowF32x4(data, rowOff, cols, x, xOff + b * cols, cols, y, yOff + b * rows + r, rows);
                }
                for (int b = groups; b < count; b++) {
                    y[yOff + b * rows + r] = MatVec.rowF32Vector(data, rowOff, cols, x, xOff + b * cols);
                }
            }
            return;
        }
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

    /**
     * {@link MatVec#rowF32Vector} of one weight row against four inputs ({@code x} at {@code xAt + j·xStride}) at once,
     * each with exactly that kernel's operations in its order (four lane-wise accumulators over 4-vector strides, one
     * over the leftover vectors, {@code (a0 + a1) + (a2 + a3)} summed across lanes, then the scalar tail), so every
     * result equals {@code rowF32Vector} of that input bit for bit. Results go to {@code y[yAt + j·yStride]}.
     */
    static void rowF32x4(MemorySegment w, long byteOff, int n, float[] x, int xAt, int xStride, float[] y, int yAt,
                         int yStride) {
        jdk.incubator.vector.FloatVector a00 = jdk.incubator.vector.FloatVector.zero(Simd.F);
        jdk.incubator.vector.FloatVector a01 = a00, a02 = a00, a03 = a00;
        jdk.incubator.vector.FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        jdk.incubator.vector.FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        jdk.incubator.vector.FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int l = Simd.L;
        int x0 = xAt;
        int x1 = xAt + xStride;
        int x2 = xAt + 2 * xStride;
        int x3 = xAt + 3 * xStride;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            long b = byteOff + 4L * i;
            jdk.incubator.vector.FloatVector w0 = jdk.incubator.vector.FloatVector.fromMemorySegment(Simd.F, w, b, Convert.LE);
            jdk.incubator.vector.FloatVector w1 = jdk.incubator.vector.FloatVector.fromMemorySegment(Simd.F, w, b + 4L * l, Convert.LE);
            jdk.incubator.vector.FloatVector w2 = jdk.incubator.vector.FloatVector.fromMemorySegment(Simd.F, w, b + 8L * l, Convert.LE);
            jdk.incubator.vector.FloatVector w3 = jdk.incubator.vector.FloatVector.fromMemorySegment(Simd.F, w, b + 12L * l, Convert.LE);
            a00 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x0 + i), a00);
            a01 = w1.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x0 + i + l), a01);
            a02 = w2.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x0 + i + 2 * l), a02);
            a03 = w3.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x0 + i + 3 * l), a03);
            a10 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x1 + i), a10);
            a11 = w1.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x1 + i + l), a11);
            a12 = w2.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x1 + i + 2 * l), a12);
            a13 = w3.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x1 + i + 3 * l), a13);
            a20 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x2 + i), a20);
            a21 = w1.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x2 + i + l), a21);
            a22 = w2.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x2 + i + 2 * l), a22);
            a23 = w3.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x2 + i + 3 * l), a23);
            a30 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x3 + i), a30);
            a31 = w1.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x3 + i + l), a31);
            a32 = w2.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x3 + i + 2 * l), a32);
            a33 = w3.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x3 + i + 3 * l), a33);
        }
        for (; i <= n - l; i += l) {
            jdk.incubator.vector.FloatVector w0 = jdk.incubator.vector.FloatVector.fromMemorySegment(Simd.F, w, byteOff + 4L * i, Convert.LE);
            a00 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x0 + i), a00);
            a10 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x1 + i), a10);
            a20 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x2 + i), a20);
            a30 = w0.fma(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, x3 + i), a30);
        }
        float s0 = VectorMath.sumLanes(a00.add(a01).add(a02.add(a03)));
        float s1 = VectorMath.sumLanes(a10.add(a11).add(a12.add(a13)));
        float s2 = VectorMath.sumLanes(a20.add(a21).add(a22.add(a23)));
        float s3 = VectorMath.sumLanes(a30.add(a31).add(a32.add(a33)));
        for (; i < n; i++) {
            float wi = w.get(Tensor.F32_LE, byteOff + 4L * i);
            s0 += wi * x[x0 + i];
            s1 += wi * x[x1 + i];
            s2 += wi * x[x2 + i];
            s3 += wi * x[x3 + i];
        }
        y[yAt] = s0;
        y[yAt + yStride] = s1;
        y[yAt + 2 * yStride] = s2;
        y[yAt + 3 * yStride] = s3;
    }
}
