package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Rotary position embeddings: the inverse frequencies (default, linear scaling, Llama 3 scaling, as HF's
 * {@code modeling_rope_utils}), a precomputed cos/sin {@link Table}, and the rotation in both layouts.
 *
 * <ul>
 *   <li>{@link Layout#HALF}: HF Llama's {@code rotate_half}: dimension i pairs with i + rotaryDim/2.</li>
 *   <li>{@link Layout#INTERLEAVED}: GPT-J/Meta-checkpoint pairs: dimension 2i pairs with 2i + 1.</li>
 * </ul>
 * Only the first {@code rotaryDim} dimensions of each head rotate (partial rotary); the rest pass through.
 * Numbers follow HF in float32: {@code freq = (float) position · invFreq}, then cos/sin of that float, times the
 * attention factor.
 */
public final class Rope {

    /** Which dimensions form a rotation pair. */
    public enum Layout { HALF, INTERLEAVED }

    private Rope() {
    }

    /**
     * Default inverse frequencies {@code 1 / base^(2i / rotaryDim)} for {@code i < rotaryDim/2}, in float32 as HF's
     * {@code _compute_default_rope_parameters} ({@code arange(0, dim, 2).float() / dim}, then float pow).
     */
    public static float[] inverseFrequencies(int rotaryDim, double base) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotary dimension must be even and positive, got " + rotaryDim);
        }
        float[] inv = new float[rotaryDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) rotaryDim;
            inv[i] = 1f / (float) Math.pow((float) base, exponent);
        }
        return inv;
    }

    /** HF "linear" rope scaling: every inverse frequency divided by {@code factor} (positions stretched). */
    public static float[] linearScaled(float[] invFreq, double factor) {
        float[] out = new float[invFreq.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = invFreq[i] / (float) factor;
        }
        return out;
    }

    /**
     * HF "llama3" rope scaling, {@code _compute_llama3_parameters}, step for step in float32: wavelengths longer
     * than {@code original / lowFreqFactor} are divided by {@code factor}, shorter than
     * {@code original / highFreqFactor} kept, and the band between blended smoothly.
     */
    public static float[] llama3Scaled(float[] invFreq, double factor, double lowFreqFactor, double highFreqFactor,
                                       int originalMaxPositions) {
        float f = (float) factor;
        float low = (float) lowFreqFactor;
        float high = (float) highFreqFactor;
        float oldContext = originalMaxPositions;
        float lowFreqWavelen = oldContext / low;
        float highFreqWavelen = oldContext / high;
        float[] out = new float[invFreq.length];
        for (int i = 0; i < out.length; i++) {
            float wavelen = (float) (2 * Math.PI) / invFreq[i];
            float scaled = wavelen > lowFreqWavelen ? invFreq[i] / f : invFreq[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / f + smooth * scaled;
            }
            out[i] = scaled;
        }
        return out;
    }

    /**
     * cos/sin for positions {@code [0, maxPositions)}, laid out for one {@link Layout}. HALF: {@code cos[p·h + i]}
     * for {@code h = rotaryDim/2}; INTERLEAVED: per dimension, {@code cos[p·rotaryDim + 2i] = cos[.. + 2i + 1]} and
     * the sine signed {@code -sin, +sin} so the vector kernel is one multiply-add with a pair swap.
     */
    public static final class Table {
        final Layout layout;
        final int rotaryDim;
        final int maxPositions;
        final float[] cos;
        final float[] sin;

        public Table(float[] invFreq, int maxPositions, Layout layout, float attentionFactor) {
            this.layout = layout;
            this.rotaryDim = invFreq.length * 2;
            this.maxPositions = maxPositions;
            int half = invFreq.length;
            int stride = layout == Layout.HALF ? half : rotaryDim;
            this.cos = new float[maxPositions * stride];
            this.sin = new float[maxPositions * stride];
            for (int p = 0; p < maxPositions; p++) {
                for (int i = 0; i < half; i++) {
                    float freq = (float) p * invFreq[i];
                    float c = (float) Math.cos(freq) * attentionFactor;
                    float s = (float) Math.sin(freq) * attentionFactor;
                    if (layout == Layout.HALF) {
                        cos[p * stride + i] = c;
                        sin[p * stride + i] = s;
                    } else {
                        cos[p * stride + 2 * i] = c;
                        cos[p * stride + 2 * i + 1] = c;
                        sin[p * stride + 2 * i] = -s;
                        sin[p * stride + 2 * i + 1] = s;
                    }
                }
            }
        }

        public Table(float[] invFreq, int maxPositions, Layout layout) {
            this(invFreq, maxPositions, layout, 1f);
        }

        public Layout layout() {
            return layout;
        }

        public int rotaryDim() {
            return rotaryDim;
        }

        public int maxPositions() {
            return maxPositions;
        }
    }

    /**
     * Rotates {@code heads} heads of one token in place: head h is {@code x[off + h·headDim .. + headDim)}, its
     * first {@code table.rotaryDim()} dimensions rotated for {@code position} in the table's layout.
     */
    public static void apply(float[] x, int off, int heads, int headDim, int position, Table table) {
        if (Simd.SCALAR) {
            scalar(x, off, heads, headDim, position, table);
        } else {
            vector(x, off, heads, headDim, position, table);
        }
    }

    public static void vector(float[] x, int off, int heads, int headDim, int position, Table table) {
        check(headDim, position, table);
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            if (table.layout == Layout.HALF) {
                halfVector(x, base, position, table);
            } else {
                interleavedVector(x, base, position, table);
            }
        }
    }

    public static void scalar(float[] x, int off, int heads, int headDim, int position, Table table) {
        check(headDim, position, table);
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            if (table.layout == Layout.HALF) {
                halfScalar(x, base, position, table);
            } else {
                interleavedScalar(x, base, position, table);
            }
        }
    }

    private static void check(int headDim, int position, Table table) {
        if (table.rotaryDim > headDim) {
            throw new IllegalArgumentException("rotary dimension " + table.rotaryDim + " exceeds head dimension " + headDim);
        }
        if (position < 0 || position >= table.maxPositions) {
            throw new IllegalArgumentException("position " + position + " outside the rope table [0, "
                    + table.maxPositions + ")");
        }
    }

    // out1 = x1·cos - x2·sin, out2 = x2·cos + x1·sin (HF: q·cos + rotate_half(q)·sin).
    static void halfVector(float[] x, int base, int position, Table table) {
        int half = table.rotaryDim / 2;
        int t = position * half;
        int i = 0;
        for (; i <= half - L; i += L) {
            FloatVector x1 = FloatVector.fromArray(F, x, base + i);
            FloatVector x2 = FloatVector.fromArray(F, x, base + half + i);
            FloatVector c = FloatVector.fromArray(F, table.cos, t + i);
            FloatVector s = FloatVector.fromArray(F, table.sin, t + i);
            x1.mul(c).sub(x2.mul(s)).intoArray(x, base + i);
            x2.mul(c).add(x1.mul(s)).intoArray(x, base + half + i);
        }
        for (; i < half; i++) {
            rotatePair(x, base + i, base + half + i, table.cos[t + i], table.sin[t + i]);
        }
    }

    static void halfScalar(float[] x, int base, int position, Table table) {
        int half = table.rotaryDim / 2;
        int t = position * half;
        for (int i = 0; i < half; i++) {
            rotatePair(x, base + i, base + half + i, table.cos[t + i], table.sin[t + i]);
        }
    }

    private static void rotatePair(float[] x, int first, int second, float c, float s) {
        float x1 = x[first];
        float x2 = x[second];
        x[first] = x1 * c - x2 * s;
        x[second] = x2 * c + x1 * s;
    }

    /** Swaps lanes 2i and 2i+1: turns (x0, x1) into (x1, x0) for the signed-sine product. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, lane -> lane ^ 1);

    static void interleavedVector(float[] x, int base, int position, Table table) {
        int dim = table.rotaryDim;
        int t = position * dim;
        int i = 0;
        for (; i <= dim - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, base + i);
            FloatVector c = FloatVector.fromArray(F, table.cos, t + i);
            FloatVector s = FloatVector.fromArray(F, table.sin, t + i);
            v.mul(c).add(v.rearrange(SWAP_PAIRS).mul(s)).intoArray(x, base + i);
        }
        for (; i < dim; i += 2) {
            rotatePair(x, base + i, base + i + 1, table.cos[t + i], table.sin[t + i + 1]);
        }
    }

    static void interleavedScalar(float[] x, int base, int position, Table table) {
        int dim = table.rotaryDim;
        int t = position * dim;
        for (int i = 0; i < dim; i += 2) {
            rotatePair(x, base + i, base + i + 1, table.cos[t + i], table.sin[t + i + 1]);
        }
    }
}
