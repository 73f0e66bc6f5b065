package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Convert.LE;
import static dev.trident.kernels.ops.Simd.B_Q;
import static dev.trident.kernels.ops.Simd.B_Q_PARTS;
import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link MatVec} for {@code n} vectors at once: {@code y_j = W·x_j}, the decode step of {@code n} sequences batched
 * together. Each weight row is read from memory once and used for all {@code n} dot products while it sits in L1,
 * so the step costs about one pass over the weights instead of {@code n}.
 *
 * <p>Bitwise contract: every {@code y_j} is exactly what {@link MatVec} computes for {@code x_j} alone — the same
 * lane-wise accumulators, unrolling, block order, lane reduction and scalar tail — so a sequence decodes to the
 * same tokens whether it runs alone or batched with others. The row is decoded once to floats (BF16/F16: exact;
 * Q8_0: the int8 values, exact, and the block scales), and the per-vector kernels below replay
 * {@code MatVec}'s operations on the decoded values. F32 rows need no decoding: {@code MatVec}'s own row kernel
 * runs per vector.
 *
 * <p>Layout as {@link MatMul}: {@code x} holds {@code n} rows of {@code in} floats from {@code xOff}, {@code y}
 * receives {@code n} rows of {@code out} floats from {@code yOff}. Output rows are split across {@link Parallel}
 * threads; the decoded-row scratch is per thread and reused, so the row loops allocate nothing.
 */
public final class BatchedMatVec {

    /** Per thread: {@code [0]} a decoded weight row, {@code [1]} its Q8_0 block scales. */
    private static final ThreadLocal<float[][]> ROW_SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    private BatchedMatVec() {
    }

    /** {@code y[yOff + j·out + r] = Σ_k W[r, k] · x[xOff + j·in + k]} for {@code j < n} and every row {@code r}. */
    public static void matVec(Tensor w, float[] x, int xOff, int n, float[] y, int yOff) {
        if (Simd.SCALAR) {
            scalar(w, x, xOff, n, y, yOff);
        } else {
            vector(w, x, xOff, n, y, yOff);
        }
    }

    public static void vector(Tensor w, float[] x, int xOff, int n, float[] y, int yOff) {
        int rows = w.dim(0);
        int cols = checkShape(w, x, xOff, n, y, yOff);
        if (n == 0 || rows == 0) {
            return;
        }
        MemorySegment data = w.data();
        DType type = w.dtype();
        int minRows = minRowsPerChunk(cols, n);
        if (!Parallel.splits(rows, minRows)) {
            rowsVector(type, data, rows, cols, x, xOff, n, y, yOff, 0, rows);
            return;
        }
        Parallel.forRangeBalanced(rows, minRows,
                (start, end) -> rowsVector(type, data, rows, cols, x, xOff, n, y, yOff, start, end));
    }

    /** Scalar twin: {@link MatVec#rowDotScalar} per row and vector, so it equals {@link MatVec#scalar} bitwise. */
    public static void scalar(Tensor w, float[] x, int xOff, int n, float[] y, int yOff) {
        int rows = w.dim(0);
        int cols = checkShape(w, x, xOff, n, y, yOff);
        MemorySegment data = w.data();
        DType type = w.dtype();
        Parallel.forRange(rows, minRowsPerChunk(cols, n), (start, end) -> {
            for (int r = start; r < end; r++) {
                for (int j = 0; j < n; j++) {
                    y[yOff + j * rows + r] = MatVec.rowDotScalar(type, data, r, cols, x, xOff + j * cols);
                }
            }
        });
    }

    /** As {@link MatVec#minRowsPerChunk}, counting each weight once per vector: the work a chunk hands a thread. */
    static int minRowsPerChunk(int cols, int n) {
        return MatVec.minRowsPerChunk((int) Math.min(Integer.MAX_VALUE, (long) cols * Math.max(1, n)));
    }

