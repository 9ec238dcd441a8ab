//! Bulk loads of field nights and contacts (the demo data set).

use super::writer::{encode_attributes, ContactWriter};
use super::*;
use crate::audit_log::Action;
use crate::crypto::Place;
use crate::domain::{Date, FieldNightDetails, NewContact};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pii::{self};

impl Contacts<'_> {
    /// Records field nights and contacts in one transaction (the demo data set, or any bulk
    /// load): every night, then every contact with the index in `nights` of the night it came
    /// from, if any. A note with an identifier refuses the whole load; nothing is written then.
    /// The audit log gets one entry for the nights and one for the contacts, in the same
    /// transaction. Returns how many nights and contacts were written.
    pub fn load<I>(
        &mut self,
        nights: &[(Date, FieldNightDetails)],
        contacts: I,
    ) -> Result<(usize, usize)>
    where
        I: IntoIterator<Item = (NewContact, Option<usize>)>,
    {
        self.0.require(Permission::WriteContacts)?;
        let user_id = self.0.user.id;
        let created_at = now_timestamp();
        let tx = self.0.change()?;
        let keys = tx.keys;
        let first_night = tx.peek_next_id(Sequence::FieldNights)?;
        let night_ids: Vec<i64> = (first_night..).take(nights.len()).collect();
        for ((date, details), &id) in nights.iter().zip(&night_ids) {
            tx.insert_field_night(&FieldNightRow {
                id,
                date: date.format("%Y-%m-%d").to_string(),
                created_by: user_id,
                created_at: created_at.clone(),
                details: keys
                    .seal_in(
                        tx.unit_of(user_id),
                        Place::FieldNightDetails(id),
                        &details
                            .encode(tx.districts)
                            .ok_or_else(|| unknown_district(&details.district))?,
                    )
                    .map_err(not_held)?,
            })?;
        }
        tx.set_next_id(Sequence::FieldNights, first_night + nights.len() as i64)?;
        let mut writer = ContactWriter::new(&tx, user_id)?;
        for (index, (mut contact, night)) in contacts.into_iter().enumerate() {
            if let Some(kind) = pii::find_identifiers(&contact.note).first() {
                return Err(Error::Input(Msg::LoadNoteIdentifier {
                    index: index + 1,
                    kind: *kind,
                }));
            }
            contact.field_night =
                match night {
                    None => None,
                    Some(n) => Some(*night_ids.get(n).ok_or_else(|| {
                        Error::Failed(Msg::LoadNightMissing { index: index + 1 })
                    })?),
                };
            let attributes = encode_attributes(&contact, tx.districts)?;
            writer.add(&contact, &attributes, now_unix())?;
        }
        let written = writer.finish()?;
        if !nights.is_empty() {
            // The nights as stored: what the entry commits to.
            let mut running = crate::audit_log::Running::default();
            for id in &night_ids {
                let night = tx
                    .field_night(*id)?
                    .ok_or(Error::Failed(Msg::NightNotWritten))?;
                running.push(*id, &crate::audit_log::night_hash(&night));
            }
            tx.log(
                Action::FieldNightAdd,
                &format!(
                    "field_nights:{}-{}",
                    first_night,
                    first_night + nights.len() as i64 - 1
                ),
                &format!(
                    "count={} {}",
                    nights.len(),
                    crate::audit_log::content::content_detail(&running.finish())
                ),
            )?;
        }
        written.log_import(&tx)?;
        tx.commit()?;
        Ok((nights.len(), written.contacts))
    }
}
