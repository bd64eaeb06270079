DROP TABLE remedy_releases;
DROP TABLE remedy_custodians;
CREATE TABLE opening_keys (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    public_key TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    total INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);
CREATE TABLE opening_key_shares (
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    share_index INTEGER NOT NULL,
    custodian_id TEXT NOT NULL,
    encrypted_share TEXT NOT NULL,
    released_share TEXT,
    release_signature TEXT,
    released_at TIMESTAMP,
    PRIMARY KEY (tender_id, section_code, share_index)
);
