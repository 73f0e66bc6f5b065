package dev.trident.gateway.security;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Teams and API keys in PostgreSQL (tables {@code team}, {@code api_key}); secrets only as their SHA-256. */
@Component
public class ApiKeyStore {

    public record Team(String name, boolean logBodies, Instant createdAt) {
    }

    /** A key as the admin API shows it: never its secret, which exists only in {@link CreatedKey}. */
    public record KeyView(String id, String team, String name, String keyPrefix, Double requestsPerSecond,
                          Long tokensPerMinute, Instant createdAt, Instant revokedAt) {
    }

    public record CreatedKey(String secret, KeyView key) {
    }

    private final JdbcTemplate jdbc;

    public ApiKeyStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Team createTeam(String name, boolean logBodies) {
        jdbc.update("INSERT INTO team (name, log_bodies) VALUES (?, ?)", name, logBodies);
        return team(name).orElseThrow();
    }

    public Optional<Team> team(String name) {
        return jdbc.query("SELECT name, log_bodies, created_at FROM team WHERE name = ?", ApiKeyStore::team, name)
                .stream().findFirst();
    }

    public List<Team> teams() {
        return jdbc.query("SELECT name, log_bodies, created_at FROM team ORDER BY name", ApiKeyStore::team);
    }

    public boolean setLogBodies(String team, boolean logBodies) {
        return jdbc.update("UPDATE team SET log_bodies = ? WHERE name = ?", logBodies, team) == 1;
    }

    public CreatedKey createKey(String team, String name, Double requestsPerSecond, Long tokensPerMinute) {
        String secret = ApiKeySecrets.newSecret();
        String id = ApiKeySecrets.newKeyId();
        jdbc.update("""
                        INSERT INTO api_key (id, team, name, key_hash, key_prefix, requests_per_second, tokens_per_minute)
                        VALUES (?, ?, ?, ?, ?, ?, ?)""",
                id, team, name, ApiKeySecrets.hash(secret), secret.substring(0, ApiKeySecrets.SHOWN_CHARACTERS),
                requestsPerSecond, tokensPerMinute);
        return new CreatedKey(secret, key(id).orElseThrow());
    }

    @Transactional
    public CreatedKey createTeamAndKey(String team, String keyName) {
        createTeam(team, false);
        return createKey(team, keyName, null, null);
    }

    public Optional<KeyView> key(String id) {
        return jdbc.query(KEY_COLUMNS + " WHERE id = ?", ApiKeyStore::key, id).stream().findFirst();
    }

    /** The keys of {@code team}, or of all teams when it is null, newest first. */
    public List<KeyView> keys(String team) {
        return team == null
                ? jdbc.query(KEY_COLUMNS + " ORDER BY created_at DESC, id", ApiKeyStore::key)
                : jdbc.query(KEY_COLUMNS + " WHERE team = ? ORDER BY created_at DESC, id", ApiKeyStore::key, team);
    }

    /** Marks the key revoked; false when there is no such key or it was revoked already. */
    public boolean revoke(String id) {
        return jdbc.update("UPDATE api_key SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL", id) == 1;
    }

    public long keyCount() {
        Long count = jdbc.queryForObject("SELECT count(*) FROM api_key", Long.class);
        return count == null ? 0 : count;
    }

    /** The caller holding the secret whose SHA-256 is {@code hash}, if that key exists and is not revoked. */
    public Optional<Caller> callerByHash(byte[] hash) {
        return jdbc.query("""
                        SELECT k.id, k.key_hash, k.team, t.log_bodies, k.requests_per_second, k.tokens_per_minute
                        FROM api_key k JOIN team t ON t.name = k.team
                        WHERE k.key_hash = ? AND k.revoked_at IS NULL""",
                (rs, row) -> {
                    // The index found the row by hash; comparing again in constant time keeps the final decision
                    // free of early-exit timing.
                    if (!MessageDigest.isEqual(rs.getBytes("key_hash"), hash)) {
                        return null;
                    }
                    return new Caller(rs.getString("team"), rs.getString("id"), rs.getBoolean("log_bodies"),
                            (Double) rs.getObject("requests_per_second"), (Long) rs.getObject("tokens_per_minute"));
                }, (Object) hash).stream().filter(java.util.Objects::nonNull).findFirst();
    }

    private static final String KEY_COLUMNS = """
            SELECT id, team, name, key_prefix, requests_per_second, tokens_per_minute, created_at, revoked_at
            FROM api_key""";

    private static Team team(ResultSet rs, int row) throws SQLException {
        return new Team(rs.getString("name"), rs.getBoolean("log_bodies"), rs.getTimestamp("created_at").toInstant());
    }

    private static KeyView key(ResultSet rs, int row) throws SQLException {
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new KeyView(rs.getString("id"), rs.getString("team"), rs.getString("name"), rs.getString("key_prefix"),
                (Double) rs.getObject("requests_per_second"), (Long) rs.getObject("tokens_per_minute"),
                rs.getTimestamp("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
    }
}
