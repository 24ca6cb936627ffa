-- Model roll-outs (canary, shadow, blue-green): the plan and its progress as JSON, shared by
-- every instance on this database. At most one runs at a time (the partial unique index);
-- `revision` makes every change a compare-and-set, so two instances never both advance,
-- promote or roll back the same step.
CREATE TABLE rollouts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    state      TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    plan       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX rollouts_one_running ON rollouts (state) WHERE state = 'running';

-- Drift reads the newest predictions of one model version (a roll-out logs two).
CREATE INDEX prediction_log_version ON prediction_log (model_version, id);
