//! Printing statistics: table (for people), JSON (CONTRACT.md), CSV and Markdown. Exact
//! results and published ones (`--publish`) go through the same code: an exact result is a
//! [`PublishedResult`] in which every figure is shown.

use std::fmt::Write as _;

use super::publish::{Cell, PublishedFigures, PublishedResult};
use super::StatsResult;
use crate::i18n::Lang;

/// Output formats of `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
}

/// How to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub format: Format,
    pub lang: Lang,
    /// CSV field separator (`,` by default; `;` for Swedish spreadsheets).
    pub csv_separator: u8,
    /// Start CSV with a UTF-8 byte order mark (spreadsheets then read å, ä, ö right).
    pub bom: bool,
}

impl Options {
    pub fn new(format: Format, lang: Lang) -> Self {
        Options {
            format,
            lang,
            csv_separator: b',',
            bom: false,
        }
    }
}

/// Exact figures, in the given format.
pub fn render(r: &StatsResult, format: Format, lang: Lang) -> String {
    render_published(&PublishedResult::exact(r), Options::new(format, lang))
}

/// Any result, exact or published.
pub fn render_published(r: &PublishedResult, o: Options) -> String {
    match o.format {
        Format::Json => json(r),
        Format::Csv => csv(r, o.csv_separator, o.bom),
        Format::Table => table(r, o.lang),
        Format::Md => markdown(r, o.lang),
    }
}

fn json_cell(c: Cell) -> serde_json::Value {
    match c {
        Cell::Shown(n) => n.into(),
        _ => serde_json::Value::Null,
    }
}

/// A cell as text: grouped number, `<5`, or `..`.
pub fn cell_text(c: Cell, threshold: Option<u64>, lang: Lang) -> String {
    match c {
        Cell::Shown(n) => lang.number(n),
        Cell::Small => format!("<{}", threshold.unwrap_or(5)),
        Cell::Hidden => "..".into(),
    }
}

/// A cell as CSV: the plain number, `<5`, or `..`.
fn csv_cell(c: Cell, threshold: Option<u64>) -> String {
    match c {
        Cell::Shown(n) => n.to_string(),
        Cell::Small => format!("<{}", threshold.unwrap_or(5)),
        Cell::Hidden => "..".into(),
    }
}

/// JSON exactly as CONTRACT.md shows it; hidden figures are `null`.
pub fn json(r: &PublishedResult) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("from".into(), r.from.clone().into());
    obj.insert("to".into(), r.to.clone().into());
    obj.insert("contacts".into(), json_cell(r.totals.contacts));
    obj.insert("individuals".into(), json_cell(r.totals.individuals));
    obj.insert(
        "new_individuals".into(),
        json_cell(r.totals.new_individuals),
    );
    obj.insert(
        "unidentified_contacts".into(),
        json_cell(r.totals.unidentified_contacts),
    );
    obj.insert("field_nights".into(), r.field_nights.into());
    if r.perturbed {
        // Marked so that no one takes them for exact counts (docs/statistics.md).
        obj.insert("method".into(), "cellkey".into());
        obj.insert("perturbed".into(), true.into());
        obj.insert("totals_add_up".into(), false.into());
    }
    if !r.by.is_empty() {
        let groups: Vec<serde_json::Value> = r
            .groups
            .iter()
            .map(|g| {
                let mut o = serde_json::Map::new();
                for (d, v) in r.by.iter().zip(&g.key) {
                    o.insert(d.as_str().into(), v.clone().into());
                }
                o.insert("contacts".into(), json_cell(g.figures.contacts));
                o.insert("individuals".into(), json_cell(g.figures.individuals));
                o.insert(
                    "new_individuals".into(),
                    json_cell(g.figures.new_individuals),
                );
                if r.perturbed {
                    o.insert("perturbed".into(), true.into());
                }
                serde_json::Value::Object(o)
            })
            .collect();
        obj.insert("groups".into(), groups.into());
    }
    let mut s = serde_json::to_string(&serde_json::Value::Object(obj)).expect("JSON serialises");
    s.push('\n');
    s
}

