-- Back to the blind index of (tender, section); SQL cannot compute it without the KEK, so the
-- bid, upload and bond rows go, as 000013 did.
DELETE FROM remedy_releases;
DELETE FROM opening_attempts;
DELETE FROM bid_parts;
DELETE FROM bid_upload_parts;
DELETE FROM bid_uploads;
DELETE FROM bid_bonds;
DELETE FROM bids;

DROP INDEX bid_bonds_revealed;
ALTER TABLE bid_bonds DROP COLUMN tender_id;
ALTER TABLE bid_bonds DROP COLUMN section_code;
ALTER TABLE bid_bonds ADD COLUMN section_ref TEXT NOT NULL DEFAULT '';

DROP INDEX bid_uploads_revealed;
ALTER TABLE bid_uploads DROP COLUMN tender_id;
ALTER TABLE bid_uploads DROP COLUMN section_code;
ALTER TABLE bid_uploads ADD COLUMN section_ref TEXT NOT NULL DEFAULT '';

DROP INDEX bids_revealed;
ALTER TABLE bids DROP COLUMN tender_id;
ALTER TABLE bids DROP COLUMN section_code;
ALTER TABLE bids ADD COLUMN section_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX bids_section ON bids(section_ref, state);
