//! `report`: the publishable report of a period (roles lead, auditor, admin).

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::stats::check_threshold;
use super::{db_path, is_database_file, lang, unlock, PeriodArgs};
use crate::cli::Global;
use crate::domain::today;
use crate::error::{Error, Result};
use crate::msg::{Msg, Written};
use crate::report::{tables_for, Period, Report};
use crate::stats::cellkey::publish_cellkey;
use crate::stats::estimate::Occasions;
use crate::stats::publish::{LinkedQueries, Method, DEFAULT_THRESHOLD};
use crate::stats::{Filter, Query};
use crate::vault::StatsPurpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// md (Markdown) or html (one self-contained page with charts)
    #[arg(short, long, default_value = "md")]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --out: write the file readable by its owner only (0600). Without it the file is
    /// 0644: a report holds only published figures and is meant to be handed out
    #[arg(long, requires = "out")]
    pub private: bool,
    /// Counts from 1 to this minus one are hidden (at least 3)
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: u64,
    /// suppress (hide small counts, the rest exact) or cellkey (every count moved by at most 2,
    /// the same way in every table); default: the unit's (`uppsok config publish-method`)
    #[arg(long, value_name = "METHOD")]
    pub method: Option<Method>,
    /// The funder's account of one project: its contacts only, for its period (or a year or period within it), with funder and period in the heading
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// The whole city's report: every unit's contacts, a person met by two units counted once (admin)
    #[arg(long)]
    pub city: bool,
}

/// The date printed as "generated": `SOURCE_DATE_EPOCH` (seconds, for reproducible reports)
/// or today (UTC).
fn generated() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(chrono::Utc::now);
    now.format("%Y-%m-%d").to_string()
}

pub fn run(g: &Global, a: ReportArgs) -> Result<()> {
    let threshold = check_threshold(a.threshold)?;
    if let Some(out) = &a.out {
        if is_database_file(out, &db_path(g)?) {
            return Err(Error::Input(Msg::ReportOntoDatabase { path: out.clone() }));
        }
    }
    let mut vault = unlock(g)?;
    let method = match a.method {
        Some(m) => m,
        None => vault.publish_method()?,
    };
    let mut door = vault.stats().open(StatsPurpose::Report { threshold })?;
    if a.city {
        door = door.city()?;
    }
    let city = door.is_city();
    if method == Method::Cellkey {
        door = door.with_cell_keys()?;
    }
    let mut base = a.period.query(&[], &[], door.lists())?;
    // A funder's report: the project's contacts, within its period.
    let project = match &a.project {
        None => None,
        Some(name) => {
            let p = door
                .lists()
                .projects
                .by_name(name)
                .cloned()
                .ok_or(Error::Input(Msg::NoSuchProject))?;
            let (first, last) = (p.details.from, p.details.to.unwrap_or_else(today));
            let from = base.from.unwrap_or(first);
            let to = base.to.unwrap_or(last);
            if from < first || to > last {
                return Err(Error::Input(Msg::PeriodOutsideProject {
                    from: first.to_string(),
                    to: p.details.to.map_or_else(String::new, |d| d.to_string()),
                }));
            }
            (base.from, base.to) = (Some(from), Some(to));
            base.filters.push(Filter::project(p.id));
            Some(p)
        }
    };
    // One calendar year (`--year`, or --from and --to within one year): its chart shows months.
    let one_year = a.period.year.is_some()
        || matches!(
            (&base.from, &base.to),
            (Some(f), Some(t)) if f.format("%Y").to_string() == t.format("%Y").to_string()
        );
    let queries: Vec<Query> = tables_for(one_year)
        .iter()
        .map(|dims| Query {
            by: dims.to_vec(),
            ..base.clone()
        })
        .collect();
    let mut occasions = Occasions::new(&base, door.lists());
    // The yearly report counts the unit's information and training work too; a funder's
    // report is about the project's contacts alone.
    let activities = match project {
        Some(_) => None,
        None => Some(door.activities(base.from, base.to)?),
    };
    let mut withheld = Vec::new();
    let (tables, exact) = if method == Method::Cellkey {
        // Every count perturbed by its cell key.
        let exact = door.count(&queries, &mut [&mut occasions])?;
        (exact.iter().map(publish_cellkey).collect(), exact)
    } else {
        // Each table with the tables linked to it, all in one pass.
        let linked = LinkedQueries::new(&queries);
        let results = door.count_linked(&queries, &linked, &mut [&mut occasions])?;
        // A table suppression cannot publish safely is withheld; the others are shown.
        let (tables, w) = linked
            .publish_each_checked(&results, threshold)
            .into_iter()
            .zip(&queries)
            .map(|(r, q)| match r {
                // A coarser table in place of the one asked for is withheld too.
                Ok(p) => {
                    let withheld = p.by.len() < q.by.len();
                    (p, withheld)
                }
                Err(e) => (*e.withheld, true),
            })
            .unzip();
        withheld = w;
        (tables, linked.exact(&results))
    };
    let estimate = occasions.finish();
    let first = exact.first().ok_or(Error::Failed(Msg::ReportEmpty))?;
    let period = Period {
        year: a.period.year,
        from: first.from.clone(),
        to: first.to.clone(),
    };
    let mut report = Report::new(period, generated(), threshold, tables, estimate);
    report.project = project.map(|p| p.details);
    report.activities = activities;
    report.withheld = withheld;
    report.city = city;
    // The log's checkpoint after this report's own entry: published with the figures.
    report.checkpoint = Some(vault.checkpoint()?.to_string());
    let l = lang(g);
    let body = match a.format {
        ReportFormat::Md => report.markdown(l),
        ReportFormat::Html => report.html(l),
    };
    match &a.out {
        None => print!("{body}"),
        Some(path) => {
            let mut f = if a.private {
                super::private_output(path)?
            } else {
                shared_output(path)?
            };
            f.write_all(body.as_bytes())
                .map_err(|e| cannot_write(path, e))?;
            println!(
                "{}",
                l.says(crate::i18n::cli::Says::ReportWritten {
                    file: &path.display().to_string(),
                    private: a.private,
                })
            );
        }
    }
    Ok(())
}

/// Opens the report's file, created or truncated, readable by everyone (0644): it holds only
/// published figures. An existing file gets that mode too.
fn shared_output(path: &std::path::Path) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o644);
    }
    let file = opts.open(path).map_err(|e| cannot_write(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| cannot_write(path, e))?;
    }
    Ok(file)
}

fn cannot_write(path: &std::path::Path, e: std::io::Error) -> Error {
    Error::Failed(Msg::CannotWrite {
        what: Written::File(path.to_path_buf()),
        error: e.to_string(),
    })
}