/// CSV: one row per group (or one total row without `--by`), machine-readable names.
pub fn csv(r: &PublishedResult, separator: u8, bom: bool) -> String {
    let mut w = csv::WriterBuilder::new()
        .delimiter(separator)
        .from_writer(Vec::new());
    let th = r.threshold;
    // Without --by: one row of totals. With --by: a row per group, then a row of totals
    // whose every dimension cell is `total`; each row names the period (`from`, `to`; empty
    // for all time), so a sheet of several runs stays readable.
    let mut header: Vec<String> = r.by.iter().map(|d| d.as_str().to_string()).collect();
    header.extend(["contacts", "individuals", "new_individuals"].map(String::from));
    if r.by.is_empty() {
        header.extend(["unidentified_contacts", "field_nights", "from", "to"].map(String::from));
    } else {
        header.extend(["from", "to"].map(String::from));
    }
    let (from, to) = (
        r.from.clone().unwrap_or_default(),
        r.to.clone().unwrap_or_default(),
    );
    w.write_record(&header).expect("writing to memory");
    if r.by.is_empty() {
        let f = &r.totals;
        w.write_record([
            csv_cell(f.contacts, th),
            csv_cell(f.individuals, th),
            csv_cell(f.new_individuals, th),
            csv_cell(f.unidentified_contacts, th),
            r.field_nights.to_string(),
            r.from.clone().unwrap_or_default(),
            r.to.clone().unwrap_or_default(),
        ])
        .expect("writing to memory");
    } else {
        let mut row = |mut cells: Vec<String>, f: &crate::stats::publish::PublishedFigures| {
            cells.extend([
                csv_cell(f.contacts, th),
                csv_cell(f.individuals, th),
                csv_cell(f.new_individuals, th),
                from.clone(),
                to.clone(),
            ]);
            w.write_record(&cells).expect("writing to memory");
        };
        for g in &r.groups {
            row(g.key.clone(), &g.figures);
        }
        row(
            r.by.iter().map(|_| "total".to_string()).collect(),
            &r.totals,
        );
    }
    let body =
        String::from_utf8(w.into_inner().expect("flushing memory")).expect("CSV of UTF-8 is UTF-8");
    if bom {
        format!("\u{feff}{body}")
    } else {
        body
    }
}

fn period(r: &PublishedResult, lang: Lang) -> String {
    let t = lang.text();
    match (&r.from, &r.to) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => t.all_time.to_string(),
    }
}

fn summary_rows(r: &PublishedResult, lang: Lang) -> Vec<(&'static str, String)> {
    let t = lang.text();
    let f: &PublishedFigures = &r.totals;
    let c = |c: Cell| cell_text(c, r.threshold, lang);
    vec![
        (t.contacts, c(f.contacts)),
        (t.individuals, c(f.individuals)),
        (t.new_individuals, c(f.new_individuals)),
        (t.unidentified_contacts, c(f.unidentified_contacts)),
        (t.field_nights, lang.number(r.field_nights)),
    ]
}

fn group_table(r: &PublishedResult, lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
    let t = lang.text();
    let mut header: Vec<String> = r.by.iter().map(|d| t.dimension(*d).to_string()).collect();
    header.extend([t.contacts, t.individuals, t.new_individuals].map(String::from));
    let c = |c: Cell| cell_text(c, r.threshold, lang);
    let rows = r
        .groups
        .iter()
        .map(|g| {
            // Values as a person reads them (CSV and JSON keep their one spelling).
            let mut row: Vec<String> = g
                .key
                .iter()
                .zip(&r.by)
                .map(|(v, d)| super::value_label(*d, v, lang))
                .collect();
            row.extend([
                c(g.figures.contacts),
                c(g.figures.individuals),
                c(g.figures.new_individuals),
            ]);
            row
        })
        .collect();
    (header, rows)
}

/// What `<5` and `..` mean, for published output.
pub fn legend(r: &PublishedResult, lang: Lang) -> Option<String> {
    if r.perturbed {
        return Some(cellkey_legend(lang).to_string());
    }
    let th = r.threshold?;
    Some(match lang {
        Lang::En => format!(
            "Published under disclosure control: <{th} = a count from 1 to {}, hidden; .. = hidden so that a small count cannot be worked out from the others.",
            th - 1
        ),
        Lang::Sv => format!(
            "Publicerat med röjandeskydd: <{th} = ett antal från 1 till {}, dolt; .. = dolt för att ett litet antal inte ska kunna räknas fram ur de andra.",
            th - 1
        ),
    })
}

/// What figures perturbed by the cell key method are, in one sentence.
pub fn cellkey_legend(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Published by the cell key method: every count is moved by at most 2, the same way for the same contacts in every table, 1 and 2 are never shown, and groups need not add up to the totals.",
        Lang::Sv => "Publicerat med cellnyckelmetoden: varje antal är flyttat högst 2 steg, på samma sätt för samma kontakter i varje tabell, 1 och 2 visas aldrig, och grupperna behöver inte summera till totalerna.",
    }
}

