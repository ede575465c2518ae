//! The console's texts: one catalogue per language ([`da`] first, [`en`]),
//! each a value of [`Texts`], so a text missing from a language is a compile
//! error rather than a blank on a page.

mod da;
mod en;

use crate::domain::model::ImplementationStatus;
use crate::domain::model::portfolio::{AiUse, Lifecycle, TimeClass};
use crate::domain::model::{Category, Method, ProposalStatus, RoundState, SessionState, Threshold, Weighting};
use crate::domain::model::{Change, Choice, OverrideKind, OverrideState};

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
    // Rounds, ballots and results (the console's voting pages).
    pub open_round: &'static str,
    pub open_round_button: &'static str,
    pub round_title_hint: &'static str,
    pub round_untitled: &'static str,
    pub candidates: &'static str,
    pub candidates_hint: &'static str,
    pub weighting: &'static str,
    pub the_default: &'static str,
    pub quorum: &'static str,
    pub quorum_hint: &'static str,
    pub threshold: &'static str,
    pub threshold_hint: &'static str,
    pub deadline: &'static str,
    pub deadline_hint: &'static str,
    pub budget: &'static str,
    pub budget_hint: &'static str,
    pub no_deadline: &'static str,
    pub no_budget: &'static str,
    pub err_not_a_percent: &'static str,
    pub err_not_a_time: &'static str,
    pub err_same_place: &'static str,
    pub close_round: &'static str,
    pub close_round_explained: &'static str,
    pub cancel_round: &'static str,
    pub cancel_reason: &'static str,
    pub cancelled_because: &'static str,
    pub your_ballot: &'static str,
    pub ballot_for: &'static str,
    pub vote: &'static str,
    pub replace_vote: &'static str,
    pub ballot_cast: &'static str,
    pub ballot_replace_hint: &'static str,
    pub may_not_vote: &'static str,
    pub choice_yes: &'static str,
    pub choice_no: &'static str,
    pub choice_abstain: &'static str,
    pub approve_hint: &'static str,
    pub score_hint: &'static str,
    pub points: &'static str,
    pub place: &'static str,
    pub unranked: &'static str,
    pub ranking_hint_borda: &'static str,
    pub ranking_hint_schulze: &'static str,
    pub ranking_keys_hint: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub moved_to_place: &'static str,
    pub voted: &'static str,
    pub not_voted: &'static str,
    pub members_voted: &'static str,
    pub of_the_weight: &'static str,
    pub results: &'static str,
    pub results_pending: &'static str,
    pub quorum_met: &'static str,
    pub quorum_missed: &'static str,
    pub quorum_required: &'static str,
    pub position: &'static str,
    pub outcome: &'static str,
    pub outcome_adopted: &'static str,
    pub outcome_rejected: &'static str,
    pub outcome_undecided: &'static str,
    pub outcome_over_budget: &'static str,
    pub weight_yes: &'static str,
    pub weight_no: &'static str,
    pub weight_abstain: &'static str,
    pub tie_breaks: &'static str,
    pub tie_break_rule: &'static str,
    pub ballots: &'static str,
    pub ballots_hidden: &'static str,
    pub no_ballots: &'static str,
    pub cast_by: &'static str,
    pub weight: &'static str,
    pub ballot: &'static str,
    pub list_revision_made: &'static str,
    pub inputs_hash: &'static str,
    pub live_note: &'static str,
    pub ballot_role_board: &'static str,
    pub ballot_role_digital_lead: &'static str,
    pub opened_by: &'static str,
    pub thresholds: &'static [(Threshold, &'static str)],
    /// Per method: what a score column of its result means.
    pub score_headings: &'static [(Method, &'static str)],
    /// Per method: the method in one plain sentence.
    pub method_sentences: &'static [(Method, &'static str)],

    // Board, accountability and the event log (DESIGN.md §6, §7, §11).
    pub board_page: &'static str,
    pub board_intro: &'static str,
    pub show_municipality: &'static str,
    pub show: &'static str,
    pub effective_list: &'static str,
    pub local_rank: &'static str,
    pub shared_rank: &'static str,
    pub local_override: &'static str,
    pub not_on_list: &'static str,
    pub set_apart: &'static str,
    pub set_apart_intro: &'static str,
    pub needs_review: &'static str,
    pub needs_review_intro: &'static str,
    pub no_needs_review: &'static str,
    pub review: &'static str,
    pub override_locally: &'static str,
    pub change_override: &'static str,
    pub adopt_locally_link: &'static str,
    pub override_kind: &'static str,
    pub defer_until: &'static str,
    pub defer_until_hint: &'static str,
    pub local_rank_hint: &'static str,
    pub justification: &'static str,
    pub justification_hint: &'static str,
    pub board_resolution: &'static str,
    pub board_resolution_hint: &'static str,
    pub expires_on: &'static str,
    pub expires_on_hint: &'static str,
    pub save_override: &'static str,
    pub reconfirm: &'static str,
    pub reconfirm_intro: &'static str,
    pub revoke: &'static str,
    pub revoke_intro: &'static str,
    pub recorded_by: &'static str,
    pub list_revision: &'static str,
    pub rank_then: &'static str,
    pub rank_now: &'static str,
    pub version: &'static str,
    pub err_no_proposal: &'static str,
    pub accountability: &'static str,
    pub matrix_intro: &'static str,
    pub opted_out_by: &'static str,
    pub deferred_by: &'static str,
    pub reranked_by: &'static str,
    pub adopted_locally: &'static str,
    pub adopted_locally_by: &'static str,
    pub member_reports: &'static str,
    pub member_report: &'static str,
    pub named_votes: &'static str,
    pub no_votes: &'static str,
    pub round: &'static str,
    pub local_overrides: &'static str,
    pub no_overrides: &'static str,
    pub divergences: &'static str,
    pub no_divergences: &'static str,
    pub seq: &'static str,
    pub subject: &'static str,
    pub payload: &'static str,
    pub redacted: &'static str,
    pub no_events: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub verify_chain: &'static str,
    pub verify_intro: &'static str,
    pub chain_intact: &'static str,
    pub events_checked: &'static str,
    pub chain_broken: &'static str,
    pub first_bad_event: &'static str,
    pub reason: &'static str,
    pub events_before_break: &'static str,
    pub override_kinds: &'static [(OverrideKind, &'static str)],
    /// What each kind means, as the override form explains it.
    pub override_kind_hints: &'static [(OverrideKind, &'static str)],
    pub override_states: &'static [(OverrideState, &'static str)],
    pub override_changes: &'static [(Change, &'static str)],
    pub choices: &'static [(Choice, &'static str)],
    /// Event actions beyond those of `actions`.
    pub record_actions: &'static [(&'static str, &'static str)],
    /// The domain's descriptions of bad override fields, in this language.
    pub override_problems: &'static [(&'static str, &'static str)],
    pub sign_in_with_provider: &'static str,
    pub sign_in_provider_failed: &'static str,
    pub sign_in_refused: &'static str,
    /// Signed out because the session expired and could not be refreshed.
    pub session_expired: &'static str,
    // Portfolio (issue 13): the cooperation's portfolios page.
    pub portfolio: &'static str,
    pub portfolio_intro: &'static str,
    pub portfolio_overview: &'static str,
    pub systems_in_use: &'static str,
    pub ai_systems: &'static str,
    pub personal_data_systems: &'static str,
    pub portfolio_yearly_cost: &'static str,
    pub all_members: &'static str,
    pub by_time_class: &'static str,
    pub opportunities: &'static str,
    pub opportunities_intro: &'static str,
    pub no_opportunities: &'static str,
    pub systems_heading: &'static str,
    pub system_name: &'static str,
    pub vendor: &'static str,
    pub function: &'static str,
    pub contract_end: &'static str,
    pub contract_ends_before: &'static str,
    pub time_class_label: &'static str,
    pub ai_label: &'static str,
    pub any: &'static str,
    pub no_systems: &'static str,
    pub time_classes: &'static [(TimeClass, &'static str)],
    pub ai_uses: &'static [(AiUse, &'static str)],
    // Portfolio: a member's own digital lead or board keeps its systems.
    pub add_system: &'static str,
    pub edit_system: &'static str,
    pub edit: &'static str,
    pub portfolio_of: &'static str,
    pub lifecycle_label: &'static str,
    pub lifecycles: &'static [(Lifecycle, &'static str)],
    pub system_personal_data: &'static str,
    pub kitos_system_uuid: &'static str,
    pub kitos_system_uuid_hint: &'static str,
    pub contract_end_hint: &'static str,
    pub delete_system: &'static str,
    pub delete_system_hint: &'static str,
    pub err_system_etag: &'static str,
    pub err_system_exists: &'static str,
    // Follow-up (DESIGN.md §13).
    pub follow_up: &'static str,
    pub follow_up_intro: &'static str,
    pub progress: &'static str,
    pub weighted_progress: &'static str,
    pub members_done: &'static str,
    pub milestones: &'static str,
    pub notes: &'static str,
    pub last_update: &'static str,
    pub never: &'static str,
    pub silent: &'static str,
    pub overdue: &'static str,
    pub nothing_overdue: &'static str,
    pub deviations: &'static str,
    pub report_progress: &'static str,
    pub new_milestone: &'static str,
    pub due_on: &'static str,
    pub no_priorities: &'static str,
    pub local_priority: &'static str,
    pub deferred_to: &'static str,
    pub implementation_statuses: &'static [(ImplementationStatus, &'static str)],
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

    pub fn implementation_status(&self, s: ImplementationStatus) -> &'static str {
        lookup(self.implementation_statuses, s)
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

    pub fn time_class(&self, t: TimeClass) -> &'static str {
        lookup(self.time_classes, t)
    }

    pub fn ai_use(&self, a: AiUse) -> &'static str {
        lookup(self.ai_uses, a)
    }

    pub fn lifecycle(&self, l: Lifecycle) -> &'static str {
        lookup(self.lifecycles, l)
    }

    /// What an event's action means, for the history of a record; the
    /// action itself when the catalogue has no words for it.
    pub fn action<'a>(&self, action: &'a str) -> &'a str {
        self.actions
            .iter()
            .chain(self.record_actions)
            .find(|(a, _)| *a == action)
            .map(|(_, text)| *text)
            .unwrap_or(action)
    }

    /// A domain's description of a bad field, in this language where it is
    /// one of the common ones; the domain's own (English) words otherwise.
    pub fn field_problem(&self, description: &str) -> String {
        self.problems
            .iter()
            .chain(self.override_problems)
            .find(|(d, _)| *d == description)
            .map(|(_, text)| (*text).to_owned())
            .unwrap_or_else(|| description.to_owned())
    }
}

