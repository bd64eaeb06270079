-- The Merkle audit log (issue 4). `audit_pending` is the queue of events written by
-- audit::record in the changing transaction; the sequencer moves them into the log in order.
-- Log tables are append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_pending (
    seq BIGINT PRIMARY KEY
);

CREATE TABLE audit_log_entries (
    log_index BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    tender_id TEXT,
    leaf BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL,
    prev_tender_index BIGINT,
    prev_tender_leaf_hash BYTEA,
    integrated_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_entries_tender ON audit_log_entries(tender_id, log_index);

CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL,
    signed_note TEXT NOT NULL,
    reason TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL
);

CREATE INDEX audit_events_subject ON audit_events(subject);
CREATE INDEX audit_events_actor ON audit_events(actor_id);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_entries_append_only BEFORE UPDATE OR DELETE ON audit_log_entries
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_entries_no_truncate BEFORE TRUNCATE ON audit_log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_tree_nodes_append_only BEFORE UPDATE OR DELETE ON audit_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Events recorded before this migration join the log on the sequencer's first round.
INSERT INTO audit_pending (seq) SELECT seq FROM audit_events;
