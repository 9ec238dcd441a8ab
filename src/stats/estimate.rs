//! Population size estimate (CONTRACT.md, "Population estimate"): how many individuals there
//! are, reached or not, from how often the reached ones were seen.
//!
//! Capture occasions are distinct contact dates. With `S` individuals observed, `f1` seen on
//! exactly one date and `f2` on exactly two, the bias-corrected Chao1 estimator is
//! `N = S + f1(f1-1) / (2(f2+1))`, its variance as in Chao (1987) for the bias-corrected form,
//! and the 95 % interval Chao's log-normal one, `[S + T/K, S + T*K]` with `T = N - S`.
//!
//! [`Occasions`] collects, from the same contact stream statistics use and with the same
//! period and filters, the set of contact dates of each person; [`chao1`] turns the counts
//! into an [`Estimate`].

use std::collections::BTreeMap;

use super::{date_code, Query, Selection, StatsSink};
use crate::domain::Attributes;

/// One estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// `S`: individuals observed.
    pub observed: u64,
    /// Individuals seen on exactly one date.
    pub f1: u64,
    /// Individuals seen on exactly two dates.
    pub f2: u64,
    /// `N`, bias-corrected Chao1.
    pub estimate: f64,
    pub variance: f64,
    /// Chao's log-normal 95 % interval.
    pub ci95: (f64, f64),
}

/// Bias-corrected Chao1 with its variance and log-normal 95 % interval.
pub fn chao1(observed: u64, f1: u64, f2: u64) -> Estimate {
    let s = observed as f64;
    let (f1f, f2f) = (f1 as f64, f2 as f64);
    let t = f1f * (f1f - 1.0).max(0.0) / (2.0 * (f2f + 1.0));
    let n = s + t;
    let variance = t
        + f1f * (2.0 * f1f - 1.0).powi(2) / (4.0 * (f2f + 1.0).powi(2))
        + f1f.powi(2) * f2f * (f1f - 1.0).powi(2) / (4.0 * (f2f + 1.0).powi(4));
    let ci95 = if t <= 0.0 {
        (s, s)
    } else {
        let k = (1.96 * (1.0 + variance / (t * t)).ln().sqrt()).exp();
        (s + t / k, s + t * k)
    };
    Estimate {
        observed,
        f1,
        f2,
        estimate: n,
        variance,
        ci95,
    }
}

/// The estimate from the number of occasions (distinct dates) each observed person was seen on.
pub fn chao1_from_occasions(occasions: impl IntoIterator<Item = u64>) -> Estimate {
    let (mut s, mut f1, mut f2) = (0, 0, 0);
    for k in occasions {
        if k == 0 {
            continue;
        }
        s += 1;
        match k {
            1 => f1 += 1,
            2 => f2 += 1,
            _ => {}
        }
    }
    chao1(s, f1, f2)
}

/// Rounds to one decimal, as the JSON gives the figures.
pub fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Collects the contact dates of each person in the period, under the query's filters
/// (`query.by` is not used: see [`Occasions::finish_by_year`]). It selects contacts with the
/// same [`Selection`] as the statistics' accumulator.
pub struct Occasions {
    selection: Selection,
    /// Scratch for the contact's referral and project codes.
    multi: super::Multi,
    /// (person, date as YYYYMMDD) of every identified contact that passed.
    seen: Vec<(i64, u32)>,
}

