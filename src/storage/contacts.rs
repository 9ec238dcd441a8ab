//! Persons, contacts and field nights.

use rusqlite::{params, OptionalExtension};

use super::{Read, Result, Tx};

/// A contact as stored: clear index columns and two envelopes.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub id: i64,
    pub date: String,
    pub person_id: Option<i64>,
    /// The person's pseudonym (joined from `persons`), for reads.
    pub pseudonym: Option<Vec<u8>>,
    pub field_night_id: Option<i64>,
    pub created_by: i64,
    /// When the contact was logged: seconds since 1970 (UTC).
    pub created_at: i64,
    pub attributes: Vec<u8>,
    pub note: Vec<u8>,
}

/// What statistics read of a contact, borrowed from the row being stepped.
pub struct StatRow<'a> {
    pub id: i64,
    pub date: &'a str,
    pub person_id: Option<i64>,
    pub attributes: &'a [u8],
}

/// A field night as stored.
#[derive(Debug, Clone)]
pub struct FieldNightRow {
    pub id: i64,
    pub date: String,
    pub created_by: i64,
    pub created_at: String,
    pub details: Vec<u8>,
}

/// `date BETWEEN` bounds; an absent bound is open.
fn bounds<'a>(from: Option<&'a str>, to: Option<&'a str>) -> (&'a str, &'a str) {
    (from.unwrap_or("0000-00-00"), to.unwrap_or("9999-99-99"))
}

/// Reads of contacts, persons and field nights.
pub trait ContactReads: Read {
    /// Visits every contact with its pseudonym, in id order.
    fn for_each_contact(&self, mut f: impl FnMut(ContactRow) -> Result<()>) -> Result<()> {
        let mut st = self.conn().prepare(
            "SELECT c.id, c.date, c.person_id, p.pseudonym, c.field_night_id, c.created_by,
                    c.created_at, c.attributes, c.note
             FROM contacts c LEFT JOIN persons p ON p.id = c.person_id ORDER BY c.id",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(ContactRow {
                id: r.get(0)?,
                date: r.get(1)?,
                person_id: r.get(2)?,
                pseudonym: r.get(3)?,
                field_night_id: r.get(4)?,
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                attributes: r.get(7)?,
                note: r.get(8)?,
            })?;
        }
        Ok(())
    }

    /// Visits what statistics need of every contact dated within the bounds (inclusive).
    fn for_each_stat_row(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        mut f: impl FnMut(StatRow<'_>) -> Result<()>,
    ) -> Result<()> {
        let (lo, hi) = bounds(from, to);
        let mut st = self.conn().prepare_cached(
            "SELECT id, date, person_id, attributes FROM contacts WHERE date BETWEEN ?1 AND ?2",
        )?;
        let mut rows = st.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            f(StatRow {
                id: r.get(0)?,
                date: r.get_ref(1)?.as_str()?,
                person_id: r.get(2)?,
                attributes: r.get_ref(3)?.as_blob()?,
            })?;
        }
        Ok(())
    }

    /// The date of every person's first contact (all time): (person id, date).
    fn for_each_first_contact(&self, mut f: impl FnMut(i64, &str)) -> Result<()> {
        let mut st = self.conn().prepare_cached(
            "SELECT person_id, min(date) FROM contacts WHERE person_id IS NOT NULL GROUP BY person_id",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(r.get(0)?, r.get_ref(1)?.as_str()?);
        }
        Ok(())
    }

    /// Pseudonyms declared to be one person: (person id, merged into person id).
    fn person_merges(&self) -> Result<Vec<(i64, i64)>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT person_id, merged_into FROM person_merges")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The first and last contact dates, if there is any contact.
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

    fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        let (lo, hi) = bounds(from, to);
        Ok(self.conn().query_row(
            "SELECT count(*) FROM field_nights WHERE date BETWEEN ?1 AND ?2",
            [lo, hi],
            |r| r.get(0),
        )?)
    }

    fn field_night(&self, id: i64) -> Result<Option<FieldNightRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, date, created_by, created_at, details FROM field_nights WHERE id = ?1",
                [id],
                |r| {
                    Ok(FieldNightRow {
                        id: r.get(0)?,
                        date: r.get(1)?,
                        created_by: r.get(2)?,
                        created_at: r.get(3)?,
                        details: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Field nights, newest first, at most `limit`.
    fn field_nights(&self, limit: i64) -> Result<Vec<FieldNightRow>> {
        let mut st = self.conn().prepare(
            "SELECT id, date, created_by, created_at, details FROM field_nights
             ORDER BY date DESC, id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            Ok(FieldNightRow {
                id: r.get(0)?,
                date: r.get(1)?,
                created_by: r.get(2)?,
                created_at: r.get(3)?,
                details: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl<T: Read + ?Sized> ContactReads for T {}

impl Tx<'_> {
    pub fn insert_person(&self, id: i64, pseudonym: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO persons(id, pseudonym) VALUES (?1, ?2)")?
            .execute(params![id, pseudonym])?;
        Ok(())
    }

    pub fn insert_contact(&self, c: &ContactRow) -> Result<()> {
        self.tx
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

    pub fn insert_field_night(&self, n: &FieldNightRow) -> Result<()> {
        self.tx.execute(
            "INSERT INTO field_nights(id, date, created_by, created_at, details)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![n.id, n.date, n.created_by, n.created_at, n.details],
        )?;
        Ok(())
    }
}
