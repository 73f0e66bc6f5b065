package dev.trident.encoder.inference;

import dev.trident.encoder.web.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching for one model. Callers hand in their sequences and block; one worker thread takes the oldest
 * request plus any others waiting for the same {@link Operation} (up to {@code maxBatchRequests}), sorts all their
 * sequences by length (so that rows of a pass have similar lengths and little padding) and cuts them into forward
 * passes of at most {@code maxBatchTokens} padded tokens. Each caller gets its own outputs back, in its order.
 *
 * <p>The model runs one pass at a time anyway (its kernels use every core inside a pass), so one worker per model
 * loses nothing and makes the batching possible. The waiting line is bounded: a full queue answers 429 at once
 * rather than letting latency grow without limit.
 */
public final class InferenceQueue implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InferenceQueue.class);

    /** One sequence of token ids, special tokens included; {@code tokenTypes} null for all zeros. */
    public record Sequence(int[] ids, int[] tokenTypes) {
        public Sequence(int[] ids) {
            this(ids, null);
        }
    }

    /**
     * Model work on a batch of sequences, one output per sequence. Requests with equal {@link #key()}s may share
     * forward passes, so the key must name everything that changes the output (e.g. the pooling).
     */
    public interface Operation<R> {
        String key();

        List<R> run(EncoderModel model, List<int[]> ids, List<int[]> tokenTypes);
    }

    /** Where a request's time went (TEI's response headers). */
    public record Timing(long queueNanos, long computeNanos, int tokens) {
    }

    public record Outcome<R>(List<R> outputs, Timing timing) {
    }

    private static final class Request<R> {
        final Operation<R> operation;
        final List<Sequence> sequences;
        final long enqueuedAt = System.nanoTime();
        final CompletableFuture<Outcome<R>> result = new CompletableFuture<>();
        final Object[] outputs;
        int remaining;

        Request(Operation<R> operation, List<Sequence> sequences) {
            this.operation = operation;
            this.sequences = sequences;
            this.outputs = new Object[sequences.size()];
            this.remaining = sequences.size();
        }

        int tokens() {
            int n = 0;
            for (Sequence s : sequences) {
                n += s.ids().length;
            }
            return n;
        }
    }

    private record Item(Request<?> request, int index, Sequence sequence) {
    }

    private final String modelId;
    private final EncoderModel model;
    private final int maxBatchTokens;
    private final int maxBatchRequests;
    private final int capacity;
    private final Duration retryAfter;
    private final ArrayDeque<Request<?>> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Thread worker;
    private volatile boolean open = true;

    private final DistributionSummary batchSize;
    private final Counter tokens;
    private final Timer batchTime;

    public InferenceQueue(String modelId, EncoderModel model, int maxBatchTokens, int maxBatchRequests, int capacity,
                          Duration retryAfter, MeterRegistry meters) {
        this.modelId = modelId;
        this.model = model;
        this.maxBatchTokens = maxBatchTokens;
        this.maxBatchRequests = maxBatchRequests;
        this.capacity = capacity;
        this.retryAfter = retryAfter;
        Gauge.builder("trident.encoder.queue.depth", this, InferenceQueue::depth).tag("model", modelId)
                .description("requests waiting for the model").register(meters);
        this.batchSize = DistributionSummary.builder("trident.encoder.batch.size").tag("model", modelId)
                .description("sequences per forward pass").register(meters);
        this.tokens = Counter.builder("trident.encoder.tokens").tag("model", modelId)
                .description("real (unpadded) tokens run through the model; its rate is tokens/s").register(meters);
        this.batchTime = Timer.builder("trident.encoder.batch.duration").tag("model", modelId)
                .description("time of one forward pass").register(meters);
        this.worker = Thread.ofPlatform().name("encoder-queue-" + modelId).daemon(true).start(this::loop);
    }

    public String modelId() {
        return modelId;
    }

    public EncoderModel model() {
        return model;
    }

    public int depth() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code operation} on {@code sequences} in the model's next batches and waits for the outputs. */
    public <R> Outcome<R> run(Operation<R> operation, List<Sequence> sequences) {
        if (sequences.isEmpty()) {
            return new Outcome<>(List.of(), new Timing(0, 0, 0));
        }
        Request<R> request = new Request<>(operation, List.copyOf(sequences));
        lock.lock();
        try {
            if (!open) {
                throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "shutting_down", "the service is shutting down");
            }
            if (waiting.size() >= capacity) {
                throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "overloaded",
                        "model '" + modelId + "' has " + capacity + " requests waiting; try again later",
                        Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, retryAfter.toSeconds()))));
            }
            waiting.addLast(request);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        try {
            return request.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request.result.cancel(false);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted", "request interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void loop() {
        while (open) {
            List<Request<?>> round;
            try {
                round = nextRound();
            } catch (InterruptedException e) {
                return;
            }
            try {
                process(round);
            } catch (RuntimeException e) {
                log.warn("model {}: batch failed: {}", modelId, e.toString());
                round.forEach(r -> r.result.completeExceptionally(e));
            }
        }
    }

    /** The oldest request and the waiting ones that can share its passes (same operation), up to the limits. */
    private List<Request<?>> nextRound() throws InterruptedException {
        lock.lock();
        try {
            while (waiting.isEmpty()) {
                notEmpty.await();
            }
            List<Request<?>> round = new ArrayList<>();
            Request<?> first = waiting.pollFirst();
            round.add(first);
            int budget = first.tokens();
            for (Iterator<Request<?>> it = waiting.iterator(); it.hasNext() && round.size() < maxBatchRequests; ) {
                Request<?> next = it.next();
                // Bounded by tokens too, so that a round (and the latency it adds to its first request) stays short.
                if (next.operation.key().equals(first.operation.key()) && budget + next.tokens() <= maxBatchTokens) {
                    it.remove();
                    round.add(next);
                    budget += next.tokens();
                }
            }
            return round;
        } finally {
            lock.unlock();
        }
    }

    private void process(List<Request<?>> round) {
        long start = System.nanoTime();
        List<Item> items = new ArrayList<>();
        for (Request<?> request : round) {
            if (request.result.isCancelled()) {
                continue;
            }
            for (int i = 0; i < request.sequences.size(); i++) {
                items.add(new Item(request, i, request.sequences.get(i)));
            }
        }
        items.sort(Comparator.comparingInt(item -> item.sequence().ids().length));
        Operation<?> operation = round.getFirst().operation;
        int from = 0;
        while (from < items.size()) {
            // Sorted by length: the row just added is the longest, so the pass costs (rows × its length) tokens.
            int to = from + 1;
            while (to < items.size() && (long) (to - from + 1) * items.get(to).sequence().ids().length <= maxBatchTokens) {
                to++;
            }
            runPass(operation, items.subList(from, to), start);
            from = to;
        }
    }

    private void runPass(Operation<?> operation, List<Item> pass, long roundStart) {
        List<int[]> ids = new ArrayList<>(pass.size());
        boolean anyTypes = false;
        int real = 0;
        for (Item item : pass) {
            ids.add(item.sequence().ids());
            anyTypes |= item.sequence().tokenTypes() != null;
            real += item.sequence().ids().length;
        }
        List<int[]> types = null;
        if (anyTypes) {
            types = new ArrayList<>(pass.size());
            for (Item item : pass) {
                int[] t = item.sequence().tokenTypes();
                types.add(t != null ? t : new int[item.sequence().ids().length]);
            }
        }
        long passStart = System.nanoTime();
        List<?> outputs = operation.run(model, ids, types);
        long passEnd = System.nanoTime();
        batchTime.record(passEnd - passStart, TimeUnit.NANOSECONDS);
        batchSize.record(pass.size());
        tokens.increment(real);
        for (int i = 0; i < pass.size(); i++) {
            Item item = pass.get(i);
            deliver(item.request(), item.index(), outputs.get(i), roundStart, passEnd);
        }
    }

    @SuppressWarnings("unchecked")
    private static <R> void deliver(Request<R> request, int index, Object output, long roundStart, long now) {
        request.outputs[index] = output;
        if (--request.remaining == 0) {
            List<R> outputs = new ArrayList<>(request.outputs.length);
            for (Object o : request.outputs) {
                outputs.add((R) o);
            }
            request.result.complete(new Outcome<>(outputs,
                    new Timing(roundStart - request.enqueuedAt, now - roundStart, request.tokens())));
        }
    }

    @Override
    public void close() {
        open = false;
        worker.interrupt();
        lock.lock();
        try {
            waiting.forEach(r -> r.result.completeExceptionally(
                    new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "shutting_down", "the service is shutting down")));
            waiting.clear();
        } finally {
            lock.unlock();
        }
    }
}
