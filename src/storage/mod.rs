//! Storage: the only module that speaks to a database.
//!
//! [`port`] is the interface the vault uses: typed rows (ids, dates, pseudonyms and ciphertext
//! envelopes), read sessions, write transactions that serialise writers, and a small
//! maintenance trait for what is particular to one back end. Nothing here ever sees a key or a
//! plaintext category, code or note.
//!
//! Back ends: [`sqlite`] (the database file users run), [`memory`] (for the vault's unit tests
//! and the conformance suite's reference). Each must pass [`conformance`].

pub mod conformance;
pub mod memory;
pub mod port;
pub mod sqlite;

pub use port::*;

use std::path::{Path, PathBuf};

/// Everything a caller needs to read and write: the port's traits in scope at once.
pub mod prelude {
    pub use super::port::{
        Backend, ContactReads, ContactWrites, LogReads, LogWrites, Maintenance, MetaReads,
        MetaWrites, PersonReads, PersonWrites, Reads, StaffReads, StaffWrites, Transaction,
    };
}

/// The database format this build reads and writes.
pub const FORMAT_VERSION: &str = "1";

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
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// What to do before waiting for another process's write lock (see [`Backend::write`]).
static WAIT_NOTICE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets, once per process, what is done before a write waits for another process.
pub fn set_wait_notice(notice: fn()) {
    let _ = WAIT_NOTICE.set(notice);
}

/// Opens the database at `location`.
pub fn open(location: &Path) -> Result<Box<dyn Backend>> {
    Ok(Box::new(sqlite::SqliteStore::open(location)?))
}

/// Creates a new, empty database at `location`; fails if one exists there.
pub fn create(location: &Path) -> Result<Box<dyn Backend>> {
    Ok(Box::new(sqlite::SqliteStore::create(location)?))
}
