package dev.trident.kernels.ops;

import static dev.trident.kernels.ops.Simd.B_Q;
import static dev.trident.kernels.ops.Simd.B_Q_PARTS;
import static dev.trident.kernels.ops.Simd.F;
import static dev.trident.kernels.ops.Simd.I;
import static dev.trident.kernels.ops.Simd.L;
import static dev.trident.kernels.ops.Simd.S_HALF;

import dev.trident.kernels.tensor.Q8_0;
import dev.trident.kernels.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Decoding weight storage (little-endian {@link MemorySegment}) to F32 {@code float[]}: BF16, F16 and Q8_0, each
 * a vector kernel with its scalar twin. The {@code load*} helpers are the one-vector building blocks the matrix
 * kernels decode with on the fly.
 */
public final class Convert {

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Convert() {
    }

    /** {@code L} BF16 values at {@code byteOff} as floats (exact: bf16 is the top half of a float). */
    static FloatVector loadBf16(MemorySegment src, long byteOff) {
        ShortVector half = ShortVector.fromMemorySegment(S_HALF, src, byteOff, LE);
        IntVector widened = (IntVector) half.convertShape(VectorOperators.S2I, I, 0);
        return widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * {@code L} F16 values at {@code byteOff} as floats (exact). No vector half-float conversion in the API, so bit
     * arithmetic: shifting the exponent+mantissa into float position and multiplying by 2^112 rebiases normals and
     * turns subnormals into normals exactly; Inf/NaN get the all-ones exponent by a blend
     * (NaN payloads kept, quiet bit set).
     */
    static FloatVector loadF16(MemorySegment src, long byteOff) {
        ShortVector half = ShortVector.fromMemorySegment(S_HALF, src, byteOff, LE);
        IntVector bits = (IntVector) half.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = bits.and(0x7fff);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNaN = magnitude.compare(VectorOperators.GE, 0x7c00);
        VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, 0x7c00);
        // NaNs come out quiet, as Float.float16ToFloat (vcvtph2ps) gives them.
        IntVector unsigned = finite.blend(shifted.or(0x7f800000), infOrNaN).blend(shifted.or(0x7fc00000), nan);
        return unsigned.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** BF16 → F32, vector kernel: {@code n} values from byte offset {@code srcByteOff}. */
    public static void bf16ToF32(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        if (Simd.SCALAR) {
            bf16ToF32Scalar(src, srcByteOff, dst, dstOff, n);
        } else {
            bf16ToF32Vector(src, srcByteOff, dst, dstOff, n);
        }
    }

    public static void bf16ToF32Vector(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            loadBf16(src, srcByteOff + 2L * i).intoArray(dst, dstOff + i);
        }
        bf16ToF32Scalar(src, srcByteOff + 2L * i, dst, dstOff + i, n - i);
    }

