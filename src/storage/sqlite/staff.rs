//! Staff accounts, their key slots and every key wrap. A database made before the wrap
//! tables existed reads as having none.

use rusqlite::{params, OptionalExtension, Row};

use super::{table_exists, Session};
use crate::storage::port::{MasterWrapRow, RecoveryRow, StaffReads, StaffWrites, UserRow};
use crate::storage::Result;

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

impl StaffReads for Session<'_> {
    fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?
            .query_row([name], user_row)
            .optional()?)
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
        let rows = st.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn master_wrap(&self, user: i64) -> Result<Option<MasterWrapRow>> {
        if !table_exists(self.conn(), "master_wraps")? {
            return Ok(None);
        }
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT user_id, public_key, wrapped_master FROM master_wraps WHERE user_id = ?1",
            )?
            .query_row([user], |r| {
                Ok(MasterWrapRow {
                    user_id: r.get(0)?,
                    public_key: r.get(1)?,
                    wrapped_master: r.get(2)?,
                })
            })
            .optional()?)
    }

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
}

impl StaffWrites for Session<'_> {
    fn insert_user(&self, u: &UserRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO users(id, name, role, disabled, created_at, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![u.id, u.name, u.role, u.disabled as i64, u.created_at, u.mac],
        )?;
        Ok(())
    }

    fn update_user(&self, u: &UserRow) -> Result<()> {
        self.conn().execute(
            "UPDATE users SET role = ?2, disabled = ?3, mac = ?4 WHERE id = ?1",
            params![u.id, u.role, u.disabled as i64, u.mac],
        )?;
        Ok(())
    }

    fn put_master_wrap(&self, w: &MasterWrapRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO master_wraps(user_id, public_key, wrapped_master) VALUES (?1, ?2, ?3)
             ON CONFLICT(user_id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master",
            params![w.user_id, w.public_key, w.wrapped_master],
        )?;
        Ok(())
    }

    fn delete_master_wrap(&self, user: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM master_wraps WHERE user_id = ?1", [user])?;
        Ok(())
    }

    fn put_recovery_key(&self, r: &RecoveryRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO recovery_keys(id, public_key, wrapped_master, created_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master, created_at = excluded.created_at",
            params![r.id, r.public_key, r.wrapped_master, r.created_at],
        )?;
        Ok(())
    }

    fn replace_pseudonym_chain(&self, chain: &[(u32, Vec<u8>)]) -> Result<()> {
        self.conn().execute("DELETE FROM pseudonym_keys", [])?;
        let mut st = self
            .conn()
            .prepare_cached("INSERT INTO pseudonym_keys(version, sealed_key) VALUES (?1, ?2)")?;
        for (v, k) in chain {
            st.execute(params![v, k])?;
        }
        Ok(())
    }
}
