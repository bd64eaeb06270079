DROP TABLE audit_cosignatures;
DROP TABLE audit_witnesses;
DROP TRIGGER audit_pending_no_truncate ON audit_pending;
DROP TRIGGER audit_pending_append_only ON audit_pending;
DROP FUNCTION audit_pending_dequeue_only();
DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_append_only ON audit_events;
ALTER TABLE audit_pending DROP COLUMN event_digest;
