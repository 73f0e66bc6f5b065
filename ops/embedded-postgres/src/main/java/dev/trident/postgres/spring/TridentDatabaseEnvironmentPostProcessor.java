package dev.trident.postgres.spring;

import dev.trident.postgres.EmbeddedPostgres;
import dev.trident.postgres.SharedEmbeddedPostgres;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.nio.file.Path;
import java.util.Map;

/**
 * Decides which PostgreSQL an app uses, before any bean exists:
 * <ol>
 *   <li>{@code TRIDENT_DB_URL} (with {@code TRIDENT_DB_USER}, {@code TRIDENT_DB_PASSWORD}) names a server: use it.
 *       {@code ops/up} sets it for all four apps, pointing at the one embedded server it started;</li>
 *   <li>{@code spring.datasource.url} is set: leave it alone;</li>
 *   <li>otherwise start an embedded server for this app alone ({@code trident.db.embedded.data-dir}, default
 *       {@code run/<app>-pgdata}; {@code trident.db.embedded.ephemeral=true} gives tests a fresh cluster).</li>
 * </ol>
 */
public class TridentDatabaseEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String externalUrl = environment.getProperty("TRIDENT_DB_URL", "");
        Map<String, Object> datasource;
        if (!externalUrl.isBlank()) {
            datasource = Map.of(
                    "spring.datasource.url", externalUrl,
                    "spring.datasource.username", environment.getProperty("TRIDENT_DB_USER", EmbeddedPostgres.SUPERUSER),
                    "spring.datasource.password", environment.getProperty("TRIDENT_DB_PASSWORD", ""),
                    "trident.db.mode", "external");
        } else if (!environment.getProperty("spring.datasource.url", "").isBlank()) {
            return;
        } else {
            String app = environment.getProperty("spring.application.name", "trident");
            Path dataDir = Path.of(environment.getProperty("trident.db.embedded.data-dir", "run/" + app + "-pgdata"));
            int port = environment.getProperty("trident.db.embedded.port", Integer.class, 0);
            boolean ephemeral = environment.getProperty("trident.db.embedded.ephemeral", Boolean.class, false);
            EmbeddedPostgres postgres = SharedEmbeddedPostgres.obtain(new EmbeddedPostgres.Settings(dataDir, port, ephemeral));
            datasource = Map.of(
                    "spring.datasource.url", postgres.jdbcUrl(),
                    "spring.datasource.username", EmbeddedPostgres.SUPERUSER,
                    "spring.datasource.password", "",
                    "trident.db.mode", "embedded");
        }
        environment.getPropertySources().addFirst(new MapPropertySource("tridentDatabase", datasource));
    }

    @Override
    public int getOrder() {
        // After application.yml and profiles are loaded, so that their settings are visible here.
        return Ordered.LOWEST_PRECEDENCE;
    }
}
