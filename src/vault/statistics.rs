//! The one door to statistics: [`Statistics::open`] (or [`Statistics::count`]) checks the role
//! for the purpose, writes the one audit-log entry, resolves declared merges, reads every
//! person's first contact, and decrypts each contact of the period once for any number of
//! queries and other [`StatsSink`]s, all in one read session. What is counted and how is pure (`crate::stats`); this file only reads.

use std::collections::HashMap;

use super::merges::Merges;
use super::*;
use crate::crypto::{Place, RecordKeys};
use crate::domain::{Attributes, Date};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::stats::estimate::{EstimateResult, Occasions};
use crate::stats::overview::{self, Overview};
use crate::stats::{covering, date_code, Accumulator, Query, StatsResult, StatsSink};

/// Why statistics are read. It decides the role required and the audit-log entry written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPurpose {
    /// `uppsok stats`; with `--publish`, its threshold.
    Command { publish_threshold: Option<u64> },
    /// `uppsok estimate`; `by_year` with `--by year`.
    Estimate { by_year: bool },
    /// `uppsok report` under this threshold.
    Report { threshold: u64 },
    /// The interface's statistics screen.
    Screen,
    /// The interface's overview.
    Overview,
    /// The figures `uppsok demo` prints.
    DemoSummary,
}

impl StatsPurpose {
    /// The permission the purpose needs.
    pub fn permission(self) -> Permission {
        match self {
            StatsPurpose::Report { .. } => Permission::Report,
            _ => Permission::Stats,
        }
    }

    /// The threshold of a publication (unused by the cell key method).
    fn threshold(self) -> Option<u64> {
        match self {
            StatsPurpose::Command {
                publish_threshold: Some(t),
            }
            | StatsPurpose::Report { threshold: t } => Some(t),
            _ => None,
        }
    }

    /// The audit-log entry: action and detail (the objects are always the aggregate). With
    /// `keyed` (the cell key method) a publication records `method=cellkey` instead of a
    /// threshold, which the method does not use.
    fn log_entry(self, keyed: bool) -> (Action, String) {
        let method = "method=cellkey";
        match self {
            StatsPurpose::Command {
                publish_threshold: Some(_),
            } if keyed => (Action::Stats, format!("publish {method}")),
            StatsPurpose::Command {
                publish_threshold: Some(t),
            } => (Action::Stats, format!("publish threshold={t}")),
            StatsPurpose::Command {
                publish_threshold: None,
            } => (Action::Stats, if keyed { method } else { "" }.to_string()),
            StatsPurpose::Estimate { by_year } => (
                Action::Estimate,
                if by_year { "by=year" } else { "" }.to_string(),
            ),
            StatsPurpose::Report { .. } if keyed => (Action::Report, method.to_string()),
            StatsPurpose::Report { threshold } => {
                (Action::Report, format!("threshold={threshold}"))
            }
            StatsPurpose::Screen if keyed => (Action::Stats, format!("interface {method}")),
            StatsPurpose::Screen => (Action::Stats, "interface".to_string()),
            StatsPurpose::Overview => (Action::Stats, "interface overview".to_string()),
            StatsPurpose::DemoSummary => (Action::Stats, "demo summary".to_string()),
        }
    }
}

/// What a statistics read names in the audit log: the contacts in aggregate, never one.
const AGGREGATE: &str = "contacts:aggregate";

/// Statistics opened for one purpose: the role is checked. [`StatsDoor::count`] writes the
/// purpose's audit-log entry and counts; it consumes the door, so one opening is one entry.
#[must_use = "the door counts nothing until `count` is called"]
pub struct StatsDoor<'v> {
    vault: &'v mut Vault,
    purpose: StatsPurpose,
    /// The record keys, when the results are to carry cell keys ([`StatsDoor::with_cell_keys`]).
    record_keys: Option<RecordKeys>,
    /// The unit whose contacts are counted (its number as a statistics code), in a database
    /// of several units: the signed-in user's, unless the city's figures were asked for
    /// ([`StatsDoor::city`]). `None`: every contact.
    scope: Option<u32>,
}

