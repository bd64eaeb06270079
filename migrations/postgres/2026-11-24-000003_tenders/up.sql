-- Tender publication lifecycle. A tender keeps an editable working copy (`draft`); every
-- publication or amendment freezes it into an immutable signed version. Public feeds
-- (announcements, OCDS releases) get their cursor under a lock in commit order, so a reader
-- paging with `after=` never skips a row that committed late.
CREATE TABLE tenders (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tenderer_id TEXT NOT NULL REFERENCES organisations(id),
    agent_id TEXT REFERENCES organisations(id),
    created_by TEXT NOT NULL,
    state TEXT NOT NULL,
    state_detail TEXT NOT NULL,
    draft TEXT NOT NULL,
    version INTEGER NOT NULL,
    bid_deadline TIMESTAMP NOT NULL,
    reconfirm_from_version INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    public_seq BIGINT UNIQUE
);
CREATE INDEX tenders_state_deadline ON tenders(state, bid_deadline);

CREATE TABLE tender_versions (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    notice TEXT NOT NULL,
    notice_digest TEXT NOT NULL,
    published_draft TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signer_id TEXT NOT NULL,
    signer_fingerprint TEXT NOT NULL,
    rationale TEXT,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, version)
);

CREATE TABLE tender_documents (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    supersedes TEXT,
    published_version INTEGER,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX tender_documents_tender ON tender_documents(tender_id);

CREATE TABLE document_downloads (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL REFERENCES tender_documents(id),
    tender_id TEXT NOT NULL,
    principal_id TEXT,
    organisation_id TEXT,
    contact_email TEXT,
    downloaded_at TIMESTAMP NOT NULL
);
CREATE INDEX document_downloads_tender ON document_downloads(tender_id);

CREATE TABLE tender_questions (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    asked_by TEXT NOT NULL,
    question TEXT NOT NULL,
    asked_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP
);
CREATE INDEX tender_questions_tender ON tender_questions(tender_id);

CREATE TABLE tender_objections (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    raised_by TEXT NOT NULL,
    objection TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answer_due TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP
);
CREATE INDEX tender_objections_tender ON tender_objections(tender_id);

CREATE TABLE announcements (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    tender_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_tender ON announcements(tender_id, seq);

CREATE TABLE ocds_releases (
    seq BIGINT PRIMARY KEY NOT NULL,
    release_id TEXT NOT NULL UNIQUE,
    tender_id TEXT NOT NULL,
    release TEXT NOT NULL,
    released_at TIMESTAMP NOT NULL
);
CREATE INDEX ocds_releases_tender ON ocds_releases(tender_id, seq);

CREATE TABLE idempotency_keys (
    principal_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal_id, idem_key)
);
