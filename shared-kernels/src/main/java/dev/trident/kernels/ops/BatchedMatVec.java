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
        // The n vectors lie back to back and cols is a multiple of the group: one pass interleaves them all.
        boolean interleave = type == DType.Q8_0 && Q8_0Lanes.INTERLEAVED;
        float[] xs = interleave ? Q8_0Lanes.interleaved(x, xOff, n * cols) : x;
        int xsOff = interleave ? 0 : xOff;
        int minRows = minRowsPerChunk(cols, n);
        if (!Parallel.splits(rows, minRows)) {
            rowsVector(type, data, rows, cols, xs, xsOff, n, y, yOff, 0, rows);
            return;
        }
        Parallel.forRangeBalanced(rows, minRows,
                (start, end) -> rowsVector(type, data, rows, cols, xs, xsOff, n, y, yOff, start, end));
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
        if (scratch[0].length < 2 * cols) {
            scratch[0] = new float[2 * cols];
            scratch[1] = new float[2 * (cols / Q8_0.BLOCK + 1)];
        }
        float[] decoded = scratch[0];
        float[] scales = scratch[1];
        int scalesPerRow = cols / Q8_0.BLOCK + 1;
        // Two weight rows by four vectors at a time: each weight load feeds four FMAs and each activation load two
        // (one row by two vectors loaded as much as it computed, and ran at a third of the FMA peak).
        int r = start;
        for (; r + 1 < end; r += 2) {
            decodeRow(type, data, r, cols, decoded, 0, scales, 0);
            decodeRow(type, data, r + 1, cols, decoded, cols, scales, scalesPerRow);
            int j = 0;
            for (; j + 3 < n; j += 4) {
                int xAt = xOff + j * cols;
                int yAt = yOff + j * rows + r;
                if (type == DType.Q8_0) {
                    dotQ8_0DecodedTwoRowsFourVectors(decoded, scales, scalesPerRow, cols, x, xAt, y, yAt, rows);
                } else {
                    dotHalfDecodedTwoRowsFourVectors(decoded, cols, x, xAt, y, yAt, rows);
                }
            }
            remainingVectors(type, decoded, 0, scales, 0, cols, x, xOff, j, n, y, yOff + r, rows);
            remainingVectors(type, decoded, cols, scales, scalesPerRow, cols, x, xOff, j, n, y, yOff + r + 1, rows);
        }
        if (r < end) {
            decodeRow(type, data, r, cols, decoded, 0, scales, 0);
            remainingVectors(type, decoded, 0, scales, 0, cols, x, xOff, 0, n, y, yOff + r, rows);
        }
    }

    /** Weight row {@code r} as floats into {@code row[rowAt..]} (Q8_0: its int8 values, and its scales). */
    private static void decodeRow(DType type, MemorySegment data, int r, int cols, float[] row, int rowAt,
                                  float[] scales, int scalesAt) {
        switch (type) {
            case BF16 -> Convert.bf16ToF32Vector(data, (long) r * cols * 2, row, rowAt, cols);
            case F16 -> Convert.f16ToF32Vector(data, (long) r * cols * 2, row, rowAt, cols);
            case Q8_0 -> decodeQ8_0Row(data, (long) r * (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES, cols, row, rowAt,
                    scales, scalesAt);
            case F32 -> throw new AssertionError("F32 rows are read in place");
        }
    }

    /** Vectors {@code [j, n)} against one decoded row, two at a time, into {@code y[yRow + v·rows]}. */
    private static void remainingVectors(DType type, float[] row, int rowAt, float[] scales, int scalesAt, int cols,
                                         float[] x, int xOff, int j, int n, float[] y, int yRow, int rows) {
        for (; j + 1 < n; j += 2) {
            int xa = xOff + j * cols;
            if (type == DType.Q8_0) {
                dotQ8_0DecodedPair(row, rowAt, scales, scalesAt, cols, x, xa, xa + cols, y, yRow + j * rows,
                        yRow + (j + 1) * rows);
            } else {
                dotHalfDecodedPair(row, rowAt, cols, x, xa, xa + cols, y, yRow + j * rows, yRow + (j + 1) * rows);
            }
        }
        if (j < n) {
            int xa = xOff + j * cols;
            y[yRow + j * rows] = type == DType.Q8_0
                    ? dotQ8_0Decoded(row, rowAt, scales, scalesAt, cols, x, xa)
                    : dotHalfDecoded(row, rowAt, cols, x, xa);
        }
    }

    /**
     * The int8 values of a Q8_0 row as floats (exact) and its block scales, unscaled as MatVec sums them; in the lane
     * order MatVec decodes them to ({@link Q8_0Lanes}).
     */
    private static void decodeQ8_0Row(MemorySegment w, long byteOff, int cols, float[] row, int rowAt, float[] scales,
                                      int scalesAt) {
        int blocks = cols / Q8_0.BLOCK;
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            scales[scalesAt + b] = Float.float16ToFloat(w.get(Tensor.I16_LE, in));
            int out = rowAt + b * Q8_0.BLOCK;
            if (Q8_0Lanes.INTERLEAVED) {
                Convert.q8_0BlockInterleaved(w, in, 1f, row, out); // times 1: the int8 values themselves, exactly
            } else {
                for (int o = 0; o < Q8_0.BLOCK; o += B_Q.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(B_Q, w, in + 2 + o, LE);
                    for (int part = 0; part < B_Q_PARTS; part++) {
                        ((FloatVector) q.convertShape(VectorOperators.B2F, F, part)).intoArray(row, out + o + part * L);
                    }
                }
            }
        }
    }

    /**
     * {@link MatVec#rowBf16Vector} / {@link MatVec#rowF16Vector} on a decoded row ({@code w[wAt..]}): two accumulators
     * over steps of {@code 2L}, one more vector step, the butterfly reduction, then the scalar tail left to right.
     */
    static float dotHalfDecoded(float[] w, int wAt, int n, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, w, wAt + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, wAt + i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(F, w, wAt + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += w[wAt + i] * x[xOff + i];
        }
        return sum;
    }

    /** {@link #dotHalfDecoded} for two vectors in one loop, each with exactly that kernel's operations. */
    static void dotHalfDecodedPair(float[] w, int wAt, int n, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wAt + i);
            FloatVector w1 = FloatVector.fromArray(F, w, wAt + i + L);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            a1 = w1.fma(FloatVector.fromArray(F, x, xa + i + L), a1);
            b0 = w0.fma(FloatVector.fromArray(F, x, xb + i), b0);
            b1 = w1.fma(FloatVector.fromArray(F, x, xb + i + L), b1);
        }
        for (; i <= n - L; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wAt + i);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            b0 = w0.fma(FloatVector.fromArray(F, x, xb + i), b0);
        }
        float sumA = VectorMath.sumLanes(a0.add(a1));
        float sumB = VectorMath.sumLanes(b0.add(b1));
        for (; i < n; i++) {
            sumA += w[wAt + i] * x[xa + i];
            sumB += w[wAt + i] * x[xb + i];
        }
        y[ya] = sumA;
        y[yb] = sumB;
    }

    /**
     * {@link #dotHalfDecoded} for two decoded rows ({@code w[0..n)} and {@code w[n..2n)}) and four vectors
     * ({@code x[xAt + v·n..]}) in one loop, each pair with exactly that kernel's operations, into
     * {@code y[yAt + v·rows + i]} for row {@code i}.
     */
    static void dotHalfDecodedTwoRowsFourVectors(float[] w, int n, float[] x, int xAt, float[] y, int yAt, int rows) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00;
        FloatVector a31 = a00, b00 = a00, b01 = a00, b10 = a00, b11 = a00, b20 = a00, b21 = a00, b30 = a00, b31 = a00;
        int x1 = xAt + n;
        int x2 = x1 + n;
        int x3 = x2 + n;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector wa0 = FloatVector.fromArray(F, w, i);
            FloatVector wb0 = FloatVector.fromArray(F, w, n + i);
            FloatVector v = FloatVector.fromArray(F, x, xAt + i);
            a00 = wa0.fma(v, a00);
            b00 = wb0.fma(v, b00);
            v = FloatVector.fromArray(F, x, x1 + i);
            a10 = wa0.fma(v, a10);
            b10 = wb0.fma(v, b10);
            v = FloatVector.fromArray(F, x, x2 + i);
            a20 = wa0.fma(v, a20);
            b20 = wb0.fma(v, b20);
            v = FloatVector.fromArray(F, x, x3 + i);
            a30 = wa0.fma(v, a30);
            b30 = wb0.fma(v, b30);
            FloatVector wa1 = FloatVector.fromArray(F, w, i + L);
            FloatVector wb1 = FloatVector.fromArray(F, w, n + i + L);
            v = FloatVector.fromArray(F, x, xAt + i + L);
            a01 = wa1.fma(v, a01);
            b01 = wb1.fma(v, b01);
            v = FloatVector.fromArray(F, x, x1 + i + L);
            a11 = wa1.fma(v, a11);
            b11 = wb1.fma(v, b11);
            v = FloatVector.fromArray(F, x, x2 + i + L);
            a21 = wa1.fma(v, a21);
            b21 = wb1.fma(v, b21);
            v = FloatVector.fromArray(F, x, x3 + i + L);
            a31 = wa1.fma(v, a31);
            b31 = wb1.fma(v, b31);
        }
        for (; i <= n - L; i += L) {
            FloatVector wa0 = FloatVector.fromArray(F, w, i);
            FloatVector wb0 = FloatVector.fromArray(F, w, n + i);
            FloatVector v = FloatVector.fromArray(F, x, xAt + i);
            a00 = wa0.fma(v, a00);
            b00 = wb0.fma(v, b00);
            v = FloatVector.fromArray(F, x, x1 + i);
            a10 = wa0.fma(v, a10);
            b10 = wb0.fma(v, b10);
            v = FloatVector.fromArray(F, x, x2 + i);
            a20 = wa0.fma(v, a20);
            b20 = wb0.fma(v, b20);
            v = FloatVector.fromArray(F, x, x3 + i);
            a30 = wa0.fma(v, a30);
            b30 = wb0.fma(v, b30);
        }
        float sa0 = VectorMath.sumLanes(a00.add(a01));
        float sa1 = VectorMath.sumLanes(a10.add(a11));
        float sa2 = VectorMath.sumLanes(a20.add(a21));
        float sa3 = VectorMath.sumLanes(a30.add(a31));
        float sb0 = VectorMath.sumLanes(b00.add(b01));
        float sb1 = VectorMath.sumLanes(b10.add(b11));
        float sb2 = VectorMath.sumLanes(b20.add(b21));
        float sb3 = VectorMath.sumLanes(b30.add(b31));
        for (; i < n; i++) {
            float wa = w[i];
            float wb = w[n + i];
            sa0 += wa * x[xAt + i];
            sb0 += wb * x[xAt + i];
            sa1 += wa * x[x1 + i];
            sb1 += wb * x[x1 + i];
            sa2 += wa * x[x2 + i];
            sb2 += wb * x[x2 + i];
            sa3 += wa * x[x3 + i];
            sb3 += wb * x[x3 + i];
        }
        y[yAt] = sa0;
        y[yAt + 1] = sb0;
        y[yAt + rows] = sa1;
        y[yAt + rows + 1] = sb1;
        y[yAt + 2 * rows] = sa2;
        y[yAt + 2 * rows + 1] = sb2;
        y[yAt + 3 * rows] = sa3;
        y[yAt + 3 * rows + 1] = sb3;
    }

    /**
     * {@link MatVec#rowQ8_0Vector} on a decoded row ({@code q[qAt..]}, scales from {@code scales[scalesAt]}): per block
     * the lane-wise Σ q·x in that kernel's order (and lane order, {@link Q8_0Lanes}), one FMA with the block scale
     * into one accumulator chain, then the reduction.
     */
    static float dotQ8_0Decoded(float[] q, int qAt, float[] scales, int scalesAt, int n, float[] x, int xOff) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int at = b * Q8_0.BLOCK;
            acc = blockSum(q, qAt + at, x, xOff + at).fma(FloatVector.broadcast(F, scales[scalesAt + b]), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /** {@link #dotQ8_0Decoded} for two vectors in one loop, each with exactly that kernel's operations. */
    static void dotQ8_0DecodedPair(float[] q, int qAt, float[] scales, int scalesAt, int n, float[] x, int xa, int xb,
                                   float[] y, int ya, int yb) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector a = FloatVector.zero(F);
        FloatVector c = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            int at = b * Q8_0.BLOCK;
            FloatVector scale = FloatVector.broadcast(F, scales[scalesAt + b]);
            a = blockSum(q, qAt + at, x, xa + at).fma(scale, a);
            c = blockSum(q, qAt + at, x, xb + at).fma(scale, c);
        }
        y[ya] = VectorMath.sumLanes(a);
        y[yb] = VectorMath.sumLanes(c);
    }

    /**
     * {@link #dotQ8_0Decoded} for two decoded rows ({@code q[0..n)} with scales from 0, {@code q[n..2n)} with scales
     * from {@code secondScales}) and four vectors ({@code x[xAt + v·n..]}) in one loop, each pair with exactly that
     * kernel's operations, into {@code y[yAt + v·rows + i]} for row {@code i}.
     */
    static void dotQ8_0DecodedTwoRowsFourVectors(float[] q, float[] scales, int secondScales, int n, float[] x,
                                                 int xAt, float[] y, int yAt, int rows) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int x1 = xAt + n;
        int x2 = x1 + n;
        int x3 = x2 + n;
        for (int blk = 0; blk < blocks; blk++) {
            int at = blk * Q8_0.BLOCK;
            FloatVector sa0 = FloatVector.zero(F), sa1 = sa0, sa2 = sa0, sa3 = sa0;
            FloatVector sb0 = sa0, sb1 = sa0, sb2 = sa0, sb3 = sa0;
            for (int o = 0; o < Q8_0.BLOCK; o += L) {
                int k = at + o;
                FloatVector wa = FloatVector.fromArray(F, q, k);
                FloatVector wb = FloatVector.fromArray(F, q, n + k);
                FloatVector v = FloatVector.fromArray(F, x, xAt + k);
                sa0 = wa.fma(v, sa0);
                sb0 = wb.fma(v, sb0);
                v = FloatVector.fromArray(F, x, x1 + k);
                sa1 = wa.fma(v, sa1);
                sb1 = wb.fma(v, sb1);
                v = FloatVector.fromArray(F, x, x2 + k);
                sa2 = wa.fma(v, sa2);
                sb2 = wb.fma(v, sb2);
                v = FloatVector.fromArray(F, x, x3 + k);
                sa3 = wa.fma(v, sa3);
                sb3 = wb.fma(v, sb3);
            }
            FloatVector scaleA = FloatVector.broadcast(F, scales[blk]);
            FloatVector scaleB = FloatVector.broadcast(F, scales[secondScales + blk]);
            a0 = sa0.fma(scaleA, a0);
            a1 = sa1.fma(scaleA, a1);
            a2 = sa2.fma(scaleA, a2);
            a3 = sa3.fma(scaleA, a3);
            b0 = sb0.fma(scaleB, b0);
            b1 = sb1.fma(scaleB, b1);
            b2 = sb2.fma(scaleB, b2);
            b3 = sb3.fma(scaleB, b3);
        }
        y[yAt] = VectorMath.sumLanes(a0);
        y[yAt + 1] = VectorMath.sumLanes(b0);
        y[yAt + rows] = VectorMath.sumLanes(a1);
        y[yAt + rows + 1] = VectorMath.sumLanes(b1);
        y[yAt + 2 * rows] = VectorMath.sumLanes(a2);
        y[yAt + 2 * rows + 1] = VectorMath.sumLanes(b2);
        y[yAt + 3 * rows] = VectorMath.sumLanes(a3);
        y[yAt + 3 * rows + 1] = VectorMath.sumLanes(b3);
    }

    private static FloatVector blockSum(float[] q, int qOff, float[] x, int xOff) {
        FloatVector sum = FloatVector.zero(F);
        for (int o = 0; o < Q8_0.BLOCK; o += L) {
            sum = FloatVector.fromArray(F, q, qOff + o).fma(FloatVector.fromArray(F, x, xOff + o), sum);
        }
        return sum;
    }
}