    public static void bf16ToF32Scalar(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(src.get(Tensor.I16_LE, srcByteOff + 2L * i) << 16);
        }
    }

    /** F16 → F32, dispatching: {@code n} values from byte offset {@code srcByteOff}. */
    public static void f16ToF32(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        if (Simd.SCALAR) {
            f16ToF32Scalar(src, srcByteOff, dst, dstOff, n);
        } else {
            f16ToF32Vector(src, srcByteOff, dst, dstOff, n);
        }
    }

    public static void f16ToF32Vector(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            loadF16(src, srcByteOff + 2L * i).intoArray(dst, dstOff + i);
        }
        f16ToF32Scalar(src, srcByteOff + 2L * i, dst, dstOff + i, n - i);
    }

    public static void f16ToF32Scalar(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src.get(Tensor.I16_LE, srcByteOff + 2L * i));
        }
    }

    /**
     * Elements {@code [first, first + n)} of {@code t} (row-major, any dtype) as F32 into {@code dst[dstOff ..]},
     * dispatching; for Q8_0 both {@code first} and {@code n} are whole blocks.
     */
    public static void toF32(Tensor t, long first, float[] dst, int dstOff, int n) {
        MemorySegment data = t.data();
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(data, Tensor.F32_LE, first * Float.BYTES, dst, dstOff, n);
            case BF16 -> bf16ToF32(data, first * 2, dst, dstOff, n);
            case F16 -> f16ToF32(data, first * 2, dst, dstOff, n);
            case Q8_0 -> q8_0ToF32(data, first / Q8_0.BLOCK * Q8_0.BLOCK_BYTES, dst, dstOff, n / Q8_0.BLOCK);
        }
    }

    /** Q8_0 → F32, dispatching: {@code blocks} blocks of 32 from byte offset {@code srcByteOff}. */
    public static void q8_0ToF32(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int blocks) {
        if (Simd.SCALAR) {
            q8_0ToF32Scalar(src, srcByteOff, dst, dstOff, blocks);
        } else {
            q8_0ToF32Vector(src, srcByteOff, dst, dstOff, blocks);
        }
    }

    public static void q8_0ToF32Vector(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long in = srcByteOff + (long) b * Q8_0.BLOCK_BYTES;
            FloatVector scale = FloatVector.broadcast(F, Float.float16ToFloat(src.get(Tensor.I16_LE, in)));
            int out = dstOff + b * Q8_0.BLOCK;
            for (int o = 0; o < Q8_0.BLOCK; o += B_Q.length()) {
                ByteVector q = ByteVector.fromMemorySegment(B_Q, src, in + 2 + o, LE);
                for (int part = 0; part < B_Q_PARTS; part++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, part)).mul(scale)
                            .intoArray(dst, out + o + part * L);
                }
            }
        }
    }

    /**
     * {@link #q8_0ToF32Vector} in {@link Q8_0Lanes} order ({@code dst[dstOff + p]} = value {@code Q8_0Lanes.sourceOf(p)}
     * of the run), for 256- and 128-bit vectors: their natural-order widening ran at a third of the speed. Each
     * value is {@code q · d} exactly as in natural order (an int8 times an F16 scale is exact in float32).
     */
    static void q8_0ToF32Interleaved(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long in = srcByteOff + (long) b * Q8_0.BLOCK_BYTES;
            q8_0BlockInterleaved(src, in, Float.float16ToFloat(src.get(Tensor.I16_LE, in)), dst, dstOff + b * Q8_0.BLOCK);
        }
    }

    /**
     * The 32 int8 values of the Q8_0 block at {@code blockByteOff}, times {@code scale}, in {@link Q8_0Lanes} order
     * into {@code dst[dstOff..dstOff+32)}: per group one int load, byte k of each lane by two shifts.
     */
    static void q8_0BlockInterleaved(MemorySegment src, long blockByteOff, float scale, float[] dst, int dstOff) {
        for (int g = 0; g < Q8_0.BLOCK; g += Q8_0Lanes.GROUP) {
            IntVector q = IntVector.fromMemorySegment(I, src, blockByteOff + 2 + g, LE);
            for (int k = 0; k < 4; k++) {
                ((FloatVector) q.lanewise(VectorOperators.LSHL, 24 - 8 * k).lanewise(VectorOperators.ASHR, 24)
                        .convert(VectorOperators.I2F, 0)).mul(scale).intoArray(dst, dstOff + g + k * L);
            }
        }
    }

    public static void q8_0ToF32Scalar(MemorySegment src, long srcByteOff, float[] dst, int dstOff, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long in = srcByteOff + (long) b * Q8_0.BLOCK_BYTES;
            float scale = Float.float16ToFloat(src.get(Tensor.I16_LE, in));
            for (int j = 0; j < Q8_0.BLOCK; j++) {
                dst[dstOff + b * Q8_0.BLOCK + j] = scale * src.get(ValueLayout.JAVA_BYTE, in + 2 + j);
            }
        }
    }
}
