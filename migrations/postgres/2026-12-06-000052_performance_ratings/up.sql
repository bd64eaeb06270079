-- 履约评价 (docs/CONTRACTS.md §7): the tenderer's signed ratings of how the winner performs a
-- contract, interim ones while it runs and one final rating. Written once, never updated; read
-- by contract and, for later award committees' dossiers, by the rated organisation's USCC.
CREATE TABLE performance_ratings (
    id TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL,
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    winner_uscc TEXT NOT NULL,
    -- `domain::performance::Phase`: interim | completion.
    phase TEXT NOT NULL,
    -- Decimal 0–100, at most one place, as text (exact).
    score TEXT NOT NULL,
    -- `domain::performance::Grade`, derived from the score.
    grade TEXT NOT NULL,
    remarks TEXT NOT NULL,
    -- The canonical document signed, and its SHA-256 (hex).
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- JSON: the tenderer's signature (`wire::contracts::PartySignature`).
    signature TEXT NOT NULL,
    rated_by TEXT NOT NULL,
    rated_at TIMESTAMP NOT NULL
);
CREATE INDEX performance_ratings_contract ON performance_ratings (contract_id, rated_at);
CREATE INDEX performance_ratings_winner ON performance_ratings (winner_uscc, rated_at);
-- At most one final rating per contract, whatever the callers do.
CREATE UNIQUE INDEX performance_ratings_final ON performance_ratings (contract_id)
    WHERE phase = 'completion';
