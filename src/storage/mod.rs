//! Storage: the only module that speaks to a database.
//!
//! [`port`] is the interface the vault uses: typed rows (ids, dates, pseudonyms and ciphertext
//! envelopes), read sessions, write transactions that serialise writers, and a small
//! maintenance trait for what is particular to one back end. Nothing here ever sees a key or a
//! plaintext category, code or note.
//!
//! Back ends: [`sqlite`] (the database file users run), [`pg`] (a database on a
//! PostgreSQL server, for a city's units sharing one), [`memory`] (for the vault's unit tests
//! and the conformance suite's reference). Each must pass [`conformance`]. A location that is a
//! `postgres://` URL names a server; anything else, a file.

pub mod conformance;
pub mod memory;
pub mod pg;
pub mod port;
pub mod sqlite;

pub use port::*;

use std::path::{Path, PathBuf};

/// Everything a caller needs to read and write: the port's traits in scope at once.
pub mod prelude {
    pub use super::port::{
        Backend, ContactReads, ContactWrites, LogReads, LogWrites, Maintenance, MetaReads,
        MetaWrites, PersonReads, PersonWrites, Reads, StaffReads, StaffWrites, Transaction,
        WorkReads, WorkWrites,
    };
}

/// The database format this build reads and writes.
pub const FORMAT_VERSION: &str = "3";

/// An older format this build opens only to upgrade it in place (`uppsok upgrade`): the same
/// tables, the log chained by an HMAC instead of signed.
pub const UPGRADABLE_IN_PLACE: &str = "2";

/// What can go wrong in storage. The messages name the database and what to do, never a value.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("there is no uppsok database at {0}; create one with `uppsok init --user NAME`, or give the right one with --db or UPPSOK_DB")]
    Missing(PathBuf),
    #[error(
        "a file already exists at {0}; choose another path with --db, or remove that file first"
    )]
    AlreadyExists(PathBuf),
    #[error("{0} is not an uppsok database (or it is damaged): {1}")]
    NotUppsok(PathBuf, String),
    #[error("{0} is an uppsok database of format {1}, which this version does not read; use a newer uppsok")]
    Format(PathBuf, String),
    #[error(
        "the database is busy: another uppsok process is writing to it; try again in a moment"
    )]
    Busy,
    #[error("database error: {0}")]
    Backend(String),
    #[error("cannot create {0}: {1}")]
    Create(PathBuf, String),
    #[error("the key file {0} of this database is missing; a database is two files, the database and its key file beside it: put back the key file saved with this database (a backup `FILE` comes with `FILE.keys`), or restore both from a backup that passes `uppsok audit`")]
    KeyFileMissing(PathBuf),
    #[error("cannot read the key file {0}: {1}")]
    KeyFileRead(PathBuf, String),
    #[error("the database at {0} does not open with the keys of the key file beside it: the key file belongs to another database, or one of the two was changed outside uppsok; restore both from a backup that passes `uppsok audit`")]
    WrongKey(PathBuf),
    #[error("the database was changed outside uppsok: a part of it does not authenticate ({0}); nothing was done. Restore it (with its key file) from a backup that passes `uppsok audit`")]
    Changed(String),
    #[error("{0} is an uppsok database of format 1 (not encrypted as a whole); an administrator brings it to this version with `uppsok upgrade` (a backup is made first)")]
    NeedsUpgrade(PathBuf),
    #[error("the database at {0} is on a PostgreSQL server, whose copies are made by the server's own tools: use `pg_dump` of the schemas `uppsok` and `uppsok_u*` (its rows stay encrypted as they are; docs/deploy.md), or `uppsok export` for a spreadsheet")]
    ServerBackup(String),
    #[error("{0} is an uppsok database of format 2 (its log is not yet signed by each author); an administrator brings it to this version with `uppsok upgrade` (a backup is made first)")]
    NeedsUpgradeInPlace(PathBuf),
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// What to do before waiting for another process's write lock (see [`Backend::write`]).
static WAIT_NOTICE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets, once per process, what is done before a write waits for another process.
pub fn set_wait_notice(notice: fn()) {
    let _ = WAIT_NOTICE.set(notice);
}

/// Whether `location` names a database on a server (a `postgres://` URL) rather than a file.
pub fn is_server(location: &Path) -> bool {
    pg::is_url(location)
}

/// A database's location as messages show it: a file's path, or a server's address without its
/// password or parameters (never in part when it does not parse).
pub fn shown_location(location: &Path) -> String {
    match pg::is_url(location) {
        true => pg::shown(location),
        false => location.display().to_string(),
    }
}

/// Finds the database at `location`: its key file can be read, its contents opened with the
/// page key the key file seals.
pub fn open(location: &Path) -> Result<Box<dyn Locked>> {
    if pg::is_url(location) {
        return Ok(Box::new(pg::PgLocked::find(location)?));
    }
    Ok(Box::new(sqlite::SqliteLocked::find(location)?))
}

/// Creates a new, empty database at `location`, encrypted under `page_key`; fails if one
/// exists there. The vault writes its key file in its first transaction.
pub fn create(location: &Path, page_key: &[u8; 32]) -> Result<Box<dyn Backend>> {
    if pg::is_url(location) {
        return Ok(Box::new(pg::PgStore::create(location, page_key)?));
    }
    Ok(Box::new(sqlite::SqliteStore::create(location, page_key)?))
}

/// Opens a database of format 1 at `location` to upgrade it.
pub fn open_format1(location: &Path) -> Result<Box<dyn Format1Database>> {
    Ok(Box::new(sqlite::Format1::open(location)?))
}

/// Where the key file of the database at `location` is (SQLite: `FILE.keys` beside it).
pub fn key_file_path(location: &Path) -> PathBuf {
    sqlite::key_file_path(location)
}
