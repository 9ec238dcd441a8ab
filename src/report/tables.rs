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
        if let Some(p) = &self.project {
            let period = match (&self.period.from, &self.period.to) {
                (Some(a), Some(b)) => format!(", {a} – {b}"),
                _ => String::new(),
            };
            return format!(
                "{} {} ({} {}){period}",
                t.title_project, p.name, t.funded_by, p.funder
            );
        }
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

    /// Whether the tables were published by the cell key method.
    pub(super) fn perturbed(&self) -> bool {
        self.tables.first().is_some_and(|t| t.perturbed)
    }

    /// The method notes, the second one (disclosure control) for the method used.
    pub(super) fn method_notes(&self, lang: Lang) -> Vec<String> {
        let t = super::text::ReportText::of(lang);
        t.method_notes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if i == 1 && self.perturbed() {
                    t.cellkey_note.to_string()
                } else {
                    n.replace("<N", &format!("<{}", self.threshold))
                }
            })
            .collect()
    }

    pub(super) fn legend(&self, lang: Lang) -> String {
        if self.perturbed() {
            return crate::stats::render::cellkey_legend(lang).to_string();
        }
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

    /// The sections after the summary, each as (heading, intro, header, rows, left columns,
    /// what to say when it has no rows).
    pub(super) fn sections(&self, lang: Lang) -> Vec<Section> {
        let l = lang.text();
        let t = ReportText::of(lang);
        let mut out = Vec::new();
        out.push((
            t.per_year.to_string(),
            t.per_year_intro.to_string(),
            vec![
                l.year.to_string(),
                l.contacts.to_string(),
                l.individuals.to_string(),
                l.new_individuals.to_string(),
                t.returning.to_string(),
            ],
            self.year_rows(lang),
            1,
            if self.withheld.first().copied().unwrap_or(false) {
                t.withheld
            } else {
                t.nothing
            },
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
            let withheld = self.withheld.get(i).copied().unwrap_or(false);
            // Withheld: nothing in its place, or a coarser table that passed, said so.
            let instead = withheld && !p.by.is_empty() && p.by.len() < super::TABLES[i].len();
            let intro = if instead {
                let by: Vec<&str> = p.by.iter().map(|d| l.dimension(*d)).collect();
                let note = t
                    .withheld_instead
                    .replace("{by}", &by.join(" × ").to_lowercase());
                format!("{intro} {note}").trim_start().to_string()
            } else {
                intro.to_string()
            };
            let mut header: Vec<String> =
                p.by.iter().map(|d| l.dimension(*d).to_string()).collect();
            header.push(l.contacts.to_string());
            header.push(l.individuals.to_string());
            out.push((
                heading.to_string(),
                intro,
                header,
                if withheld && !instead {
                    Vec::new()
                } else {
                    self.rows(p, lang)
                },
                p.by.len(),
                if withheld && !instead {
                    t.withheld
                } else {
                    t.nothing
                },
            ));
        }
        if let Some(activities) = &self.activities {
            out.extend(activity_sections(activities, lang));
        }
        out
    }
}

/// The activities by kind and by audience: how many, and how many took part, each with a
/// total row. Exact: activities are not about the persons the unit meets.
/// A section of the report: heading, intro, header, rows, left-aligned columns, and what is
/// said instead of an empty table.
pub(super) type Section = (
    String,
    String,
    Vec<String>,
    Vec<Vec<String>>,
    usize,
    &'static str,
);

fn activity_sections(activities: &[crate::domain::ActivityDetails], lang: Lang) -> Vec<Section> {
    use crate::domain::{ActivityDetails, ActivityKind, Audience};
    let t = ReportText::of(lang);
    let header = |first: &str| {
        vec![
            first.to_string(),
            t.activities.to_string(),
            t.participants.to_string(),
        ]
    };
    if activities.is_empty() {
        return vec![(
            t.activities_heading.to_string(),
            t.activities_intro.to_string(),
            header(t.kind),
            Vec::new(),
            1,
            t.no_activities,
        )];
    }
    let participants = |these: &mut dyn Iterator<Item = &ActivityDetails>| -> (u64, u64) {
        these.fold((0, 0), |(n, p), a| (n + 1, p + u64::from(a.participants)))
    };
    let total = {
        let (n, p) = participants(&mut activities.iter());
        vec![t.total.to_string(), lang.number(n), lang.number(p)]
    };
    // One row per value that has activities, in the values' order, then the total.
    fn rows<K: Copy + PartialEq>(
        activities: &[ActivityDetails],
        all: &[K],
        of: fn(&ActivityDetails) -> K,
        label: fn(K, Lang) -> &'static str,
        lang: Lang,
        total: &[String],
    ) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = all
            .iter()
            .filter_map(|&k| {
                let these = activities.iter().filter(|a| of(a) == k);
                let (n, p) = these.fold((0u64, 0u64), |(n, p), a| {
                    (n + 1, p + u64::from(a.participants))
                });
                (n > 0).then(|| vec![label(k, lang).to_string(), lang.number(n), lang.number(p)])
            })
            .collect();
        out.push(total.to_vec());
        out
    }
    vec![
        (
            t.activities_by_kind.to_string(),
            t.activities_intro.to_string(),
            header(t.kind),
            rows(
                activities,
                ActivityKind::ALL,
                |a| a.kind,
                ActivityKind::label,
                lang,
                &total,
            ),
            1,
            t.no_activities,
        ),
        (
            t.activities_by_audience.to_string(),
            String::new(),
            header(t.audience),
            rows(
                activities,
                Audience::ALL,
                |a| a.audience,
                Audience::label,
                lang,
                &total,
            ),
            1,
            t.no_activities,
        ),
    ]
}
