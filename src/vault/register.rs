//! The publication register: what has been published, read from the audit log, so that no two
//! publications can be combined to show a few contacts exactly (docs/statistics.md, "Periods:
//! the publication register").
//!
//! Suppression protects the cells of one period's tables. Two periods that overlap without
//! being the same (a year, and the same year less its last day) subtract to a table of the days
//! between them, exact however small; the same period published again after late entries
//! subtracts to the changes; two slices of one period (other filters) subtract to a third; one
//! table under two thresholds, or by both methods, bounds a hidden count from both sides.
//! Every publication is already a signed log entry with its period in the clear and its filters
//! sealed; under suppression its entry also carries keyed digests of the period's contacts and
//! of its filters, under the cell key secret (which a rekey keeps, so a digest recorded before
//! one still compares). Before a new publication, [`clash`] compares it with every earlier one
//! whose filters could select one contact both (other filters are no protection unless they
//! exclude each other). Disjoint periods are free, and so is the same period with the same
//! contacts, filters, threshold and method (it publishes the same figures); publications by the
//! cell key method are free among themselves, whose noise does not subtract away.

use hmac::Mac;

use super::merges::Merges;
use super::*;
use crate::crypto::{hex_bytes, Keys, Place};
use crate::domain::Lists;
use crate::msg::Msg;
use crate::stats::Filter;

/// A period as logged: `YYYY-MM-DD` bounds, `None` where open (since the start, until now).
pub(super) type Period = (Option<String>, Option<String>);

/// One publication, as its log entry records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Publication {
    /// When it was published (the entry's time, as logged).
    pub at: String,
    /// Its periods (a report's tables share one), each with the digest of its contacts;
    /// `None` if not recorded (an entry of an earlier version).
    pub periods: Vec<(Period, Option<[u8; 32]>)>,
    /// Its filters; `None` if they do not open with these keys (sealed under an earlier key
    /// version), no longer read as filters (a project renamed since), or differ between its
    /// queries: then they count as meeting any.
    pub filters: Option<Vec<Filter>>,
    /// The keyed digest of its filters ([`Vault::selection_digest`]), which a rekey keeps;
    /// `None` if not recorded (an entry of an earlier version).
    pub selection: Option<[u8; 32]>,
    /// Its threshold under suppression; `None` for the cell key method.
    pub threshold: Option<u64>,
}

/// Whether a log entry records a publication, and by which method: `Some(Some(t))` under
/// suppression with threshold `t` (`stats --publish`, `report`), `Some(None)` by the cell key
/// method, `None` if it is no publication.
fn is_publication(action: &str, detail: &str) -> Option<Option<u64>> {
    let rest = if action == Action::Stats.as_str() {
        detail.strip_prefix("publish ")?
    } else if action == Action::Report.as_str() {
        detail
    } else {
        return None;
    };
    let first = rest.split(' ').next()?;
    if first == "method=cellkey" {
        return Some(None);
    }
    first
        .strip_prefix("threshold=")
        .and_then(|t| t.parse().ok())
        .map(Some)
}

fn bound(s: &str) -> Option<String> {
    (s != "-").then(|| s.to_string())
}

/// Reads one publication's entry detail.
fn publication(
    keys: &Keys,
    lists: Lists<'_>,
    at: String,
    threshold: Option<u64>,
    detail: &str,
) -> Publication {
    let mut periods = Vec::new();
    let mut from = None;
    let mut filters = Some(Vec::new());
    let mut digests = Vec::new();
    let mut selection = None;
    let digest = |hex: &str| hex_bytes(hex).and_then(|b| <[u8; 32]>::try_from(&b[..]).ok());
    for word in detail.split(' ') {
        if let Some(f) = word.strip_prefix("from=") {
            from = Some(bound(f));
        } else if let Some(t) = word.strip_prefix("to=") {
            if let Some(f) = from.take() {
                let p = (f, bound(t));
                if !periods.contains(&p) {
                    periods.push(p);
                }
            }
        } else if let Some(hex) = word.strip_prefix("filters=") {
            filters = hex_bytes(hex)
                .and_then(|b| keys.open(Place::LogFilters, &b).ok())
                .and_then(|p| String::from_utf8(p.to_vec()).ok())
                // Several queries' filters are joined by " ; ": a publication's share one.
                .and_then(|t| match t.trim_end().split_once(" ; ") {
                    Some(_) => None,
                    None => t
                        .split_whitespace()
                        .map(|f| Filter::parse(f, lists).ok())
                        .collect(),
                });
        } else if let Some(hex) = word.strip_prefix("digest=") {
            digests.push(digest(hex));
        } else if let Some(hex) = word.strip_prefix("selection=") {
            selection = digest(hex);
        }
    }
    // The digests follow the periods' order.
    let periods = periods
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, digests.get(i).copied().flatten()))
        .collect();
    Publication {
        at,
        periods,
        filters,
        selection,
        threshold,
    }
}

