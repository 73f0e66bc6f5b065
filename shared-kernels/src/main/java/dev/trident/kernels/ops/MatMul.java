package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Matrix × matrix, {@code Y = X·Wᵀ}: activations {@code X[m][in]} (F32, row-major) times an HF Linear weight
 * {@code W[out][in]} of any {@link DType}, giving {@code Y[m][out]}. Prefill and encoder shapes.
 *
 * <p>With 512- or 256-bit vectors and at least 16 rows a call runs {@link PackedMatMul}'s tiles over column panels
 * it lays out itself ({@link #panelsPerCall}); the kernel below serves the rest, with the same results bit for bit.
 *
 * <p>Vector kernel, register-tiled over packed panels (GotoBLAS-style, vectors along the activation rows):
 * <ul>
 *   <li>X is packed once per call into panels of {@code 4·L} rows, transposed so one k step of a panel is
 *       {@code 4·L} contiguous floats (rows past {@code m} are zero; a part-filled last panel runs only its live
 *       vectors). K is zero-padded to a multiple of {@value #K_BLOCK} in the packed panels, so every tile loop
 *       runs exactly {@value #K_BLOCK} steps: with a constant trip count C2 neither strip-mines the loop nor runs
 *       out of general registers (with a variable {@code kc} it spilled the panel pointer into a vector register
 *       every k step, two port-0/5 moves that cost the FMAs about 20 % here). The padding adds {@code 0·0}, which
 *       leaves every sum unchanged.</li>
 *   <li>The weight rows are cut into units of {@value #UNIT_ROWS}; units are split across threads. A unit walks K
 *       in blocks of {@value #K_BLOCK}: each weight block is decoded to F32 once ({@code UNIT_ROWS × K_BLOCK},
 *       {@value #DECODE_BLOCKS} blocks at a time) and reused by every activation panel.</li>
 *   <li>Micro-kernel: 6 weight rows × 4 vectors of activation rows = 24 FMA accumulators in
 *       registers; per k it loads 4 activation vectors and broadcasts 6 weights (24 FMAs per 10 loads). On this
 *       AVX-512 machine 6×4 measured faster than 4×4 and 4×6. It needs 29 vector registers: right for AVX-512 and
 *       NEON/SVE (32). With 16 ({@link Simd#VECTOR_REGISTERS}, AVX2) the tile is 4 weight rows × 2 vectors, run
 *       twice per panel ({@link #tileNarrow}).</li>
 * </ul>
 * Accumulators are kept per tile, its {@link #TILE_ROWS} weight rows {@value #PANEL_ROWS} floats apart, so a tile
 * addresses them from one base (no per-row base registers live across the k loop).
 * Every output element is one FMA chain in k order (block by block), whatever the unit split or the tile
 * variant at the edges, so results do not depend on the thread count.
 *
 * <p>Scratch panels are per thread and reused ({@link Scratch}); the tile loops allocate nothing.
 */
public final class MatMul {

    /** Weight rows of the register tile: 6 with 32 vector registers ({@link #tileFull}), 4 with 16 ({@link #tileNarrow}). */
    static final int TILE_ROWS = Simd.VECTOR_REGISTERS < 32 ? 4 : 6;
    /** Weight rows per unit of parallel work (a multiple of the tile). */
    static final int UNIT_ROWS = 96;
    /** K block: the activation panel ({@code K_BLOCK × 4L} floats) stays in L1, the weight block in L2. */
    static final int K_BLOCK = 128;
    /** Activation rows per panel: the 4 vectors of the register tile. */
    static final int PANEL_ROWS = 4 * L;
    /**
     * K blocks a unit decodes at once, each weight row read straight through them (512 k, 2 KiB of an F32 row): one
     * block at a time read a row in 512-byte bursts 16 KiB apart, which the prefetchers do not follow from memory.
     * A call after its weight had left the caches (a single call following 20 ms of other work) ran at 76 GFLOP/s
     * against 84 this way (128 × 384 × 1536, F32, a Zen 4 core). The decoded blocks take 192 KiB of L2.
     */
    static final int DECODE_BLOCKS = 4;
    /** Activation rows from which {@link #panelsPerCall} holds. */
    private static final int PANELS_PER_CALL_MIN_ROWS = 16;

    private MatMul() {
    }

    /**
     * {@code y[yOff + r·out + c] = Σ_k x[xOff + r·in + k] · W[c, k]} for {@code r < m}, {@code c < out}, with
     * {@code w} of shape {@code [out, in]}.
     */
    public static void matMul(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        if (Simd.SCALAR) {
            scalar(w, x, xOff, m, y, yOff);
        } else {
            vector(w, x, xOff, m, y, yOff);
        }
    }

    public static void scalar(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        int out = w.dim(0);
        int in = checkShape(w, x, xOff, m, y, yOff);
        MemorySegment data = w.data();
        DType type = w.dtype();
        Parallel.forRange(out, 16, (start, end) -> {
            for (int r = 0; r < m; r++) {
                for (int c = start; c < end; c++) {
                    y[yOff + r * out + c] = MatVec.rowDotScalar(type, data, c, in, x, xOff + r * in);
                }
            }
        });
    }

    public static void vector(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        int out = w.dim(0);
        int in = checkShape(w, x, xOff, m, y, yOff);
        if (m == 0 || out == 0) {
            return;
        }
        if (panelsPerCall(w, m)) {
            PackedMatMul.vectorPackingPerCall(w, x, xOff, m, y, yOff);
            return;
        }
        int panels = (m + PANEL_ROWS - 1) / PANEL_ROWS;
        int paddedK = (in + K_BLOCK - 1) / K_BLOCK * K_BLOCK;
        float[] packedX = Scratch.get().packedActivations(panels * PANEL_ROWS * paddedK);
        // A panel is tens of microseconds of packing: worth a hand-off (under a microsecond to a spinning worker).
        boolean interleaved = w.dtype() == DType.Q8_0 && Q8_0Lanes.INTERLEAVED;
        if (!Parallel.splits(panels, 1)) {
            packActivationPanels(x, xOff, m, in, paddedK, interleaved, packedX, 0, panels);
        } else {
            Parallel.forRange(panels, 1,
                    (start, end) -> packActivationPanels(x, xOff, m, in, paddedK, interleaved, packedX, start, end));
        }
        int units = (out + UNIT_ROWS - 1) / UNIT_ROWS;
        if (!Parallel.splits(units, 1)) {
            computeUnits(w, in, paddedK, out, packedX, m, panels, y, yOff, 0, units);
        } else {
            Parallel.forEachTaken(units,
                    (start, end) -> computeUnits(w, in, paddedK, out, packedX, m, panels, y, yOff, start, end));
        }
    }

    /**
     * Whether a call lays the weight out in {@link PackedMatMul}'s column panels itself and runs its tiles instead
     * (512- and 256-bit vectors, from {@value #PANELS_PER_CALL_MIN_ROWS} rows). That costs a transposing copy of the weight
     * per call (in registers, 0.18 ns a weight), repaid over the activation rows, and saves this kernel's activation
     * packing, accumulators and transposed write-out. Timed as the kernel bench times a call (alone, after other
     * work), on a Zen 4 core, against this kernel: 512 × 768 × 768 0.88 of the FMA peak against 0.79–0.82 on one
     * thread, 0.82–0.83 against 0.68–0.73 on two; 512 × 4096 × 4096 0.85–0.88 against 0.80–0.83 on two;
     * 128 × 384 × 1536 0.73–0.75 against 0.69–0.73; 32 × 2048 × 2048 0.45–0.52 against 0.37–0.43; even at 16 rows.
     * On a Zen 2 (AVX2, 8-lane transposes at 0.38 ns a weight), two threads, full kernel bench against this kernel's
     * figures of the same morning: F32 0.66 / 0.82 / 0.89 against 0.61 / 0.65 / 0.77 (128 × 384 × 1536 /
     * 512 × 768 × 768 / 512 × 4096 × 4096), BF16 0.69 / 0.81 / 0.89 against 0.61 / 0.67 / 0.81.
     */
    static boolean panelsPerCall(Tensor w, int m) {
        return (L == 16 || L == 8) && !Simd.SCALAR && m >= PANELS_PER_CALL_MIN_ROWS;
    }

    private static void packActivationPanels(float[] x, int xOff, int m, int in, int paddedK, boolean interleaved,
                                             float[] packedX, int start, int end) {
        for (int p = start; p < end; p++) {
            packActivationPanel(x, xOff, m, in, paddedK, interleaved, p, packedX);
        }
    }

    /** Units {@code [start, end)} of {@value #UNIT_ROWS} weight rows, with this thread's scratch panels. */
    private static void computeUnits(Tensor w, int in, int paddedK, int out, float[] packedX, int m, int panels,
                                     float[] y, int yOff, int start, int end) {
        Scratch scratch = Scratch.get();
        float[] packedW = scratch.packedWeights(DECODE_BLOCKS * UNIT_ROWS * K_BLOCK);
        float[] acc = scratch.accumulators(UNIT_ROWS * panels * PANEL_ROWS);
        for (int u = start; u < end; u++) {
            computeUnit(w, u * UNIT_ROWS, Math.min(UNIT_ROWS, out - u * UNIT_ROWS), in, paddedK, out, packedX, m,
                    panels, packedW, acc, y, yOff);
        }
    }

    static int checkShape(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weight " + w + " must be [out, in]");
        }
        int in = w.dim(1);
        long xNeed = (long) m * in;
        long yNeed = (long) m * w.dim(0);
        if (m < 0 || xOff < 0 || xOff + xNeed > x.length || yOff < 0 || yOff + yNeed > y.length) {
            throw new IllegalArgumentException("weight " + w + " with m=" + m + ": x needs " + xNeed + " floats from "
                    + xOff + " (has " + x.length + "), y needs " + yNeed + " from " + yOff + " (has " + y.length + ")");
        }
        return in;
    }

    /**
     * Panel {@code p}: packed[(p·paddedK + k)·PANEL_ROWS + r] = x[row p·PANEL_ROWS + r][k], zero past {@code m} and
     * past {@code in}. The loop runs k-outer so the writes are sequential; the reads walk {@value #PANEL_ROWS} rows
     * side by side, each row's cache line serving 16 consecutive k (row-outer order wrote with a 256-byte stride, a
     * cache miss a value). {@code interleaved}: k runs in {@link Q8_0Lanes} order within each group, the order the
     * Q8_0 weight block is decoded to, so each product still pairs a weight with its own activation (each output is
     * then one FMA chain in that order).
     */
    private static void packActivationPanel(float[] x, int xOff, int m, int in, int paddedK, boolean interleaved,
                                            int p, float[] packed) {
        int base = p * paddedK * PANEL_ROWS;
        int firstRow = p * PANEL_ROWS;
        int live = Math.max(0, Math.min(PANEL_ROWS, m - firstRow));
        Arrays.fill(packed, base + in * PANEL_ROWS, base + paddedK * PANEL_ROWS, 0f);
        for (int k = 0; k < in; k++) {
            int dst = base + k * PANEL_ROWS;
            int src = xOff + firstRow * in + (interleaved ? Q8_0Lanes.sourceOf(k) : k);
            for (int r = 0; r < live; r++) {
                packed[dst + r] = x[src + r * in];
            }
            for (int r = live; r < PANEL_ROWS; r++) {
                packed[dst + r] = 0f;
            }
        }
    }

    /**
     * Weight rows {@code [row0, row0 + rows)} against all activation rows. The accumulators of weight row
     * {@code t·TILE_ROWS + i} and activation row {@code p·PANEL_ROWS + r} live at
     * {@code acc[((t·panels + p)·TILE_ROWS + i)·PANEL_ROWS + r]}: transposed, so the tiles load them as vectors.
     */
    private static void computeUnit(Tensor w, int row0, int rows, int in, int paddedK, int out, float[] packedX,
                                    int m, int panels, float[] packedW, float[] acc, float[] y, int yOff) {
        int tiles = (rows + TILE_ROWS - 1) / TILE_ROWS;
        Arrays.fill(acc, 0, tiles * panels * TILE_ROWS * PANEL_ROWS, 0f);
        for (int k0 = 0; k0 < in; k0 += K_BLOCK) {
            int decoded = (k0 / K_BLOCK) % DECODE_BLOCKS;
            if (decoded == 0) {
                decodeWeightBlocks(w, row0, rows, tiles * TILE_ROWS, in, k0,
                        Math.min(DECODE_BLOCKS * K_BLOCK, in - k0), packedW);
            }
            int blockBase = decoded * UNIT_ROWS * K_BLOCK;
            for (int p = 0; p < panels; p++) {
                int xBase = (p * paddedK + k0) * PANEL_ROWS;
                int liveRows = Math.min(PANEL_ROWS, m - p * PANEL_ROWS);
                for (int t = 0; t < tiles; t++) {
                    int accBase = (t * panels + p) * TILE_ROWS * PANEL_ROWS;
                    int wBase = blockBase + t * TILE_ROWS * K_BLOCK;
                    if (TILE_ROWS == 4) {
                        // Vectors 0-1 then 2-3 of the panel, a lone live last vector by itself.
                        int v = 0;
                        for (; (v + 1) * L < liveRows; v += 2) {
                            tileNarrow(packedX, xBase + v * L, packedW, wBase, acc, accBase + v * L);
                        }
                        if (v * L < liveRows) {
                            tileNarrowEdge(packedX, xBase + v * L, packedW, wBase, acc, accBase + v * L);
                        }
                    } else if (liveRows > 3 * L) {
                        tileFull(packedX, xBase, packedW, wBase, acc, accBase);
                    } else {
                        // Last, partly filled panel: only the vectors holding live rows (same FMA chain per element).
                        for (int v = 0; v * L < liveRows; v++) {
                            tileEdge(packedX, xBase + v * L, packedW, wBase, acc, accBase + v * L);
                        }
                    }
                }
            }
        }
        // y is written row by row (its lines written whole; writing down its columns measured slower), reading the
        // transposed acc with a stride; the indices step instead of being divided out per element.
        int tileStride = panels * TILE_ROWS * PANEL_ROWS;
        int fullTiles = rows / TILE_ROWS;
        for (int r = 0; r < m; r++) {
            int dst = yOff + r * out + row0;
            int rowAcc = (r / PANEL_ROWS) * TILE_ROWS * PANEL_ROWS + r % PANEL_ROWS;
            for (int t = 0; t < fullTiles; t++, rowAcc += tileStride, dst += TILE_ROWS) {
                for (int i = 0; i < TILE_ROWS; i++) {
                    y[dst + i] = acc[rowAcc + i * PANEL_ROWS];
                }
            }
            for (int i = 0; i < rows - fullTiles * TILE_ROWS; i++) {
                y[dst + i] = acc[rowAcc + i * PANEL_ROWS];
            }
        }
    }

    /**
     * The weight rows {@code [row0, row0 + rows)} over {@code span} k from {@code k0}, as F32 blocks of {@value
     * #K_BLOCK}: packedW[(b·UNIT_ROWS + j)·K_BLOCK + kk] = W[row0 + j][k0 + b·K_BLOCK + kk], zero past {@code in}
     * (the K padding) and for rows past {@code rows} up to the tile. Each row is read straight through the span.
     */
    private static void decodeWeightBlocks(Tensor w, int row0, int rows, int tileRows, int in, int k0, int span,
                                           float[] packedW) {
        MemorySegment data = w.data();
        int blocks = (span + K_BLOCK - 1) / K_BLOCK;
        for (int j = 0; j < rows; j++) {
            long row = row0 + j;
            for (int b = 0; b < blocks; b++) {
                int kb = k0 + b * K_BLOCK;
                int kc = Math.min(K_BLOCK, in - kb);
                int dst = (b * UNIT_ROWS + j) * K_BLOCK;
                switch (w.dtype()) {
                    case F32 -> MemorySegment.copy(data, Tensor.F32_LE, (row * in + kb) * 4, packedW, dst, kc);
                    case BF16 -> Convert.bf16ToF32Vector(data, (row * in + kb) * 2, packedW, dst, kc);
                    case F16 -> Convert.f16ToF32Vector(data, (row * in + kb) * 2, packedW, dst, kc);
                    case Q8_0 -> {
                        long blockOff = (row * in + kb) / Q8_0.BLOCK * Q8_0.BLOCK_BYTES;
                        if (Q8_0Lanes.INTERLEAVED) {
                            Convert.q8_0ToF32Interleaved(data, blockOff, packedW, dst, kc / Q8_0.BLOCK);
                        } else {
                            Convert.q8_0ToF32Vector(data, blockOff, packedW, dst, kc / Q8_0.BLOCK);
                        }
                    }
                }
                if (kc < K_BLOCK) {
                    Arrays.fill(packedW, dst + kc, dst + K_BLOCK, 0f);
                }
            }
        }
        for (int b = 0; b < blocks; b++) {
            Arrays.fill(packedW, (b * UNIT_ROWS + rows) * K_BLOCK, (b * UNIT_ROWS + tileRows) * K_BLOCK, 0f);
        }
    }

    /**
     * The register tile with 32 vector registers: 6 weight rows (broadcast) × 4 vectors of activation rows,
     * {@value #K_BLOCK} k steps: 24 accumulators + 4 activation vectors + 1 broadcast = 29 of AVX-512's 32 registers
     * (C2 spills nothing); per k 4 vector loads and 6 broadcasts feed 24 FMAs.
     * {@code acc[accBase + i·PANEL_ROWS + v·L ..]} holds the (transposed) outputs of weight row i, vector v.
     */
    private static void tileFull(float[] px, int xBase, float[] pw, int wBase, float[] acc, int accBase) {
        int a0 = accBase + 0 * PANEL_ROWS;
        int a1 = accBase + 1 * PANEL_ROWS;
        int a2 = accBase + 2 * PANEL_ROWS;
        int a3 = accBase + 3 * PANEL_ROWS;
        int a4 = accBase + 4 * PANEL_ROWS;
        int a5 = accBase + 5 * PANEL_ROWS;
        FloatVector c00 = FloatVector.fromArray(F, acc, a0 + 0 * L);
        FloatVector c01 = FloatVector.fromArray(F, acc, a0 + 1 * L);
        FloatVector c02 = FloatVector.fromArray(F, acc, a0 + 2 * L);
        FloatVector c03 = FloatVector.fromArray(F, acc, a0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1 + 0 * L);
        FloatVector c11 = FloatVector.fromArray(F, acc, a1 + 1 * L);
        FloatVector c12 = FloatVector.fromArray(F, acc, a1 + 2 * L);
        FloatVector c13 = FloatVector.fromArray(F, acc, a1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2 + 0 * L);
        FloatVector c21 = FloatVector.fromArray(F, acc, a2 + 1 * L);
        FloatVector c22 = FloatVector.fromArray(F, acc, a2 + 2 * L);
        FloatVector c23 = FloatVector.fromArray(F, acc, a2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3 + 0 * L);
        FloatVector c31 = FloatVector.fromArray(F, acc, a3 + 1 * L);
        FloatVector c32 = FloatVector.fromArray(F, acc, a3 + 2 * L);
        FloatVector c33 = FloatVector.fromArray(F, acc, a3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(F, acc, a4 + 0 * L);
        FloatVector c41 = FloatVector.fromArray(F, acc, a4 + 1 * L);
        FloatVector c42 = FloatVector.fromArray(F, acc, a4 + 2 * L);
        FloatVector c43 = FloatVector.fromArray(F, acc, a4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(F, acc, a5 + 0 * L);
        FloatVector c51 = FloatVector.fromArray(F, acc, a5 + 1 * L);
        FloatVector c52 = FloatVector.fromArray(F, acc, a5 + 2 * L);
        FloatVector c53 = FloatVector.fromArray(F, acc, a5 + 3 * L);
        int xo = xBase;
        for (int kk = 0; kk < K_BLOCK; kk++, xo += PANEL_ROWS) {
            int wi = wBase + kk;
            FloatVector x0 = FloatVector.fromArray(F, px, xo + 0 * L);
            FloatVector x1 = FloatVector.fromArray(F, px, xo + 1 * L);
            FloatVector x2 = FloatVector.fromArray(F, px, xo + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, px, xo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, pw[wi + 0 * K_BLOCK]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            c02 = x2.fma(b, c02);
            c03 = x3.fma(b, c03);
            b = FloatVector.broadcast(F, pw[wi + 1 * K_BLOCK]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            c12 = x2.fma(b, c12);
            c13 = x3.fma(b, c13);
            b = FloatVector.broadcast(F, pw[wi + 2 * K_BLOCK]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            c22 = x2.fma(b, c22);
            c23 = x3.fma(b, c23);
            b = FloatVector.broadcast(F, pw[wi + 3 * K_BLOCK]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            c32 = x2.fma(b, c32);
            c33 = x3.fma(b, c33);
            b = FloatVector.broadcast(F, pw[wi + 4 * K_BLOCK]);
            c40 = x0.fma(b, c40);
            c41 = x1.fma(b, c41);
            c42 = x2.fma(b, c42);
            c43 = x3.fma(b, c43);
            b = FloatVector.broadcast(F, pw[wi + 5 * K_BLOCK]);
            c50 = x0.fma(b, c50);
            c51 = x1.fma(b, c51);
            c52 = x2.fma(b, c52);
            c53 = x3.fma(b, c53);
        }
        c00.intoArray(acc, a0 + 0 * L);
        c01.intoArray(acc, a0 + 1 * L);
        c02.intoArray(acc, a0 + 2 * L);
        c03.intoArray(acc, a0 + 3 * L);
        c10.intoArray(acc, a1 + 0 * L);
        c11.intoArray(acc, a1 + 1 * L);
        c12.intoArray(acc, a1 + 2 * L);
        c13.intoArray(acc, a1 + 3 * L);
        c20.intoArray(acc, a2 + 0 * L);
        c21.intoArray(acc, a2 + 1 * L);
        c22.intoArray(acc, a2 + 2 * L);
        c23.intoArray(acc, a2 + 3 * L);
        c30.intoArray(acc, a3 + 0 * L);
        c31.intoArray(acc, a3 + 1 * L);
        c32.intoArray(acc, a3 + 2 * L);
        c33.intoArray(acc, a3 + 3 * L);
        c40.intoArray(acc, a4 + 0 * L);
        c41.intoArray(acc, a4 + 1 * L);
        c42.intoArray(acc, a4 + 2 * L);
        c43.intoArray(acc, a4 + 3 * L);
        c50.intoArray(acc, a5 + 0 * L);
        c51.intoArray(acc, a5 + 1 * L);
        c52.intoArray(acc, a5 + 2 * L);
        c53.intoArray(acc, a5 + 3 * L);
    }

    /**
     * The register tile with 16 vector registers (AVX2): 4 weight rows × 2 vectors of activation rows, 8
     * accumulators, just enough independent FMA chains for two FMA ports of latency 4. Six rows (12 accumulators,
     * 15 registers in all) did not fit: C2 hoisted the broadcasts, spilled two accumulators and carried them
     * through memory every k step, and a Zen 3 core ran 6 × 2 at 42 GFLOP/s, 4 × 2 at 75–90, of a 63–100 peak.
     */
    private static void tileNarrow(float[] px, int xBase, float[] pw, int wBase, float[] acc, int accBase) {
        int a0 = accBase + 0 * PANEL_ROWS;
        int a1 = accBase + 1 * PANEL_ROWS;
        int a2 = accBase + 2 * PANEL_ROWS;
        int a3 = accBase + 3 * PANEL_ROWS;
        FloatVector c00 = FloatVector.fromArray(F, acc, a0);
        FloatVector c01 = FloatVector.fromArray(F, acc, a0 + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1);
        FloatVector c11 = FloatVector.fromArray(F, acc, a1 + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2);
        FloatVector c21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3);
        FloatVector c31 = FloatVector.fromArray(F, acc, a3 + L);
        int xo = xBase;
        for (int kk = 0; kk < K_BLOCK; kk++, xo += PANEL_ROWS) {
            int wi = wBase + kk;
            FloatVector x0 = FloatVector.fromArray(F, px, xo);
            FloatVector x1 = FloatVector.fromArray(F, px, xo + L);
            FloatVector b = FloatVector.broadcast(F, pw[wi + 0 * K_BLOCK]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, pw[wi + 1 * K_BLOCK]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, pw[wi + 2 * K_BLOCK]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, pw[wi + 3 * K_BLOCK]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
        }
        c00.intoArray(acc, a0);
        c01.intoArray(acc, a0 + L);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + L);
        c20.intoArray(acc, a2);
        c21.intoArray(acc, a2 + L);
        c30.intoArray(acc, a3);
        c31.intoArray(acc, a3 + L);
    }

    /** {@link #tileNarrow} for one vector of activation rows (the same per-element FMA chain). */
    private static void tileNarrowEdge(float[] px, int xBase, float[] pw, int wBase, float[] acc, int accBase) {
        int a0 = accBase + 0 * PANEL_ROWS;
        int a1 = accBase + 1 * PANEL_ROWS;
        int a2 = accBase + 2 * PANEL_ROWS;
        int a3 = accBase + 3 * PANEL_ROWS;
        FloatVector c00 = FloatVector.fromArray(F, acc, a0);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3);
        int xo = xBase;
        for (int kk = 0; kk < K_BLOCK; kk++, xo += PANEL_ROWS) {
            int wi = wBase + kk;
            FloatVector x0 = FloatVector.fromArray(F, px, xo);
            c00 = x0.fma(FloatVector.broadcast(F, pw[wi + 0 * K_BLOCK]), c00);
            c10 = x0.fma(FloatVector.broadcast(F, pw[wi + 1 * K_BLOCK]), c10);
            c20 = x0.fma(FloatVector.broadcast(F, pw[wi + 2 * K_BLOCK]), c20);
            c30 = x0.fma(FloatVector.broadcast(F, pw[wi + 3 * K_BLOCK]), c30);
        }
        c00.intoArray(acc, a0);
        c10.intoArray(acc, a1);
        c20.intoArray(acc, a2);
        c30.intoArray(acc, a3);
    }

    /** Edge tile: 6 weight rows × 1 vector of activation rows (the same per-element FMA chain as {@link #tileFull}). */
    private static void tileEdge(float[] px, int xBase, float[] pw, int wBase, float[] acc, int accBase) {
        int a0 = accBase + 0 * PANEL_ROWS;
        int a1 = accBase + 1 * PANEL_ROWS;
        int a2 = accBase + 2 * PANEL_ROWS;
        int a3 = accBase + 3 * PANEL_ROWS;
        int a4 = accBase + 4 * PANEL_ROWS;
        int a5 = accBase + 5 * PANEL_ROWS;
        FloatVector c00 = FloatVector.fromArray(F, acc, a0 + 0 * L);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1 + 0 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2 + 0 * L);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3 + 0 * L);
        FloatVector c40 = FloatVector.fromArray(F, acc, a4 + 0 * L);
        FloatVector c50 = FloatVector.fromArray(F, acc, a5 + 0 * L);
        int xo = xBase;
        for (int kk = 0; kk < K_BLOCK; kk++, xo += PANEL_ROWS) {
            int wi = wBase + kk;
            FloatVector x0 = FloatVector.fromArray(F, px, xo + 0 * L);
            FloatVector b = FloatVector.broadcast(F, pw[wi + 0 * K_BLOCK]);
            c00 = x0.fma(b, c00);
            b = FloatVector.broadcast(F, pw[wi + 1 * K_BLOCK]);
            c10 = x0.fma(b, c10);
            b = FloatVector.broadcast(F, pw[wi + 2 * K_BLOCK]);
            c20 = x0.fma(b, c20);
            b = FloatVector.broadcast(F, pw[wi + 3 * K_BLOCK]);
            c30 = x0.fma(b, c30);
            b = FloatVector.broadcast(F, pw[wi + 4 * K_BLOCK]);
            c40 = x0.fma(b, c40);
            b = FloatVector.broadcast(F, pw[wi + 5 * K_BLOCK]);
            c50 = x0.fma(b, c50);
        }
        c00.intoArray(acc, a0 + 0 * L);
        c10.intoArray(acc, a1 + 0 * L);
        c20.intoArray(acc, a2 + 0 * L);
        c30.intoArray(acc, a3 + 0 * L);
        c40.intoArray(acc, a4 + 0 * L);
        c50.intoArray(acc, a5 + 0 * L);
    }
}
