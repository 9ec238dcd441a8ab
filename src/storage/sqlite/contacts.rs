//! Contacts and field nights.

use std::ops::ControlFlow;

use rusqlite::{params, OptionalExtension, Row};

use super::{bounds, Session};
use crate::storage::port::{
    ContactEnvelopes, ContactReads, ContactRow, ContactWrites, EnvelopeColumn, FieldNightRow,
    StatRow, Visit,
};
use crate::storage::Result;

const CONTACT_COLUMNS: &str = "c.id, c.date, c.person_id, p.pseudonym, c.field_night_id,
     c.created_by, c.created_at, c.attributes, c.note";

fn contact_row(r: &Row<'_>) -> rusqlite::Result<ContactRow> {
    Ok(ContactRow {
        id: r.get(0)?,
        date: r.get(1)?,
        person_id: r.get(2)?,
        pseudonym: r.get(3)?,
        field_night_id: r.get(4)?,
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        attributes: r.get(7)?,
        note: r.get(8)?,
    })
}

fn field_night_row(r: &Row<'_>) -> rusqlite::Result<FieldNightRow> {
    Ok(FieldNightRow {
        id: r.get(0)?,
        date: r.get(1)?,
        created_by: r.get(2)?,
        created_at: r.get(3)?,
        details: r.get(4)?,
    })
}

/// A stored value as bytes: a blob as it is, a text (changed outside uppsok) as its bytes,
/// anything else as empty.
fn bytes_of(v: rusqlite::types::ValueRef<'_>) -> &[u8] {
    match v {
        rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b,
        _ => &[],
    }
}

