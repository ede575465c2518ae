//! Ballots a person can type: candidates are named by their number in the
//! round (`2` or `#2`), by a unique prefix of their id, or by the whole id.

use clap::Args;
use samprio_client::pb;

#[derive(Args, Default)]
pub struct BallotArgs {
    /// YES_NO: vote YES on these candidates (repeatable, or comma-separated).
    #[arg(long, value_name = "CANDIDATE", value_delimiter = ',')]
    pub yes: Vec<String>,
    /// YES_NO: vote NO on these candidates.
    #[arg(long, value_name = "CANDIDATE", value_delimiter = ',')]
    pub no: Vec<String>,
    /// YES_NO: abstain on these candidates (candidates left out abstain too).
    #[arg(long, value_name = "CANDIDATE", value_delimiter = ',')]
    pub abstain: Vec<String>,
    /// APPROVAL: approve these candidates.
    #[arg(long, value_name = "CANDIDATE", value_delimiter = ',')]
    pub approve: Vec<String>,
    /// APPROVAL: approve none of the candidates.
    #[arg(long)]
    pub approve_none: bool,
    /// SCORE: CANDIDATE=0..5 (repeatable; candidates left out score 0).
    #[arg(long, value_name = "CANDIDATE=SCORE", value_parser = parse_score)]
    pub score: Vec<(String, u32)>,
    /// BORDA (or SCHULZE without ties): a strict ranking, best first, e.g. "3,1,2".
    #[arg(long, value_name = "CANDIDATES")]
    pub rank: Option<String>,
    /// SCHULZE: tiers best first, ';' between tiers and ',' within one, e.g. "1,3;2".
    #[arg(long, value_name = "TIERS")]
    pub tiers: Option<String>,
}

fn parse_score(s: &str) -> Result<(String, u32), String> {
    let (c, n) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: write CANDIDATE=SCORE, e.g. 2=4"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: the score must be a whole number 0-5"))?;
    Ok((c.trim().to_string(), n))
}

/// The id of the candidate a reference names.
pub fn resolve(reference: &str, candidates: &[String]) -> Result<String, String> {
    let r = reference.trim();
    let by_number = |digits: &str| {
        let n: usize = digits.parse().unwrap_or(0);
        candidates
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| format!("the round has no candidate number {n} (it has {})", candidates.len()))
    };
    if let Some(digits) = r.strip_prefix('#') {
        return by_number(digits);
    }
    let numeric = !r.is_empty() && r.chars().all(|c| c.is_ascii_digit());
    // A small number is a position; ids (UUIDs) may also start with digits.
    if numeric && r.parse::<usize>().is_ok_and(|n| (1..=candidates.len()).contains(&n)) {
        return by_number(r);
    }
    if let Some(exact) = candidates.iter().find(|c| *c == r) {
        return Ok(exact.clone());
    }
    let matches: Vec<&String> = candidates
        .iter()
        .filter(|c| !r.is_empty() && c.starts_with(r))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] if numeric => by_number(r),
        [] => Err(format!("{r:?} is not a candidate of this round")),
        _ => Err(format!("{r:?} matches several candidates; give more of the id")),
    }
}

fn list(s: &str, candidates: &[String]) -> Result<Vec<String>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| resolve(x, candidates))
        .collect()
}

