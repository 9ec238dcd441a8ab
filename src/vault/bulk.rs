//! Bulk loads of field nights and contacts (the demo data set).

use std::collections::HashMap;

use super::contacts::seal_contact;
use super::*;
use crate::audit_log::{self, Action};
use crate::crypto::Place;
use crate::domain::{Date, FieldNightDetails, NewContact};
use crate::error::{Error, Result};
use crate::pii::{self};

impl Vault {
    /// Records field nights and contacts in one transaction (the demo data set, or any bulk
    /// load): every night, then every contact with the index in `nights` of the night it came
    /// from, if any. A note with an identifier refuses the whole load; nothing is written then.
    /// The audit log gets one entry for the nights and one for the contacts, in the same
    /// transaction. Returns how many nights and contacts were written.
    pub fn load_nights_and_contacts<I>(
        &mut self,
        nights: &[(Date, FieldNightDetails)],
        contacts: I,
    ) -> Result<(usize, usize)>
    where
        I: IntoIterator<Item = (NewContact, Option<usize>)>,
    {
        self.require(Permission::WriteContacts)?;
        let keys = &self.keys;
        let user_id = self.user.id;
        let created_at = now_timestamp();
        let tx = self.store.write()?;
        let first_night = tx.peek_next_id(Sequence::FieldNights)?;
        let night_ids: Vec<i64> = (first_night..).take(nights.len()).collect();
        for ((date, details), &id) in nights.iter().zip(&night_ids) {
            tx.insert_field_night(&FieldNightRow {
                id,
                date: date.format("%Y-%m-%d").to_string(),
                created_by: user_id,
                created_at: created_at.clone(),
                details: keys.seal(
                    Place::FieldNightDetails(id),
                    &details
                        .encode(&self.districts)
                        .ok_or_else(|| unknown_district(&details.district))?,
                ),
            })?;
        }
        tx.set_next_id(Sequence::FieldNights, first_night + nights.len() as i64)?;
        let mut next_person = tx.peek_next_id(Sequence::Persons)?;
        let first_contact = tx.peek_next_id(Sequence::Contacts)?;
        let mut next_contact = first_contact;
        let mut persons = HashMap::new();
        let mut new_persons = 0;
        for (index, (mut contact, night)) in contacts.into_iter().enumerate() {
            if let Some(kind) = pii::find_identifiers(&contact.note).first() {
                return Err(Error::Input(format!(
                    "the note of contact {} of the load contains what looks like a {kind}; nothing was written.",
                    index + 1
                )));
            }
            contact.field_night = match night {
                None => None,
                Some(n) => Some(*night_ids.get(n).ok_or_else(|| {
                    Error::Failed(format!(
                        "contact {} of the load names a field night that is not in it; nothing was written.",
                        index + 1
                    ))
                })?),
            };
            let person_id = match &contact.code {
                Some(code) => Some(Self::person_for(
                    &*tx,
                    keys,
                    code,
                    &mut persons,
                    &mut next_person,
                    &mut new_persons,
                )?),
                None => None,
            };
            let row = seal_contact(
                keys,
                &self.districts,
                user_id,
                next_contact,
                person_id,
                &contact,
                now_unix(),
            )?;
            tx.insert_contact(&row)?;
            next_contact += 1;
        }
        tx.set_next_id(Sequence::Persons, next_person)?;
        tx.set_next_id(Sequence::Contacts, next_contact)?;
        if !nights.is_empty() {
            audit_log::append(
                &*tx,
                keys,
                Some(user_id),
                Action::FieldNightAdd,
                &format!(
                    "field_nights:{}-{}",
                    first_night,
                    first_night + nights.len() as i64 - 1
                ),
                &format!("count={}", nights.len()),
            )?;
        }
        let written = (next_contact - first_contact) as usize;
        if written > 0 {
            audit_log::append(
                &*tx,
                keys,
                Some(user_id),
                Action::Import,
                &format!("contacts:{}-{}", first_contact, next_contact - 1),
                &format!("count={written}"),
            )?;
        }
        tx.commit()?;
        Ok((nights.len(), written))
    }
}
