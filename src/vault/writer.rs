//! The one contact writer: how a new contact reaches the database, whether it comes from
//! `add`, the interface, `import` or the demo load. It numbers contacts, finds or creates their
//! persons (with a cache, so an import keys each code once), writes the sealed rows, and moves
//! the id sequences on once at the end. In a change made beside others (a single new contact
//! on a server) it takes each id from the sequence instead, and a person another writer
//! created meanwhile is found, not made twice.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::contacts::{encode_note, parse_pseudonym_hex};
use super::{not_held, unknown_district, Change};
use crate::crypto::{Keys, Place, Pseudonym};
use crate::domain::{NewContact, PersonCode};
use crate::error::Result;
use crate::storage::{ContactRow, Sequence};

/// How a row names its person, before the database is asked.
pub(super) enum PersonRef {
    /// The keyed pseudonym of the code.
    Keyed(Pseudonym),
    /// The code is 64 hex digits: the person with exactly that pseudonym if this database has
    /// one (an export imported back), else the keyed pseudonym of the text.
    ExportedOrKeyed(Pseudonym, Pseudonym),
}

impl PersonRef {
    /// The reference for a code, keyed with the database's pseudonym key (chain).
    pub(super) fn of(keys: &Keys, code: &PersonCode) -> Result<PersonRef> {
        let keyed = keys.pseudonym(code.as_bytes()).map_err(not_held)?;
        Ok(PersonRef::keyed(keyed, code))
    }

    /// The reference for a code, keyed by a pseudonymiser of the database's keys.
    pub(super) fn made_by(keys: &crate::crypto::Pseudonymiser, code: &PersonCode) -> PersonRef {
        PersonRef::keyed(keys.pseudonym(code.as_bytes()), code)
    }

    /// The reference for a code whose keyed pseudonym is `keyed`.
    fn keyed(keyed: Pseudonym, code: &PersonCode) -> PersonRef {
        match parse_pseudonym_hex(code.as_bytes()) {
            Some(exported) => PersonRef::ExportedOrKeyed(exported, keyed),
            None => PersonRef::Keyed(keyed),
        }
    }
}

/// What a writer wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Written {
    /// The id of the first contact written (the next free id when none was).
    pub first: i64,
    pub contacts: usize,
    pub new_persons: usize,
    /// The running hash of the rows written, in id order: what the entry commits to.
    pub content: [u8; 32],
}

impl Written {
    /// Logs the contacts written, if any, as one `import` entry naming `contacts:FIRST-LAST`.
    pub(super) fn log_import(&self, change: &Change<'_>) -> Result<()> {
        if self.contacts > 0 {
            change.log(
                crate::audit_log::Action::Import,
                &format!(
                    "contacts:{}-{}",
                    self.first,
                    self.first + self.contacts as i64 - 1
                ),
                &format!(
                    "count={} {}",
                    self.contacts,
                    crate::audit_log::content::content_detail(&self.content)
                ),
            )?;
        }
        Ok(())
    }
}

/// Writes new contacts within one change; see the module documentation.
pub(super) struct ContactWriter<'c, 'v> {
    change: &'c Change<'v>,
    /// Who logged the contacts.
    author: i64,
    persons: HashMap<Pseudonym, i64, BuildHasherDefault<PseudonymHasher>>,
    next_person: i64,
    first: i64,
    next: i64,
    /// Contacts written (beside others, their ids need not follow each other).
    count: usize,
    new_persons: usize,
    /// The hashes of the rows written: what the entry commits to.
    hashes: RowHashes,
}

impl<'c, 'v> ContactWriter<'c, 'v> {
    pub(super) fn new(change: &'c Change<'v>, author: i64) -> Result<Self> {
        // Beside others, ids are taken one by one as they are needed (see `add`, `person`).
        let (first, next_person) = if change.beside {
            (0, 0)
        } else {
            (
                change.peek_next_id(Sequence::Contacts)?,
                change.peek_next_id(Sequence::Persons)?,
            )
        };
        Ok(ContactWriter {
            change,
            author,
            persons: HashMap::default(),
            next_person,
            first,
            next: first,
            count: 0,
            new_persons: 0,
            hashes: RowHashes::default(),
        })
    }

    /// The id the next contact written gets.
    pub(super) fn next_id(&self) -> i64 {
        self.next
    }

    /// The person a reference names, created if new.
    pub(super) fn person(&mut self, person: &PersonRef) -> Result<i64> {
        self.resolve(person).map(|(id, _)| id)
    }

    /// The person a reference names, created if new, and their pseudonym as stored.
    pub(super) fn resolve(&mut self, person: &PersonRef) -> Result<(i64, Pseudonym)> {
        let keyed = match person {
            PersonRef::Keyed(p) => p,
            PersonRef::ExportedOrKeyed(exported, keyed) => {
                if let Some(&id) = self.persons.get(exported) {
                    return Ok((id, *exported));
                }
                if let Some(id) = self.change.person_by_pseudonym(exported)? {
                    self.persons.insert(*exported, id);
                    return Ok((id, *exported));
                }
                keyed
            }
        };
        if let Some(&id) = self.persons.get(keyed) {
            return Ok((id, *keyed));
        }
        let id = match self.change.person_by_pseudonym(keyed)? {
            Some(id) => id,
            None if self.change.beside => {
                let id = self.change.take_id(Sequence::Persons)?;
                match self.change.insert_person(id, keyed) {
                    Ok(()) => {
                        self.new_persons += 1;
                        id
                    }
                    // Another writer made the person since it was looked for (the insert
                    // waited for it to commit, and was refused): theirs it is.
                    Err(refused) => self.change.person_by_pseudonym(keyed)?.ok_or(refused)?,
                }
            }
            None => {
                let id = self.next_person;
                self.next_person += 1;
                self.change.insert_person(id, keyed)?;
                self.new_persons += 1;
                id
            }
        };
        self.persons.insert(*keyed, id);
        Ok((id, *keyed))
    }

