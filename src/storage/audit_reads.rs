//! Reads for the audit (`uppsok audit`): SQLite's own integrity checks and raw views of every
//! encrypted column, key slot and pseudonym. Nothing here decrypts anything; the vault does.

use super::{Read, Result};

/// Every column that holds an AES-GCM envelope under the data key: (table, column). The
/// audit opens each value of each of them. A new encrypted column must be added here, or the
/// audit's `encryption` check will not see it.
pub const DATA_ENVELOPE_COLUMNS: &[(&str, &str)] = &[
    ("contacts", "attributes"),
    ("contacts", "note"),
    ("field_nights", "details"),
];

/// One problem SQLite's `foreign_key_check` reports: a row whose reference points nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyProblem {
    pub table: String,
    pub rowid: Option<i64>,
    pub parent: String,
}

/// A key slot as the audit sees it: its owner, Argon2 parameters and the envelope that wraps
/// the master key (the audit cannot open it: that takes the owner's passphrase).
#[derive(Debug, Clone)]
pub struct SlotInfo {
    pub user_id: i64,
    pub kdf: String,
    pub memory_kib: i64,
    pub iterations: i64,
    pub parallelism: i64,
    pub salt_len: usize,
    pub wrapped_key: Vec<u8>,
}

/// Reads the audit needs.
pub trait AuditCheckReads: Read {
    /// `PRAGMA integrity_check`: the lines it reports; `["ok"]` when the file is sound.
    fn integrity_check(&self) -> Result<Vec<String>> {
        let mut st = self.conn().prepare("PRAGMA integrity_check")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// `PRAGMA foreign_key_check`: every row whose reference points nowhere.
    fn foreign_key_check(&self) -> Result<Vec<ForeignKeyProblem>> {
        let mut st = self.conn().prepare("PRAGMA foreign_key_check")?;
        let rows = st.query_map([], |r| {
            Ok(ForeignKeyProblem {
                table: r.get(0)?,
                rowid: r.get(1)?,
                parent: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Visits every value of one encrypted column: (row id, the stored value). `table` and
    /// `column` must come from [`DATA_ENVELOPE_COLUMNS`]. A value that is not a BLOB (changed
    /// behind uppsok's back) is passed as its bytes if it is text, or as empty.
    fn for_each_envelope(
        &self,
        table: &str,
        column: &str,
        mut f: impl FnMut(i64, &[u8]),
    ) -> Result<()> {
        assert!(
            DATA_ENVELOPE_COLUMNS.contains(&(table, column)),
            "only the listed encrypted columns are read"
        );
        let mut st = self
            .conn()
            .prepare(&format!("SELECT id, {column} FROM {table} ORDER BY id"))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            match r.get_ref(1)? {
                rusqlite::types::ValueRef::Blob(b) => f(id, b),
                rusqlite::types::ValueRef::Text(t) => f(id, t),
                _ => f(id, &[]),
            }
        }
        Ok(())
    }

    /// Every contact: (id, date, person id), in id order.
    fn contact_index(&self, mut f: impl FnMut(i64, &str, Option<i64>)) -> Result<()> {
        let mut st = self
            .conn()
            .prepare("SELECT id, date, person_id FROM contacts ORDER BY id")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(r.get(0)?, r.get_ref(1)?.as_str().unwrap_or(""), r.get(2)?);
        }
        Ok(())
    }

    /// Every key slot, by user id.
    fn key_slots(&self) -> Result<Vec<SlotInfo>> {
        let mut st = self.conn().prepare(
            "SELECT user_id, kdf, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_key
             FROM key_slots ORDER BY user_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(SlotInfo {
                user_id: r.get(0)?,
                kdf: r.get(1)?,
                memory_kib: r.get(2)?,
                iterations: r.get(3)?,
                parallelism: r.get(4)?,
                salt_len: r.get_ref(5)?.as_bytes().map(|b| b.len()).unwrap_or(0),
                wrapped_key: r
                    .get_ref(6)?
                    .as_bytes()
                    .map(|b| b.to_vec())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One entry of the audit log, if there is one with this number.
    fn audit_row(&self, seq: i64) -> Result<Option<super::AuditRow>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log WHERE seq = ?1",
                [seq],
                |r| {
                    Ok(super::AuditRow {
                        seq: r.get(0)?,
                        at: r.get(1)?,
                        user_id: r.get(2)?,
                        action: r.get(3)?,
                        objects: r.get(4)?,
                        detail: r.get(5)?,
                        mac: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every person: (id, pseudonym bytes as stored).
    fn for_each_pseudonym(&self, mut f: impl FnMut(i64, &[u8])) -> Result<()> {
        let mut st = self
            .conn()
            .prepare("SELECT id, pseudonym FROM persons ORDER BY id")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            f(id, r.get_ref(1)?.as_bytes().unwrap_or(&[]));
        }
        Ok(())
    }
}

impl<T: Read + ?Sized> AuditCheckReads for T {}
