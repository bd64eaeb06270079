ALTER TABLE draws ADD COLUMN frame TEXT NOT NULL DEFAULT '';
ALTER TABLE draws ALTER COLUMN frame SET STORAGE EXTERNAL;
UPDATE draws SET frame = COALESCE((SELECT (a.body::json -> 'frame')::text FROM audit_events a
    WHERE a.id = draws.frame_event), '');
ALTER TABLE draws DROP COLUMN outline;
ALTER TABLE draws DROP COLUMN frame_event;