impl StatsDoor<'_> {
    /// Counts the whole city (every unit's contacts; `unit` may then group and filter): an
    /// administrator's, whose role is the city's (a refusal is logged and returned).
    pub fn city(mut self) -> Result<Self> {
        self.vault.require(Permission::CityFigures)?;
        self.scope = None;
        Ok(self)
    }

    /// Whether the figures are the whole city's in a database of several units.
    pub fn is_city(&self) -> bool {
        self.scope.is_none() && self.vault.units.several()
    }

    /// Asks for cell keys (the cell key method, docs/statistics.md): every result counted
    /// through this door carries in `StatsResult::keys` and each `Group::keys` the cell keys of
    /// its figures, from the database's cell key secret (sealed under the categories key, so
    /// every role may). Costs one HMAC per contact and per person of the period. Refused
    /// ([`Msg::NoCellKeySecret`], nothing logged) when the database has no secret yet: one
    /// made before the method, until an outreach worker, lead or administrator signs in. The
    /// log entry of the count records `method=cellkey`.
    pub fn with_cell_keys(mut self) -> Result<Self> {
        let reads = self.vault.store.read()?;
        let keys = super::cellkey::open_record_keys(&*reads, &self.vault.keys)?;
        drop(reads);
        self.record_keys = Some(keys);
        Ok(self)
    }

    /// Whether results carry cell keys.
    pub fn keyed(&self) -> bool {
        self.record_keys.is_some()
    }

    /// The database's district list, to build queries with.
    pub fn districts(&self) -> &crate::domain::Districts {
        &self.vault.districts
    }

    /// The database's districts and projects, to build queries with.
    pub fn lists(&self) -> crate::domain::Lists<'_> {
        self.vault.lists()
    }

    /// The information and training activities of a period (bounds inclusive, open when
    /// absent), without their notes: what the yearly report counts beside the contacts. Read
    /// under the purpose the door was opened for, which its log entry records.
    pub fn activities(
        &self,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<crate::domain::ActivityDetails>> {
        let reads = self.vault.store.read()?;
        super::work::activity_details(
            &*reads,
            self.vault,
            (day(from).as_deref(), day(to).as_deref()),
            self.scope,
        )
    }

    /// Writes the audit-log entry, then counts every query (one result each, in order) and
    /// feeds `sinks` the same contacts in the same pass. Queries and sinks may have different
    /// periods: the pass covers them all, and each keeps to its own.
    pub fn count(
        self,
        queries: &[Query],
        sinks: &mut [&mut (dyn StatsSink + Send)],
    ) -> Result<Vec<StatsResult>> {
        self.count_asked(queries, queries, sinks)
    }

    /// [`StatsDoor::count`], logging `asked` as what was asked (an estimate counts a plain
    /// query and filters in its sink, but the question had the filters).
    fn count_asked(
        self,
        asked: &[Query],
        queries: &[Query],
        sinks: &mut [&mut (dyn StatsSink + Send)],
    ) -> Result<Vec<StatsResult>> {
        // A unit's figures: the contacts of other units are not read (`Vault::count`), and
        // what is logged and registered names the unit as a filter, so that a city's
        // publication and a unit's are compared as the slices of one period they are.
        let scoped: Vec<Query>;
        let asked = match self.scope {
            None => asked,
            Some(unit) => {
                // What was asked: the tables linked to it for the attacker's check may group by
                // unit (a city could publish them), which in a unit's count is its one group.
                if asked.iter().any(|q| q.names(crate::stats::Dimension::Unit)) {
                    return Err(Error::Input(Msg::UnitNeedsCity));
                }
                scoped = asked
                    .iter()
                    .map(|q| {
                        let mut q = q.clone();
                        q.filters.push(crate::stats::Filter::unit(unit));
                        q
                    })
                    .collect();
                &scoped
            }
        };
        let (action, mut detail) = self.purpose.log_entry(self.record_keys.is_some());
        // What was asked: period and grouping of every query in the clear, the filters sealed
        // under the categories key (they hold category values), so that a run that pins one
        // person's categories leaves a trace of what it asked.
        let mut clear = Vec::new();
        let mut filters = Vec::new();
        for q in asked {
            let (c, f) = q.log_parts(self.vault.lists());
            if !clear.contains(&c) {
                clear.push(c);
            }
            if let Some(f) = f.filter(|f| !filters.contains(f)) {
                filters.push(f);
            }
        }
        for c in clear {
            detail.push_str(&format!(" {c}"));
        }
        if !filters.is_empty() {
            // Padded to a multiple of 32 bytes, so the length tells little of the values.
            let mut text = filters.join(" ; ");
            while text.len() % 32 != 0 {
                text.push(' ');
            }
            let sealed = self
                .vault
                .keys
                .seal(Place::LogFilters, text.as_bytes())
                .map_err(not_held)?;
            detail.push_str(&format!(
                " filters={}",
                crate::crypto::pseudonym_hex(&sealed)
            ));
        }
        if let Some(threshold) = self.purpose.threshold() {
            detail.push_str(&self.registered(asked, threshold)?);
        }
        let detail = detail.trim().to_string();
        self.vault.log_read(action, AGGREGATE, &detail)?;
        self.vault
            .count(queries, sinks, self.record_keys.as_ref(), self.scope)
    }

    /// Checks a publication against the publication register (`super::register`): refused
    /// ([`Msg::PublishOverlaps`], [`Msg::PublishChanged`], [`Msg::PublishOtherFilters`],
    /// [`Msg::PublishOtherThreshold`], [`Msg::PublishOtherMethod`],
    /// [`Msg::PublishPeriodsOverlap`]; nothing logged) if it could be subtracted from one
    /// published before, or under suppression its periods from each other. Under suppression,
    /// returns for its log entry the keyed digest of each period's contacts (` digest=HEX`, in
    /// the periods' order) and of its filters (` selection=HEX`). The digests are read before
    /// the entry is written, in their own read session: a write between the two is in both
    /// figures' future, as any write after the count.
    fn registered(&self, asked: &[Query], threshold: u64) -> Result<String> {
        use super::register::{clash, overlap, Asked, Period, Suppressed};
        let keyed = self.record_keys.is_some();
        let mut periods: Vec<Period> = Vec::new();
        for q in asked {
            let p = (day(q.from), day(q.to));
            if !periods.contains(&p) {
                if !keyed && periods.iter().any(|e| overlap(e, &p)) {
                    return Err(Error::Input(Msg::PublishPeriodsOverlap));
                }
                periods.push(p);
            }
        }
        // The publication's filters; queries with other filters count as unfiltered, which
        // every earlier publication may meet.
        let filters = match asked.split_first() {
            Some((first, rest)) if rest.iter().all(|q| q.filters == first.filters) => {
                first.filters.as_slice()
            }
            _ => &[],
        };
        let reads = self.vault.store.read()?;
        let earlier = super::register::published(&*reads, &self.vault.keys, self.vault.lists())?;
        let selection = match keyed {
            true => None,
            false => Some(self.vault.selection_digest(&*reads, filters)?),
        };
        let mut detail = String::new();
        for period in &periods {
            let digest = match selection {
                None => None,
                Some(_) => Some(self.vault.period_digest(
                    &*reads,
                    period.0.as_deref(),
                    period.1.as_deref(),
                    self.scope,
                )?),
            };
            let suppressed = selection
                .as_ref()
                .zip(digest.as_ref())
                .map(|(selection, digest)| Suppressed {
                    digest,
                    selection,
                    threshold,
                });
            let asked = Asked {
                period,
                filters,
                suppressed,
            };
            if let Some(refusal) = clash(&earlier, &asked) {
                return Err(Error::Input(refusal));
            }
            if let Some(d) = digest {
                detail.push_str(&format!(" digest={}", crate::crypto::pseudonym_hex(&d)));
            }
        }
        if let Some(s) = selection {
            detail.push_str(&format!(" selection={}", crate::crypto::pseudonym_hex(&s)));
        }
        Ok(detail)
    }

    /// [`StatsDoor::count`] of `linked`'s queries (each asked query and the tables linked to
    /// it), logging only the queries asked.
    pub fn count_linked(
        self,
        asked: &[Query],
        linked: &crate::stats::publish::LinkedQueries,
        sinks: &mut [&mut (dyn StatsSink + Send)],
    ) -> Result<Vec<StatsResult>> {
        self.count_asked(asked, linked.queries(), sinks)
    }

    /// [`StatsDoor::count`] for one query.
    pub fn count_one(self, query: &Query) -> Result<StatsResult> {
        self.count(std::slice::from_ref(query), &mut [])?
            .pop()
            .ok_or(Error::Failed(Msg::StatsNotCounted))
    }

    /// The population estimate for a query's period and filters (its grouping is ignored),
    /// and per calendar year when `by_year`.
    pub fn estimate(self, q: &Query, by_year: bool) -> Result<EstimateResult> {
        let mut occ = Occasions::new(q, self.lists());
        let plain = Query {
            by: Vec::new(),
            filters: Vec::new(),
            ..q.clone()
        };
        // One cheap accumulator for the period's bounds; the occasions collect the rest. The log
        // records the question as asked, filters and all.
        let r = self.count_asked(
            std::slice::from_ref(q),
            std::slice::from_ref(&plain),
            &mut [&mut occ],
        )?;
        let (from, to) = r
            .into_iter()
            .next()
            .map(|r| (r.from, r.to))
            .unwrap_or((None, None));
        let (all, years) = if by_year {
            let (all, years) = occ.finish_by_year();
            (all, Some(years))
        } else {
            (occ.finish(), None)
        };
        Ok(EstimateResult {
            from,
            to,
            all,
            years,
        })
    }
}

