-- 条例48: when more than a third of the committee's members think the evaluation time too short,
-- the tenderer must extend it. Members' requests, when the threshold was crossed, and the
-- extension the tenderer granted (issue 13 item 2, docs/EVALUATION.md §16).
ALTER TABLE committees ADD COLUMN extension_required_at TIMESTAMP;
ALTER TABLE committees ADD COLUMN extended_until TIMESTAMP;

CREATE TABLE committee_time_requests (
    committee_id TEXT NOT NULL REFERENCES committees(id),
    -- committee_members.id of the asking member
    member_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (committee_id, member_id)
);
