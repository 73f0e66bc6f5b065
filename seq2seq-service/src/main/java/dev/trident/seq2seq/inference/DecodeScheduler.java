package dev.trident.seq2seq.inference;

import dev.trident.seq2seq.model.DecoderState;
import dev.trident.seq2seq.model.DecodingOptions;
import dev.trident.seq2seq.model.EncoderOutput;
import dev.trident.seq2seq.model.Generation;
import dev.trident.seq2seq.model.Search;
import dev.trident.seq2seq.model.Seq2SeqLm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes the concurrent requests of one model together: one worker thread owns the model; each request is encoded
 * once when it arrives, then joins the running set, and every decoder step runs the pending rows of all running
 * searches (their beams, their samples) in one {@link Seq2SeqLm#decodeStep}, so each weight matrix is read once per
 * step for everyone. A request that arrives mid-way joins at the next step; one that finishes leaves. Since the
 * batched step gives every row the floats it gets alone, and each search keeps its own sampler, a request's output
 * never depends on what else was running.
 */
final class DecodeScheduler implements AutoCloseable {

    private record Job(int[] inputIds, DecodingOptions options, CompletableFuture<List<Generation.Hypothesis>> result) {
    }

    private record Running(Search search, CompletableFuture<List<Generation.Hypothesis>> result) {
    }

    private final Seq2SeqLm lm;
    private final int maxBatchRows;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private volatile int widestStep;
    private volatile boolean closed;

    /** @param maxBatchRows rows per step at most (a search wider than that runs alone) */
    DecodeScheduler(String name, Seq2SeqLm lm, int maxBatchRows) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("max batch rows must be at least 1, not " + maxBatchRows);
        }
        this.lm = lm;
        this.maxBatchRows = maxBatchRows;
        this.worker = Thread.ofPlatform().daemon().name("seq2seq-decode-" + name).unstarted(this::loop);
        worker.start();
    }

    CompletableFuture<List<Generation.Hypothesis>> submit(int[] inputIds, DecodingOptions options) {
        CompletableFuture<List<Generation.Hypothesis>> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("the model is closed"));
            return result;
        }
        queue.add(new Job(inputIds, options, result));
        return result;
    }

    /** Decoder steps run so far. */
    long steps() {
        return steps.get();
    }

    /** Rows decoded so far, over all steps. */
    long rows() {
        return rows.get();
    }

    /** The most rows one step has decoded. */
    int widestStep() {
        return widestStep;
    }

    private void loop() {
        List<Running> running = new ArrayList<>();
        try {
            while (!closed) {
                if (running.isEmpty()) {
                    Job job = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (job != null) {
                        start(job, running);
                    }
                }
                for (Job job; (job = queue.poll()) != null; ) {
                    start(job, running);
                }
                if (!running.isEmpty()) {
                    step(running);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            IllegalStateException gone = new IllegalStateException("the model was closed while decoding");
            running.forEach(r -> r.result().completeExceptionally(gone));
            for (Job job; (job = queue.poll()) != null; ) {
                job.result().completeExceptionally(gone);
            }
        }
    }

    private void start(Job job, List<Running> running) {
        try {
            EncoderOutput encoded = lm.encode(job.inputIds(), null);
            running.add(new Running(Generation.start(lm, encoded, job.options()), job.result()));
        } catch (RuntimeException e) {
            job.result().completeExceptionally(e);
        }
    }

    /** One decoder step for as many running searches as fit, oldest first; finished ones complete and leave. */
    private void step(List<Running> running) {
        List<Running> batch = new ArrayList<>();
        int count = 0;
        for (Running r : running) {
            int pending = r.search().pending();
            if (!batch.isEmpty() && count + pending > maxBatchRows) {
                break;
            }
            batch.add(r);
            count += pending;
        }
        int vocab = lm.vocabSize();
        int[] tokens = new int[count];
        DecoderState[] states = new DecoderState[count];
        int at = 0;
        for (Running r : batch) {
            Search search = r.search();
            for (int i = 0; i < search.pending(); i++) {
                tokens[at] = search.pendingToken(i);
                states[at++] = search.pendingState(i);
            }
        }
        boolean partial = batch.size() < running.size();
        float[] logits = new float[count * vocab];
        try {
            lm.decodeStep(tokens, states, count, logits, 0);
        } catch (RuntimeException e) {
            for (Running r : batch) {
                r.result().completeExceptionally(e);
            }
            running.removeAll(batch);
            return;
        }
        steps.incrementAndGet();
        rows.addAndGet(count);
        widestStep = Math.max(widestStep, count);
        at = 0;
        for (Running r : batch) {
            Search search = r.search();
            int pending = search.pending();
            try {
                search.advance(logits, at * vocab);
                if (search.done()) {
                    r.result().complete(search.result());
                    running.remove(r);
                }
            } catch (RuntimeException e) {
                r.result().completeExceptionally(e);
                running.remove(r);
            }
            at += pending;
        }
        // Round-robin when not everyone fits: the searches just stepped go to the back.
        if (partial) {
            for (Running r : batch) {
                if (running.remove(r)) {
                    running.add(r);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
