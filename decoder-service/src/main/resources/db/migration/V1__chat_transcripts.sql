-- Chat transcripts: every turn of a named session, so that a session outlives a restart of its replica (its KV
-- cache does not: the next turn rebuilds it from the conversation the request carries).
CREATE TABLE chat_session (
    id         TEXT PRIMARY KEY,
    model      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    turns      INTEGER     NOT NULL DEFAULT 0
);

CREATE TABLE chat_turn (
    session_id        TEXT        NOT NULL REFERENCES chat_session (id) ON DELETE CASCADE,
    turn_no           INTEGER     NOT NULL,
    messages          JSONB       NOT NULL,
    reply             TEXT        NOT NULL,
    finish_reason     TEXT        NOT NULL,
    prompt_tokens     INTEGER     NOT NULL,
    completion_tokens INTEGER     NOT NULL,
    cached_tokens     INTEGER     NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, turn_no)
);
