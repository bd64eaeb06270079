-- Sealed bids and the opening ceremony (docs/BIDDING.md). Only ciphertext, digests, wraps and
-- signatures are stored before the opening: nothing here can be decrypted without a bidder's
-- envelope key or k custodians' shares.

-- A person's X25519 envelope public key (custodians), signed with the person's certificate.
CREATE TABLE envelope_keys (
    principal_id TEXT PRIMARY KEY NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL
);

-- One opening key per section, generated and split at publication; the secret is never stored.
CREATE TABLE opening_keys (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    public_key TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    total INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);

-- Share i wrapped to custodian i; `released_share` is filled only during the recovery window.
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

-- An upload in progress: the verified manifest and where each part's bytes are staged.
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
    PRIMARY KEY (upload_id, part_index)
);

-- A submitted bid version. `state`: submitted → superseded | withdrawn | lapsed (before the
-- deadline) ; submitted → opened | revoked | withdrawn (at the opening).
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

CREATE TABLE bid_parts (
    bid_id TEXT NOT NULL REFERENCES bids(id),
    part_index INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    ciphertext_len BIGINT NOT NULL,
    ciphertext_sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    plaintext_sha256 TEXT,
    PRIMARY KEY (bid_id, part_index)
);

-- One row per section once its opening has started; inserted once (primary key), so a
-- second node's attempt to start the same opening fails and does nothing.
CREATE TABLE section_openings (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    decryption_until TIMESTAMP NOT NULL,
    recovery_until TIMESTAMP,
    record TEXT,
    record_published_at TIMESTAMP,
    objections_until TIMESTAMP,
    closed_at TIMESTAMP,
    PRIMARY KEY (tender_id, section_code)
);
CREATE INDEX section_openings_state ON section_openings(state);

CREATE TABLE opening_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    bid_id TEXT NOT NULL REFERENCES bids(id),
    path TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT,
    fault TEXT,
    detail TEXT,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX opening_attempts_bid ON opening_attempts(bid_id);

CREATE TABLE opening_responses (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX opening_responses_section ON opening_responses(tender_id, section_code);
