DROP TABLE draw_checkins;
DROP INDEX draw_members_checkin;
ALTER TABLE draw_members DROP COLUMN checkin_by;
