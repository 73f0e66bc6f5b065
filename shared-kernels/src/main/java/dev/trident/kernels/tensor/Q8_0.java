package dev.trident.kernels.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Quantization to GGUF's Q8_0 (see {@link DType#Q8_0}), done once at load.
 *
 * <p>Per block of 32 consecutive values along the last dimension: {@code d = max|x| / 127}, stored as float16, and
 * {@code q = round(x / d)} with the unrounded {@code d} and rounding half away from zero, exactly as ggml's
 * {@code quantize_row_q8_0_ref}, so that blocks are bit-identical to llama.cpp's. Dequantized value: {@code fp16(d) * q}.
 *
 * <p>Error bound per element: {@code |x - fp16(d) q| <= d/2 + 127 |d - fp16(d)|}, i.e. about
 * {@code max|x| (1/254 + 1/2048)} for normal float16 scales; see {@link #errorBound(float)}.
 */
public final class Q8_0 {

    public static final int BLOCK = DType.Q8_0_BLOCK;
    public static final int BLOCK_BYTES = 34;
    /** float16's largest finite value times 127: blocks beyond it cannot be represented. */
    public static final float MAX_ABS = 65504f * 127f;

    private Q8_0() {
    }

    /** Whether {@code tensor} can be quantized: an F32/F16/BF16 tensor whose last dimension is a multiple of 32. */
    public static boolean canQuantize(Tensor tensor) {
        return tensor.dtype() != DType.Q8_0 && tensor.rank() >= 1 && tensor.dim(-1) % BLOCK == 0;
    }

    /**
     * {@code source} quantized into a new segment of {@code arena}. Non-finite values and blocks too large for a
     * float16 scale are refused (naming the tensor and element), since they would dequantize to garbage silently.
     */
    public static Tensor quantize(Tensor source, Arena arena) {
        if (!canQuantize(source)) {
            throw new IllegalArgumentException("tensor " + source + " cannot be quantized to Q8_0: needs an"
                    + " F32/F16/BF16 tensor whose last dimension is a multiple of " + BLOCK);
        }
        long n = source.elementCount();
        MemorySegment out = arena.allocate(DType.Q8_0.byteSize(n), 64);
        float[] block = new float[BLOCK];
        for (long b = 0; b < n / BLOCK; b++) {
            for (int i = 0; i < BLOCK; i++) {
                float x = source.getFloat(b * BLOCK + i);
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException("tensor " + source + " has a non-finite value " + x
                            + " at element " + (b * BLOCK + i) + "; refusing to quantize it");
                }
                block[i] = x;
            }
            if (!quantizeBlock(block, 0, out, b * DType.Q8_0.blockBytes)) {
                throw new IllegalArgumentException("tensor " + source + " has a block (elements " + b * BLOCK + ".."
                        + (b * BLOCK + BLOCK - 1) + ") with max|x| above " + MAX_ABS + ", beyond a float16 scale");
            }
        }
        return new Tensor(source.name(), DType.Q8_0, source.shape(), out);
    }

    /** Quantizes 32 finite floats from {@code src[offset..]} into 34 bytes at {@code dst[dstOffset..]}; false if too large. */
    public static boolean quantizeBlock(float[] src, int offset, MemorySegment dst, long dstOffset) {
        float amax = 0f;
        for (int i = 0; i < BLOCK; i++) {
            amax = Math.max(amax, Math.abs(src[offset + i]));
        }
        if (amax > MAX_ABS) {
            return false;
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(Tensor.I16_LE, dstOffset, Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK; i++) {
            float v = src[offset + i] * id;
            // roundf: half away from zero (Math.round rounds half up, which differs for negative halves).
            int q = (int) Math.copySign((float) Math.floor(Math.abs(v) + 0.5f), v);
            q = Math.max(-127, Math.min(127, q));
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + 2 + i, (byte) q);
        }
        return true;
    }

    /**
     * Quantizes {@code count} values {@code src[srcOff..]} ({@code count} a multiple of 32) into {@code dst} at byte
     * offset {@code dstByteOff}, {@code count / 32 * 34} bytes.
     */
    public static void quantize(float[] src, int srcOff, int count, MemorySegment dst, long dstByteOff) {
        if (count % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 needs a multiple of 32 values, got " + count);
        }
        for (int block = 0; block < count / BLOCK; block++) {
            if (!quantizeBlock(src, srcOff + block * BLOCK, dst, dstByteOff + (long) block * BLOCK_BYTES)) {
                throw new IllegalArgumentException("block at element " + (srcOff + block * BLOCK)
                        + " has max|x| above " + MAX_ABS + ", beyond a float16 scale");
            }
        }
    }

    /** Dequantizes {@code count} values (a multiple of 32) from byte offset {@code srcByteOff} into {@code dst}. */
    public static void dequantize(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long in = srcByteOff + (long) block * BLOCK_BYTES;
            float scale = Float.float16ToFloat(src.get(Tensor.I16_LE, in));
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOff + block * BLOCK + j] = scale * src.get(ValueLayout.JAVA_BYTE, in + 2 + j);
            }
        }
    }

    /** The stored scale of block {@code block}. */
    public static float scale(MemorySegment src, long block) {
        return Float.float16ToFloat(src.get(Tensor.I16_LE, block * BLOCK_BYTES));
    }

    /** The largest error a block with maximum magnitude {@code amax} may have after a round trip (plus float slack). */
    public static float errorBound(float amax) {
        float d = amax / 127f;
        float d16 = Float.float16ToFloat(Float.floatToFloat16(d));
        return d / 2f + 127f * Math.abs(d - d16) + Math.ulp(amax) * 2f;
    }
}
