//! The words of the minutes, in Danish and English: labels, and the
//! sentences that say how a method decides and what a weight is.

use super::Lang;
use crate::domain::locale;
use crate::domain::model::{Category, DecisionLevel, Method, ProposalStatus, Threshold, Weighting};

/// Fixed texts of the minutes in one language.
pub struct Texts {
    pub minutes: &'static str,
    pub cooperation: &'static str,
    pub meeting: &'static str,
    pub opened: &'static str,
    pub closed: &'static str,
    pub chair: &'static str,
    pub minute_taker: &'static str,
    pub none_named: &'static str,
    pub status: &'static str,
    pub participants: &'static str,
    pub municipality: &'static str,
    pub took_part: &'static str,
    pub by: &'static str,
    pub time: &'static str,
    pub checked_in: &'static str,
    pub by_voting: &'static str,
    pub nobody_present: &'static str,
    pub absence: &'static str,
    pub nobody_absent: &'static str,
    pub agenda: &'static str,
    pub item: &'static str,
    pub any_other_business: &'static str,
    pub nothing_under_aob: &'static str,
    pub empty_agenda: &'static str,
    pub sponsor: &'static str,
    pub category: &'static str,
    pub costs: &'static str,
    pub decision_level: &'static str,
    pub summary: &'static str,
    pub linked_systems: &'static str,
    pub voted_in: &'static str,
    pub not_voted_on: &'static str,
    pub status_after: &'static str,
    pub decision_note: &'static str,
    pub no_note: &'static str,
    pub votes: &'static str,
    pub no_rounds: &'static str,
    pub round: &'static str,
    pub method: &'static str,
    pub weighting: &'static str,
    pub total_weight: &'static str,
    pub quorum: &'static str,
    pub budget: &'static str,
    pub round_opened: &'static str,
    pub round_closed: &'static str,
    pub at_deadline: &'static str,
    pub cancelled: &'static str,
    pub no_reason: &'static str,
    pub still_open: &'static str,
    pub candidates: &'static str,
    pub proposal: &'static str,
    pub ballots: &'static str,
    pub weight: &'static str,
    pub cast_by: &'static str,
    pub ballot: &'static str,
    pub no_ballots: &'static str,
    pub did_not_vote: &'static str,
    pub result: &'static str,
    pub position: &'static str,
    pub outcome: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub abstain: &'static str,
    pub absent: &'static str,
    pub weight_yes: &'static str,
    pub weight_no: &'static str,
    pub weight_abstain: &'static str,
    pub tie_breaks: &'static str,
    pub tie_break_rule: &'static str,
    pub inputs_hash: &'static str,
    pub decisions: &'static str,
    pub no_decisions: &'static str,
    pub overrides: &'static str,
    pub no_overrides: &'static str,
    pub override_kind: &'static str,
    pub justification: &'static str,
    pub board_resolution: &'static str,
    pub set_by: &'static str,
    pub list_after: &'static str,
    pub list_empty: &'static str,
    pub approval: &'static str,
    pub not_approved: &'static str,
    pub approves: &'static str,
    pub approves_none: &'static str,
    pub adopted: &'static str,
    pub rejected: &'static str,
    pub skipped_for_budget: &'static str,
    pub ranked: &'static str,
    pub not_decided: &'static str,
    pub board_level: &'static str,
    pub delegated: &'static str,
    pub one_time: &'static str,
    pub yearly: &'static str,
}

