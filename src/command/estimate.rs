//! `estimate`: the population size estimate (CONTRACT.md, "Population estimate").

use clap::Args;

use super::{lang, unlock, PeriodArgs};
use crate::cli::Global;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::report::estimate::{json, text};
use crate::vault::StatsPurpose;

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
    #[arg(short, long, default_value = "text")]
    pub format: EstimateFormat,
    /// The whole city: every unit's contacts, a person met by two units counted once (admin)
    #[arg(long)]
    pub city: bool,
}

pub fn run(g: &Global, a: EstimateArgs) -> Result<()> {
    let by_year = match a.by.as_deref() {
        None => false,
        Some("year") => true,
        Some(other) => {
            return Err(Error::Input(Msg::EstimateBy {
                dimension: other.to_string(),
            }))
        }
    };
    let mut vault = unlock(g)?;
    let mut door = vault.stats().open(StatsPurpose::Estimate { by_year })?;
    if a.city {
        door = door.city()?;
    }
    let q = a.period.query(&[], &a.filter, door.lists())?;
    let result = door.estimate(&q, by_year)?;
    match a.format {
        EstimateFormat::Json => print!("{}", json(&result)),
        EstimateFormat::Text => print!("{}", text(&result, lang(g))),
    }
    Ok(())
}
