-- Teams and their API keys. A key is stored only as the SHA-256 of its (high-entropy, random) secret; the
-- plaintext is shown once, when the key is created.
CREATE TABLE team (
    name       TEXT        PRIMARY KEY,
    -- Request and response bodies go into request_log only for teams that switch this on.
    log_bodies BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_key (
    id                  TEXT             PRIMARY KEY,
    team                TEXT             NOT NULL REFERENCES team (name),
    name                TEXT,
    key_hash            BYTEA            NOT NULL UNIQUE,
    -- The first characters of the secret, so that people can tell their keys apart; not enough to guess one.
    key_prefix          TEXT             NOT NULL,
    -- Per-key limits; NULL takes the gateway's defaults (trident.limits.*), 0 means unlimited.
    requests_per_second DOUBLE PRECISION,
    tokens_per_minute   BIGINT,
    created_at          TIMESTAMPTZ      NOT NULL DEFAULT now(),
    revoked_at          TIMESTAMPTZ
);

CREATE INDEX api_key_team_idx ON api_key (team);
