package dev.trident.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One embedded server per data directory and JVM: several Spring contexts in one test JVM, or a context that is
 * refreshed, share it instead of racing for the same cluster. Stopped by a JVM shutdown hook.
 */
public final class SharedEmbeddedPostgres {

    private static final Map<Path, EmbeddedPostgres> SERVERS = new HashMap<>();
    private static boolean shutdownHookRegistered;

    private SharedEmbeddedPostgres() {
    }

    public static synchronized EmbeddedPostgres obtain(EmbeddedPostgres.Settings settings) {
        EmbeddedPostgres running = SERVERS.get(settings.dataDirectory());
        if (running != null) {
            return running;
        }
        try {
            EmbeddedPostgres started = EmbeddedPostgres.start(settings);
            SERVERS.put(settings.dataDirectory(), started);
            if (!shutdownHookRegistered) {
                Runtime.getRuntime().addShutdownHook(new Thread(SharedEmbeddedPostgres::stopAll, "embedded-postgres-shutdown"));
                shutdownHookRegistered = true;
            }
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL in " + settings.dataDirectory() + " failed to start: " + e.getMessage(), e);
        }
    }

    /** The server this JVM started, if it started exactly one (tests use it to take the database away and back). */
    public static synchronized Optional<EmbeddedPostgres> only() {
        return SERVERS.size() == 1 ? Optional.of(SERVERS.values().iterator().next()) : Optional.empty();
    }

    private static synchronized void stopAll() {
        SERVERS.values().forEach(EmbeddedPostgres::stop);
        SERVERS.clear();
    }
}
