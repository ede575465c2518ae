-- A record's history (a proposal's, an override's) is the events about it:
-- one indexed read instead of a walk through the cooperation's log.
CREATE INDEX events_by_subject ON events(subject, seq);
