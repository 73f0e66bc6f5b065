package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Convert.LE;
import static dev.trident.kernels.ops.Simd.B_Q;
import static dev.trident.kernels.ops.Simd.B_Q_PARTS;
import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.I;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
        boolean interleave = type == DType.Q8_0 && Q8_0Lanes.INTERLEAVED;
        float[] xs = interleave ? Q8_0Lanes.interleaved(x, xOff, cols) : x;
        int xsOff = interleave ? 0 : xOff;
        int minRows = minRowsPerChunk(cols);
        if (!Parallel.splits(rows, minRows)) {
            rowsVector(type, data, cols, xs, xsOff, y, yOff, 0, rows);
            return;
        }
        Parallel.forRangeBalanced(rows, minRows,
                (start, end) -> rowsVector(type, data, cols, xs, xsOff, y, yOff, start, end));
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
        // Four rows at a time, a quarter of the chunk apart, so four long sequential streams run through the chunk
        // at once: more weight streams in flight overlap the memory latency (and, for Q8_0, the decode work). On one
        // core from memory, 4096-float F32 rows: one stream 11.9, two 15.5, four 18.5, eight 10.7 GB/s (AMD EPYC);
        // Q8_0 on Intel: neighbouring rows restarted their streams every row and short rows lost a third
        // (5632x2048: 5.9 GB/s as neighbours, 9.2 strided). Each row's arithmetic is exactly the single-row kernel's,
        // so grouping (which depends on where a thread's chunk starts and ends) never changes a result. Interleaved
        // Q8_0 rows go one at a time: four in one loop made C2 stop inlining at its node limit (NodeCountInliningCutoff)
        // and box vectors per block (AVX2: 2.8 GB/s), and one row alone keeps the core busy decoding.
        boolean single = type == DType.F16 || (type == DType.Q8_0 && Q8_0Lanes.INTERLEAVED);
        int quarter = single ? 0 : (end - start) / 4;
        for (int r0 = start; r0 < start + quarter; r0++) {
            switch (type) {
                case F32 -> rowQuadF32Vector(data, r0, quarter, cols, x, xOff, y, yOff);
                case BF16 -> rowQuadBf16Vector(data, r0, quarter, cols, x, xOff, y, yOff);
                case Q8_0 -> rowQuadQ8_0Vector(data, (long) (cols / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES, r0, quarter, cols,
                        x, xOff, y, yOff);
                case F16 -> throw new AssertionError("F16 rows go one at a time");
            }
        }
        int r = start + 4 * quarter;
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

    /**
     * Dot of weight row {@code row} (of {@code cols} values) with {@code x[xOff..]}, vector kernel; for Q8_0 with
     * {@link Q8_0Lanes#INTERLEAVED}, {@code x} in that order.
     */
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

    /**
     * Rows {@code row + i·apart}, {@code i < 4}, of {@link #rowF32Vector} in one loop, each with exactly that kernel's
     * operations, into {@code y[yOff + row + i·apart]}.
     */
    static void rowQuadF32Vector(MemorySegment w, int row, int apart, int n, float[] x, int xOff, float[] y,
                                 int yOff) {
        long stride = (long) apart * n * 4;
        long off0 = (long) row * n * 4;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xOff + i + L);
            FloatVector x2 = FloatVector.fromArray(F, x, xOff + i + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, x, xOff + i + 3 * L);
            long b0 = off0 + 4L * i;
            long b1 = b0 + stride;
            long b2 = b1 + stride;
            long b3 = b2 + stride;
            a00 = FloatVector.fromMemorySegment(F, w, b0, LE).fma(x0, a00);
            a10 = FloatVector.fromMemorySegment(F, w, b1, LE).fma(x0, a10);
            a20 = FloatVector.fromMemorySegment(F, w, b2, LE).fma(x0, a20);
            a30 = FloatVector.fromMemorySegment(F, w, b3, LE).fma(x0, a30);
            a01 = FloatVector.fromMemorySegment(F, w, b0 + 4L * L, LE).fma(x1, a01);
            a11 = FloatVector.fromMemorySegment(F, w, b1 + 4L * L, LE).fma(x1, a11);
            a21 = FloatVector.fromMemorySegment(F, w, b2 + 4L * L, LE).fma(x1, a21);
            a31 = FloatVector.fromMemorySegment(F, w, b3 + 4L * L, LE).fma(x1, a31);
            a02 = FloatVector.fromMemorySegment(F, w, b0 + 8L * L, LE).fma(x2, a02);
            a12 = FloatVector.fromMemorySegment(F, w, b1 + 8L * L, LE).fma(x2, a12);
            a22 = FloatVector.fromMemorySegment(F, w, b2 + 8L * L, LE).fma(x2, a22);
            a32 = FloatVector.fromMemorySegment(F, w, b3 + 8L * L, LE).fma(x2, a32);
            a03 = FloatVector.fromMemorySegment(F, w, b0 + 12L * L, LE).fma(x3, a03);
            a13 = FloatVector.fromMemorySegment(F, w, b1 + 12L * L, LE).fma(x3, a13);
            a23 = FloatVector.fromMemorySegment(F, w, b2 + 12L * L, LE).fma(x3, a23);
            a33 = FloatVector.fromMemorySegment(F, w, b3 + 12L * L, LE).fma(x3, a33);
        }
        for (; i <= n - L; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            long b0 = off0 + 4L * i;
            a00 = FloatVector.fromMemorySegment(F, w, b0, LE).fma(x0, a00);
            a10 = FloatVector.fromMemorySegment(F, w, b0 + stride, LE).fma(x0, a10);
            a20 = FloatVector.fromMemorySegment(F, w, b0 + 2 * stride, LE).fma(x0, a20);
            a30 = FloatVector.fromMemorySegment(F, w, b0 + 3 * stride, LE).fma(x0, a30);
        }
        float s0 = VectorMath.sumLanes(a00.add(a01).add(a02.add(a03)));
        float s1 = VectorMath.sumLanes(a10.add(a11).add(a12.add(a13)));
        float s2 = VectorMath.sumLanes(a20.add(a21).add(a22.add(a23)));
        float s3 = VectorMath.sumLanes(a30.add(a31).add(a32.add(a33)));
        for (; i < n; i++) {
            long b0 = off0 + 4L * i;
            float xi = x[xOff + i];
            s0 += w.get(Tensor.F32_LE, b0) * xi;
            s1 += w.get(Tensor.F32_LE, b0 + stride) * xi;
            s2 += w.get(Tensor.F32_LE, b0 + 2 * stride) * xi;
            s3 += w.get(Tensor.F32_LE, b0 + 3 * stride) * xi;
        }
        int yAt = yOff + row;
        y[yAt] = s0;
        y[yAt + apart] = s1;
        y[yAt + 2 * apart] = s2;
        y[yAt + 3 * apart] = s3;
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
     * Rows {@code row + i·apart}, {@code i < 4}, of {@link #rowBf16Vector} in one loop, each with exactly that kernel's
     * operations, into {@code y[yOff + row + i·apart]}.
     */
    static void rowQuadBf16Vector(MemorySegment w, int row, int apart, int n, float[] x, int xOff, float[] y,
                                  int yOff) {
        long stride = (long) apart * n * 2;
        long off0 = (long) row * n * 2;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xOff + i + L);
            long b0 = off0 + 2L * i;
            long b1 = b0 + stride;
            long b2 = b1 + stride;
            long b3 = b2 + stride;
            a00 = Convert.loadBf16(w, b0).fma(x0, a00);
            a10 = Convert.loadBf16(w, b1).fma(x0, a10);
            a20 = Convert.loadBf16(w, b2).fma(x0, a20);
            a30 = Convert.loadBf16(w, b3).fma(x0, a30);
            a01 = Convert.loadBf16(w, b0 + 2L * L).fma(x1, a01);
            a11 = Convert.loadBf16(w, b1 + 2L * L).fma(x1, a11);
            a21 = Convert.loadBf16(w, b2 + 2L * L).fma(x1, a21);
            a31 = Convert.loadBf16(w, b3 + 2L * L).fma(x1, a31);
        }
        for (; i <= n - L; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + i);
            long b0 = off0 + 2L * i;
            a00 = Convert.loadBf16(w, b0).fma(x0, a00);
            a10 = Convert.loadBf16(w, b0 + stride).fma(x0, a10);
            a20 = Convert.loadBf16(w, b0 + 2 * stride).fma(x0, a20);
            a30 = Convert.loadBf16(w, b0 + 3 * stride).fma(x0, a30);
        }
        float s0 = VectorMath.sumLanes(a00.add(a01));
        float s1 = VectorMath.sumLanes(a10.add(a11));
        float s2 = VectorMath.sumLanes(a20.add(a21));
        float s3 = VectorMath.sumLanes(a30.add(a31));
        for (; i < n; i++) {
            long b0 = off0 + 2L * i;
            float xi = x[xOff + i];
            s0 += Float.intBitsToFloat(w.get(Tensor.I16_LE, b0) << 16) * xi;
            s1 += Float.intBitsToFloat(w.get(Tensor.I16_LE, b0 + stride) << 16) * xi;
            s2 += Float.intBitsToFloat(w.get(Tensor.I16_LE, b0 + 2 * stride) << 16) * xi;
            s3 += Float.intBitsToFloat(w.get(Tensor.I16_LE, b0 + 3 * stride) << 16) * xi;
        }
        int yAt = yOff + row;
        y[yAt] = s0;
        y[yAt + apart] = s1;
        y[yAt + 2 * apart] = s2;
        y[yAt + 3 * apart] = s3;
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
        if (Q8_0Lanes.INTERLEAVED) {
            return rowQ8_0Interleaved(w, byteOff, n, x, xOff);
        }
        int blocks = n / Q8_0.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            acc = q8Block(w, in, x, xOff + b * Q8_0.BLOCK).fma(blockScale(w, in), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /**
     * {@link #rowQ8_0Vector} on 256- or 128-bit vectors, {@code x} interleaved ({@link Q8_0Lanes}): per block the
     * lane-wise Σ q·x over its groups and their four bytes in order, then one FMA with the scale.
     */
    static float rowQ8_0Interleaved(MemorySegment w, long byteOff, int n, float[] x, int xOff) {
        int blocks = n / Q8_0.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long in = byteOff + (long) b * Q8_0.BLOCK_BYTES;
            int xb = xOff + b * Q8_0.BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int g = 0; g < Q8_0.BLOCK; g += Q8_0Lanes.GROUP) {
                IntVector q = IntVector.fromMemorySegment(I, w, in + 2 + g, LE);
                for (int k = 0; k < 4; k++) {
                    FloatVector qf = (FloatVector) q.lanewise(VectorOperators.LSHL, 24 - 8 * k)
                            .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                    sum = qf.fma(FloatVector.fromArray(F, x, xb + g + k * L), sum);
                }
            }
            acc = sum.fma(blockScale(w, in), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    /**
     * Rows {@code row + i·apart}, {@code i < 4}, of {@link #rowQ8_0Vector} in one loop, each with exactly that
     * kernel's operations, into {@code y[yOff + row + i·apart]}; 512-bit floats only (not {@link Q8_0Lanes#INTERLEAVED}).
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
