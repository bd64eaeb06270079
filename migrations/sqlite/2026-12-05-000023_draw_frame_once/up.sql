-- The frame is kept once, in the `draw_requested` audit entry that commits to it (docs/DRAWS.md
-- §8): the draw row names that entry and keeps only the outline its views need (per group the
-- code, count, reserves and the number of candidates). A 9,000-candidate frame is about 350 KB,
-- and it was written and committed twice per draw, then rewritten with every update of the row.
ALTER TABLE draws ADD COLUMN frame_event TEXT NOT NULL DEFAULT '';
ALTER TABLE draws ADD COLUMN outline TEXT NOT NULL DEFAULT '';
UPDATE draws SET
    frame_event = COALESCE((SELECT a.id FROM audit_events a
        WHERE a.event_type = 'draw_requested' AND a.subject = draws.id), ''),
    outline = COALESCE((SELECT json_group_array(json_object(
            'code', json_extract(g.value, '$.code'),
            'count', json_extract(g.value, '$.count'),
            'reserves', json_extract(g.value, '$.reserves'),
            'candidates', json_array_length(g.value, '$.candidates')))
        FROM json_each(draws.frame, '$.groups') g), '[]');
ALTER TABLE draws DROP COLUMN frame;
