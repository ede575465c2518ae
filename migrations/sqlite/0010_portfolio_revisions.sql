-- Each municipality's portfolio revision: it moves in the same transaction as
-- every write of one of its systems and never goes back, so a process may
-- keep a portfolio it has read and reuse it while the revision stands
-- (shared opportunities read 98 members' portfolios; after one change only
-- that member's is read again). No row is revision 0.
CREATE TABLE portfolio_revisions (
    municipality   TEXT PRIMARY KEY,
    revision       BIGINT NOT NULL
);
INSERT INTO portfolio_revisions (municipality, revision)
    SELECT DISTINCT municipality, 1 FROM portfolio_systems;