/// A contact decoded for statistics.
pub(super) struct StatContact<'a> {
    pub id: i64,
    pub date: &'a str,
    /// The person, after merges (the id of the person it was declared to be), if identified.
    pub person: Option<i64>,
    /// The unit of the user who logged it, as a statistics code.
    pub unit: u32,
    pub attributes: Attributes,
}

/// A decrypted contact handed to the second counting thread: date, person, attributes, and the
/// contact's record key (zero unless keyed).
type Batched = (String, Option<i64>, u32, Attributes, u32);
const BATCH: usize = 4096;

/// From this many queries on (the report's tables), half of them are counted on a second
/// thread.
const SECOND_THREAD_FROM: usize = 3;

/// A date as storage compares it.
fn day(d: Option<Date>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Vault {
    /// Counts, after the entry is written: one pass over the contacts of the covering period.
    /// With `record_keys`, each contact's record key is derived once and fed to every query,
    /// each person's once per count, and the results carry cell keys.
    fn count(
        &self,
        queries: &[Query],
        sinks: &mut [&mut (dyn StatsSink + Send)],
        record_keys: Option<&RecordKeys>,
        scope: Option<u32>,
    ) -> Result<Vec<StatsResult>> {
        if queries.is_empty() && sinks.is_empty() {
            return Ok(Vec::new());
        }
        // One read session for everything counted, so every figure comes from one state of the
        // database even while another process writes.
        let reads = self.store.read()?;
        let reads = &*reads;
        let merges = Merges::load(reads)?;
        let first = self.first_contacts_in(reads, &merges, scope)?;
        let mut accs: Vec<Accumulator<'_>> = queries
            .iter()
            .map(|q| Accumulator::new(q, self.lists()))
            .collect();
        let (from, to) = covering(
            accs.iter()
                .map(|a| a.selection())
                .chain(sinks.iter().map(|s| s.selection())),
        );
        let (from, to) = (day(from), day(to));
        let (from, to) = (from.as_deref(), to.as_deref());
        let unit_counted = scope;
        // The record keys of the persons met, each derived once.
        let mut person_keys: HashMap<i64, u32> = HashMap::new();
        let mut contact_key = |c: &StatContact<'_>| match record_keys {
            None => 0,
            Some(k) => {
                if let Some(p) = c.person {
                    person_keys.entry(p).or_insert_with(|| k.person(p));
                }
                k.contact(c.id)
            }
        };
        // The first and last date of the unit's contacts (in a unit's count): what an open end
        // of a period shows. The scan covers every open end, so what it sees is the range.
        let mut seen: Option<(String, String)> = None;
        let mut in_scope = |c: &StatContact<'_>| {
            if scope.is_none_or(|u| u == c.unit) {
                if scope.is_some() {
                    widen(&mut seen, c.date);
                }
                true
            } else {
                false
            }
        };
        if accs.len() < SECOND_THREAD_FROM {
            self.for_each_stat_contact(reads, (from, to), unit_counted, &merges, |c| {
                if !in_scope(&c) {
                    return;
                }
                let key = contact_key(&c);
                for acc in accs.iter_mut() {
                    acc.add_in(c.date, c.person, c.unit, &c.attributes, key);
                }
                for s in sinks.iter_mut() {
                    s.add_in(c.date, c.person, c.unit, &c.attributes, key);
                }
            })?;
        } else {
            // Several tables (the report): half of them are counted on a second thread, fed in
            // batches of decrypted contacts, so that decrypting once is not followed by counting
            // everything on one core.
            let half = accs.len() / 2;
            let (here, there) = accs.split_at_mut(half);
            let scan = std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Batched>>(4);
                let worker = scope.spawn(move || {
                    for batch in rx {
                        for (date, person, unit, attributes, key) in &batch {
                            for acc in there.iter_mut() {
                                acc.add_in(date, *person, *unit, attributes, *key);
                            }
                        }
                    }
                });
                let mut batch: Vec<Batched> = Vec::with_capacity(BATCH);
                let scan =
                    self.for_each_stat_contact(reads, (from, to), unit_counted, &merges, |c| {
                        if !in_scope(&c) {
                            return;
                        }
                        let key = contact_key(&c);
                        for acc in here.iter_mut() {
                            acc.add_in(c.date, c.person, c.unit, &c.attributes, key);
                        }
                        for s in sinks.iter_mut() {
                            s.add_in(c.date, c.person, c.unit, &c.attributes, key);
                        }
                        batch.push((c.date.to_string(), c.person, c.unit, c.attributes, key));
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            // The worker only stops when this sender is dropped.
                            let _ = tx.send(full);
                        }
                    });
                if !batch.is_empty() {
                    let _ = tx.send(batch);
                }
                drop(tx);
                let joined = worker.join();
                (scan, joined.is_ok())
            });
            match scan {
                (Err(e), _) => return Err(e),
                (Ok(()), false) => return Err(Error::Failed(Msg::StatsThread)),
                (Ok(()), true) => {}
            }
        }
        // Field nights per period, read once for queries sharing one.
        let mut nights: Vec<u64> = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            let earlier = queries[..i]
                .iter()
                .position(|e| (e.from, e.to) == (q.from, q.to));
            let n = match earlier {
                Some(j) => nights[j],
                None => self.field_nights_in(reads, q, scope)?,
            };
            nights.push(n);
        }
        let range = match scope {
            None => reads.contact_date_range()?,
            Some(_) => seen,
        };
        Ok(accs
            .into_iter()
            .zip(nights)
            .map(|(acc, n)| match record_keys {
                None => acc.finish(&first, n, range.clone()),
                Some(k) => {
                    // Every person counted was met in the scan; derived again otherwise.
                    let person_key =
                        |p: i64| person_keys.get(&p).copied().unwrap_or_else(|| k.person(p));
                    acc.finish_keyed(&first, n, range.clone(), &person_key)
                }
            })
            .collect())
    }

    /// The field nights of a query's period: of the unit counted (`scope`), and of the units
    /// a `unit` filter names. (Other filters do not apply to nights.)
    pub(super) fn field_nights_in(
        &self,
        reads: &dyn Reads,
        q: &Query,
        scope: Option<u32>,
    ) -> Result<u64> {
        let (from, to) = (day(q.from), day(q.to));
        let units: Vec<&crate::stats::Filter> = q
            .filters
            .iter()
            .filter(|f| f.dimension == crate::stats::Dimension::Unit)
            .collect();
        if scope.is_none() && units.is_empty() {
            return Ok(reads.field_night_count(from.as_deref(), to.as_deref())? as u64);
        }
        let counted = |unit: u32| {
            scope.is_none_or(|s| s == unit) && units.iter().all(|f| f.codes().contains(&unit))
        };
        let mut n = 0;
        for (author, count) in reads.field_night_counts_by_author(from.as_deref(), to.as_deref())? {
            if counted(self.unit_code_of(author)) {
                n += count as u64;
            }
        }
        Ok(n)
    }

    /// The unit of a user's contacts and nights, as a statistics code.
    pub(super) fn unit_code_of(&self, user: i64) -> u32 {
        u32::try_from(self.units.of_user(user)).unwrap_or(u32::MAX)
    }

    /// Decrypts what statistics need of every contact in the period of the unit counted
    /// (`scope`; every unit's when none) and hands it to `f`. Another unit's contact is passed
    /// over before it is opened (under keys per unit, an outreach worker holds no key of it).
    /// The person is resolved through declared merges.
    ///
    /// Two threads: this one reads the rows (on a server, receiving them is much of the work)
    /// and copies them into batches; the other opens each and runs `f`, in the order read.
    pub(super) fn for_each_stat_contact(
        &self,
        reads: &dyn Reads,
        (from, to): (Option<&str>, Option<&str>),
        scope: Option<u32>,
        merges: &Merges,
        f: impl FnMut(StatContact<'_>) + Send,
    ) -> Result<()> {
        let keys = &self.keys;
        let districts = &self.districts;
        std::thread::scope(|threads| {
            let (send, batches) = std::sync::mpsc::sync_channel::<StatBatch>(4);
            let opener = threads.spawn(move || -> Result<()> {
                let mut f = f;
                for batch in batches {
                    for row in &batch.rows {
                        let place = Place::ContactAttributes(row.id);
                        let sealed = &batch.bytes[row.attributes.clone()];
                        let attributes =
                            open_in_at(keys, row.key_unit, place, sealed).and_then(|plain| {
                                Attributes::decode(&plain, districts)
                                    .ok_or_else(|| damaged_value("contacts", row.id))
                            })?; // returning drops `batches`: the reading stops
                        let date = std::str::from_utf8(&batch.bytes[row.date.clone()])
                            .map_err(|_| damaged_value("contacts", row.id))?;
                        f(StatContact {
                            id: row.id,
                            date,
                            person: row.person,
                            unit: row.unit,
                            attributes,
                        });
                    }
                }
                Ok(())
            });
            let mut batch = StatBatch::default();
            let read = reads.scan_stat_rows(from, to, &mut |row| {
                let unit = self.unit_code_of(row.created_by);
                if scope.is_some_and(|s| s != unit) {
                    return NEXT;
                }
                let date = batch.bytes_of(row.date.as_bytes());
                let attributes = batch.bytes_of(row.attributes);
                batch.rows.push(StatRowOwned {
                    id: row.id,
                    person: row.person_id.map(|p| merges.resolve(p)),
                    unit,
                    key_unit: self.units.of_user(row.created_by),
                    date,
                    attributes,
                });
                if batch.rows.len() < STAT_BATCH {
                    return NEXT;
                }
                match send.send(std::mem::take(&mut batch)) {
                    Ok(()) => NEXT,
                    Err(_) => STOP, // the opener stopped: it says why
                }
            });
            if !batch.rows.is_empty() {
                let _ = send.send(batch);
            }
            drop(send);
            let opened = opener.join().map_err(|_| Error::Failed(Msg::StatsThread))?;
            // What the opener met first (a damaged row) is why the reading stopped.
            opened.and(read.map_err(Error::from))
        })
    }
}

