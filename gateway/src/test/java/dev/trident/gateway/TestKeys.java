package dev.trident.gateway;

import dev.trident.gateway.security.ApiKeyStore;

import java.util.UUID;

/** Teams and keys for tests, made through the store as the admin API makes them. */
final class TestKeys {

    private TestKeys() {
    }

    /** A new team (a unique name starting with {@code prefix}) with one key; returns the key's secret and ids. */
    static Key newTeamKey(ApiKeyStore store, String prefix) {
        return newTeamKey(store, prefix, false, null, null);
    }

    static Key newTeamKey(ApiKeyStore store, String prefix, boolean logBodies, Double requestsPerSecond, Long tokensPerMinute) {
        String team = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        store.createTeam(team, logBodies);
        ApiKeyStore.CreatedKey created = store.createKey(team, "test", requestsPerSecond, tokensPerMinute);
        return new Key(team, created.key().id(), created.secret());
    }

    record Key(String team, String id, String secret) {
        String bearer() {
            return "Bearer " + secret;
        }
    }
}
