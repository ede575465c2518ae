//! Portfolio benchmarks for issue 13: shared opportunities over a
//! cooperation of all 98 municipalities with 300 systems each (29,400
//! systems; the target is well under 100 ms), the overview of the same, and
//! the import diff of one member's 300 systems.
//!
//! The portfolios are generated, deterministically: a catalogue of 600
//! systems from 60 vendors in 40 functions, each member running 300 of
//! them, two thirds with a contract ending some time in the next six years.
//!
//! ```sh
//! cargo bench -p samprio-server --bench portfolio
//! ```

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use samprio_server::domain::portfolio::import::{self, Scope};
use samprio_server::domain::portfolio::opportunities::{self, Params};
use samprio_server::domain::portfolio::{AiUse, Lifecycle, PortfolioSystem, TimeClass, overview};
use samprio_server::domain::register;

const SYSTEMS_PER_MEMBER: usize = 300;
const CATALOGUE: usize = 600;

/// Knuth's MMIX LCG, so every run measures the same data.
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
}

fn portfolio(code: &str, rng: &mut Lcg) -> Vec<PortfolioSystem> {
    let start = rng.below(CATALOGUE);
    (0..SYSTEMS_PER_MEMBER)
        .map(|i| {
            let c = (start + i * 2) % CATALOGUE;
            let end = (rng.below(3) > 0).then(|| {
                let year = 2026 + rng.below(6);
                format!("{year}-{:02}-28", 1 + rng.below(12))
            });
            PortfolioSystem {
                id: format!("{code}-{c}"),
                vendor: format!("Leverandør {} A/S", c % 60),
                function: format!("Funktion {}", c % 40),
                lifecycle: if rng.below(20) == 0 {
                    Lifecycle::NotInUse
                } else {
                    Lifecycle::Operational
                },
                contract_end: end,
                yearly_cost_dkk: Some(10_000 * (1 + rng.below(200) as i64)),
                ai: [AiUse::No, AiUse::Yes, AiUse::Undecided][rng.below(3)],
                personal_data: rng.below(2) == 0,
                time_class: [
                    None,
                    Some(TimeClass::Tolerate),
                    Some(TimeClass::Invest),
                    Some(TimeClass::Migrate),
                ][rng.below(4)],
                ..PortfolioSystem::named(code, &format!("System {c}"))
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut rng = Lcg(13);
    let all: Vec<PortfolioSystem> = register::all()
        .iter()
        .flat_map(|m| portfolio(&m.code, &mut rng))
        .collect();
    assert_eq!(all.len(), 98 * SYSTEMS_PER_MEMBER);
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let params = Params::new(today);
    let found = opportunities::find(&all, &params);
    assert!(!found.is_empty());
    eprintln!("{} opportunities; the best: {}", found.len(), found[0].headline(98));

    c.bench_function("opportunities/98x300", |b| {
        b.iter(|| black_box(opportunities::find(black_box(&all), &params)))
    });
    c.bench_function("overview/98x300", |b| {
        b.iter(|| black_box(overview::by_member(black_box(&all))))
    });

    let mine: Vec<PortfolioSystem> = all[..SYSTEMS_PER_MEMBER].to_vec();
    let mut incoming = mine.clone();
    incoming[0].ai = AiUse::Yes;
    incoming.pop();
    c.bench_function("import_plan/300", |b| {
        b.iter(|| black_box(import::plan(black_box(&mine), incoming.clone(), &Scope::Full)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
