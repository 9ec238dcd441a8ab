//! One module per command. Each takes the global options and its own arguments, unlocks the
//! database through the vault, and prints; none of them holds SQL or key material.

pub mod admin;
pub mod audit;
pub mod config;
pub mod confirm;
pub mod contact;
pub mod contacts;
pub mod demo;
pub mod estimate;
pub mod lifecycle;
pub mod log;

pub mod nights;
pub mod progress;
pub mod report;
pub mod shell;
pub mod stats;
pub mod tui;
pub mod work;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::Global;
use crate::crypto::Passphrase;
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::i18n::Lang;
use crate::msg::{Msg, Piped, Source, Written};
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
    pub fn query(
        &self,
        by: &[String],
        filter: &[String],
        lists: crate::domain::Lists<'_>,
    ) -> Result<Query> {
        Query::from_flags(
            self.year,
            self.from.as_deref(),
            self.to.as_deref(),
            by,
            filter,
            lists,
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
        .ok_or(Error::Input(Msg::NoDataDir))
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
        Error::Input(Msg::CannotRead {
            source: Source::PassphraseFile(path.to_path_buf()),
            error: e.to_string(),
        })
    })?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    if s.is_empty() {
        return Err(Error::Input(Msg::PassphraseFileEmpty {
            path: path.to_path_buf(),
        }));
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
        Error::Input(Msg::CannotRead {
            source: Source::PassphraseTerminal,
            error: e.to_string(),
        })
    })?;
    if s.is_empty() {
        return Err(Error::Input(Msg::PassphraseEmpty));
    }
    Ok(Passphrase::new(s))
}

fn prompt_twice(label: &str, lang: Lang) -> Result<Passphrase> {
    let first = prompt(label)?;
    let again = prompt(lang.cli().prompt_repeat)?;
    if first.expose() != again.expose() {
        return Err(Error::Input(Msg::PassphrasesDiffer));
    }
    Ok(first)
}

/// The user name: `--user`, `UPPSOK_USER`, or a prompt at a terminal.
pub fn user_name(g: &Global) -> Result<String> {
    if let Some(u) = &g.user {
        return Ok(u.clone());
    }
    if !at_terminal() {
        return Err(Error::Input(Msg::NoUserNoTerminal));
    }
    eprint!("{}", lang(g).cli().prompt_user);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        Error::Input(Msg::CannotRead {
            source: Source::UserName,
            error: e.to_string(),
        })
    })?;
    let name = line.trim().to_string();
    if name.is_empty() {
        return Err(Error::Input(Msg::NoUserName));
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
        return Err(Error::Input(Msg::NoPassphraseNoTerminal));
    }
    let label = lang(g).says(Says::PassphraseFor { user });
    if twice {
        prompt_twice(&label, lang(g))
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
        return Err(Error::Input(Msg::NoNewPassphraseNoTerminal));
    }
    prompt_twice(
        &lang(g).says(Says::NewPassphraseFor { user: whose }),
        lang(g),
    )
}

/// Unlocks the database as the selected user.
pub fn unlock(g: &Global) -> Result<Vault> {
    let path = db_path(g)?;
    // Say at once when the file is missing, before asking for anything.
    if !crate::storage::is_server(&path) && !path.is_file() {
        return Err(crate::storage::StorageError::Missing(path).into());
    }
    let name = user_name(g)?;
    let pass = passphrase(g, &name, false)?;
    // A plain function (the notice is kept for the process), one per language.
    let notice: fn() = match lang(g) {
        Lang::En => || eprintln!("{}", Lang::En.cli().waiting),
        Lang::Sv => || eprintln!("{}", Lang::Sv.cli().waiting),
    };
    crate::storage::set_wait_notice(notice);
    Vault::unlock(&path, &name, &pass)
}

/// The files SQLite keeps for a database at `PATH`: `PATH` itself and, beside it, the
/// write-ahead log, its shared-memory index and the rollback journal.
const DATABASE_FILE_SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// Whether writing to `out` would write over the database at `db` or one of SQLite's files
/// beside it (`-wal`, `-shm`, `-journal`), whether that file exists now or not. Paths are
/// compared canonicalised (relative paths, `..` and symbolic links resolved; a file that does
/// not exist yet by its canonical directory and its name), and on Unix two existing files are
/// also compared by device and inode, so a hard link to the database is caught too. Every
/// command that writes a file a user names (`export --out`, `report --out`) asks this first.
pub fn is_database_file(out: &Path, db: &Path) -> bool {
    let Some(out_resolved) = resolve(out) else {
        return false; // its directory does not exist, so nothing can be written there
    };
    let out_meta = std::fs::metadata(out).ok();
    // The database as named and as resolved: SQLite may place its side files beside either.
    let bases: Vec<PathBuf> = [Some(db.to_path_buf()), resolve(db)]
        .into_iter()
        .flatten()
        .collect();
    bases.iter().any(|base| {
        DATABASE_FILE_SUFFIXES.iter().any(|suffix| {
            let mut file = base.as_os_str().to_owned();
            file.push(suffix);
            let file = PathBuf::from(file);
            if resolve(&file).as_ref() == Some(&out_resolved) {
                return true;
            }
            match (&out_meta, std::fs::metadata(&file)) {
                (Some(a), Ok(b)) => same_file(a, &b),
                _ => false,
            }
        })
    })
}

/// A path canonicalised: the file itself if it exists, else its canonical directory joined
/// with its name; `None` if neither can be resolved.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false // canonical paths alone decide (see `is_database_file`)
}

