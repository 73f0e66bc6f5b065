package dev.trident.decoder.inference;

import dev.trident.decoder.model.CausalLm;
import dev.trident.kernels.blocks.KVCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching for one model: a single decode-loop thread owns the model and the sequences in flight. Each
 * step it admits waiting requests (prefilling each one's prompt on its own, up to the batch limit), runs one
 * batched decode step for every active sequence ({@link CausalLm#forwardBatch}: one pass over the weights for all
 * of them), lets each sequence pick its token with its own sampler, and drops the finished and the cancelled — so
 * sequences join and leave between steps and a cancelled one frees its slot at the next step.
 *
 * <p>A request of {@code n} choices is prefilled once; its other choices start from copies of that cache. Requests
 * are admitted whole and in arrival order; one with more choices than the limit starts once the batch is empty.
 * Prefill runs on the loop between steps (no chunking), so a long prompt delays the others' next token by its
 * prefill time.
 */
final class BatchScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchScheduler.class);

    /** Sequences of one request: they share the prompt and are admitted together. */
    record Group(List<Sequence> choices, CompletableFuture<List<Generation>> done) {
    }

    private final CausalLm model;
    private final int maxBatch;
    private final LinkedBlockingQueue<Group> waiting = new LinkedBlockingQueue<>();
    private final List<Sequence> active = new ArrayList<>();
    private final List<Group> activeGroups = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Thread loop;
    private volatile boolean running = true;
    private int[] stepIds = new int[0];
    private KVCache[] stepCaches = new KVCache[0];

    BatchScheduler(String name, CausalLm model, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch size limit must be at least 1, got " + maxBatch);
        }
        this.model = model;
        this.maxBatch = maxBatch;
        this.loop = Thread.ofPlatform().name("trident-decode-" + name).daemon(true).unstarted(this::run);
        loop.start();
    }

    /** Queues a request; the future completes with one generation per choice once all of them have finished. */
    CompletableFuture<List<Generation>> submit(List<Sequence> choices) {
        if (!running) {
            throw new IllegalStateException("the decode loop has stopped");
        }
        Group group = new Group(List.copyOf(choices), new CompletableFuture<>());
        waiting.add(group);
        return group.done();
    }

    /** Sequences decoding now (the batch of the current step). */
    int activeSequences() {
        return inFlight.get();
    }

    /** Requests queued for a slot (not yet prefilled). */
    int waitingRequests() {
        return waiting.size();
    }

    /** Whether requests are queued and every one of them has been cancelled (tests wait for this). */
    boolean waitingAllCancelled() {
        return !waiting.isEmpty() && waiting.stream().allMatch(group -> group.choices().stream().allMatch(Sequence::cancelled));
    }

    int maxBatch() {
        return maxBatch;
    }

    private void run() {
        while (running) {
            try {
                if (active.isEmpty()) {
                    Group next = waiting.poll(200, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        admit(next);
                    }
                }
                Group next;
                while (active.size() < maxBatch && (next = waiting.peek()) != null
                        && (active.isEmpty() || active.size() + next.choices().size() <= maxBatch)) {
                    admit(waiting.poll());
                }
                step();
                retireFinished();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                log.error("decode step failed; failing the requests in flight", e);
                for (Group group : activeGroups) {
                    group.done().completeExceptionally(e);
                }
                active.clear();
                activeGroups.clear();
                inFlight.set(0);
            }
        }
        Group left;
        while ((left = waiting.poll()) != null) {
            left.done().completeExceptionally(new IllegalStateException("the model is closing"));
        }
        for (Group group : activeGroups) {
            group.done().completeExceptionally(new IllegalStateException("the model is closing"));
        }
    }

    /** Prefills a request's prompt once, copies the cache for its other choices, and picks each first token. */
    private void admit(Group group) {
        activeGroups.add(group);
        try {
            Sequence first = group.choices().getFirst();
            if (group.choices().stream().anyMatch(Sequence::cancelled)) {
                group.choices().forEach(Sequence::finishCancelled);
                retireFinished();
                return;
            }
            float[] logits = model.forward(first.unprefilled(), first.cache(), false);
            for (Sequence choice : group.choices()) {
                if (choice != first) {
                    KvCaches.copyInto(first.cache(), choice.cache());
                }
                choice.accept(logits, 0);
            }
        } catch (RuntimeException e) {
            activeGroups.remove(group);
            group.done().completeExceptionally(e);
            return;
        }
        for (Sequence choice : group.choices()) {
            if (!choice.finished()) {
                active.add(choice);
            }
        }
        retireFinished();
    }

    private void step() {
        active.removeIf(sequence -> {
            if (sequence.cancelled()) {
                sequence.finishCancelled();
                return true;
            }
            return false;
        });
        if (active.isEmpty()) {
            return;
        }
        int rows = active.size();
        if (stepIds.length != rows) {
            // Only when the batch changes size; a steady batch reuses its arrays.
            stepIds = new int[rows];
            stepCaches = new KVCache[rows];
        }
        int[] ids = stepIds;
        KVCache[] caches = stepCaches;
        for (int j = 0; j < rows; j++) {
            ids[j] = active.get(j).lastToken();
            caches[j] = active.get(j).cache();
        }
        float[] logits = model.forwardBatch(ids, caches);
        java.util.Arrays.fill(caches, null); // no finished sequence's cache is kept alive by the next step's array
        int vocab = model.vocabSize();
        for (int j = 0; j < rows; j++) {
            active.get(j).accept(logits, j * vocab);
        }
    }

    /**
     * Drops finished sequences from the batch (each flushes its last text and reports its finish at once), and
     * completes the requests all of whose choices are done.
     */
    private void retireFinished() {
        active.removeIf(Sequence::finished);
        inFlight.set(active.size());
        activeGroups.removeIf(group -> {
            try {
                boolean all = true;
                for (Sequence choice : group.choices()) {
                    if (choice.finished()) {
                        choice.result();
                    } else {
                        all = false;
                    }
                }
                if (!all) {
                    return false;
                }
                List<Generation> results = new ArrayList<>();
                for (Sequence choice : group.choices()) {
                    results.add(choice.result());
                }
                group.done().complete(results);
            } catch (RuntimeException e) {
                group.choices().forEach(Sequence::cancel);
                active.removeAll(group.choices());
                group.done().completeExceptionally(e);
            }
            return true;
        });
        inFlight.set(active.size());
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
