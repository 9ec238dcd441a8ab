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
