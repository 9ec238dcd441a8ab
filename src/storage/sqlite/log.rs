//! The audit log's rows (the chaining itself is computed above, in `audit_log`).

use rusqlite::{params, OptionalExtension, Row};

use super::Session;
use crate::storage::port::{AuditRow, LogReads, LogWrites, Visit};
use crate::storage::Result;

const COLUMNS: &str = "seq, at, user_id, action, objects, detail, mac";

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        user_id: r.get(2)?,
        action: r.get(3)?,
        objects: r.get(4)?,
        detail: r.get(5)?,
        mac: r.get(6)?,
    })
}

impl LogReads for Session<'_> {
    fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn scan_audit_log(&self, visit: &mut dyn FnMut(AuditRow) -> Visit) -> Result<()> {
        let mut st = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if visit(audit_row(r)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn audit_entry(&self, seq: i64) -> Result<Option<AuditRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq = ?1"))?
            .query_row([seq], audit_row)
            .optional()?)
    }
}

impl LogWrites for Session<'_> {
    fn insert_audit(&self, e: &AuditRow) -> Result<()> {
        self.conn()
            .prepare_cached(&format!(
                "INSERT INTO audit_log({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))?
            .execute(params![
                e.seq, e.at, e.user_id, e.action, e.objects, e.detail, e.mac
            ])?;
        Ok(())
    }

    fn update_audit_mac(&self, seq: i64, mac: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE audit_log SET mac = ?2 WHERE seq = ?1")?
            .execute(params![seq, mac])?;
        Ok(())
    }
}
