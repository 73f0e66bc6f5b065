package dev.trident.gateway.logging;

import dev.trident.gateway.config.RequestLogSettings;
import dev.trident.gateway.logs.RequestDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes request-log rows in batches on its own thread, so that logging never blocks or fails a request.
 *
 * <p>While the database is unreachable the current batch is retried with backoff and new rows wait in a bounded
 * buffer; they are written once it is back. A row that does not fit is dropped, counted in
 * {@code trident.request_log.dropped} and reported in a warning — never lost silently.
 */
@Component
public class RequestLogWriter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RequestLogWriter.class);
    private static final long DROP_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long SHUTDOWN_GRACE_MILLIS = 10_000;

    private static final String INSERT = """
            INSERT INTO request_log (received_at, request_id, method, path, task, route_id, service, upstream_uri,
                                     status, latency_ms, request_bytes, response_bytes, client_address, error_type,
                                     team, key_id, session_id, model, prompt_tokens, completion_tokens, cached_tokens,
                                     finish_reason, request_body, response_body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private final JdbcTemplate jdbc;
    private final RequestLogSettings settings;
    private final BlockingQueue<RequestLogEntry> queue;
    private final List<RequestLogEntry> batch;
    private final Counter written;
    private final Counter dropped;
    private final AtomicLong droppedSinceWarning = new AtomicLong();
    private volatile long lastDropWarning;
    private volatile boolean running;
    private Thread thread;

    public RequestLogWriter(JdbcTemplate jdbc, RequestLogSettings settings, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.bufferCapacity());
        this.batch = new ArrayList<>(settings.batchSize());
        this.written = Counter.builder("trident.request_log.written").description("request-log rows written").register(meters);
        this.dropped = Counter.builder("trident.request_log.dropped")
                .description("request-log rows dropped because the buffer was full").register(meters);
        Gauge.builder("trident.request_log.buffered", queue, BlockingQueue::size)
                .description("request-log rows waiting to be written").register(meters);
    }

    /** Hands a row to the writer; never blocks. */
    public void submit(RequestLogEntry entry) {
        if (queue.offer(entry)) {
            return;
        }
        dropped.increment();
        long count = droppedSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastDropWarning > DROP_WARNING_INTERVAL_NANOS) {
            lastDropWarning = now;
            droppedSinceWarning.addAndGet(-count);
            log.warn("request log buffer full ({} rows): dropped {} row(s); see metric trident.request_log.dropped",
                    settings.bufferCapacity(), count);
        }
    }

    /** Rows accepted but not yet written. */
    public int pending() {
        synchronized (batch) {
            return queue.size() + batch.size();
        }
    }

    private void run() {
        long backoffMillis = 50;
        boolean failing = false;
        long stopDeadline = Long.MAX_VALUE;
        while (true) {
            if (!running && stopDeadline == Long.MAX_VALUE) {
                stopDeadline = System.currentTimeMillis() + SHUTDOWN_GRACE_MILLIS;
            }
            if (!fillBatch()) {
                if (!running) {
                    return;
                }
                continue;
            }
            try {
                insertBatch();
                if (failing) {
                    log.info("request log: database reachable again; buffered rows are being written");
                    failing = false;
                }
                backoffMillis = 50;
            } catch (DataAccessException e) {
                if (!failing) {
                    log.warn("request log: database unreachable ({}); buffering up to {} rows and retrying",
                            rootMessage(e), settings.bufferCapacity());
                    failing = true;
                }
                if (System.currentTimeMillis() > stopDeadline) {
                    int lost = pending();
                    dropped.increment(lost);
                    log.warn("request log: shutting down with the database unreachable; dropped {} row(s)", lost);
                    return;
                }
                sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, settings.retryBackoffMax().toMillis());
            }
        }
    }

    /** Tops up the current batch; false when there is nothing to write after waiting one flush interval. */
    private boolean fillBatch() {
        synchronized (batch) {
            if (batch.isEmpty()) {
                RequestLogEntry first;
                try {
                    first = queue.poll(settings.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    first = queue.poll();
                }
                if (first == null) {
                    return false;
                }
                batch.add(first);
            }
            queue.drainTo(batch, settings.batchSize() - batch.size());
            return true;
        }
    }

    private void insertBatch() {
        synchronized (batch) {
            jdbc.batchUpdate(INSERT, batch, batch.size(), (ps, e) -> {
                ps.setTimestamp(1, Timestamp.from(e.receivedAt()));
                ps.setString(2, e.requestId());
                ps.setString(3, e.method());
                ps.setString(4, e.path());
                ps.setString(5, e.task());
                ps.setString(6, e.routeId());
                ps.setString(7, e.service());
                ps.setString(8, e.upstreamUri());
                ps.setInt(9, e.status());
                ps.setDouble(10, e.latencyMs());
                ps.setLong(11, e.requestBytes());
                ps.setLong(12, e.responseBytes());
                ps.setString(13, e.clientAddress());
                ps.setString(14, e.errorType());
                RequestDetails d = e.details();
                ps.setString(15, d.team());
                ps.setString(16, d.keyId());
                ps.setString(17, d.sessionId());
                ps.setString(18, d.model());
                ps.setObject(19, d.promptTokens(), Types.INTEGER);
                ps.setObject(20, d.completionTokens(), Types.INTEGER);
                ps.setObject(21, d.cachedTokens(), Types.INTEGER);
                ps.setString(22, d.finishReason());
                ps.setString(23, d.requestBody());
                ps.setString(24, d.responseBody());
            });
            written.increment(batch.size());
            batch.clear();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name("request-log-writer").daemon(true).start(this::run);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(SHUTDOWN_GRACE_MILLIS + 2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after the web server, so that the last requests' rows are still written. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
