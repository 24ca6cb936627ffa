-- Retention for the audit log: pruning removes a prefix of the hash chain and records here
-- the last (seq, hash) it removed, so the rows kept still verify from it. Starts at the
-- genesis (nothing removed), as audit_head does. Not readable through query_sql: the
-- nba_mcp_sql_reader role (0003) is granted only the data tables, and gets nothing here.
-- The prediction log's retention needs no schema change: 0002's prediction_log_created
-- index serves the age cut and the primary key the row-count cut.
CREATE TABLE audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
