//! Staff accounts and their key slots.

use rusqlite::{params, OptionalExtension, Row};

use super::{Read, Result, Tx};

/// A staff account as stored. `mac` authenticates id, name, role and state.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
    pub mac: Vec<u8>,
}

/// A key slot: the master key wrapped under a passphrase-derived key.
#[derive(Debug, Clone)]
pub struct KeySlotRow {
    pub user_id: i64,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub salt: Vec<u8>,
    pub wrapped_key: Vec<u8>,
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        disabled: r.get::<_, i64>(3)? != 0,
        created_at: r.get(4)?,
        mac: r.get(5)?,
    })
}

const USER_COLUMNS: &str = "id, name, role, disabled, created_at, mac";

/// Reads of users and key slots.
pub trait UserReads: Read {
    fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"),
                [name],
                user_row,
            )
            .optional()?)
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        let mut st = self
            .conn()
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
        let rows = st.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn key_slot(&self, user_id: i64) -> Result<Option<KeySlotRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT user_id, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_key
                 FROM key_slots WHERE user_id = ?1",
                [user_id],
                |r| {
                    Ok(KeySlotRow {
                        user_id: r.get(0)?,
                        memory_kib: r.get(1)?,
                        iterations: r.get(2)?,
                        parallelism: r.get(3)?,
                        salt: r.get(4)?,
                        wrapped_key: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }
}

impl<T: Read + ?Sized> UserReads for T {}

impl Tx<'_> {
    pub fn insert_user(&self, u: &UserRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO users(id, name, role, disabled, created_at, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![u.id, u.name, u.role, u.disabled as i64, u.created_at, u.mac],
        )?;
        Ok(())
    }

    /// Rewrites a user's role, state and MAC.
    pub fn update_user(&self, u: &UserRow) -> Result<()> {
        self.tx.execute(
            "UPDATE users SET role = ?2, disabled = ?3, mac = ?4 WHERE id = ?1",
            params![u.id, u.role, u.disabled as i64, u.mac],
        )?;
        Ok(())
    }

    /// Writes (or replaces) a user's key slot.
    pub fn put_key_slot(&self, s: &KeySlotRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO key_slots(user_id, kdf, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_key)
             VALUES (?1, 'argon2id', ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(user_id) DO UPDATE SET kdf_memory_kib = excluded.kdf_memory_kib,
               kdf_iterations = excluded.kdf_iterations, kdf_parallelism = excluded.kdf_parallelism,
               salt = excluded.salt, wrapped_key = excluded.wrapped_key",
            params![s.user_id, s.memory_kib, s.iterations, s.parallelism, s.salt, s.wrapped_key],
        )?;
        Ok(())
    }

    pub fn delete_key_slot(&self, user_id: i64) -> Result<()> {
        self.tx
            .execute("DELETE FROM key_slots WHERE user_id = ?1", [user_id])?;
        Ok(())
    }
}
