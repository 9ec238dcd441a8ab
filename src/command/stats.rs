//! `stats`.

use clap::Args;

use super::{lang, unlock};
use crate::audit_log::Action;
use crate::cli::Global;
use crate::domain::{parse_date, Date};
use crate::error::{Error, Result};
use crate::stats::estimate::Occasions;
use crate::stats::publish::{publish, PublishedResult, DEFAULT_THRESHOLD, MIN_THRESHOLD};
use crate::stats::render::{render_published, Format, Options};
use crate::stats::{date_code, Accumulator, Dimension, Filter, Query, StatsResult};
use crate::vault::{Permission, Vault};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// One calendar year (instead of --from/--to)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub year: Option<i32>,
    /// First day of the period, YYYY-MM-DD (inclusive; open when left out)
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD (inclusive; open when left out)
    #[arg(long)]
    pub to: Option<String>,
    /// Group by these dimensions: role, gender, age_band, counterpart, district, contact_type, referral, trafficking, year, month
    #[arg(long, value_delimiter = ',', value_name = "DIM,...")]
    pub by: Vec<String>,
    /// Keep only contacts with these values: DIM=V1,V2 (repeat to AND several)
    #[arg(long, value_name = "DIM=V1,V2")]
    pub filter: Vec<String>,
    /// Apply disclosure control for publication: counts below the threshold hidden, and enough
    /// others that none can be worked out
    #[arg(long)]
    pub publish: bool,
    /// With --publish: counts from 1 to this minus one are hidden (at least 3)
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, requires = "publish")]
    pub threshold: u64,
    /// table, json, csv or md
    #[arg(long, default_value = "table")]
    pub format: Format,
    /// CSV field separator: ',' (default) or ';' (Swedish spreadsheets), or tab
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub csv_separator: String,
    /// Start CSV output with a byte order mark, so spreadsheets read it as UTF-8
    #[arg(long)]
    pub bom: bool,
}

/// The CSV separator from `--csv-separator`.
pub fn csv_separator(s: &str) -> Result<u8> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\\t" | "\t" | "tab" => Ok(b'\t'),
        _ => Err(Error::Input(format!(
            "--csv-separator '{s}' is not one uppsok writes; use ',', ';' or tab."
        ))),
    }
}

/// Checks `--threshold`.
pub fn check_threshold(t: u64) -> Result<u64> {
    if t < MIN_THRESHOLD {
        return Err(Error::Input(format!(
            "--threshold {t} protects nobody (with {t}, '<{t}' tells the count); use {MIN_THRESHOLD} or more, 5 is the default."
        )));
    }
    Ok(t)
}

/// Turns the arguments into a query, checking every value.
pub fn query(a: &StatsArgs, districts: &crate::domain::Districts) -> Result<Query> {
    build_query(a.year, &a.from, &a.to, &a.by, &a.filter, districts)
}

/// The period, grouping and filters from their flags, checking every value.
pub fn build_query(
    year: Option<i32>,
    from: &Option<String>,
    to: &Option<String>,
    by_dims: &[String],
    filter: &[String],
    districts: &crate::domain::Districts,
) -> Result<Query> {
    let date = |flag: &str, s: &Option<String>| -> Result<Option<Date>> {
        s.as_deref()
            .map(|v| parse_date(v).map_err(|e| Error::Input(format!("--{flag} '{v}': {e}."))))
            .transpose()
    };
    let (from, to) = match year {
        Some(y) => {
            let bound = |m, d| {
                chrono::NaiveDate::from_ymd_opt(y, m, d)
                    .filter(|_| (1900..=9999).contains(&y))
                    .ok_or_else(|| Error::Input(format!("--year {y} is not a usable year.")))
            };
            (Some(bound(1, 1)?), Some(bound(12, 31)?))
        }
        None => (date("from", from)?, date("to", to)?),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::Input(format!(
                "the period is empty: --from {f} is after --to {t}."
            )));
        }
    }
    let mut by = Vec::new();
    for d in by_dims {
        let dim: Dimension = d
            .trim()
            .parse()
            .map_err(|e: String| Error::Input(format!("--by: {e}.")))?;
        if by.contains(&dim) {
            return Err(Error::Input(format!("--by names {dim} twice.")));
        }
        by.push(dim);
    }
    let filters = filter
        .iter()
        .map(|f| Filter::parse(f, districts).map_err(|e| Error::Input(format!("--filter: {e}."))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Query {
        from,
        to,
        by,
        filters,
    })
}

