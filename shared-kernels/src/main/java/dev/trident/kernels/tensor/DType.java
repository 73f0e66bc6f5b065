package dev.trident.kernels.tensor;

/**
 * Element types a weight tensor can have. Activations are always F32.
 *
 * <p>Q8_0 is GGUF's: blocks of 32 values along the last dimension, each block one float16 scale {@code d}
 * followed by 32 signed bytes {@code q}; value = d * q. 34 bytes per block.
 */
public enum DType {
    F32(4, 1),
    F16(2, 1),
    BF16(2, 1),
    Q8_0(34, 32);

    /** Bytes of one block (one element for unquantized types). */
    public final int blockBytes;
    /** Elements in one block. */
    public final int blockSize;

    DType(int blockBytes, int blockSize) {
        this.blockBytes = blockBytes;
        this.blockSize = blockSize;
    }

    public static final int Q8_0_BLOCK = 32;

    /** Bytes taken by {@code elements} values; for Q8_0 {@code elements} must be a multiple of 32. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return elements / blockSize * blockBytes;
    }

    /** The safetensors header spelling ({@code "F32"}, {@code "F16"}, {@code "BF16"}); Q8_0 never appears in a file. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new IllegalArgumentException("unsupported safetensors dtype " + name
                    + " (Trident reads F32, F16 and BF16)");
        };
    }
}
