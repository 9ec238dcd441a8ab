//! Persons: what the returning-person lookup and "did you mean" read.

use super::{Read, Result};

/// The contacts of a group of persons (one person and those declared to be the same).
#[derive(Debug, Clone, Default)]
pub struct PersonContacts {
    pub count: i64,
    /// The latest contact date, `YYYY-MM-DD`.
    pub last_date: Option<String>,
    /// The latest contact: its id and attributes envelope.
    pub latest: Option<(i64, Vec<u8>)>,
}

/// Reads about persons.
pub trait PersonReads: Read {
    /// Every pseudonym with its person id.
    fn for_each_pseudonym(&self, mut f: impl FnMut(i64, &[u8])) -> Result<()> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT id, pseudonym FROM persons")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(r.get(0)?, r.get_ref(1)?.as_blob()?);
        }
        Ok(())
    }

    /// Count, last date and latest contact of these persons together.
    fn person_contacts(&self, persons: &[i64]) -> Result<PersonContacts> {
        let mut out = PersonContacts::default();
        let mut count_st = self
            .conn()
            .prepare_cached("SELECT count(*), max(date) FROM contacts WHERE person_id = ?1")?;
        let mut latest_st = self.conn().prepare_cached(
            "SELECT id, date, attributes FROM contacts WHERE person_id = ?1
             ORDER BY date DESC, id DESC LIMIT 1",
        )?;
        let mut latest_date: Option<String> = None;
        for &p in persons {
            let (n, last): (i64, Option<String>) =
                count_st.query_row([p], |r| Ok((r.get(0)?, r.get(1)?)))?;
            out.count += n;
            if last > out.last_date {
                out.last_date = last;
            }
            let mut rows = latest_st.query([p])?;
            if let Some(r) = rows.next()? {
                let (id, date, attrs): (i64, String, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
                let newer = match (&latest_date, &out.latest) {
                    (Some(d), Some((lid, _))) => (date.as_str(), id) > (d.as_str(), *lid),
                    _ => true,
                };
                if newer {
                    latest_date = Some(date);
                    out.latest = Some((id, attrs));
                }
            }
        }
        Ok(out)
    }
}

impl<T: Read + ?Sized> PersonReads for T {}

const CONTACT_COLUMNS: &str =
    "c.id, c.date, c.person_id, p.pseudonym, c.field_night_id, c.created_by,
     c.created_at, c.attributes, c.note";

fn contact_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<super::ContactRow> {
    Ok(super::ContactRow {
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

/// Reads of single contacts and of a person's contacts.
pub trait ContactDetailReads: Read {
    fn contact_by_id(&self, id: i64) -> Result<Option<super::ContactRow>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c
                     LEFT JOIN persons p ON p.id = c.person_id WHERE c.id = ?1"
                ),
                [id],
                contact_row,
            )
            .optional()?)
    }

    /// The contacts of these persons, newest first.
    fn contacts_of_persons(&self, persons: &[i64]) -> Result<Vec<super::ContactRow>> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c
             LEFT JOIN persons p ON p.id = c.person_id WHERE c.person_id = ?1"
        ))?;
        let mut out = Vec::new();
        for &person in persons {
            let rows = st.query_map([person], contact_row)?;
            for r in rows {
                out.push(r?);
            }
        }
        out.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
        Ok(out)
    }

    /// The person a person was declared to be, if any (one step).
    fn merged_into(&self, person: i64) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                "SELECT merged_into FROM person_merges WHERE person_id = ?1",
                [person],
                |r| r.get(0),
            )
            .optional()?)
    }
}

impl<T: Read + ?Sized> ContactDetailReads for T {}

impl super::Tx<'_> {
    /// Replaces a contact's date, person and envelopes (an edit).
    pub fn update_contact(&self, c: &super::ContactRow, updated_at: i64) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE contacts SET date = ?2, person_id = ?3, attributes = ?4, note = ?5,
                                 updated_at = ?6 WHERE id = ?1",
            rusqlite::params![c.id, c.date, c.person_id, c.attributes, c.note, updated_at],
        )?;
        Ok(n == 1)
    }

    pub fn delete_contact(&self, id: i64) -> Result<bool> {
        Ok(self
            .tx
            .execute("DELETE FROM contacts WHERE id = ?1", [id])?
            == 1)
    }

    pub fn insert_merge(&self, person: i64, into: i64, by: i64, at: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO person_merges(person_id, merged_into, merged_by, merged_at)
             VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![person, into, by, at],
        )?;
        Ok(())
    }

    pub fn delete_merge(&self, person: i64) -> Result<bool> {
        Ok(self
            .tx
            .execute("DELETE FROM person_merges WHERE person_id = ?1", [person])?
            == 1)
    }
}
