//! The publishable report (`uppsok report`): a summary sentence in the style of the 2009 reply
//! ("drygt 400 individer"), the key figures, contacts and individuals per year as a chart, new
//! versus returning individuals, role × gender × counterpart, contact types, referrals,
//! trafficking indicators, the population estimate with its interval and the method notes;
//! every count under disclosure control. Markdown or one self-contained HTML file with inline
//! SVG (no script, no network).
//!
//! [`Report::new`] is pure: it takes the exact results of one period and publishes them
//! together, so that a total hidden by one table is hidden by all (a total shown in one table
//! would otherwise undo another's protection). Rendering is separate ([`Report::markdown`],
//! [`Report::html`]).

pub mod text;

use std::fmt::Write as _;

use crate::i18n::Lang;
use crate::stats::estimate::Estimate;
use crate::stats::publish::{publish_with, Cell, HideTotals, PublishedResult};
use crate::stats::render::cell_text;
use crate::stats::{Dimension, StatsResult};
use text::{group_phrase, rounded_words, value_label, ReportText};

/// The groupings the report shows, in the order [`Report::new`] expects their results.
pub const TABLES: [&[Dimension]; 5] = [
    &[Dimension::Year],
    &[Dimension::Role, Dimension::Gender, Dimension::Counterpart],
    &[Dimension::ContactType],
    &[Dimension::Referral],
    &[Dimension::Trafficking],
];

/// What the report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Set when the report is for one calendar year.
    pub year: Option<i32>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A report, published and ready to render.
#[derive(Debug, Clone)]
pub struct Report {
    pub period: Period,
    /// The date printed as "generated" (YYYY-MM-DD).
    pub generated: String,
    pub threshold: u64,
    /// Published tables in the order of [`TABLES`].
    pub tables: Vec<PublishedResult>,
    /// The estimate, unless withheld (`Err(true)`: too few seen once or twice; `Err(false)`:
    /// nobody identified).
    pub estimate: Result<Estimate, bool>,
}

impl Report {
    /// Publishes the exact results (one per entry of [`TABLES`], same period) and the estimate.
    pub fn new(
        period: Period,
        generated: String,
        threshold: u64,
        results: &[StatsResult],
        estimate: Estimate,
    ) -> Report {
        // Publish every table; where one hides a total, hide it in all, until none changes.
        let mut hide = HideTotals::default();
        let tables = loop {
            let tables: Vec<PublishedResult> = results
                .iter()
                .map(|r| publish_with(r, threshold, hide))
                .collect();
            let all = tables.iter().fold(hide, |h, p| h.or(HideTotals::of(p)));
            if all == hide {
                break tables;
            }
            hide = all;
        };
        let t = threshold;
        let individuals_shown = tables
            .first()
            .is_some_and(|p| matches!(p.totals.individuals, Cell::Shown(_)));
        let estimate = if estimate.observed == 0 {
            Err(false)
        } else if !individuals_shown
            || (estimate.f1 > 0 && estimate.f1 < t)
            || (estimate.f2 > 0 && estimate.f2 < t)
            || {
                // Those seen on three dates or more follow by subtraction.
                let rest = estimate.observed - estimate.f1 - estimate.f2;
                rest > 0 && rest < t
            }
        {
            Err(true)
        } else {
            Ok(estimate)
        };
        Report {
            period,
            generated,
            threshold,
            tables,
            estimate,
        }
    }

    fn totals(&self) -> &PublishedResult {
        &self.tables[0]
    }

    fn cell(&self, c: Cell, lang: Lang) -> String {
        cell_text(c, Some(self.threshold), lang)
    }

    fn title(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        match (self.period.year, &self.period.from, &self.period.to) {
            (Some(y), _, _) => format!("{} {y}", t.title_year),
            (None, Some(a), Some(b)) => format!("{}, {a} – {b}", t.title_period),
            _ => t.title_period.to_string(),
        }
    }

