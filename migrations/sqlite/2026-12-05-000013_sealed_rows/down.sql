-- Back to plain bid, upload and bond rows; the sealed rows cannot be opened by SQL, so they go.
DROP TABLE bond_accounts;
DELETE FROM remedy_releases;
DELETE FROM opening_attempts;
DELETE FROM bid_parts;
DELETE FROM bid_upload_parts;
DROP TABLE bid_upload_parts;
DROP TABLE bid_uploads;
DROP TABLE bid_bonds;
DELETE FROM bids;
DROP TABLE bids;

CREATE TABLE bid_bonds (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    amount TEXT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, section_code, organisation_id, reference)
);

CREATE TABLE bid_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    bid_version INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    certificate TEXT NOT NULL,
    certificate_serial TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bid_uploads_owner ON bid_uploads(tender_id, section_code, organisation_id, state);

CREATE TABLE bid_upload_parts (
    upload_id TEXT NOT NULL REFERENCES bid_uploads(id),
    part_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    ciphertext_len BIGINT NOT NULL,
    ciphertext_sha256 TEXT NOT NULL,
    received BIGINT NOT NULL,
    complete BOOLEAN NOT NULL,
    writer TEXT,
    writer_until TIMESTAMP,
    PRIMARY KEY (upload_id, part_index)
);
CREATE INDEX bid_upload_parts_writer ON bid_upload_parts(writer_until);

CREATE TABLE bids (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    bidder_uscc TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    manifest TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    certificate TEXT NOT NULL,
    certificate_serial TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    tender_version INTEGER NOT NULL,
    confirmed_tender_version INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    receipt_event_id TEXT NOT NULL,
    supersedes TEXT,
    closed_at TIMESTAMP,
    summary TEXT,
    UNIQUE (tender_id, section_code, organisation_id, version)
);
CREATE INDEX bids_section ON bids(tender_id, section_code, state);
