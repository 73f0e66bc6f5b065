package dev.trident.encoder.batch;

import dev.trident.encoder.config.BatchSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * This replica's share of the batch work: threads that claim chunks, run them on the model and write the results.
 * Chunks are claimed under a lease that a heartbeat renews while the chunk runs; a replica that dies leaves its
 * chunks to be taken over when their lease ends (or at once, when it restarts under the same worker id).
 */
public class BatchWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BatchWorker.class);

    private final BatchJobRepository jobs;
    private final BatchTaskRunner runner;
    private final BatchSettings settings;
    private final String workerId;
    private final ObjectMapper json;
    private final List<Thread> threads = new ArrayList<>();
    private ScheduledExecutorService heartbeats;
    private volatile boolean running;

    /** @param runner null when no model is loaded: the worker then takes no work */
    public BatchWorker(BatchJobRepository jobs, BatchTaskRunner runner, BatchSettings settings, String workerId, ObjectMapper json) {
        this.jobs = jobs;
        this.runner = runner;
        this.settings = settings;
        this.workerId = workerId;
        this.json = json;
    }

    public String workerId() {
        return workerId;
    }

    @Override
    public synchronized void start() {
        if (runner == null || settings.workers() <= 0) {
            log.info("batch worker {}: not taking batch work ({})", workerId, runner == null ? "no model loaded" : "trident.batch.workers=0");
            return;
        }
        int released = jobs.releaseChunksOf(workerId);
        if (released > 0) {
            log.info("batch worker {}: resuming {} chunk(s) left unfinished by its previous run", workerId, released);
        }
        running = true;
        heartbeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("batch-lease-heartbeat").daemon(true).factory());
        for (int i = 0; i < settings.workers(); i++) {
            threads.add(Thread.ofPlatform().name("batch-worker-" + i).daemon(true).start(this::loop));
        }
    }

    @Override
    public synchronized void stop() {
        running = false;
        for (Thread thread : threads) {
            thread.interrupt();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                Optional<ChunkClaim> claim = jobs.claim(workerId, settings.lease());
                if (claim.isPresent()) {
                    process(claim.get());
                } else {
                    Thread.sleep(settings.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("batch worker {}: {}; retrying", workerId, e.toString());
                sleepQuietly(settings.pollInterval().toMillis() * 4);
            }
        }
    }

    private void process(ChunkClaim claim) {
        long renewEvery = Math.max(1, settings.lease().toMillis() / 3);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(
                () -> jobs.extendLease(claim, workerId, settings.lease()), renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        try {
            List<String> inputs = jobs.inputs(claim);
            List<String> results = null;
            String error = null;
            try {
                JsonNode parameters = json.readTree(claim.parametersJson());
                List<JsonNode> outputs = runner.run(claim.task(), claim.model(), parameters, inputs);
                if (outputs.size() != inputs.size()) {
                    throw new IllegalStateException("runner returned " + outputs.size() + " results for " + inputs.size() + " inputs");
                }
                results = outputs.stream().map(json::writeValueAsString).toList();
            } catch (RuntimeException e) {
                // The inputs of this chunk are answered with the error; the job goes on with the next chunk.
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                log.warn("batch job {} chunk {}: {}", claim.jobId(), claim.chunkNo(), error);
            }
            if (!running && error != null) {
                return; // the failure may be the shutdown itself: leave the chunk claimed, the next start redoes it
            }
            if (!jobs.complete(claim, workerId, results, error)) {
                log.info("batch job {} chunk {}: no longer ours (cancelled or taken over); results discarded",
                        claim.jobId(), claim.chunkNo());
            }
        } finally {
            heartbeat.cancel(false);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