    /// The summary in the style of the seed: "Sedan 2004 har enheten haft kontakt med drygt
    /// 400 individer; de flesta var kvinnor som sålde sex till män." Only shown figures are
    /// used, in rounded words.
    pub fn summary(&self, lang: Lang) -> String {
        let tot = &self.totals().totals;
        let words = |c: Cell| match c {
            Cell::Shown(n) => Some(rounded_words(n, self.threshold, lang)),
            Cell::Small => Some(rounded_words(1, self.threshold, lang)),
            Cell::Hidden => None,
        };
        let Some(from) = &self.period.from else {
            return ReportText::of(lang).nothing.to_string();
        };
        if tot.contacts == Cell::Shown(0) {
            return ReportText::of(lang).nothing.to_string();
        }
        let since = &from[..4];
        let mut s = match (lang, self.period.year) {
            (Lang::Sv, Some(y)) => format!("Under {y} hade enheten"),
            (Lang::Sv, None) => format!("Sedan {since} har enheten haft"),
            (Lang::En, Some(y)) => format!("In {y} the unit had"),
            (Lang::En, None) => format!("Since {since} the unit has had"),
        };
        match (words(tot.contacts), lang) {
            (Some(c), Lang::Sv) => write!(s, " {c} kontakter med"),
            (Some(c), Lang::En) => write!(s, " {c} contacts with"),
            (None, Lang::Sv) => write!(s, " kontakt med"),
            (None, Lang::En) => write!(s, " contact with"),
        }
        .expect("writing to a string");
        match (words(tot.individuals), lang) {
            (Some(i), Lang::Sv) => write!(s, " {i} individer"),
            (Some(i), Lang::En) => write!(s, " {i} individuals"),
            (None, Lang::Sv) => write!(s, " ett antal individer"),
            (None, Lang::En) => write!(s, " a number of individuals"),
        }
        .expect("writing to a string");
        if let (Some(nw), Cell::Shown(_)) = (words(tot.new_individuals), tot.individuals) {
            match lang {
                Lang::Sv => write!(s, ", varav {nw} nya"),
                Lang::En => write!(s, ", {nw} of them new"),
            }
            .expect("writing to a string");
        }
        // The largest role × gender × counterpart group, when it is shown and named naturally.
        if let (Some(who), Cell::Shown(total)) = (self.tables.get(1), tot.individuals) {
            let largest = who
                .groups
                .iter()
                .filter_map(|g| g.figures.individuals.value().map(|v| (v, g)))
                .max_by_key(|(v, _)| *v);
            if let Some((v, g)) = largest {
                if v >= self.threshold {
                    if let Some(p) = group_phrase(&g.key[0], &g.key[1], &g.key[2], lang) {
                        let most = 2 * v > total;
                        let lead = match (lang, most) {
                            (Lang::Sv, true) => "de flesta var",
                            (Lang::Sv, false) => "den största gruppen var",
                            (Lang::En, true) => "most were",
                            (Lang::En, false) => "the largest group were",
                        };
                        write!(s, "; {lead} {p}").expect("writing to a string");
                    }
                }
            }
        }
        s.push('.');
        s
    }

    /// Rows of one grouped table: the value labels, then contacts and individuals.
    fn rows(&self, p: &PublishedResult, lang: Lang) -> Vec<Vec<String>> {
        p.groups
            .iter()
            .map(|g| {
                let mut row: Vec<String> =
                    p.by.iter()
                        .zip(&g.key)
                        .map(|(d, v)| value_label(*d, v, lang))
                        .collect();
                row.push(self.cell(g.figures.contacts, lang));
                row.push(self.cell(g.figures.individuals, lang));
                row
            })
            .collect()
    }

    /// The per-year rows: year, contacts, individuals, new, returning.
    fn year_rows(&self, lang: Lang) -> Vec<Vec<String>> {
        self.totals()
            .groups
            .iter()
            .map(|g| {
                let f = &g.figures;
                let returning = match (f.individuals, f.new_individuals) {
                    (Cell::Shown(i), Cell::Shown(n)) => Cell::Shown(i.saturating_sub(n)),
                    _ => Cell::Hidden,
                };
                vec![
                    g.key[0].clone(),
                    self.cell(f.contacts, lang),
                    self.cell(f.individuals, lang),
                    self.cell(f.new_individuals, lang),
                    self.cell(returning, lang),
                ]
            })
            .collect()
    }

