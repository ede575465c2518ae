-- The minutes' record (the facts every language and format is rendered
-- from) and where in the event log it comes from, as JSON; '' for minutes
-- stored before, which keep only their Markdown.
ALTER TABLE minutes ADD COLUMN doc TEXT NOT NULL DEFAULT '';
