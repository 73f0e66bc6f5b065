package dev.trident.gateway.routing;

import java.net.URI;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One replica of a service: its base URL, its health as the active checks (and failed connects) last saw it, and
 * the requests it has in flight through this gateway.
 */
public final class Replica {

    public enum Health { UNKNOWN, UP, DOWN }

    private final URI url;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Health health = Health.UNKNOWN;
    private volatile Instant checkedAt;
    private volatile String lastError;

    public Replica(URI url) {
        this.url = url;
    }

    public URI url() {
        return url;
    }

    public Health health() {
        return health;
    }

    /** Not known to be down: a replica not yet checked takes requests, so that a fresh gateway serves at once. */
    public boolean usable() {
        return health != Health.DOWN;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public Instant checkedAt() {
        return checkedAt;
    }

    public String lastError() {
        return lastError;
    }

    void markUp() {
        health = Health.UP;
        lastError = null;
        checkedAt = Instant.now();
    }

    void markDown(String reason) {
        health = Health.DOWN;
        lastError = reason;
        checkedAt = Instant.now();
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    @Override
    public String toString() {
        return url + " (" + health + ")";
    }
}