/// Every publication in the log, by either method, oldest first.
pub(super) fn published(
    reads: &dyn Reads,
    keys: &Keys,
    lists: Lists<'_>,
) -> Result<Vec<Publication>> {
    let mut out = Vec::new();
    reads.scan_audit_log(&mut |r| {
        if let Some(threshold) = is_publication(&r.action, &r.detail) {
            out.push(publication(keys, lists, r.at, threshold, &r.detail));
        }
        NEXT
    })?;
    Ok(out)
}

/// Whether one contact could pass every filter of `a` and every filter of `b`.
fn meet(a: &[Filter], b: &[Filter]) -> bool {
    a.iter().all(|f| b.iter().all(|g| f.may_meet(g)))
}

/// Whether two periods share a day (an open bound reaches every date on its side).
pub(super) fn overlap(a: &Period, b: &Period) -> bool {
    let starts_before_end = |from: &Option<String>, to: &Option<String>| match (from, to) {
        (Some(f), Some(t)) => f <= t,
        _ => true,
    };
    starts_before_end(&a.0, &b.1) && starts_before_end(&b.0, &a.1)
}

/// What a new publication is compared by: its period, filters, the digest of the period's
/// contacts and the digest of its filters.
pub(super) struct Asked<'a> {
    pub period: &'a Period,
    pub filters: &'a [Filter],
    /// Under suppression: what else it is compared by. `None` for the cell key method.
    pub suppressed: Option<Suppressed<'a>>,
}

/// What a publication under suppression is compared by besides its period and filters.
#[derive(Clone, Copy)]
pub(super) struct Suppressed<'a> {
    pub digest: &'a [u8; 32],
    pub selection: &'a [u8; 32],
    pub threshold: u64,
}

/// Why a new publication is refused, if it is. Among the earlier publications whose filters
/// may select a contact its filters select too ([`meet`]): one by the other method of a period
/// that overlaps its period or is it (a noisy figure beside the exact bounds of a hidden one
/// narrows it to one value); and under suppression, one whose period overlaps it without being
/// it, or is it with other contacts, other filters (two slices of one period subtract to a
/// third) or another threshold (a count below one and above the other). Publications by the
/// cell key method are free among themselves.
pub(super) fn clash(earlier: &[Publication], asked: &Asked<'_>) -> Option<Msg> {
    let Asked {
        period,
        filters,
        suppressed,
    } = *asked;
    let date = |at: &str| at.get(..10).unwrap_or(at).to_string();
    for p in earlier {
        if p.filters.as_deref().is_some_and(|f| !meet(f, filters)) {
            continue;
        }
        for (q, recorded) in &p.periods {
            if p.threshold.is_some() != suppressed.is_some() {
                if q == period || overlap(q, period) {
                    return Some(Msg::PublishOtherMethod { at: date(&p.at) });
                }
                continue;
            }
            let Some(Suppressed {
                digest,
                selection,
                threshold,
            }) = suppressed
            else {
                continue;
            };
            if q == period {
                // Other filters first: a unit's publication and the city's of one period are
                // other slices of it, whose contacts' digests differ too.
                if p.selection.as_ref() != Some(selection) {
                    return Some(Msg::PublishOtherFilters { at: date(&p.at) });
                }
                if recorded.as_ref() != Some(digest) {
                    return Some(Msg::PublishChanged { at: date(&p.at) });
                }
                if p.threshold != Some(threshold) {
                    return Some(Msg::PublishOtherThreshold {
                        at: date(&p.at),
                        threshold: p.threshold.unwrap_or_default(),
                    });
                }
            } else if overlap(q, period) {
                return Some(Msg::PublishOverlaps {
                    from: q.0.clone().unwrap_or_default(),
                    to: q.1.clone().unwrap_or_default(),
                    at: date(&p.at),
                });
            }
        }
    }
    None
}

