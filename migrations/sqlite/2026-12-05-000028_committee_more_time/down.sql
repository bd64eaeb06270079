DROP TABLE committee_time_requests;
ALTER TABLE committees DROP COLUMN extended_until;
ALTER TABLE committees DROP COLUMN extension_required_at;
