//! Newer population counts from Danmarks Statistik's table FOLK1A, as its
//! StatBank exports them (DESIGN.md §12): a CSV with the columns `OMRÅDE`
//! (area), `TID` (quarter, `2026K2`) and `INDHOLD` (residents), separated
//! by `;` (or `,` or tabs), in UTF-8 or the Latin-1 StatBank often uses.
//! Areas are 3-digit codes (`101`, padded to `0101`) or municipality names
//! (`København`); the whole country (`000`), the regions (`081`–`085`) and
//! Christiansø (`411`) are not municipalities and are skipped. Other
//! columns (`KØN`, `ALDER`, …) are allowed if the file has one row per area
//! and quarter, i.e. their totals were selected.
//!
//! The count of a quarter is the population on its first day: `2026K2` is
//! 1 April 2026.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Municipality, all, by_code, padded_code};

/// One municipality's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub code: String,
    pub population: i64,
    /// ISO date the count is for.
    pub date: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folk1a {
    /// The latest count of each municipality in the file, by code.
    pub counts: Vec<Count>,
    /// Areas that are not municipalities (country, regions, Christiansø).
    pub skipped: Vec<String>,
    /// Municipalities of the register the file has no count for.
    pub missing: Vec<String>,
}

impl Folk1a {
    /// The counts newer than the ones in the built-in register.
    pub fn newer_than_register(&self) -> Vec<(&'static Municipality, &Count)> {
        self.counts
            .iter()
            .filter_map(|c| by_code(&c.code).map(|m| (m, c)))
            .filter(|(m, c)| c.date > m.population_date)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct Folk1aError {
    pub line: u64,
    pub message: String,
}

/// Most residents a municipality can plausibly have (Denmark has 6 million).
const MAX_POPULATION: i64 = 10_000_000;

/// Areas in FOLK1A that are not municipalities.
fn not_a_municipality(code: &str) -> bool {
    matches!(code, "000" | "0000" | "411" | "0411") || (code.len() == 3 && code.starts_with("08"))
}

/// `2026K1` → 2026-01-01.
pub fn quarter_start(tid: &str) -> Option<NaiveDate> {
    let (year, q) = tid.trim().split_once(['K', 'k', 'Q', 'q'])?;
    let month = match q {
        "1" => 1,
        "2" => 4,
        "3" => 7,
        "4" => 10,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, 1)
}

/// Text of a file in UTF-8, or else in Latin-1 (each byte one character).
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

/// Parses and checks a FOLK1A export; every row must be readable.
pub fn parse(text: &str) -> Result<Folk1a, Folk1aError> {
    let err = |line: u64, message: String| Folk1aError { line, message };
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(1, format!("unreadable header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_uppercase())
        .collect();
    let area = column(&header, &["OMRÅDE", "OMRADE", "AREA", "REGION"])
        .ok_or_else(|| err(1, "no OMRÅDE column (the area)".into()))?;
    let tid = column(&header, &["TID", "TIME"]).ok_or_else(|| err(1, "no TID column (the quarter)".into()))?;
    let value = column(&header, &["INDHOLD", "CONTENT", "VALUE"])
        .ok_or_else(|| err(1, "no INDHOLD column (the residents)".into()))?;

    let by_name: BTreeMap<String, &Municipality> = all().iter().map(|m| (m.name.to_lowercase(), m)).collect();
    let mut latest: BTreeMap<String, (NaiveDate, i64)> = BTreeMap::new();
    let mut seen: BTreeMap<(String, NaiveDate), u64> = BTreeMap::new();
    let mut skipped = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| err(line, format!("unreadable row: {e}")))?;
        let get = |i: usize| row.get(i).unwrap_or_default().trim();
        let raw_area = get(area);
        if raw_area.is_empty() && row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let lower = raw_area.to_lowercase();
        let named_elsewhere = lower == "hele landet" || lower.starts_with("region ") || lower == "christiansø";
        if not_a_municipality(raw_area) || named_elsewhere {
            skipped.push(raw_area.to_string());
            continue;
        }
        let code = if raw_area.bytes().all(|b| b.is_ascii_digit()) && (3..=4).contains(&raw_area.len()) {
            let code = padded_code(raw_area);
            if by_code(&code).is_none() {
                return Err(err(line, format!("{raw_area} is not a municipality code")));
            }
            code
        } else {
            match by_name.get(&raw_area.to_lowercase()) {
                Some(m) => m.code.clone(),
                None => {
                    let shown: String = raw_area.chars().take(40).collect();
                    return Err(err(line, format!("{shown:?} is not a municipality")));
                }
            }
        };
        let date = quarter_start(get(tid))
            .ok_or_else(|| err(line, format!("TID {:?} is not a quarter such as 2026K1", get(tid))))?;
        let population: i64 = get(value)
            .parse()
            .ok()
            .filter(|p| (0..=MAX_POPULATION).contains(p))
            .ok_or_else(|| err(line, format!("INDHOLD {:?} is not a number of residents", get(value))))?;
        if let Some(first) = seen.insert((code.clone(), date), line) {
            return Err(err(
                line,
                format!(
                    "a second count for {code} in {} (the first is on line {first}); select the totals of the other variables",
                    get(tid)
                ),
            ));
        }
        let e = latest.entry(code).or_insert((date, population));
        if date > e.0 {
            *e = (date, population);
        }
    }
    let missing = all()
        .iter()
        .filter(|m| !latest.contains_key(&m.code))
        .map(|m| m.code.clone())
        .collect();
    Ok(Folk1a {
        counts: latest
            .into_iter()
            .map(|(code, (date, population))| Count {
                code,
                population,
                date: date.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        skipped,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statbank_export_with_codes() {
        let text = "OMRÅDE;TID;INDHOLD\n000;2026K2;6030000\n084;2026K2;1900000\n101;2026K2;672500\n\
                    147;2026K2;106300\n411;2026K2;92\n101;2026K1;671714\n";
        let f = parse(text).unwrap();
        assert_eq!(
            f.counts,
            [
                Count {
                    code: "0101".into(),
                    population: 672_500,
                    date: "2026-04-01".into()
                },
                Count {
                    code: "0147".into(),
                    population: 106_300,
                    date: "2026-04-01".into()
                },
            ]
        );
        assert_eq!(f.skipped, ["000", "084", "411"]);
        assert_eq!(f.missing.len(), 96);
        let newer = f.newer_than_register();
        assert_eq!(newer.len(), 2);
        assert_eq!(newer[0].0.population, 671_714, "the register's count");
    }

    #[test]
    fn names_latin1_and_other_variables_at_their_totals() {
        let text = "OMRÅDE;KØN;TID;INDHOLD\nHele landet;I alt;2026K1;6025603\nRegion Sjælland;I alt;2026K1;1\n\
                    København;I alt;2026K1;671714\nAarhus;I alt;2026K1;370000\n";
        let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
        assert!(std::str::from_utf8(&latin1).is_err());
        let f = parse(&decode(&latin1)).unwrap();
        assert_eq!(f.counts.len(), 2);
        assert_eq!(f.counts[1].code, "0751");
        assert!(f.newer_than_register().is_empty(), "the same quarter as the register");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let cases = [
            ("OMRÅDE;TID;INDHOLD\n101;2026K5;1\n", "line 2: TID"),
            ("OMRÅDE;TID;INDHOLD\n101;2026K1;-3\n", "line 2: INDHOLD"),
            ("OMRÅDE;TID;INDHOLD\n101;2026K1;1\n999;2026K1;1\n", "line 3: 999 is not"),
            (
                "OMRÅDE;KØN;TID;INDHOLD\n101;Mænd;2026K1;1\n101;Kvinder;2026K1;1\n",
                "line 3: a second count",
            ),
            ("AREA;YEAR;VALUE\n", "line 1: no TID"),
            ("OMRÅDE;TID;INDHOLD\nAtlantis;2026K1;1\n", "line 2: \"Atlantis\""),
        ];
        for (text, expected) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with(expected), "{e} does not start with {expected}");
        }
    }

    #[test]
    fn quarters_start_on_their_first_day() {
        assert_eq!(quarter_start("2026K3"), NaiveDate::from_ymd_opt(2026, 7, 1));
        assert_eq!(quarter_start("2026K0"), None);
        assert_eq!(quarter_start("x"), None);
    }
}
