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

/// The widest a table is printed: a terminal's width if it is narrower.
pub const MAX_WIDTH: usize = 100;

/// Prints a table no wider than [`MAX_WIDTH`]. Columns headed "title" give
/// way first: titles longer than the room left are cut with an ellipsis;
/// other cells wrap if the table is still too wide.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut t = Table::new();
    let width = t.width().map_or(MAX_WIDTH, usize::from).min(MAX_WIDTH);
    let rows = cut_titles(header, rows, width);
    t.load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width as u16)
        .set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    println!("{t}");
}

/// The narrowest a title is cut to, however many other columns there are.
const MIN_TITLE: usize = 16;

/// Cuts the cells of the "title" columns so that the table, at its natural
/// width, fits `width`.
fn cut_titles(header: &[&str], mut rows: Vec<Vec<String>>, width: usize) -> Vec<Vec<String>> {
    let titles: Vec<usize> = (0..header.len()).filter(|&i| header[i] == "title").collect();
    if titles.is_empty() {
        return rows;
    }
    let chars = |s: &str| s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let natural = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| chars(c))
            .chain([chars(header[i])])
            .max()
            .unwrap_or(0)
    };
    // UTF8_BORDERS_ONLY: "│ " and " │" at the edges, three spaces between columns.
    let frame = 3 * header.len() + 1;
    let others: usize = (0..header.len()).filter(|i| !titles.contains(i)).map(natural).sum();
    let room = (width.saturating_sub(frame + others) / titles.len()).max(MIN_TITLE);
    for r in &mut rows {
        for &i in &titles {
            if let Some(c) = r.get_mut(i) {
                *c = ellipsis(c, room);
            }
        }
    }
    rows
}

/// `s` in at most `max` characters, cut with "…" if longer.
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
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

/// A signed whole number grouped like [`number`].
pub fn signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", number(n.unsigned_abs()))
    } else {
        number(n as u64)
    }
}

/// An amount of Danish kroner: `2.500.000 kr.`.
pub fn kroner(n: i64) -> String {
    format!("{} kr.", signed(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_cut_to_fit() {
        let long = "x".repeat(150);
        let rows = cut_titles(
            &["#", "title", "yes"],
            vec![vec!["1".into(), long, "660.000".into()]],
            100,
        );
        let title = &rows[0][1];
        assert!(title.ends_with('…'), "{title}");
        // 3 columns: frame 10; "#" 1, "yes" 7; the title gets the rest.
        assert_eq!(title.chars().count(), 100 - 10 - 1 - 7);
        assert_eq!(ellipsis("Booking", 7), "Booking");
        assert_eq!(ellipsis("Digital post", 9), "Digital…");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(660_000), "660.000");
        assert_eq!(signed(671_714), "671.714");
        assert_eq!(signed(6_025_511), "6.025.511");
        assert_eq!(signed(999), "999");
        assert_eq!(signed(0), "0");
        assert_eq!(signed(-2_500_000), "-2.500.000");
        assert_eq!(kroner(400), "400 kr.");
    }
}
