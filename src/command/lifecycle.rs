//! `rekey`, `forget`, `purge` and `recover`: the database over time (admin).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use zeroize::Zeroizing;

use super::confirm::{count, Confirm};
use super::{at_terminal, db_path, new_passphrase, unlock};
use crate::cli::Global;
use crate::crypto::RecoveryKey;
use crate::domain::PersonCode;
use crate::error::{Error, Result};
use crate::msg::{Msg, Piped, Source};
use crate::vault::{check_new_passphrase, Permission, RekeySummary, Vault};

#[derive(Debug, Args)]
pub struct RekeyArgs {
    #[command(flatten)]
    pub confirm: Confirm,
}

/// What a rekey rewrites, as the end of a sentence.
pub fn rekey_sentence(s: &RekeySummary) -> String {
    format!(
        "key version {}; {}, {} and {} re-encrypted, {} re-sealed, {} verified (signed, so they stay as they are), {}{} rewrapped",
        s.key_version,
        count(s.contacts, "contact", "contacts"),
        count(s.field_nights, "field night", "field nights"),
        count(s.persons, "pseudonym", "pseudonyms"),
        count(s.users, "user record", "user records"),
        count(s.audit_entries, "log entry", "log entries"),
        count(s.slots, "key slot", "key slots"),
        if s.recovery_key {
            " and the recovery key"
        } else {
            ""
        }
    )
}

/// `uppsok rekey [--yes | --dry-run]`.
pub fn rekey(g: &Global, a: RekeyArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    let plan = vault.lifecycle().plan_rekey()?;
    if !a
        .confirm
        .go_ahead(|aux| format!("The database {aux} be rekeyed: {}.", rekey_sentence(&plan)))?
    {
        return Ok(());
    }
    let s = vault.lifecycle().rekey()?;
    println!("Rekeyed the database: {}.", rekey_sentence(&s));
    if !s.pages_rekeyed {
        println!("{PAGES_LATER}");
    }
    Ok(())
}

/// Said when a rekey could not re-encrypt the file under a new page key at once.
pub(super) const PAGES_LATER: &str = "Another uppsok has the database open, so the file itself could not be re-encrypted under a new page key yet; that happens at the next sign-in when no other uppsok has it open.";

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The person's code as they give it (normalised as on entry), or a pseudonym from an
    /// export; `-` reads it from standard input (its first line), or asks at a terminal
    #[arg(long)]
    pub code: String,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// The code as given, or with `-` from standard input: its first line, or a prompt without
