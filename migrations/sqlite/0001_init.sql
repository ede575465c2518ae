-- samprio schema (SQLite). Each aggregate keeps its full record as JSON in `doc`;
-- the columns beside it carry identity, relations, state and ordering, so that
-- the invariants the service relies on are constraints of the schema.

CREATE TABLE cooperations (
    id          TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL UNIQUE,
    version     BIGINT NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE members (
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    code           TEXT NOT NULL,
    departed       BOOLEAN NOT NULL,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (cooperation_id, code)
);

CREATE TABLE proposals (
    id             TEXT PRIMARY KEY,
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    sponsor        TEXT NOT NULL,
    seq            BIGINT NOT NULL UNIQUE,
    status         TEXT NOT NULL,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    FOREIGN KEY (cooperation_id, sponsor) REFERENCES members(cooperation_id, code)
);
CREATE INDEX proposals_by_coop ON proposals(cooperation_id, status, seq);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    seq            BIGINT NOT NULL UNIQUE,
    state          TEXT NOT NULL,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX sessions_by_coop ON sessions(cooperation_id, seq);

CREATE TABLE rounds (
    id             TEXT PRIMARY KEY,
    session_id     TEXT NOT NULL REFERENCES sessions(id),
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    seq            BIGINT NOT NULL UNIQUE,
    state          TEXT NOT NULL,
    -- Microseconds since the epoch; NULL when the round has no deadline.
    deadline       BIGINT,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX rounds_by_session ON rounds(session_id, seq);
CREATE INDEX rounds_open_deadline ON rounds(state, deadline);

-- Every ballot ever cast; replacements add a version and clear `current`.
CREATE TABLE ballots (
    round_id     TEXT NOT NULL REFERENCES rounds(id),
    municipality TEXT NOT NULL,
    version      BIGINT NOT NULL,
    current      BOOLEAN NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (round_id, municipality, version)
);
-- One current ballot per member and round.
CREATE UNIQUE INDEX ballots_one_current ON ballots(round_id, municipality) WHERE current;

-- The shared priority list, one row per revision.
CREATE TABLE priority_lists (
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    revision       BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (cooperation_id, revision)
);

CREATE TABLE overrides (
    id             TEXT PRIMARY KEY,
    cooperation_id TEXT NOT NULL REFERENCES cooperations(id),
    municipality   TEXT NOT NULL,
    proposal_id    TEXT NOT NULL REFERENCES proposals(id),
    seq            BIGINT NOT NULL UNIQUE,
    active         BOOLEAN NOT NULL,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    FOREIGN KEY (cooperation_id, municipality) REFERENCES members(cooperation_id, code)
);
-- At most one active override per member and proposal.
CREATE UNIQUE INDEX overrides_one_active ON overrides(cooperation_id, municipality, proposal_id) WHERE active;

CREATE TABLE override_history (
    override_id TEXT NOT NULL REFERENCES overrides(id),
    version     BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (override_id, version)
);

CREATE TABLE minutes (
    session_id  TEXT PRIMARY KEY REFERENCES sessions(id),
    create_time BIGINT NOT NULL,
    markdown    TEXT NOT NULL
);

-- The hash-chained event log. `seq` is dense from 1; each hash covers the
-- previous one.
CREATE TABLE events (
    seq            BIGINT PRIMARY KEY,
    time           BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    cooperation_id TEXT NOT NULL,
    payload        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL UNIQUE
);
CREATE INDEX events_by_coop ON events(cooperation_id, seq);

-- Results of mutations by request_id, so a retry returns the first result.
CREATE TABLE idempotency (
    scope       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response    TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (scope, request_id)
);
