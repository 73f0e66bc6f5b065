package dev.trident.encoder.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Batch jobs.
 *
 * @param maxItems     most texts one job may hold
 * @param chunkSize    texts a worker claims at once (the unit of progress and of redo after a crash)
 * @param workers      worker threads on this replica (0: this replica takes no batch work)
 * @param lease        how long a claimed chunk stays ours without a heartbeat; a crashed worker's chunk is
 *                     taken over after it
 * @param pollInterval pause between looks for work while there is none
 * @param workerId     this replica's name in the chunk table; stable across restarts so that a restarted replica
 *                     takes its unfinished chunks back at once (default host:port)
 */
@ConfigurationProperties("trident.batch")
public record BatchSettings(
        @DefaultValue("100000") int maxItems,
        @DefaultValue("64") int chunkSize,
        @DefaultValue("1") int workers,
        @DefaultValue("60s") Duration lease,
        @DefaultValue("500ms") Duration pollInterval,
        String workerId) {
}
