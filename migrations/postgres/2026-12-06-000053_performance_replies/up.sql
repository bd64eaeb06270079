-- The rated winner's reply (申辩) to a 履约评价 (docs/CONTRACTS.md §6): once per rating, within
-- its 15 days, signed with the winner's organisation certificate. Written once, never updated.
CREATE TABLE performance_replies (
    rating_id TEXT PRIMARY KEY NOT NULL,
    text TEXT NOT NULL,
    -- The canonical document signed (`domain::performance::reply_document`) and its SHA-256.
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- JSON: the winner's signature (`wire::contracts::PartySignature`).
    signature TEXT NOT NULL,
    replied_by TEXT NOT NULL,
    replied_at TIMESTAMP NOT NULL
);
