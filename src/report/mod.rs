//! The publishable report (`uppsok report`): a summary sentence in the style of the 2009 reply
//! ("drygt 400 individer"), the key figures, contacts and individuals per year as a chart, new
//! versus returning individuals, role × gender × counterpart, contact types, referrals,
//! trafficking indicators, reports of concern (under 18), the population estimate with its interval and the method notes;
//! every count under disclosure control. Markdown or one self-contained HTML file with inline
//! SVG (no script, no network).
//!
//! [`Report::new`] is pure: it takes the exact results of one period and publishes them
//! together, so that a total hidden by one table is hidden by all (a total shown in one table
//! would otherwise undo another's protection). Rendering is separate ([`Report::markdown`],
//! [`Report::html`]).
//!
//! The files, by what they hold: this one the report and its publishing; `tables` the rows
//! both renderings show; `summary` the opening sentence; `markdown`; `html` (the page, its
//! style and escaping) with its chart in `svg`; `text` the words per language.

pub mod estimate;
mod html;
mod markdown;
mod summary;
mod svg;
mod tables;
pub mod text;

pub use html::esc;

use crate::stats::estimate::Estimate;
use crate::stats::publish::{Cell, PublishedResult};
use crate::stats::Dimension;

/// The groupings the report shows, in the order [`Report::new`] expects their results.
pub const TABLES: [&[Dimension]; 6] = [
    &[Dimension::Year],
    &[Dimension::Role, Dimension::Gender, Dimension::Counterpart],
    &[Dimension::ContactType],
    &[Dimension::Referral],
    &[Dimension::Trafficking],
    &[Dimension::Concern],
];

/// The groupings of a report of `period`: [`TABLES`], and for a report of one calendar year
/// also contacts and individuals per month, which its chart shows (one pair of bars says
/// little). Every table is published together with the others.
pub fn tables_for(one_year: bool) -> Vec<&'static [Dimension]> {
    let mut t = TABLES.to_vec();
    if one_year {
        t.push(&[Dimension::Month]);
    }
    t
}

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
    /// Published tables in the order of [`tables_for`]: [`TABLES`], then the months of a
    /// one-year report.
    pub tables: Vec<PublishedResult>,
    /// The estimate, unless withheld (`Err(true)`: too few seen once or twice; `Err(false)`:
    /// nobody identified).
    pub estimate: Result<Estimate, bool>,
    /// The log's checkpoint when the report was made (`SEQ-HEX`), printed at its end.
    pub checkpoint: Option<String>,
    /// A funder's report: the project it is of (its contacts only, no activities).
    pub project: Option<crate::domain::ProjectDetails>,
    /// The information and training activities of the period (none in a funder's report).
    /// Not about persons: shown exactly, apart from every contact figure.
    pub activities: Option<Vec<crate::domain::ActivityDetails>>,
    /// Per entry of `tables`, whether it is withheld: suppression could not publish it safely
    /// (its groups are then empty and the report says why in their place).
    pub withheld: Vec<bool>,
    /// The whole city's figures (`report --city`, several units), rather than one unit's.
    pub city: bool,
}

impl Report {
    /// Publishes the exact results (one per entry of [`tables_for`], same period) and the
    /// estimate.
    pub fn new(
        period: Period,
        generated: String,
        threshold: u64,
        tables: Vec<PublishedResult>,
        estimate: Estimate,
    ) -> Report {
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
            checkpoint: None,
            project: None,
            activities: None,
            withheld: Vec::new(),
            city: false,
        }
    }
}
