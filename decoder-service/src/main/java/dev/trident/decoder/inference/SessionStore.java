package dev.trident.decoder.inference;

import dev.trident.kernels.blocks.KVCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chat sessions' KV caches, kept between turns so that a follow-up only prefills the tokens after the longest common
 * prefix with what is cached. Bounded by a byte budget (least recently used sessions go first) and an idle TTL. A
 * session that is gone is never an error: the next turn carries the whole conversation and rebuilds its cache.
 */
@Component
public class SessionStore {

    /** What a session holds: the model it belongs to, its cache and the token ids whose keys the cache holds. */
    public record Session(String model, KVCache cache, int[] tokens, long lastUsedNanos, int turns) {
        long bytes() {
            return cache.bytes();
        }
    }

    /** A session taken out for one turn; it is put back with {@link #release}. */
    public record Lease(String id, KVCache cache, int reusablePrefix, int turns) {
    }

    private final long budgetBytes;
    private final long ttlNanos;
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private final Counter evictions;
    private final Counter expirations;
    private long bytes;

    public SessionStore(@Value("${trident.decoder.sessions.kv-cache-budget-bytes:1073741824}") long budgetBytes,
                        @Value("${trident.decoder.sessions.ttl:30m}") Duration ttl, MeterRegistry meters) {
        this.budgetBytes = budgetBytes;
        this.ttlNanos = ttl.toNanos();
        this.evictions = Counter.builder("trident.decoder.sessions.evictions").description("sessions evicted for the KV-cache budget").register(meters);
        this.expirations = Counter.builder("trident.decoder.sessions.expirations").description("sessions dropped after their idle TTL").register(meters);
        Gauge.builder("trident.decoder.sessions.active", this, SessionStore::size).description("sessions holding a KV cache").register(meters);
        Gauge.builder("trident.decoder.sessions.bytes", this, SessionStore::heldBytes).description("bytes of KV cache held by sessions").register(meters);
    }

    /**
     * Takes session {@code id}'s cache for a turn of {@code model} with {@code prompt}, cut back to the longest
     * common prefix with the prompt; a new (empty) cache when the session is unknown, evicted, expired or belongs to
     * another model.
     */
    public synchronized Lease acquire(String id, String model, int[] prompt, java.util.function.Supplier<KVCache> fresh) {
        expireIdle();
        Session session = sessions.remove(id);
        if (session == null || !session.model().equals(model)) {
            if (session != null) {
                bytes -= session.bytes();
            }
            return new Lease(id, fresh.get(), 0, 0);
        }
        bytes -= session.bytes();
        int common = 0;
        int limit = Math.min(Math.min(session.tokens().length, prompt.length), session.cache().length());
        while (common < limit && session.tokens()[common] == prompt[common]) {
            common++;
        }
        session.cache().truncate(common);
        return new Lease(id, session.cache(), common, session.turns());
    }

    /** Puts a session back after its turn, then evicts least-recently-used sessions beyond the budget. */
    public synchronized void release(Lease lease, String model, int[] cachedTokens) {
        Session session = new Session(model, lease.cache(), cachedTokens, System.nanoTime(), lease.turns() + 1);
        Session previous = sessions.put(lease.id(), session);
        if (previous != null) {
            bytes -= previous.bytes(); // a concurrent turn of the same session finished first
        }
        bytes += session.bytes();
        Iterator<Map.Entry<String, Session>> oldestFirst = sessions.entrySet().iterator();
        while (bytes > budgetBytes && oldestFirst.hasNext()) {
            Map.Entry<String, Session> oldest = oldestFirst.next();
            if (oldest.getKey().equals(lease.id()) && sessions.size() == 1) {
                break; // one session larger than the budget stays until the next one arrives
            }
            bytes -= oldest.getValue().bytes();
            oldestFirst.remove();
            evictions.increment();
        }
    }

    public synchronized Optional<Session> find(String id) {
        expireIdle();
        return Optional.ofNullable(sessions.get(id));
    }

    public synchronized boolean delete(String id) {
        Session removed = sessions.remove(id);
        if (removed != null) {
            bytes -= removed.bytes();
        }
        return removed != null;
    }

    public synchronized int size() {
        return sessions.size();
    }

    public synchronized long heldBytes() {
        return bytes;
    }

    private void expireIdle() {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Session> entry = it.next();
            if (now - entry.getValue().lastUsedNanos() > ttlNanos) {
                bytes -= entry.getValue().bytes();
                it.remove();
                expirations.increment();
            }
        }
    }
}
