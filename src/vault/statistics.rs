//! What statistics read: decrypted attributes of the contacts in a period, first contacts,
//! declared merges.

use std::collections::HashMap;

use super::*;
use crate::crypto::Place;
use crate::domain::Attributes;
use crate::error::{Error, Result};

/// A contact decoded for statistics.
pub struct StatContact<'a> {
    pub id: i64,
    pub date: &'a str,
    /// The person, after merges (the id of the person it was declared to be), if identified.
    pub person: Option<i64>,
    pub attributes: Attributes,
}

impl Vault {
    /// Decrypts what statistics need of every contact in the period and hands it to `f`.
    /// The person is resolved through declared merges.
    pub fn for_each_stat_contact(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        merges: &HashMap<i64, i64>,
        mut f: impl FnMut(StatContact<'_>),
    ) -> Result<()> {
        let keys = &self.keys;
        let districts = &self.districts;
        let mut bad: Option<Error> = None;
        self.store.read()?.scan_stat_rows(from, to, &mut |row| {
            let attributes = open_at(keys, Place::ContactAttributes(row.id), row.attributes)
                .and_then(|plain| {
                    Attributes::decode(&plain, districts)
                        .ok_or_else(|| damaged_value("contacts", row.id))
                });
            match attributes {
                Ok(attributes) => {
                    f(StatContact {
                        id: row.id,
                        date: row.date,
                        person: row.person_id.map(|p| resolve(merges, p)),
                        attributes,
                    });
                    NEXT
                }
                Err(e) => {
                    bad = Some(e);
                    STOP
                }
            }
        })?;
        match bad {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Declared merges as person → the person it counts as (followed to the end of the chain).
    pub fn person_merges(&self) -> Result<HashMap<i64, i64>> {
        let raw: HashMap<i64, i64> = self
            .store
            .read()?
            .merges()?
            .into_iter()
            .map(|m| (m.person_id, m.merged_into))
            .collect();
        Ok(raw.keys().map(|&p| (p, resolve(&raw, p))).collect())
    }

    /// Every person's first contact date (all time, any type), after merges.
    pub fn first_contacts(&self, merges: &HashMap<i64, i64>) -> Result<HashMap<i64, String>> {
        let mut out: HashMap<i64, String> = HashMap::new();
        self.store
            .read()?
            .scan_first_contacts(&mut |person, date| {
                let p = resolve(merges, person);
                match out.get_mut(&p) {
                    Some(d) if d.as_str() <= date => {}
                    Some(d) => *d = date.to_string(),
                    None => {
                        out.insert(p, date.to_string());
                    }
                }
                NEXT
            })?;
        Ok(out)
    }

    pub fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        Ok(self.store.read()?.field_night_count(from, to)?)
    }

    pub fn contact_date_range(&self) -> Result<Option<(String, String)>> {
        Ok(self.store.read()?.contact_date_range()?)
    }
}

/// Follows merges to the person a pseudonym counts as (guarding against a cycle).
fn resolve(merges: &HashMap<i64, i64>, mut person: i64) -> i64 {
    for _ in 0..64 {
        match merges.get(&person) {
            Some(&next) if next != person => person = next,
            _ => break,
        }
    }
    person
}
