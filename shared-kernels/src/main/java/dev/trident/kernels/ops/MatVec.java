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
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix × vector, {@code y = W·x} for an HF Linear weight {@code W} of shape {@code [out, in]} (row-major, any
 * {@link DType}) against an F32 activation {@code x[in]}; {@code y[out]}. The decode step of a transformer.
 *
 * <p>Memory bound: the weights are streamed once, straight from their {@link MemorySegment} (mapped checkpoint
 * or heap), decoded in registers (BF16/F16 by bit shifts, Q8_0 by byte→float vector conversion, scale applied
 * once per block). No allocation in the row loops; output rows are split across {@link Parallel} threads, each
 * row computed whole by one thread.
 *
 * <p>Accumulation: float32 products summed in float32 (vector: lane-wise FMA partial sums, then a lane
 * reduction; scalar: left-to-right). Q8_0: per block {@code d * Σ q·x}.
 */
public final class MatVec {

    /**
     * Weights per thread chunk at least: handing a chunk to a parked pool thread costs tens of microseconds, as
     * much as a 64K-weight matrix × vector takes, so smaller matrices (a stories260K layer is 4K weights) stay on
     * the calling thread. Measured: stories260K decoded 3.3x slower on two threads than on one with a 16-row floor.
     */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 16;

    private MatVec() {
    }

