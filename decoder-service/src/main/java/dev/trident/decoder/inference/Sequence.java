package dev.trident.decoder.inference;

import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One sequence's generation as a state machine the decode loop drives: it is given the logits of each position,
 * picks the next token with its own {@link Sampler}, checks stop tokens and stop strings, and hands finished text
 * to its {@link Sink}. Text is produced as a server streams it — the decoded sequence minus the decoded prompt —
 * and held back while its tail could still become a stop string (or is an incomplete UTF-8 sequence), so a stop
 * string split across tokens is never shown.
 *
 * <p>Nothing here depends on which other sequences share a decode step, so the tokens are the same alone or batched.
 */
final class Sequence {

    /** Where finished text goes; {@code tokens} are the log-probabilities of the tokens it completes (or null). */
    interface Sink {
        void onText(String delta, int tokenId, List<TokenLogprob> tokens);

        /** After the last text: the sequence is done ({@code stop}, {@code length} or {@code cancelled}). */
        default void onFinish(String finishReason) {
        }
    }

    private final int[] prompt;
    private final SamplingParams params;
    private final Sink sink;
    private final Tokenizer tokenizer;
    private final int maxPositions;
    private final KVCache cache;
    private final int reused;
    private final Sampler sampler;
    private final Logprobs logprobs;
    private final float[] logits;
    private final float[] rawLogits;
    private final int[] sequence;
    private final String promptText;
    private final List<Integer> generated = new ArrayList<>();
    private final List<TokenLogprob> tokenLogprobs;
    private int pendingLogprobs;
    private int length;
    private String emitted = "";
    private String finish;
    private volatile boolean cancelled;
    private Generation outcome;

    /**
     * @param cache       holds the keys of the first {@code reused} prompt tokens already (a session's earlier turns)
     * @param topLogprobs -1 for no log-probabilities, else how many alternatives per token (0 for the token only)
     */
    Sequence(int[] prompt, SamplingParams params, Sink sink, Tokenizer tokenizer, int vocab, int maxPositions,
             KVCache cache, int reused, int topLogprobs, String promptText) {
        this.prompt = prompt;
        this.params = params;
        this.sink = sink;
        this.tokenizer = tokenizer;
        this.maxPositions = maxPositions;
        this.cache = cache;
        this.reused = reused;
        this.sampler = new Sampler(params, vocab);
        for (int id : prompt) {
            sampler.notePromptToken(id);
        }
        this.logprobs = topLogprobs < 0 ? null : new Logprobs(topLogprobs);
        this.tokenLogprobs = topLogprobs < 0 ? null : new ArrayList<>();
        this.logits = new float[vocab];
        this.rawLogits = topLogprobs < 0 ? null : new float[vocab];
        this.sequence = new int[Math.min(maxPositions, prompt.length + params.maxTokens())];
        System.arraycopy(prompt, 0, sequence, 0, prompt.length);
        this.length = prompt.length;
        this.promptText = promptText;
    }

    /** The prompt tokens the cache does not hold yet: what prefill runs. */
    int[] unprefilled() {
        return Arrays.copyOfRange(prompt, reused, prompt.length);
    }

    KVCache cache() {
        return cache;
    }

    /** The token to feed at the next decode step (the last one picked). */
    int lastToken() {
        return sequence[length - 1];
    }

    boolean finished() {
        return finish != null;
    }

    /** Asks the decode loop to drop this sequence at its next step (the client went away). */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Ends a cancelled sequence without a further step. */
    void finishCancelled() {
        finish = "cancelled";
    }

    /**
     * Picks the token after the position whose logits are {@code stepLogits[offset .. offset + vocab)}; afterwards
     * either {@link #finished()} or the picked token wants a decode step.
     */
    void accept(float[] stepLogits, int offset) {
        if (cancelled) {
            finish = "cancelled";
            return;
        }
        System.arraycopy(stepLogits, offset, logits, 0, logits.length);
        if (logprobs != null) {
            System.arraycopy(logits, 0, rawLogits, 0, logits.length);
            logprobs.observe(rawLogits);
        }
        int next = sampler.next(logits);
        if (params.stopTokenIds().contains(next)) {
            finish = "stop";
            return;
        }
        sampler.noteGenerated(next);
        generated.add(next);
        if (logprobs != null) {
            tokenLogprobs.add(logprobs.of(next, rawLogits[next]));
        }
        sequence[length++] = next;
        String text = continuation();
        if (firstStop(text, params.stop()) >= 0) {
            finish = "stop";
            return;
        }
        String safe = text.substring(0, text.length() - heldBack(text, params.stop()));
        // A trailing U+FFFD is an incomplete UTF-8 sequence (byte fallback): wait for its next bytes.
        if (!safe.endsWith("\uFFFD") && safe.length() > emitted.length() && safe.startsWith(emitted)) {
            sink.onText(safe.substring(emitted.length()), next, takeLogprobs());
            emitted = safe;
        }
        if (generated.size() >= params.maxTokens() || length >= maxPositions) {
            finish = "length";
        }
    }

    /** The outcome, once finished: the last text is flushed (unless cancelled), then the sink hears the finish. */
    Generation result() {
        if (outcome != null) {
            return outcome;
        }
        if (!"cancelled".equals(finish)) {
            String text = continuation();
            int stopAt = firstStop(text, params.stop());
            String all = stopAt >= 0 ? text.substring(0, stopAt) : text;
            List<TokenLogprob> rest = takeLogprobs();
            if (all.length() > emitted.length() && all.startsWith(emitted) || rest != null && !rest.isEmpty()) {
                String delta = all.length() > emitted.length() && all.startsWith(emitted) ? all.substring(emitted.length()) : "";
                sink.onText(delta, -1, rest);
            }
            emitted = all;
        }
        outcome = new Generation(List.copyOf(generated), emitted, finish, prompt.length, reused,
                Arrays.copyOf(sequence, cache.length()), tokenLogprobs == null ? null : List.copyOf(tokenLogprobs));
        sink.onFinish(finish);
        return outcome;
    }

    private List<TokenLogprob> takeLogprobs() {
        if (tokenLogprobs == null) {
            return null;
        }
        List<TokenLogprob> taken = List.copyOf(tokenLogprobs.subList(pendingLogprobs, tokenLogprobs.size()));
        pendingLogprobs = tokenLogprobs.size();
        return taken;
    }

    private String continuation() {
        if (tokenizer == null) {
            return "";
        }
        String whole = tokenizer.decode(Arrays.copyOf(sequence, length), true);
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
