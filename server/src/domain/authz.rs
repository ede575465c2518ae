//! Who may do what (DESIGN.md §3). Every authorisation rule of the service is
//! here, as a function of the principal and the records involved.

use super::error::{Error, Result};
use super::model::{DecisionLevel, Member, Proposal, Rules};
use crate::auth::{Principal, Role};

pub fn create_cooperation(p: &Principal) -> Result<()> {
    if p.has_role(&Role::Operator) {
        Ok(())
    } else {
        Err(Error::denied("creating a cooperation requires the operator role"))
    }
}

/// Reading the events of every cooperation at once: operators only; everyone
/// else names a cooperation they may read.
pub fn read_whole_log(p: &Principal) -> Result<()> {
    if p.has_role(&Role::Operator) {
        Ok(())
    } else {
        Err(Error::denied(
            "listing every cooperation's events requires the operator role; name a cooperation_id",
        ))
    }
}

/// Managing members and the catalogue: the cooperation's secretariat.
pub fn manage_cooperation(p: &Principal, cooperation: &str) -> Result<()> {
    if p.is_secretariat_of(cooperation) {
        Ok(())
    } else {
        Err(Error::denied(format!(
            "this requires the role secretariat:{cooperation}"
        )))
    }
}

/// Reading a cooperation's records: its members (any role, observers too),
/// its secretariat and chair, and operators. `member` is the caller's own
/// membership, if any (current or former: the record stays theirs to read).
pub fn read_cooperation(p: &Principal, cooperation: &str, member: Option<&Member>) -> Result<()> {
    if member.is_some() || p.is_secretariat_of(cooperation) || p.is_chair_of(cooperation) || p.has_role(&Role::Operator)
    {
        Ok(())
    } else {
        Err(Error::denied(format!(
            "municipality {} is not a member of cooperation {cooperation}",
            p.municipality
        )))
    }
}

/// Acting for a municipality requires it to be a current member (`member`
/// is its membership record in the cooperation, if any).
fn current_member(municipality: &str, cooperation: Option<&str>, member: Option<&Member>) -> Result<()> {
    match member {
        Some(m) if m.is_current() => Ok(()),
        Some(m) => Err(Error::denied(format!(
            "municipality {municipality} left cooperation {} on {}",
            m.cooperation_id,
            m.left_on.as_deref().unwrap_or("?")
        ))),
        None => Err(Error::denied(format!(
            "municipality {municipality} is not a member of {}",
            cooperation.map_or("this cooperation".to_string(), |c| format!("cooperation {c}"))
        ))),
    }
}

/// Drafting a proposal for one's own municipality, which must be a current member.
pub fn draft_proposal(p: &Principal, cooperation: &str, member: Option<&Member>) -> Result<()> {
    current_member(&p.municipality, Some(cooperation), member)?;
    if p.has_role(&Role::DigitalLead) || p.has_role(&Role::Board) {
        Ok(())
    } else {
        Err(Error::denied(
            "drafting proposals requires the digital_lead or board role",
        ))
    }
}

/// Editing, submitting and withdrawing: the sponsor's digital lead or board.
pub fn edit_proposal(p: &Principal, proposal: &Proposal) -> Result<()> {
    if p.municipality != proposal.sponsor {
        return Err(Error::denied(format!(
            "only the sponsor ({}) may change proposal {}",
            proposal.sponsor, proposal.id
        )));
    }
    if p.has_role(&Role::DigitalLead) || p.has_role(&Role::Board) {
        Ok(())
    } else {
        Err(Error::denied(
            "changing proposals requires the digital_lead or board role",
        ))
    }
}

/// Running sessions and rounds: the cooperation's chair.
pub fn chair(p: &Principal, cooperation: &str) -> Result<()> {
    if p.is_chair_of(cooperation) {
        Ok(())
    } else {
        Err(Error::denied(format!("this requires the role chair:{cooperation}")))
    }
}

/// Casting the member's vote on a matter of the given level. Returns the role
/// the vote is cast in.
pub fn vote(p: &Principal, member: Option<&Member>, level: DecisionLevel, rules: &Rules) -> Result<Role> {
    current_member(&p.municipality, None, member)?;
    if p.has_role(&Role::Board) {
        return Ok(Role::Board);
    }
    if p.has_role(&Role::DigitalLead) {
        return match level {
            DecisionLevel::Board => Err(Error::denied(
                "a board-level matter (AI or personal data): only the board may vote",
            )),
            DecisionLevel::Delegated if rules.allow_delegated_voting => Ok(Role::DigitalLead),
            DecisionLevel::Delegated => Err(Error::denied(
                "this cooperation does not delegate voting to digital leads",
            )),
        };
    }
    Err(Error::denied(
        "voting requires the board role (or digital_lead on delegated matters)",
    ))
}

