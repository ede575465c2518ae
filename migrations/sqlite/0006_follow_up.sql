-- Follow-up (DESIGN.md §13): each member's implementation record of a
-- priority it takes part in, its current version and every version.

CREATE TABLE implementations (
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    proposal_id    TEXT NOT NULL REFERENCES proposals(id),
    municipality   TEXT NOT NULL,
    version        BIGINT NOT NULL,
    update_time    BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (cooperation_id, proposal_id, municipality),
    FOREIGN KEY (cooperation_id, municipality) REFERENCES members(cooperation_id, code)
);

-- Every version, so that the follow-up report can show where members stood
-- on a past date and what changed between two reports.
CREATE TABLE implementation_history (
    cooperation_id TEXT NOT NULL,
    proposal_id    TEXT NOT NULL,
    municipality   TEXT NOT NULL,
    version        BIGINT NOT NULL,
    update_time    BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (cooperation_id, proposal_id, municipality, version),
    FOREIGN KEY (cooperation_id, proposal_id, municipality)
        REFERENCES implementations(cooperation_id, proposal_id, municipality)
);
CREATE INDEX implementation_history_by_time ON implementation_history(cooperation_id, update_time);
