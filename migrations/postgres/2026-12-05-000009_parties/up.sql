-- Who may act for whom (issue 11, finding 4): organisation roles are requested at registration
-- and granted by the trading centre; an agent acts for a tenderer only under the tenderer's
-- signed entrustment (委托) for one project; staff are attached only once the person accepts.
CREATE TABLE role_requests (
    principal_id TEXT NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal_id, role)
);

CREATE TABLE entrustments (
    id TEXT PRIMARY KEY NOT NULL,
    tenderer_id TEXT NOT NULL REFERENCES organisations(id),
    agent_id TEXT NOT NULL REFERENCES organisations(id),
    project TEXT NOT NULL,
    certificate_fingerprint TEXT NOT NULL,
    signature_algorithm TEXT NOT NULL,
    signature TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    tender_id TEXT UNIQUE REFERENCES tenders(id),
    revoked_at TIMESTAMP
);
CREATE INDEX entrustments_tenderer ON entrustments(tenderer_id);

CREATE TABLE staff_invitations (
    person_id TEXT NOT NULL REFERENCES people(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    invited_by TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, organisation_id)
);

-- Roles organisations gave themselves before this migration were never reviewed: they become
-- requests an administrator decides on.
INSERT INTO role_requests (principal_id, role, requested_at)
SELECT g.principal_id, g.role, g.granted_at FROM role_grants g
WHERE g.granted_by IS NULL AND g.principal_id IN (SELECT id FROM organisations);
DELETE FROM role_grants
WHERE granted_by IS NULL AND principal_id IN (SELECT id FROM organisations);
