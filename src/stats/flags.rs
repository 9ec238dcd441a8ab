//! A [`Query`] from the flags `stats`, `estimate` and `report` share (`--year`, `--from`,
//! `--to`, `--by`, `--filter`), every value checked, each error naming its flag.

use super::{Dimension, Filter, Query};
use crate::domain::{parse_date, Date};
use crate::error::{Error, Result};
use crate::msg::Msg;

impl Query {
    /// The period (one calendar `year`, or `from`/`to`, each open when left out), the grouping
    /// and the filters, as given on the command line.
    pub fn from_flags<'a>(
        year: Option<i32>,
        from: Option<&str>,
        to: Option<&str>,
        by_dims: &[String],
        filter: &[String],
        lists: impl Into<crate::domain::Lists<'a>>,
    ) -> Result<Query> {
        let lists = lists.into();
        let date = |flag: &'static str, s: Option<&str>| -> Result<Option<Date>> {
            s.map(|v| {
                parse_date(v).map_err(|e| {
                    Error::Input(Msg::DateFlag {
                        flag,
                        value: v.to_string(),
                        error: e,
                    })
                })
            })
            .transpose()
        };
        let (from, to) = match year {
            Some(y) => {
                let bound = |m, d| {
                    chrono::NaiveDate::from_ymd_opt(y, m, d)
                        .filter(|_| (1900..=9999).contains(&y))
                        .ok_or(Error::Input(Msg::UnusableYear { year: y }))
                };
                (Some(bound(1, 1)?), Some(bound(12, 31)?))
            }
            None => (date("from", from)?, date("to", to)?),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(Error::Input(Msg::EmptyPeriod {
                    from: f.to_string(),
                    to: t.to_string(),
                }));
            }
        }
        let mut by = Vec::new();
        for d in by_dims {
            let dim: Dimension = d.trim().parse().map_err(|e| Error::Input(Msg::By(e)))?;
            if by.contains(&dim) {
                return Err(Error::Input(Msg::ByTwice {
                    dimension: dim.as_str(),
                }));
            }
            by.push(dim);
        }
        let filters = filter
            .iter()
            .map(|f| Filter::parse(f, lists).map_err(|e| Error::Input(Msg::Filter(e))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Query {
            from,
            to,
            by,
            filters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(year: Option<i32>, from: Option<&str>, to: Option<&str>) -> Result<Query> {
        Query::from_flags(
            year,
            from,
            to,
            &[],
            &[],
            &crate::domain::Districts::default(),
        )
    }

    #[test]
    fn a_year_is_its_first_and_last_day() {
        let r = q(Some(2020), None, None).unwrap();
        assert_eq!(r.from, Some(parse_date("2020-01-01").unwrap()));
        assert_eq!(r.to, Some(parse_date("2020-12-31").unwrap()));
        assert!(q(Some(20), None, None).is_err());
    }

    #[test]
    fn each_error_names_its_flag() {
        let msg = |r: Result<Query>| r.unwrap_err().to_string();
        assert!(msg(q(None, Some("2020-13-01"), None)).contains("--from"));
        assert!(msg(q(None, Some("2020-02-01"), Some("2020-01-01"))).contains("empty"));
        let by = |b: &[&str]| {
            let b: Vec<String> = b.iter().map(|s| s.to_string()).collect();
            Query::from_flags(
                None,
                None,
                None,
                &b,
                &[],
                &crate::domain::Districts::default(),
            )
        };
        assert!(msg(by(&["year", "year"])).contains("twice"));
        assert!(msg(by(&["colour"])).contains("--by"));
        let all: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
        assert_eq!(by(&all).unwrap().by, Dimension::ALL);
    }
}
