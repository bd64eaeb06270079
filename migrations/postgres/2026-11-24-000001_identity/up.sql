-- Identity: organisations (keyed by USCC), people (keyed by their certificate's personal id),
-- role grants, certificates seen, login challenges, sessions; and the audit event table that
-- every state change writes to in the same transaction.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE role_grants (
    principal_id TEXT NOT NULL,
    role TEXT NOT NULL,
    granted_by TEXT,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal_id, role)
);

CREATE TABLE credentials (
    fingerprint TEXT PRIMARY KEY NOT NULL,
    principal_id TEXT NOT NULL,
    serial_hex TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    key_algorithm TEXT NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    cert_der BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX credentials_principal ON credentials(principal_id);

CREATE TABLE auth_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    nonce TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    principal_id TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    credential_fingerprint TEXT NOT NULL REFERENCES credentials(fingerprint),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_principal ON sessions(principal_id);

CREATE TABLE audit_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    tender_id TEXT,
    section_id TEXT,
    actor_role TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    body_digest TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_tender ON audit_events(tender_id, seq);
