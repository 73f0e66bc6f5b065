package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Activations;

/** {@code fc2(act(fc1(x)))}: the BERT, GPT-2, BART and T5 v1.0 feed-forward. */
public final class Mlp {

    private final Linear fc1;
    private final Linear fc2;
    private final Activation activation;
    private float[] hiddenOut = new float[0];

    public Mlp(Linear fc1, Linear fc2, Activation activation) {
        if (fc2.inFeatures() != fc1.outFeatures()) {
            throw new IllegalArgumentException("MLP shapes disagree: " + fc1.weight() + " then " + fc2.weight());
        }
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.activation = activation;
    }

    public void forward(float[] x, int xOff, int rows, float[] out, int outOff) {
        int hidden = fc1.outFeatures();
        if (hiddenOut.length < rows * hidden) {
            hiddenOut = new float[rows * hidden];
        }
        fc1.forward(x, xOff, rows, hiddenOut, 0);
        Activations.apply(activation, hiddenOut, 0, hiddenOut, 0, rows * hidden);
        fc2.forward(hiddenOut, 0, rows, out, outOff);
    }

    /** {@code rows} independent rows, each bitwise as {@link #forward} of that row alone; one pass over the weights. */
    public void forwardEach(float[] x, int xOff, int rows, float[] out, int outOff) {
        int hidden = fc1.outFeatures();
        if (hiddenOut.length < rows * hidden) {
            hiddenOut = new float[rows * hidden];
        }
        fc1.forwardEach(x, xOff, rows, hiddenOut, 0);
        for (int r = 0; r < rows; r++) {
            Activations.apply(activation, hiddenOut, r * hidden, hiddenOut, r * hidden, hidden);
        }
        fc2.forwardEach(hiddenOut, 0, rows, out, outOff);
    }
}
