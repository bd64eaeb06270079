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

INSERT INTO tender_questions
    (id, tender_id, asked_by, question, asked_at, answer, answered_by, answered_at)
SELECT id, tender_id, raised_by, body, raised_at, answer, answered_by, answered_at
FROM tender_threads WHERE kind = 'question';

INSERT INTO tender_objections
    (id, tender_id, raised_by, objection, raised_at, answer_due, answer, answered_by, answered_at)
SELECT id, tender_id, raised_by, body, raised_at, answer_due, answer, answered_by, answered_at
FROM tender_threads WHERE kind = 'objection';

DROP TABLE tender_threads;
