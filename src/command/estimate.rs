//! `estimate`: the population size estimate (CONTRACT.md, "Population estimate").

use std::fmt::Write as _;

use clap::Args;

use super::{lang, unlock, PeriodArgs};
use crate::cli::Global;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::report::text::{decimal, ReportText};
use crate::stats::estimate::{one_decimal, Estimate, Occasions};
use crate::stats::Query;
use crate::vault::{StatsDoor, StatsPurpose};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EstimateFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Keep only contacts with these values: DIM=V1,V2 (repeat to AND several)
    #[arg(long, value_name = "DIM=V1,V2")]
    pub filter: Vec<String>,
    /// `year`: one estimate per calendar year as well (occasions counted within the year)
    #[arg(long, value_name = "year")]
    pub by: Option<String>,
    /// text or json
    #[arg(long, default_value = "text")]
    pub format: EstimateFormat,
}

/// The estimate of a period, and per year when asked.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateResult {
    pub from: Option<String>,
    pub to: Option<String>,
    pub all: Estimate,
    pub years: Option<Vec<(u32, Estimate)>>,
}

/// Counts the estimate for a query's period and filters (its `by` is ignored) through an
/// opened statistics door.
pub fn compute(door: StatsDoor<'_>, q: &Query, by_year: bool) -> Result<EstimateResult> {
    let mut occ = Occasions::new(q, door.districts());
    let plain = Query {
        by: Vec::new(),
        filters: Vec::new(),
        ..q.clone()
    };
    // One cheap accumulator for the period's bounds; the occasions collect the rest.
    let r = door.count(std::slice::from_ref(&plain), &mut [&mut occ])?;
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

pub fn run(g: &Global, a: EstimateArgs) -> Result<()> {
    let by_year = match a.by.as_deref() {
        None => false,
        Some("year") => true,
        Some(other) => {
            return Err(Error::Input(format!(
                "--by {other}: the estimate can only be split by year (--by year)."
            )))
        }
    };
    let mut vault = unlock(g)?;
    let door = vault.stats().open(StatsPurpose::Estimate { by_year })?;
    let q = a.period.query(&[], &a.filter, door.districts())?;
    let result = compute(door, &q, by_year)?;
    match a.format {
        EstimateFormat::Json => print!("{}", json(&result)),
        EstimateFormat::Text => print!("{}", text(&result, lang(g))),
    }
    Ok(())
}

fn estimate_json(e: &Estimate) -> serde_json::Map<String, serde_json::Value> {
    let mut o = serde_json::Map::new();
    o.insert("observed".into(), e.observed.into());
    o.insert("f1".into(), e.f1.into());
    o.insert("f2".into(), e.f2.into());
    o.insert("estimate".into(), one_decimal(e.estimate).into());
    o.insert(
        "ci95".into(),
        vec![one_decimal(e.ci95.0), one_decimal(e.ci95.1)].into(),
    );
    o.insert("method".into(), "chao1-bc".into());
    o
}

/// JSON as CONTRACT.md gives it; with `--by year` also `groups`, one object per year.
pub fn json(r: &EstimateResult) -> String {
    let mut o = estimate_json(&r.all);
    if let Some(years) = &r.years {
        let groups: Vec<serde_json::Value> = years
            .iter()
            .map(|(y, e)| {
                let mut g = serde_json::Map::new();
                g.insert("year".into(), format!("{y:04}").into());
                g.extend(estimate_json(e));
                serde_json::Value::Object(g)
            })
            .collect();
        o.insert("groups".into(), groups.into());
    }
    let mut s = serde_json::to_string(&serde_json::Value::Object(o)).expect("JSON serialises");
    s.push('\n');
    s
}

/// Text for people: the figures, then one sentence on what they mean and assume.
pub fn text(r: &EstimateResult, lang: Lang) -> String {
    let t = ReportText::of(lang);
    let mut out = String::new();
    let period = match (&r.from, &r.to) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => lang.text().all_time.to_string(),
    };
    let _ = writeln!(out, "{}: {period}", lang.text().period);
    let e = &r.all;
    let rows = [
        (t.observed, lang.number(e.observed)),
        (t.f1, lang.number(e.f1)),
        (t.f2, lang.number(e.f2)),
        (t.estimate, decimal(e.estimate, lang)),
        (
            t.ci95,
            format!("{} – {}", decimal(e.ci95.0, lang), decimal(e.ci95.1, lang)),
        ),
    ];
    crate::stats::render::label_value_lines(&mut out, &rows);
    if let Some(years) = &r.years {
        out.push('\n');
        let header: Vec<String> = [lang.text().year, "S", "f1", "f2", t.estimate_short, t.ci95]
            .map(String::from)
            .to_vec();
        let body: Vec<Vec<String>> = years
            .iter()
            .map(|(y, e)| {
                vec![
                    format!("{y:04}"),
                    lang.number(e.observed),
                    lang.number(e.f1),
                    lang.number(e.f2),
                    decimal(e.estimate, lang),
                    format!("{} – {}", decimal(e.ci95.0, lang), decimal(e.ci95.1, lang)),
                ]
            })
            .collect();
        out.push_str(&crate::stats::render::aligned(&header, &body, 1));
    }
    out.push('\n');
    if e.observed == 0 {
        let _ = writeln!(out, "{}", t.estimate_empty);
    } else {
        let _ = writeln!(out, "{}", t.estimate_sentence(e, lang));
    }
    out
}
