package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Activation;
import dev.trident.kernels.ops.Activations;

/** {@code down(act(gate(x)) · up(x))}: Llama's SwiGLU, Flan-T5's gated GELU. */
public final class GatedMlp {

    private final Linear gate;
    private final Linear up;
    private final Linear down;
    private final Activation activation;
    private float[] gateOut = new float[0];
    private float[] upOut = new float[0];

    public GatedMlp(Linear gate, Linear up, Linear down, Activation activation) {
        if (gate.outFeatures() != up.outFeatures() || down.inFeatures() != up.outFeatures()) {
            throw new IllegalArgumentException("gated MLP shapes disagree: gate " + gate.weight() + ", up " + up.weight()
                    + ", down " + down.weight());
        }
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.activation = activation;
    }

    public void forward(float[] x, int xOff, int rows, float[] out, int outOff) {
        int hidden = up.outFeatures();
        if (gateOut.length < rows * hidden) {
            gateOut = new float[rows * hidden];
            upOut = new float[rows * hidden];
        }
        gate.forward(x, xOff, rows, gateOut, 0);
        up.forward(x, xOff, rows, upOut, 0);
        Activations.gated(activation, gateOut, 0, upOut, 0, gateOut, 0, rows * hidden);
        down.forward(gateOut, 0, rows, out, outOff);
    }

    /** {@code rows} independent rows, each bitwise as {@link #forward} of that row alone; one pass over the weights. */
    public void forwardEach(float[] x, int xOff, int rows, float[] out, int outOff) {
        int hidden = up.outFeatures();
        if (gateOut.length < rows * hidden) {
            gateOut = new float[rows * hidden];
            upOut = new float[rows * hidden];
        }
        gate.forwardEach(x, xOff, rows, gateOut, 0);
        up.forwardEach(x, xOff, rows, upOut, 0);
        // Row by row, so each row splits into vector body and scalar tail exactly as it does alone.
        for (int r = 0; r < rows; r++) {
            Activations.gated(activation, gateOut, r * hidden, upOut, r * hidden, gateOut, r * hidden, hidden);
        }
        down.forwardEach(gateOut, 0, rows, out, outOff);
    }
}