    /// Seals a contact with the next id and writes it: its categories as `attributes` (an
    /// encoding of [`crate::domain::Attributes`]; the interface's carries the under-18 answer),
    /// its person found or created. Returns its id.
    pub(super) fn add(
        &mut self,
        contact: &NewContact,
        attributes: &[u8],
        created_at: i64,
    ) -> Result<i64> {
        let person = match &contact.code {
            Some(code) => Some(self.resolve(&PersonRef::of(self.change.keys, code)?)?),
            None => None,
        };
        if self.change.beside {
            let id = self.change.take_id(Sequence::Contacts)?;
            if self.count == 0 {
                self.first = id;
            }
            self.next = id;
        }
        let row = seal_contact(
            self.change.keys,
            (self.author, self.change.unit_of(self.author)),
            self.next,
            person.map(|(id, _)| id),
            contact,
            attributes,
            created_at,
        )?;
        self.write(&row, person.as_ref().map(|(_, p)| p))?;
        Ok(row.id)
    }

    /// Writes a row sealed elsewhere (an import's sealing stage), which must carry the next id,
    /// of the person [`ContactWriter::resolve`] gave with `pseudonym` (what its hash covers).
    pub(super) fn write(&mut self, row: &ContactRow, pseudonym: Option<&Pseudonym>) -> Result<()> {
        self.store(row)?;
        self.hashes.push(row, pseudonym);
        Ok(())
    }

    /// Writes a row as [`ContactWriter::write`] does, but leaves its hash to the caller, who
    /// hashes every row stored this way in order ([`RowHashes`]) and hands the result over by
    /// [`ContactWriter::hashed`] before `finish`.
    pub(super) fn store(&mut self, row: &ContactRow) -> Result<()> {
        if row.id != self.next {
            return Err(crate::error::Error::Failed(
                crate::msg::Msg::ContactsOutOfOrder,
            ));
        }
        self.change.insert_contact(row)?;
        self.next += 1;
        self.count += 1;
        Ok(())
    }

    /// The hashes of the rows [`ContactWriter::store`] wrote, every one of them in order.
    pub(super) fn hashed(&mut self, hashes: RowHashes) -> Result<()> {
        if hashes.rows != self.count {
            return Err(crate::error::Error::Failed(
                crate::msg::Msg::ContactsOutOfOrder,
            ));
        }
        self.hashes = hashes;
        Ok(())
    }

    /// The hash of the last row written (what a `contact_add` entry commits to).
    pub(super) fn last_hash(&self) -> [u8; 32] {
        self.hashes.last
    }

    /// Moves the id sequences past everything written (beside others, they are where the
    /// ids taken left them).
    pub(super) fn finish(self) -> Result<Written> {
        if !self.change.beside {
            self.change
                .set_next_id(Sequence::Persons, self.next_person)?;
            self.change.set_next_id(Sequence::Contacts, self.next)?;
        }
        Ok(Written {
            first: self.first,
            contacts: self.count,
            new_persons: self.new_persons,
            content: self.hashes.running.finish(),
        })
    }
}

/// The hashes of rows written by [`ContactWriter::store`], made where it does not hold the
/// writer up (an import hashes on a thread of its own while the writer sends the next rows).
#[derive(Default)]
pub(super) struct RowHashes {
    running: crate::audit_log::Running,
    last: [u8; 32],
    rows: usize,
}

impl RowHashes {
    /// Hashes the next row stored, of the person with `pseudonym`.
    pub(super) fn push(&mut self, row: &ContactRow, pseudonym: Option<&Pseudonym>) {
        self.last = crate::audit_log::contact_hash(row, pseudonym.map(|p| &p[..]));
        self.running.push(row.id, &self.last);
        self.rows += 1;
    }
}

/// The plaintext of a contact's `attributes` in the format every command writes.
pub(super) fn encode_attributes(
    contact: &NewContact,
    districts: &crate::domain::Districts,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    contact
        .attributes
        .encode(districts)
        .ok_or_else(|| unknown_district(&contact.attributes.district))
}

/// Seals a new contact into the row that stores it (its person given, or none).
pub(super) fn seal_contact(
    keys: &Keys,
    (author, unit): (i64, i64),
    id: i64,
    person_id: Option<i64>,
    c: &NewContact,
    attributes: &[u8],
    created_at: i64,
) -> Result<ContactRow> {
    Ok(ContactRow {
        id,
        date: crate::domain::date_text(c.date),
        person_id,
        pseudonym: None,
        field_night_id: c.field_night,
        created_by: author,
        created_at,
        attributes: keys
            .seal_in(unit, Place::ContactAttributes(id), attributes)
            .map_err(not_held)?,
        note: keys
            .seal_in(unit, Place::ContactNote(id), &encode_note(&c.note))
            .map_err(not_held)?,
    })
}

/// Hashes a pseudonym for the writer's map of persons by its first eight bytes: a pseudonym is
/// an HMAC under a key no one writing a file holds (or a stored person's, found by one), so
/// its bytes are already evenly spread and no one can choose them to collide. SipHash, the
/// map's default, spent a tenth of the writer's time of an import hashing them again.
#[derive(Default)]
pub(super) struct PseudonymHasher(u64);

impl Hasher for PseudonymHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut first = [0u8; 8];
        let n = bytes.len().min(8);
        first[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(first);
    }
    fn write_usize(&mut self, _length: usize) {
        // The length an array writes before its bytes: always 32.
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
