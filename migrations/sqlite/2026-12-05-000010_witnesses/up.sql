-- Issue 11 finding 7: the audit log stops trusting the operator.
-- 1. Every log table is append-only: audit_events and audit_pending join the tables of
--    000004. A pending row may leave the queue only once its event is in the log.
-- 2. `audit_pending.event_digest`: SHA-256 of the event as audit::record wrote it, so the
--    sequencer recomputes it and refuses an event edited while it waited.
-- 3. Witnesses (registered by a regulator or administrator) and their cosignatures
--    (c2sp.org/tlog-cosignature, Ed25519) of stored checkpoints.
ALTER TABLE audit_pending ADD COLUMN event_digest TEXT;

CREATE TABLE audit_witnesses (
    name TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    verifier_key TEXT NOT NULL UNIQUE,
    registered_by TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_cosignatures (
    tree_size BIGINT NOT NULL REFERENCES audit_checkpoints(tree_size),
    witness_name TEXT NOT NULL REFERENCES audit_witnesses(name),
    signed_at BIGINT NOT NULL,
    signature_line TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tree_size, witness_name)
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN SELECT RAISE(ABORT, 'audit_pending is append-only'); END;
CREATE TRIGGER audit_pending_no_delete BEFORE DELETE ON audit_pending
WHEN NOT EXISTS (
    SELECT 1 FROM audit_events ev JOIN audit_log_entries le ON le.event_id = ev.id
    WHERE ev.seq = OLD.seq
)
BEGIN SELECT RAISE(ABORT, 'audit_pending is append-only until the event is sequenced'); END;
CREATE TRIGGER audit_witnesses_no_update BEFORE UPDATE ON audit_witnesses
BEGIN SELECT RAISE(ABORT, 'audit_witnesses is append-only'); END;
CREATE TRIGGER audit_witnesses_no_delete BEFORE DELETE ON audit_witnesses
BEGIN SELECT RAISE(ABORT, 'audit_witnesses is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_update BEFORE UPDATE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_delete BEFORE DELETE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
