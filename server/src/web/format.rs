//! How the console writes numbers, money and times: the shared conventions
//! of [`crate::domain::locale`] in the console's language.

use super::i18n::Lang;
use crate::domain::locale;
use crate::domain::model::Micros;

impl From<Lang> for locale::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Da => locale::Lang::Da,
            Lang::En => locale::Lang::En,
        }
    }
}

/// An integer with thousands grouped: `2.500.000` in Danish, `2,500,000` in English.
pub fn number(lang: Lang, n: i64) -> String {
    locale::number(lang.into(), n)
}

/// An amount of Danish kroner: `2.500.000 kr.` / `DKK 2,500,000`.
pub fn kroner(lang: Lang, n: i64) -> String {
    locale::kroner(lang.into(), n)
}

/// A moment, in Copenhagen time: `29.11.2026 kl. 12:26` / `29 Nov 2026, 12:26`.
pub fn time(lang: Lang, micros: Micros) -> String {
    locale::time(lang.into(), micros)
}

/// A moment as `datetime` attribute of `<time>`: RFC 3339 with the offset.
pub fn machine_time(micros: Micros) -> String {
    locale::machine_time(micros)
}

/// An ISO date (`2026-03-01`) the Danish way (`01.03.2026`).
pub fn date(lang: Lang, iso: &str) -> String {
    locale::date(lang.into(), iso)
}

/// Basis points as a percentage: `5000` → `50 %` (Danish) / `50%`.
pub fn basis_points(lang: Lang, bp: u32) -> String {
    locale::basis_points(lang.into(), bp)
}

/// `part` of `whole` as a percentage: `66,67 %` / `66.67%`.
pub fn share(lang: Lang, part: u64, whole: u64) -> String {
    locale::share(lang.into(), part, whole)
}

/// A percentage typed into a form (`50`, `66,67`, `66.67 %`) as basis
/// points; `None` unless it is a number from 0 to 100 with at most two
/// decimals.
pub fn parse_percent(text: &str) -> Option<u32> {
    let t = text.trim().trim_end_matches('%').trim();
    let (whole, frac) = match t.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && (frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()))) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let frac: u32 = format!("{frac:0<2}").parse().ok()?;
    let bp = whole * 100 + frac;
    (bp <= 10_000).then_some(bp)
}

/// A `datetime-local` field's value (`2026-12-24T14:30`), read as
/// Copenhagen time.
pub fn parse_local_time(text: &str) -> Option<Micros> {
    let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
    let zoned = civil.to_zoned_datetime(locale::COPENHAGEN.clone()).ok()?;
    Some(zoned.timestamp().as_microsecond())
}

/// A moment as a `datetime-local` field's value, in Copenhagen time.
pub fn local_input_value(micros: Micros) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|ts| {
            ts.to_zoned_datetime(locale::COPENHAGEN.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_percentages_and_local_times() {
        assert_eq!(parse_percent("50"), Some(5000));
        assert_eq!(parse_percent(" 66,67 % "), Some(6667));
        assert_eq!(parse_percent("66.5"), Some(6650));
        assert_eq!(parse_percent("0"), Some(0));
        assert_eq!(parse_percent("100"), Some(10_000));
        for bad in ["", "101", "-1", "50,123", "halvdelen", "1e2", ",5"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
        let winter = 1_768_471_200_000_000;
        assert_eq!(parse_local_time("2026-01-15T11:00"), Some(winter));
        assert_eq!(local_input_value(winter), "2026-01-15T11:00");
        assert_eq!(parse_local_time("i morgen"), None);
    }
}
