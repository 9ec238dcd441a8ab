//! Printing a [`StatsResult`]: table (for people), JSON (CONTRACT.md), CSV and Markdown.

use std::fmt::Write as _;

use super::{Figures, StatsResult};
use crate::i18n::Lang;

/// Output formats of `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
}

pub fn render(r: &StatsResult, format: Format, lang: Lang) -> String {
    match format {
        Format::Json => json(r),
        Format::Csv => csv(r),
        Format::Table => table(r, lang),
        Format::Md => markdown(r, lang),
    }
}

/// JSON exactly as CONTRACT.md shows it.
pub fn json(r: &StatsResult) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("from".into(), r.from.clone().into());
    obj.insert("to".into(), r.to.clone().into());
    obj.insert("contacts".into(), r.totals.contacts.into());
    obj.insert("individuals".into(), r.totals.individuals.into());
    obj.insert("new_individuals".into(), r.totals.new_individuals.into());
    obj.insert(
        "unidentified_contacts".into(),
        r.totals.unidentified_contacts.into(),
    );
    obj.insert("field_nights".into(), r.field_nights.into());
    if !r.by.is_empty() {
        let groups: Vec<serde_json::Value> = r
            .groups
            .iter()
            .map(|g| {
                let mut o = serde_json::Map::new();
                for (d, v) in r.by.iter().zip(&g.key) {
                    o.insert(d.as_str().into(), v.clone().into());
                }
                o.insert("contacts".into(), g.figures.contacts.into());
                o.insert("individuals".into(), g.figures.individuals.into());
                o.insert("new_individuals".into(), g.figures.new_individuals.into());
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
pub fn csv(r: &StatsResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = r.by.iter().map(|d| d.as_str().to_string()).collect();
    header.extend(["contacts", "individuals", "new_individuals"].map(String::from));
    if r.by.is_empty() {
        header.extend(["unidentified_contacts", "field_nights", "from", "to"].map(String::from));
    }
    w.write_record(&header).expect("writing to memory");
    if r.by.is_empty() {
        let f = &r.totals;
        w.write_record([
            f.contacts.to_string(),
            f.individuals.to_string(),
            f.new_individuals.to_string(),
            f.unidentified_contacts.to_string(),
            r.field_nights.to_string(),
            r.from.clone().unwrap_or_default(),
            r.to.clone().unwrap_or_default(),
        ])
        .expect("writing to memory");
    } else {
        for g in &r.groups {
            let mut row = g.key.clone();
            row.extend([
                g.figures.contacts.to_string(),
                g.figures.individuals.to_string(),
                g.figures.new_individuals.to_string(),
            ]);
            w.write_record(&row).expect("writing to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("flushing memory")).expect("CSV of UTF-8 is UTF-8")
}

fn period(r: &StatsResult, lang: Lang) -> String {
    let t = lang.text();
    match (&r.from, &r.to) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => t.all_time.to_string(),
    }
}

fn summary_rows(r: &StatsResult, lang: Lang) -> Vec<(&'static str, String)> {
    let t = lang.text();
    let f: &Figures = &r.totals;
    vec![
        (t.contacts, lang.number(f.contacts)),
        (t.individuals, lang.number(f.individuals)),
        (t.new_individuals, lang.number(f.new_individuals)),
        (
            t.unidentified_contacts,
            lang.number(f.unidentified_contacts),
        ),
        (t.field_nights, lang.number(r.field_nights)),
    ]
}

fn group_table(r: &StatsResult, lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
    let t = lang.text();
    let mut header: Vec<String> = r.by.iter().map(|d| t.dimension(*d).to_string()).collect();
    header.extend([t.contacts, t.individuals, t.new_individuals].map(String::from));
    let rows = r
        .groups
        .iter()
        .map(|g| {
            let mut row = g.key.clone();
            row.extend([
                lang.number(g.figures.contacts),
                lang.number(g.figures.individuals),
                lang.number(g.figures.new_individuals),
            ]);
            row
        })
        .collect();
    (header, rows)
}

/// An aligned plain-text table for people: text left, numbers right.
pub fn table(r: &StatsResult, lang: Lang) -> String {
    let t = lang.text();
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", t.period, period(r, lang));
    let rows = summary_rows(r, lang);
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
    for (l, v) in &rows {
        let _ = writeln!(out, "{l:<lw$}  {v:>vw$}");
    }
    if !r.by.is_empty() {
        out.push('\n');
        if r.groups.is_empty() {
            let _ = writeln!(out, "{}", t.no_contacts);
            return out;
        }
        let (header, body) = group_table(r, lang);
        let ncat = r.by.len();
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
                    if i < ncat {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&header));
        let _ = writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        );
        for row in &body {
            let _ = writeln!(out, "{}", line(row));
        }
    }
    out
}

/// Markdown: the totals as a two-column table, then the groups.
pub fn markdown(r: &StatsResult, lang: Lang) -> String {
    let t = lang.text();
    let mut out = String::new();
    let _ = writeln!(out, "**{}:** {}\n", t.period, period(r, lang));
    let _ = writeln!(out, "| | |\n|---|---:|");
    for (l, v) in summary_rows(r, lang) {
        let _ = writeln!(out, "| {l} | {v} |");
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
            let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out
}
