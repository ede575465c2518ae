//! The CLI's tables as people read them: no wider than 100 columns, long
//! titles cut with an ellipsis, `#n` and titles instead of ids, numbers
//! grouped, and the weight each member's ballot carries.

mod common;
use common::{samprio, stdout};

use samprio_e2e::{COOP, Engine, TestApp};

fn json_id(out: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(out).expect("--json prints JSON");
    v["id"].as_str().expect("an id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_fit_100_columns_and_name_things() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let long =
        "Fælles løsning til digital post, sagsbehandling og journalisering på tværs af alle kommunerne i samarbejdet";
    let a = app.submitted_proposal("0147", long, 2_500_000, false).await;
    let b = app.submitted_proposal("0101", "Booking", 400_000, false).await;
    let chair = app.token("0101", &[&format!("chair:{COOP}")]);
    let kbh = app.token("0101", &["board"]);
    let frb = app.token("0147", &["board"]);
    let observer = app.token("0151", &["observer"]);

    let session = json_id(&stdout(
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
                "--agenda",
                &a.id,
                "--agenda",
                &b.id,
            ],
        )
        .await,
    ));
    stdout(&samprio(&app, &chair, &["session", "open", &session]).await);
    stdout(&samprio(&app, &kbh, &["session", "check-in", &session]).await);
    let c = app.submitted_proposal("0151", "Print", 90_000, false).await;
    let d = app.submitted_proposal("0153", "BI", 1_200_000, false).await;
    let mut rounds = vec![];
    for (weighting, candidates) in [("population", [&a.id, &b.id]), ("custom", [&c.id, &d.id])] {
        let candidates = format!("{},{}", candidates[0], candidates[1]);
        let round = json_id(&stdout(
            &samprio(
                &app,
                &chair,
                &[
                    "--json",
                    "round",
                    "open",
                    &session,
                    "--method",
                    "yes-no",
                    "--candidate",
                    &candidates,
                    "--weighting",
                    weighting,
                    "--quorum",
                    "0%",
                    "--title",
                    &format!("Vedtagelse ({weighting})"),
                ],
            )
            .await,
        ));
        stdout(&samprio(&app, &kbh, &["vote", &round, "--yes", "1", "--no", "2"]).await);
        stdout(&samprio(&app, &frb, &["vote", &round, "--no", "1", "--yes", "2"]).await);
        stdout(&samprio(&app, &chair, &["round", "close", &round]).await);
        rounds.push(round);
    }

    // The round view: each voter's weight, grouped; candidates by #n and title.
    let out = view(&app, &observer, &["round", "get", &rounds[0]]).await;
    assert!(out.contains("weight 764.000 of 866.000"), "{out}");
    assert!(row(&out, &["København (0101)", "660.000"]), "population weight: {out}");
    assert!(row(&out, &["Frederiksberg (0147)", "104.000"]), "{out}");
    assert!(
        row(&out, &["#1", "Fælles løsning", "…", "660.000", "104.000", "yes"]),
        "{out}"
    );
    assert!(row(&out, &["#2", "Booking", "104.000", "660.000", "no"]), "{out}");
    no_ids(&out, &[&a.id, &b.id]);
    let out = view(&app, &observer, &["round", "get", &rounds[1]]).await;
    assert!(row(&out, &["København (0101)", "40"]), "custom weight: {out}");
    assert!(row(&out, &["Frederiksberg (0147)", "10"]), "{out}");
    assert!(row(&out, &["#1", "Print", "40", "10"]), "{out}");
    let out = view(&app, &observer, &["round", "ballots", &rounds[0]]).await;
    assert!(
        row(&out, &["0101", "660.000"]) && row(&out, &["0147", "104.000"]),
        "{out}"
    );

    // The session: agenda by #n and title, members by name.
    let out = view(&app, &observer, &["session", "get", &session]).await;
    assert!(
        row(&out, &["#1", "Fælles løsning", "…"]) && row(&out, &["#2", "Booking"]),
        "{out}"
    );
    assert!(row(&out, &["København (0101)", "user-0101-board"]), "{out}");
    no_ids(&out, &[&a.id, &b.id]);
    let out = view(&app, &observer, &["session", "list", COOP]).await;
    assert!(row(&out, &["#1", "Styregruppemøde", "open"]), "{out}");
    no_ids(&out, &[&session]);
    let out = view(&app, &observer, &["round", "list", &session]).await;
    assert!(row(&out, &["#1", "Vedtagelse (population)", "88.22%"]), "{out}");
    assert!(row(&out, &["#2", "Vedtagelse (custom)", "50.00%"]), "{out}");
    no_ids(&out, &rounds.iter().map(String::as_str).collect::<Vec<_>>());
    // The ids are still there for scripts.
    let json = stdout(&samprio(&app, &observer, &["--json", "round", "list", &session]).await);
    assert!(json.contains(&rounds[0]) && json.contains(&rounds[1]), "{json}");

    // Accountability: sessions, rounds and proposals by title, ballots by #n.
    stdout(
        &samprio(
            &app,
            &frb,
            &[
                "override",
                "set",
                COOP,
                &a.id,
                "--kind",
                "opt-out",
                "--justification",
                "Vi har netop indkøbt et nyt ESDH-system",
                "--resolution",
                "Økonomiudvalget 2026-11-20, pkt. 7",
            ],
        )
        .await,
    );
    let out = view(&app, &observer, &["accountability", COOP, "--municipality", "0147"]).await;
    assert!(out.contains("accountability of Frederiksberg (0147)"), "{out}");
    assert!(
        row(
            &out,
            &["Styregruppemøde", "Vedtagelse (population)", "yes-no", "#2 yes, #1 no"]
        ),
        "{out}"
    );
    assert!(row(&out, &["Fælles", "…", "opt-out", "active"]), "{out}");
    no_ids(&out, &[&a.id, &b.id, &c.id, &d.id, &session, &rounds[0], &rounds[1]]);
    let out = view(&app, &observer, &["accountability", COOP, "--overview"]).await;
    assert!(row(&out, &["1", "Fælles løsning", "…", "0147"]), "{out}");
    no_ids(&out, &[&a.id, &c.id]);
}

/// Runs a command and checks that no line of its output is wider than 100 columns.
async fn view(app: &TestApp, token: &str, args: &[&str]) -> String {
    let out = stdout(&samprio(app, token, args).await);
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "wider than 100 columns:\n{line}\n{out}");
    }
    out
}

/// Some line holds `parts` in this order.
fn row(out: &str, parts: &[&str]) -> bool {
    out.lines().any(|line| {
        let mut rest = line;
        parts.iter().all(|p| match rest.find(p) {
            Some(i) => {
                rest = &rest[i + p.len()..];
                true
            }
            None => false,
        })
    })
}

fn no_ids(out: &str, ids: &[&str]) {
    for id in ids {
        assert!(!out.contains(id), "{id} in the table:\n{out}");
    }
}
