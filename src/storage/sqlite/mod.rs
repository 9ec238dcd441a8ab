//! The SQLite back end: one database file (WAL mode) with `schema.sql`, encrypted as a whole by
//! SQLCipher under the page key, and the key file beside it (`FILE.keys`). The only module that
//! names `rusqlite`.
//!
//! SQLCipher encrypts every page of the database and of its WAL (AES-256-CBC) and
//! authenticates each with HMAC-SHA512 bound to the page number, so without the page key the
//! files give nothing away but their sizes, and a changed byte makes the read of its page fail.
//! The page key is handed in as raw bytes (no key derivation of SQLCipher's own: the key file's
//! slots are where passphrases are stretched).
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
mod upgrade;
mod work;

pub use upgrade::Format1;

use std::cell::{Cell, RefCell};
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::port::{
    Backend, DanglingReference, IntegrityFacts, Locked, Maintenance, Reads, Transaction,
};
use super::{Result, StorageError, FORMAT_VERSION, UPGRADABLE_IN_PLACE};

/// The schema, embedded from the repository's `schema.sql`.
pub const SCHEMA: &str = include_str!("../../../schema.sql");

impl From<rusqlite::types::FromSqlError> for StorageError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StorageError::Backend(e.to_string())
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            // SQLCipher fails the read of a page whose HMAC does not verify (other than the
            // first) with a bare SQLITE_ERROR, without the message a real SQL error carries.
            let bare = msg.as_deref().is_none_or(|m| m == "SQL logic error");
            if f.extended_code == rusqlite::ffi::SQLITE_ERROR && bare {
                return StorageError::Changed(format!("a page of the database: {e}"));
            }
            match f.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    return StorageError::Busy
                }
                // SQLCipher reports a page whose HMAC fails as a file that is not a database
                // (or as corruption): the bytes were changed outside uppsok.
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => {
                    return StorageError::Changed(e.to_string())
                }
                _ => {}
            }
        }
        // rusqlite's messages name the failing SQL or constraint, never a bound value.
        StorageError::Backend(e.to_string())
    }
}

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT_MS: u64 = 15_000;

/// The first bytes of a database file SQLite wrote in the clear (uppsok's format 1).
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The largest key file read (a real one is a few KiB).
const KEY_FILE_MAX: u64 = 1 << 20;

/// Where the key file of the database at `path` is: `FILE.keys`.
pub fn key_file_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".keys");
    PathBuf::from(p)
}

/// Where a write transaction keeps the key file it replaced until it commits: `FILE.keys.prev`.
fn previous_key_file_path(db: &Path) -> PathBuf {
    let mut p = key_file_path(db).into_os_string();
    p.push(".prev");
    PathBuf::from(p)
}

/// Whether the file at `path` is SQLite in the clear (format 1) rather than encrypted.
///
/// SQLite reads the header, not our own file handle: closing any handle of a file drops every
/// POSIX lock this process holds on it, so a connection already open in this process (a
/// library caller's, a test's) would lose the shared lock that keeps another process's page-key
/// rotation from rewriting the file under it. Read-only, so a hot journal is never played back
/// here; an encrypted file reads as "not a database" before anything else is read.
fn is_plain_sqlite(path: &Path) -> Result<bool> {
    let len = std::fs::metadata(path)
        .map_err(|e| StorageError::NotUppsok(path.to_path_buf(), e.to_string()))?
        .len();
    if len < PLAIN_HEADER.len() as u64 {
        return Ok(false);
    }
    let conn = connect(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StorageError::NotUppsok(path.to_path_buf(), e.to_string()))?;
    let plain = conn
        .query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0))
        .is_ok();
    Ok(plain)
}

/// Reads the key file of the database at `db` (bounded in size).
fn read_key_file(db: &Path) -> Result<Vec<u8>> {
    read_bounded(key_file_path(db))
}