pub const DA: Texts = Texts {
    minutes: "Referat",
    cooperation: "Samarbejde",
    meeting: "Mødetidspunkt",
    opened: "Mødet åbnet",
    closed: "Mødet lukket",
    chair: "Mødeleder (formand)",
    minute_taker: "Referent",
    none_named: "ikke udpeget",
    status: "Status",
    participants: "Deltagere",
    municipality: "Kommune",
    took_part: "Deltog",
    by: "Repræsenteret ved",
    time: "Tidspunkt",
    checked_in: "mødte (tjekket ind)",
    by_voting: "deltog ved at stemme (tjekkede ikke ind)",
    nobody_present: "Ingen kommune deltog.",
    absence: "Fravær",
    nobody_absent: "Intet fravær.",
    agenda: "Dagsorden",
    item: "Punkt",
    any_other_business: "Eventuelt",
    nothing_under_aob: "Intet under eventuelt.",
    empty_agenda: "Dagsordenen var tom.",
    sponsor: "Forslagsstiller",
    category: "Kategori",
    costs: "Omkostninger",
    decision_level: "Beslutningsniveau",
    summary: "Resumé",
    linked_systems: "Berørte systemer",
    voted_in: "Behandlet i",
    not_voted_on: "ikke sat til afstemning",
    status_after: "Status efter mødet",
    decision_note: "Beslutning (formandens note)",
    no_note: "Ingen note.",
    votes: "Afstemninger",
    no_rounds: "Der blev ikke holdt afstemninger.",
    round: "Afstemning",
    method: "Metode",
    weighting: "Vægtning",
    total_weight: "samlet vægt",
    quorum: "Beslutningsdygtighed",
    budget: "Budget til vedtagelse",
    round_opened: "Åbnet",
    round_closed: "Lukket",
    at_deadline: "ved fristen",
    cancelled: "Annulleret",
    no_reason: "ingen begrundelse givet",
    still_open: "Afstemningen var stadig åben.",
    candidates: "Forslag til afstemning",
    proposal: "Forslag",
    ballots: "Navngivne stemmer",
    weight: "Vægt",
    cast_by: "Afgivet af",
    ballot: "Stemme",
    no_ballots: "Der blev ikke afgivet stemmer.",
    did_not_vote: "Stemte ikke",
    result: "Resultat",
    position: "Plads",
    outcome: "Udfald",
    yes: "For",
    no: "Imod",
    abstain: "Undlod",
    absent: "Fraværende",
    weight_yes: "Vægt for",
    weight_no: "Vægt imod",
    weight_abstain: "Vægt undlod",
    tie_breaks: "Stemmelighed",
    tie_break_rule: "afgjort efter tidligst indsendte forslag, derefter id",
    inputs_hash: "Optællingens inddata (SHA-256)",
    decisions: "Beslutninger",
    no_decisions: "Mødet traf ingen beslutninger ved afstemning.",
    overrides: "Lokale afvigelser registreret under mødet",
    no_overrides: "Ingen.",
    override_kind: "Afvigelse",
    justification: "Begrundelse",
    board_resolution: "Direktionsbeslutning",
    set_by: "Registreret af",
    list_after: "Den fælles prioriteringsliste efter mødet",
    list_empty: "Listen er tom.",
    approval: "Godkendelse",
    not_approved: "Referatet er endnu ikke godkendt. Det forelægges til godkendelse på næste møde.",
    approves: "godkender",
    approves_none: "godkender ingen",
    adopted: "vedtaget",
    rejected: "forkastet",
    skipped_for_budget: "ikke vedtaget: over budget",
    ranked: "rangordnet",
    not_decided: "ikke afgjort",
    board_level: "direktionsniveau",
    delegated: "delegeret",
    one_time: "engangsudgift",
    yearly: "årligt",
};

