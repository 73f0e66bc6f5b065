package dev.trident.gateway.limits;

import dev.trident.gateway.security.Caller;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class KeyRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final KeyRateLimiter limiter = new KeyRateLimiter(new LimitSettings(5, 600, DataSize.ofMegabytes(1), Map.of(),
            new LimitSettings.CircuitBreaker(50, 10, 5, java.time.Duration.ofSeconds(10), 2)), now::get);

    @Test
    void aKeyGetsItsRateAsABurstThenWaitsForRefill() {
        Caller caller = new Caller("t", "k1", false, 2.0, 0L);
        assertThat(limiter.admit(caller).allowed()).isTrue();
        assertThat(limiter.admit(caller).allowed()).isTrue();
        KeyRateLimiter.Decision refused = limiter.admit(caller);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.limit()).isEqualTo("requests_per_second");
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        now.addAndGet(500_000_000L);
        assertThat(limiter.admit(caller).allowed()).isTrue();
        assertThat(limiter.admit(caller).allowed()).isFalse();
    }

    @Test
    void tokensAreChargedAfterwardsAndTheKeyWaitsUntilTheDeficitIsRefilled() {
        // Gateway default 600 tokens a minute: 10 a second.
        Caller caller = new Caller("t", "k2", false, 0.0, null);
        assertThat(limiter.admit(caller).allowed()).isTrue();
        limiter.chargeTokens(caller, 650);
        KeyRateLimiter.Decision refused = limiter.admit(caller);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.limit()).isEqualTo("tokens_per_minute");
        // 50 short, plus one token, at 10 a second.
        assertThat(refused.retryAfterSeconds()).isEqualTo(6);
        now.addAndGet(6_000_000_000L);
        assertThat(limiter.admit(caller).allowed()).isTrue();
    }

    @Test
    void zeroMeansUnlimitedAndKeysAreIndependent() {
        Caller unlimited = new Caller("t", "k3", false, 0.0, 0L);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.admit(unlimited).allowed()).isTrue();
            limiter.chargeTokens(unlimited, 1000);
        }
        Caller other = new Caller("t", "k4", false, null, null);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.admit(other).allowed()).as("default of 5 a second").isTrue();
        }
        assertThat(limiter.admit(other).allowed()).isFalse();
    }
}