/// Casting the member's ballot in a round: [`vote`], and the member must have
/// been a member when the round opened (its weight was snapshotted then; a
/// municipality that joined later has no say in it). `weight` is the
/// member's weight in the round, if it has one.
pub fn cast_ballot(
    p: &Principal,
    member: Option<&Member>,
    level: DecisionLevel,
    rules: &Rules,
    weight: Option<u64>,
) -> Result<Role> {
    let role = vote(p, member, level, rules)?;
    if weight.is_none() {
        return Err(Error::denied(format!(
            "municipality {} was not a member when this round opened",
            p.municipality
        )));
    }
    Ok(role)
}

/// Recording attendance at a session: a current member's board or digital
/// lead checks in its own municipality (observers attend, but do not
/// represent it).
pub fn check_in(p: &Principal, cooperation: &str, member: Option<&Member>) -> Result<()> {
    current_member(&p.municipality, Some(cooperation), member)?;
    if p.has_role(&Role::Board) || p.has_role(&Role::DigitalLead) {
        Ok(())
    } else {
        Err(Error::denied("checking in requires the board or digital_lead role"))
    }
}

/// Setting, changing, reconfirming or revoking an override of `municipality`:
/// only that member's board, and only while it is a current member. Local
/// overrides are board decisions whatever the matter; on a board-level one
/// (AI, personal data) the refusal says so.
pub fn override_for(p: &Principal, municipality: &str, member: Option<&Member>, level: DecisionLevel) -> Result<()> {
    if p.municipality != municipality {
        return Err(Error::denied(format!(
            "only the board of {municipality} may change its overrides"
        )));
    }
    current_member(municipality, None, member)?;
    if p.has_role(&Role::Board) {
        Ok(())
    } else if level == DecisionLevel::Board {
        Err(Error::denied(
            "a board-level matter (AI or personal data): only the board may override it",
        ))
    } else {
        Err(Error::denied(
            "local overrides are board decisions: the board role is required",
        ))
    }
}

/// Keeping a member's implementation records (follow-up, DESIGN.md §13):
/// that member's digital lead, or its board, while it is a current member.
pub fn keep_implementation(p: &Principal, municipality: &str, member: Option<&Member>) -> Result<()> {
    own_lead_or_board(
        p,
        municipality,
        member,
        "update its implementation records",
        "updating implementation records requires the digital_lead or board role",
    )
}

/// Changing `municipality`'s portfolio of IT systems (DESIGN.md §12): its
/// own digital lead or board, while it is a current member of the
/// cooperation the change is made through. Every partner reads it (see
/// [`read_cooperation`]); another member's lead or an observer cannot write.
pub fn write_portfolio(p: &Principal, municipality: &str, member: Option<&Member>) -> Result<()> {
    own_lead_or_board(
        p,
        municipality,
        member,
        "change its portfolio",
        "changing the portfolio requires the digital_lead or board role",
    )
}

