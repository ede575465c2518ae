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
