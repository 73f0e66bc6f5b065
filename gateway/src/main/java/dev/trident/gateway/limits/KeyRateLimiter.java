package dev.trident.gateway.limits;

import dev.trident.gateway.security.Caller;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-key token buckets: one of requests (capacity and refill rate = requests per second) and one of model tokens
 * (capacity = tokens per minute, refilled continuously). A request is admitted while the token bucket is above
 * zero; what it used is charged when its response is done, so one large request can take the bucket below zero
 * and the key waits until it has refilled.
 */
@Component
public class KeyRateLimiter {

    /** Admission, or the seconds to wait ({@code Retry-After}) and which limit said no. */
    public record Decision(boolean allowed, long retryAfterSeconds, String limit) {
        static final Decision ALLOWED = new Decision(true, 0, null);
    }

    private final LimitSettings settings;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Buckets> buckets = new ConcurrentHashMap<>();

    @Autowired
    public KeyRateLimiter(LimitSettings settings) {
        this(settings, System::nanoTime);
    }

    KeyRateLimiter(LimitSettings settings, LongSupplier clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public Decision admit(Caller caller) {
        return bucketsOf(caller).admit(clock.getAsLong());
    }

    public void chargeTokens(Caller caller, long tokens) {
        if (tokens > 0) {
            bucketsOf(caller).charge(clock.getAsLong(), tokens);
        }
    }

    private Buckets bucketsOf(Caller caller) {
        return buckets.computeIfAbsent(caller.keyId(), id -> new Buckets(
                caller.requestsPerSecond() == null ? settings.requestsPerSecond() : caller.requestsPerSecond(),
                caller.tokensPerMinute() == null ? settings.tokensPerMinute() : caller.tokensPerMinute(),
                clock.getAsLong()));
    }

    private static final class Buckets {
        private final double requestRatePerNano;
        private final double requestCapacity;
        private final double tokenRatePerNano;
        private final double tokenCapacity;
        private double requests;
        private double tokens;
        private long refilledAt;

        Buckets(double requestsPerSecond, long tokensPerMinute, long now) {
            this.requestRatePerNano = requestsPerSecond / 1e9;
            this.requestCapacity = Math.max(1, requestsPerSecond);
            this.tokenRatePerNano = tokensPerMinute / 60e9;
            this.tokenCapacity = tokensPerMinute;
            this.requests = requestCapacity;
            this.tokens = tokenCapacity;
            this.refilledAt = now;
        }

        synchronized Decision admit(long now) {
            refill(now);
            if (requestRatePerNano > 0 && requests < 1) {
                return new Decision(false, seconds((1 - requests) / requestRatePerNano), "requests_per_second");
            }
            if (tokenRatePerNano > 0 && tokens <= 0) {
                return new Decision(false, seconds((-tokens + 1) / tokenRatePerNano), "tokens_per_minute");
            }
            if (requestRatePerNano > 0) {
                requests -= 1;
            }
            return Decision.ALLOWED;
        }

        synchronized void charge(long now, long used) {
            refill(now);
            if (tokenRatePerNano > 0) {
                tokens -= used;
            }
        }

        private void refill(long now) {
            long elapsed = now - refilledAt;
            refilledAt = now;
            requests = Math.min(requestCapacity, requests + elapsed * requestRatePerNano);
            tokens = Math.min(tokenCapacity, tokens + elapsed * tokenRatePerNano);
        }

        private static long seconds(double nanos) {
            return Math.max(1, (long) Math.ceil(nanos / 1e9));
        }
    }
}
