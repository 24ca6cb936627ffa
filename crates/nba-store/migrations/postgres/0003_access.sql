-- Access control: principals, their API keys (only hashes are stored), and the audit log
-- as a hash chain whose head (last sequence and hash) is kept apart to catch truncation.
-- Timestamps are RFC 3339 UTC text. None of these tables is readable through query_sql.
CREATE TABLE principals (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'service')),
    role        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    principal_id   TEXT NOT NULL REFERENCES principals (id),
    hash           TEXT NOT NULL UNIQUE,
    display_prefix TEXT NOT NULL,
    label          TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    expires_at     TEXT,
    revoked_at     TEXT,
    last_used_at   TEXT
);
CREATE INDEX api_keys_principal ON api_keys (principal_id);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    ts         TEXT NOT NULL,
    principal  TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    transport  TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- query_sql's second wall on PostgreSQL: a role that may only SELECT the readable data
-- tables. Read-only queries run under it (SET LOCAL ROLE), so even SQL that slipped past the
-- checker meets the database's own permissions, and a superuser connection drops its
-- superuser rights for the query. Roles are shared by the cluster: creating it tolerates a
-- concurrent creator, and a connection user without CREATEROLE just skips it (the server
-- then logs that the checker is the only wall).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nba_mcp_sql_reader') THEN
        BEGIN
            CREATE ROLE nba_mcp_sql_reader NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'cannot create role nba_mcp_sql_reader: %', SQLERRM;
                RETURN;
        END;
    END IF;
    REVOKE ALL ON principals, api_keys, audit_log, audit_head FROM nba_mcp_sql_reader;
    GRANT SELECT ON franchises, players, games, game_sources, team_box, player_box,
        ingest_runs, prediction_log TO nba_mcp_sql_reader;
    BEGIN
        EXECUTE format('GRANT nba_mcp_sql_reader TO %I', current_user);
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'cannot grant nba_mcp_sql_reader to %: %', current_user, SQLERRM;
    END;
END
$$;
