//! The tally engine (DESIGN.md §5): pure functions from rules, candidates and
//! ballots to a result.
//!
//! A tally must be reproducible from the record alone, so everything here is
//! deterministic and uses integer arithmetic only; the result carries a hash of
//! a canonical encoding of its inputs so a re-run can be compared byte for byte.
//! Ballots are validated on the way in with [`validate_ballot`]; [`tally`] still
//! treats its input defensively (unknown ids, duplicates and out-of-range values
//! are ignored, sums saturate) because a panic while closing a round would be
//! worse than a conservative count.

use std::collections::{HashMap, HashSet};
use std::fmt;

use sha2::{Digest, Sha256};

/// Highest value on a `SCORE` ballot.
pub const MAX_SCORE: u8 = 5;

/// Quorum and thresholds are expressed in basis points of the total weight.
pub const BASIS_POINTS: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    YesNo,
    Approval,
    Score,
    Borda,
    Schulze,
}

impl Method {
    /// The name used in the API and the minutes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::YesNo => "YES_NO",
            Method::Approval => "APPROVAL",
            Method::Score => "SCORE",
            Method::Borda => "BORDA",
            Method::Schulze => "SCHULZE",
        }
    }

    /// Ranking rounds re-order the shared list; `YES_NO` rounds adopt or reject.
    pub const fn is_ranking(self) -> bool {
        !matches!(self, Method::YesNo)
    }

    const fn tag(self) -> u8 {
        match self {
            Method::YesNo => 1,
            Method::Approval => 2,
            Method::Score => 3,
            Method::Borda => 4,
            Method::Schulze => 5,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Threshold {
    SimpleMajority,
    TwoThirds,
    Unanimous,
}

impl Threshold {
    pub const fn as_str(self) -> &'static str {
        match self {
            Threshold::SimpleMajority => "SIMPLE_MAJORITY",
            Threshold::TwoThirds => "TWO_THIRDS",
            Threshold::Unanimous => "UNANIMOUS",
        }
    }

    /// Whether `yes` against `no` (abstentions excluded) clears the threshold.
    /// Widened to u128 so no weight sum can overflow.
    pub fn holds(self, yes: u64, no: u64) -> bool {
        let (yes, no) = (u128::from(yes), u128::from(no));
        match self {
            Threshold::SimpleMajority => yes * 2 > yes + no,
            Threshold::TwoThirds => yes * 3 >= 2 * (yes + no),
            Threshold::Unanimous => no == 0,
        }
    }

    const fn tag(self) -> u8 {
        match self {
            Threshold::SimpleMajority => 1,
            Threshold::TwoThirds => 2,
            Threshold::Unanimous => 3,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

impl Choice {
    pub const fn as_str(self) -> &'static str {
        match self {
            Choice::Yes => "YES",
            Choice::No => "NO",
            Choice::Abstain => "ABSTAIN",
        }
    }

    const fn tag(self) -> u8 {
        match self {
            Choice::Yes => 1,
            Choice::No => 2,
            Choice::Abstain => 3,
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    /// Tie-break key: the earlier submitted proposal (lower seq) goes first,
    /// then the lower id.
    pub submitted_seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotContent {
    /// Per candidate; a candidate left out counts as abstain.
    YesNo(Vec<(String, Choice)>),
    /// The approved set; may be empty (approves nothing).
    Approval(Vec<String>),
    /// 0..=5 per candidate; a candidate left out scores 0.
    Score(Vec<(String, u8)>),
    /// A strict ranking, best first; unranked candidates share the bottom.
    Borda(Vec<String>),
    /// Tiers, best first, ties allowed inside a tier; unranked candidates are
    /// tied below every ranked one.
    Schulze(Vec<Vec<String>>),
}

impl BallotContent {
    /// The method this kind of ballot belongs to.
    pub const fn method(&self) -> Method {
        match self {
            BallotContent::YesNo(_) => Method::YesNo,
            BallotContent::Approval(_) => Method::Approval,
            BallotContent::Score(_) => Method::Score,
            BallotContent::Borda(_) => Method::Borda,
            BallotContent::Schulze(_) => Method::Schulze,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub member: String,
    pub weight: u64,
    pub content: BallotContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub method: Method,
    /// Only consulted by `YES_NO`.
    pub threshold: Threshold,
    /// Basis points (0..=10000) of `total_weight` that must have voted.
    pub quorum_bp: u32,
    /// Weight of every member of the cooperation, voting or not.
    pub total_weight: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyResult {
    pub quorum_met: bool,
    pub cast_weight: u64,
    pub total_weight: u64,
    /// Result order; for `YES_NO` the candidates in the order given.
    pub ranking: Vec<CandidateResult>,
    pub tie_breaks: Vec<TieBreak>,
    /// Hex SHA-256 of the canonical encoding of (rules, candidates, ballots
    /// sorted by member); see [`inputs_hash`].
    pub inputs_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateResult {
    pub candidate_id: String,
    /// 1-based; ties are already broken, so positions are distinct.
    pub position: u32,
    /// Approval weight, weighted score total, Borda points, or for Schulze the
    /// number of candidates it ranks above. For `YES_NO` the YES weight.
    pub score: u64,
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
    /// `YES_NO` only.
    pub adopted: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieBreak {
    /// The tied group, in the order the tie-break put them.
    pub candidate_ids: Vec<String>,
    /// Human text for the minutes.
    pub reason: String,
}

/// Why a ballot was refused. `field` is a path such as `ballot.tiers[1][0]`
/// that the gRPC layer can put into a field violation unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotError {
    UnknownCandidate {
        field: String,
        candidate: String,
    },
    Duplicate {
        field: String,
        candidate: String,
    },
    ScoreOutOfRange {
        field: String,
        candidate: String,
        score: u8,
    },
    WrongKind {
        expected: Method,
    },
    Empty {
        field: String,
    },
}

impl BallotError {
    /// The offending field; a ballot of the wrong kind is wrong as a whole.
    pub fn field(&self) -> &str {
        match self {
            BallotError::UnknownCandidate { field, .. }
            | BallotError::Duplicate { field, .. }
            | BallotError::ScoreOutOfRange { field, .. }
            | BallotError::Empty { field } => field,
            BallotError::WrongKind { .. } => "ballot",
        }
    }
}

impl fmt::Display for BallotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BallotError::UnknownCandidate { field, candidate } => {
                write!(f, "{field}: {candidate:?} is not a candidate in this round")
            }
            BallotError::Duplicate { field, candidate } => {
                write!(f, "{field}: {candidate:?} appears more than once")
            }
            BallotError::ScoreOutOfRange {
                field,
                candidate,
                score,
            } => write!(f, "{field}: score {score} for {candidate:?} is outside 0..={MAX_SCORE}"),
            BallotError::WrongKind { expected } => {
                write!(f, "ballot: this round is decided by {expected}")
            }
            BallotError::Empty { field } => write!(f, "{field}: ranks no candidate"),
        }
    }
}

impl std::error::Error for BallotError {}

/// Checks one ballot against the round's method and candidates.
///
/// A candidate may appear at most once in a ballot, across tiers too. An empty
/// approval set and a `YES_NO`/`SCORE` ballot without entries are allowed
/// (approve nothing, abstain on / score 0 for everything); a Borda ranking or
/// Schulze ballot that ranks nothing is not, and neither is an empty Schulze
/// tier, which would mean nothing yet make two ballots with the same
/// preferences hash differently.
pub fn validate_ballot(method: Method, candidates: &[Candidate], content: &BallotContent) -> Result<(), BallotError> {
    if content.method() != method {
        return Err(BallotError::WrongKind { expected: method });
    }
    let mut check = EntryCheck {
        known: candidates.iter().map(|c| c.id.as_str()).collect(),
        seen: HashSet::new(),
    };
    match content {
        BallotContent::YesNo(choices) => {
            for (i, (id, _)) in choices.iter().enumerate() {
                check.entry(id, || format!("ballot.choices[{i}].candidate_id"))?;
            }
        }
        BallotContent::Approval(approved) => {
            for (i, id) in approved.iter().enumerate() {
                check.entry(id, || format!("ballot.approved[{i}]"))?;
            }
        }
        BallotContent::Score(scores) => {
            for (i, (id, score)) in scores.iter().enumerate() {
                check.entry(id, || format!("ballot.scores[{i}].candidate_id"))?;
                if *score > MAX_SCORE {
                    return Err(BallotError::ScoreOutOfRange {
                        field: format!("ballot.scores[{i}].score"),
                        candidate: id.clone(),
                        score: *score,
                    });
                }
            }
        }
        BallotContent::Borda(ranking) => {
            if ranking.is_empty() {
                return Err(BallotError::Empty {
                    field: "ballot.ranking".to_owned(),
                });
            }
            for (i, id) in ranking.iter().enumerate() {
                check.entry(id, || format!("ballot.ranking[{i}]"))?;
            }
        }
        BallotContent::Schulze(tiers) => {
            if tiers.is_empty() {
                return Err(BallotError::Empty {
                    field: "ballot.tiers".to_owned(),
                });
            }
            for (t, tier) in tiers.iter().enumerate() {
                if tier.is_empty() {
                    return Err(BallotError::Empty {
                        field: format!("ballot.tiers[{t}]"),
                    });
                }
                for (i, id) in tier.iter().enumerate() {
                    check.entry(id, || format!("ballot.tiers[{t}][{i}]"))?;
                }
            }
        }
    }
    Ok(())
}

struct EntryCheck<'a> {
    known: HashSet<&'a str>,
    seen: HashSet<&'a str>,
}

impl<'a> EntryCheck<'a> {
    fn entry(&mut self, id: &'a str, field: impl FnOnce() -> String) -> Result<(), BallotError> {
        if !self.known.contains(id) {
            return Err(BallotError::UnknownCandidate {
                field: field(),
                candidate: id.to_owned(),
            });
        }
        if !self.seen.insert(id) {
            return Err(BallotError::Duplicate {
                field: field(),
                candidate: id.to_owned(),
            });
        }
        Ok(())
    }
}

/// Whether `cast_weight` reaches `quorum_bp` basis points of `total_weight`.
/// Exactly at the quorum passes.
pub fn quorum_met(cast_weight: u64, quorum_bp: u32, total_weight: u64) -> bool {
    u128::from(cast_weight) * u128::from(BASIS_POINTS) >= u128::from(quorum_bp) * u128::from(total_weight)
}

/// Tallies a round. Pure and deterministic: the same inputs in any ballot order
/// give the same result.
///
/// Every ballot counts towards `cast_weight`; a ballot whose content belongs
/// to another method (which validation would have refused) contributes to no
/// candidate, like an all-abstain ballot.
pub fn tally(rules: &Rules, candidates: &[Candidate], ballots: &[Ballot]) -> TallyResult {
    let cast_weight = ballots.iter().fold(0u64, |sum, b| sum.saturating_add(b.weight));
    let quorum_met = quorum_met(cast_weight, rules.quorum_bp, rules.total_weight);
    let mut index = CandidateIndex::new(candidates);

    let (ranking, tie_breaks) = match rules.method {
        Method::YesNo => (
            yes_no(
                rules.threshold,
                quorum_met,
                cast_weight,
                candidates,
                &mut index,
                ballots,
            ),
            Vec::new(),
        ),
        Method::Approval => {
            let scores = approval_scores(&mut index, ballots);
            ordered(candidates, &scores, |v| format!("equal approval weight ({v})"))
        }
        Method::Score => {
            let scores = score_totals(&mut index, ballots);
            ordered(candidates, &scores, |v| format!("equal weighted score ({v})"))
        }
        Method::Borda => {
            let scores = borda_points(&mut index, ballots);
            ordered(candidates, &scores, |v| format!("equal Borda points ({v})"))
        }
        Method::Schulze => {
            let n = candidates.len();
            let wins = schulze_wins(&schulze_strengths(&schulze_preferences(&mut index, ballots), n), n);
            ordered(candidates, &wins, |v| {
                format!("equal Schulze standing (each ranks above {v} of the others)")
            })
        }
    };

    TallyResult {
        quorum_met,
        cast_weight,
        total_weight: rules.total_weight,
        ranking,
        tie_breaks,
        inputs_hash: inputs_hash(rules, candidates, ballots),
    }
}

/// Maps candidate ids to their index in the candidate slice (first occurrence
/// wins if an id is repeated) and de-duplicates entries within one ballot.
struct CandidateIndex<'a> {
    by_id: HashMap<&'a str, usize>,
    stamp: Vec<usize>,
    ballot: usize,
}

impl<'a> CandidateIndex<'a> {
    fn new(candidates: &'a [Candidate]) -> Self {
        let mut by_id = HashMap::with_capacity(candidates.len());
        for (i, c) in candidates.iter().enumerate() {
            by_id.entry(c.id.as_str()).or_insert(i);
        }
        CandidateIndex {
            by_id,
            stamp: vec![0; candidates.len()],
            ballot: 0,
        }
    }

    fn len(&self) -> usize {
        self.stamp.len()
    }

    /// Starts a new ballot for [`Self::first`].
    fn next_ballot(&mut self) {
        self.ballot += 1;
    }

    /// The candidate's index if the id is known and this is its first
    /// appearance in the current ballot; later repeats are ignored.
    fn first(&mut self, id: &str) -> Option<usize> {
        let i = *self.by_id.get(id)?;
        if self.stamp[i] == self.ballot {
            return None;
        }
        self.stamp[i] = self.ballot;
        Some(i)
    }
}

fn yes_no(
    threshold: Threshold,
    quorum_met: bool,
    cast_weight: u64,
    candidates: &[Candidate],
    index: &mut CandidateIndex<'_>,
    ballots: &[Ballot],
) -> Vec<CandidateResult> {
    let n = candidates.len();
    let (mut yes, mut no) = (vec![0u64; n], vec![0u64; n]);
    for ballot in ballots {
        let BallotContent::YesNo(choices) = &ballot.content else {
            continue;
        };
        index.next_ballot();
        for (id, choice) in choices {
            let Some(i) = index.first(id) else { continue };
            match choice {
                Choice::Yes => yes[i] = yes[i].saturating_add(ballot.weight),
                Choice::No => no[i] = no[i].saturating_add(ballot.weight),
                Choice::Abstain => {}
            }
        }
    }
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| CandidateResult {
            candidate_id: c.id.clone(),
            position: position(i),
            score: yes[i],
            yes: yes[i],
            no: no[i],
            abstain: cast_weight.saturating_sub(yes[i].saturating_add(no[i])),
            adopted: Some(quorum_met && yes[i] > 0 && threshold.holds(yes[i], no[i])),
        })
        .collect()
}

fn approval_scores(index: &mut CandidateIndex<'_>, ballots: &[Ballot]) -> Vec<u64> {
    let mut scores = vec![0u64; index.len()];
    for ballot in ballots {
        let BallotContent::Approval(approved) = &ballot.content else {
            continue;
        };
        index.next_ballot();
        for id in approved {
            if let Some(i) = index.first(id) {
                scores[i] = scores[i].saturating_add(ballot.weight);
            }
        }
    }
    scores
}

fn score_totals(index: &mut CandidateIndex<'_>, ballots: &[Ballot]) -> Vec<u64> {
    let mut scores = vec![0u64; index.len()];
    for ballot in ballots {
        let BallotContent::Score(entries) = &ballot.content else {
            continue;
        };
        index.next_ballot();
        for (id, score) in entries {
            if *score > MAX_SCORE {
                continue;
            }
            if let Some(i) = index.first(id) {
                let points = ballot.weight.saturating_mul(u64::from(*score));
                scores[i] = scores[i].saturating_add(points);
            }
        }
    }
    scores
}

fn borda_points(index: &mut CandidateIndex<'_>, ballots: &[Ballot]) -> Vec<u64> {
    let n = index.len() as u64;
    let mut scores = vec![0u64; index.len()];
    for ballot in ballots {
        let BallotContent::Borda(ranking) = &ballot.content else {
            continue;
        };
        index.next_ballot();
        // Rank positions count only accepted entries, so an ignored id cannot
        // push the candidates after it down.
        let mut k = 0u64;
        for id in ranking {
            if let Some(i) = index.first(id) {
                let points = (n - 1).saturating_sub(k).saturating_mul(ballot.weight);
                scores[i] = scores[i].saturating_add(points);
                k += 1;
            }
        }
    }
    scores
}

/// Pairwise preferences: `d[i * n + j]` is the total weight of ballots that
/// rank candidate `i` strictly above candidate `j`.
///
/// Per ballot, the tiers are walked best first while `below[j]` holds the
/// weight for every candidate ranked below the current tier; each candidate of
/// the tier then gets `below` added to its row. That is a plain slice add the
/// compiler vectorises, rather than a compare per cell.
fn schulze_preferences(index: &mut CandidateIndex<'_>, ballots: &[Ballot]) -> Vec<u64> {
    let n = index.len();
    let mut d = vec![0u64; n * n];
    // When the weights of all ballots add up within u64 no cell can overflow,
    // so the saturating add (which does not vectorise) is only needed beyond.
    let fits = ballots
        .iter()
        .try_fold(0u64, |sum, b| sum.checked_add(b.weight))
        .is_some();
    let mut below = vec![0u64; n];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for ballot in ballots {
        let BallotContent::Schulze(tiers) = &ballot.content else {
            continue;
        };
        if ballot.weight == 0 {
            continue;
        }
        index.next_ballot();
        members.resize_with(tiers.len(), Vec::new);
        for (tier, ids) in members.iter_mut().zip(tiers) {
            tier.clear();
            tier.extend(ids.iter().filter_map(|id| index.first(id)));
        }
        below.fill(ballot.weight);
        for tier in &members {
            for &i in tier {
                below[i] = 0;
            }
            for &i in tier {
                let row = &mut d[i * n..(i + 1) * n];
                if fits {
                    for (cell, &w) in row.iter_mut().zip(&below) {
                        *cell = cell.wrapping_add(w);
                    }
                } else {
                    for (cell, &w) in row.iter_mut().zip(&below) {
                        *cell = cell.saturating_add(w);
                    }
                }
            }
        }
    }
    d
}

/// Strengths of the strongest paths, `p[i * n + j]`, by winning votes: a link
/// i→j has strength `d[i][j]` when i beats j pairwise, else there is none; a
/// path is as strong as its weakest link, and `p` is 0 where no path exists.
///
/// Rather than Floyd–Warshall (Θ(n³) min/max steps, ~60 ms at n = 300), links
/// are added strongest first while the transitive closure is kept in bitsets:
/// `p[x][y]` is the strength of the link whose addition first connects x to y.
/// A link between already-connected candidates changes nothing and costs O(1),
/// and every pair is connected once, so the work is O(n² log n + n³ / 64).
fn schulze_strengths(d: &[u64], n: usize) -> Vec<u64> {
    let mut links: Vec<(u64, usize, usize)> = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let strength = d[i * n + j];
            if strength > d[j * n + i] {
                links.push((strength, i, j));
            }
        }
    }
    // Links of equal strength give the same value whichever comes first.
    links.sort_unstable_by_key(|&(strength, ..)| std::cmp::Reverse(strength));

    let words = n.div_ceil(64);
    let mut p = vec![0u64; n * n];
    // reach[x]: the candidates x has a path to; pred is its transpose.
    let mut reach = Bits::new(n, words);
    let mut pred = Bits::new(n, words);
    let mut sources = vec![0u64; words];
    let mut targets = vec![0u64; words];
    for (strength, u, v) in links {
        if reach.has(u, v) {
            continue;
        }
        // Adding u→v connects every x in {u} ∪ pred[u] that cannot reach v yet
        // to every y in {v} ∪ reach[v]. Both sets are taken before the update,
        // which is exact because the old relation was already transitive.
        for (w, (src, tgt)) in sources.iter_mut().zip(targets.iter_mut()).enumerate() {
            *src = (pred.row(u)[w] | unit(u, w)) & !pred.row(v)[w];
            *tgt = reach.row(v)[w] | unit(v, w);
        }
        for x in ones(&sources) {
            let row = reach.row_mut(x);
            for (w, (cell, &tgt)) in row.iter_mut().zip(&targets).enumerate() {
                let mut fresh = tgt & !*cell & !unit(x, w);
                *cell |= fresh;
                while fresh != 0 {
                    let y = w * 64 + fresh.trailing_zeros() as usize;
                    fresh &= fresh - 1;
                    p[x * n + y] = strength;
                    pred.set(y, x);
                }
            }
        }
    }
    p
}

/// An n × n bit matrix stored as rows of u64 words.
struct Bits {
    words: usize,
    cells: Vec<u64>,
}

impl Bits {
    fn new(n: usize, words: usize) -> Self {
        Bits {
            words,
            cells: vec![0; n * words],
        }
    }

    fn row(&self, r: usize) -> &[u64] {
        &self.cells[r * self.words..(r + 1) * self.words]
    }

    fn row_mut(&mut self, r: usize) -> &mut [u64] {
        &mut self.cells[r * self.words..(r + 1) * self.words]
    }

    fn has(&self, r: usize, c: usize) -> bool {
        self.row(r)[c / 64] & (1 << (c % 64)) != 0
    }

    fn set(&mut self, r: usize, c: usize) {
        self.row_mut(r)[c / 64] |= 1 << (c % 64);
    }
}

/// Bit `i` if it falls in word `w`, else 0.
fn unit(i: usize, w: usize) -> u64 {
    if i / 64 == w { 1 << (i % 64) } else { 0 }
}

/// Indices of the set bits, ascending.
fn ones(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let b = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + b
            })
        })
    })
}

