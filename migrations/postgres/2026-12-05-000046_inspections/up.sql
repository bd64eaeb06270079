-- 双随机一公开 (docs/SUPERVISION.md §9): a round drawn from a published plan — objects and
-- inspectors in one verifiable draw, whose frame is kept once, in its `draw_requested` entry —
-- and the joint task of each drawn object with its team, checklist, results and signatures.
-- Teams, checklists, results and signatures are JSON; enums are their snake_case names.
CREATE TABLE inspection_rounds (
    id TEXT PRIMARY KEY NOT NULL,
    plan_code TEXT NOT NULL REFERENCES inspection_plans(code),
    teams INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    contribute_by TIMESTAMP NOT NULL,
    frame_event TEXT NOT NULL,
    frame_digest TEXT NOT NULL,
    commitment TEXT NOT NULL,
    secret TEXT NOT NULL,
    outline TEXT NOT NULL,
    state TEXT NOT NULL,
    contributor TEXT,
    contribution TEXT,
    contributed_at TIMESTAMP,
    fallback_event TEXT,
    drawn_at TIMESTAMP
);
CREATE INDEX inspection_rounds_plan ON inspection_rounds(plan_code, id);
CREATE INDEX inspection_rounds_state ON inspection_rounds(state, contribute_by);
CREATE TABLE inspection_tasks (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES inspection_rounds(id),
    seq INTEGER NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    unit TEXT,
    stratum TEXT NOT NULL,
    team TEXT NOT NULL,
    substitutions TEXT NOT NULL,
    staffed BOOLEAN NOT NULL,
    checklist TEXT NOT NULL,
    state TEXT NOT NULL,
    visited_on TEXT,
    results TEXT,
    results_digest TEXT,
    signatures TEXT NOT NULL,
    findings INTEGER NOT NULL,
    recorded_at TIMESTAMP,
    published_at TIMESTAMP,
    UNIQUE (round_id, seq)
);
CREATE INDEX inspection_tasks_published ON inspection_tasks(state, id);
CREATE TABLE inspection_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    task_id TEXT NOT NULL REFERENCES inspection_tasks(id),
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX inspection_evidence_task ON inspection_evidence(task_id, id);
