package dev.trident.kernels.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGUF Q8_0 blocks: 32 values as one float16 scale {@code d} and 32 signed bytes {@code q}, value = d * q.
 *
 * <p>Quantization differs from llama.cpp's reference in one detail: the bytes are rounded against the
 * <em>stored</em> (float16-rounded) scale, not the float32 one, so every value dequantizes within
 * {@code d/2} of the original, where {@code d = fp16(max|x| / 127)}. llama.cpp's bytes can be one step off in
 * rare rounding cases, with an error up to about {@code 0.56 d}.
 */
public final class Q8_0 {

    public static final int BLOCK = DType.Q8_0_BLOCK;
    public static final int BLOCK_BYTES = 34;

    private Q8_0() {
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
            int base = srcOff + block * BLOCK;
            float maxAbs = 0f;
            for (int j = 0; j < BLOCK; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(src[base + j]));
            }
            short scaleBits = Float.floatToFloat16(maxAbs / 127f);
            float scale = Float.float16ToFloat(scaleBits);
            float inverse = scale == 0f ? 0f : 1f / scale;
            long out = dstByteOff + (long) block * BLOCK_BYTES;
            dst.set(Tensor.I16_LE, out, scaleBits);
            for (int j = 0; j < BLOCK; j++) {
                // Round half away from zero like llama.cpp's roundf; clamp because fp16 rounding of the scale can
                // leave max|x|/scale a hair above 127.
                int q = Math.round(Math.abs(src[base + j] * inverse)) * (src[base + j] < 0 ? -1 : 1);
                dst.set(ValueLayout.JAVA_BYTE, out + 2 + j, (byte) Math.max(-127, Math.min(127, q)));
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

    /** The stored scale of block {@code block} (the {@code d} of the error bound). */
    public static float scale(MemorySegment src, long block) {
        return Float.float16ToFloat(src.get(Tensor.I16_LE, block * BLOCK_BYTES));
    }
}
