-- Issue 11 finding 7: the audit log stops trusting the operator.
-- 1. Every log table is append-only: audit_events and audit_pending join the tables of
--    000004. A pending row may leave the queue only once its event is in the log.
-- 2. `audit_pending.event_digest`: SHA-256 of the event as audit::record wrote it, so the
--    sequencer recomputes it and refuses an event edited while it waited.
-- 3. Witnesses (registered by a regulator or administrator) and their cosignatures
--    (c2sp.org/tlog-cosignature, Ed25519) of stored checkpoints.
ALTER TABLE audit_pending ADD COLUMN event_digest TEXT;

CREATE TABLE audit_witnesses (
    name TEXT PRIMARY KEY,
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

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE FUNCTION audit_pending_dequeue_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_events ev JOIN audit_log_entries le ON le.event_id = ev.id
        WHERE ev.seq = OLD.seq
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_pending is append-only until the event is sequenced'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_pending_append_only BEFORE UPDATE OR DELETE ON audit_pending
    FOR EACH ROW EXECUTE FUNCTION audit_pending_dequeue_only();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_witnesses_append_only BEFORE UPDATE OR DELETE ON audit_witnesses
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_witnesses_no_truncate BEFORE TRUNCATE ON audit_witnesses
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_cosignatures_append_only BEFORE UPDATE OR DELETE ON audit_cosignatures
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_cosignatures_no_truncate BEFORE TRUNCATE ON audit_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
