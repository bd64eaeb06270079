-- Every fetch of an organisation's licences from the licence registry (免证明, docs/LICENCES.md):
-- what was asked, where, when by the server clock, and what came back. A row whose outcome is
-- `ok` carries the verified facts and is the organisation's cached record until a newer `ok`;
-- every other outcome (down, timeout, garbage, bad signature, not listed) is kept as the link's
-- history and never replaces the cache. Rows name no tender.
CREATE TABLE licence_fetches (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT NOT NULL,
    -- The registry endpoint asked (no credentials).
    source TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    -- SHA-256 (hex) of the exact response bytes, when a body came back.
    digest TEXT,
    -- The registry's signature over those bytes (base64, as received) and its key id.
    signature TEXT,
    key_id TEXT,
    -- The registry's record (JSON), only when the outcome is `ok`.
    facts TEXT,
    error TEXT,
    requested_by TEXT NOT NULL,
    requested_role TEXT NOT NULL
);
CREATE INDEX licence_fetches_by_uscc ON licence_fetches (uscc, attempted_at);
CREATE INDEX licence_fetches_by_time ON licence_fetches (attempted_at);
