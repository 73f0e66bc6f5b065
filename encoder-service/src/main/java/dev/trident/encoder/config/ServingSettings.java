package dev.trident.encoder.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How requests reach the models ({@code trident.encoder.serving}); names follow TEI's launcher options.
 *
 * @param maxBatchTokens        padded tokens ({@code rows × longest row}) one forward pass may hold
 * @param maxBatchRequests      requests packed into one round of the queue
 * @param maxConcurrentRequests requests waiting per model; one more is answered 429 with {@code Retry-After}
 * @param maxClientBatchSize    inputs one request may carry (more: 413)
 * @param retryAfter            what {@code Retry-After} tells a client refused because the queue is full
 */
@ConfigurationProperties("trident.encoder.serving")
public record ServingSettings(
        @DefaultValue("8192") int maxBatchTokens,
        @DefaultValue("32") int maxBatchRequests,
        @DefaultValue("512") int maxConcurrentRequests,
        @DefaultValue("32") int maxClientBatchSize,
        @DefaultValue("1s") Duration retryAfter) {

    public ServingSettings {
        if (maxBatchTokens < 1 || maxBatchRequests < 1 || maxConcurrentRequests < 1 || maxClientBatchSize < 1) {
            throw new IllegalArgumentException("trident.encoder.serving: every limit must be at least 1");
        }
    }
}