pub const EN: Texts = Texts {
    minutes: "Minutes",
    cooperation: "Cooperation",
    meeting: "Meeting time",
    opened: "Meeting opened",
    closed: "Meeting closed",
    chair: "Chair",
    minute_taker: "Minute-taker",
    none_named: "not named",
    status: "Status",
    participants: "Present",
    municipality: "Municipality",
    took_part: "Took part",
    by: "Represented by",
    time: "Time",
    checked_in: "present (checked in)",
    by_voting: "took part by voting (did not check in)",
    nobody_present: "No member took part.",
    absence: "Absent",
    nobody_absent: "No member was absent.",
    agenda: "Agenda",
    item: "Item",
    any_other_business: "Any other business",
    nothing_under_aob: "No other business.",
    empty_agenda: "The agenda was empty.",
    sponsor: "Sponsor",
    category: "Category",
    costs: "Costs",
    decision_level: "Decision level",
    summary: "Summary",
    linked_systems: "Systems affected",
    voted_in: "Voted on in",
    not_voted_on: "not put to a vote",
    status_after: "Status after the meeting",
    decision_note: "Decision (chair's note)",
    no_note: "No note.",
    votes: "Votes",
    no_rounds: "No votes were held.",
    round: "Vote",
    method: "Method",
    weighting: "Weighting",
    total_weight: "total weight",
    quorum: "Quorum",
    budget: "Adoption budget",
    round_opened: "Opened",
    round_closed: "Closed",
    at_deadline: "at its deadline",
    cancelled: "Cancelled",
    no_reason: "no reason given",
    still_open: "The vote was still open.",
    candidates: "Proposals voted on",
    proposal: "Proposal",
    ballots: "Named ballots",
    weight: "Weight",
    cast_by: "Cast by",
    ballot: "Ballot",
    no_ballots: "No ballots were cast.",
    did_not_vote: "Did not vote",
    result: "Result",
    position: "Position",
    outcome: "Outcome",
    yes: "Yes",
    no: "No",
    abstain: "Abstained",
    absent: "Absent",
    weight_yes: "Weight yes",
    weight_no: "Weight no",
    weight_abstain: "Weight abstained",
    tie_breaks: "Ties",
    tie_break_rule: "broken by earlier submission, then id",
    inputs_hash: "Tally inputs (SHA-256)",
    decisions: "Decisions",
    no_decisions: "The meeting took no decisions by vote.",
    overrides: "Local overrides filed during the meeting",
    no_overrides: "None.",
    override_kind: "Override",
    justification: "Justification",
    board_resolution: "Board resolution",
    set_by: "Filed by",
    list_after: "The shared priority list after the meeting",
    list_empty: "The list is empty.",
    approval: "Approval",
    not_approved: "These minutes are not approved yet. They go to the next meeting for approval.",
    approves: "approves",
    approves_none: "approves none",
    adopted: "adopted",
    rejected: "rejected",
    skipped_for_budget: "not adopted: over budget",
    ranked: "ranked",
    not_decided: "not decided",
    board_level: "board level",
    delegated: "delegated",
    one_time: "one-time",
    yearly: "yearly",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

/// A role as people say it.
pub fn role(lang: Lang, role: &str) -> String {
    let base = role.split(':').next().unwrap_or(role);
    let word = match (lang, base) {
        (Lang::Da, "board") => "direktion",
        (Lang::Da, "digital_lead") => "digitaliseringschef",
        (Lang::Da, "chair") => "formand",
        (Lang::Da, "observer") => "observatør",
        (Lang::Da, "secretariat") => "sekretariat",
        (Lang::Da, "operator") => "driftsansvarlig",
        (Lang::En, "board") => "board",
        (Lang::En, "digital_lead") => "digital lead",
        (Lang::En, "chair") => "chair",
        (Lang::En, "observer") => "observer",
        (Lang::En, "secretariat") => "secretariat",
        (Lang::En, "operator") => "operator",
        (_, other) => other,
    };
    word.to_string()
}

pub fn method_name(lang: Lang, method: Method, threshold: Option<Threshold>) -> String {
    match (lang, method) {
        (Lang::Da, Method::YesNo) => format!(
            "ja/nej-afstemning, {}",
            match threshold.unwrap_or(Threshold::SimpleMajority) {
                Threshold::SimpleMajority => "simpelt flertal",
                Threshold::TwoThirds => "to tredjedeles flertal",
                Threshold::Unanimous => "enstemmighed",
            }
        ),
        (Lang::Da, Method::Approval) => "godkendelsesafstemning".into(),
        (Lang::Da, Method::Score) => "pointafstemning (0–5 point)".into(),
        (Lang::Da, Method::Borda) => "rangordning (Borda)".into(),
        (Lang::Da, Method::Schulze) => "rangordning med ligestilling (Schulze)".into(),
        (Lang::En, Method::YesNo) => format!(
            "yes/no vote, {}",
            match threshold.unwrap_or(Threshold::SimpleMajority) {
                Threshold::SimpleMajority => "simple majority",
                Threshold::TwoThirds => "two-thirds majority",
                Threshold::Unanimous => "unanimity",
            }
        ),
        (Lang::En, Method::Approval) => "approval vote".into(),
        (Lang::En, Method::Score) => "score vote (0–5 points)".into(),
        (Lang::En, Method::Borda) => "ranking (Borda)".into(),
        (Lang::En, Method::Schulze) => "ranking with ties (Schulze)".into(),
    }
}

/// One sentence saying how the method decides.
pub fn method_rule(lang: Lang, method: Method, threshold: Option<Threshold>) -> &'static str {
    let t = threshold.unwrap_or(Threshold::SimpleMajority);
    match (lang, method, t) {
        (Lang::Da, Method::YesNo, Threshold::SimpleMajority) => {
            "Hver kommune stemmer for, imod eller undlader for hvert forslag; et forslag er vedtaget, når mødet er beslutningsdygtigt og mere end halvdelen af for- og imod-vægten er for."
        }
        (Lang::Da, Method::YesNo, Threshold::TwoThirds) => {
            "Hver kommune stemmer for, imod eller undlader for hvert forslag; et forslag er vedtaget, når mødet er beslutningsdygtigt og mindst to tredjedele af for- og imod-vægten er for."
        }
        (Lang::Da, Method::YesNo, Threshold::Unanimous) => {
            "Hver kommune stemmer for, imod eller undlader for hvert forslag; et forslag er vedtaget, når mødet er beslutningsdygtigt, mindst én stemmer for og ingen stemmer imod."
        }
        (Lang::Da, Method::Approval, _) => {
            "Hver kommune godkender de forslag, den kan støtte; forslagene ordnes efter den samlede vægt af de kommuner, der godkender dem."
        }
        (Lang::Da, Method::Score, _) => {
            "Hver kommune giver hvert forslag 0 til 5 point; forslagene ordnes efter den vægtede sum af point."
        }
        (Lang::Da, Method::Borda, _) => {
            "Hver kommune rangordner forslagene; førstepladsen giver et point for hvert forslag under sig og sidstepladsen intet, og forslagene ordnes efter de vægtede point."
        }
        (Lang::Da, Method::Schulze, _) => {
            "Hver kommune rangordner forslagene, gerne med ligestilling; forslagene sammenlignes parvis, og et forslag placeres over et andet, når dets stærkeste kæde af parvise sejre over det andet er stærkere end den omvendte."
        }
        (Lang::En, Method::YesNo, Threshold::SimpleMajority) => {
            "Each member votes yes, no or abstains on each proposal; a proposal is adopted when the quorum holds and more than half of the yes-and-no weight is yes."
        }
        (Lang::En, Method::YesNo, Threshold::TwoThirds) => {
            "Each member votes yes, no or abstains on each proposal; a proposal is adopted when the quorum holds and at least two thirds of the yes-and-no weight is yes."
        }
        (Lang::En, Method::YesNo, Threshold::Unanimous) => {
            "Each member votes yes, no or abstains on each proposal; a proposal is adopted when the quorum holds, someone votes yes and nobody votes no."
        }
        (Lang::En, Method::Approval, _) => {
            "Each member approves the proposals it supports; the proposals are ordered by the total weight of the members approving them."
        }
        (Lang::En, Method::Score, _) => {
            "Each member gives each proposal 0 to 5 points; the proposals are ordered by the weighted sum of points."
        }
        (Lang::En, Method::Borda, _) => {
            "Each member ranks the proposals; first place earns a point for each proposal below it and last place none, and the proposals are ordered by weighted points."
        }
        (Lang::En, Method::Schulze, _) => {
            "Each member ranks the proposals, ties allowed; the proposals are compared in pairs, and one ranks above another when its strongest chain of pairwise wins over it is stronger than the reverse."
        }
    }
}