    fn key_rows(&self, lang: Lang) -> Vec<(String, String)> {
        let l = lang.text();
        let p = self.totals();
        let f = &p.totals;
        vec![
            (l.contacts.into(), self.cell(f.contacts, lang)),
            (l.individuals.into(), self.cell(f.individuals, lang)),
            (l.new_individuals.into(), self.cell(f.new_individuals, lang)),
            (
                l.unidentified_contacts.into(),
                self.cell(f.unidentified_contacts, lang),
            ),
            (l.field_nights.into(), lang.number(p.field_nights)),
        ]
    }

    fn estimate_rows(&self, e: &Estimate, lang: Lang) -> Vec<(String, String)> {
        let t = ReportText::of(lang);
        let whole = |x: f64| lang.number(x.round().max(0.0) as u64);
        vec![
            (t.observed.into(), lang.number(e.observed)),
            (t.f1.into(), lang.number(e.f1)),
            (t.f2.into(), lang.number(e.f2)),
            (t.estimate.into(), whole(e.estimate)),
            (
                t.ci95.into(),
                format!("{} – {}", whole(e.ci95.0), whole(e.ci95.1)),
            ),
        ]
    }

    fn legend(&self, lang: Lang) -> String {
        let th = self.threshold;
        match lang {
            Lang::En => format!("<{th} = from 1 to {}, hidden; .. = hidden so that a small count cannot be worked out from the others.", th - 1),
            Lang::Sv => format!("<{th} = från 1 till {}, dolt; .. = dolt för att ett litet antal inte ska kunna räknas fram ur de andra.", th - 1),
        }
    }

