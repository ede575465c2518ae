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

-- Effective lists and the overview show the title of every proposal. The
-- database keeps a copy of it beside the doc, so that reading a
-- cooperation's titles is a covering index scan, not a JSON parse per
-- proposal. (SQLite cannot add a stored generated column to a table, and a
-- virtual one is parsed on every read; hence the triggers.)
ALTER TABLE proposals ADD COLUMN title TEXT NOT NULL DEFAULT '';
UPDATE proposals SET title = COALESCE(json_extract(doc, '$.content.title'), '');
CREATE TRIGGER proposals_title_on_insert AFTER INSERT ON proposals BEGIN
    UPDATE proposals SET title = COALESCE(json_extract(NEW.doc, '$.content.title'), '') WHERE id = NEW.id;
END;
CREATE TRIGGER proposals_title_on_update AFTER UPDATE OF doc ON proposals BEGIN
    UPDATE proposals SET title = COALESCE(json_extract(NEW.doc, '$.content.title'), '') WHERE id = NEW.id;
END;
CREATE INDEX proposals_titles ON proposals(cooperation_id, status, id, title);
