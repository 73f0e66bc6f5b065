package dev.trident.encoder.model;

import dev.trident.kernels.blocks.LayerNorm;
import dev.trident.kernels.blocks.Linear;
import dev.trident.kernels.blocks.Mlp;
import dev.trident.kernels.ops.Attention;
import dev.trident.kernels.parallel.Parallel;

/**
 * The pieces BERT and DistilBERT share once their tensor names are resolved: bidirectional multi-head attention over
 * a padded batch, and the post-LN transformer layer. Each family's file names the tensors and builds these.
 */
final class EncoderLayers {

    private EncoderLayers() {
    }

    /**
     * Self-attention over a batch of sequences ({@link BatchRows}): q/k/v projections for all computed rows at once
     * (one large matrix product each), then attention within each sequence (padding keys masked when padded rows are
     * computed), then the output projection. The shared {@code SelfAttention} block attends over one key store; here
     * every sequence of the batch has its own.
     */
    static final class BidirectionalAttention {
        private final Linear query;
        private final Linear key;
        private final Linear value;
        private final Linear output;
        private final Attention.Shape shape;
        private float[] queries = new float[0];
        private float[] keys = new float[0];
        private float[] values = new float[0];
        private float[] attended = new float[0];

        BidirectionalAttention(Linear query, Linear key, Linear value, Linear output, int heads) {
            int hidden = query.inFeatures();
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of the " + heads + " heads");
            }
            this.shape = Attention.Shape.of(heads, heads, hidden / heads, false);
            for (Linear l : new Linear[] {query, key, value, output}) {
                if (l.inFeatures() != hidden || l.outFeatures() != hidden) {
                    throw new IllegalArgumentException("attention projection " + l.weight() + " is not [" + hidden + ", " + hidden + "]");
                }
            }
            this.query = query;
            this.key = key;
            this.value = value;
            this.output = output;
        }

        /** {@code out[rows][hidden] = attention(x)}; {@code out} must not alias {@code x}. */
        void forward(float[] x, BatchRows batch, float[] out) {
            int rows = batch.rows;
            int width = shape.heads() * shape.headDim();
            if (queries.length < rows * width) {
                queries = new float[rows * width];
                keys = new float[rows * width];
                values = new float[rows * width];
                attended = new float[rows * width];
            }
            query.forward(x, 0, rows, queries, 0);
            key.forward(x, 0, rows, keys, 0);
            value.forward(x, 0, rows, values, 0);
            // Sequences split over the threads, each attending on one: most sentences are too short for their
            // heads to be worth splitting, and one sequence at a time left the other core spinning.
            int sequences = batch.start.length;
            if (!Parallel.splits(sequences, 1)) {
                attendSequences(batch, width, 0, sequences);
            } else {
                Parallel.forRange(sequences, 1,
                        (from, to) -> Parallel.sequential(() -> attendSequences(batch, width, from, to)));
            }
            output.forward(attended, 0, rows, out, 0);
        }

        private void attendSequences(BatchRows batch, int width, int from, int to) {
            for (int b = from; b < to; b++) {
                int off = batch.start[b] * width;
                int n = batch.length[b];
                Attention.attend(shape, queries, off, n, 0, keys, values, off, n,
                        batch.keyValid == null ? null : batch.keyValid[b], null, 0, attended, off);
            }
        }
    }

    /**
     * A post-LN layer (BERT's {@code BertLayer}, DistilBERT's {@code TransformerBlock}):
     * {@code h = LN(x + attention(x)); out = LN(h + ffn(h))}.
     */
    static final class PostLnLayer {
        private final BidirectionalAttention attention;
        private final LayerNorm attentionNorm;
        private final Mlp feedForward;
        private final LayerNorm outputNorm;

        PostLnLayer(BidirectionalAttention attention, LayerNorm attentionNorm, Mlp feedForward, LayerNorm outputNorm) {
            this.attention = attention;
            this.attentionNorm = attentionNorm;
            this.feedForward = feedForward;
            this.outputNorm = outputNorm;
        }

        /** In place on {@code x} ({@code [batch.rows][hidden]}); {@code scratch} holds at least {@code x.length} floats. */
        void forward(float[] x, BatchRows batch, float[] scratch) {
            int rows = batch.rows;
            int n = x.length;
            attention.forward(x, batch, scratch);
            addInto(scratch, x, n);
            attentionNorm.forward(scratch, 0, rows, x, 0);
            feedForward.forward(x, 0, rows, scratch, 0);
            addInto(scratch, x, n);
            outputNorm.forward(scratch, 0, rows, x, 0);
        }
    }

    /** {@code acc[i] += x[i]}: the residual, added to the sublayer output as HF does ({@code dense(h) + input}). */
    static void addInto(float[] acc, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += x[i];
        }
    }

    /** {@code acc[accOff + i] += x[i]} for {@code i < n}. */
    static void addInto(float[] acc, int accOff, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] += x[i];
        }
    }

    static LayerNorm layerNorm(dev.trident.kernels.load.WeightSource weights, String name, int dim, double eps) {
        return new LayerNorm(weights.tensor(name + ".weight", dim), weights.tensor(name + ".bias", dim), dim, (float) eps);
    }

    /**
     * An encoder layer's Linear with its weight repacked for the packed matrix product: every encoder call multiplies
     * a whole batch of rows, and the repacked weight spares each call the activation packing ({@code PackedMatMul}).
     */
    static Linear linear(dev.trident.kernels.load.WeightSource weights, String name, int out, int in) {
        return new Linear(weights.tensor(name + ".weight", out, in), weights.tensor(name + ".bias", out))
                .withPackedWeights();
    }

    /** The part of the tensor names before {@code suffix}: "bert.", "roberta.", "distilbert." or "" for a bare base model. */
    static String prefixOf(dev.trident.kernels.load.WeightSource weights, String suffix) {
        String found = null;
        for (String name : weights.names()) {
            if (name.endsWith(suffix)) {
                String prefix = name.substring(0, name.length() - suffix.length());
                if (found == null || prefix.length() < found.length()) {
                    found = prefix;
                }
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no tensor named *" + suffix + " among the " + weights.names().size()
                    + " tensors: not a checkpoint of this family");
        }
        return found;
    }
}
