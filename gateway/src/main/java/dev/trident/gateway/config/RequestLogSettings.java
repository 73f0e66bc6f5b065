package dev.trident.gateway.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * How request-log rows leave the request path.
 *
 * @param bufferCapacity rows held while the database is slow or unreachable; beyond it rows are dropped and counted
 * @param batchSize      rows per INSERT batch
 * @param flushInterval  longest a row waits before its batch is written
 * @param retryBackoffMax longest pause between attempts while the database is unreachable
 * @param excludePaths   the gateway's own management endpoints, which are not requests through the gateway
 */
@ConfigurationProperties("trident.request-log")
public record RequestLogSettings(
        @DefaultValue("10000") int bufferCapacity,
        @DefaultValue("500") int batchSize,
        @DefaultValue("200ms") Duration flushInterval,
        @DefaultValue("5s") Duration retryBackoffMax,
        @DefaultValue("/actuator/**") List<String> excludePaths) {
}
