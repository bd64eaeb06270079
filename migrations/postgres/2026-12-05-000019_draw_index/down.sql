ALTER TABLE audit_events ALTER COLUMN body SET STORAGE EXTENDED;
ALTER TABLE draws ALTER COLUMN frame SET STORAGE EXTENDED;
DROP INDEX expert_specialties_draw;
ALTER TABLE expert_specialties DROP COLUMN department;
ALTER TABLE expert_specialties DROP COLUMN employer_uscc;
ALTER TABLE expert_specialties DROP COLUMN region;
ALTER TABLE expert_specialties DROP COLUMN status_until;
ALTER TABLE expert_specialties DROP COLUMN status;
ALTER TABLE expert_specialties DROP COLUMN library;