/// Rows read for statistics on their way to the thread that opens them: their bytes in one
/// buffer (no allocation a row).
#[derive(Default)]
struct StatBatch {
    bytes: Vec<u8>,
    rows: Vec<StatRowOwned>,
}

struct StatRowOwned {
    id: i64,
    /// After merges.
    person: Option<i64>,
    /// The unit as a statistics code, and the unit whose key opens the row.
    unit: u32,
    key_unit: i64,
    date: std::ops::Range<usize>,
    attributes: std::ops::Range<usize>,
}

/// Rows a batch of [`StatBatch`] holds.
const STAT_BATCH: usize = 2048;

impl StatBatch {
    /// Copies `b` into the batch's buffer; where it is.
    fn bytes_of(&mut self, b: &[u8]) -> std::ops::Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        start..self.bytes.len()
    }
}

/// Widens a range of dates (first, last) to take in `date`.
fn widen(range: &mut Option<(String, String)>, date: &str) {
    match range {
        None => *range = Some((date.to_string(), date.to_string())),
        Some((lo, hi)) => {
            if date < lo.as_str() {
                *lo = date.to_string();
            }
            if date > hi.as_str() {
                *hi = date.to_string();
            }
        }
    }
}

/// Every person's first contact date (all time, any type), after merges, as YYYYMMDD.
pub(super) fn first_contacts(reads: &dyn Reads, merges: &Merges) -> Result<HashMap<i64, u32>> {
    let mut out: HashMap<i64, String> = HashMap::new();
    reads.scan_first_contacts(&mut |person, date| {
        let p = merges.resolve(person);
        match out.get_mut(&p) {
            Some(d) if d.as_str() <= date => {}
            Some(d) => *d = date.to_string(),
            None => {
                out.insert(p, date.to_string());
            }
        }
        NEXT
    })?;
    Ok(out.into_iter().map(|(p, d)| (p, date_code(&d))).collect())
}