/// Builds the ballot the arguments describe for a round of `method`.
pub fn build(method: pb::Method, candidates: &[String], a: BallotArgs) -> Result<pb::BallotContent, String> {
    use pb::ballot_content::Kind;
    let given = [
        !(a.yes.is_empty() && a.no.is_empty() && a.abstain.is_empty()),
        !a.approve.is_empty() || a.approve_none,
        !a.score.is_empty(),
        a.rank.is_some(),
        a.tiers.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err("give one kind of ballot: --yes/--no/--abstain, --approve, --score, --rank or --tiers".into());
    }
    let resolve_all =
        |refs: &[String]| -> Result<Vec<String>, String> { refs.iter().map(|r| resolve(r, candidates)).collect() };
    let kind = match method {
        pb::Method::YesNo if given[0] => {
            let mut choices = Vec::new();
            for (refs, choice) in [
                (&a.yes, pb::Choice::Yes),
                (&a.no, pb::Choice::No),
                (&a.abstain, pb::Choice::Abstain),
            ] {
                for id in resolve_all(refs)? {
                    choices.push(pb::YesNoChoice {
                        candidate_id: id,
                        choice: choice as i32,
                    });
                }
            }
            Kind::YesNo(pb::YesNoBallot { choices })
        }
        pb::Method::Approval if given[1] => Kind::Approval(pb::ApprovalBallot {
            approved: resolve_all(&a.approve)?,
        }),
        pb::Method::Score if given[2] => Kind::Score(pb::ScoreBallot {
            scores: a
                .score
                .iter()
                .map(|(c, s)| {
                    Ok(pb::CandidateScore {
                        candidate_id: resolve(c, candidates)?,
                        score: *s,
                    })
                })
                .collect::<Result<_, String>>()?,
        }),
        pb::Method::Borda if given[3] => Kind::Ranking(pb::RankingBallot {
            ranking: list(a.rank.as_deref().unwrap_or_default(), candidates)?,
        }),
        pb::Method::Schulze if given[3] => Kind::Tiers(pb::TieredRankingBallot {
            tiers: list(a.rank.as_deref().unwrap_or_default(), candidates)?
                .into_iter()
                .map(|id| pb::Tier {
                    candidate_ids: vec![id],
                })
                .collect(),
        }),
        pb::Method::Schulze if given[4] => Kind::Tiers(pb::TieredRankingBallot {
            tiers: a
                .tiers
                .as_deref()
                .unwrap_or_default()
                .split(';')
                .map(|t| list(t, candidates).map(|candidate_ids| pb::Tier { candidate_ids }))
                .collect::<Result<_, String>>()?,
        }),
        m => {
            let hint = match m {
                pb::Method::YesNo => "--yes, --no and --abstain",
                pb::Method::Approval => "--approve (or --approve-none)",
                pb::Method::Score => "--score CANDIDATE=N",
                pb::Method::Borda => "--rank",
                pb::Method::Schulze => "--tiers (or --rank)",
                pb::Method::Unspecified => "a method the server did not name",
            };
            return Err(format!(
                "this round is decided by {}; vote with {hint}",
                m.as_str_name().trim_start_matches("METHOD_")
            ));
        }
    };
    Ok(pb::BallotContent { kind: Some(kind) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pb::ballot_content::Kind;

    fn candidates() -> Vec<String> {
        vec!["0190aaaa-1".into(), "0190bbbb-2".into(), "0190bbbc-3".into()]
    }

    #[test]
    fn candidates_by_number_prefix_or_id() {
        let c = candidates();
        assert_eq!(resolve("2", &c).unwrap(), "0190bbbb-2");
        assert_eq!(resolve("#3", &c).unwrap(), "0190bbbc-3");
        assert_eq!(resolve("0190a", &c).unwrap(), "0190aaaa-1");
        assert!(
            resolve("0190", &c).unwrap_err().contains("several"),
            "a prefix, not number 190"
        );
        assert_eq!(resolve("0190bbbc-3", &c).unwrap(), "0190bbbc-3");
        assert!(resolve("0190bb", &c).unwrap_err().contains("several"));
        assert!(resolve("4", &c).unwrap_err().contains("no candidate number 4"));
        assert!(resolve("0", &c).is_err());
        assert!(resolve("zz", &c).unwrap_err().contains("not a candidate"));
    }

    #[test]
    fn each_kind_of_ballot() {
        let c = candidates();
        let yes_no = build(
            pb::Method::YesNo,
            &c,
            BallotArgs {
                yes: vec!["1".into(), "3".into()],
                no: vec!["2".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let Some(Kind::YesNo(b)) = yes_no.kind else { panic!() };
        let got: Vec<(&str, i32)> = b.choices.iter().map(|x| (x.candidate_id.as_str(), x.choice)).collect();
        assert_eq!(
            got,
            [
                ("0190aaaa-1", pb::Choice::Yes as i32),
                ("0190bbbc-3", pb::Choice::Yes as i32),
                ("0190bbbb-2", pb::Choice::No as i32)
            ]
        );

        let score = build(
            pb::Method::Score,
            &c,
            BallotArgs {
                score: vec![parse_score("2=4").unwrap()],
                ..Default::default()
            },
        )
        .unwrap();
        let Some(Kind::Score(s)) = score.kind else { panic!() };
        assert_eq!(
            (s.scores[0].candidate_id.as_str(), s.scores[0].score),
            ("0190bbbb-2", 4)
        );

        let tiers = build(
            pb::Method::Schulze,
            &c,
            BallotArgs {
                tiers: Some("1, 3; 2".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let Some(Kind::Tiers(t)) = tiers.kind else { panic!() };
        let got: Vec<Vec<String>> = t.tiers.into_iter().map(|t| t.candidate_ids).collect();
        assert_eq!(got, [vec![c[0].clone(), c[2].clone()], vec![c[1].clone()]]);

        // A strict ranking also serves a Schulze round, one candidate per tier.
        let rank = build(
            pb::Method::Schulze,
            &c,
            BallotArgs {
                rank: Some("2,1".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let Some(Kind::Tiers(t)) = rank.kind else { panic!() };
        assert_eq!(t.tiers.len(), 2);

        let none = build(
            pb::Method::Approval,
            &c,
            BallotArgs {
                approve_none: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(none.kind, Some(Kind::Approval(pb::ApprovalBallot { approved: vec![] })));
    }

    #[test]
    fn one_kind_that_fits_the_method() {
        let c = candidates();
        let mixed = BallotArgs {
            yes: vec!["1".into()],
            approve: vec!["2".into()],
            ..Default::default()
        };
        assert!(build(pb::Method::YesNo, &c, mixed).unwrap_err().contains("one kind"));
        let wrong = BallotArgs {
            approve: vec!["2".into()],
            ..Default::default()
        };
        assert!(build(pb::Method::Borda, &c, wrong).unwrap_err().contains("--rank"));
        assert!(parse_score("2").is_err());
        assert!(parse_score("2=x").is_err());
    }
}
