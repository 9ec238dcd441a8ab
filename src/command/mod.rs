//! One module per command. Each takes the global options and its own arguments, unlocks the
//! database through the vault, and prints; none of them holds SQL or key material.

pub mod admin;
pub mod audit;
pub mod contacts;
pub mod demo;
pub mod estimate;
pub mod lifecycle;
pub mod log;

pub mod nights;
pub mod report;
pub mod stats;
pub mod tui;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::Global;
use crate::crypto::Passphrase;
use crate::domain::Districts;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::stats::Query;
use crate::vault::Vault;

/// The period flags `stats`, `estimate` and `report` share.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// One calendar year (instead of --from/--to)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub year: Option<i32>,
    /// First day of the period, YYYY-MM-DD (inclusive; open when left out)
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD (inclusive; open when left out)
    #[arg(long)]
    pub to: Option<String>,
}

impl PeriodArgs {
    /// The query of this period with these `--by` and `--filter` values, every value checked.
    pub fn query(&self, by: &[String], filter: &[String], districts: &Districts) -> Result<Query> {
        Query::from_flags(
            self.year,
            self.from.as_deref(),
            self.to.as_deref(),
            by,
            filter,
            districts,
        )
    }
}

/// The database path: `--db`, `UPPSOK_DB`, or `uppsok.db` in the platform data directory.
pub fn db_path(g: &Global) -> Result<PathBuf> {
    if let Some(p) = &g.db {
        return Ok(p.clone());
    }
    default_data_dir()
        .map(|d| d.join("uppsok.db"))
        .ok_or_else(|| {
            Error::Input(
                "cannot find a data directory for the database; give one with --db PATH or UPPSOK_DB."
                    .into(),
            )
        })
}

pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("se", "uppsok", "uppsok").map(|p| p.data_dir().to_path_buf())
}

pub fn lang(g: &Global) -> Lang {
    g.lang.unwrap_or_else(Lang::from_env)
}

fn at_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Reads a passphrase file: its content without the final line break.
fn read_passphrase_file(path: &Path) -> Result<Passphrase> {
    let mut s = std::fs::read_to_string(path).map_err(|e| {
        Error::Input(format!(
            "cannot read the passphrase file {}: {e}.",
            path.display()
        ))
    })?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    if s.is_empty() {
        return Err(Error::Input(format!(
            "the passphrase file {} is empty.",
            path.display()
        )));
    }
    Ok(Passphrase::new(s))
}

fn env_passphrase(var: &str) -> Option<Passphrase> {
    std::env::var(var)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Passphrase::new)
}

fn prompt(label: &str) -> Result<Passphrase> {
    let s = rpassword::prompt_password(label).map_err(|e| {
        Error::Input(format!(
            "cannot read the passphrase from the terminal: {e}."
        ))
    })?;
    if s.is_empty() {
        return Err(Error::Input(
            "the passphrase is empty; nothing was done.".into(),
        ));
    }
    Ok(Passphrase::new(s))
}

fn prompt_twice(label: &str) -> Result<Passphrase> {
    let first = prompt(label)?;
    let again = prompt("Repeat it: ")?;
    if first.expose() != again.expose() {
        return Err(Error::Input(
            "the two passphrases differ; nothing was done. Try again.".into(),
        ));
    }
    Ok(first)
}

/// The user name: `--user`, `UPPSOK_USER`, or a prompt at a terminal.
pub fn user_name(g: &Global) -> Result<String> {
    if let Some(u) = &g.user {
        return Ok(u.clone());
    }
    if !at_terminal() {
        return Err(Error::Input(
            "no user given; pass --user NAME or set UPPSOK_USER (there is no terminal to ask at)."
                .into(),
        ));
    }
    eprint!("User: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::Input(format!("cannot read the user name: {e}.")))?;
    let name = line.trim().to_string();
    if name.is_empty() {
        return Err(Error::Input("no user name given; nothing was done.".into()));
    }
    Ok(name)
}

/// The signed-in user's passphrase: file, environment, or a prompt at a terminal.
pub fn passphrase(g: &Global, user: &str, twice: bool) -> Result<Passphrase> {
    if let Some(p) = &g.passphrase_file {
        return read_passphrase_file(p);
    }
    if let Some(p) = env_passphrase("UPPSOK_PASSPHRASE") {
        return Ok(p);
    }
    if !at_terminal() {
        return Err(Error::Input(
            "no passphrase given and no terminal to ask at; pass --passphrase-file PATH or set UPPSOK_PASSPHRASE."
                .into(),
        ));
    }
    let label = format!("Passphrase for {user}: ");
    if twice {
        prompt_twice(&label)
    } else {
        prompt(&label)
    }
}

/// A new passphrase (user add, passwd): file, environment, or a double prompt.
pub fn new_passphrase(g: &Global, whose: &str) -> Result<Passphrase> {
    if let Some(p) = &g.new_passphrase_file {
        return read_passphrase_file(p);
    }
    if let Some(p) = env_passphrase("UPPSOK_NEW_PASSPHRASE") {
        return Ok(p);
    }
    if !at_terminal() {
        return Err(Error::Input(
            "no new passphrase given and no terminal to ask at; pass --new-passphrase-file PATH or set UPPSOK_NEW_PASSPHRASE."
                .into(),
        ));
    }
    prompt_twice(&format!("New passphrase for {whose}: "))
}

/// Unlocks the database as the selected user.
pub fn unlock(g: &Global) -> Result<Vault> {
    let path = db_path(g)?;
    // Say at once when the file is missing, before asking for anything.
    if !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    let name = user_name(g)?;
    let pass = passphrase(g, &name, false)?;
    crate::storage::set_wait_notice(|| {
        eprintln!(
            "uppsok: another uppsok process is writing to this database; waiting for it (up to 15 seconds)..."
        )
    });
    Vault::unlock(&path, &name, &pass)
}

/// Opens an output file for decrypted data: created new or truncated, mode 0600.
pub fn private_output(path: &Path) -> Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(path)
        .map_err(|e| Error::Failed(format!("cannot write {}: {e}.", path.display())))?;
    // The mode above applies only to a file created now; an existing file keeps its own, so
    // it is narrowed here before anything decrypted is written to it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::Failed(format!("cannot make {} private: {e}.", path.display())))?;
    }
    Ok(file)
}
