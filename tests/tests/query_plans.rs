//! Query plans of the list reads (`store::plans::LIST_READS`) on both
//! engines: each is a range of an index read in the order it returns, so a
//! page of 100 costs the same with 300 records or 50,000 (DESIGN.md §10).
//! A plan that scans the table or sorts what matched fails here.

use samprio_e2e::samprio_server::store::{self, plans::LIST_READS};
use samprio_e2e::{fresh_postgres_db, postgres_admin_url};
use sqlx::{Connection, Executor, Row};

/// Each read's plan, one line per node.
async fn sqlite_plans() -> Vec<(&'static str, Option<&'static str>, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plans.db").display());
    let _store = store::connect(&url).await.expect("migrated store");
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut plans = vec![];
    for read in LIST_READS {
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", read.with_args()))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", read.name));
        let lines = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
        plans.push((read.name, read.sqlite_index, lines));
    }
    plans
}

#[tokio::test]
async fn list_reads_are_index_ranges_in_order_sqlite() {
    for (name, index, lines) in sqlite_plans().await {
        let plan = lines.join(" / ");
        assert!(
            !lines.iter().any(|l| l.contains("TEMP B-TREE")),
            "{name} sorts what it matched: {plan}"
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("SCAN ")),
            "{name} scans a whole table or index: {plan}"
        );
        assert!(lines.iter().any(|l| l.starts_with("SEARCH ")), "{name}: {plan}");
        if let Some(index) = index {
            assert!(
                lines.iter().any(|l| l.contains(&format!("INDEX {index} "))),
                "{name} does not use {index}: {plan}"
            );
        }
    }
}

/// PostgreSQL chooses a sequential scan for the small tables of a test
/// whatever the indexes; with scans and sorts priced out, a plan that still
/// holds one has no index that serves the read in order.
#[tokio::test]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn list_reads_are_index_ranges_in_order_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin).await;
    let _store = store::connect(&url).await.expect("migrated store");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off")
        .await
        .unwrap();
    for read in LIST_READS {
        let rows = sqlx::query(&format!("EXPLAIN {}", read.with_args()))
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", read.name));
        let lines: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
        let plan = lines.join("\n");
        assert!(!plan.contains("Seq Scan"), "{} scans a table:\n{plan}", read.name);
        assert!(!plan.contains("Sort"), "{} sorts what it matched:\n{plan}", read.name);
        assert!(plan.contains("Index"), "{}:\n{plan}", read.name);
    }
}
