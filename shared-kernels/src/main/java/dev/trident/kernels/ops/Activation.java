package dev.trident.kernels.ops;

/** The element-wise activations a config's {@code hidden_act} names. */
public enum Activation {
    /** {@code max(x, 0)}. */
    RELU,
    /** {@code x · sigmoid(x)} (HF "silu", "swish"). */
    SILU,
    /** Exact GELU, {@code x/2 · (1 + erf(x/√2))} (HF "gelu"). */
    GELU,
    /** Tanh GELU, {@code x/2 · (1 + tanh(√(2/π)(x + 0.044715x³)))} (HF "gelu_new", "gelu_pytorch_tanh"). */
    GELU_TANH;

    /** The HF config spelling ({@code hidden_act}, {@code feed_forward_proj} suffix, {@code hidden_activation}). */
    public static Activation fromHf(String name) {
        return switch (name) {
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }
}