/// For each candidate, how many others it ranks above: i above j iff
/// `p[i][j] > p[j][i]`. This relation is transitive (Schulze 2011, §4.1), so
/// equal counts mean neither ranks above the other.
fn schulze_wins(p: &[u64], n: usize) -> Vec<u64> {
    (0..n)
        .map(|i| (0..n).filter(|&j| j != i && p[i * n + j] > p[j * n + i]).count() as u64)
        .collect()
}

/// Orders candidates by score descending, equal scores by earlier submission
/// then id, and reports every tied group.
fn ordered(
    candidates: &[Candidate],
    scores: &[u64],
    equal: impl Fn(u64) -> String,
) -> (Vec<CandidateResult>, Vec<TieBreak>) {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .cmp(&scores[a])
            .then_with(|| candidates[a].submitted_seq.cmp(&candidates[b].submitted_seq))
            .then_with(|| candidates[a].id.cmp(&candidates[b].id))
            .then_with(|| a.cmp(&b))
    });

    let mut tie_breaks = Vec::new();
    for group in order.chunk_by(|&a, &b| scores[a] == scores[b]) {
        if group.len() >= 2 {
            tie_breaks.push(TieBreak {
                candidate_ids: group.iter().map(|&i| candidates[i].id.clone()).collect(),
                reason: format!("{}; ordered by earlier submission, then id", equal(scores[group[0]])),
            });
        }
    }

    let ranking = order
        .iter()
        .enumerate()
        .map(|(pos, &i)| CandidateResult {
            candidate_id: candidates[i].id.clone(),
            position: position(pos),
            score: scores[i],
            yes: 0,
            no: 0,
            abstain: 0,
            adopted: None,
        })
        .collect();
    (ranking, tie_breaks)
}

