package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import dev.trident.kernels.tensor.DType;
import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Matrix × matrix {@code Y = X·Wᵀ} against a weight repacked once, at load, into column panels: the encoder's
 * prefill-only path, where every call is a matrix product and the weights are small enough to hold twice.
 *
 * <p>{@link MatMul} packs the activations on every call (a scalar transpose into 64-row panels), zeroes and
 * transposes its accumulators back out, and copies or decodes its weight blocks: in an encoder bench profile that
 * data movement took about a third of the matrix-product time (27 % of all samples against 46 % in the register
 * tile), and a batch-1 call of 12 rows ran at a third of the tile's speed. Here the vectors run along the output
 * columns instead: panel {@code p} holds {@code W[p·NR + j][k]} at {@code (p·in + k)·NR + j} ({@value #NR_VECTORS} vectors of columns,
 * zero past {@code out}); the register tile broadcasts {@link #TILE_ROWS} activations straight from {@code x}'s
 * rows (no packing), multiplies them into the panel's vectors, and stores whole rows of {@code y} (no transpose).
 * The panel of one unit ({@code in × NR} floats, 96 KiB at {@code in = 384}) stays in L2 while the unit's rows stream
 * past it.
 *
 * <p>Each output element is one FMA chain over {@code k} in order from zero, as in {@link MatMul}: for F32, F16 and
 * BF16 weights the result is bitwise {@link MatMul#vector}'s, whatever the thread count.
 */
public final class PackedMatMul {

    /** Vectors of output columns per panel: 4 with 32 vector registers, 2 with 16 (AVX2). */
    static final int NR_VECTORS = Simd.VECTOR_REGISTERS < 32 ? 2 : 4;
    /** Output columns per panel. */
    static final int NR = NR_VECTORS * L;
    /**
     * Activation rows of the register tile: 6 × 4 accumulators + 4 weight vectors + 1 broadcast = 29 of 32
     * registers; 4 × 2 + 2 + 1 = 11 of AVX2's 16 (6 × 2 in {@link MatMul}'s orientation spilled there).
     */
    static final int TILE_ROWS = Simd.VECTOR_REGISTERS < 32 ? 4 : 6;
    /** Register tiles per unit of parallel work: 96 rows with 6-row tiles. */
    static final int TILES_PER_UNIT = 16;

    private PackedMatMul() {
    }

    /** A weight {@code [out, in]} in column panels; {@link #source} is kept for its shape and the scalar path. */
    public record Packed(Tensor source, float[] panels) {
        public int out() {
            return source.dim(0);
        }

        public int in() {
            return source.dim(1);
        }

        public int panelCount() {
            return PackedMatMul.panelCount(out());
        }
    }

    private static int panelCount(int out) {
        return (out + NR - 1) / NR;
    }

    /** Repacks an F32, F16 or BF16 weight {@code [out, in]} (Q8_0 stays with {@link MatMul}: it is chosen to save memory). */
    public static Packed pack(Tensor w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("weight " + w + " must be [out, in]");
        }
        if (w.dtype() == DType.Q8_0) {
            throw new IllegalArgumentException("weight " + w + ": Q8_0 weights are not repacked");
        }
        int out = w.dim(0);
        int in = w.dim(1);
        long size = (long) panelCount(out) * NR * in;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("weight " + w + " is too large to repack (" + size + " floats)");
        }
        float[] panels = new float[(int) size];
        float[] row = new float[in];
        for (int r = 0; r < out; r++) {
            Convert.toF32(w, (long) r * in, row, 0, in);
            int base = (r / NR) * in * NR + r % NR;
            for (int k = 0; k < in; k++) {
                panels[base + k * NR] = row[k];
            }
        }
        return new Packed(w, panels);
    }

    /**
     * {@code y[yOff + r·out + c] = Σ_k x[xOff + r·in + k] · W[c, k]} for {@code r < m}, {@code c < out}.
     */
    public static void matMul(Packed w, float[] x, int xOff, int m, float[] y, int yOff) {
        if (Simd.SCALAR) {
            MatMul.scalar(w.source(), x, xOff, m, y, yOff);
        } else {
            vector(w, x, xOff, m, y, yOff);
        }
    }

    public static void vector(Packed w, float[] x, int xOff, int m, float[] y, int yOff) {
        MatMul.checkShape(w.source(), x, xOff, m, y, yOff);
        if (m == 0 || w.out() == 0) {
            return;
        }
        int rowTiles = (m + TILE_ROWS - 1) / TILE_ROWS;
        int rowBlocks = (rowTiles + TILES_PER_UNIT - 1) / TILES_PER_UNIT;
        int units = w.panelCount() * rowBlocks;
        // Panel-major units: a thread taking the next unit mostly stays on the panel already in its L2.
        if (!Parallel.splits(units, 1)) {
            computeUnits(w, x, xOff, m, y, yOff, rowBlocks, 0, units);
        } else {
            Parallel.forEachTaken(units, (start, end) -> computeUnits(w, x, xOff, m, y, yOff, rowBlocks, start, end));
        }
    }

    private static void computeUnits(Packed w, float[] x, int xOff, int m, float[] y, int yOff, int rowBlocks,
                                     int start, int end) {
        int in = w.in();
        int out = w.out();
        for (int u = start; u < end; u++) {
            int p = u / rowBlocks;
            int firstRow = (u % rowBlocks) * TILES_PER_UNIT * TILE_ROWS;
            int lastRow = Math.min(m, firstRow + TILES_PER_UNIT * TILE_ROWS);
            panelRows(w.panels(), p * in * NR, x, xOff, in, firstRow, lastRow, y, yOff, out, p * NR);
        }
    }

    /**
     * Rows {@code [firstRow, lastRow)} of x against the panel at {@code panels[wBase ..]} (output columns from
     * {@code col}): whole tiles, then rows two or one at a time.
     */
    private static void panelRows(float[] panels, int wBase, float[] x, int xOff, int in, int firstRow, int lastRow,
                                  float[] y, int yOff, int out, int col) {
        // The last panel's padding columns go to a scratch tile, then only the live ones to y.
        boolean partial = col + NR > out;
        float[] edge = partial ? Scratch.get().accumulators(TILE_ROWS * NR) : null;
        int r = firstRow;
        for (; r + TILE_ROWS <= lastRow; r += TILE_ROWS) {
            int xAt = xOff + r * in;
            if (!partial) {
                tile(panels, wBase, x, xAt, in, y, yOff + r * out + col, out);
            } else {
                tile(panels, wBase, x, xAt, in, edge, 0, NR);
                copyLive(edge, TILE_ROWS, out - col, y, yOff + r * out + col, out);
            }
        }
        // Rows past the last whole tile two at a time where the tile is 6 × 4 (8 FMA chains; one row's 4 ran at
        // about half the speed: 100 rows of 128 × 384 × 1536 went from 0.87 to 0.93 of the FMA peak on a Zen 4 core).
        if (NR_VECTORS == 4) {
            for (; r + 2 <= lastRow; r += 2) {
                int xAt = xOff + r * in;
                if (!partial) {
                    tile2x4(panels, wBase, x, xAt, in, y, yOff + r * out + col, out);
                } else {
                    tile2x4(panels, wBase, x, xAt, in, edge, 0, NR);
                    copyLive(edge, 2, out - col, y, yOff + r * out + col, out);
                }
            }
        }
        for (; r < lastRow; r++) {
            int xAt = xOff + r * in;
            if (!partial) {
                tileOneRow(panels, wBase, x, xAt, in, y, yOff + r * out + col);
            } else {
                tileOneRow(panels, wBase, x, xAt, in, edge, 0);
                copyLive(edge, 1, out - col, y, yOff + r * out + col, out);
            }
        }
    }

    /**
     * {@code y = x·Wᵀ} for a weight not repacked at load ({@link MatMul#vector} when {@link MatMul#panelsPerCall}):
     * each thread lays the panels it takes out in its scratch and runs every row of x over each. The results are
     * bitwise {@link #vector}'s on the repacked weight, and so {@link MatMul}'s other path's. 512- and 256-bit
     * vectors ({@link #transpose16}, {@link #transpose8}); 128-bit ones were not measured.
     */
    static void vectorPackingPerCall(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        int panels = panelCount(w.dim(0));
        // Interleaved Q8_0 (256- and 128-bit vectors): the panels' k rows and x both in Q8_0Lanes order, so each
        // chain adds the products in MatMul's other path's order (a row's k is a multiple of the group).
        boolean interleaved = w.dtype() == DType.Q8_0 && Q8_0Lanes.INTERLEAVED;
        float[] xs = interleaved ? Q8_0Lanes.interleaved(x, xOff, m * w.dim(1)) : x;
        int xsOff = interleaved ? 0 : xOff;
        if (!Parallel.splits(panels, 1)) {
            packedPanelsPerCall(w, interleaved, xs, xsOff, m, y, yOff, 0, panels);
        } else {
            Parallel.forEachTaken(panels,
                    (start, end) -> packedPanelsPerCall(w, interleaved, xs, xsOff, m, y, yOff, start, end));
        }
    }

    private static void packedPanelsPerCall(Tensor w, boolean interleaved, float[] x, int xOff, int m, float[] y,
                                            int yOff, int start, int end) {
        int out = w.dim(0);
        int in = w.dim(1);
        Scratch scratch = Scratch.get();
        float[] panel = scratch.packedWeights(in * NR);
        float[] rows = scratch.packedActivations(L * in);
        int[] rowStarts = scratch.indices(L);
        for (int j = 0; j < L; j++) {
            rowStarts[j] = j * in;
        }
        int wholeK = in / L * L;
        for (int p = start; p < end; p++) {
            int col = p * NR;
            // L weight rows at a time, decoded row by row (a straight read of L·in contiguous weights), then
            // transposed L × L in registers into the panel's k rows (16 lanes: 0.18 ns a weight on a Zen 4 core, one
            // gather per k about 0.45, a scalar copy down the columns about 1; 8 lanes on a Zen 2 core: 0.38, a
            // gather 0.81, a scalar copy 1.35), a gather per k past the last L.
            for (int v = 0; v < NR_VECTORS; v++) {
                int first = col + v * L;
                int live = Math.max(0, Math.min(L, out - first));
                for (int j = 0; j < live; j++) {
                    if (interleaved) {
                        Convert.q8_0ToF32Interleaved(w.data(), (long) (first + j) * (in / Q8_0.BLOCK) * Q8_0.BLOCK_BYTES,
                                rows, j * in, in / Q8_0.BLOCK);
                    } else {
                        Convert.toF32(w, (long) (first + j) * in, rows, j * in, in);
                    }
                }
                Arrays.fill(rows, live * in, L * in, 0f);
                for (int k0 = 0; k0 < wholeK; k0 += L) {
                    if (L == 16) {
                        transpose16(rows, in, k0, panel, v * L);
                    } else {
                        transpose8(rows, in, k0, panel, v * L);
                    }
                }
                for (int k = wholeK; k < in; k++) {
                    FloatVector.fromArray(F, rows, k, rowStarts, 0).intoArray(panel, k * NR + v * L);
                }
            }
            panelRows(panel, 0, x, xOff, in, 0, m, y, yOff, out, col);
        }
    }

    /**
     * Index vectors of {@link #transpose16}'s stages: pairing rows {@code i} and {@code i + b}, the low result takes
     * lane {@code l} of row {@code i} where bit {@code b} of {@code l} is clear and lane {@code l - b} of row
     * {@code i + b} where it is set; the high result lanes {@code l + b} of row {@code i} and {@code l} of row
     * {@code i + b}. Four stages (b = 8, 4, 2, 1) swap ever smaller off-diagonal blocks: the transpose.
     */
    private static FloatVector transposeIndex(int b, boolean high) {
        float[] index = new float[16];
        for (int l = 0; l < 16; l++) {
            index[l] = (l & b) == 0 ? (high ? l + b : l) : (high ? 16 + l : 16 + l - b);
        }
        return FloatVector.fromArray(F, index, 0);
    }

    private static final FloatVector LO8 = L == 16 ? transposeIndex(8, false) : null;
    private static final FloatVector HI8 = L == 16 ? transposeIndex(8, true) : null;
    private static final FloatVector LO4 = L == 16 ? transposeIndex(4, false) : null;
    private static final FloatVector HI4 = L == 16 ? transposeIndex(4, true) : null;
    private static final FloatVector LO2 = L == 16 ? transposeIndex(2, false) : null;
    private static final FloatVector HI2 = L == 16 ? transposeIndex(2, true) : null;
    private static final FloatVector LO1 = L == 16 ? transposeIndex(1, false) : null;
    private static final FloatVector HI1 = L == 16 ? transposeIndex(1, true) : null;

    /** {@code panel[(k0 + l)·NR + at + j] = rows[j·in + k0 + l]} for {@code j, l < 16} (16-lane vectors). */
    private static void transpose16(float[] rows, int in, int k0, float[] panel, int at) {
        FloatVector r0 = FloatVector.fromArray(F, rows, k0);
        FloatVector r1 = FloatVector.fromArray(F, rows, 1 * in + k0);
        FloatVector r2 = FloatVector.fromArray(F, rows, 2 * in + k0);
        FloatVector r3 = FloatVector.fromArray(F, rows, 3 * in + k0);
        FloatVector r4 = FloatVector.fromArray(F, rows, 4 * in + k0);
        FloatVector r5 = FloatVector.fromArray(F, rows, 5 * in + k0);
        FloatVector r6 = FloatVector.fromArray(F, rows, 6 * in + k0);
        FloatVector r7 = FloatVector.fromArray(F, rows, 7 * in + k0);
        FloatVector r8 = FloatVector.fromArray(F, rows, 8 * in + k0);
        FloatVector r9 = FloatVector.fromArray(F, rows, 9 * in + k0);
        FloatVector r10 = FloatVector.fromArray(F, rows, 10 * in + k0);
        FloatVector r11 = FloatVector.fromArray(F, rows, 11 * in + k0);
        FloatVector r12 = FloatVector.fromArray(F, rows, 12 * in + k0);
        FloatVector r13 = FloatVector.fromArray(F, rows, 13 * in + k0);
        FloatVector r14 = FloatVector.fromArray(F, rows, 14 * in + k0);
        FloatVector r15 = FloatVector.fromArray(F, rows, 15 * in + k0);
        FloatVector lo0x8 = LO8.selectFrom(r0, r8);
        r8 = HI8.selectFrom(r0, r8);
        r0 = lo0x8;
        FloatVector lo1x8 = LO8.selectFrom(r1, r9);
        r9 = HI8.selectFrom(r1, r9);
        r1 = lo1x8;
        FloatVector lo2x8 = LO8.selectFrom(r2, r10);
        r10 = HI8.selectFrom(r2, r10);
        r2 = lo2x8;
        FloatVector lo3x8 = LO8.selectFrom(r3, r11);
        r11 = HI8.selectFrom(r3, r11);
        r3 = lo3x8;
        FloatVector lo4x8 = LO8.selectFrom(r4, r12);
        r12 = HI8.selectFrom(r4, r12);
        r4 = lo4x8;
        FloatVector lo5x8 = LO8.selectFrom(r5, r13);
        r13 = HI8.selectFrom(r5, r13);
        r5 = lo5x8;
        FloatVector lo6x8 = LO8.selectFrom(r6, r14);
        r14 = HI8.selectFrom(r6, r14);
        r6 = lo6x8;
        FloatVector lo7x8 = LO8.selectFrom(r7, r15);
        r15 = HI8.selectFrom(r7, r15);
        r7 = lo7x8;
        FloatVector lo0x4 = LO4.selectFrom(r0, r4);
        r4 = HI4.selectFrom(r0, r4);
        r0 = lo0x4;
        FloatVector lo1x4 = LO4.selectFrom(r1, r5);
        r5 = HI4.selectFrom(r1, r5);
        r1 = lo1x4;
        FloatVector lo2x4 = LO4.selectFrom(r2, r6);
        r6 = HI4.selectFrom(r2, r6);
        r2 = lo2x4;
        FloatVector lo3x4 = LO4.selectFrom(r3, r7);
        r7 = HI4.selectFrom(r3, r7);
        r3 = lo3x4;
        FloatVector lo8x4 = LO4.selectFrom(r8, r12);
        r12 = HI4.selectFrom(r8, r12);
        r8 = lo8x4;
        FloatVector lo9x4 = LO4.selectFrom(r9, r13);
        r13 = HI4.selectFrom(r9, r13);
        r9 = lo9x4;
        FloatVector lo10x4 = LO4.selectFrom(r10, r14);
        r14 = HI4.selectFrom(r10, r14);
        r10 = lo10x4;
        FloatVector lo11x4 = LO4.selectFrom(r11, r15);
        r15 = HI4.selectFrom(r11, r15);
        r11 = lo11x4;
        FloatVector lo0x2 = LO2.selectFrom(r0, r2);
        r2 = HI2.selectFrom(r0, r2);
        r0 = lo0x2;
        FloatVector lo1x2 = LO2.selectFrom(r1, r3);
        r3 = HI2.selectFrom(r1, r3);
        r1 = lo1x2;
        FloatVector lo4x2 = LO2.selectFrom(r4, r6);
        r6 = HI2.selectFrom(r4, r6);
        r4 = lo4x2;
        FloatVector lo5x2 = LO2.selectFrom(r5, r7);
        r7 = HI2.selectFrom(r5, r7);
        r5 = lo5x2;
        FloatVector lo8x2 = LO2.selectFrom(r8, r10);
        r10 = HI2.selectFrom(r8, r10);
        r8 = lo8x2;
        FloatVector lo9x2 = LO2.selectFrom(r9, r11);
        r11 = HI2.selectFrom(r9, r11);
        r9 = lo9x2;
        FloatVector lo12x2 = LO2.selectFrom(r12, r14);
        r14 = HI2.selectFrom(r12, r14);
        r12 = lo12x2;
        FloatVector lo13x2 = LO2.selectFrom(r13, r15);
        r15 = HI2.selectFrom(r13, r15);
        r13 = lo13x2;
        FloatVector lo0x1 = LO1.selectFrom(r0, r1);
        r1 = HI1.selectFrom(r0, r1);
        r0 = lo0x1;
        FloatVector lo2x1 = LO1.selectFrom(r2, r3);
        r3 = HI1.selectFrom(r2, r3);
        r2 = lo2x1;
        FloatVector lo4x1 = LO1.selectFrom(r4, r5);
        r5 = HI1.selectFrom(r4, r5);
        r4 = lo4x1;
        FloatVector lo6x1 = LO1.selectFrom(r6, r7);
        r7 = HI1.selectFrom(r6, r7);
        r6 = lo6x1;
        FloatVector lo8x1 = LO1.selectFrom(r8, r9);
        r9 = HI1.selectFrom(r8, r9);
        r8 = lo8x1;
        FloatVector lo10x1 = LO1.selectFrom(r10, r11);
        r11 = HI1.selectFrom(r10, r11);
        r10 = lo10x1;
        FloatVector lo12x1 = LO1.selectFrom(r12, r13);
        r13 = HI1.selectFrom(r12, r13);
        r12 = lo12x1;
        FloatVector lo14x1 = LO1.selectFrom(r14, r15);
        r15 = HI1.selectFrom(r14, r15);
        r14 = lo14x1;
        r0.intoArray(panel, (k0 + 0) * NR + at);
        r1.intoArray(panel, (k0 + 1) * NR + at);
        r2.intoArray(panel, (k0 + 2) * NR + at);
        r3.intoArray(panel, (k0 + 3) * NR + at);
        r4.intoArray(panel, (k0 + 4) * NR + at);
        r5.intoArray(panel, (k0 + 5) * NR + at);
        r6.intoArray(panel, (k0 + 6) * NR + at);
        r7.intoArray(panel, (k0 + 7) * NR + at);
        r8.intoArray(panel, (k0 + 8) * NR + at);
        r9.intoArray(panel, (k0 + 9) * NR + at);
        r10.intoArray(panel, (k0 + 10) * NR + at);
        r11.intoArray(panel, (k0 + 11) * NR + at);
        r12.intoArray(panel, (k0 + 12) * NR + at);
        r13.intoArray(panel, (k0 + 13) * NR + at);
        r14.intoArray(panel, (k0 + 14) * NR + at);
        r15.intoArray(panel, (k0 + 15) * NR + at);
    }

    /** The lane permutation {@code l → l ^ b} (8 lanes): swaps neighbouring blocks of {@code b} lanes. */
    private static VectorShuffle<Float> swapBlocks(int b) {
        int[] index = new int[8];
        for (int l = 0; l < 8; l++) {
            index[l] = l ^ b;
        }
        return VectorShuffle.fromArray(F, index, 0);
    }

    /** Lanes whose bit {@code b} is set (8 lanes). */
    private static VectorMask<Float> upperOfBlocks(int b) {
        boolean[] set = new boolean[8];
        for (int l = 0; l < 8; l++) {
            set[l] = (l & b) != 0;
        }
        return VectorMask.fromArray(F, set, 0);
    }

    private static final VectorShuffle<Float> SWAP4 = L == 8 ? swapBlocks(4) : null;
    private static final VectorShuffle<Float> SWAP2 = L == 8 ? swapBlocks(2) : null;
    private static final VectorShuffle<Float> SWAP1 = L == 8 ? swapBlocks(1) : null;
    private static final VectorMask<Float> UPPER4 = L == 8 ? upperOfBlocks(4) : null;
    private static final VectorMask<Float> UPPER2 = L == 8 ? upperOfBlocks(2) : null;
    private static final VectorMask<Float> UPPER1 = L == 8 ? upperOfBlocks(1) : null;

    /**
     * {@code panel[(k0 + l)·NR + at + j] = rows[j·in + k0 + l]} for {@code j, l < 8} (8-lane vectors): the stages
     * of {@link #transpose16} from b = 4, each pair as one lane swap and one blend per result. On AVX2 the
     * two-vector {@code selectFrom} of {@link #transpose16} took 0.64 ns a weight on a Zen 2 core, this 0.38.
     */
    private static void transpose8(float[] rows, int in, int k0, float[] panel, int at) {
        FloatVector r0 = FloatVector.fromArray(F, rows, k0);
        FloatVector r1 = FloatVector.fromArray(F, rows, in + k0);
        FloatVector r2 = FloatVector.fromArray(F, rows, 2 * in + k0);
        FloatVector r3 = FloatVector.fromArray(F, rows, 3 * in + k0);
        FloatVector r4 = FloatVector.fromArray(F, rows, 4 * in + k0);
        FloatVector r5 = FloatVector.fromArray(F, rows, 5 * in + k0);
        FloatVector r6 = FloatVector.fromArray(F, rows, 6 * in + k0);
        FloatVector r7 = FloatVector.fromArray(F, rows, 7 * in + k0);
        FloatVector lo0x4 = r0.blend(r4.rearrange(SWAP4), UPPER4);
        r4 = r0.rearrange(SWAP4).blend(r4, UPPER4);
        r0 = lo0x4;
        FloatVector lo1x4 = r1.blend(r5.rearrange(SWAP4), UPPER4);
        r5 = r1.rearrange(SWAP4).blend(r5, UPPER4);
        r1 = lo1x4;
        FloatVector lo2x4 = r2.blend(r6.rearrange(SWAP4), UPPER4);
        r6 = r2.rearrange(SWAP4).blend(r6, UPPER4);
        r2 = lo2x4;
        FloatVector lo3x4 = r3.blend(r7.rearrange(SWAP4), UPPER4);
        r7 = r3.rearrange(SWAP4).blend(r7, UPPER4);
        r3 = lo3x4;
        FloatVector lo0x2 = r0.blend(r2.rearrange(SWAP2), UPPER2);
        r2 = r0.rearrange(SWAP2).blend(r2, UPPER2);
        r0 = lo0x2;
        FloatVector lo1x2 = r1.blend(r3.rearrange(SWAP2), UPPER2);
        r3 = r1.rearrange(SWAP2).blend(r3, UPPER2);
        r1 = lo1x2;
        FloatVector lo4x2 = r4.blend(r6.rearrange(SWAP2), UPPER2);
        r6 = r4.rearrange(SWAP2).blend(r6, UPPER2);
        r4 = lo4x2;
        FloatVector lo5x2 = r5.blend(r7.rearrange(SWAP2), UPPER2);
        r7 = r5.rearrange(SWAP2).blend(r7, UPPER2);
        r5 = lo5x2;
        FloatVector lo0x1 = r0.blend(r1.rearrange(SWAP1), UPPER1);
        r1 = r0.rearrange(SWAP1).blend(r1, UPPER1);
        r0 = lo0x1;
        FloatVector lo2x1 = r2.blend(r3.rearrange(SWAP1), UPPER1);
        r3 = r2.rearrange(SWAP1).blend(r3, UPPER1);
        r2 = lo2x1;
        FloatVector lo4x1 = r4.blend(r5.rearrange(SWAP1), UPPER1);
        r5 = r4.rearrange(SWAP1).blend(r5, UPPER1);
        r4 = lo4x1;
        FloatVector lo6x1 = r6.blend(r7.rearrange(SWAP1), UPPER1);
        r7 = r6.rearrange(SWAP1).blend(r7, UPPER1);
        r6 = lo6x1;
        r0.intoArray(panel, k0 * NR + at);
        r1.intoArray(panel, (k0 + 1) * NR + at);
        r2.intoArray(panel, (k0 + 2) * NR + at);
        r3.intoArray(panel, (k0 + 3) * NR + at);
        r4.intoArray(panel, (k0 + 4) * NR + at);
        r5.intoArray(panel, (k0 + 5) * NR + at);
        r6.intoArray(panel, (k0 + 6) * NR + at);
        r7.intoArray(panel, (k0 + 7) * NR + at);
    }

    private static void copyLive(float[] edge, int rows, int live, float[] y, int yAt, int out) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(edge, i * NR, y, yAt + i * out, live);
        }
    }

    private static void tile(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt, int yStride) {
        if (TILE_ROWS == 6) {
            tile6x4(pw, wBase, x, xAt, in, y, yAt, yStride);
        } else {
            tile4x2(pw, wBase, x, xAt, in, y, yAt, yStride);
        }
    }

    private static void tileOneRow(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt) {
        if (NR_VECTORS == 4) {
            tile1x4(pw, wBase, x, xAt, in, y, yAt);
        } else {
            tile1x2(pw, wBase, x, xAt, in, y, yAt);
        }
    }

    /**
     * Rows {@code xAt + i·in} ({@code i < 6}) of x against one panel: per k 4 weight vectors and 6 broadcasts feed 24
     * FMAs into 24 accumulators, then each row's 4 vectors are stored at {@code y[yAt + i·yStride ..]}. Every index is
     * linear in {@code k}, the one induction variable, so C2 moves all bounds checks out of the loop.
     */
    private static void tile6x4(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt, int yStride) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int x0 = xAt;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int x4 = x3 + in;
        int x5 = x4 + in;
        for (int k = 0; k < in; k++) {
            int wo = wBase + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, pw, wo);
            FloatVector w1 = FloatVector.fromArray(F, pw, wo + L);
            FloatVector w2 = FloatVector.fromArray(F, pw, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, pw, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            c02 = w2.fma(b, c02);
            c03 = w3.fma(b, c03);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            c12 = w2.fma(b, c12);
            c13 = w3.fma(b, c13);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            c22 = w2.fma(b, c22);
            c23 = w3.fma(b, c23);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            c32 = w2.fma(b, c32);
            c33 = w3.fma(b, c33);
            b = FloatVector.broadcast(F, x[x4 + k]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            c42 = w2.fma(b, c42);
            c43 = w3.fma(b, c43);
            b = FloatVector.broadcast(F, x[x5 + k]);
            c50 = w0.fma(b, c50);
            c51 = w1.fma(b, c51);
            c52 = w2.fma(b, c52);
            c53 = w3.fma(b, c53);
        }
        int y0 = yAt;
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + L);
        c02.intoArray(y, y0 + 2 * L);
        c03.intoArray(y, y0 + 3 * L);
        y0 += yStride;
        c10.intoArray(y, y0);
        c11.intoArray(y, y0 + L);
        c12.intoArray(y, y0 + 2 * L);
        c13.intoArray(y, y0 + 3 * L);
        y0 += yStride;
        c20.intoArray(y, y0);
        c21.intoArray(y, y0 + L);
        c22.intoArray(y, y0 + 2 * L);
        c23.intoArray(y, y0 + 3 * L);
        y0 += yStride;
        c30.intoArray(y, y0);
        c31.intoArray(y, y0 + L);
        c32.intoArray(y, y0 + 2 * L);
        c33.intoArray(y, y0 + 3 * L);
        y0 += yStride;
        c40.intoArray(y, y0);
        c41.intoArray(y, y0 + L);
        c42.intoArray(y, y0 + 2 * L);
        c43.intoArray(y, y0 + 3 * L);
        y0 += yStride;
        c50.intoArray(y, y0);
        c51.intoArray(y, y0 + L);
        c52.intoArray(y, y0 + 2 * L);
        c53.intoArray(y, y0 + 3 * L);
    }

    /** {@link #tile6x4} for two rows of x: 8 accumulators, 8 FMA chains. */
    private static void tile2x4(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt, int yStride) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        int x0 = xAt;
        int x1 = x0 + in;
        for (int k = 0; k < in; k++) {
            int wo = wBase + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, pw, wo);
            FloatVector w1 = FloatVector.fromArray(F, pw, wo + L);
            FloatVector w2 = FloatVector.fromArray(F, pw, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, pw, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            c02 = w2.fma(b, c02);
            c03 = w3.fma(b, c03);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            c12 = w2.fma(b, c12);
            c13 = w3.fma(b, c13);
        }
        c00.intoArray(y, yAt);
        c01.intoArray(y, yAt + L);
        c02.intoArray(y, yAt + 2 * L);
        c03.intoArray(y, yAt + 3 * L);
        c10.intoArray(y, yAt + yStride);
        c11.intoArray(y, yAt + yStride + L);
        c12.intoArray(y, yAt + yStride + 2 * L);
        c13.intoArray(y, yAt + yStride + 3 * L);
    }

    /** {@link #tile6x4} for one row of x (the rows past the last whole tile). */
    private static void tile1x4(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < in; k++) {
            int wo = wBase + k * NR;
            FloatVector b = FloatVector.broadcast(F, x[xAt + k]);
            c0 = FloatVector.fromArray(F, pw, wo).fma(b, c0);
            c1 = FloatVector.fromArray(F, pw, wo + L).fma(b, c1);
            c2 = FloatVector.fromArray(F, pw, wo + 2 * L).fma(b, c2);
            c3 = FloatVector.fromArray(F, pw, wo + 3 * L).fma(b, c3);
        }
        c0.intoArray(y, yAt);
        c1.intoArray(y, yAt + L);
        c2.intoArray(y, yAt + 2 * L);
        c3.intoArray(y, yAt + 3 * L);
    }

    /** The tile with 16 vector registers: 4 rows of x × 2 vectors of columns, 8 accumulators. */
    private static void tile4x2(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt, int yStride) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        int x0 = xAt;
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        for (int k = 0; k < in; k++) {
            int wo = wBase + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, pw, wo);
            FloatVector w1 = FloatVector.fromArray(F, pw, wo + L);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
        }
        int y0 = yAt;
        c00.intoArray(y, y0);
        c01.intoArray(y, y0 + L);
        y0 += yStride;
        c10.intoArray(y, y0);
        c11.intoArray(y, y0 + L);
        y0 += yStride;
        c20.intoArray(y, y0);
        c21.intoArray(y, y0 + L);
        y0 += yStride;
        c30.intoArray(y, y0);
        c31.intoArray(y, y0 + L);
    }

    /** {@link #tile4x2} for one row of x. */
    private static void tile1x2(float[] pw, int wBase, float[] x, int xAt, int in, float[] y, int yAt) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0;
        for (int k = 0; k < in; k++) {
            int wo = wBase + k * NR;
            FloatVector b = FloatVector.broadcast(F, x[xAt + k]);
            c0 = FloatVector.fromArray(F, pw, wo).fma(b, c0);
            c1 = FloatVector.fromArray(F, pw, wo + L).fma(b, c1);
        }
        c0.intoArray(y, yAt);
        c1.intoArray(y, yAt + L);
    }
}
