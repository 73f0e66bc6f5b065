package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one sequence: prefill the prompt, then decode token by token until a stop token, a stop string, max tokens
 * or the end of the context. Text is produced as a server streams it — the decoded sequence minus the decoded
 * prompt — and held back while its tail could still become a stop string, so a stop string split across tokens is
 * never shown.
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
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prompt.length >= model.maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds " + model.maxPositions());
        }
        Sampler sampler = new Sampler(params, model.vocabSize());
        for (int id : prompt) {
            sampler.notePromptToken(id);
        }
        // At least the last prompt token must run, to give the logits of the first new one.
        int reused = Math.min(cachedPrefix, prompt.length - 1);
        cache.truncate(reused);
        String promptText = tokenizer == null ? "" : tokenizer.decode(prompt, true);
        List<Integer> generated = new ArrayList<>();
        int[] sequence = new int[Math.min(model.maxPositions(), prompt.length + params.maxTokens())];
        System.arraycopy(prompt, 0, sequence, 0, prompt.length);
        int length = prompt.length;
        String emitted = "";
        float[] logits = model.forward(java.util.Arrays.copyOfRange(prompt, reused, prompt.length), cache, false);
        String finish = "length";
        boolean cancelled = false;
        while (generated.size() < params.maxTokens() && length < model.maxPositions()) {
            int next = sampler.next(logits);
            if (params.stopTokenIds().contains(next)) {
                finish = "stop";
                break;
            }
            sampler.noteGenerated(next);
            generated.add(next);
            sequence[length++] = next;
            String text = continuation(sequence, length, promptText);
            if (firstStop(text, params.stop()) >= 0) {
                finish = "stop";
                break;
            }
            String safe = text.substring(0, text.length() - heldBack(text, params.stop()));
            // A trailing U+FFFD is an incomplete UTF-8 sequence (byte fallback): wait for its next bytes.
            if (!safe.endsWith("\uFFFD") && safe.length() > emitted.length() && safe.startsWith(emitted)) {
                if (listener != null && !listener.onText(safe.substring(emitted.length()), next)) {
                    cancelled = true;
                    finish = "cancelled";
                    break;
                }
                emitted = safe;
            }
            if (generated.size() < params.maxTokens() && length < model.maxPositions()) {
                logits = model.forward(new int[] {next}, cache, false);
            }
        }
        if (!cancelled) {
            String text = continuation(sequence, length, promptText);
            int stopAt = firstStop(text, params.stop());
            String all = stopAt >= 0 ? text.substring(0, stopAt) : text;
            if (all.length() > emitted.length() && all.startsWith(emitted) && listener != null) {
                listener.onText(all.substring(emitted.length()), -1);
            }
            emitted = all;
        }
        return new Generation(List.copyOf(generated), emitted, finish, prompt.length, reused,
                java.util.Arrays.copyOf(sequence, cache.length()));
    }

    private String continuation(int[] sequence, int length, String promptText) {
        if (tokenizer == null) {
            return "";
        }
        String whole = tokenizer.decode(java.util.Arrays.copyOf(sequence, length), true);
        return whole.startsWith(promptText) ? whole.substring(promptText.length()) : whole;
    }

    private static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** Characters at the end of {@code text} that are a proper prefix of some stop string. */
    private static int heldBack(String text, List<String> stops) {
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (text.endsWith(stop.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

}
