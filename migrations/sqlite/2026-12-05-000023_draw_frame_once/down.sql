ALTER TABLE draws ADD COLUMN frame TEXT NOT NULL DEFAULT '';
UPDATE draws SET frame = COALESCE((SELECT json_extract(a.body, '$.frame') FROM audit_events a
    WHERE a.id = draws.frame_event), '');
ALTER TABLE draws DROP COLUMN outline;
ALTER TABLE draws DROP COLUMN frame_event;
