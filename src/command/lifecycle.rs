//! `rekey`, `forget`, `purge` and `recover`: the database over time (admin).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use zeroize::Zeroizing;

use super::confirm::Confirm;
use super::{at_terminal, db_path, lang, new_passphrase, unlock};
use crate::cli::Global;
use crate::crypto::RecoveryKey;
use crate::domain::PersonCode;
use crate::error::{Error, Result};
use crate::i18n::cli::{Plan, Rekeyed, Says};
use crate::i18n::Lang;
use crate::msg::{Msg, Piped, Source};
use crate::vault::{check_new_passphrase, Permission, RekeySummary, Vault};

#[derive(Debug, Args)]
pub struct RekeyArgs {
    #[command(flatten)]
    pub confirm: Confirm,
}

/// What a rekey rewrites, as counts for the words of `i18n::cli`.
pub fn rekeyed(s: &RekeySummary) -> Rekeyed {
    Rekeyed {
        key_version: s.key_version,
        contacts: s.contacts,
        field_nights: s.field_nights,
        persons: s.persons,
        users: s.users,
        audit_entries: s.audit_entries,
        slots: s.slots,
        recovery_key: s.recovery_key,
    }
}

/// `uppsok rekey [--yes | --dry-run]`.
pub fn rekey(g: &Global, a: RekeyArgs) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    let plan = vault.lifecycle().plan_rekey()?;
    if !a.confirm.go_ahead(l, &Plan::Rekey(rekeyed(&plan)))? {
        return Ok(());
    }
    let s = vault.lifecycle().rekey()?;
    println!("{}", l.says(Says::Rekeyed(rekeyed(&s))));
    if !s.pages_rekeyed {
        println!("{}", l.cli().pages_later);
    }
    Ok(())
}

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
fn code_text(arg: &str, lang: Lang) -> Result<Zeroizing<String>> {
    if arg != "-" {
        return Ok(Zeroizing::new(arg.to_string()));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(lang.cli().prompt_code)
            .map(Zeroizing::new)
            .map_err(|e| {
                Error::Input(Msg::CannotRead {
                    source: Source::CodeTerminal,
                    error: e.to_string(),
                })
            });
    }
    // Piped: the same reader as `add --code -` (bounded, UTF-8, zeroized); the first line.
    let text = super::read_stdin_values(Piped::Code, lang)?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

/// `uppsok forget --code C [--yes | --dry-run]`.
pub fn forget(g: &Global, a: ForgetArgs) -> Result<()> {
    let l = lang(g);
    let mut vault = unlock(g)?;
    vault.require(Permission::Administer)?;
    let code =
        PersonCode::normalise(&code_text(&a.code, l)?).ok_or(Error::Input(Msg::CodeEmpty))?;
    let plan = vault.lifecycle().plan_forget(&code)?;
    let (contacts, codes) = (plan.contacts() as u64, plan.codes() as u64);
    if !a.confirm.go_ahead(l, &Plan::Forget { contacts, codes })? {
        return Ok(());
    }
    let (contacts, erased) = vault.lifecycle().forget(&plan)?;
    let contacts = contacts as u64;
    println!(
        "{}",
        l.says(Says::Erased {
            contacts,
            codes,
            erased
        })
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
    let l = lang(g);
    let purge = Plan::PurgeNotes {
        contacts: planned as u64,
        before: &day,
    };
    if !a.confirm.go_ahead(l, &purge)? {
        return Ok(());
    }
    let (n, pages, compacted) = vault.lifecycle().purge_notes(&day)?;
    println!(
        "{}",
        l.says(Says::NotesPurged {
            contacts: n,
            before: &day,
            compacted,
        })
    );
    if !pages {
        println!("{}", l.cli().pages_later);
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
        recovery_key(file, Lang::En).map(Some) // given: no prompt, so no language needed
    } else {
        Ok(None)
    }
}

fn recovery_key(file: Option<&Path>, lang: Lang) -> Result<RecoveryKey> {
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
        zeroize::Zeroizing::new(
            rpassword::prompt_password(lang.cli().prompt_recovery_key).map_err(|e| {
                Error::Input(Msg::CannotRead {
                    source: Source::RecoveryKey,
                    error: e.to_string(),
                })
            })?,
        )
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
    if !crate::storage::is_server(&path) && !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    crate::vault::check_user_name(&a.name)?;
    let key = recovery_key(a.recovery_key_file.as_deref(), lang(g))?;
    let pass = new_passphrase(g, &a.name)?;
    check_new_passphrase(&pass)?;
    Vault::recover(&path, &key, &a.name, &pass)?;
    println!("{}", lang(g).says(Says::Recovered { name: &a.name }));
    Ok(())
}