    fn period_line(&self, lang: Lang) -> String {
        let l = lang.text();
        let t = ReportText::of(lang);
        let p = match (&self.period.from, &self.period.to) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => l.all_time.to_string(),
        };
        format!("{}: {p}. {} {}.", l.period, t.generated, self.generated)
    }

    /// The sections after the summary, each as (heading, intro, header, rows, left columns).
    #[allow(clippy::type_complexity)]
    fn sections(
        &self,
        lang: Lang,
    ) -> Vec<(String, &'static str, Vec<String>, Vec<Vec<String>>, usize)> {
        let l = lang.text();
        let t = ReportText::of(lang);
        let mut out = Vec::new();
        out.push((
            t.per_year.to_string(),
            t.per_year_intro,
            vec![
                l.year.to_string(),
                l.contacts.to_string(),
                l.individuals.to_string(),
                l.new_individuals.to_string(),
                t.returning.to_string(),
            ],
            self.year_rows(lang),
            1,
        ));
        let named = [
            (1, t.who, t.who_intro),
            (2, t.contact_types, ""),
            (3, t.referrals, t.referrals_intro),
            (4, t.trafficking, t.trafficking_intro),
        ];
        for (i, heading, intro) in named {
            let p = &self.tables[i];
            let mut header: Vec<String> =
                p.by.iter().map(|d| l.dimension(*d).to_string()).collect();
            header.push(l.contacts.to_string());
            header.push(l.individuals.to_string());
            out.push((
                heading.to_string(),
                intro,
                header,
                self.rows(p, lang),
                p.by.len(),
            ));
        }
        out
    }

    /// The report as Markdown, with a text bar chart.
    pub fn markdown(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        let mut o = String::new();
        let _ = writeln!(o, "# {}\n", self.title(lang));
        let _ = writeln!(o, "{}\n", self.period_line(lang));
        let _ = writeln!(o, "## {}\n\n{}\n", t.summary, self.summary(lang));
        let _ = writeln!(o, "## {}\n", t.key_figures);
        md_pairs(&mut o, &self.key_rows(lang));
        for (k, (heading, intro, header, rows, left)) in self.sections(lang).into_iter().enumerate()
        {
            let _ = writeln!(o, "\n## {heading}\n");
            if !intro.is_empty() {
                let _ = writeln!(o, "{intro}\n");
            }
            if rows.is_empty() {
                let _ = writeln!(o, "{}", t.nothing);
                continue;
            }
            md_table(&mut o, &header, &rows, left);
            if k == 0 {
                let _ = writeln!(o, "\n```text\n{}```", self.text_chart(lang));
            }
        }
        let _ = writeln!(o, "\n## {}\n", t.estimate_heading);
        match &self.estimate {
            Ok(e) => {
                md_pairs(&mut o, &self.estimate_rows(e, lang));
                let _ = writeln!(o, "\n{}", t.estimate_sentence(e, lang));
            }
            Err(true) => {
                let _ = writeln!(o, "{}", t.estimate_withheld);
            }
            Err(false) => {
                let _ = writeln!(o, "{}", t.estimate_empty);
            }
        }
        let _ = writeln!(o, "\n## {}\n", t.method);
        for n in t.method_notes {
            let _ = writeln!(o, "- {}", n.replace("<N", &format!("<{}", self.threshold)));
        }
        let _ = writeln!(o, "- {}", self.legend(lang));
        o
    }

    /// Contacts and individuals per year as text bars (for Markdown).
    fn text_chart(&self, lang: Lang) -> String {
        let l = lang.text();
        let groups = &self.totals().groups;
        let max = groups
            .iter()
            .filter_map(|g| g.figures.contacts.value())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut o = String::new();
        let lw = l
            .contacts
            .chars()
            .count()
            .max(l.individuals.chars().count());
        for g in groups {
            for (label, c, ch) in [
                (l.contacts, g.figures.contacts, '█'),
                (l.individuals, g.figures.individuals, '▒'),
            ] {
                let bar = match c {
                    Cell::Shown(v) => ch.to_string().repeat(((v * 40).div_ceil(max)) as usize),
                    _ => String::new(),
                };
                let _ = writeln!(
                    o,
                    "{}  {label:<lw$}  {bar} {}",
                    g.key[0],
                    self.cell(c, lang)
                );
            }
        }
        o
    }

    /// The report as one self-contained HTML page: inline style and SVG, no script, no
    /// external resource.
    pub fn html(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        let code = match lang {
            Lang::En => "en",
            Lang::Sv => "sv",
        };
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<!DOCTYPE html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>",
            esc(&self.title(lang)),
            STYLE
        );
        let _ = writeln!(o, "<h1>{}</h1>", esc(&self.title(lang)));
        let _ = writeln!(
            o,
            "<p class=\"period\">{}</p>",
            esc(&self.period_line(lang))
        );
        let _ = writeln!(
            o,
            "<h2>{}</h2>\n<p class=\"summary\">{}</p>",
            esc(t.summary),
            esc(&self.summary(lang))
        );
        let _ = writeln!(o, "<h2>{}</h2>", esc(t.key_figures));
        html_pairs(&mut o, &self.key_rows(lang));
        for (k, (heading, intro, header, rows, left)) in self.sections(lang).into_iter().enumerate()
        {
            let _ = writeln!(o, "<h2>{}</h2>", esc(&heading));
            if !intro.is_empty() {
                let _ = writeln!(o, "<p>{}</p>", esc(intro));
            }
            if rows.is_empty() {
                let _ = writeln!(o, "<p>{}</p>", esc(t.nothing));
                continue;
            }
            if k == 0 {
                o.push_str(&self.svg_chart(lang));
            }
            html_table(&mut o, &header, &rows, left);
        }
        let _ = writeln!(o, "<h2>{}</h2>", esc(t.estimate_heading));
        match &self.estimate {
            Ok(e) => {
                html_pairs(&mut o, &self.estimate_rows(e, lang));
                let _ = writeln!(o, "<p>{}</p>", esc(&t.estimate_sentence(e, lang)));
            }
            Err(true) => {
                let _ = writeln!(o, "<p>{}</p>", esc(t.estimate_withheld));
            }
            Err(false) => {
                let _ = writeln!(o, "<p>{}</p>", esc(t.estimate_empty));
            }
        }
        let _ = writeln!(o, "<h2>{}</h2>\n<ul>", esc(t.method));
        for n in t.method_notes {
            let _ = writeln!(
                o,
                "<li>{}</li>",
                esc(&n.replace("<N", &format!("<{}", self.threshold)))
            );
        }
        let _ = writeln!(
            o,
            "<li>{}</li>\n</ul>\n</body>\n</html>",
            esc(&self.legend(lang))
        );
        o
    }

    /// Contacts and individuals per year as an SVG bar chart; hidden counts get no bar, only
    /// their mark.
    fn svg_chart(&self, lang: Lang) -> String {
        let l = lang.text();
        let t = ReportText::of(lang);
        let groups = &self.totals().groups;
        let max = groups
            .iter()
            .filter_map(|g| g.figures.contacts.value())
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = 36u64;
        let (left, top, height) = (48u64, 28u64, 180u64);
        let width = left + slot * groups.len() as u64 + 16;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"{}\">",
            top + height + 40,
            top + height + 40,
            esc(t.chart_title)
        );
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>",
            top + height,
            width - 8,
            top + height
        );
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            left - 4,
            top + 4,
            esc(&lang.number(max))
        );
        for (i, g) in groups.iter().enumerate() {
            let x = left + slot * i as u64 + 4;
            for (j, (c, class)) in [
                (g.figures.contacts, "contacts"),
                (g.figures.individuals, "individuals"),
            ]
            .into_iter()
            .enumerate()
            {
                let bx = x + 14 * j as u64;
                match c {
                    Cell::Shown(v) => {
                        let h = (v * height).div_ceil(max);
                        let _ = writeln!(
                            o,
                            "<rect x=\"{bx}\" y=\"{}\" width=\"12\" height=\"{h}\" class=\"{class}\"><title>{} {}: {}</title></rect>",
                            top + height - h,
                            esc(&g.key[0]),
                            esc(if j == 0 { l.contacts } else { l.individuals }),
                            esc(&lang.number(v))
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            o,
                            "<text x=\"{}\" y=\"{}\" class=\"mark\" text-anchor=\"middle\">{}</text>",
                            bx + 6,
                            top + height - 4,
                            esc(&self.cell(c, lang))
                        );
                    }
                }
            }
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\" transform=\"rotate(-45 {} {})\">{}</text>",
                x + 13,
                top + height + 16,
                x + 13,
                top + height + 16,
                esc(&g.key[0])
            );
        }
        let _ = writeln!(
            o,
            "<rect x=\"{left}\" y=\"6\" width=\"10\" height=\"10\" class=\"contacts\"/><text x=\"{}\" y=\"15\" class=\"tick\">{}</text>",
            left + 14,
            esc(l.contacts)
        );
        let _ = writeln!(
            o,
            "<rect x=\"{}\" y=\"6\" width=\"10\" height=\"10\" class=\"individuals\"/><text x=\"{}\" y=\"15\" class=\"tick\">{}</text>",
            left + 120,
            left + 134,
            esc(l.individuals)
        );
        let _ = writeln!(
            o,
            "</svg>\n<figcaption>{}</figcaption>\n</figure>",
            esc(t.chart_title)
        );
        o
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .7rem;border-bottom:1px solid #e3e3e3}
th{text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.summary{font-size:1.1rem}.period{color:#555}
svg .contacts{fill:#2b6cb0}svg .individuals{fill:#dd6b20}svg .axis{stroke:#888}
svg .tick,svg .mark{font-size:11px;fill:#333}
@media print{body{margin:0}}
";

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "\\<")
}

fn md_pairs(o: &mut String, rows: &[(String, String)]) {
    let _ = writeln!(o, "| | |\n|---|---:|");
    for (l, v) in rows {
        let _ = writeln!(o, "| {} | {} |", md_escape(l), md_escape(v));
    }
}

fn md_table(o: &mut String, header: &[String], rows: &[Vec<String>], left: usize) {
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let align: Vec<&str> = (0..header.len())
        .map(|i| if i < left { "---" } else { "---:" })
        .collect();
    let _ = writeln!(o, "|{}|", align.join("|"));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
}

fn html_pairs(o: &mut String, rows: &[(String, String)]) {
    let _ = writeln!(o, "<table>");
    for (l, v) in rows {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
            esc(l),
            esc(v)
        );
    }
    let _ = writeln!(o, "</table>");
}

fn html_table(o: &mut String, header: &[String], rows: &[Vec<String>], left: usize) {
    let class = |i: usize| if i < left { "" } else { " class=\"n\"" };
    let _ = write!(o, "<table>\n<thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let _ = write!(o, "<th{}>{}</th>", class(i), esc(h));
    }
    let _ = writeln!(o, "</tr></thead>\n<tbody>");
    for r in rows {
        let _ = write!(o, "<tr>");
        for (i, c) in r.iter().enumerate() {
            let _ = write!(o, "<td{}>{}</td>", class(i), esc(c));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody>\n</table>");
}
