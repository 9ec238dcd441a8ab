//! The statistics screen's state, without drawing: period, `--by` dimensions and filters chosen
//! from lists, the cached result, and the published (disclosure-controlled) view of it. The
//! figures are computed through the vault's statistics door (`Vault::stats`, as `uppsok stats`
//! computes them) when the user asks (Enter), never per key; switching to the published view
//! applies the pure `publish` to the cached result.

use crate::domain::Lists;
use std::collections::BTreeMap;

use chrono::Datelike;

use crate::domain::{
    AgeBand, ConcernReport, ContactType, Counterpart, Date, Gender, Referral, Role,
};
use crate::stats::publish::{
    as_asked, publish_checked, PublishedResult, DEFAULT_THRESHOLD, MAX_PUBLISHED_DIMENSIONS,
};
use crate::stats::{Dimension, Filter, Query, StatsResult};

/// Which row of the screen has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Period,
    By,
    Filter,
    Table,
}

/// A period to choose: all time, or one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    AllTime,
    Year(i32),
}

/// The dimensions a filter can be set on: every dimension but the time ones (the period
/// chooses those) and the unit (the interface shows the signed-in user's unit; the city's
/// figures are `stats --city`). Derived from `Dimension::ALL`, so a new dimension is offered
/// at once.
pub fn filter_dimensions() -> &'static [Dimension] {
    static DIMS: std::sync::LazyLock<Vec<Dimension>> = std::sync::LazyLock::new(|| {
        by_dimensions()
            .iter()
            .copied()
            .filter(|d| !d.is_time())
            .collect()
    });
    &DIMS
}

/// The dimensions a table can be grouped by in the interface: every one but the unit.
pub fn by_dimensions() -> &'static [Dimension] {
    static DIMS: std::sync::LazyLock<Vec<Dimension>> = std::sync::LazyLock::new(|| {
        Dimension::ALL
            .into_iter()
            .filter(|d| *d != Dimension::Unit)
            .collect()
    });
    &DIMS
}

/// The values of a filter dimension.
pub fn values_of(d: Dimension, lists: Lists<'_>) -> Vec<String> {
    fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| f(*v).to_string()).collect()
    }
    match d {
        Dimension::Role => names(Role::ALL, Role::as_str),
        Dimension::Gender => names(Gender::ALL, Gender::as_str),
        Dimension::AgeBand => names(AgeBand::ALL, AgeBand::as_str),
        Dimension::Counterpart => names(Counterpart::ALL, Counterpart::as_str),
        Dimension::ContactType => names(ContactType::ALL, ContactType::as_str),
        Dimension::Referral => {
            let mut v = names(Referral::ALL, Referral::as_str);
            v.push("none".into());
            v
        }
        Dimension::Trafficking => vec!["yes".into(), "no".into()],
        Dimension::Concern => {
            let mut v = names(ConcernReport::ALL, ConcernReport::as_str);
            v.push("none".into());
            v
        }
        Dimension::District => lists
            .districts
            .all()
            .iter()
            .map(|d| d.to_string())
            .collect(),
        Dimension::Project => {
            let mut v: Vec<String> = lists
                .projects
                .all()
                .iter()
                .map(|p| p.details.name.to_string())
                .collect();
            v.push("none".into());
            v
        }
        Dimension::Unit => lists.units.named().iter().map(|(_, n)| n.clone()).collect(),
        Dimension::Year | Dimension::Month => Vec::new(),
    }
}

