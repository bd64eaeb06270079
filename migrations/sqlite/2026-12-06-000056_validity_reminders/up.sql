-- The reminders of a section's bid validity ending (docs/BIDDING.md, "Bid validity"): how many
-- of `[validity] reminder_days_before` were sent for the end in force `end_at`. A new end (an
-- extension agreed) starts the count again.
CREATE TABLE validity_reminders (
    tender_id TEXT NOT NULL,
    section_code TEXT NOT NULL,
    end_at TIMESTAMP NOT NULL,
    sent INTEGER NOT NULL,
    PRIMARY KEY (tender_id, section_code)
);