/// What the weight of a member is.
pub fn weighting(lang: Lang, w: Weighting, population_date: Option<&str>) -> String {
    match (lang, w) {
        (Lang::Da, Weighting::Equal) => "lige vægt: én kommune, én stemme".into(),
        (Lang::En, Weighting::Equal) => "equal: one member, one vote".into(),
        (Lang::Da, Weighting::Population) => match population_date {
            Some(d) => format!("vægtet efter indbyggertal pr. {}", long_date(lang, d)),
            None => "vægtet efter indbyggertal".into(),
        },
        (Lang::En, Weighting::Population) => match population_date {
            Some(d) => format!("weighted by population on {}", long_date(lang, d)),
            None => "weighted by population".into(),
        },
        (Lang::Da, Weighting::Custom) => "vægtet efter aftalte vægte pr. kommune (fx medfinansieringsandel)".into(),
        (Lang::En, Weighting::Custom) => "weighted by agreed weights per member (e.g. co-financing share)".into(),
    }
}

/// An ISO date in words: `1. januar 2026` / `1 January 2026`.
pub fn long_date(lang: Lang, iso: &str) -> String {
    const DA: [&str; 12] = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<&str> = iso.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return iso.to_string();
    };
    let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>()) else {
        return iso.to_string();
    };
    match (lang, m.checked_sub(1).and_then(|i| Some((DA.get(i)?, EN.get(i)?)))) {
        (Lang::Da, Some((name, _))) => format!("{d}. {name} {y}"),
        (Lang::En, Some((_, name))) => format!("{d} {name} {y}"),
        _ => iso.to_string(),
    }
}

