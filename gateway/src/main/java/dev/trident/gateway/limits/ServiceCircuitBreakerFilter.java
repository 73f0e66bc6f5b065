package dev.trident.gateway.limits;

import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import java.util.Map;

/**
 * One circuit breaker per service (resilience4j, {@code trident.limits.circuit-breaker}): calls that fail — not
 * reachable, timed out, or answered with 5xx — count against it; while it is open, requests for that service get
 * 503 {@code circuit_open} at once instead of waiting on a service that is down, and after
 * {@code wait-in-open-state} a few trial calls decide whether it closes again.
 */
@Component
public class ServiceCircuitBreakerFilter implements GlobalFilter, Ordered {

    /** After the route's URL is known, before the call. */
    static final int ORDER = 10_050;

    private final CircuitBreakerRegistry breakers;
    private final GatewayErrors errors;
    private final long retryAfterSeconds;

    public ServiceCircuitBreakerFilter(LimitSettings settings, GatewayErrors errors) {
        LimitSettings.CircuitBreaker breaker = settings.circuitBreaker();
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(breaker.slidingWindowSize())
                .minimumNumberOfCalls(breaker.minimumCalls())
                .failureRateThreshold(breaker.failureRateThreshold())
                .waitDurationInOpenState(breaker.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(breaker.trialCalls())
                .recordExceptions(Throwable.class)
                .build());
        this.errors = errors;
        this.retryAfterSeconds = Math.max(1, (long) Math.ceil(breaker.waitInOpenState().toMillis() / 1000.0));
    }

    public CircuitBreaker breakerOf(String service) {
        return breakers.circuitBreaker(service);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        String service = GatewayErrors.serviceOf(exchange);
        if (service == null) {
            return chain.filter(exchange);
        }
        CircuitBreaker breaker = breakers.circuitBreaker(service);
        if (!breaker.tryAcquirePermission()) {
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
            return errors.write(exchange, new GatewayError(HttpStatus.SERVICE_UNAVAILABLE, "circuit_open",
                    service + " is failing; requests to it are paused for a moment", Map.of("service", service)));
        }
        long start = breaker.getCurrentTimestamp();
        return chain.filter(exchange)
                .doOnSuccess(done -> {
                    long elapsed = breaker.getCurrentTimestamp() - start;
                    HttpStatusCode status = exchange.getResponse().getStatusCode();
                    if (status != null && status.is5xxServerError()) {
                        breaker.onError(elapsed, breaker.getTimestampUnit(), new UpstreamFailed(status.value()));
                    } else {
                        breaker.onSuccess(elapsed, breaker.getTimestampUnit());
                    }
                })
                .doOnError(failure -> breaker.onError(breaker.getCurrentTimestamp() - start,
                        breaker.getTimestampUnit(), failure))
                .doOnCancel(breaker::releasePermission);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    /** A 5xx answer, recorded as the breaker's failure. */
    static final class UpstreamFailed extends RuntimeException {
        UpstreamFailed(int status) {
            super("upstream answered " + status, null, false, false);
        }
    }

}
