ALTER TABLE section_awards DROP COLUMN convened_round;
ALTER TABLE section_awards DROP COLUMN convened_among;
