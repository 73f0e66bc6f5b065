package dev.trident.kernels.load;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * How {@link Checkpoint#open(java.nio.file.Path, LoadOptions)} treats the tensors it maps.
 *
 * @param quantizeQ8_0 convert eligible tensors to Q8_0 at load (copies them out of the mapping)
 * @param quantizeWhen which tensor names to quantize, among the eligible ones: rank 2, F32/F16/BF16, last dimension
 *                     a multiple of 32 (tensors that are not eligible are never quantized, whatever the predicate says)
 */
public record LoadOptions(boolean quantizeQ8_0, Predicate<String> quantizeWhen) {

    /**
     * The default choice of weights to quantize: names ending in {@code .weight} that are not embeddings or norms
     * (a lower-cased name containing {@code embed}, {@code wte}, {@code wpe}, {@code norm}, {@code ln_},
     * {@code position}, {@code relative_attention_bias}, or equal to T5's {@code shared.weight}).
     * Embedding tables are looked up by row, where Q8_0 saves little and costs accuracy; norms are 1-D anyway.
     * Note GPT-2's Conv1D weights are stored [in, out], so their Q8_0 blocks run along the output dimension:
     * an architecture with that layout must exclude or transpose them.
     */
    public static final Predicate<String> MATRIX_WEIGHTS = name -> {
        String n = name.toLowerCase(Locale.ROOT);
        if (!n.endsWith(".weight") || n.equals("shared.weight")) {
            return false;
        }
        for (String skip : new String[] {"embed", "wte", "wpe", "norm", "ln_", "position", "relative_attention_bias"}) {
            if (n.contains(skip)) {
                return false;
            }
        }
        return true;
    };

    public LoadOptions {
        if (quantizeWhen == null) {
            throw new IllegalArgumentException("quantizeWhen must not be null");
        }
    }

    /** Map everything as stored, no copy. */
    public static LoadOptions mapped() {
        return new LoadOptions(false, name -> false);
    }

    /** Quantize {@link #MATRIX_WEIGHTS} to Q8_0. */
    /** The services' {@code quantize} setting: {@code none} (weights as stored) or {@code q8_0} (quantized at load). */
    public static LoadOptions fromSetting(String quantize) {
        return switch (quantize == null ? "none" : quantize.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> mapped();
            case "q8_0" -> q8_0();
            default -> throw new IllegalArgumentException("quantize must be none or q8_0, got '" + quantize + "'");
        };
    }

    public static LoadOptions q8_0() {
        return new LoadOptions(true, MATRIX_WEIGHTS);
    }

    /** Quantize the eligible tensors whose names satisfy {@code predicate}. */
    public static LoadOptions q8_0(Predicate<String> predicate) {
        return new LoadOptions(true, predicate);
    }
}
