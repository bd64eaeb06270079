-- The Merkle audit log (issue 4). `audit_pending` is the queue of events written by
-- audit::record in the changing transaction; the sequencer moves them into the log in order.
-- Log tables are append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE audit_pending (
    seq INTEGER PRIMARY KEY NOT NULL
);

CREATE TABLE audit_log_entries (
    log_index INTEGER PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    tender_id TEXT,
    leaf BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    prev_tender_index BIGINT,
    prev_tender_leaf_hash BLOB,
    integrated_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_entries_tender ON audit_log_entries(tender_id, log_index);

CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE audit_checkpoints (
    tree_size INTEGER PRIMARY KEY NOT NULL,
    root BLOB NOT NULL,
    signed_note TEXT NOT NULL,
    reason TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL
);

CREATE INDEX audit_events_subject ON audit_events(subject);
CREATE INDEX audit_events_actor ON audit_events(actor_id);

CREATE TRIGGER audit_log_entries_no_update BEFORE UPDATE ON audit_log_entries
BEGIN SELECT RAISE(ABORT, 'audit_log_entries is append-only'); END;
CREATE TRIGGER audit_log_entries_no_delete BEFORE DELETE ON audit_log_entries
BEGIN SELECT RAISE(ABORT, 'audit_log_entries is append-only'); END;
CREATE TRIGGER audit_tree_nodes_no_update BEFORE UPDATE ON audit_tree_nodes
BEGIN SELECT RAISE(ABORT, 'audit_tree_nodes is append-only'); END;
CREATE TRIGGER audit_tree_nodes_no_delete BEFORE DELETE ON audit_tree_nodes
BEGIN SELECT RAISE(ABORT, 'audit_tree_nodes is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

-- Events recorded before this migration join the log on the sequencer's first round.
INSERT INTO audit_pending (seq) SELECT seq FROM audit_events;
