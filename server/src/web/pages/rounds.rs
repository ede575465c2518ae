//! Rounds (DESIGN.md §4–§5, §11): the chair opens one in an open session
//! with its method, candidates, weighting, quorum, threshold, deadline and
//! budget; members cast and replace their ballots, one form per method; the
//! chair closes or cancels it. The round page shows the live turnout while
//! the round is open and its result, with the named ballots, once closed.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::domain::model::{
    Choice, Cooperation, Member, Method, Proposal, ProposalStatus, RoundState, Threshold, Weighting,
};
use crate::domain::sessions::model::{Ballot, BallotContent, CandidateScore, Session, YesNoChoice};
use crate::domain::sessions::rounds::{self, BallotView, NewRound, RoundView};
use crate::domain::{Error, authz, cooperations, proposals, sessions};
use crate::web::Web;
use crate::web::format;
use crate::web::i18n::Texts;
use crate::web::page::{Answer, FormErrors, Member as SignedIn, Page, Posted, render, see_other};

pub const METHODS: [Method; 5] = [
    Method::YesNo,
    Method::Approval,
    Method::Score,
    Method::Borda,
    Method::Schulze,
];
const WEIGHTINGS: [Weighting; 3] = [Weighting::Equal, Weighting::Population, Weighting::Custom];
const THRESHOLDS: [Threshold; 3] = [Threshold::SimpleMajority, Threshold::TwoThirds, Threshold::Unanimous];

/// What a round's pages name: municipalities and proposals by their names.
struct Names {
    members: HashMap<String, String>,
    titles: HashMap<String, String>,
}

impl Names {
    /// The cooperation's members (those who left too: they may have voted)
    /// and the titles of the given proposals.
    async fn load(web: &Web, page: &Page, coop: &str, proposal_ids: &[String]) -> Result<(Names, Vec<Member>), Error> {
        let ctx = page.ctx();
        let store = &*web.store;
        let (members, _) = cooperations::list_members(store, &ctx, coop, true, 1000, "").await?;
        let named = proposals::of_ids(store, &ctx, coop, proposal_ids).await?;
        let names = Names {
            members: members.iter().map(|m| (m.code.clone(), m.name.clone())).collect(),
            titles: named.into_iter().map(|p| (p.id, p.content.title)).collect(),
        };
        Ok((names, members))
    }

    fn member(&self, code: &str) -> String {
        self.members.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }

    fn title(&self, id: &str) -> String {
        self.titles.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

// ---------------------------------------------------------------------------
// Opening a round

/// The open-round form's values, as typed.
#[derive(Default)]
struct RoundForm {
    title: String,
    method: String,
    candidates: Vec<String>,
    weighting: String,
    quorum: String,
    threshold: String,
    deadline: String,
    budget: String,
}

impl RoundForm {
    fn from_fields(f: &crate::web::page::Fields) -> RoundForm {
        RoundForm {
            title: f.get("title").to_owned(),
            method: f.get("method").to_owned(),
            candidates: f.all("candidates").into_iter().map(str::to_owned).collect(),
            weighting: f.get("weighting").to_owned(),
            quorum: f.get("quorum").to_owned(),
            threshold: f.get("threshold").to_owned(),
            deadline: f.get("deadline").to_owned(),
            budget: f.get("budget").to_owned(),
        }
    }

    /// The request for the domain, and the fields that did not even parse.
    fn request(&self, session_id: &str, t: &Texts) -> (Option<NewRound>, FormErrors) {
        let mut errors = FormErrors::default();
        let method = METHODS.into_iter().find(|m| m.as_str() == self.method);
        if method.is_none() {
            errors.add("method", format!("{}: {}", t.method, t.field_problem("is required")));
        }
        let weighting = WEIGHTINGS.into_iter().find(|w| w.as_str() == self.weighting);
        let threshold = THRESHOLDS.into_iter().find(|x| x.as_str() == self.threshold);
        let quorum_bp = match self.quorum.trim() {
            "" => None,
            q => format::parse_percent(q).or_else(|| {
                errors.add("quorum", format!("{}: {}", t.quorum, t.err_not_a_percent));
                None
            }),
        };
        let deadline = match self.deadline.trim() {
            "" => None,
            d => format::parse_local_time(d).or_else(|| {
                errors.add("deadline", format!("{}: {}", t.deadline, t.err_not_a_time));
                None
            }),
        };
        let budget_dkk = match self.budget.trim() {
            "" => None,
            b => {
                let cleaned: String = b.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
                cleaned.parse::<i64>().ok().or_else(|| {
                    errors.add("budget", format!("{}: {}", t.budget, t.err_not_a_number));
                    None
                })
            }
        };
        let Some(method) = method else { return (None, errors) };
        let ranking = method != Method::YesNo;
        let req = NewRound {
            session_id: session_id.to_owned(),
            title: self.title.trim().to_owned(),
            method,
            candidates: self.candidates.clone(),
            weighting,
            quorum_bp,
            // A threshold or budget left on the form for the other kind of
            // method is not what the chair meant; the hints say where each applies.
            threshold: threshold.filter(|_| !ranking),
            deadline,
            budget_dkk: budget_dkk.filter(|_| ranking),
        };
        (errors.is_empty().then_some(req), errors)
    }
}

#[derive(Template)]
#[template(path = "pages/round_new.html")]
struct NewRoundPage {
    c: Page,
    coop: Cooperation,
    s: Session,
    /// Agenda items that may be candidates, in agenda order.
    agenda: Vec<Proposal>,
    form: RoundForm,
    /// Whether the form is a fresh one (every submitted item ticked).
    fresh: bool,
    errors: FormErrors,
    methods: [Method; 5],
    weightings: [Weighting; 3],
    thresholds: [Threshold; 3],
}

impl NewRoundPage {
    fn ticked(&self, p: &Proposal) -> bool {
        if self.fresh {
            p.status == ProposalStatus::Submitted
        } else {
            self.form.candidates.contains(&p.id)
        }
    }

    fn default_weighting(&self) -> &'static str {
        self.c.t.weighting(self.coop.rules.default_weighting)
    }

    fn quorum_hint(&self) -> String {
        format!(
            "{} ({}: {})",
            self.c.t.quorum_hint,
            self.c.t.the_default,
            self.c.percent_bp(&self.coop.rules.default_quorum_bp)
        )
    }

    fn method_name(&self, m: &Method) -> &'static str {
        self.c.t.method(*m)
    }

    fn method_sentence(&self, m: &Method) -> &'static str {
        self.c.t.method_sentence(*m)
    }

    fn weighting_name(&self, w: &Weighting) -> &'static str {
        self.c.t.weighting(*w)
    }

    fn threshold_name(&self, x: &Threshold) -> &'static str {
        self.c.t.threshold(*x)
    }
}

async fn new_round_page(
    web: &Web,
    page: Page,
    session_id: &str,
    form: RoundForm,
    fresh: bool,
    errors: FormErrors,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let s = sessions::get(store, &ctx, session_id).await.map_err(|e| page.fail(e))?;
    let coop = cooperations::get(store, &ctx, &s.cooperation_id)
        .await
        .map_err(|e| page.fail(e))?;
    let on_agenda = proposals::of_ids(store, &ctx, &s.cooperation_id, &s.agenda)
        .await
        .map_err(|e| page.fail(e))?;
    let by_id: HashMap<&str, &Proposal> = on_agenda.iter().map(|p| (p.id.as_str(), p)).collect();
    let agenda = s
        .agenda
        .iter()
        .filter_map(|id| by_id.get(id.as_str()))
        .filter(|p| matches!(p.status, ProposalStatus::Submitted | ProposalStatus::Adopted))
        .map(|p| (*p).clone())
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = page.t.open_round;
    Ok((
        status,
        render(&NewRoundPage {
            c: page.titled(title),
            coop,
            s,
            agenda,
            form,
            fresh,
            errors,
            methods: METHODS,
            weightings: WEIGHTINGS,
            thresholds: THRESHOLDS,
        }),
    )
        .into_response())
}