/// Lays out rows of cells: the first `left` columns left-aligned, the rest right-aligned,
/// widths counted in characters.
pub fn aligned(header: &[String], body: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header[i])
                .chain(body.iter().map(|row| &row[i]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths[i];
                if i < left {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(header));
    let _ = writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    );
    for row in body {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}

/// Writes `label  value` lines, labels aligned left and values right.
pub fn label_value_lines(out: &mut String, rows: &[(&str, String)]) {
    let lw = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let vw = rows
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(0);
    for (l, v) in rows {
        let _ = writeln!(out, "{l:<lw$}  {v:>vw$}");
    }
}

/// An aligned plain-text table for people: text left, numbers right.
pub fn table(r: &PublishedResult, lang: Lang) -> String {
    let t = lang.text();
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", t.period, period(r, lang));
    label_value_lines(&mut out, &summary_rows(r, lang));
    if !r.by.is_empty() {
        out.push('\n');
        if r.groups.is_empty() {
            let _ = writeln!(out, "{}", t.no_contacts);
            return out;
        }
        let (header, body) = group_table(r, lang);
        out.push_str(&aligned(&header, &body, r.by.len()));
    }
    if let Some(l) = legend(r, lang) {
        let _ = write!(out, "\n{l}\n");
    }
    out
}

/// Escapes a Markdown table cell.
pub fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown: the totals as a two-column table, then the groups.
pub fn markdown(r: &PublishedResult, lang: Lang) -> String {
    let t = lang.text();
    let mut out = String::new();
    let _ = writeln!(out, "**{}:** {}\n", t.period, period(r, lang));
    let _ = writeln!(out, "| | |\n|---|---:|");
    for (l, v) in summary_rows(r, lang) {
        let _ = writeln!(out, "| {l} | {} |", md_cell(&v));
    }
    if !r.by.is_empty() {
        out.push('\n');
        let (header, body) = group_table(r, lang);
        let ncat = r.by.len();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: Vec<&str> = (0..header.len())
            .map(|i| if i < ncat { "---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        for row in body {
            let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    if let Some(l) = legend(r, lang) {
        let _ = write!(out, "\n{}\n", md_cell(&l));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::publish::PublishedGroup;
    use crate::stats::Dimension;

    fn published() -> PublishedResult {
        let f = |c, i| PublishedFigures {
            contacts: c,
            individuals: i,
            new_individuals: Cell::Shown(0),
            unidentified_contacts: Cell::Shown(0),
        };
        PublishedResult {
            from: Some("2024-01-01".into()),
            to: Some("2024-12-31".into()),
            threshold: Some(5),
            perturbed: false,
            totals: f(Cell::Shown(12_345), Cell::Shown(400)),
            field_nights: 7,
            by: vec![Dimension::Role],
            groups: vec![
                PublishedGroup {
                    key: vec!["sells".into()],
                    figures: f(Cell::Shown(12_000), Cell::Hidden),
                },
                PublishedGroup {
                    key: vec!["buys".into()],
                    figures: f(Cell::Small, Cell::Small),
                },
            ],
            margins: Vec::new(),
        }
    }

    #[test]
    fn hidden_counts_per_format() {
        let p = published();
        let json = json(&p);
        assert!(
            json.contains(r#""role":"buys","contacts":null,"individuals":null"#),
            "{json}"
        );
        let csv = csv(&p, b';', true);
        assert!(
            csv.starts_with("\u{feff}role;contacts;individuals;new_individuals;from;to\n"),
            "{csv}"
        );
        assert!(
            csv.contains("sells;12000;..;0;") && csv.contains("buys;<5;<5;0;"),
            "{csv}"
        );
        assert!(csv.lines().last().unwrap().starts_with("total;"), "{csv}");
        let sv = table(&p, Lang::Sv);
        assert!(
            sv.contains("12\u{a0}345") && sv.contains("Publicerat med röjandeskydd"),
            "{sv}"
        );
        let en = markdown(&p, Lang::En);
        assert!(
            en.contains("| buys | \\<5 | \\<5 | 0 |") || en.contains("| buys | <5 | <5 | 0 |"),
            "{en}"
        );
        assert!(en.contains("disclosure control"));
    }

    #[test]
    fn tables_align_numbers_right() {
        let t = table(&published(), Lang::En);
        let lines: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("sells") || l.starts_with("buys"))
            .collect();
        assert_eq!(lines.len(), 2);
        // The numbers end in the same column.
        let end = |l: &str, w: &str| l.find(w).map(|i| i + w.len());
        assert_eq!(end(lines[0], "12,000"), end(lines[1], "<5"));
    }
}
