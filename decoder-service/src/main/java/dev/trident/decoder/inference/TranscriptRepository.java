package dev.trident.decoder.inference;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Chat transcripts in this service's schema ({@code V1__chat_transcripts.sql}): one row per turn, written whole. */
@Repository
public class TranscriptRepository {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public TranscriptRepository(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /** Appends a turn to the session (creating it), in one transaction; returns the turn's number. */
    public int record(String sessionId, String model, String messagesJson, Generation generation, Instant started, Instant finished) {
        Integer turn = transaction.execute(status -> {
            Integer number = jdbc.queryForObject("""
                    INSERT INTO chat_session (id, model, turns) VALUES (?, ?, 1)
                    ON CONFLICT (id) DO UPDATE SET turns = chat_session.turns + 1, updated_at = now(), model = EXCLUDED.model
                    RETURNING turns""", Integer.class, sessionId, model);
            jdbc.update("""
                    INSERT INTO chat_turn (session_id, turn_no, messages, reply, finish_reason, prompt_tokens, completion_tokens,
                                           cached_tokens, started_at, finished_at)
                    VALUES (?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)""",
                    sessionId, number, messagesJson, generation.text(), generation.finishReason(), generation.promptTokens(),
                    generation.completionTokens(), generation.cachedTokens(), Timestamp.from(started), Timestamp.from(finished));
            return number;
        });
        return turn == null ? 0 : turn;
    }

    /** The session's row: model, turns, created and updated times. */
    public Optional<Map<String, Object>> session(String sessionId) {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT model, turns, created_at, updated_at FROM chat_session WHERE id = ?", sessionId);
        return rows.stream().findFirst();
    }

    public List<Map<String, Object>> turns(String sessionId) {
        return jdbc.queryForList("""
                SELECT turn_no, reply, finish_reason, prompt_tokens, completion_tokens, cached_tokens, started_at, finished_at
                  FROM chat_turn WHERE session_id = ? ORDER BY turn_no""", sessionId);
    }

    public boolean delete(String sessionId) {
        return jdbc.update("DELETE FROM chat_session WHERE id = ?", sessionId) > 0;
    }
}
