package dev.trident.gateway.logs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How long request-log rows are kept.
 *
 * @param maxAge         rows older than this are deleted (whole day partitions dropped, the rest of the oldest day deleted)
 * @param createAheadDays day partitions created ahead of today
 * @param checkInterval  how often the job runs (also once at start-up)
 */
@ConfigurationProperties("trident.request-log.retention")
public record RetentionSettings(
        @DefaultValue("30d") Duration maxAge,
        @DefaultValue("3") int createAheadDays,
        @DefaultValue("1h") Duration checkInterval) {
}
