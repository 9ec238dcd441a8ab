//! `add`, `import`, `export`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use super::{is_database_file, private_output, unlock};
use crate::cli::Global;
use crate::csv_io;
use crate::domain::{today, ContactInput, NewContact};
use crate::error::{Error, Result};
use crate::vault::Permission;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Contact date, YYYY-MM-DD (not in the future)
    #[arg(long)]
    pub date: String,
    /// Code material the person gave (normalised, then only its keyed pseudonym is stored); omit for an unidentified contact
    #[arg(long, default_value = "")]
    pub code: String,
    /// sells, buys, other, unknown
    #[arg(long)]
    pub role: String,
    /// woman, man, trans, nonbinary, unknown
    #[arg(long)]
    pub gender: String,
    /// under18, 18-24, 25-34, 35-44, 45-54, 55+, unknown
    #[arg(long)]
    pub age_band: String,
    /// Gender of those they sell to or buy from: men, women, both, unknown
    #[arg(long)]
    pub counterpart: String,
    /// A district from the configured list (e.g. norrmalm, online, outside, unknown)
    #[arg(long)]
    pub district: String,
    /// outreach, online, counselling, medical, police, other
    #[arg(long)]
    pub contact_type: String,
    /// ;-separated: health, addiction, housing, police, migration, legal, shelter, other
    #[arg(long, default_value = "")]
    pub referrals: String,
    /// Trafficking indicators observed: yes or no
    #[arg(long, default_value = "no")]
    pub trafficking: String,
    /// Free text, stored encrypted; must not identify anyone
    #[arg(long, default_value = "")]
    pub note: String,
    /// The field night this contact belongs to (see `uppsok night list`)
    #[arg(long, value_name = "ID")]
    pub field_night: Option<i64>,
    /// Accept a note that looks like it holds a personnummer, phone number or e-mail address (written to the audit log)
    #[arg(long)]
    pub allow_identifiers: bool,
}

/// Validates the fields of `add`, naming every bad one by its flag.
fn parse_add(a: &AddArgs, districts: &crate::domain::Districts) -> Result<NewContact> {
    let input = ContactInput {
        date: &a.date,
        code: &a.code,
        role: &a.role,
        gender: &a.gender,
        age_band: &a.age_band,
        counterpart: &a.counterpart,
        district: &a.district,
        contact_type: &a.contact_type,
        referrals: &a.referrals,
        trafficking: &a.trafficking,
        note: &a.note,
        field_night: a.field_night,
    };
    input.parse(districts, today()).map_err(|problems| {
        let named: Vec<String> = problems
            .iter()
            .map(|p| match p.field {
                // The code and the note are never shown.
                f if !f.may_show_value() => format!("--{}: {}", f.flag(), p.error),
                f => format!("--{} '{}': {}", f.flag(), input.raw(f), p.error),
            })
            .collect();
        Error::Input(format!("the contact was not logged: {}.", named.join("; ")))
    })
}

pub fn add(g: &Global, a: AddArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let contact = parse_add(&a, vault.districts())?;
    let id = vault.contacts().add(contact, a.allow_identifiers)?;
    println!("Logged contact {id}.");
    Ok(())
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file (columns as `uppsok export --format csv` writes them)
    pub file: PathBuf,
    /// Check the whole file and report, but import nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Accept notes that look like they hold identifiers (written to the audit log)
    #[arg(long)]
    pub allow_identifiers: bool,
}

pub fn import(g: &Global, a: ImportArgs) -> Result<()> {
    let file = std::fs::File::open(&a.file)
        .map_err(|e| Error::Input(format!("cannot open {}: {e}.", a.file.display())))?;
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let rows = csv_io::read_contacts(
        file,
        vault.districts().clone(),
        today(),
        a.allow_identifiers,
    )?;
    // About 80 bytes a row: only an estimate, used to choose the bulk-load path.
    let expected_rows = std::fs::metadata(&a.file)
        .map(|m| m.len() / 80)
        .unwrap_or(0);
    let summary = vault.contacts().import(rows, a.dry_run, expected_rows)?;
    if summary.dry_run {
        println!(
            "{} rows checked: all valid. Nothing was imported (--dry-run).",
            summary.rows
        );
    } else {
        println!(
            "Imported {} contacts ({} new persons).",
            summary.rows, summary.new_persons
        );
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// csv or json
    #[arg(long, default_value = "csv")]
    pub format: ExportFormat,
    /// Write to this file (mode 0600) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn export(g: &Global, a: ExportArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::Export)?;
    if let Some(p) = &a.out {
        if vault
            .database_files()
            .first()
            .is_some_and(|db| is_database_file(p, db))
        {
            return Err(Error::Input(format!(
                "the export file {} is the database itself (or one of its files); writing the export there would destroy it. Choose another file.",
                p.display()
            )));
        }
    }
    let result = write_export(&mut vault, &a);
    if result.is_err() {
        // A failed export (a record that does not authenticate, a full disk) leaves no
        // partial file of decrypted records behind.
        if let Some(p) = &a.out {
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

fn write_export(vault: &mut crate::vault::Vault, a: &ExportArgs) -> Result<()> {
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(private_output(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let io = |e: std::io::Error| Error::Failed(format!("cannot write the export: {e}."));
    match a.format {
        ExportFormat::Csv => {
            let mut w = csv_io::CsvWriter::new(out)?;
            vault.contacts().export(|c| w.write(c))?;
            w.finish()?;
        }
        ExportFormat::Json => {
            out.write_all(b"[").map_err(io)?;
            let mut first = true;
            vault.contacts().export(|c| {
                if !first {
                    out.write_all(b",").map_err(io)?;
                }
                first = false;
                out.write_all(b"\n").map_err(io)?;
                serde_json::to_writer(&mut out, &csv_io::contact_json(c))
                    .map_err(|e| Error::Failed(format!("cannot write the export: {e}.")))
            })?;
            out.write_all(b"\n]\n").map_err(io)?;
            out.flush().map_err(io)?;
        }
    }
    Ok(())
}