/// Refuses when standard output is a regular file that group or others can read: `uppsok
/// export > file` under the usual umask 022 would leave decrypted records readable by every
/// user of the computer. Asked before anything is unlocked or written (the shell has already
/// created the file, empty). A pipe, a terminal or a private file is fine.
#[cfg(unix)]
pub fn require_private_stdout(what: &str) -> Result<()> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::PermissionsExt;
    // A duplicate of the descriptor, closed again on drop; standard output stays open.
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return Ok(()); // closed: nothing can be written to it anyway
    };
    let Ok(meta) = std::fs::File::from(fd).metadata() else {
        return Ok(());
    };
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_file() && mode & 0o077 != 0 {
        return Err(Error::Input(Msg::StdoutReadable {
            mode,
            export: what == "export",
        }));
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn require_private_stdout(_what: &str) -> Result<()> {
    Ok(())
}

/// The value of a flag (`add --code -`, `--note -`) that means: read it from standard input,
/// so that it is never on the command line, where `ps` and the shell history see it.
pub const FROM_STDIN: &str = "-";

/// The most standard input is read for such values: a code and a note of at most
/// `domain::MAX_NOTE_CHARS` characters fit many times over.
const STDIN_LIMIT: usize = 64 * 1024;

/// Reads all of standard input as text for values given as [`FROM_STDIN`], held in
/// zeroizing memory. At a terminal it reads until end of input (Ctrl-D), after saying so on
/// stderr in `lang`. `values` names the values ("the code", "the code and the note") in
/// messages; the text itself never appears in one.
pub fn read_stdin_values(values: Piped, lang: Lang) -> Result<zeroize::Zeroizing<String>> {
    use std::io::Read;
    use zeroize::Zeroize;
    let what = values;
    if at_terminal() {
        eprintln!("{}", lang.says(Says::TypeThenCtrlD { what: values }));
    }
    // Room for the limit and one byte more, so the buffer never moves (and leaves no copy).
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(STDIN_LIMIT + 1));
    std::io::stdin()
        .lock()
        .take(STDIN_LIMIT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| {
            Error::Input(Msg::CannotRead {
                source: Source::Stdin(what),
                error: e.to_string(),
            })
        })?;
    if buf.len() > STDIN_LIMIT {
        return Err(Error::Input(Msg::StdinTooLarge {
            what,
            kib: STDIN_LIMIT / 1024,
        }));
    }
    match String::from_utf8(std::mem::take(&mut *buf)) {
        Ok(text) => Ok(zeroize::Zeroizing::new(text)),
        Err(e) => {
            e.into_bytes().zeroize();
            Err(Error::Input(Msg::StdinNotUtf8 { what }))
        }
    }
}

/// A value read alone from standard input: without its final line break (`\n` or `\r\n`).
pub fn without_final_newline(s: &str) -> &str {
    match s.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => s,
    }
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
    let file = opts.open(path).map_err(|e| {
        Error::Failed(Msg::CannotWrite {
            what: Written::File(path.to_path_buf()),
            error: e.to_string(),
        })
    })?;
    // The mode above applies only to a file created now; an existing file keeps its own, so
    // it is narrowed here before anything decrypted is written to it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| {
                Error::Failed(Msg::CannotWrite {
                    what: Written::MakePrivate(path.to_path_buf()),
                    error: e.to_string(),
                })
            })?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_final_line_break_is_taken_off() {
        assert_eq!(without_final_newline("AB 85\n"), "AB 85");
        assert_eq!(without_final_newline("AB 85\r\n"), "AB 85");
        assert_eq!(without_final_newline("AB 85"), "AB 85");
        assert_eq!(without_final_newline("a\nb\n\n"), "a\nb\n");
        assert_eq!(without_final_newline("a\r"), "a\r");
        assert_eq!(without_final_newline(""), "");
    }

    #[test]
    fn the_database_and_its_side_files_are_recognised_existing_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("u.db");
        std::fs::write(&db, b"db").unwrap();
        let side = |s: &str| dir.path().join(format!("u.db{s}"));
        std::fs::write(side("-wal"), b"wal").unwrap();
        // Existing, not existing yet, and spelled with `..`.
        for out in [
            db.clone(),
            side("-wal"),
            side("-shm"),
            side("-journal"),
            dir.path().join("sub/../u.db"),
        ] {
            if out.to_string_lossy().contains("sub") {
                std::fs::create_dir_all(dir.path().join("sub")).unwrap();
            }
            assert!(is_database_file(&out, &db), "{}", out.display());
        }
        for out in [
            dir.path().join("report.md"),
            side("-other"),
            dir.path().join("missing/u.db"),
        ] {
            assert!(!is_database_file(&out, &db), "{}", out.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_to_the_database_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("u.db");
        std::fs::write(&db, b"db").unwrap();
        let symlink = dir.path().join("s.db");
        std::os::unix::fs::symlink(&db, &symlink).unwrap();
        let hard = dir.path().join("h.db");
        std::fs::hard_link(&db, &hard).unwrap();
        assert!(is_database_file(&symlink, &db));
        assert!(is_database_file(&hard, &db));
        // The database opened through the link: its side files sit beside the real file too.
        assert!(is_database_file(&dir.path().join("u.db-wal"), &symlink));
        assert!(is_database_file(&dir.path().join("s.db-wal"), &symlink));
    }
}