impl ContactReads for Session<'_> {
    fn scan_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        let mut st = self.conn().prepare(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c
             LEFT JOIN persons p ON p.id = c.person_id ORDER BY c.id"
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if visit(contact_row(r)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn scan_stored_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        let mut st = self.conn().prepare(
            "SELECT c.id, c.date, c.person_id, NULL, c.field_night_id, c.created_by, c.created_at,
                    c.attributes, c.note FROM contacts c ORDER BY c.id",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if visit(contact_row(r)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn scan_stat_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        visit: &mut dyn FnMut(StatRow<'_>) -> Visit,
    ) -> Result<()> {
        let (lo, hi) = bounds(from, to);
        let mut st = self.conn().prepare_cached(
            "SELECT id, date, person_id, created_by, attributes FROM contacts
             WHERE date BETWEEN ?1 AND ?2",
        )?;
        let mut rows = st.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            let row = StatRow {
                id: r.get(0)?,
                date: r.get_ref(1)?.as_str()?,
                person_id: r.get(2)?,
                created_by: r.get(3)?,
                attributes: bytes_of(r.get_ref(4)?),
            };
            if visit(row).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn scan_contact_index(
        &self,
        visit: &mut dyn FnMut(i64, &str, Option<i64>) -> Visit,
    ) -> Result<()> {
        let mut st = self
            .conn()
            .prepare("SELECT id, date, person_id FROM contacts ORDER BY id")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let date = r.get_ref(1)?.as_str().unwrap_or("");
            if visit(r.get(0)?, date, r.get(2)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn scan_first_contacts(&self, visit: &mut dyn FnMut(i64, &str) -> Visit) -> Result<()> {
        let mut st = self.conn().prepare_cached(
            "SELECT person_id, min(date) FROM contacts WHERE person_id IS NOT NULL GROUP BY person_id",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if visit(r.get(0)?, r.get_ref(1)?.as_str()?).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn scan_envelopes(
        &self,
        column: EnvelopeColumn,
        visit: &mut dyn FnMut(i64, i64, &[u8]) -> Visit,
    ) -> Result<()> {
        // The names come from the closed enum, never from input.
        let (table, column) = column.names();
        // A table added after the database was made may not be there yet.
        if !super::table_exists(self.conn(), table)? {
            return Ok(());
        }
        let mut st = self.conn().prepare(&format!(
            "SELECT id, created_by, {column} FROM {table} ORDER BY id"
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let author = r.get_ref(1)?.as_i64().unwrap_or(0);
            if let ControlFlow::Break(()) = visit(id, author, bytes_of(r.get_ref(2)?)) {
                break;
            }
        }
        Ok(())
    }

    fn contact(&self, id: i64) -> Result<Option<ContactRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c
                 LEFT JOIN persons p ON p.id = c.person_id WHERE c.id = ?1"
            ))?
            .query_row([id], contact_row)
            .optional()?)
    }

    fn contacts_of_persons(&self, persons: &[i64]) -> Result<Vec<ContactRow>> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c
             LEFT JOIN persons p ON p.id = c.person_id WHERE c.person_id = ?1"
        ))?;
        let mut out = Vec::new();
        for &person in persons {
            for r in st.query_map([person], contact_row)? {
                out.push(r?);
            }
        }
        out.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
        Ok(out)
    }

    fn contacts_of_night(&self, night: i64) -> Result<Vec<ContactRow>> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c
             LEFT JOIN persons p ON p.id = c.person_id WHERE c.field_night_id = ?1
             ORDER BY c.id"
        ))?;
        let rows = st.query_map([night], contact_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn contact_ids_of_person(&self, person: i64) -> Result<Vec<i64>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT id FROM contacts WHERE person_id = ?1 ORDER BY id")?;
        let rows = st.query_map([person], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn contact_envelopes(&self, from: i64, limit: i64) -> Result<Vec<ContactEnvelopes>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, created_by, attributes, note FROM contacts WHERE id >= ?1
             ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map([from, limit], |r| {
            Ok(ContactEnvelopes {
                id: r.get(0)?,
                created_by: r.get(1)?,
                attributes: r.get(2)?,
                note: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn notes_before(&self, date: &str, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, created_by, note FROM contacts WHERE id >= ?1 AND date < ?2
             ORDER BY id LIMIT ?3",
        )?;
        let rows = st.query_map(params![from, date, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn contact_date_range(&self) -> Result<Option<(String, String)>> {
        let (lo, hi): (Option<String>, Option<String>) =
            self.conn()
                .query_row("SELECT min(date), max(date) FROM contacts", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok(lo.zip(hi))
    }

    fn contact_count(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))?)
    }

    fn field_night(&self, id: i64) -> Result<Option<FieldNightRow>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT id, date, created_by, created_at, details FROM field_nights WHERE id = ?1",
            )?
            .query_row([id], field_night_row)
            .optional()?)
    }

    fn field_nights(&self, limit: i64) -> Result<Vec<FieldNightRow>> {
        let mut st = self.conn().prepare(
            "SELECT id, date, created_by, created_at, details FROM field_nights
             ORDER BY date DESC, id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], field_night_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        let (lo, hi) = bounds(from, to);
        Ok(self.conn().query_row(
            "SELECT count(*) FROM field_nights WHERE date BETWEEN ?1 AND ?2",
            [lo, hi],
            |r| r.get(0),
        )?)
    }

    fn field_night_counts_by_author(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<(i64, i64)>> {
        let (lo, hi) = bounds(from, to);
        let mut st = self.conn().prepare_cached(
            "SELECT created_by, count(*) FROM field_nights WHERE date BETWEEN ?1 AND ?2
             GROUP BY created_by ORDER BY created_by",
        )?;
        let rows = st.query_map([lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn field_night_envelopes(&self, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT id, created_by, details FROM field_nights WHERE id >= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map([from, limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl ContactWrites for Session<'_> {
    fn insert_contact(&self, c: &ContactRow) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO contacts(id, date, person_id, field_night_id, created_by, created_at,
                                      attributes, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                c.id,
                c.date,
                c.person_id,
                c.field_night_id,
                c.created_by,
                c.created_at,
                c.attributes,
                c.note
            ])?;
        Ok(())
    }

    fn update_contact(&self, c: &ContactRow, updated_at: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE contacts SET date = ?2, person_id = ?3, attributes = ?4, note = ?5,
                                 updated_at = ?6 WHERE id = ?1",
            params![c.id, c.date, c.person_id, c.attributes, c.note, updated_at],
        )?;
        Ok(n == 1)
    }

    fn update_contact_envelopes(&self, c: &ContactEnvelopes) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE contacts SET attributes = ?2, note = ?3 WHERE id = ?1")?
            .execute(params![c.id, c.attributes, c.note])?;
        Ok(())
    }

    fn update_note(&self, id: i64, note: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE contacts SET note = ?2 WHERE id = ?1")?
            .execute(params![id, note])?;
        Ok(())
    }

    fn delete_contact(&self, id: i64) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM contacts WHERE id = ?1", [id])?
            == 1)
    }

    fn insert_field_night(&self, n: &FieldNightRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO field_nights(id, date, created_by, created_at, details)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![n.id, n.date, n.created_by, n.created_at, n.details],
        )?;
        Ok(())
    }

    fn update_field_night_details(&self, id: i64, details: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE field_nights SET details = ?2 WHERE id = ?1")?
            .execute(params![id, details])?;
        Ok(())
    }
}
