-- Local overrides: what reads filter and aggregate on, beside the `doc`.

-- The expiry date ('' for none), so that "in force on a date" is one
-- indexed query; and what the cooperation overview needs of an override,
-- packed by the store as proposal, municipality, kind, deferral date and
-- local rank, so that the overview is one aggregate over an index rather
-- than a JSON parse per override.
ALTER TABLE overrides ADD COLUMN expires_on TEXT NOT NULL DEFAULT '';
ALTER TABLE overrides ADD COLUMN deviation TEXT NOT NULL DEFAULT '';
CREATE INDEX overrides_by_coop ON overrides(cooperation_id, seq);
CREATE INDEX overrides_by_member ON overrides(cooperation_id, municipality, seq);
CREATE INDEX overrides_deviations ON overrides(cooperation_id, active, expires_on, deviation);

-- Every version with its cooperation and time, so that the minutes of a
-- session can list the overrides filed while it was open.
ALTER TABLE override_history ADD COLUMN cooperation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE override_history ADD COLUMN set_time BIGINT NOT NULL DEFAULT 0;
CREATE INDEX override_history_by_time ON override_history(cooperation_id, set_time);

-- Effective lists and the overview show the title of every proposal: a
-- column the database derives from the doc when it is written, so that
-- reads need not parse the JSON of every proposal.
ALTER TABLE proposals ADD COLUMN title TEXT GENERATED ALWAYS AS ((doc::jsonb) -> 'content' ->> 'title') STORED;