impl Vault {
    /// The keyed digest of everything a publication of the period shows: each contact's id,
    /// date, person (after merges) with that person's first contact date, and categories, and
    /// the number of field nights. Any late entry, correction or merge that could change a
    /// figure changes it. Refused ([`Msg::NoCellKeySecret`]) while the database has no cell key
    /// secret (one made before the method, until a role that writes contacts signs in).
    pub(super) fn period_digest(
        &self,
        reads: &dyn Reads,
        from: Option<&str>,
        to: Option<&str>,
        scope: Option<u32>,
    ) -> Result<[u8; 32]> {
        let merges = Merges::load(reads)?;
        let first = self.first_contacts_in(reads, &merges, scope)?;
        let mut h = super::cellkey::required_secret(reads, &self.keys)?.publication_digest();
        h.update(b"contacts");
        let districts = &self.districts;
        self.for_each_stat_contact(reads, (from, to), scope, &merges, |c| {
            // A unit's publication commits to its own contacts: another unit's changes are
            // not its to notice (a red team read from refusals on which days another unit
            // logged).
            if scope.is_some_and(|u| u != c.unit) {
                return;
            }
            h.update(&c.id.to_le_bytes());
            h.update(c.date.as_bytes());
            let person = c.person.unwrap_or(-1);
            h.update(&person.to_le_bytes());
            h.update(&first.get(&person).copied().unwrap_or(0).to_le_bytes());
            match c.attributes.encode(districts) {
                Some(a) => h.update(&a[..]),
                None => h.update(&[0u8]),
            }
        })?;
        let nights = crate::stats::Query {
            from: from.and_then(|d| crate::domain::parse_date(d).ok()),
            to: to.and_then(|d| crate::domain::parse_date(d).ok()),
            by: Vec::new(),
            filters: Vec::new(),
        };
        h.update(&(self.field_nights_in(reads, &nights, scope)? as i64).to_le_bytes());
        Ok(h.finalize().into_bytes().into())
    }

