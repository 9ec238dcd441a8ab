//! The interface's overview figures: this year up to today, and last year up to the same day
//! (a fair comparison during the year), with this year's contacts per month. The queries and
//! the reading of their results are pure; the vault counts them in one pass.

use chrono::Datelike;

use super::{Dimension, Figures, Query, StatsResult};
use crate::domain::Date;

/// The overview's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    pub year: i32,
    pub this_year: Figures,
    pub nights_this_year: u64,
    /// Last year from 1 January to the same day.
    pub last_year: Figures,
    pub nights_last_year: u64,
    /// This year's contacts, January first.
    pub per_month: [u64; 12],
}

/// The two queries of the overview on `today`: this year by month, and last year to the
/// same day.
pub fn queries(today: Date) -> [Query; 2] {
    let year = today.year();
    let jan1 = |y| Date::from_ymd_opt(y, 1, 1).unwrap_or(today);
    let same_day_last_year = today
        .with_year(year - 1)
        .or_else(|| Date::from_ymd_opt(year - 1, 2, 28))
        .unwrap_or(today);
    [
        Query {
            from: Some(jan1(year)),
            to: Some(today),
            by: vec![Dimension::Month],
            filters: Vec::new(),
        },
        Query {
            from: Some(jan1(year - 1)),
            to: Some(same_day_last_year),
            by: Vec::new(),
            filters: Vec::new(),
        },
    ]
}

impl Overview {
    /// The overview from the results of [`queries`], in their order.
    pub fn from_results(today: Date, this: &StatsResult, last: &StatsResult) -> Overview {
        let mut per_month = [0u64; 12];
        for g in &this.groups {
            if let Some(m) = g
                .key
                .first()
                .and_then(|k| k.get(5..7))
                .and_then(|m| m.parse::<usize>().ok())
            {
                if (1..=12).contains(&m) {
                    per_month[m - 1] = g.figures.contacts;
                }
            }
        }
        Overview {
            year: today.year(),
            this_year: this.totals,
            nights_this_year: this.field_nights,
            last_year: last.totals,
            nights_last_year: last.field_nights,
            per_month,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_date;

    #[test]
    fn last_year_ends_on_the_same_day_or_the_28th_of_february() {
        let [this, last] = queries(parse_date("2024-02-29").unwrap());
        assert_eq!(this.from, Some(parse_date("2024-01-01").unwrap()));
        assert_eq!(this.by, [Dimension::Month]);
        assert_eq!(last.from, Some(parse_date("2023-01-01").unwrap()));
        assert_eq!(last.to, Some(parse_date("2023-02-28").unwrap()));
    }
}
