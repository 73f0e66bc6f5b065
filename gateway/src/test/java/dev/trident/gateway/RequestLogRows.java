package dev.trident.gateway;

import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Reads request_log rows in tests, waiting for the batched writer. */
final class RequestLogRows {

    private final JdbcTemplate jdbc;

    RequestLogRows(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Waits up to {@code timeout} for exactly one row of {@code requestId} and returns it. */
    Map<String, Object> awaitOne(String requestId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM request_log WHERE request_id = ?", requestId);
            if (rows.size() > 1) {
                throw new AssertionError("more than one request_log row for " + requestId + ": " + rows);
            }
            if (rows.size() == 1) {
                return rows.getFirst();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no request_log row for " + requestId + " within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
