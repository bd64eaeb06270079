ALTER TABLE bid_parts DROP COLUMN opened_key;
