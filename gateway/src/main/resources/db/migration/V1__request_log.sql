-- One row per request through the gateway, written in batches off the request path.
CREATE TABLE request_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at    TIMESTAMPTZ      NOT NULL,
    request_id     TEXT             NOT NULL,
    method         TEXT             NOT NULL,
    path           TEXT             NOT NULL,
    task           TEXT,
    route_id       TEXT,
    service        TEXT,
    upstream_uri   TEXT,
    status         INTEGER          NOT NULL,
    latency_ms     DOUBLE PRECISION NOT NULL,
    request_bytes  BIGINT           NOT NULL,
    response_bytes BIGINT           NOT NULL,
    client_address TEXT,
    error_type     TEXT
);

CREATE INDEX request_log_received_at_idx ON request_log (received_at);
CREATE INDEX request_log_request_id_idx ON request_log (request_id);
