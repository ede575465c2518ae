//! The CSV template for a portfolio, for municipalities that keep their
//! systems in a spreadsheet rather than in KITOS (the README documents it).
//! Import and export are pure: exporting a portfolio and importing the file
//! gives the same portfolio back.
//!
//! One header row with these columns, in any order (unknown columns are
//! refused, so a misspelt column is not silently ignored); `,` or `;` as
//! separator (the one the header uses), UTF-8 with or without a BOM:
//!
//! | column | content | empty means |
//! | --- | --- | --- |
//! | `id` | the system's id in samprio | derived from name and vendor (or the KITOS usage uuid) |
//! | `name` | required | – |
//! | `vendor` | | unknown |
//! | `function` | e.g. `ESDH` | unknown |
//! | `lifecycle` | `UNDECIDED`, `PHASING_IN`, `OPERATIONAL`, `PHASING_OUT`, `NOT_IN_USE` | `UNDECIDED` |
//! | `contract_end` | `YYYY-MM-DD` | unknown |
//! | `yearly_cost_dkk` | whole kroner, 0 to 10,000,000,000 | unknown |
//! | `ai` | `YES`, `NO`, `UNDECIDED` (or `ja`, `nej`) | `UNDECIDED` |
//! | `personal_data` | `YES`/`NO` (or `ja`/`nej`, `true`/`false`) | `NO` |
//! | `time_class` | `TOLERATE`, `INVEST`, `MIGRATE`, `ELIMINATE` | keeps the current class |
//! | `kitos_system_uuid`, `kitos_usage_uuid` | uuids from KITOS | unknown |
//!
//! Only `name` is required in the header; choice values are read
//! case-insensitively, with `-` for `_`.

use std::collections::HashMap;

use super::{AiUse, Lifecycle, MAX_YEARLY_COST_DKK, PortfolioSystem, TimeClass, derived_id};

pub const COLUMNS: [&str; 12] = [
    "id",
    "name",
    "vendor",
    "function",
    "lifecycle",
    "contract_end",
    "yearly_cost_dkk",
    "ai",
    "personal_data",
    "time_class",
    "kitos_system_uuid",
    "kitos_usage_uuid",
];

/// Most rows one file may hold (a municipality runs about 300 systems).
pub const MAX_ROWS: usize = 10_000;

/// A problem in the file: its line (1 is the header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}, {}: {}", self.line, self.column, self.message)
        }
    }
}

