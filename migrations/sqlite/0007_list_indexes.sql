-- Keyset pagination of a cooperation's proposals in sequence order (any
-- status): ListProposals reads one range of this index per page.
CREATE INDEX proposals_by_coop_seq ON proposals(cooperation_id, seq);
