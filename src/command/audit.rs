//! `audit`: the anonymisation and integrity report (roles lead, auditor, admin).

use clap::{Args, ValueEnum};

use super::{lang, unlock};
use crate::audit::{render, run_checks};
use crate::cli::Global;
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::msg::Msg;
use crate::vault::Checkpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// text or json
    #[arg(short, long, default_value = "text")]
    pub format: AuditFormat,
    /// Also print a checkpoint of the log's head, to keep outside the database
    #[arg(long)]
    pub checkpoint: bool,
    /// Prove that the log up to this checkpoint (from an earlier `audit --checkpoint`,
    /// `report` or `backup`) is still exactly as it was
    #[arg(long, value_name = "CHECKPOINT")]
    pub since_checkpoint: Option<String>,
    /// Fail unless the database's fingerprint (printed by `init`) is this one
    #[arg(long, value_name = "FINGERPRINT")]
    pub fingerprint: Option<String>,
    /// First run the identifier detector over every note and record its findings in the log,
    /// for an auditor's `pii` check (lead and admin)
    #[arg(long)]
    pub rescan_notes: bool,
}

pub fn run(g: &Global, a: AuditArgs) -> Result<()> {
    let since = match &a.since_checkpoint {
        None => None,
        Some(s) => Some(
            Checkpoint::parse(s)
                .ok_or_else(|| Error::Input(Msg::NotACheckpoint { value: s.clone() }))?,
        ),
    };
    let fingerprint = match &a.fingerprint {
        None => None,
        Some(s) => Some(
            crate::audit_log::normalise_fingerprint(s)
                .ok_or_else(|| Error::Input(Msg::NotAFingerprint { value: s.clone() }))?,
        ),
    };
    let mut vault = unlock(g)?;
    if a.rescan_notes {
        let (scanned, flagged) = vault.audit().rescan_notes()?;
        eprintln!(
            "{}",
            lang(g).says(Says::Rescanned {
                scanned,
                flagged: flagged as u64
            })
        );
    }
    let facts = vault.audit().facts(since, fingerprint)?;
    let report = run_checks(&facts);
    drop(facts);
    // The run is logged; the checkpoint is the head after that entry, so it covers this run.
    // On a log whose last entry is not the head it recorded (a failure the report shows)
    // nothing is appended: the report is shown all the same, and why the run is not logged.
    let head = match vault.audit().log_run(report.ok) {
        Ok(head) => Some(head),
        Err(e) if !report.ok => {
            eprintln!("uppsok: {}", e.message(lang(g)).trim_end());
            None
        }
        Err(e) => return Err(e),
    };
    let checkpoint = head.filter(|_| a.checkpoint).map(|h| h.to_string());
    let out = match a.format {
        AuditFormat::Json => render::json(&report, checkpoint.as_deref()),
        AuditFormat::Text => render::text(&report, checkpoint.as_deref(), lang(g)),
    };
    println!("{}", out.trim_end());
    if report.ok {
        Ok(())
    } else {
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == crate::audit::Status::Fail)
            .map(|c| c.id)
            .collect();
        Err(Error::Failed(Msg::AuditFailed { checks: failed }))
    }
}