    /** {@code y[yOff + r] = Σ_k W[r, k] · x[xOff + k]} for every row {@code r} of {@code w} ({@code [out, in]}). */
    public static void matVec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        if (Simd.SCALAR) {
            scalar(w, x, xOff, y, yOff);
        } else {
            vector(w, x, xOff, y, yOff);
        }
    }

    public static void vector(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        int rows = w.dim(0);
        int cols = checkShape(w, x, xOff, y, yOff);
        MemorySegment data = w.data();
        DType type = w.dtype();
        int minRows = minRowsPerChunk(cols);
        if (!Parallel.splits(rows, minRows)) {
            rowsVector(type, data, cols, x, xOff, y, yOff, 0, rows);
            return;
        }
        Parallel.forRangeBalanced(rows, minRows,
                (start, end) -> rowsVector(type, data, cols, x, xOff, y, yOff, start, end));
    }

    public static void scalar(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        int rows = w.dim(0);
        int cols = checkShape(w, x, xOff, y, yOff);
        MemorySegment data = w.data();
        DType type = w.dtype();
        int minRows = minRowsPerChunk(cols);
        if (!Parallel.splits(rows, minRows)) {
            rowsScalar(type, data, cols, x, xOff, y, yOff, 0, rows);
            return;
        }
        Parallel.forRange(rows, minRows,
                (start, end) -> rowsScalar(type, data, cols, x, xOff, y, yOff, start, end));
    }

    private static void rowsVector(DType type, MemorySegment data, int cols, float[] x, int xOff, float[] y, int yOff,
                                   int start, int end) {
        int r = start;
        // Decoding types go several rows at a time: more weight streams in flight overlap the memory latency with
        // the decode work (measured for Q8_0 on one core from memory: 2 rows 7.8-8.8, 4 rows 9.6 GB/s; 6 or 8 rows
        // spill and collapse). The four rows of a Q8_0 step are a quarter of the chunk apart, so each is one
        // long sequential stream through the chunk: with four neighbouring rows the streams restarted every row and
        // short rows lost a third (5632x2048: 5.9 GB/s as neighbours, 9.2 strided; 4096x4096: 9.4 and 11.3).
        // Each row's arithmetic is exactly the single-row kernel's, so grouping (which depends on where a thread's
        // chunk starts and ends) never changes a result.
        if (type == DType.Q8_0) {
            long rowBytes = (long) (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES;
            int quarter = (end - start) / 4;
            for (int r0 = start; r0 < start + quarter; r0++) {
                rowQuadQ8_0Vector(data, rowBytes, r0, quarter, cols, x, xOff, y, yOff);
            }
            r = start + 4 * quarter;
        } else if (type == DType.BF16) {
            // Likewise two streams, half the chunk apart.
            int half = (end - start) / 2;
            for (int r0 = start; r0 < start + half; r0++) {
                rowPairBf16Vector(data, r0, half, cols, x, xOff, y, yOff);
            }
            r = start + 2 * half;
        }
        for (; r < end; r++) {
            y[yOff + r] = rowDotVector(type, data, r, cols, x, xOff);
        }
    }

    private static void rowsScalar(DType type, MemorySegment data, int cols, float[] x, int xOff, float[] y, int yOff,
                                   int start, int end) {
        for (int r = start; r < end; r++) {
            y[yOff + r] = rowDotScalar(type, data, r, cols, x, xOff);
        }
    }

    /** Rows a thread chunk needs so it holds at least {@link #MIN_WEIGHTS_PER_CHUNK} weights (and 16 rows). */
    static int minRowsPerChunk(int cols) {
        return Math.max(16, MIN_WEIGHTS_PER_CHUNK / Math.max(1, cols));
    }

    static int checkShape(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weight " + w + " must be [out, in]");
        }
        int cols = w.dim(1);
        if (xOff < 0 || xOff + cols > x.length || yOff < 0 || yOff + w.dim(0) > y.length) {
            throw new IllegalArgumentException("weight " + w + ": x needs " + cols + " floats from " + xOff
                    + " (has " + x.length + "), y needs " + w.dim(0) + " from " + yOff + " (has " + y.length + ")");
        }
        return cols;
    }

    /** Dot of weight row {@code row} (of {@code cols} values) with {@code x[xOff..]}, vector kernel. */
    static float rowDotVector(DType type, MemorySegment w, int row, int cols, float[] x, int xOff) {
        return switch (type) {
            case F32 -> rowF32Vector(w, (long) row * cols * 4, cols, x, xOff);
            case BF16 -> rowBf16Vector(w, (long) row * cols * 2, cols, x, xOff);
            case F16 -> rowF16Vector(w, (long) row * cols * 2, cols, x, xOff);
            case Q8_0 -> rowQ8_0Vector(w, (long) row * (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES, cols, x, xOff);
        };
    }

    /** Scalar twin of {@link #rowDotVector}. */
    static float rowDotScalar(DType type, MemorySegment w, int row, int cols, float[] x, int xOff) {
        return switch (type) {
            case F32 -> rowF32Scalar(w, (long) row * cols * 4, cols, x, xOff);
            case BF16 -> rowBf16Scalar(w, (long) row * cols * 2, cols, x, xOff);
            case F16 -> rowF16Scalar(w, (long) row * cols * 2, cols, x, xOff);
            case Q8_0 -> rowQ8_0Scalar(w, (long) row * (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES, cols, x, xOff);
        };
    }

    // Four accumulators: enough independent FMA chains to keep loads in flight; the sum is memory bound.
    static float rowF32Vector(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            long b = byteOff + 4L * i;
            acc0 = FloatVector.fromMemorySegment(F, w, b, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, b + 4L * L, LE).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
            acc2 = FloatVector.fromMemorySegment(F, w, b + 8L * L, LE).fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromMemorySegment(F, w, b + 12L * L, LE).fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), acc3);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromMemorySegment(F, w, byteOff + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            sum += w.get(Tensor.F32_LE, byteOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    static float rowF32Scalar(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += w.get(Tensor.F32_LE, byteOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    static float rowBf16Vector(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            long b = byteOff + 2L * i;
            acc0 = Convert.loadBf16(w, b).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = Convert.loadBf16(w, b + 2L * L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = Convert.loadBf16(w, byteOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += Float.intBitsToFloat(w.get(Tensor.I16_LE, byteOff + 2L * i) << 16) * x[xOff + i];
        }
        return sum;
    }

    /**
     * Rows {@code row} and {@code row + apart} of {@link #rowBf16Vector} in one loop, each with exactly that kernel's
     * operations, into {@code y[yOff + row]} and {@code y[yOff + row + apart]}.
     */
    static void rowPairBf16Vector(MemorySegment w, int row, int apart, int n, float[] x, int xOff, float[] y,
                                  int yOff) {
        long off0 = (long) row * n * 2;
        long off1 = (long) (row + apart) * n * 2;
        FloatVector acc00 = FloatVector.zero(F);
        FloatVector acc01 = FloatVector.zero(F);
        FloatVector acc10 = FloatVector.zero(F);
        FloatVector acc11 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xOff + i + L);
            acc00 = Convert.loadBf16(w, off0 + 2L * i).fma(x0, acc00);
            acc01 = Convert.loadBf16(w, off0 + 2L * i + 2L * L).fma(x1, acc01);
            acc10 = Convert.loadBf16(w, off1 + 2L * i).fma(x0, acc10);
            acc11 = Convert.loadBf16(w, off1 + 2L * i + 2L * L).fma(x1, acc11);
        }
        for (; i <= n - L; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            acc00 = Convert.loadBf16(w, off0 + 2L * i).fma(x0, acc00);
            acc10 = Convert.loadBf16(w, off1 + 2L * i).fma(x0, acc10);
        }
        float sum0 = VectorMath.sumLanes(acc00.add(acc01));
        float sum1 = VectorMath.sumLanes(acc10.add(acc11));
        for (; i < n; i++) {
            sum0 += Float.intBitsToFloat(w.get(Tensor.I16_LE, off0 + 2L * i) << 16) * x[xOff + i];
            sum1 += Float.intBitsToFloat(w.get(Tensor.I16_LE, off1 + 2L * i) << 16) * x[xOff + i];
        }
        y[yOff + row] = sum0;
        y[yOff + row + apart] = sum1;
    }

    static float rowBf16Scalar(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float.intBitsToFloat(w.get(Tensor.I16_LE, byteOff + 2L * i) << 16) * x[xOff + i];
        }
        return sum;
    }

    static float rowF16Vector(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            long b = byteOff + 2L * i;
            acc0 = Convert.loadF16(w, b).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = Convert.loadF16(w, b + 2L * L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = Convert.loadF16(w, byteOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += Float.float16ToFloat(w.get(Tensor.I16_LE, byteOff + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    static float rowF16Scalar(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float.float16ToFloat(w.get(Tensor.I16_LE, byteOff + 2L * i)) * x[xOff + i];
        }
        return sum;
    }

    // Per block: Σ q·x over 32 lanes in float (q are small integers, exact as floats), then one FMA with the
    // block scale into one accumulator chain (its 4-cycle latency is shorter than a block's decode work).
    static float rowQ8_0Vector(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            acc = q8Block(w, in, x, xOff + b * Q8_0.BLOCK).fma(blockScale(w, in), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /**
     * Rows {@code row + i·apart}, {@code i < 4}, of {@link #rowQ8_0Vector} in one loop, each with exactly that
     * kernel's operations, into {@code y[yOff + row + i·apart]}.
     */
    static void rowQuadQ8_0Vector(MemorySegment w, long rowBytes, int row, int apart, int n, float[] x, int xOff,
                                  float[] y, int yOff) {
        int blocks = n / Q8_0.BLOCK;
        long stride = apart * rowBytes;
        long off0 = row * rowBytes;
        long off1 = off0 + stride;
        long off2 = off1 + stride;
        long off3 = off2 + stride;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long in = (long) b * Q8_0.BLOCK_BYTES;
            int xb = xOff + b * Q8_0.BLOCK;
            acc0 = q8Block(w, off0 + in, x, xb).fma(blockScale(w, off0 + in), acc0);
            acc1 = q8Block(w, off1 + in, x, xb).fma(blockScale(w, off1 + in), acc1);
            acc2 = q8Block(w, off2 + in, x, xb).fma(blockScale(w, off2 + in), acc2);
            acc3 = q8Block(w, off3 + in, x, xb).fma(blockScale(w, off3 + in), acc3);
        }
        int yAt = yOff + row;
        y[yAt] = VectorMath.sumLanes(acc0);
        y[yAt + apart] = VectorMath.sumLanes(acc1);
        y[yAt + 2 * apart] = VectorMath.sumLanes(acc2);
        y[yAt + 3 * apart] = VectorMath.sumLanes(acc3);
    }

    private static FloatVector blockScale(MemorySegment w, long blockByteOff) {
        return FloatVector.broadcast(F, Float.float16ToFloat(w.get(Tensor.I16_LE, blockByteOff)));
    }

    /** Lane-wise partial sums of q·x over one block (the scale not yet applied). */
    static FloatVector q8Block(MemorySegment w, long blockByteOff, float[] x, int xOff) {
        FloatVector sum = FloatVector.zero(F);
        for (int o = 0; o < Q8_0.BLOCK; o += B_Q.length()) {
            ByteVector q = ByteVector.fromMemorySegment(B_Q, w, blockByteOff + 2 + o, LE);
            for (int part = 0; part < B_Q_PARTS; part++) {
                FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, F, part);
                sum = qf.fma(FloatVector.fromArray(F, x, xOff + o + part * L), sum);
            }
        }
        return sum;
    }

    static float rowQ8_0Scalar(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        int blocks = n / Q8_0.BLOCK;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            float blockSum = 0f;
            for (int j = 0; j < Q8_0.BLOCK; j++) {
                blockSum += w.get(ValueLayout.JAVA_BYTE, in + 2 + j) * x[xOff + b * Q8_0.BLOCK + j];
            }
            sum += Float.float16ToFloat(w.get(Tensor.I16_LE, in)) * blockSum;
        }
        return sum;
    }
}
