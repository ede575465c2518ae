//! A minutes document as PDF, made in-process with `pdf-writer`: A4 pages,
//! Helvetica (one of the PDF standard fonts every reader has, so nothing is
//! embedded) in WinAnsi encoding, which covers æ, ø and å, and "Side 1 af 3"
//! at the foot of every page.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::Lang;
use super::doc::{Block, Doc, Table};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_X: f32 = 50.0;
const TOP: f32 = PAGE_H - 56.0;
const BOTTOM: f32 = 64.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;
const BODY: f32 = 9.5;
const SMALL: f32 = 7.5;
const CELL_PAD: f32 = 3.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

#[derive(Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

/// One drawing operation on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        font: Font,
        gray: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![vec![]],
            y: TOP,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a layout has a page")
    }

    fn new_page(&mut self) {
        self.pages.push(vec![]);
        self.y = TOP;
    }

    /// Makes room for `h` points, on a new page when this one is full.
    fn room(&mut self, h: f32) {
        if self.y - h < BOTTOM && self.y < TOP {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, font: Font, gray: f32, text: &str) {
        let y = self.y - size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            font,
            gray,
            text: text.to_string(),
        });
    }

    /// A paragraph wrapped to `width`, starting at `x`.
    fn para(&mut self, x: f32, width: f32, size: f32, font: Font, gray: f32, text: &str) {
        for l in wrap(text, font, size, width) {
            self.room(size * 1.35);
            self.text(x, size, font, gray, &l);
            self.y -= size * 1.35;
        }
    }
}

/// Writes the document as PDF.
pub fn write(doc: &Doc) -> Vec<u8> {
    let mut l = Layout::new();
    l.para(MARGIN_X, WIDTH, 16.0, Font::Bold, 0.0, &doc.title);
    l.y -= 6.0;
    for b in &doc.blocks {
        block(&mut l, b);
    }
    render(doc, l.pages)
}

fn block(l: &mut Layout, b: &Block) {
    match b {
        Block::Heading(s) => {
            l.room(13.0 * 1.35 + 40.0);
            l.y -= 10.0;
            l.para(MARGIN_X, WIDTH, 13.0, Font::Bold, 0.0, s);
            let y = l.y + 2.0;
            l.ops().push(Op::Line {
                x1: MARGIN_X,
                y1: y,
                x2: MARGIN_X + WIDTH,
                y2: y,
            });
            l.y -= 4.0;
        }
        Block::Subheading(s) => {
            l.room(11.0 * 1.35 + 30.0);
            l.y -= 6.0;
            l.para(MARGIN_X, WIDTH, 11.0, Font::Bold, 0.0, s);
            l.y -= 2.0;
        }
        Block::Para(s) => {
            l.para(MARGIN_X, WIDTH, BODY, Font::Regular, 0.0, s);
            l.y -= 4.0;
        }
        Block::Small(s) => {
            l.y -= 4.0;
            l.para(MARGIN_X, WIDTH, SMALL, Font::Regular, 0.35, s);
            l.y -= 4.0;
        }
        Block::Facts(facts) => {
            let label_w = facts
                .iter()
                .map(|(k, _)| measure(&format!("{k}:"), Font::Bold, BODY))
                .fold(0.0, f32::max)
                .min(WIDTH * 0.35)
                + 8.0;
            for (k, v) in facts {
                let labels = wrap(&format!("{k}:"), Font::Bold, BODY, label_w - 8.0);
                let values = wrap(v, Font::Regular, BODY, WIDTH - label_w);
                let lines = labels.len().max(values.len());
                l.room(BODY * 1.35 * lines.min(4) as f32);
                for i in 0..lines {
                    l.room(BODY * 1.35);
                    if let Some(s) = labels.get(i) {
                        l.text(MARGIN_X, BODY, Font::Bold, 0.0, s);
                    }
                    if let Some(s) = values.get(i) {
                        l.text(MARGIN_X + label_w, BODY, Font::Regular, 0.0, s);
                    }
                    l.y -= BODY * 1.35;
                }
            }
            l.y -= 4.0;
        }
        Block::Bullets(items) => {
            for i in items {
                let lines = wrap(i, Font::Regular, BODY, WIDTH - 14.0);
                for (n, s) in lines.iter().enumerate() {
                    l.room(BODY * 1.35);
                    if n == 0 {
                        l.text(MARGIN_X + 2.0, BODY, Font::Regular, 0.0, "•");
                    }
                    l.text(MARGIN_X + 14.0, BODY, Font::Regular, 0.0, s);
                    l.y -= BODY * 1.35;
                }
            }
            l.y -= 4.0;
        }
        Block::Numbered(items) => {
            for (k, i) in items.iter().enumerate() {
                let lines = wrap(i, Font::Regular, BODY, WIDTH - 18.0);
                for (n, s) in lines.iter().enumerate() {
                    l.room(BODY * 1.35);
                    if n == 0 {
                        l.text(MARGIN_X, BODY, Font::Regular, 0.0, &format!("{}.", k + 1));
                    }
                    l.text(MARGIN_X + 18.0, BODY, Font::Regular, 0.0, s);
                    l.y -= BODY * 1.35;
                }
            }
            l.y -= 4.0;
        }
        Block::Table(t) => table(l, t),
    }
}

