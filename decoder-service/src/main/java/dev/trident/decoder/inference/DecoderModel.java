package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.tokenize.Tokenizer;

import java.util.Set;

/**
 * A served causal LM: the architecture, its tokenizer (null: ids-only mode) and the token ids that end generation.
 * Generation runs one sequence at a time per model for now.
 */
public final class DecoderModel implements AutoCloseable {

    private final String id;
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokenIds;
    private final Generator generator;
    private final ChatTemplate chatTemplate;

    public DecoderModel(String id, CausalLm lm, Tokenizer tokenizer, Set<Integer> stopTokenIds, ChatTemplate chatTemplate) {
        this.id = id;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.stopTokenIds = Set.copyOf(stopTokenIds);
        this.generator = new Generator(lm, tokenizer);
        this.chatTemplate = chatTemplate;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    public KVCache newCache() {
        return lm.newCache();
    }

    /** Generation that reuses a session's cache; see {@link Generator#generate(int[], SamplingParams, Generator.Listener, KVCache, int)}. */
    public synchronized Generation generate(int[] prompt, SamplingParams params, Generator.Listener listener, KVCache cache, int cachedPrefix) {
        return generator.generate(prompt, params, listener, cache, cachedPrefix);
    }

    public String id() {
        return id;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int contextLength() {
        return lm.maxPositions();
    }

    public int vocabSize() {
        return lm.vocabSize();
    }

    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    public synchronized Generation generate(int[] prompt, SamplingParams params, Generator.Listener listener) {
        return generator.generate(prompt, params, listener);
    }

    @Override
    public void close() {
        lm.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
