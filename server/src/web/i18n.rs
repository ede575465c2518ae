//! The console's texts: one catalogue per language ([`da`] first, [`en`]),
//! each a value of [`Texts`], so a text missing from a language is a compile
//! error rather than a blank on a page.

mod da;
mod en;

use crate::domain::model::{Category, Method, ProposalStatus, RoundState, SessionState, Weighting};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Da,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Da, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header; Danish
    /// when none is.
    pub fn negotiate(accept_language: &str) -> Lang {
        accept_language
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| Lang::from_code(tag.split('-').next().unwrap_or("")))
            .unwrap_or(Lang::Da)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Da => &da::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }

    /// The other language, offered by the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Da => Lang::En,
            Lang::En => Lang::Da,
        }
    }
}

/// Every text the console shows, in one language.
pub struct Texts {
    pub language_name: &'static str,
    pub switch_language: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub dev_mode: &'static str,
    pub dev_mode_explained: &'static str,
    pub signed_in_as: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub sign_in_intro: &'static str,
    pub sign_in_dev_intro: &'static str,
    pub sign_in_unavailable: &'static str,
    pub municipality: &'static str,
    pub choose_municipality: &'static str,
    pub roles: &'static str,
    pub roles_hint: &'static str,
    pub role_board: &'static str,
    pub role_digital_lead: &'static str,
    pub role_observer: &'static str,
    pub role_operator: &'static str,
    pub chair_of: &'static str,
    pub secretariat_of: &'static str,
    pub cooperation_id_hint: &'static str,
    pub your_name: &'static str,
    pub your_name_hint: &'static str,
    pub error_summary_title: &'static str,
    pub error_prefix: &'static str,
    pub err_choose_municipality: &'static str,
    pub err_choose_role: &'static str,
    pub err_cooperation_id: &'static str,
    pub err_not_a_number: &'static str,
    pub err_etag: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub csrf_title: &'static str,
    pub csrf_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub conflict_title: &'static str,
    pub internal_title: &'static str,
    pub internal_body: &'static str,
    pub back_to_start: &'static str,
    pub cooperations: &'static str,
    pub no_cooperations: &'static str,
    pub members_count: &'static str,
    pub members: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub population: &'static str,
    pub joined_on: &'static str,
    pub sessions: &'static str,
    pub no_sessions: &'static str,
    pub scheduled: &'static str,
    pub state: &'static str,
    pub shared_list: &'static str,
    pub revision: &'static str,
    pub revision_zero: &'static str,
    pub rank: &'static str,
    pub proposal: &'static str,
    pub proposals: &'static str,
    pub updated: &'static str,
    pub rules: &'static str,
    pub default_weighting: &'static str,
    pub default_quorum: &'static str,
    pub delegated_voting: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub all_proposals: &'static str,
    pub no_proposals: &'static str,
    pub new_proposal: &'static str,
    pub edit_proposal: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub summary_hint: &'static str,
    pub category: &'static str,
    pub flags: &'static str,
    pub flags_hint: &'static str,
    pub flag_involves_ai: &'static str,
    pub flag_personal_data: &'static str,
    pub flag_citizen_facing: &'static str,
    pub flag_security_critical: &'static str,
    pub one_time_cost: &'static str,
    pub yearly_cost: &'static str,
    pub cost_hint: &'static str,
    pub linked_systems: &'static str,
    pub linked_systems_hint: &'static str,
    pub save_draft: &'static str,
    pub save_changes: &'static str,
    pub submit_proposal: &'static str,
    pub submit_explained: &'static str,
    pub withdraw_proposal: &'static str,
    pub withdraw_reason: &'static str,
    pub sponsor: &'static str,
    pub status: &'static str,
    pub decision_level: &'static str,
    pub level_board: &'static str,
    pub level_delegated: &'static str,
    pub history: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub none: &'static str,
    pub saved: &'static str,
    pub cancel: &'static str,
    pub all_statuses: &'static str,
    pub filter: &'static str,
    pub event_log: &'static str,
    pub new_session: &'static str,
    pub agenda: &'static str,
    pub agenda_hint: &'static str,
    pub schedule_session: &'static str,
    pub open_session: &'static str,
    pub close_session: &'static str,
    pub close_explained: &'static str,
    pub check_in: &'static str,
    pub attendance: &'static str,
    pub present: &'static str,
    pub absent: &'static str,
    pub checked_in_at: &'static str,
    pub rounds: &'static str,
    pub no_rounds: &'static str,
    pub method: &'static str,
    pub turnout: &'static str,
    pub of: &'static str,
    pub no_agenda: &'static str,
    pub no_submitted: &'static str,
    pub categories: &'static [(Category, &'static str)],
    pub proposal_statuses: &'static [(ProposalStatus, &'static str)],
    pub session_states: &'static [(SessionState, &'static str)],
    pub round_states: &'static [(RoundState, &'static str)],
    pub methods: &'static [(Method, &'static str)],
    pub weightings: &'static [(Weighting, &'static str)],
    /// Event actions, as a history names them.
    pub actions: &'static [(&'static str, &'static str)],
    /// The domain's (English) descriptions of bad fields, in this language.
    pub problems: &'static [(&'static str, &'static str)],
    // Minutes: the session's minutes page and its downloads.
    pub minutes: &'static str,
    pub minutes_downloads: &'static str,
    pub minutes_pdf: &'static str,
    pub minutes_ballots_csv: &'static str,
    pub minutes_results_csv: &'static str,
    pub minutes_back: &'static str,
}

