package dev.trident.postgres;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The suite's database process: {@code ops/up} runs it once and points all four apps at it.
 * Prints one {@code READY <jdbc-url>} line when the server accepts connections; SIGTERM / Ctrl-C stops it cleanly.
 *
 * <pre>java -jar embedded-postgres-exec.jar --data-dir=run/pgdata --port=15432</pre>
 */
public final class EmbeddedPostgresMain {

    private EmbeddedPostgresMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of("run/pgdata");
        int port = 15432;
        for (String arg : args) {
            if (arg.startsWith("--data-dir=")) {
                dataDir = Path.of(arg.substring("--data-dir=".length()));
            } else if (arg.startsWith("--port=")) {
                port = Integer.parseInt(arg.substring("--port=".length()));
            } else {
                System.err.println("usage: EmbeddedPostgresMain [--data-dir=DIR] [--port=N]; unknown argument " + arg);
                System.exit(2);
            }
        }
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.start(new EmbeddedPostgres.Settings(dataDir, port, false));
        } catch (Exception e) {
            System.err.println("postgres: failed to start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            postgres.stop();
            stopped.countDown();
        }, "postgres-shutdown"));
        System.out.println("READY " + postgres.jdbcUrl() + " data=" + postgres.dataDirectory() + " log=" + postgres.logFile());
        System.out.flush();
        stopped.await();
    }
}
