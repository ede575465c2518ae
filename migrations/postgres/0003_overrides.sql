-- Local overrides: what reads filter on, beside the `doc`.

-- The ISO date after which an override no longer applies; '' for none. Kept
-- as a column so that "in force on a date" is one indexed query.
ALTER TABLE overrides ADD COLUMN expires_on TEXT NOT NULL DEFAULT '';
CREATE INDEX overrides_by_coop ON overrides(cooperation_id, seq);

-- Every version with its cooperation and time, so that the minutes of a
-- session can list the overrides filed while it was open.
ALTER TABLE override_history ADD COLUMN cooperation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE override_history ADD COLUMN set_time BIGINT NOT NULL DEFAULT 0;
CREATE INDEX override_history_by_time ON override_history(cooperation_id, set_time);
