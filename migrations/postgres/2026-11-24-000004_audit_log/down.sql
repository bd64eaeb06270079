DROP INDEX audit_events_actor;
DROP INDEX audit_events_subject;
DROP TABLE audit_checkpoints;
DROP TABLE audit_tree_nodes;
DROP TABLE audit_log_entries;
DROP TABLE audit_pending;
DROP FUNCTION audit_append_only();
