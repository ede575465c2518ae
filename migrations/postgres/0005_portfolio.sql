-- Each municipality's portfolio of IT systems (DESIGN.md §12). A portfolio
-- belongs to the municipality, not to a cooperation: a member of two
-- cooperations keeps one. A system's id is its KITOS usage uuid when it
-- was imported from KITOS, so the key also says that one usage is imported
-- once. The columns beside the doc are what lists filter
-- on: TIME class ('' for none), AI, contract end ('' for unknown) and the
-- vendor in lower case.
CREATE TABLE portfolio_systems (
    municipality   TEXT NOT NULL,
    id             TEXT NOT NULL,
    time_class     TEXT NOT NULL,
    ai             TEXT NOT NULL,
    contract_end   TEXT NOT NULL,
    vendor_key     TEXT NOT NULL,
    version        BIGINT NOT NULL,
    doc            TEXT NOT NULL,
    PRIMARY KEY (municipality, id)
);
CREATE INDEX portfolio_systems_vendor ON portfolio_systems(municipality, vendor_key);

-- Every import into a portfolio, newest last; the last KITOS import's time
-- is where an incremental import starts.
CREATE TABLE portfolio_imports (
    id             TEXT PRIMARY KEY,
    municipality   TEXT NOT NULL,
    source         TEXT NOT NULL,
    time           BIGINT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX portfolio_imports_by_member ON portfolio_imports(municipality, source, time);

-- The portfolio systems a proposal links, so that a system's proposals and a
-- proposal's systems are each one indexed read.
CREATE TABLE proposal_systems (
    proposal_id    TEXT NOT NULL REFERENCES proposals(id),
    municipality   TEXT NOT NULL,
    system_id      TEXT NOT NULL,
    PRIMARY KEY (proposal_id, municipality, system_id)
);
CREATE INDEX proposal_systems_by_system ON proposal_systems(municipality, system_id);

-- Population counts newer than the register built into the server,
-- imported from Danmarks Statistik's FOLK1A; one row per municipality, the
-- newest count.
CREATE TABLE register_populations (
    code            TEXT PRIMARY KEY,
    population      BIGINT NOT NULL,
    population_date TEXT NOT NULL,
    doc             TEXT NOT NULL
);
