package dev.trident.seq2seq.model;

/**
 * The encoder's last hidden state for one source sequence, {@code [length][hidden]} row-major (after the final norm
 * where the model has one), and which source positions are real tokens (null: all of them).
 */
public record EncoderOutput(float[] hidden, int length, int hiddenSize, boolean[] keyValid) {

    public EncoderOutput {
        if (hidden.length != length * hiddenSize) {
            throw new IllegalArgumentException(hidden.length + " floats for " + length + " x " + hiddenSize);
        }
        if (keyValid != null && keyValid.length != length) {
            throw new IllegalArgumentException(keyValid.length + " mask flags for " + length + " positions");
        }
    }
}
