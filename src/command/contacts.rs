//! `add`, `import`, `export`.

use crate::cli::Values;
use crate::domain::{AgeBand, ConcernReport, ContactType, Counterpart, Gender, Role};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use zeroize::Zeroizing;

use super::{
    is_database_file, lang, private_output, read_stdin_values, require_private_stdout, unlock,
    without_final_newline, FROM_STDIN,
};
use crate::cli::Global;
use crate::csv_io;
use crate::domain::{today, ConcernAnswer, ContactInput, NewContact};
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::i18n::Lang;
use crate::msg::{Msg, NotDone, Piped, ShownProblem, Source, Written};
use crate::vault::Permission;

#[derive(Debug, Args)]
#[command(after_help = "\
Codes and notes need never be on the command line, where other users see them in `ps` and \
the shell keeps them in its history: give `-` instead of the value and it is read from \
standard input. With `--code -` alone, standard input is the code (one line); with \
`--note -` alone, the note; with both, the first line is the code and the rest is the note. \
The final line break is taken off. From a program or a script that holds the values:

  printf 'AB 85\\nville prata om boende\\n' | uppsok add --code - --note - \\
      --date 2025-01-30 --role sells --gender woman --age-band 25-34 --counterpart men \\
      --district norrmalm --contact-type outreach

Typed at a terminal, a printf line lands in the shell history too: there, give `--code -` \
(and `--note -`) and type the values when asked, ending with Ctrl-D on a line of its own.

Examples:
  uppsok add --date 2025-01-30 --code - --role sells --gender woman --age-band 25-34 \\
      --counterpart men --district norrmalm --contact-type outreach --referrals 'health;housing'
  uppsok --lang sv add --date 2025-01-30 --role köper --gender man --age-band 35-44 \\
      --counterpart kvinnor --district internet --contact-type internet")]
pub struct AddArgs {
    /// Contact date, YYYY-MM-DD (not in the future)
    #[arg(long)]
    pub date: String,
    /// Code material the person gave (normalised, then only its keyed pseudonym is stored); `-` reads it from standard input; omit for an unidentified contact
    #[arg(long, default_value = "", hide_default_value = true)]
    pub code: String,
    /// Whether the person sells or buys (the Swedish words work too)
    #[arg(long, value_parser = Values(Role::CHOICES))]
    pub role: String,
    /// The person's gender as they present it or tell it
    #[arg(long, value_parser = Values(Gender::CHOICES))]
    pub gender: String,
    /// Age band
    #[arg(long, value_parser = Values(AgeBand::CHOICES))]
    pub age_band: String,
    /// Gender of those they sell to or buy from
    #[arg(long, value_parser = Values(Counterpart::CHOICES))]
    pub counterpart: String,
    /// A district from the configured list (e.g. norrmalm, online, outside, unknown)
    #[arg(long)]
    pub district: String,
    /// How the contact was made
    #[arg(long, value_parser = Values(ContactType::CHOICES))]
    pub contact_type: String,
    /// ;-separated: health, addiction, housing, police, migration, legal, shelter, other; none when left out
    #[arg(long, default_value = "", hide_default_value = true)]
    pub referrals: String,
    /// Trafficking indicators observed
    #[arg(long, default_value = "no", value_parser = Values(crate::cli::YES_NO))]
    pub trafficking: String,
    /// Under 18 only, and then required: has a report of concern (orosanmälan) been made?
    #[arg(long, default_value = "", hide_default_value = true, value_parser = Values(ConcernReport::CHOICES))]
    pub concern: String,
    /// Free text, stored encrypted; must not identify anyone; `-` reads it from standard input
    #[arg(long, default_value = "", hide_default_value = true)]
    pub note: String,
    /// ;-separated names of the funded projects the contact belongs to (each must cover its date; see `uppsok project list`); without it, a contact of a field night gets the night's project, and "" gives none
    #[arg(long)]
    pub projects: Option<String>,
    /// The field night this contact belongs to (see `uppsok night list`)
    #[arg(long, value_name = "ID")]
    pub field_night: Option<i64>,
    /// Accept a note that looks like it holds a personnummer, phone number or e-mail address (written to the audit log)
    #[arg(long)]
    pub allow_identifiers: bool,
}

