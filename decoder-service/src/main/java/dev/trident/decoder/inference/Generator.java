package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.tokenize.Tokenizer;

/**
 * Runs one sequence on the calling thread, without the batching loop: prefill the prompt, then decode token by
 * token until a stop token, a stop string, max tokens or the end of the context. The served path is
 * {@link DecoderModel} (through {@link BatchScheduler}); this one is the reference "alone" run that batched
 * generation must reproduce, and what the benchmark's batch-1 figures use.
 */
public final class Generator {

    /** Receives each new piece of text as it becomes final; returns false to cancel (the client went away). */
    public interface Listener {
        boolean onText(String delta, int tokenId);
    }

    private final CausalLm model;
    private final Tokenizer tokenizer;

    /** @param tokenizer null for ids-only models (text is then empty; ids are still returned) */
    public Generator(CausalLm model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public Generation generate(int[] prompt, SamplingParams params, Listener listener) {
        return generate(prompt, params, listener, model.newCache(), 0);
    }

    /**
     * Generation that reuses {@code cache}, which holds the keys and values of the first {@code cachedPrefix}
     * tokens of {@code prompt} (a chat session's earlier turns): only the rest of the prompt is prefilled. At the end
     * the cache holds the prompt and every generated token but the last (whose keys were never needed).
     */
    public Generation generate(int[] prompt, SamplingParams params, Listener listener, KVCache cache, int cachedPrefix) {
        return generate(prompt, params, listener, cache, cachedPrefix, -1);
    }

    /** As above, with log-probabilities ({@code topLogprobs} ≥ 0 alternatives per token; -1 for none). */
    public Generation generate(int[] prompt, SamplingParams params, Listener listener, KVCache cache, int cachedPrefix,
                               int topLogprobs) {
        Sequence[] holder = new Sequence[1];
        Sequence sequence = start(model, tokenizer, prompt, params, cache, cachedPrefix, topLogprobs, (delta, tokenId, tokens) -> {
            if (listener != null && !listener.onText(delta, tokenId)) {
                holder[0].cancel();
            }
        });
        holder[0] = sequence;
        sequence.accept(model.forward(sequence.unprefilled(), cache, false), 0);
        while (!sequence.finished()) {
            if (sequence.cancelled()) {
                sequence.finishCancelled();
                break;
            }
            sequence.accept(model.forward(new int[] {sequence.lastToken()}, cache, false), 0);
        }
        return sequence.result();
    }

    /** A sequence for {@code prompt} with its cache cut back to the reusable prefix; checks the prompt's length. */
    static Sequence start(CausalLm model, Tokenizer tokenizer, int[] prompt, SamplingParams params, KVCache cache,
                          int cachedPrefix, int topLogprobs, Sequence.Sink sink) {
        return start(model, tokenizer, prompt, params, cache, cachedPrefix, topLogprobs, sink,
                tokenizer == null ? "" : tokenizer.decode(prompt, true));
    }

    static Sequence start(CausalLm model, Tokenizer tokenizer, int[] prompt, SamplingParams params, KVCache cache,
                          int cachedPrefix, int topLogprobs, Sequence.Sink sink, String promptText) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prompt.length >= model.maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds " + model.maxPositions());
        }
        // At least the last prompt token must run, to give the logits of the first new one.
        int reused = Math.max(0, Math.min(cachedPrefix, prompt.length - 1));
        cache.truncate(reused);
        return new Sequence(prompt, params, sink, tokenizer, model.vocabSize(), model.maxPositions(), cache, reused,
                topLogprobs, promptText);
    }
}
