//! How the CLI prints: readable tables by default, canonical protobuf JSON
//! with `--json`.

use comfy_table::{ContentArrangement, Table, presets::UTF8_BORDERS_ONLY};
use samprio_client::Timestamp;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or calls `human` to print it for people.
    pub fn show<T: serde::Serialize>(&self, value: &T, human: impl FnOnce(&T)) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            human(value);
        }
        Ok(())
    }
}

pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut t = Table::new();
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    println!("{t}");
}

/// Key/value lines for one record.
pub fn fields(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in pairs {
        println!("{k:>width$}  {v}");
    }
}

pub fn time(t: &Option<Timestamp>) -> String {
    match t {
        Some(t) => chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default(),
        None => String::new(),
    }
}

pub fn next_page(token: &str) {
    if !token.is_empty() {
        println!("(more: --page-token {token})");
    }
}

/// A short form of an enum name without its prefix: `CATEGORY_AI_USE` → `ai-use`.
pub fn enum_name(full: &str, prefix: &str) -> String {
    full.strip_prefix(prefix)
        .unwrap_or(full)
        .to_lowercase()
        .replace('_', "-")
}

/// A whole number with thousands grouped the Danish way: `2.500.000`.
pub fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(d);
    }
    out
}
