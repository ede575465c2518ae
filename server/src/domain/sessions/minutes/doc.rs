//! A small document writer: the minutes are built once as sections, facts,
//! lists and tables, then written as Markdown, HTML or (see [`super::pdf`])
//! PDF, so the formats cannot say different things.

use std::fmt::Write as _;

use super::Lang;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading (level 2; the document's title is level 1).
    Heading(String),
    /// A heading inside a section (level 3).
    Subheading(String),
    Para(String),
    /// Labelled facts: `Label: value`.
    Facts(Vec<(String, String)>),
    Bullets(Vec<String>),
    Numbered(Vec<String>),
    Table(Table),
    /// Small print, such as the provenance at the end.
    Small(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns whose cells are numbers, aligned right.
    pub numeric: Vec<bool>,
}

impl Table {
    pub fn new(head: &[&str]) -> Table {
        Table {
            head: head.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
            numeric: vec![false; head.len()],
        }
    }

    /// Marks columns as numeric (aligned right).
    pub fn numeric(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(n) = self.numeric.get_mut(c) {
                *n = true;
            }
        }
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A document: a title and its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub lang: Lang,
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn new(lang: Lang, title: impl Into<String>) -> Doc {
        Doc {
            lang,
            title: line(&title.into()),
            blocks: vec![],
        }
    }

    pub fn heading(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Heading(s.into()));
    }

    pub fn subheading(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Subheading(s.into()));
    }

    pub fn para(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Para(s.into()));
    }

    pub fn facts(&mut self, facts: Vec<(String, String)>) {
        if !facts.is_empty() {
            self.blocks.push(Block::Facts(facts));
        }
    }

    pub fn bullets(&mut self, items: Vec<String>) {
        if !items.is_empty() {
            self.blocks.push(Block::Bullets(items));
        }
    }

    pub fn numbered(&mut self, items: Vec<String>) {
        if !items.is_empty() {
            self.blocks.push(Block::Numbered(items));
        }
    }

    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }

    pub fn small(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Small(s.into()));
    }

    /// The document as Markdown (CommonMark with GFM tables). Text is put on
    /// one line per block, and characters Markdown would read as markup are
    /// escaped, so a title like `*ny* | gammel` reads as written.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# {}", md_text(&self.title));
        for b in &self.blocks {
            md.push('\n');
            match b {
                Block::Heading(s) => {
                    let _ = writeln!(md, "## {}", md_text(s));
                }
                Block::Subheading(s) => {
                    let _ = writeln!(md, "### {}", md_text(s));
                }
                Block::Para(s) => {
                    let _ = writeln!(md, "{}", md_text(s));
                }
                Block::Small(s) => {
                    let _ = writeln!(md, "*{}*", md_text(s));
                }
                Block::Facts(facts) => {
                    for (label, value) in facts {
                        let _ = writeln!(md, "- **{}:** {}", md_text(label), md_text(value));
                    }
                }
                Block::Bullets(items) => {
                    for i in items {
                        let _ = writeln!(md, "- {}", md_text(i));
                    }
                }
                Block::Numbered(items) => {
                    for (n, i) in items.iter().enumerate() {
                        let _ = writeln!(md, "{}. {}", n + 1, md_text(i));
                    }
                }
                Block::Table(t) => {
                    let cells = |row: &[String]| row.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ");
                    let _ = writeln!(md, "| {} |", cells(&t.head));
                    let rule: Vec<&str> = t.numeric.iter().map(|&n| if n { "---:" } else { "---" }).collect();
                    let _ = writeln!(md, "| {} |", rule.join(" | "));
                    for r in &t.rows {
                        let _ = writeln!(md, "| {} |", cells(r));
                    }
                }
            }
        }
        md
    }

    /// The blocks as an HTML fragment (every text escaped), for a page
    /// that supplies the surrounding document.
    pub fn html_body(&self) -> String {
        let mut h = String::new();
        let _ = writeln!(h, "<h1>{}</h1>", esc(&self.title));
        for b in &self.blocks {
            match b {
                Block::Heading(s) => {
                    let _ = writeln!(h, "<h2>{}</h2>", esc(s));
                }
                Block::Subheading(s) => {
                    let _ = writeln!(h, "<h3>{}</h3>", esc(s));
                }
                Block::Para(s) => {
                    let _ = writeln!(h, "<p>{}</p>", esc(s));
                }
                Block::Small(s) => {
                    let _ = writeln!(h, "<p class=\"provenance\"><small>{}</small></p>", esc(s));
                }
                Block::Facts(facts) => {
                    h.push_str("<dl class=\"facts\">\n");
                    for (label, value) in facts {
                        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(value));
                    }
                    h.push_str("</dl>\n");
                }
                Block::Bullets(items) => {
                    h.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(h, "<li>{}</li>", esc(i));
                    }
                    h.push_str("</ul>\n");
                }
                Block::Numbered(items) => {
                    h.push_str("<ol>\n");
                    for i in items {
                        let _ = writeln!(h, "<li>{}</li>", esc(i));
                    }
                    h.push_str("</ol>\n");
                }
                Block::Table(t) => {
                    h.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
                    for (i, c) in t.head.iter().enumerate() {
                        let _ = write!(h, "<th scope=\"col\"{}>{}</th>", num_class(t, i), esc(c));
                    }
                    h.push_str("</tr></thead>\n<tbody>\n");
                    for r in &t.rows {
                        h.push_str("<tr>");
                        for (i, c) in r.iter().enumerate() {
                            let _ = write!(h, "<td{}>{}</td>", num_class(t, i), esc(c));
                        }
                        h.push_str("</tr>\n");
                    }
                    h.push_str("</tbody>\n</table></div>\n");
                }
            }
        }
        h
    }

    /// A whole HTML document with a print stylesheet, ready to print or save.
    pub fn html(&self) -> String {
        let lang = match self.lang {
            Lang::Da => "da",
            Lang::En => "en",
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{PRINT_CSS}</style>\n</head>\n<body>\n<main class=\"minutes\">\n{}</main>\n</body>\n</html>\n",
            esc(&self.title),
            self.html_body()
        )
    }
}

