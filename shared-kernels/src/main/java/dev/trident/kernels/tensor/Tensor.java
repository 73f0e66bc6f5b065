package dev.trident.kernels.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named, shaped block of numbers over a {@link MemorySegment}: memory-mapped from a checkpoint (no copy) or
 * on the heap. Row-major; little-endian like safetensors and GGUF. Shapes go only as far as the models need.
 *
 * <p>For the kernels, prefer native segments (mapped files, an {@link Arena}); the heap constructors here
 * allocate native memory too. Heap {@code byte[]} segments work but JDK 25 does not intrinsify float vector loads
 * from them (about 5x slower).
 */
public final class Tensor {

    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final DType dtype;
    private final int[] shape;
    private final MemorySegment data;

    public Tensor(String name, DType dtype, int[] shape, MemorySegment data) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long expected = dtype.byteSize(elementCount(shape));
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + " " + dtype + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + data.byteSize());
        }
    }

    /** A heap F32 tensor holding a copy of {@code values}. */
    public static Tensor f32(String name, float[] values, int... shape) {
        MemorySegment segment = Arena.ofAuto().allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, segment, F32_LE, 0, values.length);
        return new Tensor(name, DType.F32, shape, segment);
    }

    /** A heap F16 tensor: {@code values} rounded to float16 (round to nearest even). */
    public static Tensor f16(String name, float[] values, int... shape) {
        MemorySegment segment = Arena.ofAuto().allocate((long) values.length * Short.BYTES, 64);
        for (int i = 0; i < values.length; i++) {
            segment.setAtIndex(I16_LE, i, Float.floatToFloat16(values[i]));
        }
        return new Tensor(name, DType.F16, shape, segment);
    }

    /** A heap BF16 tensor: {@code values} rounded to bfloat16 (round to nearest even, as torch's {@code .to(bfloat16)}). */
    public static Tensor bf16(String name, float[] values, int... shape) {
        MemorySegment segment = Arena.ofAuto().allocate((long) values.length * Short.BYTES, 64);
        for (int i = 0; i < values.length; i++) {
            segment.setAtIndex(I16_LE, i, floatToBf16(values[i]));
        }
        return new Tensor(name, DType.BF16, shape, segment);
    }

    /** A heap Q8_0 tensor quantized from {@code values}; the last dimension must be a multiple of 32. */
    public static Tensor q8_0(String name, float[] values, int... shape) {
        if (shape.length == 0 || shape[shape.length - 1] % DType.Q8_0_BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 needs the last dimension a multiple of 32, got "
                    + Arrays.toString(shape));
        }
        MemorySegment segment = Arena.ofAuto().allocate(DType.Q8_0.byteSize(values.length), 64);
        Q8_0.quantize(values, 0, values.length, segment, 0);
        return new Tensor(name, DType.Q8_0, shape, segment);
    }

    /** This tensor decoded and requantized to Q8_0 blocks along the last dimension (a multiple of 32). */
    public Tensor quantizeQ8_0() {
        return q8_0(name, toFloatArray(), shape);
    }

    /** bfloat16 bits of {@code value}, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** The float a bfloat16 bit pattern stands for (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public MemorySegment data() {
        return data;
    }

    /** Element {@code index} (row-major) as a float, decoding F16, BF16 and Q8_0. For tests and loading, not hot loops. */
    public float getFloat(long index) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32_LE, index);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16_LE, index));
            case BF16 -> Float.intBitsToFloat(data.getAtIndex(I16_LE, index) << 16);
            case Q8_0 -> {
                long block = index / DType.Q8_0_BLOCK;
                long base = block * DType.Q8_0.blockBytes;
                float scale = Float.float16ToFloat(data.get(I16_LE, base));
                yield scale * data.get(ValueLayout.JAVA_BYTE, base + 2 + index % DType.Q8_0_BLOCK);
            }
        };
    }

    /** All elements decoded to a new float array (tests, small tensors). */
    public float[] toFloatArray() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor " + name + " is too large for an array: " + n + " elements");
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + ":" + dtype + Arrays.toString(shape);
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