    static int checkShape(Tensor w, float[] x, int xOff, int n, float[] y, int yOff) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weight " + w + " must be [out, in]");
        }
        int out = w.dim(0);
        int cols = w.dim(1);
        if (n < 0 || xOff < 0 || xOff + (long) n * cols > x.length || yOff < 0 || yOff + (long) n * out > y.length) {
            throw new IllegalArgumentException("weight " + w + " for " + n + " vectors: x needs " + (long) n * cols
                    + " floats from " + xOff + " (has " + x.length + "), y needs " + (long) n * out + " from " + yOff
                    + " (has " + y.length + ")");
        }
        return cols;
    }

    private static void rowsVector(DType type, MemorySegment data, int rows, int cols, float[] x, int xOff, int n,
                                   float[] y, int yOff, int start, int end) {
        if (type == DType.F32) {
            // The row is 4·cols bytes: after the first vector's pass it is in L1 for the others.
            for (int r = start; r < end; r++) {
                long rowOff = (long) r * cols * 4;
                for (int j = 0; j < n; j++) {
                    y[yOff + j * rows + r] = MatVec.rowF32Vector(data, rowOff, cols, x, xOff + j * cols);
                }
            }
            return;
        }
        float[][] scratch = ROW_SCRATCH.get();
        if (scratch[0].length < cols) {
            scratch[0] = new float[cols];
            scratch[1] = new float[cols / Q8_0.BLOCK + 1];
        }
        float[] row = scratch[0];
        float[] scales = scratch[1];
        for (int r = start; r < end; r++) {
            switch (type) {
                case BF16 -> Convert.bf16ToF32Vector(data, (long) r * cols * 2, row, 0, cols);
                case F16 -> Convert.f16ToF32Vector(data, (long) r * cols * 2, row, 0, cols);
                case Q8_0 -> decodeQ8_0Row(data, (long) r * (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES, cols, row, scales);
                case F32 -> throw new AssertionError("handled above");
            }
            // Vectors two at a time: each weight load feeds both, and four accumulator chains are in flight.
            int j = 0;
            if (type == DType.Q8_0) {
                for (; j + 1 < n; j += 2) {
                    dotQ8_0DecodedPair(row, scales, cols, x, xOff + j * cols, xOff + (j + 1) * cols, y,
                            yOff + j * rows + r, yOff + (j + 1) * rows + r);
                }
                if (j < n) {
                    y[yOff + j * rows + r] = dotQ8_0Decoded(row, scales, cols, x, xOff + j * cols);
                }
            } else {
                for (; j + 1 < n; j += 2) {
                    dotHalfDecodedPair(row, cols, x, xOff + j * cols, xOff + (j + 1) * cols, y,
                            yOff + j * rows + r, yOff + (j + 1) * rows + r);
                }
                if (j < n) {
                    y[yOff + j * rows + r] = dotHalfDecoded(row, cols, x, xOff + j * cols);
                }
            }
        }
    }

    /** The int8 values of a Q8_0 row as floats (exact) and its block scales, unscaled as MatVec sums them. */
    private static void decodeQ8_0Row(MemorySegment w, long byteOff, int cols, float[] row, float[] scales) {
        int blocks = cols / Q8_0.BLOCK;
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            scales[b] = Float.float16ToFloat(w.get(Tensor.I16_LE, in));
            int out = b * Q8_0.BLOCK;
            for (int o = 0; o < Q8_0.BLOCK; o += B_Q.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B_Q, w, in + 2 + o, LE);
                for (int part = 0; part < B_Q_PARTS; part++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, part)).intoArray(row, out + o + part * L);
                }
            }
        }
    }

    /**
     * {@link MatVec#rowBf16Vector} / {@link MatVec#rowF16Vector} on a decoded row: two accumulators over steps of
     * {@code 2L}, one more vector step, the butterfly reduction, then the scalar tail left to right.
     */
    static float dotHalfDecoded(float[] w, int n, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += w[i] * x[xOff + i];
        }
        return sum;
    }

    /**
     * {@link MatVec#rowQ8_0Vector} on a decoded row: per block the lane-wise Σ q·x in the order of
     * {@code MatVec.q8Block}, one FMA with the block scale into one accumulator chain, then the reduction.
     */
    static float dotQ8_0Decoded(float[] q, float[] scales, int n, float[] x, int xOff) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int at = b * Q8_0.BLOCK;
            acc = blockSum(q, at, x, xOff + at).fma(FloatVector.broadcast(F, scales[b]), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** {@link #dotHalfDecoded} for two vectors in one loop, each with exactly that kernel's operations. */
    static void dotHalfDecodedPair(float[] w, int n, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            FloatVector w1 = FloatVector.fromArray(F, w, i + L);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            a1 = w1.fma(FloatVector.fromArray(F, x, xa + i + L), a1);
            b0 = w0.fma(FloatVector.fromArray(F, x, xb + i), b0);
            b1 = w1.fma(FloatVector.fromArray(F, x, xb + i + L), b1);
        }
        for (; i <= n - L; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            b0 = w0.fma(FloatVector.fromArray(F, x, xb + i), b0);
        }
        float sumA = VectorMath.sumLanes(a0.add(a1));
        float sumB = VectorMath.sumLanes(b0.add(b1));
        for (; i < n; i++) {
            sumA += w[i] * x[xa + i];
            sumB += w[i] * x[xb + i];
        }
        y[ya] = sumA;
        y[yb] = sumB;
    }

    /** {@link #dotQ8_0Decoded} for two vectors in one loop, each with exactly that kernel's operations. */
    static void dotQ8_0DecodedPair(float[] q, float[] scales, int n, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector a = FloatVector.zero(F);
        FloatVector c = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int at = b * Q8_0.BLOCK;
            FloatVector scale = FloatVector.broadcast(F, scales[b]);
            a = blockSum(q, at, x, xa + at).fma(scale, a);
            c = blockSum(q, at, x, xb + at).fma(scale, c);
        }
        y[ya] = VectorMath.sumLanes(a);
        y[yb] = VectorMath.sumLanes(c);
    }

    private static FloatVector blockSum(float[] q, int qOff, float[] x, int xOff) {
        FloatVector sum = FloatVector.zero(F);
        for (int o = 0; o < Q8_0.BLOCK; o += L) {
            sum = FloatVector.fromArray(F, q, qOff + o).fma(FloatVector.fromArray(F, x, xOff + o), sum);
        }
        return sum;
    }
}