fn read_bounded(path: PathBuf) -> Result<Vec<u8>> {
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StorageError::KeyFileMissing(path))
        }
        Err(e) => return Err(StorageError::KeyFileRead(path, e.to_string())),
    };
    let mut out = Vec::new();
    file.take(KEY_FILE_MAX + 1)
        .read_to_end(&mut out)
        .map_err(|e| StorageError::KeyFileRead(path.clone(), e.to_string()))?;
    Ok(out)
}

/// Replaces a file at once: a private temporary file beside it, written and synced, renamed
/// over it, and the directory synced, so a crash leaves the old file or the new one.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    sync_dir(path);
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// A raw page key as SQLCipher reads it in SQL: `"x'…64 hex digits…'"`, in zeroizing memory.
fn key_literal(key: &[u8; 32]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(70));
    out.push_str("\"x'");
    for b in key {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out.push_str("'\"");
    out
}

/// Runs `PRAGMA key` (or `rekey`) with a raw page key, the SQL held in zeroizing memory.
fn key_pragma(conn: &Connection, pragma: &str, key: &[u8; 32]) -> rusqlite::Result<()> {
    let mut sql = Zeroizing::new(String::with_capacity(90));
    sql.push_str("PRAGMA ");
    sql.push_str(pragma);
    sql.push_str(" = ");
    sql.push_str(&key_literal(key));
    sql.push(';');
    conn.execute_batch(&sql)
}

/// Keys a connection with the raw page key. Must come before anything else is read.
fn apply_key(conn: &Connection, key: &[u8; 32]) -> rusqlite::Result<()> {
    key_pragma(conn, "key", key)
}

/// Opens a connection, after SQLCipher is ready. SQLite marks itself initialised before
/// SQLCipher's own set-up (run from `sqlite3_initialize`) has finished, so a thread opening a
/// connection at that moment, while another opens the process's first, found SQLCipher not
/// ready and could not key it ("An error occurred with PRAGMA key or rekey";
/// `tests/sqlcipher_first_use.rs`). One in-memory connection, opened once by one thread while
/// any other waits, finishes the set-up before any connection here is opened.
pub(super) fn connect(path: &Path, flags: rusqlite::OpenFlags) -> rusqlite::Result<Connection> {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        // Any failure here shows again, with its reason, in the open below.
        let _ = Connection::open_in_memory();
    });
    Connection::open_with_flags(path, flags)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // WAL: readers do not block the writer. FULL: a committed transaction survives power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // After a checkpoint the WAL is cut back, so a large import leaves no large side file.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Temporary tables and sorts stay in memory: SQLCipher does not encrypt SQLite's temporary
    // files, and they would hold dates, links and pseudonyms in the clear.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Deleted records are overwritten with zeros, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // A page cache of up to 128 MiB: imports into large databases touch index pages at random.
    conn.pragma_update(None, "cache_size", -131_072)?;
    Ok(())
}

/// A database file found, not yet opened.
pub struct SqliteLocked {
    path: PathBuf,
}

impl SqliteLocked {
    /// Finds the database at `path`. A database of format 1 (SQLite in the clear) is told
    /// apart here, before any key is asked for.
    pub fn find(path: &Path) -> Result<SqliteLocked> {
        if !path.is_file() {
            return Err(StorageError::Missing(path.to_path_buf()));
        }
        if is_plain_sqlite(path)? {
            return Err(plain_file(path));
        }
        Ok(SqliteLocked {
            path: path.to_path_buf(),
        })
    }
}

/// What a database file in the clear is: uppsok's format 1, or something else.
fn plain_file(path: &Path) -> StorageError {
    let format: Option<String> = connect(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|c| {
        c.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .optional()
    })
    .ok()
    .flatten();
    match format.as_deref() {
        Some("1") => StorageError::NeedsUpgrade(path.to_path_buf()),
        _ => StorageError::NotUppsok(
            path.to_path_buf(),
            "it is an SQLite database without uppsok's encryption".into(),
        ),
    }
}