/// The code and the note of `add` (and `contact edit`): as given on the command line, or, for `-`, from what was
/// read from standard input (`piped`): the code alone is one line, the note alone all of it,
/// both the first line and the rest; each without its final line break. Never shows either.
pub(super) fn code_and_note<'a>(
    code: &'a str,
    note: &'a str,
    piped: &'a str,
) -> Result<(&'a str, &'a str)> {
    let code_piped = code == FROM_STDIN;
    let (code, note) = match (code_piped, note == FROM_STDIN) {
        (false, false) => (code, note),
        (false, true) => (code, without_final_newline(piped)),
        (true, false) => {
            let code = without_final_newline(piped);
            if code.contains('\n') {
                return Err(Error::Input(Msg::StdinCodeLines));
            }
            (code, note)
        }
        (true, true) => match piped.split_once('\n') {
            Some((first, rest)) => (
                first.strip_suffix('\r').unwrap_or(first),
                without_final_newline(rest),
            ),
            None => (piped, ""),
        },
    };
    if code_piped && code.trim().is_empty() {
        return Err(Error::Input(Msg::StdinNoCode));
    }
    Ok((code, note))
}

/// Reads standard input if the code or the note is to come from there; otherwise nothing.
pub(super) fn read_piped(code: &str, note: &str, lang: Lang) -> Result<Zeroizing<String>> {
    match (code == FROM_STDIN, note == FROM_STDIN) {
        (false, false) => Ok(Zeroizing::new(String::new())),
        (true, false) => read_stdin_values(Piped::Code, lang),
        (false, true) => read_stdin_values(Piped::Note, lang),
        (true, true) => read_stdin_values(Piped::CodeAndNote, lang),
    }
}

/// Validates the fields of `add`, naming every bad one by its flag.
fn parse_add(
    a: &AddArgs,
    code: &str,
    note: &str,
    lists: (&crate::domain::Districts, &crate::domain::Projects),
    night_project: &str,
) -> Result<NewContact> {
    let input = ContactInput {
        date: &a.date,
        code,
        role: &a.role,
        gender: &a.gender,
        age_band: &a.age_band,
        counterpart: &a.counterpart,
        district: &a.district,
        contact_type: &a.contact_type,
        referrals: &a.referrals,
        trafficking: &a.trafficking,
        note,
        concern: &a.concern,
        projects: a.projects.as_deref().unwrap_or(night_project),
        field_night: a.field_night,
    };
    // As in the interface: an under-18 contact is logged with the answer to the
    // report-of-concern question, and only an under-18 contact has one.
    input
        .parse(lists, today(), ConcernAnswer::Required)
        .map_err(|problems| refused(&input, &problems, NotDone::NotLogged))
}

/// Every field that did not parse, named by its flag, after what was not done. The code and
/// the note are never shown, nor a category refused for where it stands (an under-18 answer
/// for an adult).
pub(super) fn refused(
    input: &ContactInput<'_>,
    problems: &[crate::domain::FieldProblem],
    not_done: NotDone,
) -> Error {
    let problems = problems
        .iter()
        .map(|p| ShownProblem {
            field: p.field,
            given: (p.field.may_show_value() && p.error.may_show_value())
                .then(|| input.raw(p.field).to_string()),
            problem: p.clone(),
        })
        .collect();
    Error::Input(Msg::ContactRefused { not_done, problems })
}