#[derive(Debug, Clone)]
pub struct StatsView {
    pub zone: Zone,
    /// All time, then the years from the newest contact's back to the oldest's.
    pub periods: Vec<Period>,
    pub period: usize,
    pub by: Vec<Dimension>,
    pub by_cursor: usize,
    pub filter_dim: usize,
    pub filter_value: usize,
    pub filters: BTreeMap<Dimension, Vec<String>>,
    pub published: bool,
    pub threshold: u64,
    pub result: Option<StatsResult>,
    /// `result` with the tables linked to it (publish::linked_groupings order, `result`
    /// last): what its published view is protected against.
    pub family: Vec<StatsResult>,
    /// The tables sharing a margin with it (`publish::LinkedQueries::others`), which its
    /// published view is checked against as well.
    pub others: Vec<StatsResult>,
    /// The grouping `result` was asked with.
    pub asked_by: Vec<Dimension>,
    /// The view of `result` shown: exact, or published.
    pub shown: Option<PublishedResult>,
    /// The published view is withheld: suppression would give a hidden count away together
    /// with the tables of fewer dimensions (`shown` then has no groups).
    pub withheld: bool,
    /// Set when a choice changed since the figures were computed.
    pub stale: bool,
    pub scroll: usize,
    /// The digits of a year being typed on the period row.
    pub year_typed: String,
}

/// What typing a digit of a year did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearTyped {
    /// Not a whole year yet.
    Partial,
    Chosen,
    /// A whole year that is not among the periods (no contacts then): the period stays.
    NotAPeriod(i32),
}

impl StatsView {
    /// A view over the years `first..=last` (the contact date range), starting at `this_year`.
    pub fn new(first: Option<i32>, last: Option<i32>, this_year: i32) -> Self {
        let mut periods = vec![Period::AllTime];
        if let (Some(f), Some(l)) = (first, last) {
            periods.extend((f..=l.max(this_year)).rev().map(Period::Year));
        } else {
            periods.push(Period::Year(this_year));
        }
        let period = periods
            .iter()
            .position(|p| *p == Period::Year(this_year))
            .unwrap_or(0);
        StatsView {
            zone: Zone::By,
            periods,
            period,
            by: Vec::new(),
            by_cursor: 0,
            filter_dim: 0,
            filter_value: 0,
            filters: BTreeMap::new(),
            published: false,
            threshold: DEFAULT_THRESHOLD,
            result: None,
            family: Vec::new(),
            others: Vec::new(),
            asked_by: Vec::new(),
            shown: None,
            withheld: false,
            stale: true,
            scroll: 0,
            year_typed: String::new(),
        }
    }

    /// A digit typed (on any row): the period row takes it, and four digits choose that year
    /// when it is among the periods.
    pub fn type_digit(&mut self, digit: char) -> YearTyped {
        self.zone = Zone::Period;
        self.year_typed.push(digit);
        if self.year_typed.len() < 4 {
            return YearTyped::Partial;
        }
        let year: i32 = std::mem::take(&mut self.year_typed).parse().unwrap_or(0);
        match self.periods.iter().position(|p| *p == Period::Year(year)) {
            Some(i) => {
                self.choose_period(i);
                YearTyped::Chosen
            }
            None => YearTyped::NotAPeriod(year),
        }
    }

    /// All time as the period.
    pub fn all_time(&mut self) {
        self.zone = Zone::Period;
        self.year_typed.clear();
        self.choose_period(0);
    }

    fn choose_period(&mut self, i: usize) {
        if self.period != i {
            self.period = i;
            self.stale = true;
        }
    }

    /// The oldest and newest year to choose.
    pub fn years(&self) -> Option<(i32, i32)> {
        let years = self.periods.iter().filter_map(|p| match p {
            Period::Year(y) => Some(*y),
            Period::AllTime => None,
        });
        Some((years.clone().min()?, years.max()?))
    }

    pub fn next_zone(&mut self, forward: bool) {
        let all = [Zone::Period, Zone::By, Zone::Filter, Zone::Table];
        let i = all.iter().position(|z| *z == self.zone).unwrap_or(0);
        self.zone = all[if forward { (i + 1) % 4 } else { (i + 3) % 4 }];
    }

