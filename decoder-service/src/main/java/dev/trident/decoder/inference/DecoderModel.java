package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.kernels.blocks.KVCache;
import dev.trident.kernels.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A served causal LM: the architecture, its tokenizer (null: ids-only mode), the token ids that end generation,
 * and its decode loop ({@link BatchScheduler}), through which every request runs, batched with the others in
 * flight. Callers block on their own thread; listeners are called there too, never on the decode loop, so a slow
 * client never holds up the batch.
 */
public final class DecoderModel implements AutoCloseable {

    /** Default limit of sequences decoded together in one step. */
    public static final int DEFAULT_MAX_BATCH = 16;

    /** Receives choice {@code index}'s text as it becomes final; returns false to cancel the whole request. */
    public interface ChoiceListener {
        /** @param tokens log-probabilities of the tokens this text completes, or null when not asked for */
        boolean onText(int index, String delta, int tokenId, List<TokenLogprob> tokens);

        /** Choice {@code index} is done, after its last text (also when cancelled); the others may go on. */
        default void onFinish(int index, String finishReason) {
        }
    }

    private final String id;
    private final CausalLm lm;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokenIds;
    private final ChatTemplate chatTemplate;
    private final BatchScheduler scheduler;

    public DecoderModel(String id, CausalLm lm, Tokenizer tokenizer, Set<Integer> stopTokenIds, ChatTemplate chatTemplate) {
        this(id, lm, tokenizer, stopTokenIds, chatTemplate, DEFAULT_MAX_BATCH);
    }

    public DecoderModel(String id, CausalLm lm, Tokenizer tokenizer, Set<Integer> stopTokenIds, ChatTemplate chatTemplate,
                        int maxBatch) {
        this.id = id;
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.stopTokenIds = Set.copyOf(stopTokenIds);
        this.chatTemplate = chatTemplate;
        this.scheduler = new BatchScheduler(id, lm, maxBatch);
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    public KVCache newCache() {
        return lm.newCache();
    }

    public Generation generate(int[] prompt, SamplingParams params, Generator.Listener listener) {
        return generate(prompt, params, listener, lm.newCache(), 0);
    }

    /** Generation that reuses a session's cache; see {@link Generator#generate(int[], SamplingParams, Generator.Listener, KVCache, int)}. */
    public Generation generate(int[] prompt, SamplingParams params, Generator.Listener listener, KVCache cache, int cachedPrefix) {
        ChoiceListener choices = listener == null ? null : (index, delta, tokenId, tokens) -> listener.onText(delta, tokenId);
        return generate(prompt, params, 1, -1, choices, cache, cachedPrefix).getFirst();
    }

    /**
     * {@code n} choices for one prompt, prefilled once (after the {@code cachedPrefix} tokens {@code cache} holds
     * already); choice 0 continues in {@code cache}, the others in copies. Choice {@code i} samples with seed
     * {@code seed + i} when a seed is given, so choice 0 is what {@code n = 1} gives.
     *
     * @param topLogprobs -1 for no log-probabilities, else the alternatives per token (0..20)
     */
    public List<Generation> generate(int[] prompt, SamplingParams params, int n, int topLogprobs, ChoiceListener listener,
                                     KVCache cache, int cachedPrefix) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, got " + n);
        }
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        String promptText = tokenizer == null ? "" : tokenizer.decode(prompt, true);
        List<Sequence> choices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            SamplingParams choiceParams = i == 0 || params.seed() == null ? params : params.withSeed(params.seed() + i);
            choices.add(Generator.start(lm, tokenizer, prompt, choiceParams, i == 0 ? cache : lm.newCache(),
                    i == 0 ? cachedPrefix : 0, topLogprobs,
                    new Sequence.Sink() {
                        @Override
                        public void onText(String delta, int tokenId, List<TokenLogprob> tokens) {
                            events.add(new TextEvent(index, delta, tokenId, tokens));
                        }

                        @Override
                        public void onFinish(String finishReason) {
                            events.add(new FinishEvent(index, finishReason));
                        }
                    }, promptText));
        }
        CompletableFuture<List<Generation>> done = scheduler.submit(choices);
        done.whenComplete((result, failure) -> events.add(Done.INSTANCE));
        boolean cancelled = false;
        try {
            while (true) {
                Object event = events.take();
                if (event == Done.INSTANCE) {
                    break;
                }
                if (event instanceof FinishEvent finish) {
                    if (listener != null && !cancelled) {
                        listener.onFinish(finish.index(), finish.finishReason());
                    }
                    continue;
                }
                TextEvent text = (TextEvent) event;
                if (listener != null && !cancelled && !listener.onText(text.index(), text.delta(), text.tokenId(), text.tokens())) {
                    cancelled = true;
                    choices.forEach(Sequence::cancel);
                }
            }
        } catch (InterruptedException e) {
            choices.forEach(Sequence::cancel);
            Thread.currentThread().interrupt();
        }
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private record TextEvent(int index, String delta, int tokenId, List<TokenLogprob> tokens) {
    }

    private record FinishEvent(int index, String finishReason) {
    }

    private enum Done { INSTANCE }

    /** Sequences in the decode step now, over all requests. */
    public int activeSequences() {
        return scheduler.activeSequences();
    }

    int waitingRequests() {
        return scheduler.waitingRequests();
    }

    boolean waitingAllCancelled() {
        return scheduler.waitingAllCancelled();
    }

    public int maxBatch() {
        return scheduler.maxBatch();
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

    @Override
    public void close() {
        scheduler.close();
        lm.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