pub fn add(g: &Global, a: AddArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let l = lang(g);
    let piped = read_piped(&a.code, &a.note, l)?;
    let (code, note) = code_and_note(&a.code, &a.note, &piped)?;
    // Without --projects, a contact of a field night is in the night's project.
    let night_project = match (a.projects.as_ref(), a.field_night) {
        (None, Some(id)) => vault
            .contacts()
            .night(id)?
            .and_then(|n| n.details.project)
            .and_then(|p| vault.projects().by_id(p))
            .map(|p| p.details.name.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let contact = parse_add(
        &a,
        code,
        note,
        (vault.districts(), vault.projects()),
        &night_project,
    )?;
    let id = vault.contacts().add(contact, a.allow_identifiers)?;
    println!("{}", l.says(Says::Logged { id }));
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
    let file = std::fs::File::open(&a.file).map_err(|e| {
        Error::Input(Msg::CannotRead {
            source: Source::ImportFile(a.file.clone()),
            error: e.to_string(),
        })
    })?;
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let rows = csv_io::read_contacts(
        file,
        (vault.districts().clone(), vault.projects().clone()),
        today(),
        a.allow_identifiers,
    )?;
    let separator = rows.separator();
    // About 80 bytes a row: only an estimate, used to choose the bulk-load path.
    let expected_rows = std::fs::metadata(&a.file)
        .map(|m| m.len() / 80)
        .unwrap_or(0);
    let (records, checker) = rows.split();
    let summary =
        vault
            .contacts()
            .import(records, |r| checker.check(r), a.dry_run, expected_rows)?;
    let said = if summary.dry_run {
        Says::ImportChecked {
            rows: summary.rows as u64,
            separator,
        }
    } else {
        Says::Imported {
            rows: summary.rows as u64,
            new_persons: summary.new_persons.map(|n| n as u64),
            separator,
        }
    };
    println!("{}", lang(g).says(said));
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
    #[arg(short, long, default_value = "csv")]
    pub format: ExportFormat,
    /// Write to this file (mode 0600) instead of standard output. Standard output redirected to a file that others can read (`> file` under umask 022) is refused
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// CSV field separator: ',' (default) or ';' (Swedish spreadsheets), or tab
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub csv_separator: String,
    /// Start the CSV with a byte order mark, so spreadsheets read it as UTF-8
    #[arg(long)]
    pub bom: bool,
}

pub fn export(g: &Global, a: ExportArgs) -> Result<()> {
    let separator = super::stats::csv_separator(&a.csv_separator)?;
    if a.out.is_none() {
        require_private_stdout("export")?;
    }
    let mut vault = unlock(g)?;
    vault.require(Permission::Export)?;
    if let Some(p) = &a.out {
        if vault
            .database_files()
            .first()
            .is_some_and(|db| is_database_file(p, db))
        {
            return Err(Error::Input(Msg::ExportOntoDatabase {
                path: p.to_path_buf(),
            }));
        }
    }
    let result = write_export(&mut vault, &a, separator);
    if let (Ok(()), Some(p)) = (&result, &a.out) {
        println!(
            "{}",
            lang(g).says(Says::ExportWritten {
                file: &p.display().to_string(),
            })
        );
    }
    if result.is_err() {
        // A failed export (a record that does not authenticate, a full disk) leaves no
        // partial file of decrypted records behind.
        if let Some(p) = &a.out {
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

fn write_export(vault: &mut crate::vault::Vault, a: &ExportArgs, separator: u8) -> Result<()> {
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(private_output(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let io = |e: std::io::Error| {
        Error::Failed(Msg::CannotWrite {
            what: Written::Export,
            error: e.to_string(),
        })
    };
    match a.format {
        ExportFormat::Csv => {
            let projects = vault.projects().clone();
            let mut w = csv_io::CsvWriter::with(out, separator, a.bom, projects)?;
            vault.contacts().export(|c| w.write(c))?;
            w.finish()?;
        }
        ExportFormat::Json => {
            let projects = vault.projects().clone();
            out.write_all(b"[").map_err(io)?;
            let mut first = true;
            vault.contacts().export(|c| {
                if !first {
                    out.write_all(b",").map_err(io)?;
                }
                first = false;
                out.write_all(b"\n").map_err(io)?;
                serde_json::to_writer(&mut out, &csv_io::contact_json(c, &projects)).map_err(|e| {
                    Error::Failed(Msg::CannotWrite {
                        what: Written::Export,
                        error: e.to_string(),
                    })
                })
            })?;
            out.write_all(b"\n]\n").map_err(io)?;
            out.flush().map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(code: &str, note: &str, piped: &str) -> Result<(String, String)> {
        code_and_note(code, note, piped).map(|(c, n)| (c.to_string(), n.to_string()))
    }

    fn ok(code: &str, note: &str) -> (String, String) {
        (code.to_string(), note.to_string())
    }

    #[test]
    fn code_and_note_come_from_the_command_line_or_standard_input() {
        assert_eq!(split("AB 85", "hej", "").unwrap(), ok("AB 85", "hej"));
        assert_eq!(split("", "", "ignored").unwrap(), ok("", ""));
        assert_eq!(split("-", "", "AB 85\n").unwrap(), ok("AB 85", ""));
        assert_eq!(split("-", "hej", "AB 85\r\n").unwrap(), ok("AB 85", "hej"));
        assert_eq!(split("AB", "-", "a\nb\n").unwrap(), ok("AB", "a\nb"));
        assert_eq!(split("AB", "-", "").unwrap(), ok("AB", ""));
        assert_eq!(split("", "-", "").unwrap(), ok("", ""));
        assert_eq!(
            split("-", "-", "AB 85\na\nb\n").unwrap(),
            ok("AB 85", "a\nb")
        );
        assert_eq!(split("-", "-", "AB 85\r\na\r\n").unwrap(), ok("AB 85", "a"));
        assert_eq!(split("-", "-", "AB 85").unwrap(), ok("AB 85", ""));
        assert_eq!(split("-", "-", "AB 85\n").unwrap(), ok("AB 85", ""));
    }

    #[test]
    fn a_missing_or_multi_line_piped_code_is_refused_without_showing_anything() {
        for (code, note, piped) in [
            ("-", "", ""),
            ("-", "", "\n"),
            ("-", "", " \t\r\n"),
            ("-", "-", ""),
            ("-", "-", "\nhemlig anteckning\n"),
        ] {
            let e = split(code, note, piped).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(
                e.to_string()
                    .contains("no code was read from standard input"),
                "{e}"
            );
            assert!(!e.to_string().contains("hemlig"), "{e}");
        }
        let e = split("-", "", "AB 85\nhemlig\n").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(!e.to_string().contains("AB 85") && !e.to_string().contains("hemlig"));
    }
}