/// GET /sessions/{id}/rounds/new: the chair's form to open a round.
pub async fn new_form(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let form = RoundForm {
        method: Method::Schulze.as_str().to_owned(),
        ..Default::default()
    };
    new_round_page(&web, page, &id, form, true, FormErrors::default()).await
}

/// POST /sessions/{id}/rounds
pub async fn open(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let form = RoundForm::from_fields(&fields);
    let (req, mut errors) = form.request(&id, page.t);
    let Some(req) = req else {
        return new_round_page(&web, page, &id, form, false, errors).await;
    };
    match rounds::open(&*web.store, &page.ctx(), req).await {
        Ok(v) => Ok(see_other(&format!("/rounds/{}", v.round.id))),
        Err(Error::Invalid(vs)) => {
            let t = page.t;
            for v in vs {
                let (field, label) = match v.field.as_str() {
                    f if f.starts_with("candidates") => ("candidates", t.candidates),
                    "quorum_bp" => ("quorum", t.quorum),
                    "deadline" => ("deadline", t.deadline),
                    "budget_dkk" => ("budget", t.budget),
                    "threshold" => ("threshold", t.threshold),
                    _ => ("title", t.title),
                };
                errors.add(field, format!("{label}: {}", t.field_problem(&v.description)));
            }
            new_round_page(&web, page, &id, form, false, errors).await
        }
        // A candidate already in another open round, or a weighting with no weight.
        Err(Error::FailedPrecondition(m)) if !m.contains("session") => {
            errors.add("candidates", format!("{}: {m}", page.t.candidates));
            new_round_page(&web, page, &id, form, false, errors).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

// ---------------------------------------------------------------------------
// The round page: ballot while open, result once closed

/// One candidate on the ballot form, with what the form says about it.
pub struct BallotRow {
    pub id: String,
    pub title: String,
    pub choice: Choice,
    pub approved: bool,
    pub score: u32,
    /// The place in a ranking (1 is highest); `None`: not ranked.
    pub place: Option<usize>,
}

impl BallotRow {
    fn is(&self, c: &Choice) -> bool {
        self.choice == *c
    }

    fn has_place(&self, n: &usize) -> bool {
        self.place == Some(*n)
    }
}

/// The rows of a ballot form for a round, filled from a ballot (the
/// municipality's current one) when there is one. A ranking's rows are in
/// ballot order, ranked first.
fn ballot_rows(candidates: &[String], names: &Names, content: Option<&BallotContent>) -> Vec<BallotRow> {
    let mut rows: Vec<BallotRow> = candidates
        .iter()
        .map(|id| BallotRow {
            id: id.clone(),
            title: names.title(id),
            choice: Choice::Abstain,
            approved: false,
            score: 0,
            place: None,
        })
        .collect();
    let row = |rows: &mut Vec<BallotRow>, id: &str| rows.iter().position(|r| r.id == id);
    match content {
        None => {}
        Some(BallotContent::YesNo(choices)) => {
            for c in choices {
                if let Some(i) = row(&mut rows, &c.candidate_id) {
                    rows[i].choice = c.choice;
                }
            }
        }
        Some(BallotContent::Approval(ids)) => {
            for id in ids {
                if let Some(i) = row(&mut rows, id) {
                    rows[i].approved = true;
                }
            }
        }
        Some(BallotContent::Score(scores)) => {
            for s in scores {
                if let Some(i) = row(&mut rows, &s.candidate_id) {
                    rows[i].score = s.score;
                }
            }
        }
        Some(BallotContent::Ranking(ids)) => {
            for (n, id) in ids.iter().enumerate() {
                if let Some(i) = row(&mut rows, id) {
                    rows[i].place = Some(n + 1);
                }
            }
        }
        Some(BallotContent::Tiers(tiers)) => {
            // Tied candidates share a place; the next tier's place counts them.
            let mut place = 1;
            for tier in tiers {
                for id in tier {
                    if let Some(i) = row(&mut rows, id) {
                        rows[i].place = Some(place);
                    }
                }
                place += tier.len();
            }
        }
    }
    sort_by_place(&mut rows);
    rows
}

/// Ranked rows first, by place; unranked after, in candidate order.
fn sort_by_place(rows: &mut [BallotRow]) {
    rows.sort_by_key(|r| r.place.unwrap_or(usize::MAX));
}

/// A posted ballot form as the rows it shows and the ballot it means; the
/// errors are fields that did not parse or a strict ranking with a shared place.
fn parse_ballot(
    method: Method,
    candidates: &[String],
    names: &Names,
    f: &crate::web::page::Fields,
    t: &Texts,
) -> (Vec<BallotRow>, BallotContent, FormErrors) {
    let mut errors = FormErrors::default();
    let mut rows = ballot_rows(candidates, names, None);
    let n = candidates.len();
    for r in &mut rows {
        match method {
            Method::YesNo => {
                r.choice = match f.get(&format!("choice-{}", r.id)) {
                    "YES" => Choice::Yes,
                    "NO" => Choice::No,
                    _ => Choice::Abstain,
                }
            }
            Method::Approval => r.approved = f.all("approve").contains(&r.id.as_str()),
            Method::Score => {
                let field = format!("score-{}", r.id);
                match f.get(&field).trim().parse::<u32>() {
                    Ok(s) if s <= 5 => r.score = s,
                    _ => errors.add(&field, format!("{}: {}", r.title, t.err_not_a_number)),
                }
            }
            Method::Borda | Method::Schulze => {
                let field = format!("place-{}", r.id);
                match f.get(&field).trim() {
                    "" => {}
                    p => match p.parse::<usize>() {
                        Ok(p) if (1..=n).contains(&p) => r.place = Some(p),
                        _ => errors.add(&field, format!("{}: {}", r.title, t.err_not_a_number)),
                    },
                }
            }
        }
    }
    let content = match method {
        Method::YesNo => BallotContent::YesNo(
            rows.iter()
                .map(|r| YesNoChoice {
                    candidate_id: r.id.clone(),
                    choice: r.choice,
                })
                .collect(),
        ),
        Method::Approval => BallotContent::Approval(rows.iter().filter(|r| r.approved).map(|r| r.id.clone()).collect()),
        Method::Score => BallotContent::Score(
            rows.iter()
                .map(|r| CandidateScore {
                    candidate_id: r.id.clone(),
                    score: r.score,
                })
                .collect(),
        ),
        Method::Borda => {
            sort_by_place(&mut rows);
            let ranked: Vec<&BallotRow> = rows.iter().filter(|r| r.place.is_some()).collect();
            if let Some(w) = ranked.windows(2).find(|w| w[0].place == w[1].place) {
                errors.add(
                    &format!("place-{}", w[1].id),
                    format!("{}: {}", w[1].title, t.err_same_place),
                );
            }
            BallotContent::Ranking(ranked.iter().map(|r| r.id.clone()).collect())
        }
        Method::Schulze => {
            sort_by_place(&mut rows);
            let mut tiers: Vec<Vec<String>> = vec![];
            let mut last = None;
            for r in rows.iter().filter(|r| r.place.is_some()) {
                if last == r.place {
                    if let Some(tier) = tiers.last_mut() {
                        tier.push(r.id.clone());
                    }
                } else {
                    tiers.push(vec![r.id.clone()]);
                }
                last = r.place;
            }
            BallotContent::Tiers(tiers)
        }
    };
    (rows, content, errors)
}

/// A named ballot as the result shows it.
pub struct BallotLine {
    pub municipality: String,
    pub cast_by: String,
    pub role: String,
    pub weight: i64,
    pub text: String,
}

/// A ballot in words, proposals by title.
fn ballot_text(content: &BallotContent, round_candidates: &[String], names: &Names, t: &Texts) -> String {
    match content {
        BallotContent::YesNo(choices) => round_candidates
            .iter()
            .map(|id| {
                let choice = choices
                    .iter()
                    .find(|c| c.candidate_id == *id)
                    .map(|c| c.choice)
                    .unwrap_or(Choice::Abstain);
                let word = match choice {
                    Choice::Yes => t.choice_yes,
                    Choice::No => t.choice_no,
                    Choice::Abstain => t.choice_abstain,
                };
                format!("{}: {word}", names.title(id))
            })
            .collect::<Vec<_>>()
            .join("; "),
        BallotContent::Approval(ids) if ids.is_empty() => t.none.to_owned(),
        BallotContent::Approval(ids) => ids.iter().map(|id| names.title(id)).collect::<Vec<_>>().join("; "),
        BallotContent::Score(scores) => round_candidates
            .iter()
            .map(|id| {
                let s = scores
                    .iter()
                    .find(|s| s.candidate_id == *id)
                    .map(|s| s.score)
                    .unwrap_or(0);
                format!("{}: {s}", names.title(id))
            })
            .collect::<Vec<_>>()
            .join("; "),
        BallotContent::Ranking(ids) => ids
            .iter()
            .enumerate()
            .map(|(i, id)| format!("{}. {}", i + 1, names.title(id)))
            .collect::<Vec<_>>()
            .join("; "),
        BallotContent::Tiers(tiers) => tiers
            .iter()
            .enumerate()
            .map(|(i, tier)| {
                let tied: Vec<String> = tier.iter().map(|id| names.title(id)).collect();
                format!("{}. {}", i + 1, tied.join(" = "))
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// One candidate in a result, in result order.
pub struct ResultLine {
    pub position: i64,
    pub title: String,
    pub id: String,
    pub score: i64,
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    pub outcome: &'static str,
}

/// A turnout line: a member eligible in the round and whether it has voted.
pub struct TurnoutLine {
    pub name: String,
    pub voted: bool,
}

/// The part of the round page that changes while people vote: turnout,
/// state and, once closed, the result and the named ballots. Served alone
/// at `/rounds/{id}/live` for the page's script to swap in.
#[derive(Template)]
#[template(path = "fragments/round_live.html")]
pub struct RoundLive {
    c: Page,
    v: RoundView,
    turnout: Vec<TurnoutLine>,
    results: Vec<ResultLine>,
    tie_breaks: Vec<String>,
    ballots: Vec<BallotLine>,
    method_sentence: &'static str,
}

impl RoundLive {
    fn build(page: &Page, v: RoundView, names: &Names, ballots: &[BallotView]) -> RoundLive {
        let t = page.t;
        let turnout = v
            .round
            .weights
            .iter()
            .map(|w| TurnoutLine {
                name: names.member(&w.municipality),
                voted: v.voted.contains(&w.municipality),
            })
            .collect();
        let mut results = vec![];
        let mut tie_breaks = vec![];
        if let Some(res) = &v.round.result {
            for c in &res.candidates {
                let outcome = if res.adopted.contains(&c.proposal_id) {
                    t.outcome_adopted
                } else if res.rejected.contains(&c.proposal_id) {
                    t.outcome_rejected
                } else if res.skipped_for_budget.contains(&c.proposal_id) {
                    t.outcome_over_budget
                } else if v.round.method == Method::YesNo {
                    t.outcome_undecided
                } else {
                    ""
                };
                let n = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
                results.push(ResultLine {
                    position: i64::from(c.position),
                    title: names.title(&c.proposal_id),
                    id: c.proposal_id.clone(),
                    score: n(c.score),
                    yes: n(c.yes_weight),
                    no: n(c.no_weight),
                    abstain: n(c.abstain_weight),
                    outcome,
                });
            }
            for tb in &res.tie_breaks {
                let order: Vec<String> = tb.proposal_ids.iter().map(|id| names.title(id)).collect();
                tie_breaks.push(format!("{} {}.", order.join(", "), t.tie_break_rule));
            }
        }
        let candidates = v.round.candidate_ids();
        let ballots = if v.round.is_open() {
            vec![]
        } else {
            ballots
                .iter()
                .filter(|b| b.content_visible)
                .map(|b| BallotLine {
                    municipality: names.member(&b.ballot.municipality),
                    cast_by: b.ballot.cast_by.clone(),
                    role: match b.ballot.role.as_str() {
                        "board" => t.ballot_role_board.to_owned(),
                        "digital_lead" => t.ballot_role_digital_lead.to_owned(),
                        other => other.to_owned(),
                    },
                    weight: i64::try_from(b.ballot.weight).unwrap_or(i64::MAX),
                    text: ballot_text(&b.ballot.content, &candidates, names, t),
                })
                .collect()
        };
        RoundLive {
            method_sentence: t.method_sentence(v.round.method),
            c: page.clone(),
            v,
            turnout,
            results,
            tie_breaks,
            ballots,
        }
    }

    fn is_open(&self) -> bool {
        self.v.round.state == RoundState::Open
    }

    fn is_closed(&self) -> bool {
        self.v.round.state == RoundState::Closed
    }

    fn is_yes_no(&self) -> bool {
        self.v.round.method == Method::YesNo
    }

    fn voted_count(&self) -> i64 {
        self.v.voted.len() as i64
    }

    fn eligible(&self) -> i64 {
        self.v.round.weights.len() as i64
    }

    fn voted_share(&self) -> String {
        self.c.share(self.v.voted_weight, self.v.round.total_weight)
    }

    /// "2 af 3 kommuner har stemt (66,67 % af stemmevægten)"
    fn turnout_sentence(&self) -> String {
        format!(
            "{} {} {} {} ({} {})",
            self.c.num(&self.voted_count()),
            self.c.t.of,
            self.c.num(&self.eligible()),
            self.c.t.members_voted,
            self.voted_share(),
            self.c.t.of_the_weight
        )
    }

    fn cast_share(&self) -> String {
        match &self.v.round.result {
            Some(r) => self.c.share(r.cast_weight, r.total_weight),
            None => String::new(),
        }
    }

    fn quorum_met(&self) -> bool {
        self.v.round.result.as_ref().is_some_and(|r| r.quorum_met)
    }

    fn list_revision(&self) -> i64 {
        self.v
            .round
            .result
            .as_ref()
            .map(|r| i64::try_from(r.list_revision).unwrap_or(0))
            .unwrap_or(0)
    }
}

#[derive(Template)]
#[template(path = "pages/round.html")]
struct RoundPage {
    c: Page,
    coop: Cooperation,
    s: Session,
    live: RoundLive,
    is_chair: bool,
    may_vote: bool,
    has_voted: bool,
    just_cast: bool,
    rows: Vec<BallotRow>,
    errors: FormErrors,
    /// The last event's sequence when the page was read: live updates follow from there.
    after_seq: i64,
}

impl RoundPage {
    fn round_title(&self) -> String {
        round_title(self.c.t, &self.live.v.round.title, self.live.v.round.method)
    }

    fn threshold_name(&self, x: &Threshold) -> &'static str {
        self.c.t.threshold(*x)
    }

    fn method(&self) -> Method {
        self.live.v.round.method
    }

    fn is_yes_no(&self) -> bool {
        self.method() == Method::YesNo
    }

    fn is_approval(&self) -> bool {
        self.method() == Method::Approval
    }

    fn is_score(&self) -> bool {
        self.method() == Method::Score
    }

    fn ranking_hint(&self) -> &'static str {
        if self.method() == Method::Borda {
            self.c.t.ranking_hint_borda
        } else {
            self.c.t.ranking_hint_schulze
        }
    }

    fn places(&self) -> std::ops::RangeInclusive<usize> {
        1..=self.rows.len()
    }

    fn scores(&self) -> std::ops::RangeInclusive<u32> {
        0..=5
    }

    fn choices(&self) -> [(Choice, &'static str); 3] {
        let t = self.c.t;
        [
            (Choice::Yes, t.choice_yes),
            (Choice::No, t.choice_no),
            (Choice::Abstain, t.choice_abstain),
        ]
    }

    fn is_open(&self) -> bool {
        self.live.is_open()
    }

    /// Whether the form's field `{prefix}-{id}` has an error.
    fn bad(&self, prefix: &str, id: &str) -> bool {
        self.errors.has(&format!("{prefix}-{id}"))
    }
}

/// A round's title; an untitled round is named by its method.
pub fn round_title(t: &Texts, title: &str, method: Method) -> String {
    if title.is_empty() {
        format!("{} ({})", t.round_untitled, t.method(method).to_lowercase())
    } else {
        title.to_owned()
    }
}

/// Everything the round page and its live part read.
struct Loaded {
    v: RoundView,
    s: Session,
    coop: Cooperation,
    names: Names,
    members: Vec<Member>,
    ballots: Vec<BallotView>,
}

async fn load(web: &Web, page: &Page, id: &str) -> Result<Loaded, Error> {
    let ctx = page.ctx();
    let store = &*web.store;
    let v = rounds::get(store, &ctx, id).await?;
    let s = sessions::get(store, &ctx, &v.round.session_id).await?;
    let coop = cooperations::get(store, &ctx, &v.round.cooperation_id).await?;
    let (names, members) = Names::load(web, page, &coop.id, &v.round.candidate_ids()).await?;
    let ballots = rounds::ballots(store, &ctx, id, false).await?;
    Ok(Loaded {
        v,
        s,
        coop,
        names,
        members,
        ballots,
    })
}

/// Whether the viewer may vote in the round: the same rule the domain
/// applies when the ballot arrives.
fn may_vote(page: &Page, l: &Loaded) -> bool {
    let Some(viewer) = &page.viewer else { return false };
    let p = &viewer.principal;
    let mine = l
        .members
        .iter()
        .find(|m| m.code == p.municipality && m.left_on.is_none());
    l.v.round.is_open()
        && authz::cast_ballot(
            p,
            mine,
            l.v.round.decision_level,
            &l.coop.rules,
            l.v.round.weight_of(&p.municipality),
        )
        .is_ok()
}

fn own_ballot<'a>(page: &Page, ballots: &'a [BallotView]) -> Option<&'a Ballot> {
    let code = &page.viewer.as_ref()?.principal.municipality;
    ballots
        .iter()
        .find(|b| b.ballot.municipality == *code && b.content_visible)
        .map(|b| &b.ballot)
}

async fn round_page(
    web: &Web,
    page: Page,
    id: &str,
    posted: Option<(Vec<BallotRow>, FormErrors)>,
    just_cast: bool,
) -> Answer {
    let after_seq = *web.store.subscribe().borrow();
    let l = load(web, &page, id).await.map_err(|e| page.fail(e))?;
    let is_chair = page
        .viewer
        .as_ref()
        .is_some_and(|v| authz::chair(&v.principal, &l.coop.id).is_ok());
    let may_vote = may_vote(&page, &l);
    let own = own_ballot(&page, &l.ballots);
    let has_voted = own.is_some();
    let (rows, errors) = match posted {
        Some(p) => p,
        None => (
            ballot_rows(&l.v.round.candidate_ids(), &l.names, own.map(|b| &b.content)),
            FormErrors::default(),
        ),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = round_title(page.t, &l.v.round.title, l.v.round.method);
    let live = RoundLive::build(&page, l.v, &l.names, &l.ballots);
    Ok((
        status,
        render(&RoundPage {
            c: page.titled(title),
            coop: l.coop,
            s: l.s,
            live,
            is_chair,
            may_vote,
            has_voted,
            just_cast,
            rows,
            errors,
            after_seq,
        }),
    )
        .into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct RoundQuery {
    #[serde(default)]
    cast: Option<String>,
}

/// GET /rounds/{id}: the ballot while the round is open, the result once closed.
pub async fn show(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<RoundQuery>,
) -> Answer {
    round_page(&web, page, &id, None, q.cast.is_some()).await
}

/// GET /rounds/{id}/live: the live part of the round page alone.
pub async fn live(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let l = load(&web, &page, &id).await.map_err(|e| page.fail(e))?;
    Ok(render(&RoundLive::build(&page, l.v, &l.names, &l.ballots)))
}

/// POST /rounds/{id}/ballot: casts or replaces the municipality's ballot.
pub async fn cast(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let round = rounds::get(&*web.store, &ctx, &id)
        .await
        .map_err(|e| page.fail(e))?
        .round;
    let coop = round.cooperation_id.clone();
    let (names, _) = Names::load(&web, &page, &coop, &round.candidate_ids())
        .await
        .map_err(|e| page.fail(e))?;
    let (rows, content, mut errors) = parse_ballot(round.method, &round.candidate_ids(), &names, &fields, page.t);
    if !errors.is_empty() {
        return round_page(&web, page, &id, Some((rows, errors)), false).await;
    }
    match rounds::cast(&*web.store, &ctx, &id, content).await {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}?cast=1#ballot-heading"))),
        Err(Error::Invalid(vs)) => {
            for v in vs {
                errors.add("ballot", page.t.field_problem(&v.description));
            }
            round_page(&web, page, &id, Some((rows, errors)), false).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// POST /rounds/{id}/close
pub async fn close(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    rounds::close(&*web.store, &posted.page.ctx(), &id)
        .await
        .map_err(|e| posted.page.fail(e))?;
    Ok(see_other(&format!("/rounds/{id}")))
}

/// POST /rounds/{id}/cancel
pub async fn cancel(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let reason = posted.fields.get("reason").to_owned();
    rounds::cancel(&*web.store, &posted.page.ctx(), &id, &reason)
        .await
        .map_err(|e| posted.page.fail(e))?;
    Ok(see_other(&format!("/rounds/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;
    use crate::web::page::Fields;

    fn names() -> Names {
        Names {
            members: HashMap::new(),
            titles: [("a", "A"), ("b", "B"), ("c", "C")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    fn ids() -> Vec<String> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    #[test]
    fn schulze_places_become_tiers_and_unranked_stay_out() {
        let t = Lang::Da.texts();
        let f = fields(&[("place-a", "2"), ("place-b", "1"), ("place-c", "2")]);
        let (rows, content, errors) = parse_ballot(Method::Schulze, &ids(), &names(), &f, t);
        assert!(errors.is_empty());
        assert_eq!(
            content,
            BallotContent::Tiers(vec![vec!["b".into()], vec!["a".into(), "c".into()]])
        );
        assert_eq!(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["b", "a", "c"]);
        let f = fields(&[("place-c", "1")]);
        let (_, content, _) = parse_ballot(Method::Schulze, &ids(), &names(), &f, t);
        assert_eq!(content, BallotContent::Tiers(vec![vec!["c".into()]]));
    }

    #[test]
    fn borda_refuses_a_shared_place_and_bad_numbers() {
        let t = Lang::Da.texts();
        let f = fields(&[("place-a", "1"), ("place-b", "1"), ("place-c", "9")]);
        let (_, _, errors) = parse_ballot(Method::Borda, &ids(), &names(), &f, t);
        assert!(errors.has("place-b"), "{errors:?}");
        assert!(errors.has("place-c"), "{errors:?}");
        let f = fields(&[("place-a", "3"), ("place-b", "1"), ("place-c", "2")]);
        let (_, content, errors) = parse_ballot(Method::Borda, &ids(), &names(), &f, t);
        assert!(errors.is_empty());
        assert_eq!(
            content,
            BallotContent::Ranking(vec!["b".into(), "c".into(), "a".into()])
        );
    }

    #[test]
    fn a_ballot_fills_the_form_again_and_reads_in_words() {
        let t = Lang::Da.texts();
        let tiers = BallotContent::Tiers(vec![vec!["c".into(), "a".into()], vec!["b".into()]]);
        let rows = ballot_rows(&ids(), &names(), Some(&tiers));
        let places: Vec<_> = rows.iter().map(|r| (r.id.as_str(), r.place)).collect();
        assert_eq!(places, [("a", Some(1)), ("c", Some(1)), ("b", Some(3))]);
        assert_eq!(ballot_text(&tiers, &ids(), &names(), t), "1. C = A; 2. B");
        let yn = fields(&[("choice-a", "YES"), ("choice-b", "NO")]);
        let (_, content, _) = parse_ballot(Method::YesNo, &ids(), &names(), &yn, t);
        assert_eq!(ballot_text(&content, &ids(), &names(), t), "A: Ja; B: Nej; C: Undlader");
        let sc = fields(&[("score-a", "5"), ("score-b", "0"), ("score-c", "seks")]);
        let (_, _, errors) = parse_ballot(Method::Score, &ids(), &names(), &sc, t);
        assert!(errors.has("score-c"));
    }
}