/// echo at a terminal.
fn code_text(arg: &str) -> Result<Zeroizing<String>> {
    if arg != "-" {
        return Ok(Zeroizing::new(arg.to_string()));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Code (not shown): ")
            .map(Zeroizing::new)
            .map_err(|e| {
                Error::Input(Msg::CannotRead {
                    source: Source::CodeTerminal,
                    error: e.to_string(),
                })
            });
    }
    // Piped: the same reader as `add --code -` (bounded, UTF-8, zeroized); the first line.
    let text = super::read_stdin_values(Piped::Code)?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

/// `uppsok forget --code C [--yes | --dry-run]`.
pub fn forget(g: &Global, a: ForgetArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::Administer)?;
    let code = PersonCode::normalise(&code_text(&a.code)?).ok_or(Error::Input(Msg::CodeEmpty))?;
    let plan = vault.lifecycle().plan_forget(&code)?;
    let (n, m) = (plan.contacts() as u64, plan.codes() as u64);
    let say = |aux: &str| {
        if m > 1 {
            format!(
                "{} of {m} codes declared one person {aux} be erased, with those {m} pseudonyms and the merges between them.",
                count(n, "contact", "contacts")
            )
        } else {
            format!(
                "{} of this code {aux} be erased, with its pseudonym.",
                count(n, "contact", "contacts")
            )
        }
    };
    if !a.confirm.go_ahead(say)? {
        return Ok(());
    }
    let n = vault.lifecycle().forget(&plan)?;
    println!(
        "Erased {n} contact(s) of this person and {}; the audit log records the erasure without any code.",
        if m > 1 {
            format!("the {m} pseudonyms declared one person")
        } else {
            "their pseudonym".into()
        }
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Delete the note text of every contact dated before this day (YYYY-MM-DD)
    #[arg(long, value_name = "D")]
    pub notes_before: String,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// `uppsok purge --notes-before D [--yes | --dry-run]`.
pub fn purge(g: &Global, a: PurgeArgs) -> Result<()> {
    let date = crate::domain::parse_date(&a.notes_before).map_err(|_| {
        Error::Input(Msg::NotesBefore {
            value: a.notes_before.clone(),
        })
    })?;
    let mut vault = unlock(g)?;
    let day = date.format("%Y-%m-%d").to_string();
    let planned = vault.lifecycle().plan_purge(&day)?;
    let say = |aux: &str| {
        format!(
            "The notes of {} dated before {day} {aux} be emptied (their dates, persons and categories stay), the database rekeyed (so old note ciphertext can never be put back) and the file compacted.",
            count(planned, "contact", "contacts")
        )
    };
    if !a.confirm.go_ahead(say)? {
        return Ok(());
    }
    let (n, pages) = vault.lifecycle().purge_notes(&day)?;
    println!(
        "Deleted the note text of {n} contact(s) dated before {day}; their dates, persons and categories stay. The database was rekeyed and the file compacted, so no old text lingers or can be put back."
    );
    if !pages {
        println!("{PAGES_LATER}");
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The administrator to restore (an existing admin gets a new passphrase; a new name becomes a new admin)
    pub name: String,
    /// Read the recovery key from this file; UPPSOK_RECOVERY_KEY also works, else a prompt
    #[arg(long, value_name = "PATH")]
    pub recovery_key_file: Option<PathBuf>,
}

/// The recovery key when one was given (a file, or UPPSOK_RECOVERY_KEY); never prompts.
pub(super) fn given_recovery_key(file: Option<&Path>) -> Result<Option<RecoveryKey>> {
    let given = file.is_some()
        || std::env::var("UPPSOK_RECOVERY_KEY")
            .ok()
            .is_some_and(|v| !v.is_empty());
    if given {
        recovery_key(file).map(Some)
    } else {
        Ok(None)
    }
}

fn recovery_key(file: Option<&Path>) -> Result<RecoveryKey> {
    let text = if let Some(p) = file {
        zeroize::Zeroizing::new(std::fs::read_to_string(p).map_err(|e| {
            Error::Input(Msg::CannotRead {
                source: Source::RecoveryKeyFile(p.to_path_buf()),
                error: e.to_string(),
            })
        })?)
    } else if let Some(v) = std::env::var("UPPSOK_RECOVERY_KEY")
        .ok()
        .filter(|v| !v.is_empty())
    {
        zeroize::Zeroizing::new(v)
    } else if at_terminal() {
        zeroize::Zeroizing::new(rpassword::prompt_password("Recovery key: ").map_err(|e| {
            Error::Input(Msg::CannotRead {
                source: Source::RecoveryKey,
                error: e.to_string(),
            })
        })?)
    } else {
        return Err(Error::Input(Msg::NoRecoveryKeyNoTerminal));
    };
    RecoveryKey::parse(&text).map_err(|e| {
        Error::Input(Msg::RecoveryKeyMistyped {
            error: e.to_string(),
        })
    })
}

/// `uppsok recover NAME`: when every administrator passphrase is lost.
pub fn recover(g: &Global, a: RecoverArgs) -> Result<()> {
    let path = db_path(g)?;
    if !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    crate::vault::check_user_name(&a.name)?;
    let key = recovery_key(a.recovery_key_file.as_deref())?;
    let pass = new_passphrase(g, &a.name)?;
    check_new_passphrase(&pass)?;
    Vault::recover(&path, &key, &a.name, &pass)?;
    println!(
        "Administrator '{}' can sign in again with the new passphrase. The recovery key stays valid; keep it locked away.",
        a.name
    );
    Ok(())
}
