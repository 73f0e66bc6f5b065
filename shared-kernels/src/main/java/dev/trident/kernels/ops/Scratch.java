package dev.trident.kernels.ops;

/**
 * Per-thread scratch arrays the kernels reuse (packed panels, score rows). Grown on first use to the largest
 * size asked for and kept, so kernels allocate only while the shapes they see are still growing. The pool's
 * workers are long-lived, so their scratch is too.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    private float[] packedWeights = new float[0];
    private float[] accumulators = new float[0];
    private float[] packedActivations = new float[0];
    private float[] scores = new float[0];
    private float[] keysTransposed = new float[0];
    private int[] indices = new int[0];

    static Scratch get() {
        return PER_THREAD.get();
    }

    float[] packedWeights(int size) {
        if (packedWeights.length < size) {
            packedWeights = new float[size];
        }
        return packedWeights;
    }

    float[] accumulators(int size) {
        if (accumulators.length < size) {
            accumulators = new float[size];
        }
        return accumulators;
    }

    float[] packedActivations(int size) {
        if (packedActivations.length < size) {
            packedActivations = new float[size];
        }
        return packedActivations;
    }

    float[] keysTransposed(int size) {
        if (keysTransposed.length < size) {
            keysTransposed = new float[size];
        }
        return keysTransposed;
    }

    int[] indices(int size) {
        if (indices.length < size) {
            indices = new int[size];
        }
        return indices;
    }

    float[] scores(int size) {
        if (scores.length < size) {
            scores = new float[size];
        }
        return scores;
    }
}
