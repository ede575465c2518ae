//! The register of Denmark's 98 municipalities (DESIGN.md §12): code, name,
//! region, CVR number and population with the date it was counted.
//!
//! The facts are embedded from `server/data/kommuner.csv` (Dataforsyningen for
//! codes, names and regions; the CVR register; Danmarks Statistik FOLK1A for
//! the population on 1 January 2026), so the server knows them without any
//! network or configuration. The register is a leaf: it depends on nothing
//! else of the domain.

pub mod folk1a;

use std::sync::LazyLock;

use serde::Deserialize;

/// The embedded CSV, as shipped with the server.
pub const KOMMUNER_CSV: &str = include_str!("../../data/kommuner.csv");

/// One municipality of the register.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Municipality {
    /// Municipality code (kommunekode), four digits: `0101`.
    pub code: String,
    /// Short Danish name: `København`.
    pub name: String,
    /// `Region Hovedstaden`, `Region Sjælland`, `Region Syddanmark`,
    /// `Region Midtjylland` or `Region Nordjylland`.
    pub region: String,
    /// The municipality's eight-digit CVR number.
    pub cvr: String,
    /// Residents on `population_date`.
    pub population: i64,
    /// ISO date of the count, e.g. `2026-01-01`.
    pub population_date: String,
}

impl Municipality {
    /// The region's short key: `hovedstaden` for `Region Hovedstaden`.
    pub fn region_key(&self) -> String {
        region_key(&self.region)
    }
}

/// `Region Hovedstaden` → `hovedstaden`, `Region Sjælland` → `sjælland`.
pub fn region_key(region: &str) -> String {
    region.trim_start_matches("Region ").to_lowercase()
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("line {line}: {reason}")]
    Row { line: u64, reason: String },
}

/// Parses a register in the format of `kommuner.csv` (header
/// `code,name,region,cvr,population,population_date`), checking each row.
pub fn parse(csv_text: &str) -> Result<Vec<Municipality>, RegisterError> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<Municipality>().enumerate() {
        let line = i as u64 + 2;
        let m = row.map_err(|e| RegisterError::Row {
            line,
            reason: e.to_string(),
        })?;
        let bad = |reason: &str| RegisterError::Row {
            line,
            reason: format!("{}: {reason}", m.code),
        };
        if m.code.len() != 4 || !m.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("code must be four digits"));
        }
        if m.cvr.len() != 8 || !m.cvr.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("cvr must be eight digits"));
        }
        if m.population < 0 {
            return Err(bad("population must not be negative"));
        }
        if super::model::IsoDate::parse(&m.population_date).is_err() {
            return Err(bad("population_date must be an ISO date"));
        }
        out.push(m);
    }
    Ok(out)
}

static REGISTER: LazyLock<Vec<Municipality>> =
    LazyLock::new(|| parse(KOMMUNER_CSV).expect("the embedded register is checked by a unit test"));

/// Every municipality, ordered by code.
pub fn all() -> &'static [Municipality] {
    &REGISTER
}

/// A code as the register writes it: Danmarks Statistik's three digits
/// (`101`) padded to four (`0101`); anything else unchanged.
pub fn padded_code(code: &str) -> String {
    let code = code.trim();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{code}")
    } else {
        code.to_string()
    }
}

/// The municipality with this code (`0101`).
pub fn by_code(code: &str) -> Option<&'static Municipality> {
    REGISTER
        .binary_search_by(|m| m.code.as_str().cmp(code))
        .ok()
        .map(|i| &REGISTER[i])
}

/// The municipality with this CVR number (`64942212`).
pub fn by_cvr(cvr: &str) -> Option<&'static Municipality> {
    REGISTER.iter().find(|m| m.cvr == cvr)
}

/// The municipalities of a region, by its name (`Region Hovedstaden`) or
/// short key (`hovedstaden`), case-insensitively; ordered by code.
pub fn in_region(region: &str) -> Vec<&'static Municipality> {
    let key = region_key(region.trim());
    let key = key.strip_prefix("region ").unwrap_or(&key).to_string();
    REGISTER.iter().filter(|m| m.region_key() == key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_register_has_98_municipalities_sorted_by_code() {
        let all = parse(KOMMUNER_CSV).unwrap();
        assert_eq!(all.len(), 98);
        assert!(all.windows(2).all(|w| w[0].code < w[1].code));
        let total: i64 = all.iter().map(|m| m.population).sum();
        assert_eq!(total, 6_025_511, "the sum the data README states");
    }

    #[test]
    fn rows_per_region_match_the_data_readme() {
        for (region, n) in [
            ("hovedstaden", 29),
            ("Region Sjælland", 17),
            ("syddanmark", 22),
            ("MIDTJYLLAND", 19),
            ("region nordjylland", 11),
        ] {
            assert_eq!(in_region(region).len(), n, "{region}");
        }
        assert!(in_region("atlantis").is_empty());
    }

    #[test]
    fn lookups_by_code_and_cvr() {
        let kbh = by_code("0101").unwrap();
        assert_eq!(kbh.name, "København");
        assert_eq!(kbh.cvr, "64942212");
        assert_eq!(kbh.population_date, "2026-01-01");
        assert_eq!(by_cvr("64942212").unwrap().code, "0101");
        assert_eq!(by_code("0147").unwrap().name, "Frederiksberg");
        assert!(by_code("0411").is_none(), "Christiansø is not a municipality");
        assert!(by_cvr("00000000").is_none());
        assert_eq!(padded_code("101"), "0101");
        assert_eq!(padded_code("0851"), "0851");
        assert_eq!(padded_code("85"), "85");
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        let head = "code,name,region,cvr,population,population_date\n";
        let e = parse(&format!(
            "{head}0101,København,Region Hovedstaden,649422,1,2026-01-01\n"
        ))
        .unwrap_err();
        assert!(e.to_string().starts_with("line 2: 0101: cvr"), "{e}");
        let e = parse(&format!(
            "{head}101,København,Region Hovedstaden,64942212,1,2026-01-01\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("four digits"), "{e}");
        let e = parse(&format!(
            "{head}0101,København,Region Hovedstaden,64942212,x,2026-01-01\n"
        ))
        .unwrap_err();
        assert!(e.to_string().starts_with("line 2"), "{e}");
    }
}
