package dev.trident.gateway.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class FirstKeyBootstrapTest {

    /** The store's decisions without a database: how many keys exist, and what was created. */
    static final class CountingStore extends ApiKeyStore {
        long keys;
        final List<String> createdTeams = new ArrayList<>();

        CountingStore(long keys) {
            super(null);
            this.keys = keys;
        }

        @Override
        public long keyCount() {
            return keys;
        }

        @Override
        public Optional<Team> team(String name) {
            return Optional.empty();
        }

        @Override
        public CreatedKey createTeamAndKey(String team, String keyName) {
            createdTeams.add(team);
            keys++;
            return new CreatedKey("trd_secret-for-the-newcomer",
                    new KeyView("key_1", team, keyName, "trd_secret", null, null, Instant.now(), null));
        }
    }

    @Test
    void onTheEmbeddedDatabaseWithoutKeysTheFirstKeyIsCreatedAndLoggedOnce(CapturedOutput output) {
        CountingStore store = new CountingStore(0);
        FirstKeyBootstrap bootstrap = new FirstKeyBootstrap(store, settings("embedded"),
                new MockEnvironment().withProperty("trident.db.mode", "embedded"));
        bootstrap.run(null);
        bootstrap.run(null);
        assertThat(store.createdTeams).containsExactly("default");
        assertThat(output.getOut()).containsOnlyOnce(FirstKeyBootstrap.LOG_MARKER)
                .contains("Authorization: Bearer trd_secret-for-the-newcomer");
    }

    @Test
    void anExternalDatabaseGetsNoKeyUnlessAskedAndKeysThatExistAreLeftAlone() {
        CountingStore external = new CountingStore(0);
        new FirstKeyBootstrap(external, settings("embedded"), new MockEnvironment().withProperty("trident.db.mode", "external"))
                .run(null);
        assertThat(external.createdTeams).isEmpty();

        CountingStore asked = new CountingStore(0);
        new FirstKeyBootstrap(asked, settings("always"), new MockEnvironment()).run(null);
        assertThat(asked.createdTeams).containsExactly("default");

        CountingStore hasKeys = new CountingStore(3);
        new FirstKeyBootstrap(hasKeys, settings("always"), new MockEnvironment()).run(null);
        assertThat(hasKeys.createdTeams).isEmpty();

        CountingStore never = new CountingStore(0);
        new FirstKeyBootstrap(never, settings("never"), new MockEnvironment().withProperty("trident.db.mode", "embedded"))
                .run(null);
        assertThat(never.createdTeams).isEmpty();
    }

    private static SecuritySettings settings(String bootstrap) {
        return new SecuritySettings("", java.time.Duration.ofSeconds(5), 1000, bootstrap, "default",
                List.of("/actuator/health"), "X-Trident-");
    }
}
