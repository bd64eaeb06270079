-- One thread mechanism for every "a party raises, the tender's side answers once" exchange:
-- questions (答疑) and objections to the documents (异议) today; evaluation clarifications,
-- objections to the award and complaints use the same rows as they arrive.
CREATE TABLE tender_threads (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    kind TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    body TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answer_due TIMESTAMP,
    answer TEXT,
    answered_by TEXT,
    answered_at TIMESTAMP
);
CREATE INDEX tender_threads_tender ON tender_threads(tender_id, kind, raised_at);

INSERT INTO tender_threads
    (id, tender_id, kind, raised_by, body, raised_at, answer_due, answer, answered_by, answered_at)
SELECT id, tender_id, 'question', asked_by, question, asked_at, NULL, answer, answered_by, answered_at
FROM tender_questions;

INSERT INTO tender_threads
    (id, tender_id, kind, raised_by, body, raised_at, answer_due, answer, answered_by, answered_at)
SELECT id, tender_id, 'objection', raised_by, objection, raised_at, answer_due, answer, answered_by,
    answered_at
FROM tender_objections;

DROP TABLE tender_questions;
DROP TABLE tender_objections;