/// Column widths: each column's natural width, shrunk in proportion when
/// the table is wider than the page (a column keeps at least its longest
/// word, as far as it fits).
fn columns(t: &Table, size: f32) -> Vec<f32> {
    let n = t.head.len().max(1);
    let natural: Vec<f32> = (0..n)
        .map(|c| {
            let cells = std::iter::once(&t.head).chain(&t.rows).filter_map(|r| r.get(c));
            let font = |i: usize| if i == 0 { Font::Bold } else { Font::Regular };
            cells
                .enumerate()
                .map(|(i, s)| measure(s, font(i), size))
                .fold(0.0, f32::max)
                + 2.0 * CELL_PAD
        })
        .collect();
    let total: f32 = natural.iter().sum();
    if total <= WIDTH {
        return natural;
    }
    let min: Vec<f32> = (0..n)
        .map(|c| {
            std::iter::once(&t.head)
                .chain(&t.rows)
                .filter_map(|r| r.get(c))
                .flat_map(|s| s.split_whitespace())
                .map(|w| measure(w, Font::Bold, size))
                .fold(0.0, f32::max)
                .min(WIDTH / n as f32)
                + 2.0 * CELL_PAD
        })
        .collect();
    let min_total: f32 = min.iter().sum();
    let spare = (WIDTH - min_total).max(0.0);
    let extra_total: f32 = natural.iter().zip(&min).map(|(a, b)| a - b).sum::<f32>().max(1.0);
    natural
        .iter()
        .zip(&min)
        .map(|(a, b)| b + (a - b) * spare / extra_total)
        .collect()
}

fn table(l: &mut Layout, t: &Table) {
    let size = if t.head.len() > 6 { 7.5 } else { 8.5 };
    let lead = size * 1.3;
    let widths = columns(t, size);
    let row = |l: &mut Layout, cells: &[String], font: Font, header: bool| {
        let wrapped: Vec<Vec<String>> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| {
                wrap(
                    cells.get(c).map(String::as_str).unwrap_or(""),
                    font,
                    size,
                    w - 2.0 * CELL_PAD,
                )
            })
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = lines as f32 * lead + 2.0 * CELL_PAD;
        let top = l.y;
        if header {
            l.ops().push(Op::Fill {
                x: MARGIN_X,
                y: top - h,
                w: widths.iter().sum(),
                h,
            });
        }
        let mut x = MARGIN_X;
        for (c, w) in widths.iter().enumerate() {
            let right = t.numeric.get(c).copied().unwrap_or(false);
            for (i, s) in wrapped[c].iter().enumerate() {
                let tx = if right {
                    x + w - CELL_PAD - measure(s, font, size)
                } else {
                    x + CELL_PAD
                };
                l.ops().push(Op::Text {
                    x: tx,
                    y: top - CELL_PAD - (i as f32 + 1.0) * lead + (lead - size) * 0.5,
                    size,
                    font,
                    gray: 0.0,
                    text: s.clone(),
                });
            }
            x += w;
        }
        // Grid: the row's bottom and the column rules.
        let right_edge = MARGIN_X + widths.iter().sum::<f32>();
        l.ops().push(Op::Line {
            x1: MARGIN_X,
            y1: top - h,
            x2: right_edge,
            y2: top - h,
        });
        l.ops().push(Op::Line {
            x1: MARGIN_X,
            y1: top,
            x2: right_edge,
            y2: top,
        });
        let mut x = MARGIN_X;
        for w in widths.iter().chain(std::iter::once(&0.0)) {
            l.ops().push(Op::Line {
                x1: x,
                y1: top,
                x2: x,
                y2: top - h,
            });
            x += w;
        }
        l.y -= h;
        h
    };
    let header_height = |t: &Table| {
        widths
            .iter()
            .enumerate()
            .map(|(c, w)| {
                wrap(
                    t.head.get(c).map(String::as_str).unwrap_or(""),
                    Font::Bold,
                    size,
                    w - 2.0 * CELL_PAD,
                )
                .len()
            })
            .max()
            .unwrap_or(1) as f32
            * lead
            + 2.0 * CELL_PAD
    };
    l.room(header_height(t) + lead * 2.0 + 2.0 * CELL_PAD);
    row(l, &t.head, Font::Bold, true);
    for r in &t.rows {
        let lines = widths
            .iter()
            .enumerate()
            .map(|(c, w)| {
                wrap(
                    r.get(c).map(String::as_str).unwrap_or(""),
                    Font::Regular,
                    size,
                    w - 2.0 * CELL_PAD,
                )
                .len()
            })
            .max()
            .unwrap_or(1);
        let h = lines as f32 * lead + 2.0 * CELL_PAD;
        if l.y - h < BOTTOM {
            l.new_page();
            row(l, &t.head, Font::Bold, true);
        }
        row(l, r, Font::Regular, false);
    }
    l.y -= 8.0;
}

