-- request_log becomes partitioned by day (UTC) so that retention drops whole partitions, and gains the columns of
-- the request log as a product: who (team, key), which conversation and model, tokens, finish reason, bodies.
-- Existing rows move into day partitions; RequestLogPartitions creates the coming days' partitions ahead.
ALTER TABLE request_log RENAME TO request_log_v1;
ALTER INDEX request_log_pkey RENAME TO request_log_v1_pkey;
ALTER INDEX request_log_received_at_idx RENAME TO request_log_v1_received_at_idx;
ALTER INDEX request_log_request_id_idx RENAME TO request_log_v1_request_id_idx;

-- A plain sequence, not an identity column: identity on partitioned tables needs PostgreSQL 17.
CREATE SEQUENCE request_log_row_id_seq;
SELECT setval('request_log_row_id_seq', COALESCE((SELECT max(id) FROM request_log_v1), 0) + 1, false);

CREATE TABLE request_log (
    id                BIGINT           NOT NULL DEFAULT nextval('request_log_row_id_seq'),
    received_at       TIMESTAMPTZ      NOT NULL,
    request_id        TEXT             NOT NULL,
    method            TEXT             NOT NULL,
    path              TEXT             NOT NULL,
    task              TEXT,
    route_id          TEXT,
    service           TEXT,
    upstream_uri      TEXT,
    status            INTEGER          NOT NULL,
    latency_ms        DOUBLE PRECISION NOT NULL,
    request_bytes     BIGINT           NOT NULL,
    response_bytes    BIGINT           NOT NULL,
    client_address    TEXT,
    error_type        TEXT,
    team              TEXT,
    key_id            TEXT,
    session_id        TEXT,
    model             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cached_tokens     INTEGER,
    finish_reason     TEXT,
    request_body      TEXT,
    response_body     TEXT,
    PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);
ALTER SEQUENCE request_log_row_id_seq OWNED BY request_log.id;

CREATE INDEX request_log_received_at_idx ON request_log (received_at);
CREATE INDEX request_log_request_id_idx ON request_log (request_id);
CREATE INDEX request_log_team_received_at_idx ON request_log (team, received_at);

-- Rows of a day with no partition (the job did not run) land here rather than fail; the job moves them out.
CREATE TABLE request_log_default PARTITION OF request_log DEFAULT;

-- One partition per day that has rows, plus today and the next two days.
DO $$
DECLARE
    day DATE;
BEGIN
    FOR day IN
        SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date FROM request_log_v1
        UNION
        SELECT generate_series((now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 2, INTERVAL '1 day')::date
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF request_log FOR VALUES FROM (%L) TO (%L)',
                       'request_log_p' || to_char(day, 'YYYYMMDD'),
                       to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                       to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
END
$$;

INSERT INTO request_log (id, received_at, request_id, method, path, task, route_id, service, upstream_uri, status,
                         latency_ms, request_bytes, response_bytes, client_address, error_type)
SELECT id, received_at, request_id, method, path, task, route_id, service, upstream_uri, status,
       latency_ms, request_bytes, response_bytes, client_address, error_type
FROM request_log_v1;

DROP TABLE request_log_v1;