    /// ← and →: the period (← older, → newer), the dimension under the cursor, or the filter
    /// value.
    pub fn left_right(&mut self, lists: Lists<'_>, right: bool) {
        let step = |i: usize, n: usize| {
            if n == 0 {
                0
            } else if right {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        match self.zone {
            // The periods are all time, then the years newest first: ← (older) is the next
            // one, → (newer) the one before, and all time sits after the newest year.
            Zone::Period => {
                let n = self.periods.len();
                let i = if right {
                    (self.period + n - 1) % n.max(1)
                } else {
                    (self.period + 1) % n.max(1)
                };
                self.year_typed.clear();
                self.choose_period(i);
            }
            Zone::By => self.by_cursor = step(self.by_cursor, by_dimensions().len()),
            Zone::Filter => {
                let n = values_of(filter_dimensions()[self.filter_dim], lists).len();
                self.filter_value = step(self.filter_value, n);
            }
            Zone::Table => {}
        }
    }

    /// ↑ and ↓: the filter dimension, or scrolling the table.
    pub fn up_down(&mut self, down: bool) {
        match self.zone {
            Zone::Filter => {
                let n = filter_dimensions().len();
                self.filter_dim = if down {
                    (self.filter_dim + 1) % n
                } else {
                    (self.filter_dim + n - 1) % n
                };
                self.filter_value = 0;
            }
            Zone::Table => {
                let rows = self.shown.as_ref().map_or(0, |s| s.groups.len());
                self.scroll = if down {
                    (self.scroll + 1).min(rows.saturating_sub(1))
                } else {
                    self.scroll.saturating_sub(1)
                };
            }
            _ => {}
        }
    }

    /// Space: adds or removes the dimension or filter value under the cursor.
    pub fn toggle(&mut self, lists: Lists<'_>) {
        match self.zone {
            Zone::By => {
                let d = by_dimensions()[self.by_cursor];
                if let Some(i) = self.by.iter().position(|x| *x == d) {
                    self.by.remove(i);
                } else if self.by.len() < MAX_PUBLISHED_DIMENSIONS {
                    // At most as many as a published table may have.
                    self.by.push(d);
                }
                self.stale = true;
            }
            Zone::Filter => {
                let d = filter_dimensions()[self.filter_dim];
                let Some(v) = values_of(d, lists).get(self.filter_value).cloned() else {
                    return;
                };
                let list = self.filters.entry(d).or_default();
                if let Some(i) = list.iter().position(|x| *x == v) {
                    list.remove(i);
                } else {
                    list.push(v);
                }
                if list.is_empty() {
                    self.filters.remove(&d);
                }
                self.stale = true;
            }
            _ => {}
        }
    }

    /// The query the choices make.
    pub fn query(&self, lists: Lists<'_>) -> Result<Query, String> {
        let (from, to) = match self.periods.get(self.period) {
            Some(Period::Year(y)) => (Date::from_ymd_opt(*y, 1, 1), Date::from_ymd_opt(*y, 12, 31)),
            _ => (None, None),
        };
        let filters = self
            .filters
            .iter()
            .map(|(d, vals)| Filter::parse(&format!("{d}={}", vals.join(",")), lists))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Query {
            from,
            to,
            by: self.by.clone(),
            filters,
        })
    }

    /// Takes a freshly computed result with its linked tables (`family`, counted for
    /// `publish::canonical_grouping(by)`, the result last), `by` as asked.
    pub fn set_result(
        &mut self,
        family: Vec<StatsResult>,
        others: Vec<StatsResult>,
        by: &[Dimension],
    ) {
        self.result = family.last().cloned().map(|r| as_asked(r, by));
        self.asked_by = by.to_vec();
        self.family = family;
        self.others = others;
        self.stale = false;
        self.scroll = 0;
        self.reshow();
    }

    /// The published view on or off: only the cached result is re-rendered.
    pub fn toggle_published(&mut self) {
        self.published = !self.published;
        self.reshow();
    }

    fn reshow(&mut self) {
        self.withheld = false;
        self.shown = self.result.as_ref().map(|r| {
            if !self.published {
                return PublishedResult::exact(r);
            }
            // What `stats --publish` would print, or nothing when it would refuse.
            publish_checked(&self.family, &self.others, &self.asked_by, self.threshold)
                .unwrap_or_else(|e| {
                    self.withheld = true;
                    *e.withheld
                })
        });
    }
}

/// The year of a `YYYY-MM-DD` date.
pub fn year_of(s: &str) -> Option<i32> {
    crate::domain::parse_date(s).ok().map(|d| d.year())
}
