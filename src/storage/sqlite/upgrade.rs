//! Format 1 to format 2: a database in the clear (its key slots inside it) copied into a new
//! file encrypted as a whole, then put in its place.
//!
//! All or nothing: the old file is first copied to the backup, the new one is made beside it
//! (`FILE.upgrading`), and only when the vault has written the new format's last rows and key
//! file does a rename put the new file (and its key file) where the old one was. A run that
//! stops before that leaves the old database as it was; the next `upgrade` starts again.

use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension;
use zeroize::Zeroizing;

use super::{
    configure, create_private_file, is_plain_sqlite, key_file_path, key_literal, sync_dir,
    SqliteStore,
};
use crate::storage::port::{Backend, Conversion, Format1Database, Format1Slot, Maintenance, Reads};
use crate::storage::{Result, StorageError};

/// A database of format 1, open in the clear.
pub struct Format1 {
    store: SqliteStore,
}

/// The files the conversion makes beside the database.
fn upgrading_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".upgrading");
    PathBuf::from(p)
}

fn remove_with_side_files(path: &Path) {
    for suffix in [
        "",
        "-wal",
        "-shm",
        "-journal",
        ".keys",
        ".keys.prev",
        ".keys.tmp",
    ] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

impl Format1 {
    /// Opens the database at `path` if it is one of format 1.
    pub fn open(path: &Path) -> Result<Format1> {
        if !path.is_file() {
            return Err(StorageError::Missing(path.to_path_buf()));
        }
        if !is_plain_sqlite(path)? {
            return Err(StorageError::NotUppsok(
                path.to_path_buf(),
                "it is not a database of format 1 (it may already be of this format)".into(),
            ));
        }
        let conn = super::connect(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        let format: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| StorageError::NotUppsok(path.to_path_buf(), e.to_string()))?;
        if format.as_deref() != Some("1") {
            return Err(StorageError::NotUppsok(
                path.to_path_buf(),
                "it has no uppsok format 1 marker".into(),
            ));
        }
        Ok(Format1 {
            store: SqliteStore {
                conn,
                path: path.to_path_buf(),
                page_key: Zeroizing::new([0; 32]),
            },
        })
    }
}

impl Format1Database for Format1 {
    fn read(&self) -> Result<Box<dyn Reads + '_>> {
        self.store.read()
    }

    fn key_slots(&self) -> Result<Vec<Format1Slot>> {
        let mut st = self.store.conn.prepare(
            "SELECT user_id, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_key
             FROM key_slots ORDER BY user_id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(Format1Slot {
                    user_id: r.get(0)?,
                    memory_kib: r.get(1)?,
                    iterations: r.get(2)?,
                    parallelism: r.get(3)?,
                    salt: r.get(4)?,
                    wrapped_key: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn convert(self: Box<Self>, backup: &Path, page_key: &[u8; 32]) -> Result<Box<dyn Conversion>> {
        let path = self.store.path.clone();
        // 1. The backup: the old database as it is.
        self.store.backup_plain(backup)?;
        // 2. The new database beside it, encrypted, with every table and row.
        let new = upgrading_path(&path);
        remove_with_side_files(&new);
        create_private_file(&new)?;
        let made = (|| -> Result<SqliteStore> {
            let quoted = new.to_string_lossy().replace('\'', "''");
            let mut sql = Zeroizing::new(format!("ATTACH DATABASE '{quoted}' AS enc KEY "));
            sql.push_str(&key_literal(page_key));
            sql.push_str("; SELECT sqlcipher_export('enc'); DETACH DATABASE enc;");
            self.store.conn.execute_batch(&sql)?;
            let store = SqliteStore::open_keyed(&new, page_key)?;
            // The key slots move to the key file the vault writes.
            store
                .conn
                .execute_batch("DROP TABLE IF EXISTS key_slots;")?;
            Ok(store)
        })();
        match made {
            Ok(store) => Ok(Box::new(Converting {
                old: Some(self.store),
                new: Some(store),
                final_path: path,
                finished: false,
            })),
            Err(e) => {
                remove_with_side_files(&new);
                Err(e)
            }
        }
    }
}

impl SqliteStore {
    /// A copy of a database in the clear (format 1), as it is.
    fn backup_plain(&self, dest: &Path) -> Result<()> {
        create_private_file(dest)?;
        let copied = (|| -> Result<()> {
            let mut out = super::connect(dest, rusqlite::OpenFlags::default())?;
            {
                let b = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
                b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
            }
            out.pragma_update(None, "journal_mode", "DELETE")?;
            Ok(())
        })();
        if copied.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        copied
    }
}

/// A conversion under way.
struct Converting {
    old: Option<SqliteStore>,
    new: Option<SqliteStore>,
    final_path: PathBuf,
    finished: bool,
}

impl Conversion for Converting {
    fn backend(&mut self) -> &mut dyn Backend {
        self.new.as_mut().expect("open until finished")
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let new_path = upgrading_path(&self.final_path);
        {
            let mut store = self.new.take().expect("open until finished");
            store.flush_journal()?;
            store.conn.pragma_update(None, "journal_mode", "DELETE")?;
        }
        drop(self.old.take());
        // The key file first: should the second rename not happen, the old database (of
        // format 1, which has no key file) is still in place and `upgrade` runs again.
        let keys = key_file_path(&self.final_path);
        std::fs::rename(key_file_path(&new_path), &keys)
            .map_err(|e| StorageError::Create(keys.clone(), e.to_string()))?;
        std::fs::rename(&new_path, &self.final_path)
            .map_err(|e| StorageError::Create(self.final_path.clone(), e.to_string()))?;
        sync_dir(&self.final_path);
        self.finished = true;
        Ok(())
    }
}

impl Drop for Converting {
    fn drop(&mut self) {
        if !self.finished {
            drop(self.new.take());
            remove_with_side_files(&upgrading_path(&self.final_path));
        }
    }
}
