package dev.trident.decoder.inference;

import dev.trident.kernels.blocks.KVCache;

/** Copying a sequence's cache: the {@code n} choices of one request share the prompt's prefill. */
final class KvCaches {

    private KvCaches() {
    }

    /** Makes {@code target} (same model) hold exactly the positions {@code source} holds. */
    static void copyInto(KVCache source, KVCache target) {
        int length = source.length();
        target.ensureCapacity(length);
        int floats = length * source.rowWidth();
        for (int layer = 0; layer < source.layers(); layer++) {
            System.arraycopy(source.keys(layer), 0, target.keys(layer), 0, floats);
            System.arraycopy(source.values(layer), 0, target.values(layer), 0, floats);
        }
        target.setLength(length);
    }
}
