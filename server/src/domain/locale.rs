//! How people read numbers, money and times: Danish conventions first
//! (`2.500.000 kr.`, `29.11.2026 kl. 12:26`), always in Europe/Copenhagen.
//! Shared by the console and the minutes.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::model::Micros;

/// The languages people read samprio in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    /// `da` or `en` (also `da-DK`, `en-GB`, any case); `None` otherwise.
    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        match code.split(['-', '_']).next().unwrap_or("") {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The time zone of every time people are shown. The database is bundled
/// into the binary, so a server without tzdata shows the same times.
pub(crate) static COPENHAGEN: LazyLock<TimeZone> =
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

/// A moment's date in Copenhagen: `29.11.2026` / `29 Nov 2026`.
pub fn day(lang: Lang, micros: Micros) -> String {
    let Ok(ts) = Timestamp::from_microsecond(micros) else {
        return String::new();
    };
    let zoned = ts.to_zoned_datetime(COPENHAGEN.clone());
    match lang {
        Lang::Da => zoned.strftime("%d.%m.%Y").to_string(),
        Lang::En => zoned.strftime("%-d %b %Y").to_string(),
    }
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

/// `part` of `whole` in basis points, rounded half up; `None` when `whole`
/// is 0. The state a figure stands beside (a quorum met, a candidate
/// adopted) is decided on the exact weights, never on the rounded figure.
pub fn share_bp(part: u64, whole: u64) -> Option<u32> {
    if whole == 0 {
        return None;
    }
    let bp = (u128::from(part) * 10_000 + u128::from(whole) / 2) / u128::from(whole);
    Some(u32::try_from(bp).unwrap_or(u32::MAX))
}

/// `part` of `whole` as a percentage (`66,67 %` / `66.67%`); `—` when
/// `whole` is 0.
pub fn share(lang: Lang, part: u64, whole: u64) -> String {
    match share_bp(part, whole) {
        Some(bp) => basis_points(lang, bp),
        None => "—".into(),
    }
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
    fn languages_parse_from_codes() {
        assert_eq!(Lang::parse("da"), Some(Lang::Da));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn dates_and_percentages() {
        assert_eq!(date(Lang::Da, "2026-03-01"), "01.03.2026");
        assert_eq!(date(Lang::En, "2026-03-01"), "2026-03-01");
        assert_eq!(basis_points(Lang::Da, 5000), "50 %");
        assert_eq!(basis_points(Lang::Da, 6667), "66,67 %");
        assert_eq!(basis_points(Lang::En, 6667), "66.67%");
        assert_eq!(basis_points(Lang::Da, 800), "8 %");
        assert_eq!(basis_points(Lang::Da, 480), "4,80 %");
        assert_eq!(share(Lang::Da, 2, 3), "66,67 %");
        assert_eq!(share(Lang::En, 1, 3), "33.33%");
        assert_eq!(share(Lang::Da, 5, 5), "100 %");
        assert_eq!(share(Lang::Da, 0, 0), "—");
        assert_eq!(share_bp(u64::MAX, u64::MAX), Some(10_000));
    }
}