/// Computes a query against an unlocked database: the same computation the interface uses.
pub fn compute(vault: &Vault, q: &Query) -> Result<StatsResult> {
    let fmt = |d: Option<Date>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let (from, to) = (fmt(q.from), fmt(q.to));
    let merges = vault.person_merges()?;
    let first: std::collections::HashMap<i64, u32> = vault
        .first_contacts(&merges)?
        .into_iter()
        .map(|(p, d)| (p, date_code(&d)))
        .collect();
    let mut acc = Accumulator::new(q, vault.districts());
    vault.for_each_stat_contact(from.as_deref(), to.as_deref(), &merges, |c| {
        acc.add(c.date, c.person, &c.attributes)
    })?;
    let nights = vault.field_night_count(from.as_deref(), to.as_deref())? as u64;
    Ok(acc.finish(&first, nights, vault.contact_date_range()?))
}

/// A decrypted contact handed to the second counting thread: date, person, attributes.
type Batched = (String, Option<i64>, crate::domain::Attributes);
const BATCH: usize = 4096;

/// Computes several queries over the same period in one pass over the contacts (the report
/// needs a handful of tables; decrypting once keeps it fast), and, when `occasions` is given,
/// collects the capture occasions for the population estimate in the same pass. Every query
/// must have the same period as the first.
pub fn compute_many(
    vault: &Vault,
    queries: &[Query],
    mut occasions: Option<&mut Occasions<'_>>,
) -> Result<Vec<StatsResult>> {
    let Some(first_q) = queries.first() else {
        return Ok(Vec::new());
    };
    let fmt = |d: Option<Date>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let (from, to) = (fmt(first_q.from), fmt(first_q.to));
    let merges = vault.person_merges()?;
    let first: std::collections::HashMap<i64, u32> = vault
        .first_contacts(&merges)?
        .into_iter()
        .map(|(p, d)| (p, date_code(&d)))
        .collect();
    let mut accs: Vec<Accumulator<'_>> = queries
        .iter()
        .map(|q| Accumulator::new(q, vault.districts()))
        .collect();
    if accs.len() < 3 {
        vault.for_each_stat_contact(from.as_deref(), to.as_deref(), &merges, |c| {
            for acc in accs.iter_mut() {
                acc.add(c.date, c.person, &c.attributes);
            }
            if let Some(o) = occasions.as_deref_mut() {
                o.add(c.date, c.person, &c.attributes);
            }
        })?;
    } else {
        // Several tables (the report): half of them are counted on a second thread, fed in
        // batches of decrypted contacts, so that decrypting once is not followed by counting
        // everything on one core.
        let (here, there) = accs.split_at_mut(queries.len() / 2);
        let scan = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Batched>>(4);
            let worker = scope.spawn(move || {
                for batch in rx {
                    for (date, person, attributes) in &batch {
                        for acc in there.iter_mut() {
                            acc.add(date, *person, attributes);
                        }
                    }
                }
            });
            let mut batch: Vec<Batched> = Vec::with_capacity(BATCH);
            let scan = vault.for_each_stat_contact(from.as_deref(), to.as_deref(), &merges, |c| {
                for acc in here.iter_mut() {
                    acc.add(c.date, c.person, &c.attributes);
                }
                if let Some(o) = occasions.as_deref_mut() {
                    o.add(c.date, c.person, &c.attributes);
                }
                batch.push((c.date.to_string(), c.person, c.attributes));
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
            (Ok(()), false) => {
                return Err(Error::Failed(
                    "counting the statistics failed on its second thread; nothing was written."
                        .into(),
                ))
            }
            (Ok(()), true) => {}
        }
    }
    let nights = vault.field_night_count(from.as_deref(), to.as_deref())? as u64;
    let range = vault.contact_date_range()?;
    Ok(accs
        .into_iter()
        .map(|acc| acc.finish(&first, nights, range.clone()))
        .collect())
}

pub fn run(g: &Global, a: StatsArgs) -> Result<()> {
    let separator = csv_separator(&a.csv_separator)?;
    let threshold = check_threshold(a.threshold)?;
    let mut vault = unlock(g)?;
    vault.require(Permission::Stats)?;
    let q = query(&a, vault.districts())?;
    let detail = if a.publish {
        format!("publish threshold={threshold}")
    } else {
        String::new()
    };
    vault.log_read(Action::Stats, "contacts:aggregate", &detail)?;
    let result = compute(&vault, &q)?;
    let shown = if a.publish {
        publish(&result, threshold)
    } else {
        PublishedResult::exact(&result)
    };
    let options = Options {
        format: a.format,
        lang: lang(g),
        csv_separator: separator,
        bom: a.bom,
    };
    print!("{}", render_published(&shown, options));
    Ok(())
}
