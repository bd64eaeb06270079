-- Transactional outbox: a mail is written in the same transaction as the change it reports,
-- and a dispatcher delivers it later (at least once; the Message-ID lets receivers de-duplicate).
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,
    tender_id TEXT,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);
