//! A steering-group session run through the `samprio` CLI: every kind of
//! ballot typed as a person would, results, the shared list and the minutes.

use std::process::Output;

mod common;
use common::{has_words, samprio, stdout};

use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, Engine, TestApp};

fn json_id(o: &Output) -> String {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).expect("--json prints JSON");
    v["id"].as_str().expect("an id").to_string()
}

/// Method, the two candidates (indices), extra options, and the typed ballot.
type RoundSpec = (&'static str, [usize; 2], Vec<&'static str>, &'static [&'static str]);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_through_the_cli() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let mut ps = Vec::new();
    for (i, title) in ["ESDH", "Booking", "Print", "BI", "GIS", "IdM", "Løn", "ERP", "Net"]
        .iter()
        .enumerate()
    {
        ps.push(app.submitted_proposal("0147", title, 10 * (i as i64 + 1), false).await);
    }
    let chair = app.token("0101", &[&format!("chair:{COOP}")]);
    let board = app.token("0101", &["board"]);
    let other = app.token("0147", &["board"]);
    let observer = app.token("0151", &["observer"]);

    let session = json_id(
        &samprio(
            &app,
            &chair,
            &[
                "--json",
                "session",
                "create",
                COOP,
                "--title",
                "Styregruppemøde",
                "--at",
                "2026-11-12T09:00:00+01:00",
                "--agenda",
                &ps[0].id,
            ],
        )
        .await,
    );
    let out = stdout(&samprio(&app, &chair, &["session", "open", &session]).await);
    assert!(out.contains("open") && out.contains("2026-11-12 08:00:00 UTC"), "{out}");
    let out = stdout(&samprio(&app, &other, &["session", "check-in", &session]).await);
    assert!(out.contains("0147"), "{out}");

    // One round per method; a quorum of 0% lets one ballot decide.
    let rounds: [RoundSpec; 5] = [
        (
            "yes-no",
            [0, 1],
            vec!["--threshold", "unanimous"],
            &["--yes", "1", "--no", "#2"],
        ),
        ("approval", [2, 3], vec![], &["--approve", "2"]),
        ("score", [4, 5], vec![], &["--score", "1=2", "--score", "2=5"]),
        ("borda", [6, 7], vec!["--budget", "80"], &["--rank", "2,1"]),
        ("schulze", [8, 0], vec![], &["--tiers", "2;1"]),
    ];
    let mut ids = Vec::new();
    for (method, [x, y], extra, ballot) in rounds {
        let candidates = format!("{},{}", ps[x].id, ps[y].id);
        if method == "schulze" {
            // ESDH (ps[0]) is on the list by now: a re-rank.
            assert_eq!(ids.len(), 4);
        }
        let mut args = vec![
            "--json",
            "round",
            "open",
            &session,
            "--method",
            method,
            "--candidate",
            &candidates,
            "--quorum",
            "0%",
        ];
        args.extend(extra);
        let round = json_id(&samprio(&app, &chair, &args).await);
        let mut vote = vec!["vote", round.as_str()];
        vote.extend(ballot);
        let out = stdout(&samprio(&app, &board, &vote).await);
        assert!(
            out.contains("cast for 0101 as board (weight 1): ") && out.contains(" #"),
            "says what was cast: {out}"
        );
        let out = stdout(&samprio(&app, &chair, &["round", "close", &round]).await);
        assert!(out.contains("quorum met") && out.contains("inputs hash"), "{out}");
        ids.push(round);
    }

    let mut api = app.as_("0151", &["observer"]).sessions();
    let mut results = Vec::new();
    for id in &ids {
        let r = api
            .get_round(pb::GetRoundRequest { id: id.clone() })
            .await
            .unwrap()
            .into_inner();
        let res = r.result.unwrap();
        results.push((
            res.candidates.iter().map(|c| c.proposal_id.clone()).collect::<Vec<_>>(),
            res.adopted,
        ));
    }
    let id = |i: usize| ps[i].id.clone();
    assert_eq!(results[0], (vec![id(0), id(1)], vec![id(0)]), "YES on #1, NO on #2");
    assert_eq!(results[1].0, [id(3), id(2)], "approves #2");
    assert_eq!(results[2].0, [id(5), id(4)], "scores #2 above #1");
    // Borda: ERP (80 DKK) first and adopted; Løn (70 DKK) no longer fits.
    assert_eq!(results[3], (vec![id(7), id(6)], vec![id(7)]), "ranks #2 over #1");
    assert_eq!(results[4].0, [id(0), id(8)], "tiers: #2 above #1");

    // Typing mistakes are one clear line, and nothing is cast.
    let round = json_id(
        &samprio(
            &app,
            &chair,
            &[
                "--json",
                "round",
                "open",
                &session,
                "--method",
                "borda",
                "--candidate",
                &ps[6].id,
            ],
        )
        .await,
    );
    for (args, expected) in [
        (
            vec!["--approve", "1"],
            "this round is decided by BORDA; vote with --rank",
        ),
        (vec!["--rank", "2"], "no candidate number 2"),
        (vec!["--rank", "1", "--yes", "1"], "give one kind of ballot"),
    ] {
        let mut vote = vec!["vote", round.as_str()];
        vote.extend(args);
        let o = samprio(&app, &board, &vote).await;
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(expected), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    stdout(&samprio(&app, &other, &["vote", &round, "--rank", "1"]).await);
    let out = stdout(&samprio(&app, &board, &["round", "get", &round]).await);
    assert!(out.contains("0147") && out.contains("Løn"), "turnout and titles: {out}");
    let out = stdout(&samprio(&app, &observer, &["round", "ballots", &round]).await);
    assert!(has_words(&out, "(secret until close)"), "{out}");

    let out = stdout(&samprio(&app, &observer, &["priorities", COOP]).await);
    assert!(
        out.contains("revision") && out.contains("ESDH") && out.contains("ERP"),
        "{out}"
    );
    let out = stdout(&samprio(&app, &observer, &["priorities", COOP, "--revision", "1"]).await);
    assert!(out.contains("revision 1") && !out.contains("ERP"), "{out}");

    stdout(&samprio(&app, &chair, &["session", "close", &session]).await);
    let md = stdout(&samprio(&app, &observer, &["session", "minutes", &session]).await);
    assert!(md.starts_with("# Referat: Styregruppemøde\n"), "{md}");
    assert!(
        md.contains("| København | 1 | user-0101-board (direktion) | #1 for, #2 imod |"),
        "{md}"
    );
    assert!(md.contains("- **Metode:** Ja/nej-afstemning, enstemmighed."), "{md}");
    assert!(md.contains("#2 > #1"), "{md}");
    assert!(md.contains("| Frederiksberg |"), "{md}");
    let en = stdout(&samprio(&app, &observer, &["session", "minutes", &session, "--lang", "en"]).await);
    assert!(en.starts_with("# Minutes: Styregruppemøde\n"), "{en}");

    // The named ballots as CSV, and the chain's head as the minutes end.
    let csv = stdout(&samprio(&app, &observer, &["round", "ballots", &ids[0], "--csv"]).await);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("municipality,cast_by,cast_by_name,role,weight,version,current,cast_time,candidate,value")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "one row per candidate: {csv}");
    assert!(
        rows[0].starts_with("0101,user-0101-board,") && rows[0].ends_with(",YES"),
        "{csv}"
    );
    assert!(rows[1].ends_with(",NO"), "{csv}");
    let head = stdout(&samprio(&app, &observer, &["--json", "verify-chain"]).await);
    let json: serde_json::Value = serde_json::from_str(&head).expect("JSON");
    assert!(
        json["headHash"].as_str().is_some_and(|h| md.contains(h)),
        "{head}\n{md}"
    );
}
