//! How the console writes numbers, money and times: Danish conventions first
//! (`2.500.000 kr.`, `29.11.2026 kl. 12:26`), always in Europe/Copenhagen.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::i18n::Lang;
use crate::domain::model::Micros;

/// The time zone of every time the console shows. The database is bundled
/// into the binary, so a server without tzdata shows the same times.
static COPENHAGEN: LazyLock<TimeZone> =
    LazyLock::new(|| TimeZone::get("Europe/Copenhagen").expect("the bundled tz database has Europe/Copenhagen"));

/// An integer with thousands grouped: `2.500.000` in Danish, `2,500,000` in English.
pub fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::Da => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// An amount of Danish kroner: `2.500.000 kr.` / `DKK 2,500,000`.
pub fn kroner(lang: Lang, n: i64) -> String {
    match lang {
        Lang::Da => format!("{} kr.", number(lang, n)),
        Lang::En => format!("DKK {}", number(lang, n)),
    }
}

/// A moment, in Copenhagen time: `29.11.2026 kl. 12:26` / `29 Nov 2026, 12:26`.
pub fn time(lang: Lang, micros: Micros) -> String {
    let Ok(ts) = Timestamp::from_microsecond(micros) else {
        return String::new();
    };
    let zoned = ts.to_zoned_datetime(COPENHAGEN.clone());
    match lang {
        Lang::Da => zoned.strftime("%d.%m.%Y kl. %H:%M").to_string(),
        Lang::En => zoned.strftime("%-d %b %Y, %H:%M").to_string(),
    }
}

/// A moment as `datetime` attribute of `<time>`: RFC 3339 with the offset.
pub fn machine_time(micros: Micros) -> String {
    Timestamp::from_microsecond(micros)
        .map(|ts| {
            ts.to_zoned_datetime(COPENHAGEN.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// An ISO date (`2026-03-01`) the Danish way (`01.03.2026`).
pub fn date(lang: Lang, iso: &str) -> String {
    match (lang, iso.split('-').collect::<Vec<_>>().as_slice()) {
        (Lang::Da, [y, m, d]) => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// Basis points as a percentage: `5000` → `50 %` (Danish) / `50%`.
pub fn basis_points(lang: Lang, bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    let n = if frac == 0 {
        whole.to_string()
    } else {
        let sep = if lang == Lang::Da { ',' } else { '.' };
        format!("{whole}{sep}{frac:02}")
    };
    match lang {
        Lang::Da => format!("{n} %"),
        Lang::En => format!("{n}%"),
    }
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
    let zoned = civil.to_zoned_datetime(COPENHAGEN.clone()).ok()?;
    Some(zoned.timestamp().as_microsecond())
}

/// A moment as a `datetime-local` field's value, in Copenhagen time.
pub fn local_input_value(micros: Micros) -> String {
    Timestamp::from_microsecond(micros)
        .map(|ts| {
            ts.to_zoned_datetime(COPENHAGEN.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kroner_are_grouped_the_danish_way() {
        assert_eq!(kroner(Lang::Da, 2_500_000), "2.500.000 kr.");
        assert_eq!(kroner(Lang::Da, 999), "999 kr.");
        assert_eq!(kroner(Lang::Da, 1000), "1.000 kr.");
        assert_eq!(kroner(Lang::Da, 0), "0 kr.");
        assert_eq!(kroner(Lang::En, 2_500_000), "DKK 2,500,000");
        assert_eq!(number(Lang::Da, -1_234_567), "-1.234.567");
    }

    #[test]
    fn times_are_copenhagen_times_in_summer_and_winter() {
        // 2026-07-01 10:00 UTC is 12:00 in Copenhagen (CEST).
        let summer = 1_782_900_000_000_000;
        assert_eq!(time(Lang::Da, summer), "01.07.2026 kl. 12:00");
        // 2026-01-15 10:00 UTC is 11:00 (CET).
        let winter = 1_768_471_200_000_000;
        assert_eq!(time(Lang::Da, winter), "15.01.2026 kl. 11:00");
        assert_eq!(time(Lang::En, winter), "15 Jan 2026, 11:00");
        assert_eq!(machine_time(winter), "2026-01-15T11:00:00+01:00");
    }

    #[test]
    fn dates_and_percentages() {
        assert_eq!(date(Lang::Da, "2026-03-01"), "01.03.2026");
        assert_eq!(date(Lang::En, "2026-03-01"), "2026-03-01");
        assert_eq!(basis_points(Lang::Da, 5000), "50 %");
        assert_eq!(basis_points(Lang::Da, 6667), "66,67 %");
        assert_eq!(basis_points(Lang::En, 6667), "66.67%");
    }

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
