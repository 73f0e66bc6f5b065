package dev.trident.gateway.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * So that a newcomer can call the suite at once: on a database without any key, creates a first team and key and
 * prints the key once in the log ({@code ops/up} shows that line). Only on the gateway's own embedded database
 * unless {@code trident.security.bootstrap-first-key} says {@code always} (which {@code ops/up} sets for the
 * embedded database it starts) or {@code never}.
 */
@Component
public class FirstKeyBootstrap implements ApplicationRunner {

    public static final String LOG_MARKER = "first API key";
    private static final Logger log = LoggerFactory.getLogger(FirstKeyBootstrap.class);

    private final ApiKeyStore store;
    private final SecuritySettings settings;
    private final Environment environment;

    public FirstKeyBootstrap(ApiKeyStore store, SecuritySettings settings, Environment environment) {
        this.store = store;
        this.settings = settings;
        this.environment = environment;
    }

    @Override
    public void run(ApplicationArguments args) {
        boolean wanted = switch (settings.bootstrapFirstKey()) {
            case "always" -> true;
            case "never" -> false;
            default -> "embedded".equals(environment.getProperty("trident.db.mode"));
        };
        if (!wanted || store.keyCount() > 0) {
            return;
        }
        String team = settings.bootstrapTeam();
        ApiKeyStore.CreatedKey created = store.team(team).isPresent()
                ? store.createKey(team, "first key", null, null)
                : store.createTeamAndKey(team, "first key");
        log.info("trident: {} (team '{}', id {}), shown only now: Authorization: Bearer {}", LOG_MARKER, team,
                created.key().id(), created.secret());
    }
}