/// The one rule for records a member keeps about itself (its portfolio, its
/// implementation records): its own digital lead or board, while it is a
/// current member. `act` completes "only the digital lead or board of 0101
/// may …"; `needs_role` is the refusal for a caller with neither role.
fn own_lead_or_board(
    p: &Principal,
    municipality: &str,
    member: Option<&Member>,
    act: &str,
    needs_role: &'static str,
) -> Result<()> {
    if p.municipality != municipality {
        return Err(Error::denied(format!(
            "only the digital lead or board of {municipality} may {act}"
        )));
    }
    current_member(municipality, None, member)?;
    if p.has_role(&Role::DigitalLead) || p.has_role(&Role::Board) {
        Ok(())
    } else {
        Err(Error::denied(needs_role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Category, Flags, ProposalContent, ProposalStatus, Weighting};

    fn principal(m: &str, roles: &[Role]) -> Principal {
        Principal {
            sub: "s".into(),
            municipality: m.into(),
            roles: roles.to_vec(),
            issuer: "i".into(),
            name: None,
        }
    }

    fn member(code: &str, current: bool) -> Member {
        Member {
            cooperation_id: "c".into(),
            code: code.into(),
            name: "X".into(),
            population: 1,
            population_date: None,
            custom_weight: None,
            joined_on: "2026-01-01".into(),
            left_on: if current { None } else { Some("2026-06-01".into()) },
            version: 1,
        }
    }

    fn rules(delegate: bool) -> Rules {
        Rules {
            default_weighting: Weighting::Equal,
            default_quorum_bp: 5000,
            allow_delegated_voting: delegate,
        }
    }

    #[test]
    fn only_operators_create_cooperations() {
        assert!(create_cooperation(&principal("0101", &[Role::Operator])).is_ok());
        assert!(create_cooperation(&principal("0101", &[Role::Board])).is_err());
    }

    #[test]
    fn a_portfolio_is_written_by_its_own_lead_or_board() {
        let m = member("0101", true);
        assert!(write_portfolio(&principal("0101", &[Role::DigitalLead]), "0101", Some(&m)).is_ok());
        assert!(write_portfolio(&principal("0101", &[Role::Board]), "0101", Some(&m)).is_ok());
        let other_lead = principal("0147", &[Role::DigitalLead]);
        assert!(write_portfolio(&other_lead, "0101", Some(&m)).is_err());
        assert!(write_portfolio(&principal("0101", &[Role::Observer]), "0101", Some(&m)).is_err());
        let gone = member("0101", false);
        assert!(write_portfolio(&principal("0101", &[Role::DigitalLead]), "0101", Some(&gone)).is_err());
        assert!(write_portfolio(&principal("0101", &[Role::DigitalLead]), "0101", None).is_err());
    }

    #[test]
    fn only_operators_read_the_whole_log() {
        assert!(read_whole_log(&principal("0101", &[Role::Operator])).is_ok());
        assert!(read_whole_log(&principal("0101", &[Role::Board, Role::Chair("c".into())])).is_err());
    }

    #[test]
    fn secretariat_is_per_cooperation() {
        let p = principal("0101", &[Role::Secretariat("a".into())]);
        assert!(manage_cooperation(&p, "a").is_ok());
        assert!(manage_cooperation(&p, "b").is_err());
    }

    #[test]
    fn voting_rules_follow_the_decision_level() {
        let m = member("0101", true);
        let board = principal("0101", &[Role::Board]);
        let lead = principal("0101", &[Role::DigitalLead]);
        let observer = principal("0101", &[Role::Observer]);
        assert_eq!(
            vote(&board, Some(&m), DecisionLevel::Board, &rules(false)).unwrap(),
            Role::Board
        );
        assert!(vote(&lead, Some(&m), DecisionLevel::Board, &rules(true)).is_err());
        assert!(vote(&lead, Some(&m), DecisionLevel::Delegated, &rules(false)).is_err());
        assert_eq!(
            vote(&lead, Some(&m), DecisionLevel::Delegated, &rules(true)).unwrap(),
            Role::DigitalLead
        );
        assert!(vote(&observer, Some(&m), DecisionLevel::Delegated, &rules(true)).is_err());
        assert!(vote(&board, None, DecisionLevel::Delegated, &rules(true)).is_err());
        assert!(
            vote(
                &board,
                Some(&member("0101", false)),
                DecisionLevel::Delegated,
                &rules(true)
            )
            .is_err()
        );
    }

    #[test]
    fn ballots_need_a_weight_from_when_the_round_opened() {
        let m = member("0101", true);
        let board = principal("0101", &[Role::Board]);
        let level = DecisionLevel::Delegated;
        assert_eq!(
            cast_ballot(&board, Some(&m), level, &rules(true), Some(0)).unwrap(),
            Role::Board
        );
        assert!(cast_ballot(&board, Some(&m), level, &rules(true), None).is_err());
        let lead = principal("0101", &[Role::DigitalLead]);
        assert!(cast_ballot(&lead, Some(&m), DecisionLevel::Board, &rules(true), Some(1)).is_err());
        assert!(cast_ballot(&board, Some(&member("0101", false)), level, &rules(true), Some(1)).is_err());
    }

    #[test]
    fn members_check_in_their_own_municipality() {
        let m = member("0101", true);
        assert!(check_in(&principal("0101", &[Role::Board]), "c", Some(&m)).is_ok());
        assert!(check_in(&principal("0101", &[Role::DigitalLead]), "c", Some(&m)).is_ok());
        assert!(check_in(&principal("0101", &[Role::Observer]), "c", Some(&m)).is_err());
        assert!(check_in(&principal("0101", &[Role::Board]), "c", Some(&member("0101", false))).is_err());
        assert!(check_in(&principal("0999", &[Role::Board]), "c", None).is_err());
        assert!(check_in(&principal("0101", &[Role::Chair("c".into())]), "c", Some(&m)).is_err());
    }

    #[test]
    fn only_the_cooperations_chair_runs_sessions() {
        assert!(chair(&principal("0101", &[Role::Chair("c".into())]), "c").is_ok());
        assert!(chair(&principal("0101", &[Role::Chair("d".into())]), "c").is_err());
        assert!(chair(&principal("0101", &[Role::Board, Role::Secretariat("c".into())]), "c").is_err());
    }

    #[test]
    fn overrides_are_for_the_own_board_only() {
        use DecisionLevel::{Board, Delegated};
        let m = member("0101", true);
        let board = principal("0101", &[Role::Board]);
        assert!(override_for(&board, "0101", Some(&m), Delegated).is_ok());
        assert!(override_for(&board, "0101", Some(&m), Board).is_ok());
        assert!(override_for(&principal("0102", &[Role::Board]), "0101", Some(&m), Delegated).is_err());
        let lead = principal("0101", &[Role::DigitalLead]);
        assert!(override_for(&lead, "0101", Some(&m), Delegated).is_err());
        let Err(Error::PermissionDenied(why)) = override_for(&lead, "0101", Some(&m), Board) else {
            panic!("a digital lead may not override a board-level matter");
        };
        assert!(why.contains("board-level"), "{why}");
        assert!(override_for(&principal("0101", &[Role::Observer]), "0101", Some(&m), Delegated).is_err());
        let chair = principal("0101", &[Role::Chair("c".into()), Role::Secretariat("c".into())]);
        assert!(override_for(&chair, "0101", Some(&m), Delegated).is_err());
        assert!(override_for(&board, "0101", Some(&member("0101", false)), Delegated).is_err());
        assert!(override_for(&board, "0101", None, Delegated).is_err());
    }

    #[test]
    fn implementation_records_are_kept_by_the_own_lead_or_board() {
        let m = member("0101", true);
        assert!(keep_implementation(&principal("0101", &[Role::DigitalLead]), "0101", Some(&m)).is_ok());
        assert!(keep_implementation(&principal("0101", &[Role::Board]), "0101", Some(&m)).is_ok());
        assert!(keep_implementation(&principal("0101", &[Role::Observer]), "0101", Some(&m)).is_err());
        assert!(keep_implementation(&principal("0147", &[Role::DigitalLead]), "0101", Some(&m)).is_err());
        let chair = principal("0101", &[Role::Chair("c".into()), Role::Secretariat("c".into())]);
        assert!(keep_implementation(&chair, "0101", Some(&m)).is_err());
        assert!(
            keep_implementation(
                &principal("0101", &[Role::DigitalLead]),
                "0101",
                Some(&member("0101", false))
            )
            .is_err()
        );
        assert!(keep_implementation(&principal("0101", &[Role::DigitalLead]), "0101", None).is_err());
    }

    #[test]
    fn only_the_sponsor_edits() {
        let p = Proposal {
            id: "p".into(),
            cooperation_id: "c".into(),
            content: ProposalContent {
                title: "t".into(),
                summary: String::new(),
                category: Category::Other,
                flags: Flags::default(),
                one_time_cost_dkk: 0,
                yearly_cost_dkk: 0,
                linked_systems: vec![],
            },
            sponsor: "0101".into(),
            status: ProposalStatus::Draft,
            created_by: "s".into(),
            create_time: 0,
            update_time: 0,
            submit_time: None,
            submit_seq: None,
            decide_time: None,
            version: 1,
        };
        assert!(edit_proposal(&principal("0101", &[Role::DigitalLead]), &p).is_ok());
        assert!(edit_proposal(&principal("0102", &[Role::DigitalLead]), &p).is_err());
        assert!(edit_proposal(&principal("0101", &[Role::Observer]), &p).is_err());
    }

    #[test]
    fn members_and_officers_read() {
        let m = member("0101", true);
        assert!(read_cooperation(&principal("0101", &[Role::Observer]), "c", Some(&m)).is_ok());
        assert!(read_cooperation(&principal("0999", &[Role::Board]), "c", None).is_err());
        assert!(read_cooperation(&principal("0999", &[Role::Chair("c".into())]), "c", None).is_ok());
    }
}
