package dev.trident.encoder.batch;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The batch tables ({@code V1__batch_jobs.sql}). Every state change that must be all-or-nothing is one transaction:
 * a job with all its items and chunks; a chunk's results with its "done" mark and the job's counts.
 */
@Repository
public class BatchJobRepository {

    private static final int INSERT_SLICE = 1000;

    private static final RowMapper<BatchJobView> JOB = (rs, i) -> new BatchJobView(
            rs.getObject("id", UUID.class), rs.getString("task"), rs.getString("model"), rs.getString("status"),
            rs.getInt("total_items"), rs.getInt("completed_items"), rs.getInt("failed_items"),
            instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("started_at")),
            instant(rs.getTimestamp("finished_at")), rs.getString("error"));

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public BatchJobRepository(JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /** Stores a new job, its inputs and its chunks together; on any failure nothing of it remains. */
    public void create(UUID id, BatchTask task, String model, String parametersJson, List<String> inputs, int chunkSize) {
        create(id, null, task, model, parametersJson, inputs, chunkSize);
    }

    /** As above, owned by {@code team} (null: no team). */
    public void create(UUID id, String team, BatchTask task, String model, String parametersJson, List<String> inputs, int chunkSize) {
        transaction.executeWithoutResult(status -> {
            jdbc.update("""
                    INSERT INTO batch_job (id, team, task, model, parameters, status, total_items, chunk_size)
                    VALUES (?, ?, ?, ?, ?::jsonb, 'queued', ?, ?)""", id, team, task.wireName, model, parametersJson, inputs.size(), chunkSize);
            for (int from = 0; from < inputs.size(); from += INSERT_SLICE) {
                int start = from;
                List<String> slice = inputs.subList(from, Math.min(inputs.size(), from + INSERT_SLICE));
                jdbc.batchUpdate("INSERT INTO batch_item (job_id, idx, input) VALUES (?, ?, ?)", new BatchPreparedStatementSetter() {
                    @Override
                    public void setValues(PreparedStatement ps, int i) throws SQLException {
                        ps.setObject(1, id);
                        ps.setInt(2, start + i);
                        ps.setString(3, slice.get(i));
                    }

                    @Override
                    public int getBatchSize() {
                        return slice.size();
                    }
                });
            }
            List<Object[]> chunks = new ArrayList<>();
            for (int first = 0, no = 0; first < inputs.size(); first += chunkSize, no++) {
                chunks.add(new Object[] {id, no, first, Math.min(chunkSize, inputs.size() - first)});
            }
            jdbc.batchUpdate("INSERT INTO batch_chunk (job_id, chunk_no, first_idx, item_count, status) VALUES (?, ?, ?, ?, 'pending')", chunks);
        });
    }

    public Optional<BatchJobView> find(UUID id) {
        return jdbc.query("SELECT * FROM batch_job WHERE id = ?", JOB, id).stream().findFirst();
    }

    /** The job if it belongs to {@code team}; any job when {@code team} is null (a call that did not come through the gateway). */
    public Optional<BatchJobView> find(UUID id, String team) {
        return team == null ? find(id)
                : jdbc.query("SELECT * FROM batch_job WHERE id = ? AND team = ?", JOB, id, team).stream().findFirst();
    }

    /**
     * Takes the oldest open job's next chunk that is pending or whose lease ran out, under a lease for
     * {@code workerId}. SKIP LOCKED lets every replica claim at once without waiting on each other.
     */
    public Optional<ChunkClaim> claim(String workerId, Duration lease) {
        return transaction.execute(status -> {
            List<ChunkClaim> claimed = jdbc.query("""
                    UPDATE batch_chunk c
                       SET status = 'running', claimed_by = ?, lease_until = now() + ? * interval '1 millisecond',
                           attempts = c.attempts + 1
                      FROM (SELECT ch.job_id, ch.chunk_no
                              FROM batch_chunk ch JOIN batch_job j ON j.id = ch.job_id
                             WHERE j.status IN ('queued', 'running')
                               AND (ch.status = 'pending' OR (ch.status = 'running' AND ch.lease_until < now()))
                             ORDER BY j.created_at, ch.chunk_no
                             LIMIT 1
                               FOR UPDATE OF ch SKIP LOCKED) next
                      JOIN batch_job j ON j.id = next.job_id
                     WHERE c.job_id = next.job_id AND c.chunk_no = next.chunk_no
                    RETURNING c.job_id, c.chunk_no, c.first_idx, c.item_count, j.task, j.model, j.parameters::text AS parameters""",
                    (rs, i) -> new ChunkClaim(rs.getObject("job_id", UUID.class), rs.getInt("chunk_no"), rs.getInt("first_idx"),
                            rs.getInt("item_count"), BatchTask.fromWire(rs.getString("task")), rs.getString("model"),
                            rs.getString("parameters")),
                    workerId, lease.toMillis());
            if (claimed.isEmpty()) {
                return Optional.<ChunkClaim>empty();
            }
            ChunkClaim claim = claimed.getFirst();
            jdbc.update("UPDATE batch_job SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = ? AND status = 'queued'",
                    claim.jobId());
            return Optional.of(claim);
        });
    }

    public List<String> inputs(ChunkClaim claim) {
        return jdbc.queryForList("SELECT input FROM batch_item WHERE job_id = ? AND idx >= ? AND idx < ? ORDER BY idx",
                String.class, claim.jobId(), claim.firstIndex(), claim.firstIndex() + claim.itemCount());
    }

    /** Keeps the lease while a long chunk runs; false when the chunk is no longer ours (taken over, or cancelled). */
    public boolean extendLease(ChunkClaim claim, String workerId, Duration lease) {
        return jdbc.update("""
                UPDATE batch_chunk SET lease_until = now() + ? * interval '1 millisecond'
                 WHERE job_id = ? AND chunk_no = ? AND status = 'running' AND claimed_by = ?""",
                lease.toMillis(), claim.jobId(), claim.chunkNo(), workerId) == 1;
    }

    /**
     * Writes a chunk's results (or its error for every item), marks it done and advances the job, in one
     * transaction, and only while the chunk is still ours: a worker whose lease was taken over writes nothing, so
     * no result is counted twice.
     *
     * @param resultsJson one JSON document per item, or null when {@code error} is set
     * @return false when the chunk was no longer ours
     */
    public boolean complete(ChunkClaim claim, String workerId, List<String> resultsJson, String error) {
        return Boolean.TRUE.equals(transaction.execute(status -> {
            List<String> owner = jdbc.queryForList("""
                    SELECT claimed_by FROM batch_chunk
                     WHERE job_id = ? AND chunk_no = ? AND status = 'running' FOR UPDATE""",
                    String.class, claim.jobId(), claim.chunkNo());
            if (owner.isEmpty() || !workerId.equals(owner.getFirst())) {
                return false;
            }
            if (error == null) {
                List<Object[]> rows = new ArrayList<>(claim.itemCount());
                for (int i = 0; i < claim.itemCount(); i++) {
                    rows.add(new Object[] {resultsJson.get(i), claim.jobId(), claim.firstIndex() + i});
                }
                jdbc.batchUpdate("UPDATE batch_item SET result = ?::jsonb, error = NULL WHERE job_id = ? AND idx = ?", rows);
            } else {
                jdbc.update("UPDATE batch_item SET result = NULL, error = ? WHERE job_id = ? AND idx >= ? AND idx < ?",
                        error, claim.jobId(), claim.firstIndex(), claim.firstIndex() + claim.itemCount());
            }
            jdbc.update("UPDATE batch_chunk SET status = 'done', completed_at = now(), lease_until = NULL WHERE job_id = ? AND chunk_no = ?",
                    claim.jobId(), claim.chunkNo());
            jdbc.update("""
                    UPDATE batch_job
                       SET completed_items = completed_items + ?, failed_items = failed_items + ?
                     WHERE id = ?""",
                    error == null ? claim.itemCount() : 0, error == null ? 0 : claim.itemCount(), claim.jobId());
            jdbc.update("""
                    UPDATE batch_job SET status = 'completed', finished_at = now()
                     WHERE id = ? AND status = 'running'
                       AND NOT EXISTS (SELECT 1 FROM batch_chunk WHERE job_id = ? AND status IN ('pending', 'running'))""",
                    claim.jobId(), claim.jobId());
            return true;
        }));
    }

    /** Cancels an open job: its unfinished chunks are dropped; results already written stay readable. */
    public Optional<BatchJobView> cancel(UUID id) {
        return transaction.execute(status -> {
            int updated = jdbc.update("""
                    UPDATE batch_job SET status = 'cancelled', finished_at = now()
                     WHERE id = ? AND status IN ('queued', 'running')""", id);
            if (updated == 1) {
                jdbc.update("UPDATE batch_chunk SET status = 'cancelled', lease_until = NULL WHERE job_id = ? AND status IN ('pending', 'running')", id);
            }
            return find(id);
        });
    }

    /** A replica that restarts under the same worker id hands its unfinished chunks back at once. */
    public int releaseChunksOf(String workerId) {
        return jdbc.update("UPDATE batch_chunk SET status = 'pending', claimed_by = NULL, lease_until = NULL WHERE status = 'running' AND claimed_by = ?",
                workerId);
    }

    /** Items {@code [offset, offset + limit)} of a job, in order. */
    public List<BatchResultRow> results(UUID id, int offset, int limit) {
        return jdbc.query("SELECT idx, input, result::text AS result, error FROM batch_item WHERE job_id = ? AND idx >= ? ORDER BY idx LIMIT ?",
                BatchResultRow.MAPPER, id, offset, limit);
    }

    /** Every item of a job, in order, streamed from a cursor (a 100 000-item job is never held in memory). */
    public void streamResults(UUID id, java.util.function.Consumer<BatchResultRow> consumer) {
        transaction.executeWithoutResult(status -> jdbc.query(connection -> {
            var statement = connection.prepareStatement(
                    "SELECT idx, input, result::text AS result, error FROM batch_item WHERE job_id = ? ORDER BY idx");
            statement.setObject(1, id);
            statement.setFetchSize(500);
            return statement;
        }, (RowCallbackHandler) rs -> consumer.accept(BatchResultRow.MAPPER.mapRow(rs, 0))));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
