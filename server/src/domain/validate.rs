//! Small checks for input on the way in. Each returns `Err(description)`;
//! callers attach the field name through [`Violations`](super::error::Violations).

use super::model::{CooperationId, IsoDate, MunicipalityCode, RecordId};

pub type Check = Result<(), String>;

pub fn required_text(value: &str, max_chars: usize) -> Check {
    if value.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(if value.is_empty() {
            "is required".into()
        } else {
            "is required and must contain visible characters".into()
        });
    }
    max_len(value, max_chars)
}

/// Characters that take no room on screen: format characters (zero-width
/// spaces and joiners, soft hyphen, bidirectional marks, tags, the byte-order
/// mark) and fillers that render blank. A title of only these looks empty.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

pub fn max_len(value: &str, max_chars: usize) -> Check {
    let n = value.chars().count();
    if n > max_chars {
        return Err(format!("is {n} characters long; at most {max_chars} are allowed"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("contains control characters".into());
    }
    Ok(())
}

/// Text that must carry meaning: a justification, a board resolution. Rejects
/// filler such as "x", "n/a", "-" or "...".
pub fn meaningful_text(value: &str, min_chars: usize, max_chars: usize) -> Check {
    required_text(value, max_chars)?;
    let t = value.trim();
    let letters = t.chars().filter(|c| c.is_alphanumeric()).count();
    let distinct: std::collections::HashSet<char> = t.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect();
    const FILLER: [&str; 10] = ["n/a", "na", "none", "tbd", "todo", "test", "xxx", "asdf", "ingen", "-"];
    if letters < min_chars || distinct.len() < 3 || FILLER.contains(&t.to_lowercase().as_str()) {
        return Err(format!(
            "must be a meaningful text of at least {min_chars} letters or digits"
        ));
    }
    Ok(())
}

/// Cooperation ids: see [`CooperationId`].
pub fn slug(value: &str) -> Check {
    CooperationId::parse(value).map(drop)
}

/// Municipality codes: see [`MunicipalityCode`].
pub fn municipality_code(value: &str) -> Check {
    MunicipalityCode::parse(value).map(drop)
}

/// An ISO calendar date, `YYYY-MM-DD` zero-padded: see [`IsoDate`].
pub fn iso_date(value: &str) -> Check {
    IsoDate::parse(value).map(drop)
}

pub fn non_negative(value: i64) -> Check {
    if value < 0 {
        Err("must not be negative".into())
    } else {
        Ok(())
    }
}

/// Largest population a member may have: far above any municipality's, and
/// low enough that the weights of every possible member, times any score or
/// rank a ballot can give, sum without overflow.
pub const MAX_POPULATION: i64 = 100_000_000;
/// Largest custom weight of a member (same reasoning as [`MAX_POPULATION`]).
pub const MAX_CUSTOM_WEIGHT: i64 = 100_000_000;
/// Largest cost of a proposal in DKK (one trillion): the costs of any number
/// of proposals a session can hold sum without overflow.
pub const MAX_COST_DKK: i64 = 1_000_000_000_000;

/// A number that reaches sums: between 0 and `max`.
pub fn bounded(value: i64, max: i64) -> Check {
    non_negative(value)?;
    if value > max {
        return Err(format!("must be at most {max}"));
    }
    Ok(())
}

pub fn basis_points(value: u32) -> Check {
    if value > 10_000 {
        Err("must be between 0 and 10000 basis points".into())
    } else {
        Ok(())
    }
}

/// Ids the server issued: see [`RecordId`].
pub fn id(value: &str) -> Check {
    RecordId::parse(value).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaningful_text_rejects_filler() {
        assert!(meaningful_text("n/a", 10, 100).is_err());
        assert!(meaningful_text("xxxxxxxxxxxxxxxx", 10, 100).is_err());
        assert!(meaningful_text("   ", 10, 100).is_err());
        assert!(meaningful_text("Vi afventer udbud af ny ESDH-løsning", 10, 100).is_ok());
    }

    #[test]
    fn slugs_and_codes() {
        assert!(slug("kombit-syd").is_ok());
        assert!(slug("Kombit").is_err());
        assert!(slug("a").is_err());
        assert!(slug("x-").is_err());
        assert!(municipality_code("0101").is_ok());
        assert!(municipality_code("01a1").is_err());
        assert!(municipality_code("12345").is_err());
    }

    #[test]
    fn lengths_and_dates() {
        assert!(required_text("", 10).is_err());
        assert!(required_text("abc", 2).is_err());
        assert!(max_len("a\u{0}b", 10).is_err());
        assert!(iso_date("2026-02-30").is_err());
        assert!(iso_date("2026-02-28").is_ok());
        assert!(basis_points(10_001).is_err());
        assert!(bounded(MAX_POPULATION + 1, MAX_POPULATION).is_err());
        assert!(bounded(MAX_POPULATION, MAX_POPULATION).is_ok());
    }

    #[test]
    fn invisible_text_is_empty() {
        assert!(required_text("\u{200B}\u{200D}\u{FEFF} \u{2060}", 10).is_err());
        assert!(required_text("\u{E0041}\u{3164}", 10).is_err());
        assert!(required_text("A\u{200D}B", 10).is_ok());
    }
}
