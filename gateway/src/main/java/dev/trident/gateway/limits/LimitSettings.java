package dev.trident.gateway.limits;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits the gateway enforces.
 *
 * @param requestsPerSecond default per key (a key's own value overrides it); also the burst; 0 means unlimited
 * @param tokensPerMinute   default per key; prompt plus completion tokens as the services report them; 0 unlimited
 * @param maxBodySize       largest request body (413 beyond)
 * @param upstreamTimeouts  longest wait for an upstream's response headers, by route id or by service name (a route's
 *                          own entry wins); routes with neither use {@code spring.cloud.gateway...response-timeout}
 * @param circuitBreaker    one breaker per service
 */
@ConfigurationProperties("trident.limits")
public record LimitSettings(
        @DefaultValue("50") double requestsPerSecond,
        @DefaultValue("200000") long tokensPerMinute,
        @DefaultValue("4MB") DataSize maxBodySize,
        Map<String, Duration> upstreamTimeouts,
        @DefaultValue CircuitBreaker circuitBreaker) {

    public LimitSettings {
        upstreamTimeouts = upstreamTimeouts == null ? Map.of() : new LinkedHashMap<>(upstreamTimeouts);
    }

    /**
     * @param failureRateThreshold percentage of failed calls (connection refused, timeouts, 5xx) that opens the breaker
     * @param slidingWindowSize    calls the failure rate is computed over
     * @param minimumCalls         calls needed before the rate counts
     * @param waitInOpenState      how long the breaker stays open before letting trial calls through
     * @param trialCalls           calls let through while half open
     */
    public record CircuitBreaker(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("20") int slidingWindowSize,
            @DefaultValue("5") int minimumCalls,
            @DefaultValue("10s") Duration waitInOpenState,
            @DefaultValue("2") int trialCalls) {
    }
}
