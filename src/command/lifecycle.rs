//! `rekey`, `forget`, `purge` and `recover`: the database over time (admin).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{at_terminal, db_path, new_passphrase, unlock};
use crate::cli::Global;
use crate::crypto::RecoveryKey;
use crate::domain::PersonCode;
use crate::error::{Error, Result};
use crate::vault::{check_new_passphrase, Permission, Vault};

/// `uppsok rekey`.
pub fn rekey(g: &Global) -> Result<()> {
    let mut vault = unlock(g)?;
    let s = vault.lifecycle().rekey()?;
    println!(
        "Rekeyed the database: key version {}; {} contacts, {} field nights and {} pseudonyms re-encrypted, {} audit entries re-sealed, {} key slots{} rewrapped.",
        s.key_version,
        s.contacts,
        s.field_nights,
        s.persons,
        s.audit_entries,
        s.slots,
        if s.recovery_key { " and the recovery key" } else { "" }
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The person's code as they give it (normalised as on entry), or a pseudonym from an export
    #[arg(long)]
    pub code: String,
}

/// `uppsok forget --code C`.
pub fn forget(g: &Global, a: ForgetArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::Administer)?;
    let code = PersonCode::normalise(&a.code).ok_or_else(|| {
        Error::Input("the code is empty; give the code the person uses with --code.".into())
    })?;
    let n = vault.lifecycle().forget(&code)?;
    println!(
        "Erased {n} contact(s) of this person and their pseudonym; the audit log records the erasure without the code."
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Delete the note text of every contact dated before this day (YYYY-MM-DD)
    #[arg(long, value_name = "D")]
    pub notes_before: String,
}

/// `uppsok purge --notes-before D`.
pub fn purge(g: &Global, a: PurgeArgs) -> Result<()> {
    let date = crate::domain::parse_date(&a.notes_before).map_err(|_| {
        Error::Input(format!(
            "'{}' is not a date; give --notes-before as YYYY-MM-DD.",
            a.notes_before
        ))
    })?;
    let mut vault = unlock(g)?;
    let day = date.format("%Y-%m-%d").to_string();
    let n = vault.lifecycle().purge_notes(&day)?;
    println!(
        "Deleted the note text of {n} contact(s) dated before {day}; their dates, persons and categories stay. The file was compacted so no old text lingers."
    );
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

fn recovery_key(file: Option<&Path>) -> Result<RecoveryKey> {
    let text = if let Some(p) = file {
        zeroize::Zeroizing::new(std::fs::read_to_string(p).map_err(|e| {
            Error::Input(format!(
                "cannot read the recovery key file {}: {e}.",
                p.display()
            ))
        })?)
    } else if let Some(v) = std::env::var("UPPSOK_RECOVERY_KEY")
        .ok()
        .filter(|v| !v.is_empty())
    {
        zeroize::Zeroizing::new(v)
    } else if at_terminal() {
        zeroize::Zeroizing::new(
            rpassword::prompt_password("Recovery key: ")
                .map_err(|e| Error::Input(format!("cannot read the recovery key: {e}.")))?,
        )
    } else {
        return Err(Error::Input(
            "no recovery key given and no terminal to ask at; pass --recovery-key-file PATH or set UPPSOK_RECOVERY_KEY."
                .into(),
        ));
    };
    RecoveryKey::parse(&text)
        .map_err(|e| Error::Input(format!("{e}; check what you typed against the paper copy.")))
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
