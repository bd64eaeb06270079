-- The expert library (评标专家库) and tenderers' award-committee pools (定标委员库): one record
-- shape for both, told apart by `library` ('experts' or 'award:<tenderer organisation id>').
CREATE TABLE experts (
    id TEXT PRIMARY KEY NOT NULL,
    library TEXT NOT NULL,
    principal_id TEXT NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    employer TEXT NOT NULL,
    employer_uscc TEXT,
    department TEXT,
    title TEXT NOT NULL,
    senior_title BOOLEAN NOT NULL,
    practice_years INTEGER NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    status_until TIMESTAMP,
    status_reason TEXT,
    admitted_by TEXT NOT NULL,
    admitted_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (library, principal_id)
);
CREATE INDEX experts_principal ON experts(principal_id);

-- Level-3 specialty codes; a draw reads the members of a specialty through this index.
CREATE TABLE expert_specialties (
    code TEXT NOT NULL,
    expert_id TEXT NOT NULL REFERENCES experts(id),
    PRIMARY KEY (code, expert_id)
);
CREATE INDEX expert_specialties_expert ON expert_specialties(expert_id);

-- 回避单位: units the member must never evaluate or decide for; `is_working` marks the employer.
CREATE TABLE expert_avoid_units (
    expert_id TEXT NOT NULL REFERENCES experts(id),
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    is_working BOOLEAN NOT NULL,
    PRIMARY KEY (expert_id, uscc)
);
CREATE INDEX expert_avoid_units_uscc ON expert_avoid_units(uscc);