/// The portfolio as a CSV file in the template's layout (`,`-separated,
/// every column, rows in the given order).
pub fn export(systems: &[PortfolioSystem]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for s in systems {
        let _ = w.write_record([
            s.id.as_str(),
            &s.name,
            &s.vendor,
            &s.function,
            s.lifecycle.as_str(),
            s.contract_end.as_deref().unwrap_or(""),
            &s.yearly_cost_dkk.map(|c| c.to_string()).unwrap_or_default(),
            s.ai.as_str(),
            if s.personal_data { "YES" } else { "NO" },
            s.time_class.map(|t| t.as_str()).unwrap_or(""),
            s.kitos_system_uuid.as_deref().unwrap_or(""),
            s.kitos_usage_uuid.as_deref().unwrap_or(""),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "no" | "nej" | "false" | "n" => Some(false),
        "yes" | "ja" | "true" | "y" | "j" => Some(true),
        _ => None,
    }
}

fn ai(s: &str) -> Option<AiUse> {
    match s.trim().to_lowercase().as_str() {
        "" => Some(AiUse::Undecided),
        "ja" => Some(AiUse::Yes),
        "nej" => Some(AiUse::No),
        "uafklaret" => Some(AiUse::Undecided),
        _ => AiUse::parse(s),
    }
}

fn uuid_or_empty(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    uuid::Uuid::parse_str(s)
        .map(|u| Some(u.hyphenated().to_string()))
        .map_err(|_| "is not a uuid".to_string())
}

/// Reads a file in the template's layout as systems of `municipality`, or
/// every problem found in it.
pub fn import(municipality: &str, text: &str) -> Result<Vec<PortfolioSystem>, Vec<CsvProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') && !header_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let problem = |line: u64, column: &str, message: String| CsvProblem {
        line,
        column: column.to_string(),
        message,
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => return Err(vec![problem(1, "", format!("unreadable header: {e}"))]),
    };
    let mut problems = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == h.as_str()) {
            Some(c) if index.contains_key(c) => problems.push(problem(1, h, "appears twice".into())),
            Some(c) => {
                index.insert(c, i);
            }
            None => problems.push(problem(
                1,
                h,
                format!("is not a column of the template ({})", COLUMNS.join(", ")),
            )),
        }
    }
    if !index.contains_key("name") {
        problems.push(problem(1, "name", "the column is required".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        if n >= MAX_ROWS {
            problems.push(problem(line, "", format!("a file holds at most {MAX_ROWS} systems")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let get = |c: &str| index.get(c).and_then(|i| record.get(*i)).unwrap_or("").trim();
        let mut bad = |c: &str, m: String| problems.push(problem(line, c, m));

        let name = get("name");
        if name.is_empty() {
            bad("name", "is required".into());
        } else if let Err(m) = crate::domain::validate::max_len(name, 200) {
            bad("name", m);
        }
        for c in ["vendor", "function"] {
            if let Err(m) = crate::domain::validate::max_len(get(c), 200) {
                bad(c, m);
            }
        }
        let lifecycle = match get("lifecycle") {
            "" => Lifecycle::Undecided,
            v => Lifecycle::parse(v).unwrap_or_else(|| {
                bad(
                    "lifecycle",
                    format!("{v:?} is not one of UNDECIDED, PHASING_IN, OPERATIONAL, PHASING_OUT, NOT_IN_USE"),
                );
                Lifecycle::Undecided
            }),
        };
        let contract_end = match get("contract_end") {
            "" => None,
            v => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => Some(d.format("%Y-%m-%d").to_string()),
                Err(_) => {
                    bad("contract_end", "must be a date as YYYY-MM-DD".into());
                    None
                }
            },
        };
        let yearly_cost_dkk = match get("yearly_cost_dkk") {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(c) if (0..=MAX_YEARLY_COST_DKK).contains(&c) => Some(c),
                _ => {
                    bad(
                        "yearly_cost_dkk",
                        format!("must be whole kroner from 0 to {MAX_YEARLY_COST_DKK}"),
                    );
                    None
                }
            },
        };
        let ai = ai(get("ai")).unwrap_or_else(|| {
            bad("ai", "must be YES, NO or UNDECIDED".into());
            AiUse::Undecided
        });
        let personal_data = yes_no(get("personal_data")).unwrap_or_else(|| {
            bad("personal_data", "must be YES or NO".into());
            false
        });
        let time_class = match get("time_class") {
            "" => None,
            v => TimeClass::parse(v).or_else(|| {
                bad("time_class", "must be TOLERATE, INVEST, MIGRATE or ELIMINATE".into());
                None
            }),
        };
        let mut uuid = |c: &str| {
            uuid_or_empty(get(c)).unwrap_or_else(|m| {
                bad(c, m);
                None
            })
        };
        let kitos_system_uuid = uuid("kitos_system_uuid");
        let kitos_usage_uuid = uuid("kitos_usage_uuid");
        let vendor = get("vendor").to_string();
        let id = match get("id") {
            "" => kitos_usage_uuid
                .clone()
                .unwrap_or_else(|| derived_id(municipality, name, &vendor)),
            v if v.len() > 64 || v.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                bad("id", "must be at most 64 characters without spaces".into());
                String::new()
            }
            v => v.to_string(),
        };
        out.push(PortfolioSystem {
            id,
            municipality: municipality.to_string(),
            name: name.to_string(),
            vendor,
            kitos_system_uuid,
            kitos_usage_uuid,
            function: get("function").to_string(),
            lifecycle,
            contract_end,
            yearly_cost_dkk,
            ai,
            personal_data,
            time_class,
        });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<PortfolioSystem> {
        let mut esdh = PortfolioSystem::named("0101", "SBSYS, ESDH");
        esdh.vendor = "Fujitsu \"Denmark\"".into();
        esdh.function = "ESDH".into();
        esdh.lifecycle = Lifecycle::Operational;
        esdh.contract_end = Some("2027-12-31".into());
        esdh.yearly_cost_dkk = Some(1_250_000);
        esdh.ai = AiUse::No;
        esdh.personal_data = true;
        esdh.time_class = Some(TimeClass::Migrate);
        let mut chat = PortfolioSystem::named("0101", "Borgerchat");
        chat.id = "0b5e0000-0000-4000-8000-000000000001".into();
        chat.kitos_usage_uuid = Some(chat.id.clone());
        chat.kitos_system_uuid = Some("5a5e0000-0000-4000-8000-000000000001".into());
        chat.ai = AiUse::Yes;
        vec![esdh, chat, PortfolioSystem::named("0101", "Æøå-systemet\nlinje to")]
    }

    #[test]
    fn export_then_import_gives_the_same_portfolio() {
        let systems = sample();
        let text = export(&systems);
        assert!(text.starts_with("id,name,vendor,function,lifecycle,"), "{text}");
        assert_eq!(import("0101", &text).unwrap(), systems);
        assert_eq!(export(&import("0101", &text).unwrap()), text);
    }

    #[test]
    fn a_hand_made_file_with_semicolons_and_danish_answers() {
        let text = "\u{feff}Name;Vendor;AI;Personal_data;Lifecycle;Yearly_cost_dkk\n\
                    Aula;Netcompany;nej;ja;operational;300000\n\
                    KMD Opus;KMD;;;phasing-out;\n";
        let systems = import("0147", text).unwrap();
        assert_eq!(systems.len(), 2);
        assert_eq!(systems[0].id, derived_id("0147", "Aula", "Netcompany"));
        assert_eq!((systems[0].ai, systems[0].personal_data), (AiUse::No, true));
        assert_eq!(systems[0].yearly_cost_dkk, Some(300_000));
        assert_eq!(systems[1].lifecycle, Lifecycle::PhasingOut);
        assert_eq!((systems[1].ai, systems[1].personal_data), (AiUse::Undecided, false));
        assert_eq!(systems[1].time_class, None);
    }

    #[test]
    fn every_problem_is_reported_with_line_and_column() {
        let text = "name,contract_end,yearly_cost_dkk,ai,time_class\n\
                    ,2027-02-30,-5,maybe,keep\n\
                    Fine,2027-02-28,5,yes,invest\n";
        let problems = import("0101", text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown.iter().map(|s| s.split(':').next().unwrap()).collect::<Vec<_>>(),
            [
                "line 2, name",
                "line 2, contract_end",
                "line 2, yearly_cost_dkk",
                "line 2, ai",
                "line 2, time_class"
            ],
            "{shown:?}"
        );
        let e = import("0101", "navn,leverandør\nx,y\n").unwrap_err();
        assert_eq!(e.len(), 3, "two unknown columns and no name: {e:?}");
    }
}