impl Locked for SqliteLocked {
    fn key_file(&self) -> Result<Vec<u8>> {
        read_key_file(&self.path)
    }

    fn open(self: Box<Self>, page_keys: &[&[u8; 32]]) -> Result<(Box<dyn Backend>, usize)> {
        for (i, key) in page_keys.iter().enumerate() {
            match SqliteStore::open(&self.path, key) {
                Ok(store) => return Ok((Box::new(store), i)),
                Err(StorageError::WrongKey(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StorageError::WrongKey(self.path.clone()))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// An open SQLite database file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// The page key, for the copies `backup_to` makes (they are keyed alike).
    page_key: Zeroizing<[u8; 32]>,
}

impl SqliteStore {
    /// Creates a new database file (mode 0600) with the schema, encrypted under `page_key`.
    /// Fails if the file (or a key file beside it) exists.
    pub fn create(path: &Path, page_key: &[u8; 32]) -> Result<SqliteStore> {
        let keys = key_file_path(path);
        if keys.exists() {
            return Err(StorageError::AlreadyExists(keys));
        }
        if path.exists() {
            return Err(StorageError::AlreadyExists(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Create(path.to_path_buf(), e.to_string()))?;
        }
        create_private_file(path)?;
        let conn = connect(path, rusqlite::OpenFlags::default())?;
        apply_key(&conn, page_key)?;
        configure(&conn)?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            page_key: Zeroizing::new(*page_key),
        })
    }

    /// Opens an existing database with its page key and checks that it is one this build
    /// reads.
    pub fn open(path: &Path, page_key: &[u8; 32]) -> Result<SqliteStore> {
        let store = Self::open_keyed(path, page_key)?;
        let format: Option<String> = store
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| match StorageError::from(e) {
                StorageError::Changed(d) => StorageError::Changed(d),
                other => StorageError::NotUppsok(path.to_path_buf(), other.to_string()),
            })?;
        match format.as_deref() {
            // Format 2 opens, and the vault lets nothing but `upgrade` use it.
            Some(FORMAT_VERSION | UPGRADABLE_IN_PLACE) => Ok(store),
            Some(other) => Err(StorageError::Format(path.to_path_buf(), other.to_string())),
            None => Err(StorageError::NotUppsok(
                path.to_path_buf(),
                "it has no uppsok format marker".into(),
            )),
        }
    }

    /// Opens an encrypted database with its page key, whatever its format marker says.
    fn open_keyed(path: &Path, page_key: &[u8; 32]) -> Result<SqliteStore> {
        if !path.is_file() {
            return Err(StorageError::Missing(path.to_path_buf()));
        }
        let conn = connect(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        apply_key(&conn, page_key)?;
        // The first read of page 1 is where a wrong key (or a changed first page) shows.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| match StorageError::from(e) {
            StorageError::Changed(_) => StorageError::WrongKey(path.to_path_buf()),
            other => other,
        })?;
        configure(&conn).map_err(|e| match StorageError::from(e) {
            StorageError::Changed(d) => StorageError::Changed(d),
            other => StorageError::NotUppsok(path.to_path_buf(), other.to_string()),
        })?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            page_key: Zeroizing::new(*page_key),
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

    /// The database file, its two SQLite side files and its key file (with the one a write
    /// keeps until it commits).
    fn all_files(path: &Path) -> Vec<PathBuf> {
        ["", "-wal", "-shm", ".keys", ".keys.prev"]
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
        Ok(Box::new(Session::begin(&self.conn, &self.path, false)?))
    }

    fn write(&mut self) -> Result<Box<dyn Transaction + '_>> {
        if let Some(notice) = super::WAIT_NOTICE.get() {
            if self.write_lock_taken()? {
                notice();
            }
        }
        Ok(Box::new(Session::begin(&self.conn, &self.path, true)?))
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
    fn compact(&mut self) -> Result<bool> {
        self.conn.execute_batch("VACUUM;")?;
        self.flush_journal()?;
        Ok(true)
    }

    fn erase_deleted(&mut self) -> Result<bool> {
        // `secure_delete` overwrote the deleted rows in place; the WAL still holds the pages
        // that held them until it is checkpointed and cut back (best effort: another process
        // reading keeps it, and the next checkpoint cuts it; the erasure itself is committed).
        let _ = self.flush_journal();
        Ok(true)
    }

    fn flush_journal(&mut self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        let dest_keys = key_file_path(dest);
        if dest_keys.exists() {
            return Err(StorageError::AlreadyExists(dest_keys));
        }
        // The copy is keyed alike, and its key file is the one that was committed with the
        // state copied: both are read inside one read transaction (its first read fixes the
        // state), and writers write the key file before they commit.
        let session = Session::begin(&self.conn, &self.path, false)?;
        session
            .conn
            .query_row("SELECT count(*) FROM meta", [], |r| r.get::<_, i64>(0))?;
        let keys = read_key_file(&self.path)?;
        create_private_file(dest)?;
        let mut out = connect(dest, rusqlite::OpenFlags::default())?;
        apply_key(&out, &self.page_key)?;
        {
            let b = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
            b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
        }
        out.pragma_update(None, "journal_mode", "DELETE")?;
        drop(session);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(&dest_keys)
            .and_then(|mut f| {
                f.write_all(&keys)?;
                f.sync_all()
            })
            .map_err(|e| StorageError::Create(dest_keys, e.to_string()))?;
        Ok(())
    }

    fn interrupted_key_file(&self) -> Result<Option<Vec<u8>>> {
        match read_bounded(previous_key_file_path(&self.path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(StorageError::KeyFileMissing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn rekey_pages(&mut self, page_key: &[u8; 32]) -> Result<()> {
        // SQLCipher changes the key page by page inside one transaction with a rollback
        // journal (whose pages stay under the old key), so a crash leaves the database under
        // the old key or the new one. That needs the database out of WAL mode, which only a
        // connection that has it alone can do: another process that has it open makes this
        // fail with Busy, and nothing changes.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        // Asked without waiting: another process that has the database open keeps it in WAL
        // mode for as long as it is open.
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            });
        self.conn
            .busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
        match mode.map_err(StorageError::from) {
            Ok(m) if m.eq_ignore_ascii_case("delete") => {}
            Ok(_) | Err(StorageError::Busy) => {
                let _ = self.conn.pragma_update(None, "journal_mode", "WAL");
                return Err(StorageError::Busy);
            }
            Err(e) => return Err(e),
        }
        let rekeyed = key_pragma(&self.conn, "rekey", page_key);
        let back = self.conn.pragma_update(None, "journal_mode", "WAL");
        rekeyed?;
        back?;
        self.page_key = Zeroizing::new(*page_key);
        Ok(())
    }

    fn roll_back_key_file(&mut self) -> Result<()> {
        let (prev, keys) = (
            previous_key_file_path(&self.path),
            key_file_path(&self.path),
        );
        std::fs::rename(&prev, &keys).map_err(|e| StorageError::Create(keys, e.to_string()))?;
        sync_dir(&self.path);
        Ok(())
    }

    fn integrity(&self) -> Result<IntegrityFacts> {
        let mut st = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut problems = if lines == ["ok"] { Vec::new() } else { lines };
        // SQLCipher's own check: the HMAC of every page of the file, also of pages no table
        // uses (free pages), which SQLite's check never reads.
        let mut st = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        let cipher = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        problems.extend(cipher);
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
    path: &'c Path,
    /// Whether this session began the transaction (and so must end it).
    began: bool,
    finished: Cell<bool>,
    /// The key file as it was before this transaction first replaced it (`Some(None)`: there
    /// was none), to be put back if the transaction does not commit.
    key_file_before: RefCell<Option<Option<Vec<u8>>>>,
}

impl<'c> Session<'c> {
    fn begin(conn: &'c Connection, path: &'c Path, write: bool) -> Result<Session<'c>> {
        // A read session inside another (a helper reading while its caller reads) joins it.
        let began = write || conn.is_autocommit();
        if write {
            conn.execute_batch("BEGIN IMMEDIATE")?;
        } else if began {
            conn.execute_batch("BEGIN DEFERRED")?;
        }
        Ok(Session {
            conn,
            path,
            began,
            finished: Cell::new(false),
            key_file_before: RefCell::new(None),
        })
    }

    fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// Replaces the key file now (it is written before the database commits, see
    /// [`super::port::MetaWrites::write_key_file`]), remembering the one before.
    ///
    /// The one before is also kept on disk (`FILE.keys.prev`) until the transaction ends: if
    /// the process stops before it commits, the database still belongs to that one, and the
    /// next unlock puts it back ([`Maintenance::roll_back_key_file`]).
    fn replace_key_file(&self, bytes: &[u8]) -> Result<()> {
        let path = key_file_path(self.path);
        if self.key_file_before.borrow().is_none() {
            let before = match read_key_file(self.path) {
                Ok(b) => Some(b),
                Err(StorageError::KeyFileMissing(_)) => None,
                Err(e) => return Err(e),
            };
            if let Some(b) = &before {
                let prev = previous_key_file_path(self.path);
                replace_file(&prev, b).map_err(|e| StorageError::Create(prev, e.to_string()))?;
            }
            *self.key_file_before.borrow_mut() = Some(before);
        }
        replace_file(&path, bytes).map_err(|e| StorageError::Create(path, e.to_string()))
    }

    /// Puts back the key file this transaction replaced, if it replaced one.
    fn restore_key_file(&self) {
        if let Some(before) = self.key_file_before.borrow_mut().take() {
            let path = key_file_path(self.path);
            let _ = match before {
                Some(bytes) => replace_file(&path, &bytes),
                None => std::fs::remove_file(&path),
            };
            let _ = std::fs::remove_file(previous_key_file_path(self.path));
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.began && !self.finished.get() {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.restore_key_file();
        }
    }
}

impl Transaction for Session<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.finished.set(true);
        if self.key_file_before.borrow().is_some() {
            // Committed: the database now belongs to the new key file.
            let _ = std::fs::remove_file(previous_key_file_path(self.path));
            sync_dir(self.path);
        }
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
            let mut store =
                SqliteStore::create(&path, &conformance::TEST_PAGE_KEY).expect("a new database");
            let tx = store.write().expect("a write transaction");
            tx.set_meta("format", FORMAT_VERSION)
                .expect("the format marker");
            tx.commit().expect("commit");
            TempFile { _dir: dir, path }
        }
    }

    impl TestDatabase for TempFile {
        fn open(&self) -> Box<dyn Backend> {
            Box::new(
                SqliteStore::open(&self.path, &conformance::TEST_PAGE_KEY)
                    .expect("the database opens"),
            )
        }

        fn locked(&self) -> Box<dyn Locked> {
            Box::new(SqliteLocked::find(&self.path).expect("the database is found"))
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
        drop(SqliteStore::create(&path, &conformance::TEST_PAGE_KEY).unwrap());
        assert!(matches!(
            SqliteStore::open(&path, &conformance::TEST_PAGE_KEY),
            Err(StorageError::NotUppsok(..))
        ));
    }

    #[test]
    fn a_database_in_the_clear_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("format1.db");
        let c = Connection::open(&old).unwrap();
        c.execute_batch(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('format', '1');",
        )
        .unwrap();
        drop(c);
        assert!(matches!(
            SqliteLocked::find(&old),
            Err(StorageError::NeedsUpgrade(..))
        ));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x);")
            .unwrap();
        assert!(matches!(
            SqliteLocked::find(&other),
            Err(StorageError::NotUppsok(..))
        ));
    }
}
