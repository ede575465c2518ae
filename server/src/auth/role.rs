//! Roles and the authenticated principal (DESIGN.md §3).

use std::fmt;
use std::str::FromStr;

/// A role a token grants. Role *strings* are part of the wire contract with every
/// partner's identity provider, so parsing is strict: an unknown role is an error,
/// never silently dropped (a typo must not quietly demote or promote someone).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// The municipality's board (direktion): votes on board-level matters, sets overrides.
    Board,
    /// IT/digitalisation chief: drafts and submits proposals, votes on delegated matters.
    DigitalLead,
    /// Read-only access.
    Observer,
    /// Runs the sessions of the named cooperation.
    Chair(String),
    /// Manages members and catalogue of the named cooperation.
    Secretariat(String),
    /// Creates cooperations.
    Operator,
}

/// A role string that is not one of the known roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {role:?}")]
pub struct RoleParseError {
    /// The offending string, shortened so that error messages stay small.
    pub role: String,
}

impl Role {
    /// The cooperation a scoped role (`chair:<id>`, `secretariat:<id>`) applies to.
    pub fn cooperation(&self) -> Option<&str> {
        match self {
            Role::Chair(c) | Role::Secretariat(c) => Some(c),
            _ => None,
        }
    }
}

/// Cooperation ids are slugs. We accept a slightly wider alphabet than a strict
/// slug (upper case, `_`, `.`) so that the auth layer never rejects an id the
/// domain layer might accept; what matters here is that the id cannot smuggle in
/// separators, whitespace or control characters.
pub(crate) fn is_valid_cooperation_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl FromStr for Role {
    type Err = RoleParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let scoped = |prefix: &str| {
            s.strip_prefix(prefix)
                .filter(|coop| is_valid_cooperation_id(coop))
                .map(str::to_owned)
        };
        match s {
            "board" => Ok(Role::Board),
            "digital_lead" => Ok(Role::DigitalLead),
            "observer" => Ok(Role::Observer),
            "operator" => Ok(Role::Operator),
            _ => {
                if let Some(coop) = scoped("chair:") {
                    Ok(Role::Chair(coop))
                } else if let Some(coop) = scoped("secretariat:") {
                    Ok(Role::Secretariat(coop))
                } else {
                    Err(RoleParseError { role: shorten(s) })
                }
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Board => f.write_str("board"),
            Role::DigitalLead => f.write_str("digital_lead"),
            Role::Observer => f.write_str("observer"),
            Role::Chair(c) => write!(f, "chair:{c}"),
            Role::Secretariat(c) => write!(f, "secretariat:{c}"),
            Role::Operator => f.write_str("operator"),
        }
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Client-supplied text echoed in an error is cut short so a hostile token cannot
/// blow up log lines or status messages.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Who is calling, as vouched for by a trusted issuer. Put into request extensions
/// by [`crate::auth::interceptor`]; read it back with [`crate::auth::principal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The subject (`sub`): the person or system at the partner municipality.
    pub sub: String,
    /// The member code the issuer vouched for, e.g. `"0101"`.
    pub municipality: String,
    /// Roles in token order, duplicates removed.
    pub roles: Vec<Role>,
    /// The issuer (`iss`) that signed the token.
    pub issuer: String,
    /// The person's display name from the token (`name` claim, or as mapped),
    /// for minutes and the console; `None` when the token carries none.
    pub name: Option<String>,
}

impl Principal {
    pub fn has_role(&self, r: &Role) -> bool {
        self.roles.contains(r)
    }

    pub fn is_chair_of(&self, coop: &str) -> bool {
        self.roles.iter().any(|r| matches!(r, Role::Chair(c) if c == coop))
    }

    pub fn is_secretariat_of(&self, coop: &str) -> bool {
        self.roles
            .iter()
            .any(|r| matches!(r, Role::Secretariat(c) if c == coop))
    }
}

/// A member code: 3–4 ASCII digits (Danish municipality codes, e.g. `"0101"`).
pub fn is_valid_municipality_code(s: &str) -> bool {
    crate::domain::model::MunicipalityCode::parse(s).is_ok()
}
