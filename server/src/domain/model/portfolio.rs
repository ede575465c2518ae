//! The records of a municipality's portfolio of IT systems (DESIGN.md §12):
//! its systems, the imports that filled it, and the systems a proposal links.
//! The rules over them live in `domain::portfolio`.

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Case-insensitive, `-` and `_` alike: `phasing-out` is `PHASING_OUT`.
            pub fn parse(s: &str) -> Option<Self> {
                let norm = s.trim().to_ascii_uppercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == norm)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where the system is in its life: KITOS's `lifeCycleStatus` choices.
    Lifecycle {
        Undecided = "UNDECIDED",
        PhasingIn = "PHASING_IN",
        Operational = "OPERATIONAL",
        PhasingOut = "PHASING_OUT",
        NotInUse = "NOT_IN_USE",
    }
);

text_enum!(
    /// Whether the system contains AI technology (KITOS `containsAITechnology`).
    AiUse { Yes = "YES", No = "NO", Undecided = "UNDECIDED" }
);

text_enum!(
    /// Gartner's TIME classification, set by the member.
    TimeClass {
        Tolerate = "TOLERATE",
        Invest = "INVEST",
        Migrate = "MIGRATE",
        Eliminate = "ELIMINATE",
    }
);

/// One IT system in a municipality's portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioSystem {
    /// Stable within the municipality: the KITOS usage uuid for imported
    /// systems, otherwise derived from name and vendor (see [`derived_id`]).
    pub id: String,
    /// Municipality code of the owner, e.g. `0101`.
    pub municipality: String,
    pub name: String,
    /// Empty when unknown.
    pub vendor: String,
    /// The IT system's uuid in KITOS (the same for every municipality that
    /// uses it), where known.
    pub kitos_system_uuid: Option<String>,
    /// This municipality's usage of it in KITOS, where imported from there.
    pub kitos_usage_uuid: Option<String>,
    /// What it is for, e.g. `ESDH` (KITOS's business type); empty if unknown.
    pub function: String,
    pub lifecycle: Lifecycle,
    /// ISO date the current contract ends.
    pub contract_end: Option<String>,
    /// Yearly operating cost in whole kroner.
    pub yearly_cost_dkk: Option<i64>,
    pub ai: AiUse,
    pub personal_data: bool,
    pub time_class: Option<TimeClass>,
}

/// Upper bound of a yearly cost, so that sums over 98 members × 300
/// systems cannot overflow (DESIGN.md §8): 10 billion kroner.
pub const MAX_YEARLY_COST_DKK: i64 = 10_000_000_000;

/// The id of a system entered without one: a hash of the municipality, name
/// and vendor, so that importing the same row twice finds the same system.
pub fn derived_id(municipality: &str, name: &str, vendor: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = format!(
        "{}\u{1f}{}\u{1f}{}",
        municipality,
        name.trim().to_lowercase(),
        vendor.trim().to_lowercase()
    );
    format!("s-{}", &hex::encode(Sha256::digest(key.as_bytes()))[..20])
}

impl PortfolioSystem {
    /// A system with only a name: everything else unknown.
    pub fn named(municipality: &str, name: &str) -> PortfolioSystem {
        PortfolioSystem {
            id: derived_id(municipality, name, ""),
            municipality: municipality.to_string(),
            name: name.to_string(),
            vendor: String::new(),
            kitos_system_uuid: None,
            kitos_usage_uuid: None,
            function: String::new(),
            lifecycle: Lifecycle::Undecided,
            contract_end: None,
            yearly_cost_dkk: None,
            ai: AiUse::Undecided,
            personal_data: false,
            time_class: None,
        }
    }

    /// The vendor as listings filter by it: lower case, trimmed.
    pub fn vendor_key(&self) -> String {
        self.vendor.trim().to_lowercase()
    }

    /// Still part of the municipality's running estate.
    pub fn in_use(&self) -> bool {
        self.lifecycle != Lifecycle::NotInUse
    }
}

/// One import into a municipality's portfolio, as its log keeps it: what
/// came from where, and what it changed. The last KITOS import's time is
/// where the next incremental import starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioImport {
    pub id: String,
    pub municipality: String,
    /// `KITOS` or `CSV`.
    pub source: String,
    /// When the import ran (microseconds since the epoch).
    pub time: i64,
    /// Whether it read only what changed since the previous import.
    pub incremental: bool,
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
    pub unchanged: u32,
}

/// A system of a member's portfolio that a proposal links.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SystemRef {
    pub municipality: String,
    pub system_id: String,
}

impl SystemRef {
    /// `0101:s-…`, as a proposal's `linked_systems` names a portfolio system;
    /// free text (no four-digit code before a colon) is not a reference.
    pub fn parse(s: &str) -> Option<SystemRef> {
        let (code, id) = s.trim().split_once(':')?;
        if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) && !id.trim().is_empty() {
            Some(SystemRef {
                municipality: code.to_string(),
                system_id: id.trim().to_string(),
            })
        } else {
            None
        }
    }
}

impl std::fmt::Display for SystemRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.municipality, self.system_id)
    }
}

/// A population count newer than the register's, imported from a FOLK1A file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterPopulation {
    pub code: String,
    pub population: i64,
    /// ISO date of the count.
    pub population_date: String,
    /// When it was imported (microseconds since the epoch).
    pub import_time: i64,
}