    /// The keyed digest of a publication's filters, as codes in a fixed order
    /// ([`Filter::canonical`]): equal for filters that select the same contacts, whatever
    /// order they were given in.
    pub(super) fn selection_digest(
        &self,
        reads: &dyn Reads,
        filters: &[Filter],
    ) -> Result<[u8; 32]> {
        let mut h = super::cellkey::required_secret(reads, &self.keys)?.publication_digest();
        h.update(b"selection");
        let mut words: Vec<String> = filters.iter().map(Filter::canonical).collect();
        words.sort_unstable();
        words.dedup();
        h.update(words.join(" ").as_bytes());
        Ok(h.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Districts;

    fn period(from: &str, to: &str) -> Period {
        (bound(from), bound(to))
    }

    fn filters(text: &str) -> Vec<Filter> {
        let districts = Districts::default();
        text.split_whitespace()
            .map(|f| Filter::parse(f, &districts).unwrap())
            .collect()
    }

    fn publication(periods: &[Period], text: &str, digest: u8) -> Publication {
        Publication {
            at: "2026-01-15T10:00:00Z".into(),
            periods: periods
                .iter()
                .map(|p| (p.clone(), Some([digest; 32])))
                .collect(),
            filters: Some(filters(text)),
            selection: Some(selection(text)),
            threshold: Some(5),
        }
    }

    /// A stand-in for the keyed digest of filters: their canonical words.
    fn selection(text: &str) -> [u8; 32] {
        let mut words: Vec<String> = filters(text).iter().map(Filter::canonical).collect();
        words.sort_unstable();
        let mut out = [0u8; 32];
        for (i, b) in words.join(" ").bytes().enumerate() {
            out[i % 32] ^= b.wrapping_add(i as u8);
        }
        out
    }

    /// [`clash`] of a publication of `period` with `text`'s filters and contacts `digest`.
    fn asked(earlier: &[Publication], period: &Period, text: &str, digest: u8) -> Option<Msg> {
        let f = filters(text);
        clash(
            earlier,
            &Asked {
                period,
                filters: &f,
                suppressed: Some(Suppressed {
                    digest: &[digest; 32],
                    selection: &selection(text),
                    threshold: 5,
                }),
            },
        )
    }

    #[test]
    fn a_period_overlapping_one_published_is_refused_a_disjoint_or_the_same_one_is_not() {
        let year = period("2015-01-01", "2015-12-31");
        let earlier = [publication(std::slice::from_ref(&year), "", 1)];
        // The same year less a day: the two subtract to the last day.
        let less_a_day = period("2015-01-01", "2015-12-30");
        assert!(matches!(
            asked(&earlier, &less_a_day, "", 1),
            Some(Msg::PublishOverlaps { .. })
        ));
        // Since the start, or from a day in the year on: overlapping too.
        for p in [
            period("-", "-"),
            period("2015-12-31", "-"),
            period("-", "2015-01-01"),
        ] {
            assert!(asked(&earlier, &p, "", 1).is_some(), "{p:?}");
        }
        // The next year, or the years before: free.
        for p in [
            period("2016-01-01", "2016-12-31"),
            period("-", "2014-12-31"),
        ] {
            assert_eq!(asked(&earlier, &p, "", 9), None, "{p:?}");
        }
        // The same year with the same contacts: the same figures, free.
        assert_eq!(asked(&earlier, &year, "", 1), None);
        // The same year with other contacts: refused.
        assert!(matches!(
            asked(&earlier, &year, "", 2),
            Some(Msg::PublishChanged { .. })
        ));
    }

    #[test]
    fn publications_are_compared_unless_their_filters_exclude_each_other() {
        let year = period("2015-01-01", "2015-12-31");
        let less_a_day = period("2015-01-01", "2015-12-30");
        let sellers = [publication(std::slice::from_ref(&year), "role=sells", 1)];
        // Unfiltered, or all roles: the sellers are a slice of it.
        for text in [
            "",
            "role=sells,buys,other",
            "gender=woman",
            "role=buys,sells",
        ] {
            assert!(asked(&sellers, &less_a_day, text, 1).is_some(), "{text}");
        }
        // Buyers only: no contact in both.
        assert_eq!(asked(&sellers, &less_a_day, "role=buys", 1), None);
        // Referrals and projects are several per contact: two of them may meet.
        let health = [publication(
            std::slice::from_ref(&year),
            "referral=health",
            1,
        )];
        assert!(asked(&health, &less_a_day, "referral=legal", 1).is_some());
        // Filters these keys cannot open, or no longer read, meet any.
        let sealed = [Publication {
            filters: None,
            ..sellers[0].clone()
        }];
        assert!(asked(&sealed, &less_a_day, "role=buys", 1).is_some());
        // A digest not recorded (an earlier version's entry) is not the same contacts.
        let unrecorded = [Publication {
            periods: vec![(year.clone(), None)],
            ..sellers[0].clone()
        }];
        assert!(asked(&unrecorded, &year, "role=sells", 1).is_some());
    }

    #[test]
    fn two_slices_of_one_period_are_refused_unless_they_are_the_same() {
        let year = period("2015-01-01", "2015-12-31");
        let sellers = [publication(std::slice::from_ref(&year), "role=sells", 1)];
        // The sellers and the sellers and buyers of one year subtract to the buyers; the year
        // unfiltered, to everyone else.
        for text in ["role=sells,buys", "", "role=sells gender=woman"] {
            assert!(
                matches!(
                    asked(&sellers, &year, text, 1),
                    Some(Msg::PublishOtherFilters { .. })
                ),
                "{text}"
            );
        }
        // The same slice again, or one that shares no contact: free.
        assert_eq!(asked(&sellers, &year, "role=sells", 1), None);
        assert_eq!(asked(&sellers, &year, "role=buys", 1), None);
        // Values in another order select the same contacts.
        let two = [publication(
            std::slice::from_ref(&year),
            "role=sells,buys gender=woman",
            1,
        )];
        assert_eq!(asked(&two, &year, "gender=woman role=buys,sells", 1), None);
        // Filters not recorded (an earlier version's entry) are not the same.
        let unrecorded = [Publication {
            selection: None,
            ..sellers[0].clone()
        }];
        assert!(asked(&unrecorded, &year, "role=sells", 1).is_some());
    }

    #[test]
    fn publications_are_read_with_their_method_and_threshold() {
        assert_eq!(
            is_publication("stats", "publish threshold=5 from=- to=- by=-"),
            Some(Some(5))
        );
        assert_eq!(
            is_publication("report", "threshold=7 from=- to=- by=gender"),
            Some(Some(7))
        );
        assert_eq!(
            is_publication("stats", "publish method=cellkey from=- to=- by=-"),
            Some(None)
        );
        assert_eq!(
            is_publication("report", "method=cellkey from=- to=- by=-"),
            Some(None)
        );
        for (action, detail) in [
            ("stats", "from=- to=- by=-"),
            ("stats", "method=cellkey from=- to=- by=-"),
            ("stats", "interface"),
            ("stats", "interface method=cellkey"),
            ("estimate", "by=year"),
        ] {
            assert_eq!(is_publication(action, detail), None, "{action} {detail}");
        }
    }

    #[test]
    fn one_table_under_two_thresholds_or_by_two_methods_is_refused() {
        let year = period("2015-01-01", "2015-12-31");
        let f = filters("");
        let ask = |earlier: &[Publication], period: &Period, suppressed| {
            clash(
                earlier,
                &Asked {
                    period,
                    filters: &f,
                    suppressed,
                },
            )
        };
        let under = |threshold| {
            Some(Suppressed {
                digest: &[1; 32],
                selection: &[0; 32],
                threshold,
            })
        };
        // Published under suppression with threshold 5 (and this selection).
        let mut suppressed = publication(std::slice::from_ref(&year), "", 1);
        suppressed.selection = Some([0; 32]);
        let earlier = [suppressed];
        assert_eq!(ask(&earlier, &year, under(5)), None);
        assert!(matches!(
            ask(&earlier, &year, under(3)),
            Some(Msg::PublishOtherThreshold { threshold: 5, .. })
        ));
        // The cell key method beside suppression, of the year or a period overlapping it.
        for p in [year.clone(), period("2015-06-01", "-")] {
            assert!(matches!(
                ask(&earlier, &p, None),
                Some(Msg::PublishOtherMethod { .. })
            ));
        }
        assert_eq!(
            ask(&earlier, &period("2016-01-01", "2016-12-31"), None),
            None
        );
        // And suppression beside the cell key method; cell key beside cell key is free.
        let keyed = [Publication {
            threshold: None,
            ..earlier[0].clone()
        }];
        assert!(matches!(
            ask(&keyed, &year, under(5)),
            Some(Msg::PublishOtherMethod { .. })
        ));
        assert_eq!(ask(&keyed, &year, None), None);
    }

    #[test]
    fn an_entry_is_read_back_with_its_period_filters_and_digest() {
        let keys =
            crate::crypto::MasterKey::generate(1).derive(crate::crypto::KeyScheme::PerCapability);
        let districts = Districts::default();
        let sealed = keys
            .seal(Place::LogFilters, b"role=sells gender=woman         ")
            .unwrap();
        let detail = format!(
            "threshold=5 from=2015-01-01 to=2015-12-31 by=gender from=2015-01-01 to=2015-12-31 by=district filters={} digest={}",
            crate::crypto::pseudonym_hex(&sealed),
            crate::crypto::pseudonym_hex(&[7; 32]),
        );
        let p = super::publication(
            &keys,
            (&districts).into(),
            "2026-01-15T10:00:00Z".into(),
            Some(5),
            &detail,
        );
        assert_eq!(
            p.periods,
            vec![(period("2015-01-01", "2015-12-31"), Some([7; 32]))]
        );
        assert_eq!(p.filters.map(|f| f.len()), Some(2));
        // Filters sealed for another place do not open as filters: they meet any.
        let moved = detail.replace(
            &crate::crypto::pseudonym_hex(&sealed),
            &crate::crypto::pseudonym_hex(&keys.seal(Place::CellKeySecret, b"x").unwrap()),
        );
        let p = super::publication(&keys, (&districts).into(), String::new(), Some(5), &moved);
        assert_eq!(p.filters, None);
        // A digest of another length is none.
        let short = detail.replace("digest=0707", "digest=07");
        let p = super::publication(&keys, (&districts).into(), String::new(), Some(5), &short);
        assert_eq!(p.periods[0].1, None);
        // Queries with other filters in one entry: the filters meet any.
        let sealed = keys
            .seal(
                Place::LogFilters,
                b"role=sells ; role=buys                 ",
            )
            .unwrap();
        let mixed = format!(
            "threshold=5 from=- to=- by=- filters={}",
            crate::crypto::pseudonym_hex(&sealed)
        );
        let p = super::publication(&keys, (&districts).into(), String::new(), Some(5), &mixed);
        assert_eq!(p.filters, None);
        assert_eq!(p.periods, vec![((None, None), None)]);
    }
}
