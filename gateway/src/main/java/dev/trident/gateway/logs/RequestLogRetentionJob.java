package dev.trident.gateway.logs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Runs at start-up and every {@code trident.request-log.retention.check-interval}: creates the coming days'
 * partitions of request_log and deletes rows older than {@code max-age}. A database that is away just makes it try
 * again next time; the request-log writer's default partition catches rows meanwhile.
 */
@Component
public class RequestLogRetentionJob {

    private static final Logger log = LoggerFactory.getLogger(RequestLogRetentionJob.class);

    private final RequestLogPartitions partitions;
    private final RetentionSettings settings;
    private final Clock clock = Clock.systemUTC();

    public RequestLogRetentionJob(JdbcTemplate jdbc, TransactionTemplate transactions, RetentionSettings settings,
                                  @Value("${spring.flyway.default-schema:gateway}") String schema) {
        this.partitions = new RequestLogPartitions(jdbc, transactions, schema);
        this.settings = settings;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void atStartUp() {
        run();
    }

    @Scheduled(fixedDelayString = "${trident.request-log.retention.check-interval:1h}",
            initialDelayString = "${trident.request-log.retention.check-interval:1h}")
    public void run() {
        Instant now = clock.instant();
        try {
            int created = partitions.createAhead(LocalDate.ofInstant(now, ZoneOffset.UTC), settings.createAheadDays());
            int dropped = partitions.deleteBefore(now.minus(settings.maxAge()));
            if (created > 0 || dropped > 0) {
                log.info("request log retention: {} partition(s) created, {} dropped (max age {})", created, dropped,
                        settings.maxAge());
            }
        } catch (DataAccessException e) {
            log.warn("request log retention: database not reachable ({}); trying again in {}", e.getMessage(),
                    settings.checkInterval());
        }
    }

    public RequestLogPartitions partitions() {
        return partitions;
    }
}
