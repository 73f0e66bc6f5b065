-- Durable batch jobs. A job's inputs and results live in batch_item; the work is cut into chunks that workers on
-- any replica claim with FOR UPDATE SKIP LOCKED under a lease, so that a job survives a restart and resumes where
-- it stopped: a chunk's results and its "done" mark are written in one transaction (nothing lost, nothing twice).
CREATE TABLE batch_job (
    id              UUID PRIMARY KEY,
    task            TEXT        NOT NULL CHECK (task IN ('classify', 'zero-shot', 'embed', 'ner')),
    model           TEXT,
    parameters      JSONB       NOT NULL DEFAULT '{}'::jsonb,
    status          TEXT        NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    total_items     INTEGER     NOT NULL CHECK (total_items > 0),
    completed_items INTEGER     NOT NULL DEFAULT 0,
    failed_items    INTEGER     NOT NULL DEFAULT 0,
    chunk_size      INTEGER     NOT NULL CHECK (chunk_size > 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at      TIMESTAMPTZ,
    finished_at     TIMESTAMPTZ,
    error           TEXT
);

CREATE INDEX batch_job_open_idx ON batch_job (created_at) WHERE status IN ('queued', 'running');

CREATE TABLE batch_item (
    job_id UUID    NOT NULL REFERENCES batch_job (id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL,
    input  TEXT    NOT NULL,
    result JSONB,
    error  TEXT,
    PRIMARY KEY (job_id, idx)
);

CREATE TABLE batch_chunk (
    job_id       UUID        NOT NULL REFERENCES batch_job (id) ON DELETE CASCADE,
    chunk_no     INTEGER     NOT NULL,
    first_idx    INTEGER     NOT NULL,
    item_count   INTEGER     NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
    claimed_by   TEXT,
    lease_until  TIMESTAMPTZ,
    attempts     INTEGER     NOT NULL DEFAULT 0,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (job_id, chunk_no)
);

CREATE INDEX batch_chunk_open_idx ON batch_chunk (job_id, chunk_no) WHERE status IN ('pending', 'running');
