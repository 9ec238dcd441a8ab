//! `stats`.

use clap::Args;

use super::{lang, unlock, PeriodArgs};
use crate::cli::Global;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::stats::attack::Verdict;
use crate::stats::cellkey::publish_cellkey;
use crate::stats::publish::{
    LinkedQueries, Method, NotSafe, PublishedResult, DEFAULT_THRESHOLD, MAX_PUBLISHED_DIMENSIONS,
    MIN_THRESHOLD,
};
use crate::stats::render::{render_published, Format, Options};
use crate::vault::StatsPurpose;

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
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
    /// With --publish: counts from 1 to this minus one are hidden (at least 3; suppression
    /// only)
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, requires = "publish")]
    pub threshold: u64,
    /// With --publish: suppress (hide small counts, the rest exact) or cellkey (every count
    /// moved by at most 2, the same way in every table); default: the unit's (`uppsok config
    /// publish-method`)
    #[arg(long, requires = "publish", value_name = "METHOD")]
    pub method: Option<Method>,
    /// table, json, csv or md
    #[arg(short, long, default_value = "table")]
    pub format: Format,
    /// CSV field separator: ',' (default) or ';' (Swedish spreadsheets), or tab
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub csv_separator: String,
    /// Start CSV output with a byte order mark, so spreadsheets read it as UTF-8
    #[arg(long)]
    pub bom: bool,
    /// The whole city's figures: every unit's contacts, a person met by two units counted once; `unit` may then group and filter (admin)
    #[arg(long)]
    pub city: bool,
}

/// The CSV separator from `--csv-separator`.
pub fn csv_separator(s: &str) -> Result<u8> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\\t" | "\t" | "tab" => Ok(b'\t'),
        _ => Err(Error::Input(Msg::CsvSeparator {
            value: s.to_string(),
        })),
    }
}

/// Checks `--threshold`.
pub fn check_threshold(t: u64) -> Result<u64> {
    if t < MIN_THRESHOLD {
        return Err(Error::Input(Msg::ThresholdTooLow {
            threshold: t,
            min: MIN_THRESHOLD,
        }));
    }
    Ok(t)
}

/// The refusal of a table that suppression cannot publish safely.
pub fn not_safe(e: NotSafe) -> Error {
    Error::Input(Msg::PublishNotSafe {
        by: e
            .by
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        undecided: e.verdict == Verdict::Undecided,
    })
}

pub fn run(g: &Global, a: StatsArgs) -> Result<()> {
    let separator = csv_separator(&a.csv_separator)?;
    let threshold = check_threshold(a.threshold)?;
    let mut vault = unlock(g)?;
    // The unit's default method matters only to a publication; an exact count never reads it.
    let method = match a.method {
        Some(m) => m,
        None if a.publish => vault.publish_method()?,
        None => Method::Suppress,
    };
    let mut door = vault.stats().open(StatsPurpose::Command {
        publish_threshold: a.publish.then_some(threshold),
    })?;
    if a.city {
        door = door.city()?;
    }
    let q = a.period.query(&a.by, &a.filter, door.lists())?;
    let shown = if a.publish && method == Method::Cellkey {
        // Every count perturbed by its cell key: no linked tables needed, the same cell is
        // published the same way in every table.
        publish_cellkey(&door.with_cell_keys()?.count_one(&q)?)
    } else if a.publish {
        if q.by.len() > MAX_PUBLISHED_DIMENSIONS {
            return Err(Error::Input(Msg::PublishTooManyDimensions {
                max: MAX_PUBLISHED_DIMENSIONS,
            }));
        }
        // Protected together with every table of fewer of its dimensions (same period and
        // filters), which are counted in the same pass.
        let asked = [q];
        let linked = LinkedQueries::new(&asked);
        let results = door.count_linked(&asked, &linked, &mut [])?;
        linked
            .publish_checked(&results, threshold)
            .map_err(not_safe)?
            .remove(0)
    } else {
        PublishedResult::exact(&door.count_one(&q)?)
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