/// The pages as a PDF file, with the title and "Side n af m" at the foot.
fn render(doc: &Doc, pages: Vec<Vec<Op>>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 10;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr("samprio"));
    let count = pages.len();
    for (i, ops) in pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        page.finish();

        let mut c = Content::new();
        c.set_line_width(0.5);
        c.set_stroke_gray(0.45);
        for op in &ops {
            match op {
                Op::Fill { x, y, w, h } => {
                    c.set_fill_gray(0.92);
                    c.rect(*x, *y, *w, *h);
                    c.fill_nonzero();
                }
                Op::Line { x1, y1, x2, y2 } => {
                    c.move_to(*x1, *y1);
                    c.line_to(*x2, *y2);
                    c.stroke();
                }
                Op::Text { .. } => {}
            }
        }
        for op in &ops {
            if let Op::Text {
                x,
                y,
                size,
                font,
                gray,
                text,
            } = op
            {
                show(&mut c, *x, *y, *size, *font, *gray, text);
            }
        }
        let footer = match doc.lang {
            Lang::Da => format!("Side {} af {count}", i + 1),
            Lang::En => format!("Page {} of {count}", i + 1),
        };
        let title = fit(&doc.title, Font::Regular, SMALL, WIDTH * 0.7);
        show(&mut c, MARGIN_X, 36.0, SMALL, Font::Regular, 0.35, &title);
        let fx = PAGE_W - MARGIN_X - measure(&footer, Font::Regular, SMALL);
        show(&mut c, fx, 36.0, SMALL, Font::Regular, 0.35, &footer);
        let data = c.finish();
        pdf.stream(content_id, &data);
    }
    pdf.finish()
}

fn show(c: &mut Content, x: f32, y: f32, size: f32, font: Font, gray: f32, text: &str) {
    let bytes = encode(text);
    c.set_fill_gray(gray);
    c.begin_text();
    c.set_font(
        match font {
            Font::Regular => REGULAR,
            Font::Bold => BOLD,
        },
        size,
    );
    c.next_line(x, y);
    c.show(Str(&bytes));
    c.end_text();
}

/// Text cut to `width` with an ellipsis.
fn fit(s: &str, font: Font, size: f32, width: f32) -> String {
    if measure(s, font, size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for ch in s.chars() {
        if measure(&format!("{out}{ch}…"), font, size) > width {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

/// Words wrapped into lines no wider than `width`; a word wider than a line
/// is broken between characters.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if measure(&candidate, font, size) <= width {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if measure(word, font, size) <= width {
            cur = word.to_string();
        } else {
            for ch in word.chars() {
                if !cur.is_empty() && measure(&format!("{cur}{ch}"), font, size) > width {
                    lines.push(std::mem::take(&mut cur));
                }
                cur.push(ch);
            }
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Width of a text in points.
fn measure(s: &str, font: Font, size: f32) -> f32 {
    let table = match font {
        Font::Regular => &widths::REGULAR,
        Font::Bold => &widths::BOLD,
    };
    let units: u32 = encode(s)
        .iter()
        .map(|&b| u32::from(table[usize::from(b.max(32)) - 32]))
        .sum();
    units as f32 * size / 1000.0
}

/// Text in WinAnsi (Windows-1252), the encoding of the standard fonts:
/// Latin-1 plus typographic quotes, dashes, the bullet and the euro sign.
/// Anything else becomes `?`.
fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '−' => b'-',
            _ => b'?',
        })
        .collect()
}

/// Advance widths (1/1000 em) of Helvetica and Helvetica-Bold for the
/// WinAnsi codes 32–255, from Adobe's font metrics (AFM) of the two
/// standard fonts; 0 for codes WinAnsi leaves unassigned.
mod widths {
    pub const REGULAR: [u16; 224] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, //
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, //
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, //
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, //
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, //
        556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, //
        0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, //
        278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 333, 584, 333, 737, 333, //
        400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 333, 834, 834, 834, 611, //
        667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
        556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, //
        556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, //
    ];

    pub const BOLD: [u16; 224] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, //
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, //
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, //
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, //
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, //
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, //
        556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, //
        0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, //
        278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 333, 584, 333, 737, 333, //
        400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 333, 834, 834, 834, 611, //
        722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
        556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, //
        611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, //
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_are_winansi_bytes() {
        assert_eq!(
            encode("æøå ÆØÅ – “x”"),
            b"\xe6\xf8\xe5 \xc6\xd8\xc5 \x96 \x93x\x94".to_vec()
        );
        assert_eq!(encode("→"), b"?".to_vec());
    }

    #[test]
    fn long_words_are_broken_and_lines_fit() {
        let lines = wrap(&"a".repeat(200), Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 1);
        for l in lines {
            assert!(measure(&l, Font::Regular, 10.0) <= 100.0);
        }
        assert_eq!(wrap("", Font::Regular, 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn pages_are_numbered() {
        let mut d = Doc::new(Lang::Da, "Referat: Møde");
        for i in 0..200 {
            d.para(format!("Afsnit {i} om æbler, øl og ål."));
        }
        let pdf = write(&d);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count "), "a page tree");
        assert!(!text.contains("/Count 1\n"), "several pages");
    }
}
