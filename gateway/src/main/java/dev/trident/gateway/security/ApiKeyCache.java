package dev.trident.gateway.security;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Key lookups, kept for {@code trident.security.key-cache-ttl} so that the hot path does not ask the database on
 * every request. Unknown keys are cached too (as absent), so a flood of wrong keys costs one query each per TTL at
 * most; the map is bounded by {@code key-cache-max-entries}. Revocation through this gateway's admin API clears
 * the cache at once; a key revoked elsewhere (another instance, the database) stops working within the TTL.
 */
@Component
public class ApiKeyCache {

    private record Entry(Optional<Caller> caller, long expiresAtNanos) {
    }

    private final ApiKeyStore store;
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    @Autowired
    public ApiKeyCache(ApiKeyStore store, SecuritySettings settings) {
        this(store, settings, System::nanoTime);
    }

    ApiKeyCache(ApiKeyStore store, SecuritySettings settings, LongSupplier clock) {
        this.store = store;
        this.ttlNanos = settings.keyCacheTtl().toNanos();
        this.maxEntries = settings.keyCacheMaxEntries();
        this.clock = clock;
    }

    /** The caller holding {@code secret}; empty for an unknown or revoked key. Database reads run off the event loop. */
    public Mono<Optional<Caller>> lookup(String secret) {
        byte[] hash = ApiKeySecrets.hash(secret);
        String cacheKey = HexFormat.of().formatHex(hash);
        Entry cached = entries.get(cacheKey);
        long now = clock.getAsLong();
        if (cached != null && now - cached.expiresAtNanos() < 0) {
            return Mono.just(cached.caller());
        }
        return Mono.fromCallable(() -> store.callerByHash(hash))
                .subscribeOn(Schedulers.boundedElastic())
                .doOnNext(caller -> {
                    if (entries.size() >= maxEntries) {
                        entries.clear();
                    }
                    entries.put(cacheKey, new Entry(caller, clock.getAsLong() + ttlNanos));
                });
    }

    /** Forgets every lookup: after a revocation or a change of a team's settings on this instance. */
    public void invalidateAll() {
        entries.clear();
    }
}