pub fn category(lang: Lang, c: Category) -> &'static str {
    match (lang, c) {
        (Lang::Da, Category::NewSystem) => "nyt system",
        (Lang::Da, Category::Replacement) => "udskiftning",
        (Lang::Da, Category::SharedProcurement) => "fælles indkøb",
        (Lang::Da, Category::AiUse) => "brug af kunstig intelligens",
        (Lang::Da, Category::Infrastructure) => "infrastruktur",
        (Lang::Da, Category::Other) => "andet",
        (Lang::En, Category::NewSystem) => "new system",
        (Lang::En, Category::Replacement) => "replacement",
        (Lang::En, Category::SharedProcurement) => "shared procurement",
        (Lang::En, Category::AiUse) => "use of AI",
        (Lang::En, Category::Infrastructure) => "infrastructure",
        (Lang::En, Category::Other) => "other",
    }
}

pub fn status(lang: Lang, s: ProposalStatus) -> &'static str {
    match (lang, s) {
        (Lang::Da, ProposalStatus::Draft) => "kladde",
        (Lang::Da, ProposalStatus::Submitted) => "indsendt, ikke afgjort",
        (Lang::Da, ProposalStatus::Adopted) => "vedtaget",
        (Lang::Da, ProposalStatus::Rejected) => "forkastet",
        (Lang::Da, ProposalStatus::Withdrawn) => "trukket tilbage",
        (Lang::En, ProposalStatus::Draft) => "draft",
        (Lang::En, ProposalStatus::Submitted) => "submitted, not decided",
        (Lang::En, ProposalStatus::Adopted) => "adopted",
        (Lang::En, ProposalStatus::Rejected) => "rejected",
        (Lang::En, ProposalStatus::Withdrawn) => "withdrawn",
    }
}

/// Why an item is or is not a board-level matter.
pub fn decision_level(lang: Lang, level: DecisionLevel, ai: bool, personal_data: bool) -> String {
    let t = texts(lang);
    match level {
        DecisionLevel::Delegated => match lang {
            Lang::Da => "delegeret sag (digitaliseringschefen kan stemme, hvor samarbejdet tillader det)".into(),
            Lang::En => "delegated matter (the digital lead may vote where the cooperation allows it)".into(),
        },
        DecisionLevel::Board => {
            let why = match (lang, ai, personal_data) {
                (Lang::Da, true, true) => "forslaget bruger kunstig intelligens og behandler personoplysninger",
                (Lang::Da, true, false) => "forslaget bruger kunstig intelligens",
                (Lang::Da, false, _) => "forslaget behandler personoplysninger",
                (Lang::En, true, true) => "the proposal uses AI and processes personal data",
                (Lang::En, true, false) => "the proposal uses AI",
                (Lang::En, false, _) => "the proposal processes personal data",
            };
            match lang {
                Lang::Da => format!("{}, fordi {why}; kun direktionen kan stemme", t.board_level),
                Lang::En => format!("{}, because {why}; only the board may vote", t.board_level),
            }
        }
    }
}

/// A whole number with thousands grouped.
pub fn n(lang: Lang, v: u64) -> String {
    locale::number(lang, i64::try_from(v).unwrap_or(i64::MAX))
}