impl Vault {
    /// Every person's first contact date with the unit counted (`scope`), or with the city
    /// (none): a unit's `new_individuals` are new to the unit. (New to the city, a unit's figure
    /// would tell whether another unit met a person whose code the unit logs, and when: a red
    /// team bisected the date of another unit's first contact with such a person.)
    pub(super) fn first_contacts_in(
        &self,
        reads: &dyn Reads,
        merges: &Merges,
        scope: Option<u32>,
    ) -> Result<HashMap<i64, u32>> {
        let Some(unit) = scope else {
            return first_contacts(reads, merges);
        };
        let mut out: HashMap<i64, u32> = HashMap::new();
        reads.scan_stat_rows(None, None, &mut |row| {
            if let Some(person) = row.person_id {
                if self.unit_code_of(row.created_by) == unit {
                    let date = date_code(row.date);
                    out.entry(merges.resolve(person))
                        .and_modify(|d| *d = (*d).min(date))
                        .or_insert(date);
                }
            }
            NEXT
        })?;
        Ok(out)
    }
}

impl<'v> Statistics<'v> {
    /// Opens statistics for `purpose`: checks the role (a refusal is logged and returned).
    /// Nothing is read or logged until [`StatsDoor::count`].
    pub fn open(self, purpose: StatsPurpose) -> Result<StatsDoor<'v>> {
        self.0.require(purpose.permission())?;
        let scope = match self.0.units.several() {
            true => Some(self.0.unit_code_of(self.0.user.id)),
            false => None,
        };
        Ok(StatsDoor {
            vault: self.0,
            purpose,
            record_keys: None,
            scope,
        })
    }

    /// [`Statistics::open`] and [`StatsDoor::count`] in one: for callers whose queries do not
    /// depend on the database.
    pub fn count(
        self,
        purpose: StatsPurpose,
        queries: &[Query],
        sinks: &mut [&mut (dyn StatsSink + Send)],
    ) -> Result<Vec<StatsResult>> {
        self.open(purpose)?.count(queries, sinks)
    }

    /// The interface overview's figures on `today` (logged as the overview).
    pub fn overview(self, today: Date) -> Result<Overview> {
        let queries = overview::queries(today);
        let results = self.count(StatsPurpose::Overview, &queries, &mut [])?;
        match results.as_slice() {
            [this, last] => Ok(Overview::from_results(today, this, last)),
            _ => Err(Error::Failed(Msg::OverviewNotCounted)),
        }
    }

    /// The first and last contact date in the database (in a city, of the user's own unit),
    /// if any (not logged: no contact is decrypted).
    pub fn date_range(&self) -> Result<Option<(String, String)>> {
        let vault = &*self.0;
        let reads = vault.store.read()?;
        if !vault.units.several() {
            return Ok(reads.contact_date_range()?);
        }
        let own = u32::try_from(vault.user.unit).unwrap_or(u32::MAX);
        let mut range: Option<(String, String)> = None;
        reads.scan_stat_rows(None, None, &mut |row| {
            if vault.unit_code_of(row.created_by) == own {
                widen(&mut range, row.date);
            }
            NEXT
        })?;
        Ok(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Passphrase;
    use crate::domain::{
        parse_date, AgeBand, ContactType, Counterpart, District, Gender, NewContact, PersonCode,
        Referrals, Role,
    };
    use crate::stats::estimate::Occasions;
    use crate::stats::{Dimension, Filter};
    use crate::storage::memory::MemoryStore;

    const PASS: &str = "correct horse battery staple";

    fn date(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn contact(day: &str, code: &str, role: Role, referrals: &str, district: &str) -> NewContact {
        NewContact {
            date: date(day),
            code: PersonCode::normalise(code),
            attributes: Attributes {
                role,
                gender: Gender::Woman,
                age_band: AgeBand::From25To34,
                counterpart: Counterpart::Men,
                district: District::new(district).unwrap(),
                contact_type: ContactType::Outreach,
                referrals: referrals.parse::<Referrals>().unwrap(),
                trafficking: false,
                concern: None,
                projects: crate::domain::ProjectSet::none(),
            },
            note: zeroize::Zeroizing::new(String::new()),
            field_night: None,
        }
    }

    /// A database with a handful of contacts over three years, two codes declared one person.
    fn vault() -> Vault {
        vault_on(&MemoryStore::new())
    }

    /// The same, on a database other handles can open too.
    fn vault_on(store: &MemoryStore) -> Vault {
        let mut v = Vault::create_in(
            |k| Ok(Box::new(store.keyed(k))),
            "admin",
            &Passphrase::new(PASS.into()),
        )
        .unwrap();
        for c in [
            contact("2019-05-01", "ab12", Role::Sells, "", "norrmalm"),
            contact("2020-02-01", "ab12", Role::Sells, "health", "norrmalm"),
            contact("2020-02-01", "cd34", Role::Buys, "", "farsta"),
            contact(
                "2020-03-15",
                "ef56",
                Role::Sells,
                "health;housing",
                "norrmalm",
            ),
            contact("2020-03-16", "ef56", Role::Sells, "", "farsta"),
            contact("2020-07-01", "", Role::Other, "", "norrmalm"),
            contact("2021-01-10", "gh78", Role::Sells, "legal", "online"),
            contact("2021-01-11", "cd34", Role::Buys, "", "farsta"),
        ] {
            v.contacts().add(c, false).unwrap();
        }
        let code = |s: &str| PersonCode::normalise(s).unwrap();
        v.persons().merge(&code("ab12"), &code("gh78")).unwrap();
        v
    }

    fn last_entry(v: &Vault) -> (String, String, String) {
        let mut last = None;
        v.store
            .read()
            .unwrap()
            .scan_audit_log(&mut |r| {
                last = Some((r.action, r.objects, r.detail));
                NEXT
            })
            .unwrap();
        last.unwrap()
    }

    fn audit_len(v: &Vault) -> usize {
        let mut n = 0;
        v.store
            .read()
            .unwrap()
            .scan_audit_log(&mut |_| {
                n += 1;
                NEXT
            })
            .unwrap();
        n
    }

    fn queries(districts: &crate::domain::Districts) -> Vec<Query> {
        let year = |y: i32| Query {
            from: Some(date(&format!("{y}-01-01"))),
            to: Some(date(&format!("{y}-12-31"))),
            ..Query::default()
        };
        vec![
            Query::default(),
            Query {
                by: vec![Dimension::Year, Dimension::Role],
                ..Query::default()
            },
            Query {
                by: vec![Dimension::Referral],
                ..year(2020)
            },
            Query {
                filters: vec![Filter::parse("district=norrmalm,online", districts).unwrap()],
                by: vec![Dimension::Month],
                ..year(2021)
            },
            Query {
                from: Some(date("2020-03-01")),
                ..Query::default()
            },
        ]
    }

    #[test]
    fn each_purpose_writes_one_entry_as_before() {
        let mut v = vault();
        let cases = [
            (
                StatsPurpose::Command {
                    publish_threshold: None,
                },
                "stats",
                "",
            ),
            (
                StatsPurpose::Command {
                    publish_threshold: Some(5),
                },
                "stats",
                "publish threshold=5",
            ),
            (StatsPurpose::Estimate { by_year: false }, "estimate", ""),
            (
                StatsPurpose::Estimate { by_year: true },
                "estimate",
                "by=year",
            ),
            // The same threshold as the publication above: one period under two would be
            // refused (the publication register).
            (
                StatsPurpose::Report { threshold: 5 },
                "report",
                "threshold=5",
            ),
            (StatsPurpose::Screen, "stats", "interface"),
            (StatsPurpose::Overview, "stats", "interface overview"),
            (StatsPurpose::DemoSummary, "stats", "demo summary"),
        ];
        for (purpose, action, detail) in cases {
            let before = audit_len(&v);
            let mut qs = queries(v.districts());
            if purpose.threshold().is_some() {
                // A publication of overlapping periods would subtract within itself: refused,
                // and nothing logged. Of the disjoint ones, each period's digest is logged.
                let refused = v.stats().count(purpose, &qs, &mut []);
                assert!(
                    matches!(refused, Err(Error::Input(Msg::PublishPeriodsOverlap))),
                    "{refused:?}"
                );
                assert_eq!(audit_len(&v), before);
                qs.retain(|q| q.from.is_some() && q.to.is_some());
            }
            v.stats().count(purpose, &qs, &mut []).unwrap();
            assert_eq!(audit_len(&v), before + 1, "{purpose:?}");
            let (a, o, d) = last_entry(&v);
            assert_eq!((a.as_str(), o.as_str()), (action, "contacts:aggregate"));
            // The purpose, then what was asked: periods and groupings in the clear, the
            // filters sealed (a category value never in the clear).
            assert!(d.starts_with(detail), "{purpose:?}: {d}");
            assert_eq!(
                d.matches(" digest=").count(),
                if purpose.threshold().is_some() { 2 } else { 0 },
                "{d}"
            );
            if purpose.threshold().is_none() {
                assert!(d.contains("from=- to=- by=year+role"), "{d}");
            }
            assert!(
                d.contains("from=2020-01-01 to=2020-12-31 by=referral"),
                "{d}"
            );
            assert!(d.contains(" filters=") && !d.contains("norrmalm"), "{d}");
            let shown = super::super::audit::open_filters(&v.keys, &d);
            assert!(
                shown.contains("filters=[district=norrmalm,online]"),
                "{shown}"
            );
        }
        // Opening alone writes nothing; only counting does.
        let before = audit_len(&v);
        let door = v.stats().open(StatsPurpose::Screen).unwrap();
        drop(door);
        assert_eq!(audit_len(&v), before);
    }

    #[test]
    fn the_report_needs_its_role_and_a_refusal_is_the_only_entry() {
        let store = MemoryStore::new();
        let mut v = vault_on(&store);
        let pass = Passphrase::new(PASS.into());
        v.staff()
            .add("olle", crate::domain::StaffRole::Outreach, &pass)
            .unwrap();
        let mut olle = Vault::unlock_in(store.locked(), "olle", &pass).unwrap();
        let before = audit_len(&olle);
        let err = olle
            .stats()
            .open(StatsPurpose::Report { threshold: 5 })
            .err()
            .unwrap();
        assert!(matches!(err, Error::RoleMayNot { .. }), "{err}");
        assert_eq!(audit_len(&olle), before + 1);
        assert_eq!(last_entry(&olle).0, "refused");
        olle.stats()
            .count(StatsPurpose::Screen, &[Query::default()], &mut [])
            .unwrap();
    }

    #[test]
    fn one_pass_counts_like_one_query_at_a_time() {
        let mut v = vault();
        let qs = queries(v.districts());
        let districts = v.districts().clone();
        let estimate_q = Query {
            from: Some(date("2020-01-01")),
            ..Query::default()
        };
        // Five queries (two threads) and the occasions in one pass ...
        let mut occ = Occasions::new(&estimate_q, &districts);
        let together = v
            .stats()
            .count(StatsPurpose::Screen, &qs, &mut [&mut occ])
            .unwrap();
        // ... against each alone (one thread), the occasions with a query of their own period.
        for (q, r) in qs.iter().zip(&together) {
            let alone = v.stats().open(StatsPurpose::Screen).unwrap().count_one(q);
            assert_eq!(&alone.unwrap(), r, "{q:?}");
        }
        let mut alone = Occasions::new(&estimate_q, &districts);
        v.stats()
            .count(StatsPurpose::Screen, &[], &mut [&mut alone])
            .unwrap();
        assert_eq!(occ.finish(), alone.finish());

        // The figures themselves: ab12 and gh78 are one person; 2019's contact makes ab12 not
        // new in 2020.
        let all = &together[0];
        assert_eq!(all.totals.contacts, 8);
        assert_eq!(all.totals.individuals, 3);
        assert_eq!(all.totals.unidentified_contacts, 1);
        assert_eq!(all.from.as_deref(), Some("2019-05-01"));
        assert_eq!(all.to.as_deref(), Some("2021-01-11"));
        let y2020 = v
            .stats()
            .count(
                StatsPurpose::Screen,
                &[Query {
                    from: Some(date("2020-01-01")),
                    to: Some(date("2020-12-31")),
                    ..Query::default()
                }],
                &mut [],
            )
            .unwrap()
            .remove(0);
        assert_eq!(y2020.totals.individuals, 3);
        assert_eq!(y2020.totals.new_individuals, 2);
        let norrmalm_2021 = &together[3];
        assert_eq!(norrmalm_2021.totals.contacts, 1);
        assert_eq!(norrmalm_2021.groups[0].key, ["2021-01"]);
    }

    fn keyed_counts(v: &mut Vault, qs: &[Query]) -> Vec<StatsResult> {
        v.stats()
            .open(StatsPurpose::Screen)
            .unwrap()
            .with_cell_keys()
            .unwrap()
            .count(qs, &mut [])
            .unwrap()
    }

    #[test]
    fn a_cell_key_publication_logs_its_method_and_no_threshold() {
        let mut v = vault();
        let qs = queries(v.districts());
        for (purpose, action, detail) in [
            (
                StatsPurpose::Command {
                    publish_threshold: Some(5),
                },
                "stats",
                "publish method=cellkey ",
            ),
            (
                StatsPurpose::Report { threshold: 5 },
                "report",
                "method=cellkey ",
            ),
        ] {
            v.stats()
                .open(purpose)
                .unwrap()
                .with_cell_keys()
                .unwrap()
                .count(&qs, &mut [])
                .unwrap();
            let (a, _, d) = last_entry(&v);
            assert_eq!(a, action);
            assert!(d.starts_with(detail), "{purpose:?}: {d}");
            assert!(!d.contains("threshold"), "{purpose:?}: {d}");
        }
    }

    #[test]
    fn keyed_counts_sum_the_record_keys_in_one_pass_or_two_threads() {
        let mut v = vault();
        let qs = queries(v.districts());
        let keyed = keyed_counts(&mut v, &qs);
        assert!(last_entry(&v)
            .2
            .starts_with("interface method=cellkey from="));
        // Independently: the record keys of the database's secret over its rows.
        let reads = v.store.read().unwrap();
        let rk = super::super::cellkey::open_secret(&*reads, &v.keys)
            .unwrap()
            .expect("init made the secret")
            .record_keys();
        let merges = Merges::load(&*reads).unwrap();
        let (mut contacts, mut unidentified) = (0u32, 0u32);
        let mut persons = std::collections::BTreeSet::new();
        reads
            .scan_stat_rows(None, None, &mut |row| {
                contacts = contacts.wrapping_add(rk.contact(row.id));
                match row.person_id {
                    Some(p) => {
                        persons.insert(merges.resolve(p));
                    }
                    None => unidentified = unidentified.wrapping_add(rk.contact(row.id)),
                }
                NEXT
            })
            .unwrap();
        drop(reads);
        assert_eq!(persons.len(), 3, "ab12 and gh78 are one person");
        let individuals = persons
            .iter()
            .fold(0u32, |a, p| a.wrapping_add(rk.person(*p)));
        let all = &keyed[0];
        assert_eq!(
            all.keys,
            crate::stats::CellKeys {
                contacts,
                individuals,
                // Every person's first contact is in the open period.
                new_individuals: individuals,
                unidentified_contacts: unidentified,
            }
        );
        // Five queries (two threads) give what each gives alone (one thread).
        for (q, r) in qs.iter().zip(&keyed) {
            let alone = v
                .stats()
                .open(StatsPurpose::Screen)
                .unwrap()
                .with_cell_keys()
                .unwrap()
                .count_one(q)
                .unwrap();
            assert_eq!(&alone, r, "{q:?}");
        }
        // The figures are those of an unkeyed count, whose keys are all zero.
        let plain = v.stats().count(StatsPurpose::Screen, &qs, &mut []).unwrap();
        for (p, k) in plain.iter().zip(&keyed) {
            assert_eq!(p.totals, k.totals);
            assert_eq!(p.keys, crate::stats::CellKeys::default());
            assert_eq!(p.groups.len(), k.groups.len());
            for (pg, kg) in p.groups.iter().zip(&k.groups) {
                assert_eq!((&pg.key, pg.figures), (&kg.key, kg.figures));
                assert_eq!(pg.keys, crate::stats::CellKeys::default());
            }
        }
        assert!(keyed[1].groups.iter().all(|g| g.keys.contacts != 0));
    }

    #[test]
    fn a_rekey_keeps_every_cell_key_and_an_auditor_gets_the_same() {
        let store = MemoryStore::new();
        let mut v = vault_on(&store);
        let qs = queries(v.districts());
        let before = keyed_counts(&mut v, &qs);
        let sealed_before = v.store.read().unwrap().meta("cellkey_secret").unwrap();
        v.lifecycle().rekey().unwrap();
        let sealed_after = v.store.read().unwrap().meta("cellkey_secret").unwrap();
        assert!(
            sealed_after.is_some() && sealed_after != sealed_before,
            "re-sealed"
        );
        assert_eq!(keyed_counts(&mut v, &qs), before);
        let pass = Passphrase::new(PASS.into());
        v.staff()
            .add("aino", crate::domain::StaffRole::Auditor, &pass)
            .unwrap();
        let mut aino = Vault::unlock_in(store.locked(), "aino", &pass).unwrap();
        assert_eq!(keyed_counts(&mut aino, &qs), before);
        // Another database, other keys for the same contacts.
        let mut other = vault();
        let theirs = keyed_counts(&mut other, &qs);
        assert_eq!(theirs[0].totals, before[0].totals);
        assert_ne!(theirs[0].keys, before[0].keys);
    }

    #[test]
    fn the_overview_counts_this_year_and_last_year_to_the_same_day() {
        let mut v = vault();
        let o = v.stats().overview(date("2021-03-01")).unwrap();
        assert_eq!(o.year, 2021);
        assert_eq!(o.this_year.contacts, 2);
        assert_eq!(o.this_year.individuals, 2);
        assert_eq!(o.per_month[0], 2);
        assert_eq!(o.last_year.contacts, 2, "2020 up to 1 March");
        let (a, o, d) = last_entry(&v);
        assert_eq!((a.as_str(), o.as_str()), ("stats", "contacts:aggregate"));
        assert!(
            d.starts_with("interface overview from=2021-01-01 to=2021-03-01")
                && d.contains("from=2020-01-01 to=2020-03-01"),
            "{d}"
        );
    }
}
