//! `stats`.

use clap::Args;

use super::{lang, unlock};
use crate::audit_log::Action;
use crate::cli::Global;
use crate::domain::{parse_date, Date};
use crate::error::{Error, Result};
use crate::stats::render::{render, Format};
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
    /// Apply disclosure control for publication
    #[arg(long)]
    pub publish: bool,
    /// table, json, csv or md
    #[arg(long, default_value = "table")]
    pub format: Format,
}

/// Turns the arguments into a query, checking every value.
pub fn query(a: &StatsArgs, districts: &crate::domain::Districts) -> Result<Query> {
    let date = |flag: &str, s: &Option<String>| -> Result<Option<Date>> {
        s.as_deref()
            .map(|v| parse_date(v).map_err(|e| Error::Input(format!("--{flag} '{v}': {e}."))))
            .transpose()
    };
    let (from, to) = match a.year {
        Some(y) => {
            let bound = |m, d| {
                chrono::NaiveDate::from_ymd_opt(y, m, d)
                    .filter(|_| (1900..=9999).contains(&y))
                    .ok_or_else(|| Error::Input(format!("--year {y} is not a usable year.")))
            };
            (Some(bound(1, 1)?), Some(bound(12, 31)?))
        }
        None => (date("from", &a.from)?, date("to", &a.to)?),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::Input(format!(
                "the period is empty: --from {f} is after --to {t}."
            )));
        }
    }
    let mut by = Vec::new();
    for d in &a.by {
        let dim: Dimension = d
            .trim()
            .parse()
            .map_err(|e: String| Error::Input(format!("--by: {e}.")))?;
        if by.contains(&dim) {
            return Err(Error::Input(format!("--by names {dim} twice.")));
        }
        by.push(dim);
    }
    let filters = a
        .filter
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

pub fn run(g: &Global, a: StatsArgs) -> Result<()> {
    if a.publish {
        return Err(Error::Input(
            "--publish (disclosure control for publication) is not available in this version yet; without it every figure is exact and must not be published as it stands."
                .into(),
        ));
    }
    let mut vault = unlock(g)?;
    vault.require(Permission::Stats)?;
    let q = query(&a, vault.districts())?;
    vault.log_read(Action::Stats, "contacts:aggregate", "")?;
    let result = compute(&vault, &q)?;
    print!("{}", render(&result, a.format, lang(g)));
    Ok(())
}
