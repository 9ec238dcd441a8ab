//! Contacts after they are logged, and the interface's own contacts: logging with the answer to
//! the under-18 question sealed inside the attributes (format 2, see
//! `domain::Attributes::encode_with_concern`), a contact's details and a person's history (each
//! view logged), edits and deletions with a reason, and declaring two codes one person (merges)
//! or undoing it.

use super::contacts::NewContactSource;
use super::writer::{ContactWriter, PersonRef};
use super::*;
use crate::audit_log::Action;
use crate::crypto::{Keys, Place};
use crate::domain::{Attributes, ConcernReport, Contact, Date, NewContact, PersonCode};
use crate::error::{Error, Result};
use crate::msg::{Msg, NoteAdvice, Refusing};

/// Why a contact is edited or deleted: a fixed list, so the audit log can say why without
/// holding free text (which could identify someone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeReason {
    /// A value was typed wrong.
    Typo,
    /// The contact was logged under the wrong person's code.
    WrongPerson,
    /// The same contact was logged twice.
    Duplicate,
    /// The contact should not have been logged at all.
    LoggedByMistake,
    /// The person asked for it.
    PersonAsked,
}

impl ChangeReason {
    pub const ALL: [ChangeReason; 5] = [
        ChangeReason::Typo,
        ChangeReason::WrongPerson,
        ChangeReason::Duplicate,
        ChangeReason::LoggedByMistake,
        ChangeReason::PersonAsked,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeReason::Typo => "typo",
            ChangeReason::WrongPerson => "wrong-person",
            ChangeReason::Duplicate => "duplicate",
            ChangeReason::LoggedByMistake => "logged-by-mistake",
            ChangeReason::PersonAsked => "person-asked",
        }
    }
}

/// A stored contact opened for the interface, with the under-18 answer (the same as
/// `contact.attributes.concern`, here for the interface's form).
#[derive(Debug, Clone)]
pub struct ContactDetails {
    pub contact: Contact,
    pub concern: Option<ConcernReport>,
}

/// Opens contacts with their notes and writes the view to the audit log, naming `record`
/// (a person or a field night) and how many were shown: every view of notes is logged.
fn open_viewed(
    vault: &mut Vault,
    rows: &[ContactRow],
    record: &str,
) -> Result<Vec<ContactDetails>> {
    let out = rows
        .iter()
        .map(|r| {
            let unit = vault.units.of_user(r.created_by);
            open_details(&vault.keys, &vault.districts, unit, r)
        })
        .collect::<Result<Vec<_>>>()?;
    vault.log_read(
        Action::PersonView,
        record,
        &format!("contacts={}", out.len()),
    )?;
    Ok(out)
}

fn open_details(
    keys: &Keys,
    districts: &Districts,
    unit: i64,
    row: &ContactRow,
) -> Result<ContactDetails> {
    let contact = super::contacts::open_contact(keys, districts, unit, row)?;
    let concern = contact.attributes.concern;
    Ok(ContactDetails { contact, concern })
}

impl Vault {
    /// The person a code names (after declared merges) and every pseudonym counted as them.
    pub(super) fn person_group(&self, code: &PersonCode) -> Result<Option<(i64, Vec<i64>)>> {
        let Some(id) = self
            .store
            .read()?
            .person_by_pseudonym(&self.pseudonym_of(code)?)?
        else {
            return Ok(None);
        };
        let merges = self.merges()?;
        Ok(Some((merges.resolve(id), merges.group(id))))
    }

    /// Whether the signed-in user's unit has a contact of anyone of `persons` (always, in a
    /// database of one unit). A unit declares merges of persons it has met only: persons are
    /// the city's, so a merge or an unmerge changes the figures of every unit that met them,
    /// and one unit's lead merging another unit's codes (a code is easily guessed) would
    /// change that unit's count of individuals (found 2026-12-04: neither asked before).
    pub(super) fn unit_has_met(&self, persons: &[i64]) -> Result<bool> {
        if !self.units.several() {
            return Ok(true);
        }
        Ok(self
            .store
            .read()?
            .contacts_of_persons(persons)?
            .iter()
            .any(|r| self.own_unit(r.created_by)))
    }
}

