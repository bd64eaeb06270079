-- No stored value groups a section's bid, upload and bond rows before its opening (issue 11,
-- finding 6; src/db/sealing.rs): the blind index of (tender, section) goes, since a dump could
-- count each (anonymous) section's rows by it. Until the opening the rows carry no value of
-- their section (`tender_id`/`section_code` NULL: a section's rows are found by opening the
-- unrevealed rows under the KEK); the opening writes the plain section onto them, when its
-- record publishes who bid. Rows written before stay unrevealed (still found, by the scan).

DROP INDEX bids_section;
ALTER TABLE bids DROP COLUMN section_ref;
ALTER TABLE bids ADD COLUMN tender_id TEXT;
ALTER TABLE bids ADD COLUMN section_code TEXT;
CREATE INDEX bids_revealed ON bids(tender_id, section_code, state);

ALTER TABLE bid_uploads DROP COLUMN section_ref;
ALTER TABLE bid_uploads ADD COLUMN tender_id TEXT;
ALTER TABLE bid_uploads ADD COLUMN section_code TEXT;
CREATE INDEX bid_uploads_revealed ON bid_uploads(tender_id, section_code, state);

ALTER TABLE bid_bonds DROP COLUMN section_ref;
ALTER TABLE bid_bonds ADD COLUMN tender_id TEXT;
ALTER TABLE bid_bonds ADD COLUMN section_code TEXT;
CREATE INDEX bid_bonds_revealed ON bid_bonds(tender_id, section_code);
