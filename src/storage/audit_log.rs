//! The HMAC-chained audit log (the chaining itself is computed above, in `audit_log`).

use rusqlite::{params, OptionalExtension};

use super::{Read, Result, Tx};

/// One entry of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub objects: String,
    pub detail: String,
    pub mac: Vec<u8>,
}

/// Reads of the audit log.
pub trait AuditReads: Read {
    /// The last entry's sequence number and MAC, if the log has any entry.
    fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Visits every entry in sequence order.
    fn for_each_audit_row(&self, mut f: impl FnMut(AuditRow)) -> Result<()> {
        let mut st = self.conn().prepare(
            "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log ORDER BY seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(AuditRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                user_id: r.get(2)?,
                action: r.get(3)?,
                objects: r.get(4)?,
                detail: r.get(5)?,
                mac: r.get(6)?,
            });
        }
        Ok(())
    }
}

impl<T: Read + ?Sized> AuditReads for T {}

impl Tx<'_> {
    pub fn insert_audit(&self, e: &AuditRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO audit_log(seq, at, user_id, action, objects, detail, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                e.seq, e.at, e.user_id, e.action, e.objects, e.detail, e.mac
            ])?;
        Ok(())
    }
}
