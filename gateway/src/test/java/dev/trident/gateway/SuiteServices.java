package dev.trident.gateway;

import dev.trident.postgres.EmbeddedPostgres;
import dev.trident.postgres.SharedEmbeddedPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three real services for the integration tests, each its own process from its executable jar, on the one
 * PostgreSQL of this JVM. Started once for all integration test classes and stopped when the JVM exits.
 */
final class SuiteServices {

    private static final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    private SuiteServices() {
    }

    /** The running services by name ({@code encoder}, {@code decoder}, {@code seq2seq}), started on first use. */
    static synchronized Map<String, ServiceProcess> obtain() throws Exception {
        if (services.isEmpty()) {
            Map<String, String> environment = new LinkedHashMap<>();
            String external = System.getenv("TRIDENT_DB_URL");
            if (external == null || external.isBlank()) {
                // The same server this JVM's gateway context will use (same data directory, so the same instance).
                EmbeddedPostgres postgres = SharedEmbeddedPostgres.obtain(new EmbeddedPostgres.Settings(
                        Path.of(System.getProperty("trident.db.embedded.data-dir", "target/it-pgdata")), 0,
                        Boolean.parseBoolean(System.getProperty("trident.db.embedded.ephemeral", "true"))));
                environment.put("TRIDENT_DB_URL", postgres.jdbcUrl());
            }
            for (String name : List.of("encoder", "decoder", "seq2seq")) {
                services.put(name, ServiceProcess.start(name, environment));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(SuiteServices::stopAll, "stop-suite-services"));
            for (ServiceProcess service : services.values()) {
                service.awaitHealthy(Duration.ofSeconds(180));
            }
        }
        return services;
    }

    /** Points the gateway's service URLs at the running services. */
    static void register(DynamicPropertyRegistry registry) throws Exception {
        obtain().forEach((name, service) -> registry.add("trident.services." + name + ".url", () -> service.url().toString()));
    }

    private static void stopAll() {
        try {
            ServiceProcess.stopAll(services.values());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