impl Occasions {
    pub fn new<'a>(query: &Query, lists: impl Into<crate::domain::Lists<'a>>) -> Self {
        Occasions {
            selection: Selection::new(query, lists),
            multi: super::Multi::default(),
            seen: Vec::new(),
        }
    }

    /// Feeds one contact (as statistics do); unidentified contacts are not capture events.
    pub fn add(&mut self, date: &str, person: Option<i64>, a: &Attributes) {
        self.add_in(date, person, super::FIRST_UNIT_CODE, a);
    }

    /// [`Occasions::add`] for a contact of one unit.
    pub fn add_in(&mut self, date: &str, person: Option<i64>, unit: u32, a: &Attributes) {
        let Some(person) = person else { return };
        let day = date_code(date);
        if self.selection.admits_in(day, a, unit, &mut self.multi) {
            self.seen.push((person, day));
        }
    }

    fn counts(&mut self) -> &[(i64, u32)] {
        self.seen.sort_unstable();
        self.seen.dedup();
        &self.seen
    }

    /// The estimate over the whole period.
    pub fn finish(mut self) -> Estimate {
        let seen = self.counts();
        let occasions: Vec<u64> = runs(seen, |s| s.0)
            .map(|(start, end)| (end - start) as u64)
            .collect();
        chao1_from_occasions(occasions)
    }

    /// The estimate for the whole period and one per calendar year (occasions counted within
    /// that year), years in order.
    pub fn finish_by_year(mut self) -> (Estimate, Vec<(u32, Estimate)>) {
        let seen = self.counts().to_vec();
        let mut years: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
        let mut all = Vec::new();
        for (start, end) in runs(&seen, |s| s.0) {
            all.push((end - start) as u64);
            // Dates are sorted within the person, so years come in runs.
            let person = &seen[start..end];
            for (ys, ye) in runs(person, |s| s.1 / 10_000) {
                years
                    .entry(person[ys].1 / 10_000)
                    .or_default()
                    .push((ye - ys) as u64);
            }
        }
        (
            chao1_from_occasions(all),
            years
                .into_iter()
                .map(|(y, occ)| (y, chao1_from_occasions(occ)))
                .collect(),
        )
    }
}

/// The runs of equal keys in a sorted slice, as (start, end) index ranges.
fn runs<'a, T, K: PartialEq>(
    items: &'a [T],
    key: impl Fn(&T) -> K + 'a,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= items.len() {
            return None;
        }
        let k = key(&items[start]);
        let end = start + items[start..].iter().take_while(|x| key(x) == k).count();
        let run = (start, end);
        start = end;
        Some(run)
    })
}

impl StatsSink for Occasions {
    fn selection(&self) -> &Selection {
        &self.selection
    }
    fn add_in(
        &mut self,
        date: &str,
        person: Option<i64>,
        unit: u32,
        attributes: &Attributes,
        _contact_key: u32,
    ) {
        Occasions::add_in(self, date, person, unit, attributes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chao1_by_hand() {
        // S = 10, f1 = 4, f2 = 2: T = 4*3/(2*3) = 2, N = 12.
        let e = chao1(10, 4, 2);
        assert!((e.estimate - 12.0).abs() < 1e-12);
        // var = 2 + 4*49/(4*9) + 16*2*9/(4*81) = 2 + 5.444... + 0.888... = 8.333...
        assert!((e.variance - 25.0 / 3.0).abs() < 1e-9, "{}", e.variance);
        let k = (1.96 * (1.0f64 + (25.0 / 3.0) / 4.0).ln().sqrt()).exp();
        assert!((e.ci95.0 - (10.0 + 2.0 / k)).abs() < 1e-9);
        assert!((e.ci95.1 - (10.0 + 2.0 * k)).abs() < 1e-9);
    }

    #[test]
    fn nobody_seen_once_gives_the_observed_count() {
        let e = chao1(7, 0, 3);
        assert_eq!((e.estimate, e.ci95), (7.0, (7.0, 7.0)));
        let e = chao1(7, 1, 3);
        assert_eq!((e.estimate, e.ci95), (7.0, (7.0, 7.0)));
        let e = chao1(0, 0, 0);
        assert_eq!(e.estimate, 0.0);
    }

    #[test]
    fn occasions_are_distinct_dates() {
        let e = chao1_from_occasions([1, 1, 2, 3, 1]);
        assert_eq!((e.observed, e.f1, e.f2), (5, 3, 1));
        assert_eq!(one_decimal(2.345), 2.3);
    }
}

/// The estimate of a period, and per year when asked.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateResult {
    pub from: Option<String>,
    pub to: Option<String>,
    pub all: Estimate,
    pub years: Option<Vec<(u32, Estimate)>>,
}
