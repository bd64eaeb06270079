-- What a draw filters on, copied onto each (specialty, member) row and kept in step by the
-- repository (`db::repo::experts::insert` and `update`), so that a draw reads a specialty's
-- members from one range of one covering index instead of probing `experts` once per member
-- (docs/DRAWS.md §8).
ALTER TABLE expert_specialties ADD COLUMN library TEXT NOT NULL DEFAULT '';
ALTER TABLE expert_specialties ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE expert_specialties ADD COLUMN status_until TIMESTAMP;
ALTER TABLE expert_specialties ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE expert_specialties ADD COLUMN employer_uscc TEXT;
ALTER TABLE expert_specialties ADD COLUMN department TEXT;
UPDATE expert_specialties SET
    library = (SELECT e.library FROM experts e WHERE e.id = expert_specialties.expert_id),
    status = (SELECT e.status FROM experts e WHERE e.id = expert_specialties.expert_id),
    status_until = (SELECT e.status_until FROM experts e WHERE e.id = expert_specialties.expert_id),
    region = (SELECT e.region FROM experts e WHERE e.id = expert_specialties.expert_id),
    employer_uscc = (SELECT e.employer_uscc FROM experts e WHERE e.id = expert_specialties.expert_id),
    department = (SELECT e.department FROM experts e WHERE e.id = expert_specialties.expert_id);
CREATE INDEX expert_specialties_draw ON expert_specialties(
    library, code, expert_id, status, status_until, region, employer_uscc, department);

-- A draw's frame lists every eligible expert (about 350 KB for 9,000 candidates) and is written
-- twice: in the draw row and in the `draw_requested` audit body. pglz compression of such a
-- value costs about 10 ms per write on the bench machine, uncompressed out-of-line storage under
-- 1 ms (docs/DRAWS.md §8); small bodies are never toasted, so nothing else changes.
ALTER TABLE draws ALTER COLUMN frame SET STORAGE EXTERNAL;
ALTER TABLE audit_events ALTER COLUMN body SET STORAGE EXTERNAL;