/// How minutes look on screen and on paper: A4, readable type, tables
/// that do not split a row across pages.
pub const PRINT_CSS: &str = "\
.minutes { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; line-height: 1.45; color: #1a1a1a; max-width: 60rem; margin: 0 auto; padding: 1rem; }
.minutes h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
.minutes h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #767676; padding-bottom: .2rem; }
.minutes h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.minutes dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
.minutes dl.facts dt { font-weight: 600; }
.minutes dl.facts dd { margin: 0; }
.minutes .table-wrap { overflow-x: auto; }
.minutes table { border-collapse: collapse; margin: .5rem 0; width: 100%; }
.minutes th, .minutes td { border: 1px solid #767676; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.minutes th { background: #f0f0f0; }
.minutes .num { text-align: right; font-variant-numeric: tabular-nums; }
.minutes .provenance { color: #4a4a4a; margin-top: 2rem; word-break: break-all; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  .minutes { max-width: none; padding: 0; font-size: 10.5pt; }
  .minutes h2, .minutes h3 { break-after: avoid; }
  .minutes tr, .minutes dl.facts { break-inside: avoid; }
  .minutes th { background: none; }
}
";

fn num_class(t: &Table, i: usize) -> &'static str {
    if t.numeric.get(i).copied().unwrap_or(false) {
        " class=\"num\""
    } else {
        ""
    }
}

/// Text on one line: line breaks and runs of space folded into one space.
pub fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text as Markdown shows it literally: on one line, markup characters
/// escaped.
fn md_text(s: &str) -> String {
    let text = line(s);
    let mut out = String::with_capacity(text.len());
    let second = text.chars().nth(1);
    for (i, c) in text.chars().enumerate() {
        // A heading, quote or list item starts a line: `# `, `>`, `- `, `+ `.
        let starts_block = i == 0
            && match c {
                '>' => true,
                '#' => matches!(second, None | Some(' ' | '#')),
                '+' | '-' => matches!(second, None | Some(' ')),
                _ => false,
            };
        if starts_block || matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text in a table cell, where nothing is markup because a line starts.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in line(s).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text escaped for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        let mut d = Doc::new(Lang::Da, "Referat: <Møde> *1*");
        d.heading("Deltagere");
        d.facts(vec![("Formand".into(), "Anna | Holm".into())]);
        let mut t = Table::new(&["Kommune", "Vægt"]).numeric(&[1]);
        t.row(vec!["København".into(), "1.000".into()]);
        d.table(t);
        d
    }

    #[test]
    fn markdown_escapes_markup_and_aligns_numbers() {
        let md = sample().markdown();
        assert!(md.starts_with("# Referat: \\<Møde> \\*1\\*\n"), "{md}");
        assert!(md.contains("- **Formand:** Anna \\| Holm\n"), "{md}");
        assert!(
            md.contains("| Kommune | Vægt |\n| --- | ---: |\n| København | 1.000 |\n"),
            "{md}"
        );
    }

    #[test]
    fn html_escapes_every_text() {
        let html = sample().html();
        assert!(html.contains("<h1>Referat: &lt;Møde&gt; *1*</h1>"), "{html}");
        assert!(html.contains("<td class=\"num\">1.000</td>"), "{html}");
        assert!(html.contains("<html lang=\"da\">"), "{html}");
    }
}