fn position(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Hex SHA-256 of a canonical, unambiguous encoding of the tally's inputs.
///
/// Ballots are sorted by member (then by their encoding, so even duplicate
/// members cannot make the hash order-dependent); within a ballot, parts whose
/// order means nothing (approval sets, YES_NO and score pairs, members of one
/// Schulze tier) are sorted, while rankings and the order of tiers are kept.
/// Candidates keep their given order: it is the `YES_NO` result order. Every
/// string and list is length-prefixed so no two inputs share an encoding.
pub fn inputs_hash(rules: &Rules, candidates: &[Candidate], ballots: &[Ballot]) -> String {
    let mut head = Encoder::default();
    head.bytes(b"samprio-tally-v1");
    head.u8(rules.method.tag());
    head.u8(rules.threshold.tag());
    head.u64(u64::from(rules.quorum_bp));
    head.u64(rules.total_weight);
    head.len(candidates.len());
    for c in candidates {
        head.str(&c.id);
        head.i64(c.submitted_seq);
    }
    head.len(ballots.len());

    let mut encoded: Vec<(&str, Vec<u8>)> = ballots.iter().map(|b| (b.member.as_str(), encode_ballot(b))).collect();
    encoded.sort_unstable();

    let mut hasher = Sha256::new();
    hasher.update(&head.0);
    for (_, bytes) in &encoded {
        hasher.update(bytes);
    }
    hex::encode(hasher.finalize())
}

fn encode_ballot(ballot: &Ballot) -> Vec<u8> {
    let mut e = Encoder::default();
    e.str(&ballot.member);
    e.u64(ballot.weight);
    e.u8(ballot.content.method().tag());
    match &ballot.content {
        BallotContent::YesNo(choices) => {
            let mut sorted: Vec<(&str, u8)> = choices.iter().map(|(id, c)| (id.as_str(), c.tag())).collect();
            sorted.sort_unstable();
            e.len(sorted.len());
            for (id, tag) in sorted {
                e.str(id);
                e.u8(tag);
            }
        }
        BallotContent::Approval(approved) => {
            let mut sorted: Vec<&str> = approved.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            e.strs(&sorted);
        }
        BallotContent::Score(scores) => {
            let mut sorted: Vec<(&str, u8)> = scores.iter().map(|(id, s)| (id.as_str(), *s)).collect();
            sorted.sort_unstable();
            e.len(sorted.len());
            for (id, score) in sorted {
                e.str(id);
                e.u8(score);
            }
        }
        BallotContent::Borda(ranking) => {
            let ranking: Vec<&str> = ranking.iter().map(String::as_str).collect();
            e.strs(&ranking);
        }
        BallotContent::Schulze(tiers) => {
            e.len(tiers.len());
            let mut sorted: Vec<&str> = Vec::new();
            for tier in tiers {
                sorted.clear();
                sorted.extend(tier.iter().map(String::as_str));
                sorted.sort_unstable();
                e.strs(&sorted);
            }
        }
    }
    e.0
}

#[derive(Default)]
struct Encoder(Vec<u8>);

impl Encoder {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn len(&mut self, len: usize) {
        self.u64(len as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn strs(&mut self, list: &[&str]) {
        self.len(list.len());
        for s in list {
            self.str(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cands(ids: &[&str]) -> Vec<Candidate> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| Candidate {
                id: (*id).to_owned(),
                submitted_seq: i as i64,
            })
            .collect()
    }

    fn letters(s: &str) -> Vec<String> {
        s.chars().map(String::from).collect()
    }

    fn rules(method: Method, total_weight: u64) -> Rules {
        Rules {
            method,
            threshold: Threshold::SimpleMajority,
            quorum_bp: 0,
            total_weight,
        }
    }

    fn ballot(member: &str, weight: u64, content: BallotContent) -> Ballot {
        Ballot {
            member: member.to_owned(),
            weight,
            content,
        }
    }

    /// `"ACB"` is A > C > B; `"A=B>C"` puts A and B in one tier.
    fn tiers(spec: &str) -> BallotContent {
        let tiers = if spec.contains('>') || spec.contains('=') {
            spec.split('>')
                .map(|t| t.split('=').map(str::to_owned).collect())
                .collect()
        } else {
            spec.chars().map(|c| vec![c.to_string()]).collect()
        };
        BallotContent::Schulze(tiers)
    }

    /// One ballot per group, weighted by the group's size.
    fn grouped(groups: &[(u64, &str)], content: fn(&str) -> BallotContent) -> Vec<Ballot> {
        groups
            .iter()
            .enumerate()
            .map(|(g, (w, spec))| ballot(&format!("group{g}"), *w, content(spec)))
            .collect()
    }

    /// One weight-1 ballot per voter.
    fn expanded(groups: &[(u64, &str)], content: fn(&str) -> BallotContent) -> Vec<Ballot> {
        groups
            .iter()
            .flat_map(|(w, spec)| std::iter::repeat_n(*spec, *w as usize))
            .enumerate()
            .map(|(v, spec)| ballot(&format!("voter{v:03}"), 1, content(spec)))
            .collect()
    }

    fn order(result: &TallyResult) -> Vec<&str> {
        result.ranking.iter().map(|r| r.candidate_id.as_str()).collect()
    }

    fn scores(result: &TallyResult) -> Vec<(&str, u64)> {
        result
            .ranking
            .iter()
            .map(|r| (r.candidate_id.as_str(), r.score))
            .collect()
    }

    fn matrix(candidates: &[Candidate], ballots: &[Ballot], paths: bool) -> Vec<Vec<u64>> {
        let n = candidates.len();
        let mut flat = schulze_preferences(&mut CandidateIndex::new(candidates), ballots);
        if paths {
            flat = schulze_strengths(&flat, n);
        }
        flat.chunks(n).map(<[u64]>::to_vec).collect()
    }

    /// The textbook Floyd–Warshall widest paths, as a reference.
    fn floyd_warshall(d: &[u64], n: usize) -> Vec<u64> {
        let mut p = vec![0u64; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j && d[i * n + j] > d[j * n + i] {
                    p[i * n + j] = d[i * n + j];
                }
            }
        }
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                for k in 0..n {
                    if i != k && j != k {
                        let via = p[j * n + i].min(p[i * n + k]);
                        p[j * n + k] = p[j * n + k].max(via);
                    }
                }
            }
        }
        p
    }

    // The 45-voter example of Wikipedia's "Schulze method" article, with its
    // published d and p tables and result E > A > C > B > D.
    const SCHULZE_45: &[(u64, &str)] = &[
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ];

    #[test]
    fn schulze_45_voter_example_matches_published_matrices_and_order() {
        let candidates = cands(&["A", "B", "C", "D", "E"]);
        for ballots in [grouped(SCHULZE_45, tiers), expanded(SCHULZE_45, tiers)] {
            assert_eq!(
                matrix(&candidates, &ballots, false),
                vec![
                    vec![0, 20, 26, 30, 22],
                    vec![25, 0, 16, 33, 18],
                    vec![19, 29, 0, 17, 24],
                    vec![15, 12, 28, 0, 14],
                    vec![23, 27, 21, 31, 0],
                ]
            );
            assert_eq!(
                matrix(&candidates, &ballots, true),
                vec![
                    vec![0, 28, 28, 30, 24],
                    vec![25, 0, 28, 33, 24],
                    vec![25, 29, 0, 29, 24],
                    vec![25, 28, 28, 0, 24],
                    vec![25, 28, 28, 31, 0],
                ]
            );
            let result = tally(&rules(Method::Schulze, 45), &candidates, &ballots);
            assert_eq!(order(&result), ["E", "A", "C", "B", "D"]);
            assert_eq!(scores(&result), [("E", 4), ("A", 3), ("C", 2), ("B", 1), ("D", 0)]);
            assert!(result.tie_breaks.is_empty());
            assert_eq!(result.cast_weight, 45);
        }
    }

    // The first worked example (30 voters) of Schulze, "A new monotonic,
    // clone-independent, reversal symmetric, and Condorcet-consistent
    // single-winner election method" (2011). Published strongest paths
    // p[A] = (-, 14, 14, 12), p[B] = (13, -, 13, 12), p[C] = (13, 15, -, 12),
    // p[D] = (13, 19, 13, -), so D > A > C > B.
    const SCHULZE_30: &[(u64, &str)] = &[(8, "ACDB"), (2, "BADC"), (4, "CDBA"), (4, "DBAC"), (3, "DCBA")];

    #[test]
    fn schulze_30_voter_example_matches_published_result() {
        let candidates = cands(&["A", "B", "C", "D"]);
        for ballots in [grouped(SCHULZE_30, tiers), expanded(SCHULZE_30, tiers)] {
            assert_eq!(
                matrix(&candidates, &ballots, true),
                vec![
                    vec![0, 14, 14, 12],
                    vec![13, 0, 13, 12],
                    vec![13, 15, 0, 12],
                    vec![13, 19, 13, 0],
                ]
            );
            let result = tally(&rules(Method::Schulze, 30), &candidates, &ballots);
            assert_eq!(order(&result), ["D", "A", "C", "B"]);
        }
    }

    // Wikipedia's Tennessee capital example: Nashville is the Condorcet winner
    // and the pairwise order is Nashville > Chattanooga > Knoxville > Memphis.
    const TENNESSEE: &[(u64, &str)] = &[(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")];

    #[test]
    fn schulze_tennessee_is_the_condorcet_order() {
        let candidates = cands(&["M", "N", "C", "K"]);
        let result = tally(&rules(Method::Schulze, 100), &candidates, &grouped(TENNESSEE, tiers));
        assert_eq!(order(&result), ["N", "C", "K", "M"]);
    }

    #[test]
    fn schulze_tiers_and_unranked_candidates() {
        // Both ballots tie A and B; C is ranked by one and unranked (bottom)
        // for the other, so A and B beat C and D, and C beats D.
        let candidates = cands(&["D", "C", "B", "A"]);
        let ballots = vec![ballot("m1", 3, tiers("A=B>C")), ballot("m2", 2, tiers("B=A"))];
        let result = tally(&rules(Method::Schulze, 5), &candidates, &ballots);
        assert_eq!(order(&result), ["B", "A", "C", "D"]);
        assert_eq!(scores(&result), [("B", 2), ("A", 2), ("C", 1), ("D", 0)]);
        assert_eq!(
            result.tie_breaks,
            [TieBreak {
                candidate_ids: letters("BA"),
                reason: "equal Schulze standing (each ranks above 2 of the others); \
                         ordered by earlier submission, then id"
                    .to_owned(),
            }]
        );
    }

    fn borda(spec: &str) -> BallotContent {
        BallotContent::Borda(letters(spec))
    }

    #[test]
    fn borda_tennessee_example_nashville_wins() {
        let candidates = cands(&["M", "N", "C", "K"]);
        for ballots in [grouped(TENNESSEE, borda), expanded(TENNESSEE, borda)] {
            let result = tally(&rules(Method::Borda, 100), &candidates, &ballots);
            assert_eq!(scores(&result), [("N", 194), ("C", 173), ("M", 126), ("K", 107)]);
            assert_eq!(
                result.ranking.iter().map(|r| r.position).collect::<Vec<_>>(),
                [1, 2, 3, 4]
            );
        }
    }

    #[test]
    fn borda_unranked_get_zero_points() {
        // n = 4: A gets 3·2 + 2·1, B gets 2·2, C gets 3·1, D nothing.
        let candidates = cands(&["A", "B", "C", "D"]);
        let ballots = vec![ballot("m1", 2, borda("AB")), ballot("m2", 1, borda("CA"))];
        let result = tally(&rules(Method::Borda, 3), &candidates, &ballots);
        assert_eq!(scores(&result), [("A", 8), ("B", 4), ("C", 3), ("D", 0)]);
    }

    #[test]
    fn approval_orders_by_approving_weight() {
        // Population-weighted: Aarhus 360, Odense 205, Vejle 120, Køge 62.
        let candidates = cands(&["erp", "ai", "wifi"]);
        let ballots = vec![
            ballot("aarhus", 360, BallotContent::Approval(vec!["ai".into()])),
            ballot(
                "odense",
                205,
                BallotContent::Approval(vec!["erp".into(), "wifi".into()]),
            ),
            ballot("vejle", 120, BallotContent::Approval(vec!["wifi".into(), "erp".into()])),
            ballot("koege", 62, BallotContent::Approval(vec![])),
        ];
        let result = tally(&rules(Method::Approval, 747), &candidates, &ballots);
        assert_eq!(scores(&result), [("ai", 360), ("erp", 325), ("wifi", 325)]);
        assert_eq!(result.cast_weight, 747);
        assert_eq!(
            result.tie_breaks,
            [TieBreak {
                candidate_ids: vec!["erp".into(), "wifi".into()],
                reason: "equal approval weight (325); ordered by earlier submission, then id".to_owned(),
            }]
        );
    }

    #[test]
    fn score_sums_weight_times_score_and_missing_is_zero() {
        let candidates = cands(&["x", "y", "z"]);
        let s = |pairs: &[(&str, u8)]| BallotContent::Score(pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect());
        let ballots = vec![
            ballot("m1", 10, s(&[("x", 5), ("y", 1)])),
            ballot("m2", 20, s(&[("y", 3), ("z", 2)])),
            ballot("m3", 5, s(&[])),
        ];
        // x 50, y 10+60 = 70, z 40.
        let result = tally(&rules(Method::Score, 35), &candidates, &ballots);
        assert_eq!(scores(&result), [("y", 70), ("x", 50), ("z", 40)]);
    }

    fn yes_no_round(threshold: Threshold, votes: &[(u64, Choice)]) -> TallyResult {
        let ballots: Vec<Ballot> = votes
            .iter()
            .enumerate()
            .map(|(i, (w, c))| ballot(&format!("m{i}"), *w, BallotContent::YesNo(vec![("p".into(), *c)])))
            .collect();
        let total = votes.iter().map(|(w, _)| w).sum();
        let rules = Rules {
            threshold,
            ..rules(Method::YesNo, total)
        };
        tally(&rules, &cands(&["p"]), &ballots)
    }

    fn adopted(threshold: Threshold, votes: &[(u64, Choice)]) -> bool {
        yes_no_round(threshold, votes).ranking[0].adopted == Some(true)
    }

    #[test]
    fn simple_majority_needs_more_than_half_of_yes_plus_no() {
        use Choice::*;
        let t = Threshold::SimpleMajority;
        assert!(!adopted(t, &[(5, Yes), (5, No)]), "exactly half fails");
        assert!(adopted(t, &[(6, Yes), (5, No)]));
        assert!(
            adopted(t, &[(2, Yes), (1, No), (100, Abstain)]),
            "abstentions do not count against"
        );
    }

    #[test]
    fn two_thirds_passes_at_exactly_two_thirds() {
        use Choice::*;
        let t = Threshold::TwoThirds;
        assert!(adopted(t, &[(2, Yes), (1, No)]), "exactly 2/3 passes");
        assert!(!adopted(t, &[(199, Yes), (101, No)]));
        assert!(adopted(t, &[(200, Yes), (100, No), (7, Abstain)]));
    }

    #[test]
    fn unanimous_fails_on_one_no() {
        use Choice::*;
        let t = Threshold::Unanimous;
        assert!(adopted(t, &[(99, Yes), (3, Abstain)]));
        assert!(!adopted(t, &[(99, Yes), (1, No)]));
    }

    #[test]
    fn all_abstain_is_not_adopted_under_any_threshold() {
        for t in [Threshold::SimpleMajority, Threshold::TwoThirds, Threshold::Unanimous] {
            let result = yes_no_round(t, &[(4, Choice::Abstain), (6, Choice::Abstain)]);
            assert_eq!(result.ranking[0].adopted, Some(false), "{t}");
            assert_eq!(result.ranking[0].abstain, 10);
        }
    }

    #[test]
    fn yes_no_keeps_candidate_order_and_counts_left_out_as_abstain() {
        let candidates = cands(&["b", "a", "c"]);
        let ballots = vec![
            ballot(
                "m1",
                3,
                BallotContent::YesNo(vec![("a".into(), Choice::Yes), ("c".into(), Choice::No)]),
            ),
            ballot("m2", 2, BallotContent::YesNo(vec![("c".into(), Choice::Yes)])),
        ];
        let result = tally(&rules(Method::YesNo, 5), &candidates, &ballots);
        let rows: Vec<_> = result
            .ranking
            .iter()
            .map(|r| (r.candidate_id.as_str(), r.position, r.yes, r.no, r.abstain, r.adopted))
            .collect();
        assert_eq!(
            rows,
            [
                ("b", 1, 0, 0, 5, Some(false)),
                ("a", 2, 3, 0, 2, Some(true)),
                ("c", 3, 2, 3, 0, Some(false)),
            ]
        );
        assert!(result.tie_breaks.is_empty());
    }

    #[test]
    fn quorum_is_met_exactly_at_the_boundary() {
        let candidates = cands(&["p"]);
        let ballots = vec![ballot(
            "m1",
            1_000,
            BallotContent::YesNo(vec![("p".into(), Choice::Yes)]),
        )];
        // 1000 of 3000 is 33.33…%: meets 3333 bp, misses 3334 bp.
        let at = |quorum_bp| Rules {
            quorum_bp,
            ..rules(Method::YesNo, 3_000)
        };
        let result = tally(&at(3_333), &candidates, &ballots);
        assert!(result.quorum_met);
        assert_eq!(result.ranking[0].adopted, Some(true));

        let result = tally(&at(3_334), &candidates, &ballots);
        assert!(!result.quorum_met);
        assert_eq!(result.ranking[0].adopted, Some(false));
        assert_eq!(result.ranking[0].yes, 1_000, "numbers are still reported");

        // 1500 of 3000 is exactly 50%.
        let half = tally(
            &Rules {
                quorum_bp: 5_000,
                ..rules(Method::YesNo, 3_000)
            },
            &candidates,
            &[ballot("m1", 1_500, BallotContent::YesNo(vec![]))],
        );
        assert!(half.quorum_met);
        assert!(quorum_met(0, 0, 0));
        assert!(!quorum_met(u64::MAX - 1, 10_000, u64::MAX));
    }

    #[test]
    fn ranking_round_below_quorum_still_reports_numbers() {
        let candidates = cands(&["a", "b"]);
        let ballots = vec![ballot("m1", 1, borda("ba"))];
        let result = tally(
            &Rules {
                quorum_bp: 5_000,
                ..rules(Method::Borda, 10)
            },
            &candidates,
            &ballots,
        );
        assert!(!result.quorum_met);
        assert_eq!(scores(&result), [("b", 1), ("a", 0)]);
    }

    #[test]
    fn ties_go_to_earlier_submission_then_id_and_are_reported() {
        let candidates = vec![
            Candidate {
                id: "zeta".into(),
                submitted_seq: 7,
            },
            Candidate {
                id: "beta".into(),
                submitted_seq: 9,
            },
            Candidate {
                id: "alpha".into(),
                submitted_seq: 9,
            },
            Candidate {
                id: "omega".into(),
                submitted_seq: 1,
            },
            Candidate {
                id: "top".into(),
                submitted_seq: 50,
            },
        ];
        // top 4; zeta, beta, alpha 2; omega 0 (alone, so no tie reported).
        let approve = |ids: &[&str]| BallotContent::Approval(ids.iter().map(|s| (*s).into()).collect());
        let ballots = vec![
            ballot("m1", 2, approve(&["top", "zeta", "beta", "alpha"])),
            ballot("m2", 2, approve(&["top"])),
        ];
        let result = tally(&rules(Method::Approval, 4), &candidates, &ballots);
        assert_eq!(order(&result), ["top", "zeta", "alpha", "beta", "omega"]);
        assert_eq!(
            result.tie_breaks,
            [TieBreak {
                candidate_ids: vec!["zeta".into(), "alpha".into(), "beta".into()],
                reason: "equal approval weight (2); ordered by earlier submission, then id".to_owned(),
            }]
        );

        let borda_ballots = vec![ballot("m1", 1, BallotContent::Borda(vec!["top".into()]))];
        let result = tally(&rules(Method::Borda, 1), &candidates, &borda_ballots);
        assert_eq!(order(&result), ["top", "omega", "zeta", "alpha", "beta"]);
        assert_eq!(
            result.tie_breaks[0].reason,
            "equal Borda points (0); ordered by earlier submission, then id"
        );
    }

    #[test]
    fn inputs_hash_is_canonical_but_sees_every_input() {
        let candidates = cands(&["a", "b", "c"]);
        let r = rules(Method::Approval, 3);
        let b1 = ballot("m1", 1, BallotContent::Approval(vec!["a".into(), "b".into()]));
        let b2 = ballot("m2", 2, BallotContent::Approval(vec!["c".into()]));
        let base = inputs_hash(&r, &candidates, &[b1.clone(), b2.clone()]);
        assert_eq!(base.len(), 64);

        let reordered = ballot("m1", 1, BallotContent::Approval(vec!["b".into(), "a".into()]));
        assert_eq!(base, inputs_hash(&r, &candidates, &[b2.clone(), reordered]));

        let heavier = ballot("m2", 3, BallotContent::Approval(vec!["c".into()]));
        assert_ne!(base, inputs_hash(&r, &candidates, &[b1.clone(), heavier]));
        let other_rules = Rules { quorum_bp: 1, ..r };
        assert_ne!(base, inputs_hash(&other_rules, &candidates, &[b1.clone(), b2.clone()]));
        assert_ne!(base, inputs_hash(&r, &cands(&["a", "c", "b"]), &[b1.clone(), b2]));

        // Length prefixes: "ab" + "c" must not collide with "a" + "bc".
        let split = |x: &str, y: &str| {
            inputs_hash(
                &r,
                &cands(&["ab", "c", "a", "bc"]),
                &[ballot("m", 1, BallotContent::Approval(vec![x.into(), y.into()]))],
            )
        };
        assert_ne!(split("ab", "c"), split("a", "bc"));

        // Ranking order matters, order inside a Schulze tier does not.
        let h = |c: BallotContent| inputs_hash(&r, &candidates, &[ballot("m", 1, c)]);
        assert_ne!(h(borda("ab")), h(borda("ba")));
        assert_eq!(h(tiers("a=b>c")), h(tiers("b=a>c")));
        assert_ne!(h(tiers("a=b>c")), h(tiers("a>b>c")));
    }

    #[test]
    fn validate_accepts_well_formed_ballots() {
        let c = cands(&["a", "b", "c"]);
        let ok = [
            BallotContent::YesNo(vec![]),
            BallotContent::YesNo(vec![("a".into(), Choice::No), ("c".into(), Choice::Yes)]),
            BallotContent::Approval(vec![]),
            BallotContent::Score(vec![("b".into(), 0), ("a".into(), 5)]),
            borda("c"),
            tiers("a=c>b"),
        ];
        for content in ok {
            assert_eq!(validate_ballot(content.method(), &c, &content), Ok(()));
        }
    }

    #[test]
    fn validate_names_the_offending_field() {
        let c = cands(&["a", "b", "c"]);
        let check = |content: BallotContent| validate_ballot(content.method(), &c, &content);
        let unknown = |field: &str, candidate: &str| BallotError::UnknownCandidate {
            field: field.into(),
            candidate: candidate.into(),
        };
        let dup = |field: &str, candidate: &str| BallotError::Duplicate {
            field: field.into(),
            candidate: candidate.into(),
        };

        assert_eq!(
            check(BallotContent::YesNo(vec![
                ("a".into(), Choice::Yes),
                ("b".into(), Choice::No),
                ("c".into(), Choice::Yes),
                ("x".into(), Choice::No),
            ])),
            Err(unknown("ballot.choices[3].candidate_id", "x"))
        );
        assert_eq!(
            check(BallotContent::Approval(vec!["a".into(), "a".into()])),
            Err(dup("ballot.approved[1]", "a"))
        );
        assert_eq!(
            check(BallotContent::Score(vec![("a".into(), 5), ("b".into(), 6)])),
            Err(BallotError::ScoreOutOfRange {
                field: "ballot.scores[1].score".into(),
                candidate: "b".into(),
                score: 6,
            })
        );
        assert_eq!(
            check(BallotContent::Score(vec![("q".into(), 1)])),
            Err(unknown("ballot.scores[0].candidate_id", "q"))
        );
        assert_eq!(check(borda("abz")), Err(unknown("ballot.ranking[2]", "z")));
        assert_eq!(
            check(tiers("a=b>c=a")),
            Err(dup("ballot.tiers[1][1]", "a")),
            "a duplicate across tiers is a duplicate"
        );
        assert_eq!(
            check(BallotContent::Borda(vec![])),
            Err(BallotError::Empty {
                field: "ballot.ranking".into()
            })
        );
        assert_eq!(
            check(BallotContent::Schulze(vec![])),
            Err(BallotError::Empty {
                field: "ballot.tiers".into()
            })
        );
        assert_eq!(
            check(BallotContent::Schulze(vec![vec!["a".into()], vec![]])),
            Err(BallotError::Empty {
                field: "ballot.tiers[1]".into()
            })
        );
        let wrong = validate_ballot(Method::Schulze, &c, &borda("a"));
        assert_eq!(
            wrong,
            Err(BallotError::WrongKind {
                expected: Method::Schulze
            })
        );
        assert_eq!(wrong.unwrap_err().field(), "ballot");
        assert_eq!(
            unknown("ballot.ranking[2]", "z").to_string(),
            "ballot.ranking[2]: \"z\" is not a candidate in this round"
        );
    }

    #[test]
    fn tally_ignores_what_validation_would_refuse() {
        let candidates = cands(&["a", "b"]);
        let ballots = vec![
            ballot("m1", 1, borda("aaxb")),
            ballot("m2", 4, tiers("a")),
            ballot("m3", 2, BallotContent::Score(vec![("a".into(), 9)])),
        ];
        let result = tally(&rules(Method::Borda, 7), &candidates, &ballots);
        // m1 counts as a > b; the other two only count as turnout.
        assert_eq!(scores(&result), [("a", 1), ("b", 0)]);
        assert_eq!(result.cast_weight, 7);
        let empty = tally(&rules(Method::Schulze, 0), &[], &[]);
        assert!(empty.ranking.is_empty() && empty.quorum_met);
    }

    #[test]
    fn huge_weights_saturate_instead_of_panicking() {
        let candidates = cands(&["a", "b", "c"]);
        for content in [
            borda("abc"),
            tiers("a>b"),
            BallotContent::Score(vec![("a".into(), 5)]),
            BallotContent::Approval(letters("ab")),
            BallotContent::YesNo(vec![("a".into(), Choice::Yes)]),
        ] {
            let method = content.method();
            let ballots = vec![ballot("m1", u64::MAX, content.clone()), ballot("m2", u64::MAX, content)];
            let result = tally(&rules(method, u64::MAX), &candidates, &ballots);
            assert_eq!(result.cast_weight, u64::MAX);
            assert_eq!(result.ranking[0].candidate_id, "a", "{method}");
        }
    }

    // ---- property tests ----

    const POOL: &[&str] = &["a", "b", "c", "d", "e", "f", "g"];

    fn arb_method() -> impl Strategy<Value = Method> {
        prop_oneof![
            Just(Method::YesNo),
            Just(Method::Approval),
            Just(Method::Score),
            Just(Method::Borda),
            Just(Method::Schulze),
        ]
    }

    fn arb_threshold() -> impl Strategy<Value = Threshold> {
        prop_oneof![
            Just(Threshold::SimpleMajority),
            Just(Threshold::TwoThirds),
            Just(Threshold::Unanimous),
        ]
    }

    fn arb_choice() -> impl Strategy<Value = Choice> {
        prop_oneof![Just(Choice::Yes), Just(Choice::No), Just(Choice::Abstain)]
    }

    /// A valid ballot content of `method` over the first `n` pool candidates.
    fn arb_content(method: Method, n: usize) -> BoxedStrategy<BallotContent> {
        let ids: Vec<String> = POOL[..n].iter().map(|s| (*s).to_owned()).collect();
        let shuffled = Just(ids).prop_shuffle();
        match method {
            Method::YesNo => (shuffled, prop::collection::vec(arb_choice(), n), 0..=n)
                .prop_map(|(ids, choices, k)| BallotContent::YesNo(ids.into_iter().zip(choices).take(k).collect()))
                .boxed(),
            Method::Approval => (shuffled, 0..=n)
                .prop_map(|(ids, k)| BallotContent::Approval(ids[..k].to_vec()))
                .boxed(),
            Method::Score => (shuffled, prop::collection::vec(0..=MAX_SCORE, n), 0..=n)
                .prop_map(|(ids, s, k)| BallotContent::Score(ids.into_iter().zip(s).take(k).collect()))
                .boxed(),
            Method::Borda => (shuffled, 1..=n)
                .prop_map(|(ids, k)| BallotContent::Borda(ids[..k].to_vec()))
                .boxed(),
            Method::Schulze => (shuffled, prop::collection::vec(0..3usize, n), 1..=n)
                .prop_map(|(ids, tier_of, k)| {
                    // Tier numbers compacted so no tier is empty.
                    let mut used: Vec<usize> = tier_of[..k].to_vec();
                    used.sort_unstable();
                    used.dedup();
                    let mut tiers = vec![Vec::new(); used.len()];
                    for (id, t) in ids.into_iter().zip(&tier_of).take(k) {
                        tiers[used.binary_search(t).unwrap_or(0)].push(id);
                    }
                    BallotContent::Schulze(tiers)
                })
                .boxed(),
        }
    }

    #[derive(Debug, Clone)]
    struct Round {
        rules: Rules,
        candidates: Vec<Candidate>,
        ballots: Vec<Ballot>,
    }

    fn arb_round_of(method: Method) -> impl Strategy<Value = Round> {
        (2..=POOL.len(), arb_threshold(), 0..=10_000u32, 0..400u64).prop_flat_map(
            move |(n, threshold, quorum_bp, absent)| {
                // Few distinct seqs so that ties by seq, then id, happen.
                let seqs = prop::collection::vec(0..3i64, n);
                let ballots = prop::collection::vec((arb_content(method, n), 0..=100u64), 0..12);
                (seqs, ballots).prop_map(move |(seqs, contents)| {
                    let candidates = POOL[..n]
                        .iter()
                        .zip(seqs)
                        .map(|(id, submitted_seq)| Candidate {
                            id: (*id).to_owned(),
                            submitted_seq,
                        })
                        .collect();
                    let ballots: Vec<Ballot> = contents
                        .into_iter()
                        .enumerate()
                        .map(|(i, (content, weight))| ballot(&format!("m{i:02}"), weight, content))
                        .collect();
                    let cast: u64 = ballots.iter().map(|b| b.weight).sum();
                    Round {
                        rules: Rules {
                            method,
                            threshold,
                            quorum_bp,
                            total_weight: cast + absent,
                        },
                        candidates,
                        ballots,
                    }
                })
            },
        )
    }

    fn arb_round() -> impl Strategy<Value = Round> {
        arb_method().prop_flat_map(arb_round_of)
    }

    /// What a scaled round must reproduce: quorum, order with adoption, and
    /// the tied groups.
    type Outcome = (bool, Vec<(String, Option<bool>)>, Vec<Vec<String>>);

    fn outcome(result: &TallyResult) -> Outcome {
        (
            result.quorum_met,
            result
                .ranking
                .iter()
                .map(|r| (r.candidate_id.clone(), r.adopted))
                .collect(),
            result.tie_breaks.iter().map(|t| t.candidate_ids.clone()).collect(),
        )
    }

    proptest! {
        #[test]
        fn generated_ballots_validate(round in arb_round()) {
            for b in &round.ballots {
                prop_assert_eq!(
                    validate_ballot(round.rules.method, &round.candidates, &b.content),
                    Ok(())
                );
            }
        }

        #[test]
        fn permuting_ballots_never_changes_the_result(
            (round, shuffled) in arb_round().prop_flat_map(|r| {
                let ballots = r.ballots.clone();
                (Just(r), Just(ballots).prop_shuffle())
            })
        ) {
            let a = tally(&round.rules, &round.candidates, &round.ballots);
            let b = tally(&round.rules, &round.candidates, &shuffled);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn scaling_all_weights_never_changes_order_or_adoption(
            round in arb_round(),
            k in 1..=50u64,
        ) {
            let scaled_rules = Rules {
                total_weight: round.rules.total_weight * k,
                ..round.rules
            };
            let scaled: Vec<Ballot> = round
                .ballots
                .iter()
                .map(|b| Ballot { weight: b.weight * k, ..b.clone() })
                .collect();
            let a = tally(&round.rules, &round.candidates, &round.ballots);
            let b = tally(&scaled_rules, &round.candidates, &scaled);
            prop_assert_eq!(outcome(&a), outcome(&b));
            prop_assert_eq!(b.cast_weight, a.cast_weight * k);
            for (x, y) in a.ranking.iter().zip(&b.ranking) {
                if round.rules.method == Method::Schulze {
                    prop_assert_eq!(x.score, y.score);
                } else {
                    prop_assert_eq!(x.score * k, y.score);
                }
            }
        }

        #[test]
        fn strongest_paths_match_floyd_warshall(
            (n, d) in (1..=70usize, prop_oneof![Just(4u64), Just(1_000)]).prop_flat_map(
                // Few distinct values make equal-strength links common; n > 64
                // spans more than one bitset word.
                |(n, values)| (Just(n), prop::collection::vec(0..values, n * n)),
            )
        ) {
            prop_assert_eq!(schulze_strengths(&d, n), floyd_warshall(&d, n));
        }

        #[test]
        fn schulze_ranks_a_condorcet_winner_first(round in arb_round_of(Method::Schulze)) {
            // Pairwise counts computed independently of the engine.
            let n = round.candidates.len();
            let tier_of = |content: &BallotContent, id: &str| match content {
                BallotContent::Schulze(tiers) => tiers
                    .iter()
                    .position(|t| t.iter().any(|x| x == id))
                    .unwrap_or(tiers.len()),
                _ => unreachable!(),
            };
            let beats = |x: usize, y: usize| -> u64 {
                round
                    .ballots
                    .iter()
                    .filter(|b| {
                        tier_of(&b.content, &round.candidates[x].id)
                            < tier_of(&b.content, &round.candidates[y].id)
                    })
                    .map(|b| b.weight)
                    .sum()
            };
            let winner = (0..n).find(|&x| (0..n).all(|y| y == x || beats(x, y) > beats(y, x)));
            let result = tally(&round.rules, &round.candidates, &round.ballots);
            if let Some(w) = winner {
                prop_assert_eq!(&result.ranking[0].candidate_id, &round.candidates[w].id);
                prop_assert_eq!(result.ranking[0].score, n as u64 - 1);
            }
        }

        #[test]
        fn tally_never_panics_on_garbage(
            method in arb_method(),
            ids in prop::collection::vec("[a-d]{0,2}", 0..5),
            ballots in prop::collection::vec(
                (
                    "[a-c]{1,2}",
                    any::<u64>(),
                    prop_oneof![
                        prop::collection::vec(("[a-e]", arb_choice()), 0..6)
                            .prop_map(BallotContent::YesNo),
                        prop::collection::vec("[a-e]", 0..6).prop_map(BallotContent::Approval),
                        prop::collection::vec(("[a-e]", any::<u8>()), 0..6)
                            .prop_map(BallotContent::Score),
                        prop::collection::vec("[a-e]", 0..6).prop_map(BallotContent::Borda),
                        prop::collection::vec(prop::collection::vec("[a-e]", 0..3), 0..4)
                            .prop_map(BallotContent::Schulze),
                    ],
                ),
                0..6,
            ),
            quorum_bp in any::<u32>(),
            total_weight in any::<u64>(),
            threshold in arb_threshold(),
        ) {
            let candidates: Vec<Candidate> = ids
                .into_iter()
                .map(|id| Candidate { id, submitted_seq: 0 })
                .collect();
            let ballots: Vec<Ballot> = ballots
                .into_iter()
                .map(|(member, weight, content)| Ballot { member, weight, content })
                .collect();
            let rules = Rules { method, threshold, quorum_bp, total_weight };
            let result = tally(&rules, &candidates, &ballots);
            prop_assert_eq!(result.ranking.len(), candidates.len());
            for b in &ballots {
                let _ = validate_ballot(method, &candidates, &b.content);
            }
        }
    }
}
