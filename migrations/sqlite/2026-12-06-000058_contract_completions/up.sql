-- 履约完成 (docs/CONTRACTS.md §3): the tenderer's signed record that the winner completed the
-- contract and the works were accepted (竣工验收). One per contract, written once; the contract
-- row moves to `completed` in the same transaction.
CREATE TABLE contract_completions (
    contract_id TEXT PRIMARY KEY NOT NULL,
    -- The acceptance date, YYYY-MM-DD (a legal day, Beijing time).
    completed_on TEXT NOT NULL,
    remarks TEXT NOT NULL,
    -- The canonical document signed, and its SHA-256 (hex).
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- JSON: the tenderer's signature (`wire::contracts::PartySignature`).
    signature TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
