//! The SQL of the database's life over time: key wraps and the recovery key, the pseudonym key
//! chain, rewriting every envelope and pseudonym (rekey), erasing a person's contacts
//! (forget), replacing old notes (purge), and compacting the file (VACUUM).
//!
//! Everything that walks a whole table does it in batches of rows ordered by id (`after`,
//! `limit`), so memory stays flat however large the database is.

use rusqlite::{params, OptionalExtension};

use super::{Read, Result, Store, Tx};

/// The master key sealed to one user's public key.
#[derive(Debug, Clone)]
pub struct MasterWrapRow {
    pub user_id: i64,
    pub public_key: Vec<u8>,
    pub wrapped_master: Vec<u8>,
}

/// The master key sealed to the recovery key.
#[derive(Debug, Clone)]
pub struct RecoveryRow {
    pub id: i64,
    pub public_key: Vec<u8>,
    pub wrapped_master: Vec<u8>,
    pub created_at: String,
}

/// The envelopes of one contact.
#[derive(Debug, Clone)]
pub struct ContactEnvelopes {
    pub id: i64,
    pub attributes: Vec<u8>,
    pub note: Vec<u8>,
}

fn table_exists(conn: &rusqlite::Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

/// Reads of key wraps, the recovery key and the pseudonym chain. A database made before these
/// tables existed reads as having none.
pub trait LifecycleReads: Read {
    fn master_wrap(&self, user_id: i64) -> Result<Option<MasterWrapRow>> {
        if !table_exists(self.conn(), "master_wraps")? {
            return Ok(None);
        }
        Ok(self
            .conn()
            .query_row(
                "SELECT user_id, public_key, wrapped_master FROM master_wraps WHERE user_id = ?1",
                [user_id],
                |r| {
                    Ok(MasterWrapRow {
                        user_id: r.get(0)?,
                        public_key: r.get(1)?,
                        wrapped_master: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The key wraps of every active user, with the ids of active users that have none (a
    /// slot made by an earlier version, not yet upgraded at an unlock).
    fn active_master_wraps(&self) -> Result<(Vec<MasterWrapRow>, Vec<String>)> {
        if !table_exists(self.conn(), "master_wraps")? {
            let mut st = self
                .conn()
                .prepare("SELECT name FROM users WHERE disabled = 0 ORDER BY id")?;
            let names = st.query_map([], |r| r.get(0))?;
            return Ok((Vec::new(), names.collect::<rusqlite::Result<Vec<_>>>()?));
        }
        let mut st = self.conn().prepare(
            "SELECT u.id, u.name, w.public_key, w.wrapped_master
             FROM users u LEFT JOIN master_wraps w ON w.user_id = u.id
             WHERE u.disabled = 0 ORDER BY u.id",
        )?;
        let mut rows = st.query([])?;
        let (mut wraps, mut missing) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            let public: Option<Vec<u8>> = r.get(2)?;
            match public {
                Some(public_key) => wraps.push(MasterWrapRow {
                    user_id: r.get(0)?,
                    public_key,
                    wrapped_master: r.get(3)?,
                }),
                None => missing.push(r.get(1)?),
            }
        }
        Ok((wraps, missing))
    }

    fn recovery_key(&self) -> Result<Option<RecoveryRow>> {
        if !table_exists(self.conn(), "recovery_keys")? {
            return Ok(None);
        }
        Ok(self
            .conn()
            .query_row(
                "SELECT id, public_key, wrapped_master, created_at FROM recovery_keys WHERE id = 1",
                [],
                |r| {
                    Ok(RecoveryRow {
                        id: r.get(0)?,
                        public_key: r.get(1)?,
                        wrapped_master: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The sealed pseudonym keys of earlier key versions, oldest first.
    fn pseudonym_chain(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        if !table_exists(self.conn(), "pseudonym_keys")? {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn()
            .prepare("SELECT version, sealed_key FROM pseudonym_keys ORDER BY version")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Up to `limit` contacts' envelopes with ids above `after`, in id order.
    fn contact_envelopes(&self, after: i64, limit: i64) -> Result<Vec<ContactEnvelopes>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, attributes, note FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map([after, limit], |r| {
            Ok(ContactEnvelopes {
                id: r.get(0)?,
                attributes: r.get(1)?,
                note: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Up to `limit` notes of contacts dated before `date` (exclusive), ids above `after`.
    fn notes_before(&self, date: &str, after: i64, limit: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, note FROM contacts WHERE id > ?1 AND date < ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = st.query_map(params![after, date, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Up to `limit` field nights' envelopes with ids above `after`, in id order.
    fn field_night_envelopes(&self, after: i64, limit: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, details FROM field_nights WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Up to `limit` persons (id, pseudonym) with ids above `after`, in id order.
    fn persons_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, pseudonym FROM persons WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map([after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The ids of a person's contacts, in id order.
    fn contact_ids_of_person(&self, person_id: i64) -> Result<Vec<i64>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT id FROM contacts WHERE person_id = ?1 ORDER BY id")?;
        let rows = st.query_map([person_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl<T: Read + ?Sized> LifecycleReads for T {}

impl Tx<'_> {
    /// Creates the tables of this version that a database made by an earlier one lacks.
    pub fn ensure_schema(&self) -> Result<()> {
        self.tx.execute_batch(super::SCHEMA)?;
        Ok(())
    }

    pub fn put_master_wrap(&self, w: &MasterWrapRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO master_wraps(user_id, public_key, wrapped_master) VALUES (?1, ?2, ?3)
             ON CONFLICT(user_id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master",
            params![w.user_id, w.public_key, w.wrapped_master],
        )?;
        Ok(())
    }

    pub fn delete_master_wrap(&self, user_id: i64) -> Result<()> {
        self.tx
            .execute("DELETE FROM master_wraps WHERE user_id = ?1", [user_id])?;
        Ok(())
    }

    pub fn put_recovery_key(&self, r: &RecoveryRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO recovery_keys(id, public_key, wrapped_master, created_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master, created_at = excluded.created_at",
            params![r.id, r.public_key, r.wrapped_master, r.created_at],
        )?;
        Ok(())
    }

    /// Replaces the stored pseudonym key chain.
    pub fn replace_pseudonym_chain(&self, chain: &[(u32, Vec<u8>)]) -> Result<()> {
        self.tx.execute("DELETE FROM pseudonym_keys", [])?;
        let mut st = self
            .tx
            .prepare_cached("INSERT INTO pseudonym_keys(version, sealed_key) VALUES (?1, ?2)")?;
        for (v, k) in chain {
            st.execute(params![v, k])?;
        }
        Ok(())
    }

    pub fn update_contact_envelopes(&self, c: &ContactEnvelopes) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE contacts SET attributes = ?2, note = ?3 WHERE id = ?1")?
            .execute(params![c.id, c.attributes, c.note])?;
        Ok(())
    }

    pub fn update_note(&self, id: i64, note: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE contacts SET note = ?2 WHERE id = ?1")?
            .execute(params![id, note])?;
        Ok(())
    }

    pub fn update_field_night_details(&self, id: i64, details: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE field_nights SET details = ?2 WHERE id = ?1")?
            .execute(params![id, details])?;
        Ok(())
    }

    pub fn update_pseudonym(&self, person_id: i64, pseudonym: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE persons SET pseudonym = ?2 WHERE id = ?1")?
            .execute(params![person_id, pseudonym])?;
        Ok(())
    }

    pub fn update_audit_mac(&self, seq: i64, mac: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE audit_log SET mac = ?2 WHERE seq = ?1")?
            .execute(params![seq, mac])?;
        Ok(())
    }

    /// Deletes a person: every contact of theirs, every declared merge naming them, and the
    /// pseudonym itself. Returns the number of contacts deleted.
    pub fn delete_person(&self, person_id: i64) -> Result<usize> {
        let n = self
            .tx
            .execute("DELETE FROM contacts WHERE person_id = ?1", [person_id])?;
        self.tx.execute(
            "DELETE FROM person_merges WHERE person_id = ?1 OR merged_into = ?1",
            [person_id],
        )?;
        self.tx
            .execute("DELETE FROM persons WHERE id = ?1", [person_id])?;
        Ok(n)
    }
}

impl Store {
    /// Rebuilds the file so that no freed page keeps old bytes (`VACUUM`), then copies the WAL
    /// into the database and cuts it to nothing. Run outside any transaction.
    pub fn vacuum(&self) -> Result<()> {
        self.conn.execute_batch("VACUUM;")?;
        self.checkpoint()
    }

    /// Copies the WAL into the database and truncates it, so the WAL holds no older page.
    /// Best effort: a reader in another process may keep part of it for a while.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
