//! Ballot ingest against the storage engine's own limit (DESIGN.md §10).
//!
//! For each engine, side by side in one run:
//! * `engine_commit_per_row`: the engine alone, 64 concurrent writers each
//!   committing one ballot-sized row per transaction, with samprio's
//!   durability settings (SQLite: WAL, synchronous=FULL, one writer;
//!   PostgreSQL: defaults, synchronous_commit on);
//! * `engine_rows_per_commit_64`: the engine alone, 64 rows per transaction
//!   (what batching can reach at best);
//! * `cast_ballot_64_members`: samprio end to end, 64 members casting
//!   concurrently through gRPC (auth, validation, hash-chained event,
//!   idempotency record, group commit).
//!
//! Times are per ballot (row). PostgreSQL runs when SAMPRIO_TEST_POSTGRES_URL
//! is set. Run: `cargo bench -p samprio-server --bench ingest`.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use samprio_e2e::samprio_client::pb;
use samprio_e2e::{Engine, TestApp, fresh_postgres_db, load_codes, postgres_admin_url, yes_ballot};
use sqlx::Executor;

const MEMBERS: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

const ROW: &str = r#"{"round_id":"01a2256f-0000-7000-8000-000000000000","municipality":"1001","content":{"YesNo":[["01a2256f-0000-7000-8000-000000000001","YES"]]},"cast_by":"user-1001","role":"board","version":1}"#;

enum Raw {
    /// The directory is kept alive with the pool.
    Sqlite {
        pool: sqlx::SqlitePool,
        _dir: tempfile::TempDir,
    },
    Pg(sqlx::PgPool),
}

async fn raw(engine: Engine) -> Raw {
    const DDL: &str = "CREATE TABLE t (id BIGINT NOT NULL, municipality TEXT NOT NULL, doc TEXT NOT NULL)";
    match engine {
        Engine::Sqlite => {
            use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
            let dir = tempfile::tempdir().unwrap();
            let opts = SqliteConnectOptions::new()
                .filename(dir.path().join("raw.db"))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .unwrap();
            pool.execute(DDL).await.unwrap();
            Raw::Sqlite { pool, _dir: dir }
        }
        Engine::Postgres => {
            let url = fresh_postgres_db(&postgres_admin_url().unwrap()).await;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .connect(&url)
                .await
                .unwrap();
            pool.execute(DDL).await.unwrap();
            Raw::Pg(pool)
        }
    }
}

/// Inserts `rows` rows in one transaction.
async fn raw_commit(raw: &Raw, first: u64, rows: u64) {
    macro_rules! go {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await.unwrap();
            for i in first..first + rows {
                sqlx::query("INSERT INTO t (id, municipality, doc) VALUES ($1, $2, $3)")
                    .bind(i as i64)
                    .bind("1001")
                    .bind(ROW)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }};
    }
    match raw {
        Raw::Sqlite { pool, .. } => go!(pool),
        Raw::Pg(pool) => go!(pool),
    }
}

/// Runs `iters` operations spread over MEMBERS concurrent workers; `op(worker, i)`.
async fn spread<F, Fut>(iters: u64, op: F) -> Duration
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..MEMBERS {
        let share = iters / MEMBERS as u64 + u64::from((w as u64) < iters % MEMBERS as u64);
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..share {
                op(w, i).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

fn ingest(c: &mut Criterion) {
    let rt = runtime();
    let mut engines = vec![Engine::Sqlite];
    if postgres_admin_url().is_some() {
        engines.push(Engine::Postgres);
    } else {
        eprintln!("PostgreSQL not benchmarked: set SAMPRIO_TEST_POSTGRES_URL to include it");
    }
    for engine in engines {
        let name = format!(
            "ingest_{}",
            if engine == Engine::Sqlite { "sqlite" } else { "postgres" }
        );
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1))
            .sample_size(10)
            .measurement_time(Duration::from_secs(8));

        let raw = std::sync::Arc::new(rt.block_on(raw(engine)));
        let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        g.bench_function("engine_commit_per_row", |b| {
            b.iter_custom(|iters| {
                let (raw, counter) = (raw.clone(), counter.clone());
                rt.block_on(spread(iters, move |_, _| {
                    let (raw, counter) = (raw.clone(), counter.clone());
                    async move {
                        let id = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        raw_commit(&raw, id, 1).await
                    }
                }))
            })
        });
        g.bench_function("engine_rows_per_commit_64", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    let mut done = 0;
                    while done < iters {
                        let n = (iters - done).min(64);
                        raw_commit(&raw, counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed), n).await;
                        done += n;
                    }
                    start.elapsed()
                })
            })
        });

        let app = rt.block_on(TestApp::spawn_for_load(engine, MEMBERS)).unwrap();
        let round_id = rt.block_on(app.ballot_box(MEMBERS));
        let candidate = rt
            .block_on(
                app.chair()
                    .sessions()
                    .get_round(pb::GetRoundRequest { id: round_id.clone() }),
            )
            .unwrap()
            .into_inner()
            .candidates[0]
            .clone();
        let clients: Vec<_> = load_codes(MEMBERS)
            .iter()
            .map(|code| app.as_(code, &["board"]))
            .collect();
        let clients = std::sync::Arc::new(clients);
        g.bench_function("cast_ballot_64_members", |b| {
            b.iter_custom(|iters| {
                let (clients, round_id, candidate) = (clients.clone(), round_id.clone(), candidate.clone());
                rt.block_on(spread(iters, move |w, _| {
                    let mut s = clients[w].sessions();
                    let req = yes_ballot(&round_id, &candidate, String::new());
                    async move {
                        s.cast_ballot(req).await.expect("ballot acknowledged");
                    }
                }))
            })
        });
        g.finish();
        rt.block_on(app.stop());
    }
}

criterion_group!(benches, ingest);
criterion_main!(benches);
