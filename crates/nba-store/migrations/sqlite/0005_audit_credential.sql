-- Which credential (API key id, token issuer) each audit entry authenticated with.
ALTER TABLE audit_log ADD COLUMN credential TEXT NOT NULL DEFAULT '';