impl Contacts<'_> {
    /// Logs one contact like [`Contacts::add`] (no identifier override: the interface
    /// never offers one), with the under-18 answer (kept for an `under18` contact only). Every
    /// contact has attributes of the same length, answer or not.
    pub fn add_with_concern(
        &mut self,
        mut contact: NewContact,
        concern: Option<ConcernReport>,
    ) -> Result<i64> {
        contact.attributes.concern = concern;
        self.0.log_contact(contact, NewContactSource::Interface)
    }

    /// One contact with its note, to edit it (roles that see notes; logged as a view).
    pub fn details(&mut self, id: i64) -> Result<ContactDetails> {
        self.0.require(Permission::WriteContacts)?;
        let row = self
            .0
            .store
            .read()?
            .contact(id)?
            .filter(|r| self.0.own_unit(r.created_by))
            .ok_or(Error::Input(Msg::NoSuchContact { id }))?;
        let unit = self.0.units.of_user(row.created_by);
        let details = open_details(&self.0.keys, &self.0.districts, unit, &row)?;
        self.0
            .log_read(Action::PersonView, &format!("contact:{id}"), "")?;
        Ok(details)
    }

    /// The contacts logged for a field night, with their notes, in the order they were
    /// logged (roles that see notes; logged as a view of the night, naming how many were
    /// shown). This is how a contact without a code is reached.
    pub fn of_night(&mut self, night: i64) -> Result<Vec<ContactDetails>> {
        self.0.require(Permission::WriteContacts)?;
        let mut rows = self.0.store.read()?.contacts_of_night(night)?;
        rows.retain(|r| self.0.own_unit(r.created_by));
        open_viewed(self.0, &rows, &format!("field_night:{night}"))
    }

    /// How many contacts a field night holds (nothing decrypted, nothing logged).
    pub fn night_count(&mut self, night: i64) -> Result<usize> {
        self.0.require(Permission::WriteContacts)?;
        let rows = self.0.store.read()?.contacts_of_night(night)?;
        Ok(rows
            .iter()
            .filter(|r| self.0.own_unit(r.created_by))
            .count())
    }

    /// Changes a contact's date, attributes, under-18 answer and note, with a reason; with
    /// `new_code`, the contact moves to that code's person (created if new: a contact logged
    /// under the wrong code). Written to the audit log in the same transaction. An edit that
    /// changes nothing writes nothing, not even a log entry, and returns `false`.
    #[allow(clippy::too_many_arguments)]
    pub fn edit(
        &mut self,
        id: i64,
        date: Date,
        attributes: &Attributes,
        concern: Option<ConcernReport>,
        note: &str,
        new_code: Option<&PersonCode>,
        reason: ChangeReason,
    ) -> Result<bool> {
        self.0.require(Permission::WriteContacts)?;
        Vault::check_note(note, false).map_err(|kind| {
            Error::Input(Msg::NoteIdentifier {
                kind,
                advice: NoteAdvice::Remove,
            })
        })?;
        crate::domain::check_note_length(note)
            .map_err(|error| Error::Input(Msg::NoteTooLong { error }))?;
        let attributes = Attributes {
            concern,
            ..attributes.clone()
        };
        let encoded = attributes
            .encode(&self.0.districts)
            .ok_or_else(|| unknown_district(&attributes.district))?;
        let (units, unit) = (self.0.units.clone(), self.0.user.unit);
        let own = |author: i64| !units.several() || units.of_user(author) == unit;
        let tx = self.0.change()?;
        let Some(mut row) = tx.contact(id)?.filter(|r| own(r.created_by)) else {
            return Err(Error::Input(Msg::NoSuchContact { id }));
        };
        let before = crate::audit_log::contact_hash(&row, row.pseudonym.as_deref());
        // The contact stays its author's unit's, whoever edits it.
        let row_unit = units.of_user(row.created_by);
        let was = open_details(tx.keys, tx.districts, row_unit, &row)?;
        let same_person = match new_code {
            None => true,
            Some(code) => {
                let keyed = tx.keys.pseudonym(code.as_bytes()).map_err(not_held)?;
                row.pseudonym.as_deref() == Some(&keyed[..])
            }
        };
        if same_person
            && was.contact.date == date
            && was.contact.attributes == attributes
            && *was.contact.note == note
        {
            return Ok(false);
        }
        if let Some(code) = new_code.filter(|_| !same_person) {
            // The person of the new code, found or created as for a new contact.
            let mut writer = ContactWriter::new(&tx, row.created_by)?;
            row.person_id = Some(writer.person(&PersonRef::of(tx.keys, code)?)?);
            writer.finish()?;
        }
        row.date = date.format("%Y-%m-%d").to_string();
        row.attributes = tx
            .keys
            .seal_in(row_unit, Place::ContactAttributes(id), &encoded)
            .map_err(not_held)?;
        row.note = tx
            .keys
            .seal_in(
                row_unit,
                Place::ContactNote(id),
                &super::contacts::encode_note(note),
            )
            .map_err(not_held)?;
        tx.update_contact(&row, now_unix())?;
        // The row as stored now: what the entry commits to, beside what it was.
        let after = tx
            .contact(id)?
            .as_ref()
            .map(|c| crate::audit_log::contact_hash(c, c.pseudonym.as_deref()))
            .ok_or(Error::Failed(Msg::ContactGone { id }))?;
        tx.log(
            Action::ContactEdit,
            &format!("contact:{id}"),
            &format!(
                "reason={}{} {}",
                reason.as_str(),
                if !same_person { ";person_changed" } else { "" },
                crate::audit_log::content::edit_detail(&before, &after)
            ),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes a contact, with a reason, written to the audit log in the same transaction
    /// (the `contact_delete` action names the id, as `audit_log::deletes_contacts` expects).
    pub fn delete(&mut self, id: i64, reason: ChangeReason) -> Result<()> {
        self.0.require(Permission::WriteContacts)?;
        let (units, unit) = (self.0.units.clone(), self.0.user.unit);
        let own = |author: i64| !units.several() || units.of_user(author) == unit;
        let tx = self.0.change()?;
        let Some(row) = tx.contact(id)?.filter(|r| own(r.created_by)) else {
            return Err(Error::Input(Msg::NoSuchContact { id }));
        };
        let before = crate::audit_log::contact_hash(&row, row.pseudonym.as_deref());
        if !tx.delete_contact(id)? {
            return Err(Error::Input(Msg::NoSuchContact { id }));
        }
        tx.log(
            Action::ContactDelete,
            &format!("contact:{id}"),
            &format!(
                "reason={} {}",
                reason.as_str(),
                crate::audit_log::content::deleted_detail(&[(id, before)])
            ),
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Persons<'_> {
    /// A person's contacts with notes, newest first (roles that see notes only). Every such
    /// view is written to the audit log, naming the person id and how many contacts were shown.
    pub fn history(&mut self, code: &PersonCode) -> Result<Option<Vec<ContactDetails>>> {
        self.0.require(Permission::WriteContacts)?;
        let Some((root, group)) = self.0.person_group(code)? else {
            return Ok(None);
        };
        let mut rows = self.0.store.read()?.contacts_of_persons(&group)?;
        // Another unit's contacts of the same person stay theirs.
        rows.retain(|r| self.0.own_unit(r.created_by));
        if rows.is_empty() && self.0.units.several() {
            return Ok(None);
        }
        let record = format!("person:{}", self.0.keys.person_handle(root));
        open_viewed(self.0, &rows, &record).map(Some)
    }

    /// Declares the person `other` names to be the person `code` names (lead and admin).
    /// Statistics then count them once. Both codes must be known and not already one person;
    /// in a database of several units, known to the user's unit (a contact of its own with the
    /// person: [`Vault::unit_has_met`]), else they are unknown, as in a lookup.
    pub fn merge(&mut self, code: &PersonCode, other: &PersonCode) -> Result<()> {
        self.0.require(Permission::MergePersons)?;
        let (Some((keep, kept)), Some((merged, group))) =
            (self.0.person_group(code)?, self.0.person_group(other)?)
        else {
            return Err(Error::Input(Msg::MergeUnknown));
        };
        // Before saying whether they are one person already, which another unit's are not
        // the unit's to learn.
        if !self.0.unit_has_met(&kept)? || !self.0.unit_has_met(&group)? {
            return Err(Error::Input(Msg::MergeUnknown));
        }
        if keep == merged {
            return Err(Error::Input(Msg::AlreadyOnePerson));
        }
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        super::lifecycle::merges_as_committed(&*tx, Refusing::Merges)?;
        // Every pseudonym of the merged person now counts as `keep` (one level deep).
        for p in &group {
            if *p != merged {
                tx.delete_merge(*p)?;
                tx.insert_merge(&MergeRow {
                    person_id: *p,
                    merged_into: keep,
                    merged_by: user_id,
                    merged_at: now_timestamp(),
                })?;
            }
        }
        tx.insert_merge(&MergeRow {
            person_id: merged,
            merged_into: keep,
            merged_by: user_id,
            merged_at: now_timestamp(),
        })?;
        tx.log(
            Action::PersonMerge,
            &format!(
                "person:{},person:{}",
                tx.keys.person_handle(merged),
                tx.keys.person_handle(keep)
            ),
            &crate::audit_log::merges_detail(&tx.merges()?),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Undoes a declaration: the pseudonym `code` counts as a person of its own again. In a
    /// database of several units, only a pseudonym the user's unit has a contact of itself
    /// (not one of the person's others): else the code is unknown.
    pub fn unmerge(&mut self, code: &PersonCode) -> Result<()> {
        self.0.require(Permission::MergePersons)?;
        let Some(id) = self
            .0
            .store
            .read()?
            .person_by_pseudonym(&self.0.pseudonym_of(code)?)?
        else {
            return Err(Error::Input(Msg::CodeNotKnown));
        };
        if !self.0.unit_has_met(&[id])? {
            return Err(Error::Input(Msg::CodeNotKnown));
        }
        let tx = self.0.change()?;
        super::lifecycle::merges_as_committed(&*tx, Refusing::Merges)?;
        let into = tx
            .merges()?
            .into_iter()
            .find(|m| m.person_id == id)
            .map(|m| m.merged_into);
        let Some(into) = into else {
            return Err(Error::Input(Msg::NotMerged));
        };
        tx.delete_merge(id)?;
        tx.log(
            Action::PersonUnmerge,
            &format!(
                "person:{},person:{}",
                tx.keys.person_handle(id),
                tx.keys.person_handle(into)
            ),
            &crate::audit_log::merges_detail(&tx.merges()?),
        )?;
        tx.commit()?;
        Ok(())
    }
}
