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
 * <p>Vector kernel, register-tiled over packed panels (GotoBLAS-style, vectors along the activation rows):
 * <ul>
 *   <li>X is packed once per call into panels of {@code 4·L} rows, transposed so one k step of a panel is
 *       {@code 4·L} contiguous floats (rows past {@code m} are zero).</li>
 *   <li>The weight rows are cut into units of {@value #UNIT_ROWS}; units are split across threads. A unit walks K
 *       in blocks of {@value #K_BLOCK}: the weight block is decoded to F32 once ({@code UNIT_ROWS × K_BLOCK},
 *       about L2-sized) and reused by every activation panel.</li>
 *   <li>Micro-kernel: 4 weight rows × 4 vectors of activation rows = 16 FMA accumulators in registers; per k it
 *       loads 4 activation vectors and broadcasts 4 weights (16 FMAs per 8 loads).</li>
 * </ul>
 * Every output element is one FMA chain in k order (block by block), whatever the unit split or the tile
 * variant at the edges, so results do not depend on the thread count.
 *
 * <p>Scratch panels are per thread and reused ({@link Scratch}); the tile loops allocate nothing.
 */
public final class MatMul {

    /** Weight rows per unit of parallel work (a multiple of the 4-row tile). */
    static final int UNIT_ROWS = 64;
    /** K block: the activation panel ({@code K_BLOCK × 4L} floats) stays in L1, the weight block in L2. */
    static final int K_BLOCK = 128;
    /** Activation rows per panel: the 4 vectors of the micro-tile. */
    static final int PANEL_ROWS = 4 * L;

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
        int panels = (m + PANEL_ROWS - 1) / PANEL_ROWS;
        int paddedRows = panels * PANEL_ROWS;
        float[] packedX = Scratch.get().packedActivations(paddedRows * in);
        Parallel.forRange(panels, 4, (start, end) -> {
            for (int p = start; p < end; p++) {
                packActivationPanel(x, xOff, m, in, p, packedX);
            }
        });
        int units = (out + UNIT_ROWS - 1) / UNIT_ROWS;
        Parallel.forRange(units, 1, (start, end) -> {
            Scratch scratch = Scratch.get();
            float[] packedW = scratch.packedWeights(UNIT_ROWS * K_BLOCK);
            float[] acc = scratch.accumulators(UNIT_ROWS * paddedRows);
            for (int u = start; u < end; u++) {
                computeUnit(w, u * UNIT_ROWS, Math.min(UNIT_ROWS, out - u * UNIT_ROWS), in, out, packedX, m,
                        paddedRows, packedW, acc, y, yOff);
            }
        });
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

    /** Panel {@code p}: packed[(p·in + k)·PANEL_ROWS + r] = x[row p·PANEL_ROWS + r][k], zero past {@code m}. */
    private static void packActivationPanel(float[] x, int xOff, int m, int in, int p, float[] packed) {
        int base = p * in * PANEL_ROWS;
        for (int r = 0; r < PANEL_ROWS; r++) {
            int row = p * PANEL_ROWS + r;
            if (row < m) {
                int src = xOff + row * in;
                for (int k = 0; k < in; k++) {
                    packed[base + k * PANEL_ROWS + r] = x[src + k];
                }
            } else {
                for (int k = 0; k < in; k++) {
                    packed[base + k * PANEL_ROWS + r] = 0f;
                }
            }
        }
    }

    /**
     * Weight rows {@code [row0, row0 + rows)} against all activation rows. Accumulators live transposed in
     * {@code acc[j·paddedRows + r]} (weight row j of the unit, activation row r) so the tiles load them as vectors.
     */
    private static void computeUnit(Tensor w, int row0, int rows, int in, int out, float[] packedX, int m,
                                    int paddedRows, float[] packedW, float[] acc, float[] y, int yOff) {
        int tileRows = (rows + 3) & ~3;
        Arrays.fill(acc, 0, tileRows * paddedRows, 0f);
        int panels = paddedRows / PANEL_ROWS;
        for (int k0 = 0; k0 < in; k0 += K_BLOCK) {
            int kc = Math.min(K_BLOCK, in - k0);
            decodeWeightBlock(w, row0, rows, tileRows, in, k0, kc, packedW);
            for (int p = 0; p < panels; p++) {
                int xBase = (p * in + k0) * PANEL_ROWS;
                int liveRows = Math.min(PANEL_ROWS, m - p * PANEL_ROWS);
                for (int j = 0; j < tileRows; j += 4) {
                    int accBase = j * paddedRows + p * PANEL_ROWS;
                    if (liveRows > 3 * L) {
                        tile4x4(packedX, xBase, packedW, j * K_BLOCK, kc, acc, accBase, paddedRows);
                    } else {
                        // Last, partly filled panel: only the vectors holding live rows (same FMA chain per element).
                        for (int v = 0; v * L < liveRows; v++) {
                            tile4x1(packedX, xBase + v * L, packedW, j * K_BLOCK, kc, acc, accBase + v * L, paddedRows);
                        }
                    }
                }
            }
        }
        for (int r = 0; r < m; r++) {
            int dst = yOff + r * out + row0;
            for (int j = 0; j < rows; j++) {
                y[dst + j] = acc[j * paddedRows + r];
            }
        }
    }

    /** packedW[j·K_BLOCK + kk] = W[row0 + j][k0 + kk] as F32; rows past {@code rows} up to the tile are zero. */
    private static void decodeWeightBlock(Tensor w, int row0, int rows, int tileRows, int in, int k0, int kc,
                                          float[] packedW) {
        MemorySegment data = w.data();
        for (int j = 0; j < rows; j++) {
            long row = row0 + j;
            int dst = j * K_BLOCK;
            switch (w.dtype()) {
                case F32 -> MemorySegment.copy(data, Tensor.F32_LE, (row * in + k0) * 4, packedW, dst, kc);
                case BF16 -> Convert.bf16ToF32Vector(data, (row * in + k0) * 2, packedW, dst, kc);
                case F16 -> Convert.f16ToF32Vector(data, (row * in + k0) * 2, packedW, dst, kc);
                case Q8_0 -> Convert.q8_0ToF32Vector(data, (row * in + k0) / Q8_0.BLOCK * Q8_0.BLOCK_BYTES,
                        packedW, dst, kc / Q8_0.BLOCK);
            }
        }
        for (int j = rows; j < tileRows; j++) {
            Arrays.fill(packedW, j * K_BLOCK, j * K_BLOCK + kc, 0f);
        }
    }

    /**
     * The register tile: 4 weight rows (broadcast) × 4 vectors of activation rows, {@code kc} k steps.
     * {@code acc[accBase + i·accStride + v·L ..]} holds the (transposed) outputs of weight row i, vector v.
     */
    private static void tile4x4(float[] px, int xBase, float[] pw, int wBase, int kc, float[] acc, int accBase,
                                int accStride) {
        int a0 = accBase;
        int a1 = accBase + accStride;
        int a2 = accBase + 2 * accStride;
        int a3 = accBase + 3 * accStride;
        FloatVector c00 = FloatVector.fromArray(F, acc, a0), c01 = FloatVector.fromArray(F, acc, a0 + L);
        FloatVector c02 = FloatVector.fromArray(F, acc, a0 + 2 * L), c03 = FloatVector.fromArray(F, acc, a0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, acc, a1), c11 = FloatVector.fromArray(F, acc, a1 + L);
        FloatVector c12 = FloatVector.fromArray(F, acc, a1 + 2 * L), c13 = FloatVector.fromArray(F, acc, a1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, a2), c21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector c22 = FloatVector.fromArray(F, acc, a2 + 2 * L), c23 = FloatVector.fromArray(F, acc, a2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, acc, a3), c31 = FloatVector.fromArray(F, acc, a3 + L);
        FloatVector c32 = FloatVector.fromArray(F, acc, a3 + 2 * L), c33 = FloatVector.fromArray(F, acc, a3 + 3 * L);
        int w0 = wBase;
        int w1 = wBase + K_BLOCK;
        int w2 = wBase + 2 * K_BLOCK;
        int w3 = wBase + 3 * K_BLOCK;
        for (int kk = 0; kk < kc; kk++) {
            int xo = xBase + kk * PANEL_ROWS;
            FloatVector x0 = FloatVector.fromArray(F, px, xo);
            FloatVector x1 = FloatVector.fromArray(F, px, xo + L);
            FloatVector x2 = FloatVector.fromArray(F, px, xo + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, px, xo + 3 * L);
            FloatVector b = FloatVector.broadcast(F, pw[w0 + kk]);
            c00 = x0.fma(b, c00);
            c01 = x1.fma(b, c01);
            c02 = x2.fma(b, c02);
            c03 = x3.fma(b, c03);
            b = FloatVector.broadcast(F, pw[w1 + kk]);
            c10 = x0.fma(b, c10);
            c11 = x1.fma(b, c11);
            c12 = x2.fma(b, c12);
            c13 = x3.fma(b, c13);
            b = FloatVector.broadcast(F, pw[w2 + kk]);
            c20 = x0.fma(b, c20);
            c21 = x1.fma(b, c21);
            c22 = x2.fma(b, c22);
            c23 = x3.fma(b, c23);
            b = FloatVector.broadcast(F, pw[w3 + kk]);
            c30 = x0.fma(b, c30);
            c31 = x1.fma(b, c31);
            c32 = x2.fma(b, c32);
            c33 = x3.fma(b, c33);
        }
        c00.intoArray(acc, a0);
        c01.intoArray(acc, a0 + L);
        c02.intoArray(acc, a0 + 2 * L);
        c03.intoArray(acc, a0 + 3 * L);
        c10.intoArray(acc, a1);
        c11.intoArray(acc, a1 + L);
        c12.intoArray(acc, a1 + 2 * L);
        c13.intoArray(acc, a1 + 3 * L);
        c20.intoArray(acc, a2);
        c21.intoArray(acc, a2 + L);
        c22.intoArray(acc, a2 + 2 * L);
        c23.intoArray(acc, a2 + 3 * L);
        c30.intoArray(acc, a3);
        c31.intoArray(acc, a3 + L);
        c32.intoArray(acc, a3 + 2 * L);
        c33.intoArray(acc, a3 + 3 * L);
    }

    /** Edge tile: 4 weight rows × 1 vector of activation rows (the same per-element FMA chain as {@link #tile4x4}). */
    private static void tile4x1(float[] px, int xBase, float[] pw, int wBase, int kc, float[] acc, int accBase,
                                int accStride) {
        FloatVector c0 = FloatVector.fromArray(F, acc, accBase);
        FloatVector c1 = FloatVector.fromArray(F, acc, accBase + accStride);
        FloatVector c2 = FloatVector.fromArray(F, acc, accBase + 2 * accStride);
        FloatVector c3 = FloatVector.fromArray(F, acc, accBase + 3 * accStride);
        for (int kk = 0; kk < kc; kk++) {
            FloatVector x0 = FloatVector.fromArray(F, px, xBase + kk * PANEL_ROWS);
            c0 = x0.fma(FloatVector.broadcast(F, pw[wBase + kk]), c0);
            c1 = x0.fma(FloatVector.broadcast(F, pw[wBase + K_BLOCK + kk]), c1);
            c2 = x0.fma(FloatVector.broadcast(F, pw[wBase + 2 * K_BLOCK + kk]), c2);
            c3 = x0.fma(FloatVector.broadcast(F, pw[wBase + 3 * K_BLOCK + kk]), c3);
        }
        c0.intoArray(acc, accBase);
        c1.intoArray(acc, accBase + accStride);
        c2.intoArray(acc, accBase + 2 * accStride);
        c3.intoArray(acc, accBase + 3 * accStride);
    }
}
