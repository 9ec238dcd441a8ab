//! What both renderings show, as plain rows of text: the title and period, the key
//! figures, the tables in the order of [`TABLES`](super::TABLES) and the estimate.

use super::text::{value_label, ReportText};
use super::Report;
use crate::i18n::Lang;
use crate::stats::estimate::Estimate;
use crate::stats::publish::{Cell, PublishedResult};
use crate::stats::render::cell_text;

impl Report {
    pub(super) fn totals(&self) -> &PublishedResult {
        &self.tables[0]
    }

    /// What the HTML chart shows: the months of a one-year report, otherwise the years.
    pub(super) fn chart_groups(&self) -> (&PublishedResult, bool) {
        match self.tables.get(super::TABLES.len()) {
            Some(months) => (months, true),
            None => (self.totals(), false),
        }
    }

    /// The largest published contact count of a year: the top of the text chart's scale.
    pub(super) fn chart_max(&self) -> u64 {
        Self::max_of(self.totals())
    }

    /// The largest published contact count of a table's groups (at least 1).
    pub(super) fn max_of(table: &PublishedResult) -> u64 {
        table
            .groups
            .iter()
            .filter_map(|g| g.figures.contacts.value())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    pub(super) fn cell(&self, c: Cell, lang: Lang) -> String {
        cell_text(c, Some(self.threshold), lang)
    }

    pub(super) fn title(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        match (self.period.year, &self.period.from, &self.period.to) {
            (Some(y), _, _) => format!("{} {y}", t.title_year),
            (None, Some(a), Some(b)) => format!("{}, {a} – {b}", t.title_period),
            _ => t.title_period.to_string(),
        }
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

    pub(super) fn key_rows(&self, lang: Lang) -> Vec<(String, String)> {
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

    pub(super) fn estimate_rows(&self, e: &Estimate, lang: Lang) -> Vec<(String, String)> {
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

    pub(super) fn legend(&self, lang: Lang) -> String {
        let th = self.threshold;
        match lang {
            Lang::En => format!("<{th} = from 1 to {}, hidden; .. = hidden so that a small count cannot be worked out from the others.", th - 1),
            Lang::Sv => format!("<{th} = från 1 till {}, dolt; .. = dolt för att ett litet antal inte ska kunna räknas fram ur de andra.", th - 1),
        }
    }

    pub(super) fn period_line(&self, lang: Lang) -> String {
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
    pub(super) fn sections(
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
            (5, t.concern, t.concern_intro),
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
}
