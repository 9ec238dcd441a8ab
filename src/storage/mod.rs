//! Storage: the only module that speaks SQL.
//!
//! Everything above this module works with plain Rust rows (ids, dates, pseudonyms and
//! ciphertext envelopes); nothing here ever sees a key or a plaintext category, code or note.
//! The public functions of this module are the storage interface: a PostgreSQL back end for a
//! city with several units would implement the same functions (see docs/architecture.md).

mod audit_log;
mod audit_reads;
mod contacts;
mod lifecycle;
mod persons;
mod users;

pub use audit_log::{AuditReads, AuditRow};
pub use audit_reads::{AuditCheckReads, ForeignKeyProblem, SlotInfo, DATA_ENVELOPE_COLUMNS};
pub use contacts::{ContactReads, ContactRow, FieldNightRow, StatRow};
pub use lifecycle::{ContactEnvelopes, LifecycleReads, MasterWrapRow, RecoveryRow};
pub use persons::{ContactDetailReads, PersonContacts, PersonReads};
pub use users::{KeySlotRow, UserReads, UserRow};

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// The schema, embedded from the repository's `schema.sql`.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// The database format this build reads and writes.
pub const FORMAT_VERSION: &str = "1";

/// What can go wrong in storage. The messages name the file and what to do, never a value.
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
    Sqlite(String),
    #[error("cannot create {0}: {1}")]
    Create(PathBuf, String),
}

impl From<rusqlite::types::FromSqlError> for StorageError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StorageError::Sqlite(e.to_string())
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return StorageError::Busy;
            }
        }
        // rusqlite's messages name the failing SQL or constraint, never a bound value.
        StorageError::Sqlite(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// An open database file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// What to do before waiting for another process's write lock (see [`Store::transaction`]).
static WAIT_NOTICE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets, once per process, what is done before a write waits for another process.
pub fn set_wait_notice(notice: fn()) {
    let _ = WAIT_NOTICE.set(notice);
}

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT_MS: u64 = 15_000;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // WAL: readers do not block the writer. FULL: a committed transaction survives power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // After a checkpoint the WAL is cut back, so a large import leaves no large side file.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Large sorts (an index rebuilt after a bulk import, VACUUM) spill to SQLite's temporary
    // files, so memory stays bounded as the database grows. Those files are private (umask
    // 077), unlinked at once, and hold only what the database holds: ids, dates, pseudonyms
    // and ciphertext, never a plaintext value.
    conn.pragma_update(None, "temp_store", "FILE")?;
    // Deleted records are overwritten with zeros, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // A page cache of up to 128 MiB: imports into large databases touch index pages at random.
    conn.pragma_update(None, "cache_size", -131_072)?;
    Ok(())
}

impl Store {
    /// Creates a new database file (mode 0600) with the schema. Fails if the file exists.
    pub fn create(path: &Path) -> Result<Store> {
        if path.exists() {
            return Err(StorageError::AlreadyExists(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Create(path.to_path_buf(), e.to_string()))?;
        }
        create_private_file(path)?;
        let conn = Connection::open(path)?;
        configure(&conn)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database and checks that it is one this build reads.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StorageError::Missing(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn).map_err(|e| StorageError::NotUppsok(path.to_path_buf(), e.to_string()))?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| StorageError::NotUppsok(path.to_path_buf(), e.to_string()))?;
        match format.as_deref() {
            Some(FORMAT_VERSION) => {}
            Some(other) => return Err(StorageError::Format(path.to_path_buf(), other.to_string())),
            None => {
                return Err(StorageError::NotUppsok(
                    path.to_path_buf(),
                    "it has no uppsok format marker".into(),
                ))
            }
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction. It takes the write lock at once (waiting up to the busy
    /// timeout for another writer), so what it reads stays true until it commits.
    ///
    /// When another process holds the lock, the notice set with [`set_wait_notice`] (if any)
    /// is given once before waiting, so a person at the command line knows why nothing
    /// happens yet.
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        if let Some(notice) = WAIT_NOTICE.get() {
            if self.write_lock_taken()? {
                notice();
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Tx { tx })
    }

    /// Whether another connection holds the write lock right now (asked without waiting).
    fn write_lock_taken(&self) -> Result<bool> {
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let probe = self.conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;");
        self.conn
            .busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
        match probe.map_err(StorageError::from) {
            Ok(()) => Ok(false),
            Err(StorageError::Busy) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// A consistent copy of the live database (SQLite's online backup), still encrypted.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        create_private_file(dest)?;
        let mut out = Connection::open(dest)?;
        {
            let b = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
            b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        out.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }
}

/// Creates an empty file readable and writable by its owner only.
fn create_private_file(path: &Path) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map(|_| ())
        .map_err(|e| StorageError::Create(path.to_path_buf(), e.to_string()))
}

/// A write transaction. Dropped without `commit`, it rolls back and leaves nothing behind.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl Tx<'_> {
    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The next id of a sequence (`users`, `persons`, `contacts`, `field_nights`), without
    /// taking it; see [`Tx::set_next_id`].
    pub fn peek_next_id(&self, sequence: &str) -> Result<i64> {
        let next: Option<i64> = self
            .tx
            .query_row(
                "SELECT next FROM sequences WHERE name = ?1",
                [sequence],
                |r| r.get(0),
            )
            .optional()?;
        Ok(next.unwrap_or(1))
    }

    /// Moves a sequence on; ids below `next` are taken for ever.
    pub fn set_next_id(&self, sequence: &str, next: i64) -> Result<()> {
        self.tx.execute(
            "INSERT INTO sequences(name, next) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET next = excluded.next",
            params![sequence, next],
        )?;
        Ok(())
    }

    /// Drops the secondary indexes of `contacts` for a bulk load; [`Tx::create_indexes`]
    /// restores them before the commit (a rollback restores them too).
    pub fn drop_contact_indexes(&self) -> Result<()> {
        self.tx
            .execute_batch("DROP INDEX IF EXISTS contacts_person;")?;
        Ok(())
    }

    /// Creates every table and index of the schema that is missing.
    pub fn create_indexes(&self) -> Result<()> {
        self.tx.execute_batch(SCHEMA)?;
        Ok(())
    }

    /// Takes one id of a sequence.
    pub fn take_id(&self, sequence: &str) -> Result<i64> {
        let id = self.peek_next_id(sequence)?;
        self.set_next_id(sequence, id + 1)?;
        Ok(id)
    }
}

/// Reads that work both on the store and inside a transaction.
pub trait Read {
    #[doc(hidden)]
    fn conn(&self) -> &Connection;

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The id of the person with this pseudonym, if any.
    fn person_by_pseudonym(&self, pseudonym: &[u8]) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM persons WHERE pseudonym = ?1")?
            .query_row([pseudonym], |r| r.get(0))
            .optional()?)
    }
}

impl Read for Store {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Read for Tx<'_> {
    fn conn(&self) -> &Connection {
        &self.tx
    }
}
