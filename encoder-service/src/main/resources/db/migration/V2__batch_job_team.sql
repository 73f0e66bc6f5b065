-- The team that submitted a job, from the gateway's X-Trident-Team header (set from the caller's API key): a team
-- sees only its own jobs. NULL for jobs submitted without the gateway (direct calls inside the deployment).
ALTER TABLE batch_job ADD COLUMN team TEXT;
CREATE INDEX batch_job_team_idx ON batch_job (team);