impl Texts {
    pub fn threshold(&self, t: Threshold) -> &'static str {
        lookup(self.thresholds, t)
    }

    pub fn score_heading(&self, m: Method) -> &'static str {
        lookup(self.score_headings, m)
    }

    pub fn method_sentence(&self, m: Method) -> &'static str {
        lookup(self.method_sentences, m)
    }
}

// Board, accountability and the event log.
impl Texts {
    pub fn override_kind(&self, k: OverrideKind) -> &'static str {
        lookup(self.override_kinds, k)
    }

    pub fn override_kind_hint(&self, k: OverrideKind) -> &'static str {
        lookup(self.override_kind_hints, k)
    }

    pub fn override_state(&self, s: OverrideState) -> &'static str {
        lookup(self.override_states, s)
    }

    pub fn override_change(&self, c: Change) -> &'static str {
        lookup(self.override_changes, c)
    }

    pub fn choice(&self, c: Choice) -> &'static str {
        lookup(self.choices, c)
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
            for s in [
                ImplementationStatus::NotStarted,
                ImplementationStatus::InProgress,
                ImplementationStatus::Done,
                ImplementationStatus::Blocked,
                ImplementationStatus::Cancelled,
            ] {
                assert!(!t.implementation_status(s).is_empty(), "{lang:?} {s}");
            }
            for l in Lifecycle::ALL {
                assert!(!t.lifecycle(*l).is_empty(), "{lang:?} {l}");
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
