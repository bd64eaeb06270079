-- The evaluation committee (评标委员会, issue 13, docs/EVALUATION.md): one per section, formed
-- from the draw's checked-in experts and the tenderer's representatives; members elect a
-- leader (组长); a member who leaves is replaced by the draw's next reserve (条例48).
CREATE TABLE committees (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    section_code TEXT NOT NULL,
    draw_id TEXT NOT NULL REFERENCES draws(id),
    -- forming (no leader yet) | evaluating
    state TEXT NOT NULL,
    -- committee_members.id of the elected leader; NULL until elected (or after it left).
    leader_member_id TEXT,
    formed_by TEXT NOT NULL,
    formed_at TIMESTAMP NOT NULL,
    min_members INTEGER NOT NULL,
    UNIQUE (tender_id, section_code)
);

CREATE TABLE committee_members (
    id TEXT PRIMARY KEY NOT NULL,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    principal_id TEXT NOT NULL,
    -- expert | representative
    kind TEXT NOT NULL,
    expert_id TEXT REFERENCES experts(id),
    specialty TEXT,
    active BOOLEAN NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    -- When and why it left (recused | ill | left); its conclusions from then on are void.
    left_at TIMESTAMP,
    left_reason TEXT,
    left_note TEXT,
    -- The member that took its seat (an expert called from the draw's reserves).
    replaced_by TEXT,
    -- committee_members.id it votes for as leader, until one is elected.
    leader_vote TEXT,
    UNIQUE (committee_id, principal_id)
);
CREATE INDEX committee_members_principal ON committee_members(principal_id);
