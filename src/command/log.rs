//! `log`: the access and change log, for auditors and admins: who did what, when, to which
//! record ids. The log never holds a code, a note or a category value, so neither does this.

use clap::{Args, ValueEnum};

use super::{lang, unlock};
use crate::cli::Global;
use crate::domain::parse_date;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::vault::AccessFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// First day, YYYY-MM-DD (inclusive; UTC)
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (inclusive; UTC)
    #[arg(long)]
    pub to: Option<String>,
    /// Only what this staff member did (`--user` is who signs in)
    #[arg(long, value_name = "NAME")]
    pub staff: Option<String>,
    /// text or json
    #[arg(short, long, default_value = "text")]
    pub format: LogFormat,
}

pub fn run(g: &Global, a: LogArgs) -> Result<()> {
    for (flag, v) in [("from", &a.from), ("to", &a.to)] {
        if let Some(v) = v {
            parse_date(v).map_err(|error| {
                Error::Input(Msg::DateFlag {
                    flag,
                    value: v.clone(),
                    error,
                })
            })?;
        }
    }
    if let (Some(f), Some(t)) = (&a.from, &a.to) {
        if f > t {
            return Err(Error::Input(Msg::EmptyPeriod {
                from: f.clone(),
                to: t.clone(),
            }));
        }
    }
    let mut vault = unlock(g)?;
    let entries = vault.audit().access_log(&AccessFilter {
        from: a.from,
        to: a.to,
        user: a.staff,
    })?;
    match a.format {
        LogFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&entries).expect("entries serialise")
            );
        }
        LogFormat::Text => {
            let t = lang(g).text();
            if entries.is_empty() {
                println!("{}", t.log_empty);
                return Ok(());
            }
            let h = t.log_header;
            println!(
                "{:>6}  {:<20}  {:<12}  {:<20}  {:<24}  {}",
                h[0], h[1], h[2], h[3], h[4], h[5]
            );
            for e in &entries {
                println!(
                    "{:>6}  {:<20}  {:<12}  {:<20}  {:<24}  {}",
                    e.seq,
                    e.at,
                    e.user.as_deref().unwrap_or("-"),
                    e.action,
                    e.objects,
                    e.detail
                );
            }
        }
    }
    Ok(())
}
