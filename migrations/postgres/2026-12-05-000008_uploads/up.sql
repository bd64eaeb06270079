-- One writer per bid part (issue 11, finding 3): a part upload holds its part by a lease on the
-- row, taken with a conditional update, renewed while bytes arrive and released when the request
-- ends; a lease left by a node that died runs out at `writer_until`. Live leases of a bidder are
-- also what its concurrency limit counts, on every node.
ALTER TABLE bid_upload_parts ADD COLUMN writer TEXT;
ALTER TABLE bid_upload_parts ADD COLUMN writer_until TIMESTAMP;
CREATE INDEX bid_upload_parts_writer ON bid_upload_parts(writer_until);
-- The sweep deletes challenges some time after they expire.
CREATE INDEX auth_challenges_expiry ON auth_challenges(expires_at);
-- Anonymous document downloads, counted per document and day (issue 11, finding 5): one
-- audit entry and one row per anonymous GET let anyone grow the log at will, and name nobody.
CREATE TABLE anonymous_downloads (
    document_id TEXT NOT NULL REFERENCES tender_documents(id),
    day TEXT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (document_id, day)
);
