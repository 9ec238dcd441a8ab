//! The SQLite back end: one database file (WAL mode) with `schema.sql`. The only module that
//! names `rusqlite`.
//!
//! A session ([`Session`]) is one connection borrowed for a read or a write: a write takes
//! SQLite's write lock at once (`BEGIN IMMEDIATE`), which is what serialises writers across
//! processes, as the port requires; a read runs in a deferred transaction, so it sees one
//! committed state.

mod contacts;
mod log;
mod meta;
mod persons;
mod staff;

use std::cell::Cell;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use super::port::{Backend, DanglingReference, IntegrityFacts, Maintenance, Reads, Transaction};
use super::{Result, StorageError, FORMAT_VERSION};

/// The schema, embedded from the repository's `schema.sql`.
pub const SCHEMA: &str = include_str!("../../../schema.sql");

impl From<rusqlite::types::FromSqlError> for StorageError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StorageError::Backend(e.to_string())
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
        StorageError::Backend(e.to_string())
    }
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

/// An open SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Creates a new database file (mode 0600) with the schema. Fails if the file exists.
    pub fn create(path: &Path) -> Result<SqliteStore> {
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
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database and checks that it is one this build reads.
    pub fn open(path: &Path) -> Result<SqliteStore> {
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
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
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

    /// The database file and its two side files.
    fn all_files(path: &Path) -> Vec<PathBuf> {
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                PathBuf::from(p)
            })
            .collect()
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

impl Backend for SqliteStore {
    fn read(&self) -> Result<Box<dyn Reads + '_>> {
        Ok(Box::new(Session::begin(&self.conn, false)?))
    }

    fn write(&mut self) -> Result<Box<dyn Transaction + '_>> {
        if let Some(notice) = super::WAIT_NOTICE.get() {
            if self.write_lock_taken()? {
                notice();
            }
        }
        Ok(Box::new(Session::begin(&self.conn, true)?))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn files(&self) -> Vec<PathBuf> {
        Self::all_files(&self.path)
    }

    fn discard(self: Box<Self>) {
        let files = Self::all_files(&self.path);
        drop(self);
        for f in files {
            let _ = std::fs::remove_file(f);
        }
    }
}

impl Maintenance for SqliteStore {
    fn compact(&mut self) -> Result<()> {
        self.conn.execute_batch("VACUUM;")?;
        self.flush_journal()
    }

    fn flush_journal(&mut self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        create_private_file(dest)?;
        let mut out = Connection::open(dest)?;
        {
            let b = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
            b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        out.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }

    fn integrity(&self) -> Result<IntegrityFacts> {
        let mut st = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let problems = if lines == ["ok"] { Vec::new() } else { lines };
        let mut st = self.conn.prepare("PRAGMA foreign_key_check")?;
        let dangling = st
            .query_map([], |r| {
                Ok(DanglingReference {
                    table: r.get(0)?,
                    row: r.get(1)?,
                    parent: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(IntegrityFacts { problems, dangling })
    }
}

/// A read session or write transaction on the store's connection.
pub struct Session<'c> {
    conn: &'c Connection,
    /// Whether this session began the transaction (and so must end it).
    began: bool,
    finished: Cell<bool>,
}

impl<'c> Session<'c> {
    fn begin(conn: &'c Connection, write: bool) -> Result<Session<'c>> {
        // A read session inside another (a helper reading while its caller reads) joins it.
        let began = write || conn.is_autocommit();
        if write {
            conn.execute_batch("BEGIN IMMEDIATE")?;
        } else if began {
            conn.execute_batch("BEGIN DEFERRED")?;
        }
        Ok(Session {
            conn,
            began,
            finished: Cell::new(false),
        })
    }

    fn conn(&self) -> &'c Connection {
        self.conn
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.began && !self.finished.get() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Transaction for Session<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.finished.set(true);
        Ok(())
    }
}

/// `date BETWEEN` bounds; an absent bound is open.
fn bounds<'a>(from: Option<&'a str>, to: Option<&'a str>) -> (&'a str, &'a str) {
    (from.unwrap_or("0000-00-00"), to.unwrap_or("9999-99-99"))
}

/// Whether a table exists (a database made before it was added lacks it).
fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::conformance::{self, TestDatabase};

    /// A database file in a temporary directory; every handle opens the same file, as two
    /// processes would.
    struct TempFile {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl TempFile {
        fn new() -> TempFile {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let path = dir.path().join("conformance.db");
            let mut store = SqliteStore::create(&path).expect("a new database");
            let tx = store.write().expect("a write transaction");
            tx.set_meta("format", FORMAT_VERSION)
                .expect("the format marker");
            tx.commit().expect("commit");
            TempFile { _dir: dir, path }
        }
    }

    impl TestDatabase for TempFile {
        fn open(&self) -> Box<dyn Backend> {
            Box::new(SqliteStore::open(&self.path).expect("the database opens"))
        }
    }

    #[test]
    fn passes_the_conformance_suite() {
        conformance::run_all(&|| Box::new(TempFile::new()));
    }

    #[test]
    fn a_file_without_the_format_marker_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.db");
        drop(SqliteStore::create(&path).unwrap());
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StorageError::NotUppsok(..))
        ));
    }
}
