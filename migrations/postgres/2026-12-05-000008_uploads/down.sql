DROP TABLE anonymous_downloads;
DROP INDEX auth_challenges_expiry;
DROP INDEX bid_upload_parts_writer;
ALTER TABLE bid_upload_parts DROP COLUMN writer_until;
ALTER TABLE bid_upload_parts DROP COLUMN writer;
