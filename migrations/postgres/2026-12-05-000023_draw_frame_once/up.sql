-- The frame is kept once, in the `draw_requested` audit entry that commits to it (docs/DRAWS.md
-- §8): the draw row names that entry and keeps only the outline its views need (per group the
-- code, count, reserves and the number of candidates). A 9,000-candidate frame is about 350 KB,
-- and it was written and committed twice per draw, then rewritten with every update of the row.
ALTER TABLE draws ADD COLUMN frame_event TEXT NOT NULL DEFAULT '';
ALTER TABLE draws ADD COLUMN outline TEXT NOT NULL DEFAULT '';
UPDATE draws SET
    frame_event = COALESCE((SELECT a.id FROM audit_events a
        WHERE a.event_type = 'draw_requested' AND a.subject = draws.id), ''),
    outline = COALESCE((SELECT json_agg(json_build_object(
            'code', g -> 'code',
            'count', g -> 'count',
            'reserves', g -> 'reserves',
            'candidates', json_array_length(g -> 'candidates')) ORDER BY n)::text
        FROM json_array_elements(draws.frame::json -> 'groups') WITH ORDINALITY AS x(g, n)), '[]');
ALTER TABLE draws DROP COLUMN frame;
