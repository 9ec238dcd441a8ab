//! Persons (pseudonyms) and declared merges.

use rusqlite::{params, OptionalExtension};

use super::Session;
use crate::storage::port::{MergeRow, PersonContacts, PersonReads, PersonWrites, Visit};
use crate::storage::Result;

impl PersonReads for Session<'_> {
    fn person_by_pseudonym(&self, pseudonym: &[u8]) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM persons WHERE pseudonym = ?1")?
            .query_row([pseudonym], |r| r.get(0))
            .optional()?)
    }

    fn scan_persons(&self, from: i64, visit: &mut dyn FnMut(i64, &[u8]) -> Visit) -> Result<()> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT id, pseudonym FROM persons WHERE id >= ?1 ORDER BY id")?;
        let mut rows = st.query([from])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let pseudonym = match r.get_ref(1)? {
                rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => b,
                _ => &[],
            };
            if visit(id, pseudonym).is_break() {
                break;
            }
        }
        Ok(())
    }

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

    fn merges(&self) -> Result<Vec<MergeRow>> {
        let mut st = self.conn().prepare_cached(
            "SELECT person_id, merged_into, merged_by, merged_at FROM person_merges
             ORDER BY person_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(MergeRow {
                person_id: r.get(0)?,
                merged_into: r.get(1)?,
                merged_by: r.get(2)?,
                merged_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl PersonWrites for Session<'_> {
    fn insert_person(&self, id: i64, pseudonym: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT INTO persons(id, pseudonym) VALUES (?1, ?2)")?
            .execute(params![id, pseudonym])?;
        Ok(())
    }

    fn update_pseudonym(&self, person: i64, pseudonym: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE persons SET pseudonym = ?2 WHERE id = ?1")?
            .execute(params![person, pseudonym])?;
        Ok(())
    }

    fn delete_person(&self, person: i64) -> Result<usize> {
        let n = self
            .conn()
            .execute("DELETE FROM contacts WHERE person_id = ?1", [person])?;
        self.conn().execute(
            "DELETE FROM person_merges WHERE person_id = ?1 OR merged_into = ?1",
            [person],
        )?;
        self.conn()
            .execute("DELETE FROM persons WHERE id = ?1", [person])?;
        Ok(n)
    }

    fn insert_merge(&self, m: &MergeRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO person_merges(person_id, merged_into, merged_by, merged_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![m.person_id, m.merged_into, m.merged_by, m.merged_at],
        )?;
        Ok(())
    }

    fn delete_merge(&self, person: i64) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM person_merges WHERE person_id = ?1", [person])?
            == 1)
    }
}
