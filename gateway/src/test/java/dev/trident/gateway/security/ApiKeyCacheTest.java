package dev.trident.gateway.security;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The key cache on a fake clock: lookups are reused for the TTL, and a revocation shows once it has passed. */
class ApiKeyCacheTest {

    /** A store with one key, which the test can revoke as another gateway instance would. */
    static final class OneKeyStore extends ApiKeyStore {
        final String hashHex = HexFormat.of().formatHex(ApiKeySecrets.hash("trd_the-key"));
        volatile boolean revoked;
        final AtomicInteger queries = new AtomicInteger();

        OneKeyStore() {
            super(null);
        }

        @Override
        public Optional<Caller> callerByHash(byte[] hash) {
            queries.incrementAndGet();
            boolean match = HexFormat.of().formatHex(hash).equals(hashHex);
            return match && !revoked ? Optional.of(new Caller("team", "key_1", false, null, null)) : Optional.empty();
        }
    }

    private final AtomicLong now = new AtomicLong(0);
    private final OneKeyStore store = new OneKeyStore();
    private final ApiKeyCache cache = new ApiKeyCache(store, new SecuritySettings("", Duration.ofSeconds(5), 3,
            "never", "default", List.of(), "X-Trident-"), now::get);

    @Test
    void aRevocationElsewhereIsSeenOnceTheTtlHasPassed() {
        assertThat(cache.lookup("trd_the-key").block()).isPresent();
        store.revoked = true;
        now.addAndGet(Duration.ofMillis(4999).toNanos());
        assertThat(cache.lookup("trd_the-key").block()).as("still cached").isPresent();
        assertThat(store.queries).hasValue(1);
        now.addAndGet(Duration.ofMillis(2).toNanos());
        assertThat(cache.lookup("trd_the-key").block()).as("after the TTL").isEmpty();
        assertThat(store.queries).hasValue(2);
    }

    @Test
    void unknownKeysAreCachedTooAndTheCacheIsBounded() {
        assertThat(cache.lookup("trd_wrong").block()).isEmpty();
        assertThat(cache.lookup("trd_wrong").block()).isEmpty();
        assertThat(store.queries).hasValue(1);
        // Max entries is 3: wrong, a, b fill it; c starts it over (only c kept), so wrong is asked again.
        cache.lookup("trd_a").block();
        cache.lookup("trd_b").block();
        cache.lookup("trd_c").block();
        assertThat(store.queries).hasValue(4);
        cache.lookup("trd_c").block();
        assertThat(store.queries).hasValue(4);
        cache.lookup("trd_wrong").block();
        assertThat(store.queries).hasValue(5);
    }

    @Test
    void invalidateAllForgetsAtOnce() {
        assertThat(cache.lookup("trd_the-key").block()).isPresent();
        store.revoked = true;
        cache.invalidateAll();
        assertThat(cache.lookup("trd_the-key").block()).isEmpty();
    }
}