impl Texts {
    pub fn category(&self, c: Category) -> &'static str {
        lookup(self.categories, c)
    }

    pub fn proposal_status(&self, s: ProposalStatus) -> &'static str {
        lookup(self.proposal_statuses, s)
    }

    pub fn session_state(&self, s: SessionState) -> &'static str {
        lookup(self.session_states, s)
    }

    pub fn round_state(&self, s: RoundState) -> &'static str {
        lookup(self.round_states, s)
    }

    pub fn method(&self, m: Method) -> &'static str {
        lookup(self.methods, m)
    }

    pub fn weighting(&self, w: Weighting) -> &'static str {
        lookup(self.weightings, w)
    }

    /// What an event's action means, for the history of a record; the
    /// action itself when the catalogue has no words for it.
    pub fn action<'a>(&self, action: &'a str) -> &'a str {
        self.actions
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, text)| *text)
            .unwrap_or(action)
    }

    /// A domain's description of a bad field, in this language where it is
    /// one of the common ones; the domain's own (English) words otherwise.
    pub fn field_problem(&self, description: &str) -> String {
        self.problems
            .iter()
            .find(|(d, _)| *d == description)
            .map(|(_, text)| (*text).to_owned())
            .unwrap_or_else(|| description.to_owned())
    }
}

fn lookup<K: PartialEq + Copy>(table: &'static [(K, &'static str)], key: K) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map(|(_, t)| *t).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_names_every_state() {
        use Category::*;
        for lang in Lang::ALL {
            let t = lang.texts();
            for c in [NewSystem, Replacement, SharedProcurement, AiUse, Infrastructure, Other] {
                assert!(!t.category(c).is_empty(), "{lang:?} {c}");
            }
            for s in [
                ProposalStatus::Draft,
                ProposalStatus::Submitted,
                ProposalStatus::Adopted,
                ProposalStatus::Rejected,
                ProposalStatus::Withdrawn,
            ] {
                assert!(!t.proposal_status(s).is_empty(), "{lang:?} {s}");
            }
            for s in [SessionState::Scheduled, SessionState::Open, SessionState::Closed] {
                assert!(!t.session_state(s).is_empty(), "{lang:?} {s}");
            }
            for s in [RoundState::Open, RoundState::Closed, RoundState::Cancelled] {
                assert!(!t.round_state(s).is_empty(), "{lang:?} {s}");
            }
            for m in [
                Method::YesNo,
                Method::Approval,
                Method::Score,
                Method::Borda,
                Method::Schulze,
            ] {
                assert!(!t.method(m).is_empty(), "{lang:?} {m}");
            }
        }
    }

    #[test]
    fn the_browser_language_is_honoured_and_danish_is_the_default() {
        assert_eq!(Lang::negotiate("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate("de-DE,da;q=0.8,en;q=0.5"), Lang::Da);
        assert_eq!(Lang::negotiate("fr"), Lang::Da);
        assert_eq!(Lang::negotiate(""), Lang::Da);
    }
}
