package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import dev.trident.kernels.parallel.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Scaled dot-product attention of a block of queries over a KV buffer, for one sequence:
 * {@code out = softmax(scale · q·kᵀ + bias + mask) · v} per head.
 *
 * <p>Layouts (all float32, row-major):
 * <ul>
 *   <li>{@code q}: {@code [qLen][heads][headDim]} from {@code qOff}, i.e. the Q projection output as is.</li>
 *   <li>{@code k}, {@code v}: {@code [kvLen][kvHeads][headDim]} from {@code kvOff}: the KV buffer (a cache may be
 *       larger; only the first {@code kvLen} rows are read).</li>
 *   <li>{@code out}: {@code [qLen][heads][headDim]} from {@code outOff}.</li>
 *   <li>{@code keyValid}: null (all keys real) or at least {@code kvLen} flags, false for padding keys (HF
 *       {@code attention_mask == 0}).</li>
 *   <li>{@code bias}: null or additive {@code [heads][qLen][kvLen]} from {@code biasOff} (T5's relative position
 *       bias, ALiBi, or any additive mask).</li>
 * </ul>
 * Causal: query i sits at absolute position {@code qPos0 + i} and sees keys {@code j <= qPos0 + i}; with a
 * sliding window {@code w > 0} also only {@code j > qPos0 + i - w} (HF/Mistral). Cross-attention: non-causal,
 * {@code qLen != kvLen}. Grouped-query: query head h reads kv head {@code h / (heads / kvHeads)}. A query that sees
 * no key gets zeros.
 *
 * <p>Work is split over (query, head) pairs; each pair is computed whole by one thread, so results do not
 * depend on the thread count. Score rows live in per-thread scratch; no allocation per pair.
 *
 * <p>Blocks of at least {@value #KEYS_ACROSS_MIN_QUERIES} queries (an encoder, a prefill) take the vector kernel
 * "keys across": per head the key block is transposed once into {@code [headDim][kvLen]} scratch, and
 * each query's scores come out {@code L} keys at a time as {@code headDim} FMAs of a broadcast query value, with no
 * lane reduction per key. A dot product per key spent most of its time in its reduction and call at the head sizes
 * of small encoders (32 or 64 floats: 2–4 vectors); the encoder bench measured attention at a quarter of
 * all-MiniLM-L6-v2's time that way, and a 2 000-token causal prefill was mostly such calls. That path splits over
 * heads; the choice depends on the block (its query count), never on the thread count.
 */
public final class Attention {

    /**
     * The fixed part of an attention layer, built once per model.
     *
     * @param scale         multiplier of q·k: {@code 1/sqrt(headDim)} for most models, 1 for T5
     * @param causal        decoder self-attention
     * @param slidingWindow 0 for none, else the window length (keys with {@code qPos - j < window})
     */
    public record Shape(int heads, int kvHeads, int headDim, float scale, boolean causal, int slidingWindow) {
        public Shape {
            if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("kv heads " + kvHeads + " must divide heads " + heads);
            }
            if (headDim <= 0 || slidingWindow < 0) {
                throw new IllegalArgumentException("bad head dimension " + headDim + " or window " + slidingWindow);
            }
        }

        /** Standard {@code 1/sqrt(headDim)} scaling, no window. */
        public static Shape of(int heads, int kvHeads, int headDim, boolean causal) {
            return new Shape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), causal, 0);
        }
    }

    /** Fewest queries for which the keys-across kernel's transpose of a head's keys pays for itself. */
    static final int KEYS_ACROSS_MIN_QUERIES = 4;
    /** Queries the keys-across kernel computes side by side ({@link #attendFourKeysAcross}). */
    static final int QUERY_GROUP = 4;

    private Attention() {
    }

    /** Attention of {@code qLen} queries over {@code kvLen} keys/values; see the class comment for layouts. */
    public static void attend(Shape shape, float[] q, int qOff, int qLen, int qPos0,
                              float[] k, float[] v, int kvOff, int kvLen,
                              boolean[] keyValid, float[] bias, int biasOff, float[] out, int outOff) {
        boolean scalar = Simd.SCALAR;
        run(scalar, shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen, keyValid, bias, biasOff, out, outOff);
    }

    public static void vector(Shape shape, float[] q, int qOff, int qLen, int qPos0,
                              float[] k, float[] v, int kvOff, int kvLen,
                              boolean[] keyValid, float[] bias, int biasOff, float[] out, int outOff) {
        run(false, shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen, keyValid, bias, biasOff, out, outOff);
    }

    public static void scalar(Shape shape, float[] q, int qOff, int qLen, int qPos0,
                              float[] k, float[] v, int kvOff, int kvLen,
                              boolean[] keyValid, float[] bias, int biasOff, float[] out, int outOff) {
        run(true, shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen, keyValid, bias, biasOff, out, outOff);
    }

    private static void run(boolean scalar, Shape shape, float[] q, int qOff, int qLen, int qPos0,
                            float[] k, float[] v, int kvOff, int kvLen,
                            boolean[] keyValid, float[] bias, int biasOff, float[] out, int outOff) {
        if (keyValid != null && keyValid.length < kvLen) {
            throw new IllegalArgumentException("key mask has " + keyValid.length + " flags for " + kvLen + " keys");
        }
        if (!scalar && qLen >= KEYS_ACROSS_MIN_QUERIES) {
            int heads = shape.heads();
            int minHeads = minHeadsPerChunk(qLen, kvLen, shape.headDim());
            if (!Parallel.splits(heads, minHeads)) {
                attendHeadsKeysAcross(shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen, keyValid, bias, biasOff, out,
                        outOff, 0, heads);
            } else {
                Parallel.forRange(heads, minHeads, (start, end) -> attendHeadsKeysAcross(shape, q, qOff, qLen, qPos0,
                        k, v, kvOff, kvLen, keyValid, bias, biasOff, out, outOff, start, end));
            }
            return;
        }
        int items = qLen * shape.heads();
        int minItems = minItemsPerChunk(kvLen, shape.headDim());
        if (!Parallel.splits(items, minItems)) {
            attendItems(scalar, shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen, keyValid, bias, biasOff, out, outOff,
                    0, items);
            return;
        }
        Parallel.forRange(items, minItems, (start, end) -> attendItems(scalar, shape, q, qOff, qLen, qPos0, k, v, kvOff, kvLen,
                keyValid, bias, biasOff, out, outOff, start, end));
    }

    /**
     * (query, head) items a thread chunk needs so that it does at least 64K multiply-adds (scores and values: about
     * {@code 2·kvLen·headDim} each), and 4 items: handing work to a parked pool thread costs tens of microseconds, so
     * the heads of a short decode step (a stories260K step is microseconds of attention) stay on the calling thread.
     */
    static int minItemsPerChunk(int kvLen, int headDim) {
        long perItem = Math.max(1L, 2L * kvLen * headDim);
        return (int) Math.max(4, Math.min(Integer.MAX_VALUE, (1L << 16) / perItem));
    }

    /** Heads a thread chunk of the keys-across kernel needs for 64K multiply-adds (see {@link #minItemsPerChunk}). */
    static int minHeadsPerChunk(int qLen, int kvLen, int headDim) {
        long perHead = Math.max(1L, 2L * qLen * kvLen * headDim);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (1L << 16) / perHead));
    }

    /**
     * Heads {@code [start, end)} of a block, every query, keys across the lanes: scores of keys {@code j..j+L} of
     * query i are {@code Σ_d q[i][d] · kT[d][j..j+L]} (one FMA chain in d order per score), over the query's
     * visible keys only (whole vectors of them: the causal bound and the window as in {@link #attendOne}).
     */
    private static void attendHeadsKeysAcross(Shape shape, float[] q, int qOff, int qLen, int qPos0, float[] k,
                                              float[] v, int kvOff, int kvLen, boolean[] keyValid, float[] bias,
                                              int biasOff, float[] out, int outOff, int start, int end) {
        int headDim = shape.headDim();
        int group = shape.heads() / shape.kvHeads();
        int kvStride = shape.kvHeads() * headDim;
        // Keys padded with zeros to whole vectors: the padded lanes' scores are computed and never read.
        int paddedKeys = (kvLen + L - 1) / L * L;
        Scratch scratch = Scratch.get();
        float[] keysT = scratch.keysTransposed(headDim * paddedKeys);
        float[] scores = scratch.scores(QUERY_GROUP * paddedKeys);
        int transposedHead = -1;
        for (int h = start; h < end; h++) {
            int kvHead = h / group;
            if (kvHead != transposedHead) {
                for (int d = 0; d < headDim; d++) {
                    int row = d * paddedKeys;
                    int src = kvOff + kvHead * headDim + d;
                    for (int j = 0; j < kvLen; j++, src += kvStride) {
                        keysT[row + j] = k[src];
                    }
                    Arrays.fill(keysT, row + kvLen, row + paddedKeys, 0f);
                }
                transposedHead = kvHead;
            }
            int i = 0;
            for (; i + QUERY_GROUP <= qLen; i += QUERY_GROUP) {
                attendFourKeysAcross(shape, q, qOff, qLen, qPos0, i, h, kvHead, keysT, paddedKeys, v, kvOff, kvLen,
                        keyValid, bias, biasOff, out, outOff, scores);
            }
            for (; i < qLen; i++) {
                attendOneKeysAcross(shape, q, qOff, qLen, qPos0, i, h, kvHead, keysT, paddedKeys, v, kvOff, kvLen,
                        keyValid, bias, biasOff, out, outOff, scores);
            }
        }
    }

    /**
     * Query i of head h against the transposed keys: scores {@code L} keys at a time, bias and mask, softmax, then
     * the weighted sum of values (scores from {@code scores[0]}).
     */
    private static void attendOneKeysAcross(Shape shape, float[] q, int qOff, int qLen, int qPos0, int i, int h,
                                            int kvHead, float[] keysT, int paddedKeys, float[] v, int kvOff,
                                            int kvLen, boolean[] keyValid, float[] bias, int biasOff, float[] out,
                                            int outOff, float[] scores) {
        int headDim = shape.headDim();
        int kvStride = shape.kvHeads() * headDim;
        int qStride = shape.heads() * headDim;
        int qBase = qOff + i * qStride + h * headDim;
        int outBase = outOff + i * qStride + h * headDim;
        int lo = firstVisibleKey(shape, qPos0 + i);
        int hi = endOfVisibleKeys(shape, qPos0 + i, kvLen);
        if (hi <= lo) {
            Arrays.fill(out, outBase, outBase + headDim, 0f);
            return;
        }
        for (int j0 = lo / L * L; j0 < hi; j0 += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0, row = j0; d < headDim; d++, row += paddedKeys) {
                acc = FloatVector.fromArray(F, keysT, row).fma(FloatVector.broadcast(F, q[qBase + d]), acc);
            }
            acc.mul(shape.scale()).intoArray(scores, j0);
        }
        biasMaskSoftmax(shape, qLen, i, h, lo, hi, kvLen, keyValid, bias, biasOff, scores, 0);
        // out = Σ_j p_j·v_j, one vector of columns at a time held in a register across the keys: the same
        // FMA chain per element as an Axpy per key, without loading and storing out for every key.
        int vHead = kvOff + kvHead * headDim;
        int d0 = 0;
        for (; d0 <= headDim - L; d0 += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = lo, vRow = vHead + lo * kvStride + d0; j < hi; j++, vRow += kvStride) {
                float p = scores[j];
                if (p != 0f) {
                    acc = FloatVector.fromArray(F, v, vRow).fma(FloatVector.broadcast(F, p), acc);
                }
            }
            acc.intoArray(out, outBase + d0);
        }
        valuesTail(headDim, d0, lo, hi, vHead, kvStride, v, scores, 0, out, outBase);
    }

    /**
     * Queries {@code i..i+3} of head h, each exactly as {@link #attendOneKeysAcross} computes it (bitwise), side by
     * side: one query's score and value sums are single FMA chains (32 FMAs of latency 4 for a 32-wide head), so
     * four of them in flight keep the FMA units busy where one left them mostly waiting. Query g's scores are at
     * {@code scores[g·paddedKeys ..]}, zero outside its visible keys, so the keys all four see are walked once.
     */
    private static void attendFourKeysAcross(Shape shape, float[] q, int qOff, int qLen, int qPos0, int i, int h,
                                             int kvHead, float[] keysT, int paddedKeys, float[] v, int kvOff,
                                             int kvLen, boolean[] keyValid, float[] bias, int biasOff, float[] out,
                                             int outOff, float[] scores) {
        int headDim = shape.headDim();
        int kvStride = shape.kvHeads() * headDim;
        int qStride = shape.heads() * headDim;
        int lo0 = firstVisibleKey(shape, qPos0 + i);
        int lo1 = firstVisibleKey(shape, qPos0 + i + 1);
        int lo2 = firstVisibleKey(shape, qPos0 + i + 2);
        int lo3 = firstVisibleKey(shape, qPos0 + i + 3);
        int hi0 = endOfVisibleKeys(shape, qPos0 + i, kvLen);
        int hi1 = endOfVisibleKeys(shape, qPos0 + i + 1, kvLen);
        int hi2 = endOfVisibleKeys(shape, qPos0 + i + 2, kvLen);
        int hi3 = endOfVisibleKeys(shape, qPos0 + i + 3, kvLen);
        if (hi0 <= lo0 || hi1 <= lo1 || hi2 <= lo2 || hi3 <= lo3) {
            for (int g = 0; g < QUERY_GROUP; g++) {
                attendOneKeysAcross(shape, q, qOff, qLen, qPos0, i + g, h, kvHead, keysT, paddedKeys, v, kvOff,
                        kvLen, keyValid, bias, biasOff, out, outOff, scores);
            }
            return;
        }
        int lo = Math.min(Math.min(lo0, lo1), Math.min(lo2, lo3));
        int hi = Math.max(Math.max(hi0, hi1), Math.max(hi2, hi3));
        int q0 = qOff + i * qStride + h * headDim;
        int q1 = q0 + qStride;
        int q2 = q1 + qStride;
        int q3 = q2 + qStride;
        int s1 = paddedKeys;
        int s2 = 2 * paddedKeys;
        int s3 = 3 * paddedKeys;
        for (int j0 = lo / L * L; j0 < hi; j0 += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int d = 0, row = j0; d < headDim; d++, row += paddedKeys) {
                FloatVector kt = FloatVector.fromArray(F, keysT, row);
                a0 = kt.fma(FloatVector.broadcast(F, q[q0 + d]), a0);
                a1 = kt.fma(FloatVector.broadcast(F, q[q1 + d]), a1);
                a2 = kt.fma(FloatVector.broadcast(F, q[q2 + d]), a2);
                a3 = kt.fma(FloatVector.broadcast(F, q[q3 + d]), a3);
            }
            a0.mul(shape.scale()).intoArray(scores, j0);
            a1.mul(shape.scale()).intoArray(scores, s1 + j0);
            a2.mul(shape.scale()).intoArray(scores, s2 + j0);
            a3.mul(shape.scale()).intoArray(scores, s3 + j0);
        }
        biasMaskSoftmax(shape, qLen, i, h, lo0, hi0, kvLen, keyValid, bias, biasOff, scores, 0);
        biasMaskSoftmax(shape, qLen, i + 1, h, lo1, hi1, kvLen, keyValid, bias, biasOff, scores, s1);
        biasMaskSoftmax(shape, qLen, i + 2, h, lo2, hi2, kvLen, keyValid, bias, biasOff, scores, s2);
        biasMaskSoftmax(shape, qLen, i + 3, h, lo3, hi3, kvLen, keyValid, bias, biasOff, scores, s3);
        zeroOutside(scores, 0, lo, lo0, hi0, hi);
        zeroOutside(scores, s1, lo, lo1, hi1, hi);
        zeroOutside(scores, s2, lo, lo2, hi2, hi);
        zeroOutside(scores, s3, lo, lo3, hi3, hi);
        int vHead = kvOff + kvHead * headDim;
        int o0 = outOff + i * qStride + h * headDim;
        int o1 = o0 + qStride;
        int o2 = o1 + qStride;
        int o3 = o2 + qStride;
        int d0 = 0;
        for (; d0 <= headDim - L; d0 += L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = lo, vRow = vHead + lo * kvStride + d0; j < hi; j++, vRow += kvStride) {
                FloatVector vv = FloatVector.fromArray(F, v, vRow);
                float p0 = scores[j];
                float p1 = scores[s1 + j];
                float p2 = scores[s2 + j];
                float p3 = scores[s3 + j];
                if (p0 != 0f) {
                    a0 = vv.fma(FloatVector.broadcast(F, p0), a0);
                }
                if (p1 != 0f) {
                    a1 = vv.fma(FloatVector.broadcast(F, p1), a1);
                }
                if (p2 != 0f) {
                    a2 = vv.fma(FloatVector.broadcast(F, p2), a2);
                }
                if (p3 != 0f) {
                    a3 = vv.fma(FloatVector.broadcast(F, p3), a3);
                }
            }
            a0.intoArray(out, o0 + d0);
            a1.intoArray(out, o1 + d0);
            a2.intoArray(out, o2 + d0);
            a3.intoArray(out, o3 + d0);
        }
        valuesTail(headDim, d0, lo0, hi0, vHead, kvStride, v, scores, 0, out, o0);
        valuesTail(headDim, d0, lo1, hi1, vHead, kvStride, v, scores, s1, out, o1);
        valuesTail(headDim, d0, lo2, hi2, vHead, kvStride, v, scores, s2, out, o2);
        valuesTail(headDim, d0, lo3, hi3, vHead, kvStride, v, scores, s3, out, o3);
    }

    /** Adds the bias, masks padding keys and applies the softmax to {@code scores[row + lo .. row + hi)}. */
    private static void biasMaskSoftmax(Shape shape, int qLen, int i, int h, int lo, int hi, int kvLen,
                                        boolean[] keyValid, float[] bias, int biasOff, float[] scores, int row) {
        if (bias != null) {
            int biasRow = biasOff + (h * qLen + i) * kvLen;
            for (int j = lo; j < hi; j++) {
                scores[row + j] += bias[biasRow + j];
            }
        }
        if (keyValid != null) {
            for (int j = lo; j < hi; j++) {
                if (!keyValid[j]) {
                    scores[row + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        Softmax.vector(scores, row + lo, hi - lo);
    }

    /** Zero probabilities for keys {@code [from, lo)} and {@code [hi, to)}: keys the group sees but this query not. */
    private static void zeroOutside(float[] scores, int row, int from, int lo, int hi, int to) {
        Arrays.fill(scores, row + from, row + lo, 0f);
        Arrays.fill(scores, row + hi, row + to, 0f);
    }

    /** The columns past the last whole vector ({@code d0..headDim}): Axpy's scalar tail, key by key. */
    private static void valuesTail(int headDim, int d0, int lo, int hi, int vHead, int kvStride, float[] v,
                                   float[] scores, int row, float[] out, int outBase) {
        if (d0 >= headDim) {
            return;
        }
        Arrays.fill(out, outBase + d0, outBase + headDim, 0f);
        for (int j = lo, vRow = vHead + lo * kvStride; j < hi; j++, vRow += kvStride) {
            float p = scores[row + j];
            if (p != 0f) {
                Axpy.scalar(p, v, vRow + d0, out, outBase + d0, headDim - d0);
            }
        }
    }

    /** The first key a query at absolute {@code position} sees: the sliding window's start, else 0. */
    private static int firstVisibleKey(Shape shape, int position) {
        return shape.causal() && shape.slidingWindow() > 0 ? Math.max(0, position - shape.slidingWindow() + 1) : 0;
    }

    /** One past the last key a query at absolute {@code position} sees: itself when causal, else all. */
    private static int endOfVisibleKeys(Shape shape, int position, int kvLen) {
        return shape.causal() ? Math.min(kvLen, position + 1) : kvLen;
    }

    /** (query, head) pairs {@code [start, end)}, item = query · heads + head. */
    private static void attendItems(boolean scalar, Shape shape, float[] q, int qOff, int qLen, int qPos0,
                                    float[] k, float[] v, int kvOff, int kvLen, boolean[] keyValid,
                                    float[] bias, int biasOff, float[] out, int outOff, int start, int end) {
        float[] scores = Scratch.get().scores(kvLen);
        for (int item = start; item < end; item++) {
            int i = item / shape.heads();
            int h = item % shape.heads();
            attendOne(scalar, shape, q, qOff, qLen, qPos0, i, h, k, v, kvOff, kvLen, keyValid, bias, biasOff,
                    out, outOff, scores);
        }
    }

    /** Query i, head h: scores over the visible key range, softmax, weighted sum of values. */
    private static void attendOne(boolean scalar, Shape shape, float[] q, int qOff, int qLen, int qPos0, int i, int h,
                                  float[] k, float[] v, int kvOff, int kvLen, boolean[] keyValid,
                                  float[] bias, int biasOff, float[] out, int outOff, float[] scores) {
        int headDim = shape.headDim();
        int kvHead = h / (shape.heads() / shape.kvHeads());
        int kvStride = shape.kvHeads() * headDim;
        int qBase = qOff + (i * shape.heads() + h) * headDim;
        int outBase = outOff + (i * shape.heads() + h) * headDim;
        // Visible keys [lo, hi): causal and window bounds shrink the range instead of masking it.
        int lo = firstVisibleKey(shape, qPos0 + i);
        int hi = endOfVisibleKeys(shape, qPos0 + i, kvLen);
        Arrays.fill(out, outBase, outBase + headDim, 0f);
        if (hi <= lo) {
            return;
        }
        int n = hi - lo;
        int biasRow = bias == null ? 0 : biasOff + (h * qLen + i) * kvLen;
        for (int j = lo; j < hi; j++) {
            int kBase = kvOff + j * kvStride + kvHead * headDim;
            float s = (scalar ? Dot.scalar(q, qBase, k, kBase, headDim) : Dot.vector(q, qBase, k, kBase, headDim))
                    * shape.scale();
            if (bias != null) {
                s += bias[biasRow + j];
            }
            if (keyValid != null && !keyValid[j]) {
                s = Float.NEGATIVE_INFINITY;
            }
            scores[j - lo] = s;
        }
        if (scalar) {
            Softmax.scalar(scores, 0, n);
        } else {
            Softmax.vector(scores, 0, n);
        }
        for (int j = lo; j < hi; j++) {
            float p = scores[j - lo];
            if (p == 0f) {
                continue;
            }
            int vBase = kvOff + j * kvStride + kvHead * headDim;
            if (scalar) {
                Axpy.scalar(p, v, vBase, out, outBase, headDim);
            } else {
                Axpy.vector(p, v, vBase, out, outBase, headDim);
            }
        }
    }
}
