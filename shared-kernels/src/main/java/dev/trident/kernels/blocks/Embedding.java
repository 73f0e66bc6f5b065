package dev.trident.kernels.blocks;

import dev.trident.kernels.ops.Convert;
import dev.trident.kernels.tensor.Tensor;

/** Row lookup in an embedding table {@code [vocab, dim]} of any dtype, decoded to F32. */
public final class Embedding {

    private final Tensor table;
    private final int vocab;
    private final int dim;

    public Embedding(Tensor table) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("tensor " + table.name() + ": expected [vocab, dim], found rank " + table.rank());
        }
        this.table = table;
        this.vocab = table.dim(0);
        this.dim = table.dim(1);
    }

    public int vocabSize() {
        return vocab;
    }

    public int dim() {
        return dim;
    }

    public Tensor table() {
        return table;
    }

    /** Writes the rows of {@code ids} one after another into {@code out} from {@code outOff}. */
    public void lookup(int[] ids, int idsOff, int count, float[] out, int outOff) {
        for (int i = 0; i < count; i++) {
            row(ids[idsOff + i], out, outOff + i * dim);
        }
    }

    /** Row {@code id} into {@code out[outOff, outOff + dim)}. */
    public void row(int id, float[] out, int outOff) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ") of " + table.name());
        }
        Convert.toF32(table, (long) id * dim, out, outOff, dim);
    }
}
