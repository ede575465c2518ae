//! Tally engine benchmarks for DESIGN.md §10: Schulze over 300 candidates and
//! 100 weighted ballots well under 100 ms on one core; Borda, approval and
//! score in linear time. Inputs come from a fixed-seed LCG so every run
//! measures the same round.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use samprio_server::domain::tally::{Ballot, BallotContent, Candidate, Method, Rules, Threshold, tally};

const CANDIDATES: usize = 300;
const BALLOTS: usize = 100;

/// Knuth's MMIX LCG; the high bits are good enough for shuffles and weights.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffled(&mut self, ids: &[String]) -> Vec<String> {
        let mut v = ids.to_vec();
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
        v
    }
}

fn candidates() -> Vec<Candidate> {
    (0..CANDIDATES)
        .map(|i| Candidate {
            id: format!("proposal-{i:03}"),
            submitted_seq: i as i64,
        })
        .collect()
}

/// 100 members weighted like municipal populations (2 000 – 350 000).
fn ballots(method: Method, candidates: &[Candidate]) -> Vec<Ballot> {
    let mut rng = Lcg(0x5A3B_710C ^ method as u64);
    let ids: Vec<String> = candidates.iter().map(|c| c.id.clone()).collect();
    (0..BALLOTS)
        .map(|m| {
            let weight = 2_000 + rng.next() % 348_000;
            let order = rng.shuffled(&ids);
            let content = match method {
                Method::YesNo => unreachable!("not benchmarked"),
                Method::Approval => BallotContent::Approval(order.into_iter().filter(|_| rng.below(3) == 0).collect()),
                Method::Score => BallotContent::Score(order.into_iter().map(|id| (id, rng.below(6) as u8)).collect()),
                Method::Borda => BallotContent::Borda(order),
                // Every candidate ranked, in tiers of 1–4, as a worst case for
                // the pairwise matrix.
                Method::Schulze => {
                    let mut tiers = Vec::new();
                    let mut rest = order.as_slice();
                    while !rest.is_empty() {
                        let take = (1 + rng.below(4)).min(rest.len());
                        tiers.push(rest[..take].to_vec());
                        rest = &rest[take..];
                    }
                    BallotContent::Schulze(tiers)
                }
            };
            Ballot {
                member: format!("member-{m:03}"),
                weight,
                content,
            }
        })
        .collect()
}

fn bench_tally(c: &mut Criterion) {
    let candidates = candidates();
    let mut group = c.benchmark_group("tally_300x100");
    for (name, method) in [
        ("schulze", Method::Schulze),
        ("borda", Method::Borda),
        ("approval", Method::Approval),
        ("score", Method::Score),
    ] {
        let ballots = ballots(method, &candidates);
        let rules = Rules {
            method,
            threshold: Threshold::SimpleMajority,
            quorum_bp: 5_000,
            total_weight: ballots.iter().map(|b| b.weight).sum(),
        };
        group.bench_function(name, |b| {
            b.iter(|| tally(black_box(&rules), black_box(&candidates), black_box(&ballots)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_tally);
criterion_main!(benches);
