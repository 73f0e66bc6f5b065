package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Convert.LE;
import static dev.trident.kernels.ops.Simd.B_Q;
import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q8_0 weight {@code W[out][in]} repacked once, at load, into column panels, for the decoders' matrix × vector
 * (decode), batched decode and matrix × matrix (prefill), all with one per-element summation order.
 *
 * <p>Why: GGUF's row-major blocks (a float16 scale, then 32 int8 values) cost every 32 weights a scalar scale
 * conversion and broadcast, and the lanes of one block are summed across the vector at the end of the row. On
 * an AVX-512 Zen 4 core that kernel decoded 12–15 GB/s with the data in L2 and 10–12 GB/s from memory. Stored
 * by columns instead, a k step loads 64 int8 weights of 64 output columns (4 vectors), broadcasts one activation,
 * and every lane is an output of its own: 18 GB/s in L2 and 14–15 from memory on one core in the same
 * throwaway bench, no horizontal sums, and the block scales load as vectors.
 *
 * <p>Layout: panel {@code p} holds output columns {@code [p·NR, p·NR + NR)}; for each block {@code b} of 32 k it
 * stores {@code 32 × NR} int8 values k-major (value {@code [b·32 + k][p·NR + j]} at {@code k·NR + }{@link #bytePosition
 * bytePosition(j)}), then the
 * {@code NR} scales as float32 (the float16 scales widened, so exactly GGUF's values): {@value Q8_0#BLOCK}
 * weights take 36 bytes instead of 34. Columns past {@code out} hold zeros.
 *
 * <p>Every output is {@code Σ_b d_b · (Σ_k q_k x_k)}: the inner sum one FMA chain over the block's 32 k in order
 * from zero, the outer one FMA chain over the blocks in order from zero. The vector kernels, the scalar twin and
 * every row count compute exactly that, so {@link #matVec} and each row of {@link #matMul} agree bitwise with each
 * other and with {@link #scalar}, whatever the thread count or the batch a row decodes in.
 *
 * <p>With 512-bit vectors a few rows (batched decode) run in passes of six rows (block sums in registers, outputs in
 * {@code y} between blocks), then of three, two or one (outputs in registers too), each pass decoding the panel in
 * registers; a panel is small enough that passes after the first read it from L2. From {@value
 * #WIDE_DECODED_MIN_ROWS} rows (prefill) each block is decoded to floats once per chunk of rows, in L1, and six-row
 * tiles run over the floats: the int8 conversion shares the FMA pipes, and repeated on every pass it cost more than
 * the decoded block's trips through L1 (decoding every block once for all rows, across L2, was slower at every row
 * count tried, 1 to 128).
 *
 * <p>The vector kernels run on 512-bit floats (a 128-bit load of 16 int8 widens straight to one vector) and, with
 * the bytes of each k row stored in another order ({@link #NARROW}), on 256-bit ones; {@link #supported()} says
 * whether to pack at all (128-bit floats keep the row-major Q8_0 kernels).
 */
public final class Q8_0Panels {

    /** Output columns per panel: four vectors. */
    public static final int NR = 4 * L;
    /** Bytes of one 32-k block of a panel: the int8 values, then one float32 scale per column. */
    static final long BLOCK_BYTES = (long) Q8_0.BLOCK * NR + (long) Float.BYTES * NR;
    /** Panels a thread's chunk holds at least, so that small matrices do not pay for a hand-off. */
    private static final int MIN_PANELS_PER_CHUNK = 4;
    /**
     * The 256-bit layout and kernels ({@code L == 8}, AVX2): each k row of a block stores column {@code c·L + l} at
     * byte {@code 4l + c}, so one 256-bit int load of the row holds the panel's 32 columns and byte {@code c} of
     * every int lane (two shifts and a conversion) is float vector {@code c}, columns in order. Widening 8 int8 from
     * a 64-bit load instead ran a Zen 3 core's decode at 7.2–7.7 GB/s against 7.9–8.1 this way, in memory, and 8.7
     * against 11.2 GB/s with the panel in L2 (the same throwaway bench, one thread).
     */
    static final boolean NARROW = L == 8;
    /** Activation rows of a 256-bit multi-row chunk: a multiple of the four-row tile. */
    private static final int NARROW_ROW_CHUNK = 64;
    /** Blocks of K (32 k each) a chunk of rows runs over every panel of its range before the next (decoded blocks). */
    private static final int CHUNK_K_BLOCKS = 8;
    /** Panels a 256-bit multi-row pass sums into scratch at once. */
    private static final int NARROW_PANELS_PER_PASS = 32;
    /**
     * Rows from which 512-bit products decode each block once per chunk of rows ({@link #wideDecodedRows}) instead
     * of in registers on every six-row pass: measured on a Zen 4 core, 2048 × 2048 weights, the two were even at 96
     * rows (0.84–0.85 of the FMA peak) and the register decode ahead below (0.77 against 0.70 at 16 rows).
     */
    private static final int WIDE_DECODED_MIN_ROWS = 96;
    /** Rows at most of a 512-bit decoded chunk (its slice of x, 192 rows × 256 k, is 192 KiB: it stays in L2). */
    private static final int WIDE_ROW_CHUNK = 192;
    /** Panels of a 512-bit decoded work item: its sums (6 × 192 rows × 64 floats, 288 KiB) stay in L2 too. */
    private static final int WIDE_PANELS_PER_ITEM = 6;

    private Q8_0Panels() {
    }

    /**
     * Whether the vector kernels run here (512-bit floats with 32 vector registers, or 256-bit floats); otherwise
     * keep row-major Q8_0.
     */
    public static boolean supported() {
        return !Simd.SCALAR && (L == 16 && Simd.VECTOR_REGISTERS >= 32 || NARROW);
    }

    /** Byte of column {@code j} (of the panel) within a k row of a block: {@code j} itself but with {@link #NARROW}. */
    static int bytePosition(int j) {
        return NARROW ? 4 * (j % L) + j / L : j;
    }

    /** A Q8_0 weight {@code [out, in]} in column panels; {@link #source} is kept for its name and shape. */
    public record Packed(Tensor source, MemorySegment panels) {
        public int out() {
            return source.dim(0);
        }

        public int in() {
            return source.dim(1);
        }

        public int panelCount() {
            return Q8_0Panels.panelCount(out());
        }

        /** Bytes a pass over the weight reads. */
        public long byteSize() {
            return panels.byteSize();
        }
    }

    /** Bytes of the panels of a {@code [out, in]} weight: what a pass over it reads. */
    public static long packedBytes(int out, int in) {
        return (long) panelCount(out) * (in / Q8_0.BLOCK) * BLOCK_BYTES;
    }

    private static int panelCount(int out) {
        return (out + NR - 1) / NR;
    }

    /**
     * Repacks a Q8_0 weight {@code [out, in]} into panels in memory the garbage collector frees with the
     * returned {@link Packed}.
     */
    public static Packed pack(Tensor w) {
        if (w.rank() != 2 || w.dtype() != DType.Q8_0) {
            throw new IllegalArgumentException("weight " + w + " must be a Q8_0 matrix [out, in] to repack into panels");
        }
        int out = w.dim(0);
        int in = w.dim(1);
        int blocks = in / Q8_0.BLOCK;
        long rowBytes = (long) blocks * Q8_0.BLOCK_BYTES;
        MemorySegment src = w.data();
        MemorySegment panels = Arena.ofAuto().allocate(packedBytes(out, in), 64);
        for (int c = 0; c < out; c++) {
            int p = c / NR;
            int j = c % NR;
            for (int b = 0; b < blocks; b++) {
                long from = c * rowBytes + (long) b * Q8_0.BLOCK_BYTES;
                long to = blockOffset(p, b, blocks);
                float scale = Float.float16ToFloat(src.get(Tensor.I16_LE, from));
                panels.set(Tensor.F32_LE, to + (long) Q8_0.BLOCK * NR + 4L * j, scale);
                for (int k = 0; k < Q8_0.BLOCK; k++) {
                    panels.set(ValueLayout.JAVA_BYTE, to + (long) k * NR + bytePosition(j),
                            src.get(ValueLayout.JAVA_BYTE, from + 2 + k));
                }
            }
        }
        return new Packed(w, panels);
    }

    private static long blockOffset(int panel, int block, int blocks) {
        return ((long) panel * blocks + block) * BLOCK_BYTES;
    }

    /** {@code y[yOff + c] = Σ_k W[c, k] · x[xOff + k]} for every output column {@code c}. */
    public static void matVec(Packed w, float[] x, int xOff, float[] y, int yOff) {
        matMul(w, x, xOff, 1, y, yOff);
    }

    /**
     * {@code y[yOff + r·out + c] = Σ_k x[xOff + r·in + k] · W[c, k]} for {@code r < rows}: each row exactly what
     * {@link #matVec} gives it alone (the batched decode step and the prefill).
     */
    public static void matMul(Packed w, float[] x, int xOff, int rows, float[] y, int yOff) {
        if (!supported()) {
            scalar(w, x, xOff, rows, y, yOff);
        } else {
            vector(w, x, xOff, rows, y, yOff);
        }
    }

    public static void vector(Packed w, float[] x, int xOff, int rows, float[] y, int yOff) {
        if (!supported()) {
            throw new UnsupportedOperationException(
                    "Q8_0 panel kernels need 512-bit vectors with 32 registers, or 256-bit ones");
        }
        checkShape(w, x, xOff, rows, y, yOff);
        int panels = w.panelCount();
        if (rows == 0 || panels == 0) {
            return;
        }
        if (w.in() == 0) {
            Arrays.fill(y, yOff, yOff + rows * w.out(), 0f);
            return;
        }
        if (!NARROW && rows >= WIDE_DECODED_MIN_ROWS) {
            wideDecodedRows(w, x, xOff, rows, y, yOff);
        } else if (!Parallel.splits(panels, MIN_PANELS_PER_CHUNK)) {
            vectorPanels(w, x, xOff, rows, y, yOff, 0, panels);
        } else if (rows == 1 || NARROW) {
            // The 256-bit multi-row kernels reuse each chunk of x across the panels of a piece: pieces of several.
            Parallel.forRangeBalanced(panels, MIN_PANELS_PER_CHUNK,
                    (start, end) -> vectorPanels(w, x, xOff, rows, y, yOff, start, end));
        } else {
            Parallel.forEachTaken(panels, (start, end) -> vectorPanels(w, x, xOff, rows, y, yOff, start, end));
        }
    }

    /** The scalar twin: the same two FMA chains per output, in the same order, read from the same panels. */
    public static void scalar(Packed w, float[] x, int xOff, int rows, float[] y, int yOff) {
        checkShape(w, x, xOff, rows, y, yOff);
        int out = w.out();
        int in = w.in();
        int blocks = in / Q8_0.BLOCK;
        MemorySegment data = w.panels();
        Parallel.forRange(out, 16, (start, end) -> {
            for (int r = 0; r < rows; r++) {
                int xRow = xOff + r * in;
                for (int c = start; c < end; c++) {
                    int j = c % NR;
                    int position = bytePosition(j);
                    float acc = 0f;
                    for (int b = 0; b < blocks; b++) {
                        long at = blockOffset(c / NR, b, blocks);
                        float sum = 0f;
                        for (int k = 0; k < Q8_0.BLOCK; k++) {
                            sum = Math.fma(data.get(ValueLayout.JAVA_BYTE, at + (long) k * NR + position),
                                    x[xRow + b * Q8_0.BLOCK + k], sum);
                        }
                        acc = Math.fma(sum, data.get(Tensor.F32_LE, at + (long) Q8_0.BLOCK * NR + 4L * j), acc);
                    }
                    y[yOff + r * out + c] = acc;
                }
            }
        });
    }

    static void checkShape(Packed w, float[] x, int xOff, int rows, float[] y, int yOff) {
        long xNeed = (long) rows * w.in();
        long yNeed = (long) rows * w.out();
        if (rows < 0 || xOff < 0 || xOff + xNeed > x.length || yOff < 0 || yOff + yNeed > y.length) {
            throw new IllegalArgumentException("weight " + w.source() + " with " + rows + " rows: x needs " + xNeed
                    + " floats from " + xOff + " (has " + x.length + "), y needs " + yNeed + " from " + yOff
                    + " (has " + y.length + ")");
        }
    }

    private static void vectorPanels(Packed w, float[] x, int xOff, int rows, float[] y, int yOff, int start, int end) {
        if (NARROW) {
            narrowPanels(w, x, xOff, rows, y, yOff, start, end);
            return;
        }
        int out = w.out();
        int in = w.in();
        int blocks = in / Q8_0.BLOCK;
        MemorySegment data = w.panels();
        // Six rows a pass while at least six are left (their block sums in registers, their outputs in y between
        // blocks), then three, two or one (outputs in registers too); the panel is decoded in registers once per
        // pass, and passes after the first read it from L2 (64 columns are at most a few hundred KiB).
        float[] edge = rows >= 6 ? Scratch.get().accumulators(rows / 6 * 6 * NR) : null;
        for (int p = start; p < end; p++) {
            long at = blockOffset(p, 0, blocks);
            int col = p * NR;
            int r = 0;
            if (rows >= 6) {
                // A part-filled last panel sums its six-row passes into whole rows of NR in scratch.
                boolean whole = col + NR <= out;
                float[] target = whole ? y : edge;
                int targetAt = whole ? yOff + col : 0;
                int stride = whole ? out : NR;
                int sixes = rows / 6 * 6;
                for (int row = 0; row < sixes; row++) {
                    Arrays.fill(target, targetAt + row * stride, targetAt + row * stride + NR, 0f);
                }
                for (; r < sixes; r += 6) {
                    for (int b = 0; b < blocks; b++) {
                        panelSixRows(data, at + b * BLOCK_BYTES, x, xOff + r * in + b * Q8_0.BLOCK, in, target,
                                targetAt + r * stride, stride);
                    }
                }
                if (!whole) {
                    for (int row = 0; row < sixes; row++) {
                        System.arraycopy(edge, row * NR, y, yOff + row * out + col, out - col);
                    }
                }
            }
            for (; r + 3 <= rows; r += 3) {
                panelThreeRows(data, at, blocks, x, xOff + r * in, in, y, yOff + r * out, out, col);
            }
            if (rows - r == 2) {
                panelTwoRows(data, at, blocks, x, xOff + r * in, in, y, yOff + r * out, out, col);
            } else if (rows - r == 1) {
                panelOneRow(data, at, blocks, x, xOff + r * in, y, yOff + r * out, col, out);
            }
        }
    }

    /**
     * One row against panel columns {@code [col, col + NR)}: per k one broadcast, four 16-value loads widened to
     * floats and four FMAs into the block's sums; per block four scale FMAs. Straight from the panel, no scratch.
     */
    private static void panelOneRow(MemorySegment data, long panelAt, int blocks, float[] x, int xOff, float[] y,
                                    int yOff, int col, int out) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long at = panelAt + b * BLOCK_BYTES;
            int xb = xOff + b * Q8_0.BLOCK;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int k = 0; k < Q8_0.BLOCK; k++, at += NR) {
                FloatVector xk = FloatVector.broadcast(F, x[xb + k]);
                s0 = widened(data, at).fma(xk, s0);
                s1 = widened(data, at + L).fma(xk, s1);
                s2 = widened(data, at + 2 * L).fma(xk, s2);
                s3 = widened(data, at + 3 * L).fma(xk, s3);
            }
            acc0 = s0.fma(FloatVector.fromMemorySegment(F, data, at, LE), acc0);
            acc1 = s1.fma(FloatVector.fromMemorySegment(F, data, at + 4L * L, LE), acc1);
            acc2 = s2.fma(FloatVector.fromMemorySegment(F, data, at + 8L * L, LE), acc2);
            acc3 = s3.fma(FloatVector.fromMemorySegment(F, data, at + 12L * L, LE), acc3);
        }
        if (col + NR <= out) {
            acc0.intoArray(y, yOff + col);
            acc1.intoArray(y, yOff + col + L);
            acc2.intoArray(y, yOff + col + 2 * L);
            acc3.intoArray(y, yOff + col + 3 * L);
        } else {
            storeLive(acc0, y, yOff + col, col, out);
            storeLive(acc1, y, yOff + col + L, col + L, out);
            storeLive(acc2, y, yOff + col + 2 * L, col + 2 * L, out);
            storeLive(acc3, y, yOff + col + 3 * L, col + 3 * L, out);
        }
    }

    /** {@link #panelOneRow} for two rows ({@code x} and {@code y} rows {@code in} and {@code out} apart), one decode per k. */
    private static void panelTwoRows(MemorySegment data, long panelAt, int blocks, float[] x, int xOff, int in,
                                     float[] y, int yOff, int out, int col) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (int b = 0; b < blocks; b++) {
            long at = panelAt + b * BLOCK_BYTES;
            int x0 = xOff + b * Q8_0.BLOCK;
            int x1 = x0 + in;
            FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
            FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            for (int k = 0; k < Q8_0.BLOCK; k++, at += NR) {
                FloatVector q0 = widened(data, at);
                FloatVector q1 = widened(data, at + L);
                FloatVector q2 = widened(data, at + 2 * L);
                FloatVector q3 = widened(data, at + 3 * L);
                FloatVector b0 = FloatVector.broadcast(F, x[x0 + k]);
                s00 = q0.fma(b0, s00);
                s01 = q1.fma(b0, s01);
                s02 = q2.fma(b0, s02);
                s03 = q3.fma(b0, s03);
                FloatVector b1 = FloatVector.broadcast(F, x[x1 + k]);
                s10 = q0.fma(b1, s10);
                s11 = q1.fma(b1, s11);
                s12 = q2.fma(b1, s12);
                s13 = q3.fma(b1, s13);
            }
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at, LE);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + 4L * L, LE);
            FloatVector d2 = FloatVector.fromMemorySegment(F, data, at + 8L * L, LE);
            FloatVector d3 = FloatVector.fromMemorySegment(F, data, at + 12L * L, LE);
            a00 = s00.fma(d0, a00);
            a01 = s01.fma(d1, a01);
            a02 = s02.fma(d2, a02);
            a03 = s03.fma(d3, a03);
            a10 = s10.fma(d0, a10);
            a11 = s11.fma(d1, a11);
            a12 = s12.fma(d2, a12);
            a13 = s13.fma(d3, a13);
        }
        if (col + NR <= out) {
            a00.intoArray(y, yOff + col);
            a01.intoArray(y, yOff + col + L);
            a02.intoArray(y, yOff + col + 2 * L);
            a03.intoArray(y, yOff + col + 3 * L);
            a10.intoArray(y, yOff + out + col);
            a11.intoArray(y, yOff + out + col + L);
            a12.intoArray(y, yOff + out + col + 2 * L);
            a13.intoArray(y, yOff + out + col + 3 * L);
        } else {
            storeLive(a00, y, yOff + col, col, out);
            storeLive(a01, y, yOff + col + L, col + L, out);
            storeLive(a02, y, yOff + col + 2 * L, col + 2 * L, out);
            storeLive(a03, y, yOff + col + 3 * L, col + 3 * L, out);
            storeLive(a10, y, yOff + out + col, col, out);
            storeLive(a11, y, yOff + out + col + L, col + L, out);
            storeLive(a12, y, yOff + out + col + 2 * L, col + 2 * L, out);
            storeLive(a13, y, yOff + out + col + 3 * L, col + 3 * L, out);
        }
    }

    /**
     * {@link #panelOneRow} for three rows, one decode per k: 12 block sums + 12 outputs + 4 weight vectors + 1
     * broadcast = 29 registers.
     */
    private static void panelThreeRows(MemorySegment data, long panelAt, int blocks, float[] x, int xOff, int in,
                                       float[] y, int yOff, int out, int col) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        for (int b = 0; b < blocks; b++) {
            long at = panelAt + b * BLOCK_BYTES;
            int x0 = xOff + b * Q8_0.BLOCK;
            int x1 = x0 + in;
            int x2 = x1 + in;
            FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
            FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
            FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
            for (int k = 0; k < Q8_0.BLOCK; k++, at += NR) {
                FloatVector q0 = widened(data, at);
                FloatVector q1 = widened(data, at + L);
                FloatVector q2 = widened(data, at + 2 * L);
                FloatVector q3 = widened(data, at + 3 * L);
                FloatVector bx = FloatVector.broadcast(F, x[x0 + k]);
                s00 = q0.fma(bx, s00);
                s01 = q1.fma(bx, s01);
                s02 = q2.fma(bx, s02);
                s03 = q3.fma(bx, s03);
                bx = FloatVector.broadcast(F, x[x1 + k]);
                s10 = q0.fma(bx, s10);
                s11 = q1.fma(bx, s11);
                s12 = q2.fma(bx, s12);
                s13 = q3.fma(bx, s13);
                bx = FloatVector.broadcast(F, x[x2 + k]);
                s20 = q0.fma(bx, s20);
                s21 = q1.fma(bx, s21);
                s22 = q2.fma(bx, s22);
                s23 = q3.fma(bx, s23);
            }
            FloatVector d = FloatVector.fromMemorySegment(F, data, at, LE);
            a00 = s00.fma(d, a00);
            a10 = s10.fma(d, a10);
            a20 = s20.fma(d, a20);
            d = FloatVector.fromMemorySegment(F, data, at + 4L * L, LE);
            a01 = s01.fma(d, a01);
            a11 = s11.fma(d, a11);
            a21 = s21.fma(d, a21);
            d = FloatVector.fromMemorySegment(F, data, at + 8L * L, LE);
            a02 = s02.fma(d, a02);
            a12 = s12.fma(d, a12);
            a22 = s22.fma(d, a22);
            d = FloatVector.fromMemorySegment(F, data, at + 12L * L, LE);
            a03 = s03.fma(d, a03);
            a13 = s13.fma(d, a13);
            a23 = s23.fma(d, a23);
        }
        int y1 = yOff + out;
        int y2 = y1 + out;
        if (col + NR <= out) {
            a00.intoArray(y, yOff + col);
            a01.intoArray(y, yOff + col + L);
            a02.intoArray(y, yOff + col + 2 * L);
            a03.intoArray(y, yOff + col + 3 * L);
            a10.intoArray(y, y1 + col);
            a11.intoArray(y, y1 + col + L);
            a12.intoArray(y, y1 + col + 2 * L);
            a13.intoArray(y, y1 + col + 3 * L);
            a20.intoArray(y, y2 + col);
            a21.intoArray(y, y2 + col + L);
            a22.intoArray(y, y2 + col + 2 * L);
            a23.intoArray(y, y2 + col + 3 * L);
        } else {
            storeLive(a00, y, yOff + col, col, out);
            storeLive(a01, y, yOff + col + L, col + L, out);
            storeLive(a02, y, yOff + col + 2 * L, col + 2 * L, out);
            storeLive(a03, y, yOff + col + 3 * L, col + 3 * L, out);
            storeLive(a10, y, y1 + col, col, out);
            storeLive(a11, y, y1 + col + L, col + L, out);
            storeLive(a12, y, y1 + col + 2 * L, col + 2 * L, out);
            storeLive(a13, y, y1 + col + 3 * L, col + 3 * L, out);
            storeLive(a20, y, y2 + col, col, out);
            storeLive(a21, y, y2 + col + L, col + L, out);
            storeLive(a22, y, y2 + col + 2 * L, col + 2 * L, out);
            storeLive(a23, y, y2 + col + 3 * L, col + 3 * L, out);
        }
    }

    private static FloatVector widened(MemorySegment data, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B_Q, data, at, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Six rows (their {@code x} from {@code xAt}, {@code in} apart) against one block of the panel, decoded in registers: 24 block sums in
     * registers over its 32 k, then {@code y = sum · scale + y} for each (y zeroed before the first block), so each
     * output sees the same two chains as {@link #panelOneRow}. Rows of {@code y} are {@code stride} apart.
     */
    private static void panelSixRows(MemorySegment data, long blockAt, float[] x, int xAt, int in, float[] y, int yAt,
                                      int stride) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        FloatVector s40 = s00, s41 = s00, s42 = s00, s43 = s00;
        FloatVector s50 = s00, s51 = s00, s52 = s00, s53 = s00;
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            long qAt = blockAt + (long) k * NR;
            FloatVector q0 = widened(data, qAt);
            FloatVector q1 = widened(data, qAt + L);
            FloatVector q2 = widened(data, qAt + 2 * L);
            FloatVector q3 = widened(data, qAt + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[xAt + k]);
            s00 = q0.fma(b, s00);
            s01 = q1.fma(b, s01);
            s02 = q2.fma(b, s02);
            s03 = q3.fma(b, s03);
            b = FloatVector.broadcast(F, x[xAt + in + k]);
            s10 = q0.fma(b, s10);
            s11 = q1.fma(b, s11);
            s12 = q2.fma(b, s12);
            s13 = q3.fma(b, s13);
            b = FloatVector.broadcast(F, x[xAt + 2 * in + k]);
            s20 = q0.fma(b, s20);
            s21 = q1.fma(b, s21);
            s22 = q2.fma(b, s22);
            s23 = q3.fma(b, s23);
            b = FloatVector.broadcast(F, x[xAt + 3 * in + k]);
            s30 = q0.fma(b, s30);
            s31 = q1.fma(b, s31);
            s32 = q2.fma(b, s32);
            s33 = q3.fma(b, s33);
            b = FloatVector.broadcast(F, x[xAt + 4 * in + k]);
            s40 = q0.fma(b, s40);
            s41 = q1.fma(b, s41);
            s42 = q2.fma(b, s42);
            s43 = q3.fma(b, s43);
            b = FloatVector.broadcast(F, x[xAt + 5 * in + k]);
            s50 = q0.fma(b, s50);
            s51 = q1.fma(b, s51);
            s52 = q2.fma(b, s52);
            s53 = q3.fma(b, s53);
        }
        long sc = blockAt + (long) Q8_0.BLOCK * NR;
        FloatVector d0 = FloatVector.fromMemorySegment(F, data, sc, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, data, sc + 4L * L, LE);
        FloatVector d2 = FloatVector.fromMemorySegment(F, data, sc + 8L * L, LE);
        FloatVector d3 = FloatVector.fromMemorySegment(F, data, sc + 12L * L, LE);
        int a = yAt;
        s00.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s01.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s02.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s03.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
        a += stride;
        s10.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s11.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s12.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s13.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
        a += stride;
        s20.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s21.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s22.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s23.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
        a += stride;
        s30.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s31.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s32.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s33.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
        a += stride;
        s40.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s41.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s42.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s43.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
        a += stride;
        s50.fma(d0, FloatVector.fromArray(F, y, a)).intoArray(y, a);
        s51.fma(d1, FloatVector.fromArray(F, y, a + L)).intoArray(y, a + L);
        s52.fma(d2, FloatVector.fromArray(F, y, a + 2 * L)).intoArray(y, a + 2 * L);
        s53.fma(d3, FloatVector.fromArray(F, y, a + 3 * L)).intoArray(y, a + 3 * L);
    }

    /** Block {@code at}'s int8 values as floats, {@code decoded[k·NR + j]} for column {@code j}. */
    private static void wideDecode(MemorySegment data, long at, float[] decoded) {
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            long row = at + (long) k * NR;
            int to = k * NR;
            widened(data, row).intoArray(decoded, to);
            widened(data, row + L).intoArray(decoded, to + L);
            widened(data, row + 2 * L).intoArray(decoded, to + 2 * L);
            widened(data, row + 3 * L).intoArray(decoded, to + 3 * L);
        }
    }

    /**
     * {@code n} rows against one decoded block with 512-bit tiles, into {@code sums} rows NR apart: six at a time,
     * then two (one row's 4 FMA chains ran at 0.55 of the six-row tile's speed on a Zen 4 core), then one.
     */
    private static void wideBlockRows(float[] decoded, float[] x, int xAt, int in, int n, float[] sums, int sumsAt,
                                      MemorySegment data, long scales) {
        int r = 0;
        for (; r + 6 <= n; r += 6) {
            wideSixRowsDecoded(decoded, x, xAt + r * in, in, sums, sumsAt + r * NR, data, scales);
        }
        for (; r + 2 <= n; r += 2) {
            wideTwoRowsDecoded(decoded, x, xAt + r * in, in, sums, sumsAt + r * NR, data, scales);
        }
        if (r < n) {
            oneRowDecoded(decoded, x, xAt + r * in, sums, sumsAt + r * NR, data, scales);
        }
    }

    /**
     * Six rows ({@code x} from {@code xAt}, {@code in} apart) against a decoded block: per k 4 weight vectors and 6
     * broadcasts feed 24 FMAs into 24 block sums (29 registers), then {@code sums += sum · scale} for each row, the
     * rows NR floats apart from {@code sumsAt}, scales from {@code scalesAt}: the same two chains as {@link
     * #panelOneRow}, without converting an int8 on the way (that conversion shares the FMA pipes).
     */
    private static void wideSixRowsDecoded(float[] decoded, float[] x, int xAt, int in, float[] sums, int sumsAt,
                                           MemorySegment data, long scalesAt) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        FloatVector s40 = s00, s41 = s00, s42 = s00, s43 = s00;
        FloatVector s50 = s00, s51 = s00, s52 = s00, s53 = s00;
        int x0 = xAt;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            int wo = k * NR;
            FloatVector q0 = FloatVector.fromArray(F, decoded, wo);
            FloatVector q1 = FloatVector.fromArray(F, decoded, wo + L);
            FloatVector q2 = FloatVector.fromArray(F, decoded, wo + 2 * L);
            FloatVector q3 = FloatVector.fromArray(F, decoded, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            s00 = q0.fma(b, s00);
            s01 = q1.fma(b, s01);
            s02 = q2.fma(b, s02);
            s03 = q3.fma(b, s03);
            b = FloatVector.broadcast(F, x[x1 + k]);
            s10 = q0.fma(b, s10);
            s11 = q1.fma(b, s11);
            s12 = q2.fma(b, s12);
            s13 = q3.fma(b, s13);
            b = FloatVector.broadcast(F, x[x2 + k]);
            s20 = q0.fma(b, s20);
            s21 = q1.fma(b, s21);
            s22 = q2.fma(b, s22);
            s23 = q3.fma(b, s23);
            b = FloatVector.broadcast(F, x[x3 + k]);
            s30 = q0.fma(b, s30);
            s31 = q1.fma(b, s31);
            s32 = q2.fma(b, s32);
            s33 = q3.fma(b, s33);
            b = FloatVector.broadcast(F, x[x4 + k]);
            s40 = q0.fma(b, s40);
            s41 = q1.fma(b, s41);
            s42 = q2.fma(b, s42);
            s43 = q3.fma(b, s43);
            b = FloatVector.broadcast(F, x[x5 + k]);
            s50 = q0.fma(b, s50);
            s51 = q1.fma(b, s51);
            s52 = q2.fma(b, s52);
            s53 = q3.fma(b, s53);
        }
        FloatVector d0 = FloatVector.fromMemorySegment(F, data, scalesAt, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, data, scalesAt + 4L * L, LE);
        FloatVector d2 = FloatVector.fromMemorySegment(F, data, scalesAt + 8L * L, LE);
        FloatVector d3 = FloatVector.fromMemorySegment(F, data, scalesAt + 12L * L, LE);
        int a = sumsAt;
        s00.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s01.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s02.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s03.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s10.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s11.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s12.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s13.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s20.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s21.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s22.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s23.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s30.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s31.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s32.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s33.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s40.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s41.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s42.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s43.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s50.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s51.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s52.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s53.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
    }

    /** {@link #wideSixRowsDecoded} for two rows: 8 FMA chains. */
    private static void wideTwoRowsDecoded(float[] decoded, float[] x, int xAt, int in, float[] sums, int sumsAt,
                                           MemorySegment data, long scalesAt) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        int x0 = xAt;
        int x1 = x0 + in;
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            int wo = k * NR;
            FloatVector q0 = FloatVector.fromArray(F, decoded, wo);
            FloatVector q1 = FloatVector.fromArray(F, decoded, wo + L);
            FloatVector q2 = FloatVector.fromArray(F, decoded, wo + 2 * L);
            FloatVector q3 = FloatVector.fromArray(F, decoded, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            s00 = q0.fma(b, s00);
            s01 = q1.fma(b, s01);
            s02 = q2.fma(b, s02);
            s03 = q3.fma(b, s03);
            b = FloatVector.broadcast(F, x[x1 + k]);
            s10 = q0.fma(b, s10);
            s11 = q1.fma(b, s11);
            s12 = q2.fma(b, s12);
            s13 = q3.fma(b, s13);
        }
        FloatVector d0 = FloatVector.fromMemorySegment(F, data, scalesAt, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, data, scalesAt + 4L * L, LE);
        FloatVector d2 = FloatVector.fromMemorySegment(F, data, scalesAt + 8L * L, LE);
        FloatVector d3 = FloatVector.fromMemorySegment(F, data, scalesAt + 12L * L, LE);
        int a = sumsAt;
        s00.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s01.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s02.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s03.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
        a += NR;
        s10.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s11.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        s12.fma(d2, FloatVector.fromArray(F, sums, a + 2 * L)).intoArray(sums, a + 2 * L);
        s13.fma(d3, FloatVector.fromArray(F, sums, a + 3 * L)).intoArray(sums, a + 3 * L);
    }

    // ---- 256-bit kernels (NARROW): 16 vector registers, the bytes of a k row read as 8 int lanes ----

    /**
     * Panels {@code [start, end)} with 256-bit vectors. One row (decode) reads the panels straight from memory, two
     * at a time (two streams and eight FMA chains kept a Zen 3 core's decode at 10.3 GB/s against 8.1 for one panel
     * at a time, in memory). Several rows decode each block once to floats and run register tiles of four rows over
     * it ({@link #narrowFourRows}): converting an int8 costs three vector operations, too many to repeat per row.
     * That prefill reached 0.53–0.63 of the FMA peak on two Zen 3 cores (kernel bench, its three shapes), below
     * {@link MatMul}'s 0.60–0.70 on the row-major Q8_0 weight in the same run: the four-row tile's 8 FMA chains only
     * just cover the FMA latency, and they restart every 32 k.
     */
    private static void narrowPanels(Packed w, float[] x, int xOff, int rows, float[] y, int yOff, int start, int end) {
        int out = w.out();
        int in = w.in();
        int blocks = in / Q8_0.BLOCK;
        MemorySegment data = w.panels();
        if (rows == 1) {
            int p = start;
            for (; p + 1 < end && (p + 2) * NR <= out; p += 2) {
                narrowOneRowTwoPanels(data, blockOffset(p, 0, blocks), blockOffset(p + 1, 0, blocks), blocks, x, xOff,
                        y, yOff + p * NR);
            }
            for (; p < end; p++) {
                narrowOneRow(data, blockOffset(p, 0, blocks), blocks, x, xOff, y, yOff, p * NR, out);
            }
            return;
        }
        // Passes of a bounded number of panels keep the scratch sums small (a vocabulary-sized lm_head on one thread
        // would otherwise hold 8 MB of them) while each chunk of x still serves many panels.
        for (int from = start; from < end; from += NARROW_PANELS_PER_PASS) {
            decodedRows(data, in, out, blocks, x, xOff, rows, y, yOff, from, Math.min(end, from + NARROW_PANELS_PER_PASS),
                    NARROW_ROW_CHUNK);
        }
    }

    /**
     * Many rows with 512-bit vectors: work items of up to {@value #WIDE_ROW_CHUNK} rows × {@value
     * #WIDE_PANELS_PER_ITEM} panels, taken in turn by the threads ({@link #decodedRows} on each). Panels alone made
     * too few items: 512 × 768 × 768 ran its 12 panels as three pieces on two threads. Row chunks end on a multiple
     * of the six-row tile, so only the last one has rows past it.
     */
    private static void wideDecodedRows(Packed w, float[] x, int xOff, int rows, float[] y, int yOff) {
        int in = w.in();
        int out = w.out();
        int blocks = in / Q8_0.BLOCK;
        int panels = w.panelCount();
        int sixes = rows / 6;
        int rowChunks = (rows + WIDE_ROW_CHUNK - 1) / WIDE_ROW_CHUNK;
        int panelGroups = (panels + WIDE_PANELS_PER_ITEM - 1) / WIDE_PANELS_PER_ITEM;
        Parallel.forEachTaken(rowChunks * panelGroups, (first, last) -> {
            for (int item = first; item < last; item++) {
                int chunk = item / panelGroups;
                int group = item % panelGroups;
                int r0 = sixes * chunk / rowChunks * 6;
                int r1 = chunk == rowChunks - 1 ? rows : sixes * (chunk + 1) / rowChunks * 6;
                int p0 = panels * group / panelGroups;
                int p1 = panels * (group + 1) / panelGroups;
                decodedRows(w.panels(), in, out, blocks, x, xOff + r0 * in, r1 - r0, y, yOff + r0 * out, p0, p1,
                        r1 - r0);
            }
        });
    }

    /**
     * Several rows against panels {@code [start, end)}, each block decoded to floats once per chunk of
     * {@code rowChunk} rows and run through register tiles ({@link #narrowPanels} with 256-bit vectors, {@link
     * #wideDecodedRows} with 512-bit ones).
     */
    private static void decodedRows(MemorySegment data, int in, int out, int blocks, float[] x, int xOff, int rows,
                                    float[] y, int yOff, int start, int end, int rowChunk) {
        // Rows in chunks, K in chunks of blocks: the chunk of x (rows × 256 k) stays in L2 while every panel of the
        // range runs over it (panel-outer order read all of x from L3 once per panel: 0.3 of the FMA peak at 512 ×
        // 4096 × 4096 on a Zen 3 core). Outputs are summed from zero, block by block in order, into scratch rows NR
        // floats apart (panel-major; y's rows a multiple of 4 KiB apart aliased in L1), and copied to y at the end
        // of the chunk.
        Scratch scratch = Scratch.get();
        float[] decoded = scratch.packedWeights(Q8_0.BLOCK * NR);
        int chunkRows = Math.min(rowChunk, rows);
        int panelSums = chunkRows * NR;
        float[] sums = scratch.accumulators((end - start) * panelSums);
        for (int r0 = 0; r0 < rows; r0 += rowChunk) {
            int n = Math.min(rowChunk, rows - r0);
            Arrays.fill(sums, 0, (end - start) * panelSums, 0f);
            for (int b0 = 0; b0 < blocks; b0 += CHUNK_K_BLOCKS) {
                int b1 = Math.min(blocks, b0 + CHUNK_K_BLOCKS);
                for (int p = start; p < end; p++) {
                    int sumsAt = (p - start) * panelSums;
                    for (int b = b0; b < b1; b++) {
                        long at = blockOffset(p, b, blocks);
                        int xAt = xOff + r0 * in + b * Q8_0.BLOCK;
                        if (NARROW) {
                            narrowDecode(data, at, decoded);
                            narrowBlockRows(decoded, x, xAt, in, n, sums, sumsAt, data, at + (long) Q8_0.BLOCK * NR);
                        } else {
                            wideDecode(data, at, decoded);
                            wideBlockRows(decoded, x, xAt, in, n, sums, sumsAt, data, at + (long) Q8_0.BLOCK * NR);
                        }
                    }
                }
            }
            for (int p = start; p < end; p++) {
                int col = p * NR;
                int live = Math.min(NR, out - col);
                for (int r = 0; r < n; r++) {
                    System.arraycopy(sums, (p - start) * panelSums + r * NR, y, yOff + (r0 + r) * out + col, live);
                }
            }
        }
    }

    /** {@code n} rows against one decoded block with 256-bit tiles, into {@code sums} rows NR apart. */
    private static void narrowBlockRows(float[] decoded, float[] x, int xAt, int in, int n, float[] sums, int sumsAt,
                                        MemorySegment data, long scales) {
        int r = 0;
        for (; r + 4 <= n; r += 4) {
            narrowFourRows(decoded, 0, x, xAt + r * in, in, sums, sumsAt + r * NR, data, scales);
            narrowFourRows(decoded, 2 * L, x, xAt + r * in, in, sums, sumsAt + r * NR + 2 * L, data, scales + 8L * L);
        }
        for (; r < n; r++) {
            oneRowDecoded(decoded, x, xAt + r * in, sums, sumsAt + r * NR, data, scales);
        }
    }

    /**
     * One row against one panel, outputs in registers: per k one 256-bit load gives the 32 columns' int8 (float
     * vector {@code c} from byte {@code c} of each int lane: shift it to the top, shift back arithmetically,
     * convert), four FMAs into the block sums; per block four scale FMAs. The extraction is written out in every
     * 256-bit kernel: a helper taking a vector argument risks C2 boxing it.
     */
    private static void narrowOneRow(MemorySegment data, long panelAt, int blocks, float[] x, int xOff, float[] y,
                                     int yOff, int col, int out) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long at = panelAt + b * BLOCK_BYTES;
            int xb = xOff + b * Q8_0.BLOCK;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int k = 0; k < Q8_0.BLOCK; k++, at += NR) {
                FloatVector xk = FloatVector.broadcast(F, x[xb + k]);
                IntVector q = IntVector.fromMemorySegment(Simd.I, data, at, LE);
                s0 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s0);
                s1 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s1);
                s2 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s2);
                s3 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(xk, s3);
            }
            acc0 = s0.fma(FloatVector.fromMemorySegment(F, data, at, LE), acc0);
            acc1 = s1.fma(FloatVector.fromMemorySegment(F, data, at + 4L * L, LE), acc1);
            acc2 = s2.fma(FloatVector.fromMemorySegment(F, data, at + 8L * L, LE), acc2);
            acc3 = s3.fma(FloatVector.fromMemorySegment(F, data, at + 12L * L, LE), acc3);
        }
        storeLive(acc0, y, yOff + col, col, out);
        storeLive(acc1, y, yOff + col + L, col + L, out);
        storeLive(acc2, y, yOff + col + 2 * L, col + 2 * L, out);
        storeLive(acc3, y, yOff + col + 3 * L, col + 3 * L, out);
    }

    /**
     * {@link #narrowOneRow} for two whole panels at once, their 64 outputs in {@code y} from {@code yAt} (eight block
     * sums in registers, the outputs summed in {@code y} between blocks from zero: the same two chains).
     */
    private static void narrowOneRowTwoPanels(MemorySegment data, long panelAt, long nextPanelAt, int blocks, float[] x,
                                              int xOff, float[] y, int yAt) {
        Arrays.fill(y, yAt, yAt + 2 * NR, 0f);
        int yNext = yAt + NR;
        for (int b = 0; b < blocks; b++) {
            long at = panelAt + b * BLOCK_BYTES;
            long nextAt = nextPanelAt + b * BLOCK_BYTES;
            int xb = xOff + b * Q8_0.BLOCK;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int k = 0; k < Q8_0.BLOCK; k++, at += NR, nextAt += NR) {
                FloatVector xk = FloatVector.broadcast(F, x[xb + k]);
                IntVector q = IntVector.fromMemorySegment(Simd.I, data, at, LE);
                s0 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s0);
                s1 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s1);
                s2 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s2);
                s3 = ((FloatVector) q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(xk, s3);
                IntVector r = IntVector.fromMemorySegment(Simd.I, data, nextAt, LE);
                s4 = ((FloatVector) r.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s4);
                s5 = ((FloatVector) r.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s5);
                s6 = ((FloatVector) r.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).fma(xk, s6);
                s7 = ((FloatVector) r.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(xk, s7);
            }
            s0.fma(FloatVector.fromMemorySegment(F, data, at, LE), FloatVector.fromArray(F, y, yAt)).intoArray(y, yAt);
            s1.fma(FloatVector.fromMemorySegment(F, data, at + 4L * L, LE), FloatVector.fromArray(F, y, yAt + L))
                    .intoArray(y, yAt + L);
            s2.fma(FloatVector.fromMemorySegment(F, data, at + 8L * L, LE), FloatVector.fromArray(F, y, yAt + 2 * L))
                    .intoArray(y, yAt + 2 * L);
            s3.fma(FloatVector.fromMemorySegment(F, data, at + 12L * L, LE), FloatVector.fromArray(F, y, yAt + 3 * L))
                    .intoArray(y, yAt + 3 * L);
            s4.fma(FloatVector.fromMemorySegment(F, data, nextAt, LE), FloatVector.fromArray(F, y, yNext))
                    .intoArray(y, yNext);
            s5.fma(FloatVector.fromMemorySegment(F, data, nextAt + 4L * L, LE), FloatVector.fromArray(F, y, yNext + L))
                    .intoArray(y, yNext + L);
            s6.fma(FloatVector.fromMemorySegment(F, data, nextAt + 8L * L, LE),
                    FloatVector.fromArray(F, y, yNext + 2 * L)).intoArray(y, yNext + 2 * L);
            s7.fma(FloatVector.fromMemorySegment(F, data, nextAt + 12L * L, LE),
                    FloatVector.fromArray(F, y, yNext + 3 * L)).intoArray(y, yNext + 3 * L);
        }
    }

    /** Block {@code at}'s int8 values as floats, {@code decoded[k·NR + j]} for column {@code j}, columns in order. */
    private static void narrowDecode(MemorySegment data, long at, float[] decoded) {
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            IntVector q = IntVector.fromMemorySegment(Simd.I, data, at + (long) k * NR, LE);
            int to = k * NR;
            ((FloatVector) q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).intoArray(decoded, to);
            ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).intoArray(decoded, to + L);
            ((FloatVector) q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).intoArray(decoded, to + 2 * L);
            ((FloatVector) q.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0))
                    .intoArray(decoded, to + 3 * L);
        }
    }

    /**
     * Four rows ({@code x} from {@code xAt}, {@code in} apart) × two vectors of columns ({@code decoded} columns from
     * {@code colOff}) over one decoded block: 8 block sums + 2 weight vectors + 4 broadcasts (C2 loads them all
     * first) = 14 of 16 registers, 8 FMA chains (six rows' 12 spilled four sums to the stack every k step and ran at
     * 0.6 of this); then {@code sums += sum · scale} for the rows {@link #NR} apart from {@code sumsAt}, scales from
     * {@code scalesAt}.
     */
    private static void narrowFourRows(float[] decoded, int colOff, float[] x, int xAt, int in, float[] sums,
                                       int sumsAt, MemorySegment data, long scalesAt) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00;
        FloatVector s10 = s00, s11 = s00;
        FloatVector s20 = s00, s21 = s00;
        FloatVector s30 = s00, s31 = s00;
        int x1 = xAt + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            int wo = k * NR + colOff;
            FloatVector w0 = FloatVector.fromArray(F, decoded, wo);
            FloatVector w1 = FloatVector.fromArray(F, decoded, wo + L);
            FloatVector b = FloatVector.broadcast(F, x[xAt + k]);
            s00 = w0.fma(b, s00);
            s01 = w1.fma(b, s01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            s10 = w0.fma(b, s10);
            s11 = w1.fma(b, s11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            s20 = w0.fma(b, s20);
            s21 = w1.fma(b, s21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            s30 = w0.fma(b, s30);
            s31 = w1.fma(b, s31);
        }
        FloatVector d0 = FloatVector.fromMemorySegment(F, data, scalesAt, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, data, scalesAt + 4L * L, LE);
        int a = sumsAt;
        s00.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s01.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        a += NR;
        s10.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s11.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        a += NR;
        s20.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s21.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
        a += NR;
        s30.fma(d0, FloatVector.fromArray(F, sums, a)).intoArray(sums, a);
        s31.fma(d1, FloatVector.fromArray(F, sums, a + L)).intoArray(sums, a + L);
    }

    /**
     * One row against all four vectors of columns of a decoded block (the rows past the last whole tile, both
     * widths), into {@code sums} from {@code sumsAt}: 4 FMA chains.
     */
    private static void oneRowDecoded(float[] decoded, float[] x, int xAt, float[] sums, int sumsAt,
                                      MemorySegment data, long scalesAt) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int k = 0; k < Q8_0.BLOCK; k++) {
            int wo = k * NR;
            FloatVector b = FloatVector.broadcast(F, x[xAt + k]);
            s0 = FloatVector.fromArray(F, decoded, wo).fma(b, s0);
            s1 = FloatVector.fromArray(F, decoded, wo + L).fma(b, s1);
            s2 = FloatVector.fromArray(F, decoded, wo + 2 * L).fma(b, s2);
            s3 = FloatVector.fromArray(F, decoded, wo + 3 * L).fma(b, s3);
        }
        int a = sumsAt;
        s0.fma(FloatVector.fromMemorySegment(F, data, scalesAt, LE), FloatVector.fromArray(F, sums, a))
                .intoArray(sums, a);
        s1.fma(FloatVector.fromMemorySegment(F, data, scalesAt + 4L * L, LE), FloatVector.fromArray(F, sums, a + L))
                .intoArray(sums, a + L);
        s2.fma(FloatVector.fromMemorySegment(F, data, scalesAt + 8L * L, LE), FloatVector.fromArray(F, sums, a + 2 * L))
                .intoArray(sums, a + 2 * L);
        s3.fma(FloatVector.fromMemorySegment(F, data, scalesAt + 12L * L, LE),
                FloatVector.fromArray(F, sums, a + 3 * L))
                .intoArray(sums, a + 3 * L);
    }

    /** Stores the vector of columns {@code [col, col + L)}, only those below {@code out} (the last panel's edge). */
    private static void storeLive(FloatVector v, float[] y, int at, int col, int out) {
        if (col + L <= out) {
            v.intoArray(y, at);
        } else if (col < out) {
            v.intoArray(y, at, VectorMask.fromLong(F, liveMask(col, out)));
        }
    }

    private static long liveMask(int col, int out) {
        return (1L << Math.max(0, Math.min(L, out - col))) - 1;
    }
}
