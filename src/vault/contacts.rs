//! Contacts and field nights: logging, importing (in two stages), exporting.

use zeroize::Zeroizing;

use super::writer::{encode_attributes, seal_contact, ContactWriter, PersonRef, RowHashes};
use super::*;
use crate::audit_log::Action;
pub use crate::crypto::{parse_pseudonym_hex, pseudonym_hex};
use crate::crypto::{Keys, Place};
use crate::domain::{
    Attributes, Contact, Date, Districts, FieldNight, FieldNightDetails, NewContact,
};
use crate::error::{Error, Result};
use crate::msg::{Msg, NoteAdvice};
use crate::pii::{self, IdentifierKind};

/// From this many expected rows on, an import rebuilds the contact indexes instead of
/// updating them row by row (see [`Contacts::import`]).
const BULK_IMPORT_MIN_ROWS: u64 = 20_000;

/// Notes are padded to a multiple of this many bytes before encryption, so the ciphertext
/// length tells little about the note.
pub(super) const NOTE_PADDING: usize = 32;

pub(super) fn encode_note(note: &str) -> Zeroizing<Vec<u8>> {
    let body = 4 + note.len();
    let padded = body.div_ceil(NOTE_PADDING) * NOTE_PADDING;
    let mut out = Zeroizing::new(Vec::with_capacity(padded));
    out.extend_from_slice(&(note.len() as u32).to_le_bytes());
    out.extend_from_slice(note.as_bytes());
    out.resize(padded, 0);
    out
}

pub(super) fn decode_note(b: &[u8]) -> Option<Zeroizing<String>> {
    let len = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let text = std::str::from_utf8(b.get(4..4 + len)?).ok()?;
    Some(Zeroizing::new(text.to_string()))
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    /// How many persons the database did not know: `None` in a database of several units,
    /// where it would tell which codes another unit has met.
    pub new_persons: Option<usize>,
    pub dry_run: bool,
}

impl Vault {
    /// Checks a note for identifiers; an error names the kind (never the text) unless the
    /// identifiers are allowed.
    pub(super) fn check_note(
        note: &str,
        allow_identifiers: bool,
    ) -> std::result::Result<Vec<IdentifierKind>, IdentifierKind> {
        let found = pii::find_identifiers(note);
        match found.first() {
            Some(&kind) if !allow_identifiers => Err(kind),
            _ => Ok(found),
        }
    }

    /// Logs one contact from the command line or the interface: the role check, the
    /// identifier guard, the person, the sealed row and its audit entries, in one transaction.
    pub(super) fn log_contact(
        &mut self,
        contact: NewContact,
        source: NewContactSource,
    ) -> Result<i64> {
        self.require(Permission::WriteContacts)?;
        let allow_identifiers = matches!(
            source,
            NewContactSource::CommandLine {
                allow_identifiers: true
            }
        );
        let found = Self::check_note(&contact.note, allow_identifiers).map_err(|kind| {
            let advice = match source {
                NewContactSource::CommandLine { .. } => NoteAdvice::RemoveOrAllow,
                NewContactSource::Interface => NoteAdvice::Remove,
            };
            Error::Input(Msg::NoteIdentifier { kind, advice })
        })?;
        if let Some(n) = contact.field_night {
            let night = self.store.read()?.field_night(n)?;
            // Another unit's night is not this unit's to log into.
            if !night.is_some_and(|night| self.own_unit(night.created_by)) {
                return Err(Error::Input(Msg::NoSuchNight { id: n }));
            }
        }
        // One format (with the under-18 answer) for every contact, so the ciphertext length
        // does not tell which contacts were asked.
        let attributes = encode_attributes(&contact, &self.districts)?;
        let user_id = self.user.id;
        // Beside other writers: only the log's head, written last, waits for them.
        let tx = self.change_beside()?;
        let mut writer = ContactWriter::new(&tx, user_id)?;
        let id = writer.add(&contact, &attributes, now_unix())?;
        let content = writer.last_hash();
        writer.finish()?;
        tx.log(
            Action::ContactAdd,
            &format!("contact:{id}"),
            &crate::audit_log::content::content_detail(&content),
        )?;
        if !found.is_empty() {
            tx.log(
                Action::IdentifierOverride,
                &format!("contact:{id}"),
                &kinds_detail(&found),
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    // ----- field nights ---------------------------------------------------------------
}

/// Where a new contact comes from, which decides how it is checked and sealed.
#[derive(Debug, Clone, Copy)]
pub(super) enum NewContactSource {
    /// `uppsok add`: identifiers in the note only with the override.
    CommandLine { allow_identifiers: bool },
    /// The interface: never an override.
    Interface,
}

/// One row on its way from the sealing stage to the writing stage of an import.
enum ImportItem {
    /// A row with problems.
    Bad(crate::csv_io::RowError),
    /// A valid row that will not be written (dry run, or an earlier row was bad).
    Checked,
    /// A valid row, sealed; its person is resolved by the writer.
    Sealed(Box<SealedRow>),
    /// A valid row that could not be sealed (a key not held): the import fails.
    Unsealed(Error),
}

struct SealedRow {
    row: ContactRow,
    person: Option<PersonRef>,
    identifiers: Vec<IdentifierKind>,
}

/// What the sealing stage of an import needs to seal a row, shared by its threads.
struct Sealing<'a, C> {
    check: &'a C,
    keys: &'a Keys,
    /// The keys' pseudonymiser, if they hold the pseudonym key.
    pseudonyms: Option<crate::crypto::Pseudonymiser>,
    districts: &'a Districts,
    author: (i64, i64),
    dry_run: bool,
    created_at: i64,
    /// A row was bad: the import will fail, so later rows are only checked, not sealed.
    failed: std::sync::atomic::AtomicBool,
}

impl<C> Sealing<'_, C> {
    /// Checks one record and, if the import can still succeed, keys its person and seals it
    /// as contact `id` (rows are numbered by their place in the file: any bad row fails the
    /// whole import, so a successful one numbers its rows without gaps).
    fn seal<T>(
        &self,
        record: std::result::Result<T, crate::csv_io::RowError>,
        id: i64,
    ) -> ImportItem
    where
        C: Fn(T) -> std::result::Result<crate::csv_io::ParsedRow, crate::csv_io::RowError>,
    {
        use std::sync::atomic::Ordering::Relaxed;
        let parsed = match record.and_then(self.check) {
            Err(e) => {
                self.failed.store(true, Relaxed);
                return ImportItem::Bad(e);
            }
            Ok(_) if self.dry_run || self.failed.load(Relaxed) => return ImportItem::Checked,
            Ok(parsed) => parsed,
        };
        let row = encode_attributes(&parsed.contact, self.districts).and_then(|attributes| {
            seal_contact(
                self.keys,
                self.author,
                id,
                None,
                &parsed.contact,
                &attributes,
                self.created_at,
            )
        });
        let person = parsed
            .contact
            .code
            .as_ref()
            .map(|c| match &self.pseudonyms {
                Some(keys) => Ok(PersonRef::made_by(keys, c)),
                None => PersonRef::of(self.keys, c), // refused: the key is not held
            })
            .transpose();
        let (row, person) = match (row, person) {
            (Ok(row), Ok(person)) => (row, person),
            (Err(e), _) | (_, Err(e)) => return ImportItem::Unsealed(e),
        };
        ImportItem::Sealed(Box::new(SealedRow {
            row,
            person,
            identifiers: parsed.identifiers,
        }))
    }
}

/// Rows a batch of the import carries between its threads.
const IMPORT_BATCH: usize = 512;
/// Batches on their way at once (read, being sealed, or sealed and waiting for their turn):
/// more than a server's bulk load sends at once (10,000 rows), so the sealing goes on while the
/// server takes a batch (8 left it waiting: 8 % slower at 300,000).
const IMPORT_IN_FLIGHT: usize = 32;

/// Batches of rows written on their way to the hasher (each holds the writer's next ones).
const IMPORT_HASHING: usize = 4;

/// Threads that check and seal an import's rows: as many as the processor has cores, up to 4
/// (the reading thread and the database writer need little; on a server, the server needs
/// some of the same cores).
fn sealing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

pub(super) fn kinds_detail(kinds: &[IdentifierKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    format!("kinds={}", names.join(";"))
}

/// Opens both envelopes of a stored contact.
pub(super) fn open_contact(
    keys: &Keys,
    districts: &Districts,
    unit: i64,
    row: &ContactRow,
) -> Result<Contact> {
    let attrs = open_in_at(
        keys,
        unit,
        Place::ContactAttributes(row.id),
        &row.attributes,
    )?;
    let note = open_in_at(keys, unit, Place::ContactNote(row.id), &row.note)?;
    Ok(Contact {
        id: row.id,
        date: crate::domain::parse_date(&row.date)
            .map_err(|_| damaged_value("contacts", row.id))?,
        pseudonym: row
            .pseudonym
            .as_deref()
            .and_then(|p| <[u8; 32]>::try_from(p).ok()),
        field_night: row.field_night_id,
        attributes: Attributes::decode(&attrs, districts)
            .ok_or_else(|| damaged_value("contacts", row.id))?,
        note: decode_note(&note).ok_or_else(|| damaged_value("contacts", row.id))?,
    })
}

impl Contacts<'_> {
    /// Logs one contact. Returns its id.
    pub fn add(&mut self, contact: NewContact, allow_identifiers: bool) -> Result<i64> {
        self.0
            .log_contact(contact, NewContactSource::CommandLine { allow_identifiers })
    }

    /// Imports contacts, all or nothing. `rows` yields each parsed row or the errors found in
    /// it; rows are written as they come (the file is never held in memory) and the whole
    /// transaction is rolled back if any row is bad or on a dry run.
    ///
    /// `expected_rows` is an estimate of the rows to come. When it is large against what is
    /// stored, the contact indexes are dropped for the import and rebuilt (sorted) before the
    /// commit, inside the same transaction: far faster than a million random index inserts.
    ///
    /// `records` yields the rows as read, in order (or the error that ends the input); `check`
    /// turns each into a contact. One thread reads, several check and seal (the cores the
    /// machine has), and this one writes, in the order read.
    pub fn import<I, T, C>(
        &mut self,
        records: I,
        check: C,
        dry_run: bool,
        expected_rows: u64,
    ) -> Result<ImportSummary>
    where
        I: Iterator<Item = std::result::Result<T, crate::csv_io::RowError>> + Send,
        T: Send,
        C: Fn(T) -> std::result::Result<crate::csv_io::ParsedRow, crate::csv_io::RowError> + Sync,
    {
        self.0.require(Permission::WriteContacts)?;
        let (user_id, unit) = (self.0.user.id, self.0.user.unit);
        let one_unit = !self.0.units.several();
        let tx = self.0.change()?;
        let (keys, districts) = (tx.keys, tx.districts);
        let bulk = !dry_run
            && expected_rows >= BULK_IMPORT_MIN_ROWS
            && expected_rows >= tx.contact_count()? as u64 / 2;
        if bulk {
            tx.begin_bulk_load()?;
        }
        let mut errors = crate::csv_io::ImportErrors::default();
        let mut writer = ContactWriter::new(&tx, user_id)?;
        let first_contact = writer.next_id();
        let mut overrides: Vec<i64> = Vec::new();
        let mut override_kinds: Vec<IdentifierKind> = Vec::new();
        let created_at = now_unix();
        let mut rows_seen = 0;
        let sealing = Sealing {
            check: &check,
            keys,
            pseudonyms: keys.pseudonymiser().ok(),
            districts,
            author: (user_id, unit),
            dry_run,
            created_at,
            failed: Default::default(),
        };
        // Four stages: one thread reads the records in batches; several check, key and seal
        // them, a batch at a time; this one writes the batches to the database in the order
        // read; one more hashes the rows written, in that order, for the log's entry (the
        // writer and the server it waits for are what an import waits for). Tokens bound the
        // batches on their way, so a slow writer holds the reading back and memory stays
        // bounded.
        let hashes = std::thread::scope(|scope| -> Result<RowHashes> {
            use std::sync::mpsc::sync_channel;
            type Batch<T> = Vec<std::result::Result<T, crate::csv_io::RowError>>;
            let (tokens, token) = sync_channel::<()>(IMPORT_IN_FLIGHT);
            for _ in 0..IMPORT_IN_FLIGHT {
                let _ = tokens.send(());
            }
            let (to_seal, work) = sync_channel::<(usize, Batch<T>)>(IMPORT_IN_FLIGHT);
            let (sealed, done) = sync_channel::<(usize, Option<Vec<ImportItem>>)>(IMPORT_IN_FLIGHT);
            let work = std::sync::Arc::new(std::sync::Mutex::new(work));
            let reader = scope.spawn(move || {
                let mut records = records;
                for k in 0.. {
                    let batch: Batch<T> = records.by_ref().take(IMPORT_BATCH).collect();
                    // No token: the writer stopped (an error, which it reports).
                    if batch.is_empty()
                        || token.recv().is_err()
                        || to_seal.send((k, batch)).is_err()
                    {
                        return;
                    }
                }
            });
            let mut sealers = Vec::new();
            for _ in 0..sealing_threads() {
                let (work, sealed, sealing) = (work.clone(), sealed.clone(), &sealing);
                sealers.push(scope.spawn(move || loop {
                    let job = work.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((k, batch)) = job else {
                        return; // every batch read has been taken
                    };
                    let first = first_contact + (k * IMPORT_BATCH) as i64;
                    // A panic here would leave the writer waiting for this batch: it is told.
                    let items = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        batch
                            .into_iter()
                            .zip(first..)
                            .map(|(record, id)| sealing.seal(record, id))
                            .collect::<Vec<_>>()
                    }))
                    .ok();
                    if sealed.send((k, items)).is_err() {
                        return;
                    }
                }));
            }
            drop(sealed); // the sealers hold the senders: `done` ends when they all have
            let (to_hash, hashing) = sync_channel::<
                Vec<(Box<SealedRow>, Option<crate::crypto::Pseudonym>)>,
            >(IMPORT_HASHING);
            let hasher = scope.spawn(move || {
                let mut hashes = RowHashes::default();
                for batch in hashing {
                    for (sealed, pseudonym) in &batch {
                        hashes.push(&sealed.row, pseudonym.as_ref());
                    }
                }
                hashes
            });
            let _progress = crate::progress::begin(crate::progress::Task::Import, None);
            let mut waiting = std::collections::BTreeMap::new();
            let mut unsealed = false;
            let mut next = 0;
            for (k, items) in done.iter() {
                waiting.insert(k, items.ok_or(Error::Failed(Msg::ImportStopped))?);
                while let Some(batch) = waiting.remove(&next) {
                    next += 1;
                    crate::progress::add(batch.len() as u64);
                    let mut stored = Vec::with_capacity(batch.len());
                    for item in batch {
                        rows_seen += 1;
                        match item {
                            ImportItem::Bad(e) => errors.push(e),
                            // Not sealed: a dry run, or a bad row was met (perhaps further on,
                            // by another thread): nothing more is written.
                            ImportItem::Checked => unsealed = true,
                            ImportItem::Unsealed(e) => {
                                if unsealed || !errors.is_empty() {
                                    continue;
                                }
                                return Err(e);
                            }
                            ImportItem::Sealed(mut sealed) => {
                                if unsealed || !errors.is_empty() {
                                    continue;
                                }
                                let mut pseudonym = None;
                                if let Some(person) = &sealed.person {
                                    let (id, p) = writer.resolve(person)?;
                                    sealed.row.person_id = Some(id);
                                    pseudonym = Some(p);
                                }
                                if !sealed.identifiers.is_empty() {
                                    overrides.push(sealed.row.id);
                                    override_kinds.extend(sealed.identifiers.iter().copied());
                                }
                                writer.store(&sealed.row)?;
                                // The row itself stays where it is: only its box moves on.
                                stored.push((sealed, pseudonym));
                            }
                        }
                    }
                    // The hasher stopped only by panicking, which its join reports.
                    if !stored.is_empty() && to_hash.send(stored).is_err() {
                        return Err(Error::Failed(Msg::ImportStopped));
                    }
                    let _ = tokens.send(());
                }
            }
            let stopped = |_| Error::Failed(Msg::ImportStopped);
            reader.join().map_err(stopped)?;
            for sealer in sealers {
                sealer.join().map_err(stopped)?;
            }
            drop(to_hash);
            let hashes = hasher.join().map_err(stopped)?;
            // Every batch read was written, in order.
            match waiting.is_empty() {
                true => Ok(hashes),
                false => Err(Error::Failed(Msg::ImportStopped)),
            }
        })?;
        if !errors.is_empty() {
            return Err(Error::Import(errors)); // the change rolls back
        }
        if dry_run {
            return Ok(ImportSummary {
                rows: rows_seen,
                new_persons: Some(0).filter(|_| one_unit),
                dry_run: true,
            });
        }
        writer.hashed(hashes)?;
        let written = writer.finish()?;
        if bulk {
            tx.end_bulk_load()?;
        }
        written.log_import(&tx)?;
        if !overrides.is_empty() {
            override_kinds.sort();
            override_kinds.dedup();
            let ids: Vec<String> = overrides.iter().map(|i| format!("contact:{i}")).collect();
            tx.log(
                Action::IdentifierOverride,
                &ids.join(","),
                &kinds_detail(&override_kinds),
            )?;
        }
        tx.commit()?;
        Ok(ImportSummary {
            rows: written.contacts,
            new_persons: Some(written.new_persons).filter(|_| one_unit),
            dry_run: false,
        })
    }

    /// How many contacts the database holds (a figure every role may see in statistics).
    pub fn count(&self) -> Result<i64> {
        Ok(self.0.store.read()?.contact_count()?)
    }

    /// Decrypts every contact, in id order, for an export (lead and admin only; logged). In a
    /// database of several units, the contacts of the user's own unit (the entry says which).
    pub fn export(&mut self, mut f: impl FnMut(&Contact) -> Result<()>) -> Result<usize> {
        self.0.require(Permission::Export)?;
        // Of several units, not the city's count, neither in the log (every unit's to read)
        // nor as the progress bar's total (a unit's staff would read it there).
        let count = match self.0.units.several() {
            false => Some(self.0.store.read()?.contact_count()?),
            true => None,
        };
        let (objects, detail) = match count {
            Some(count) => ("contacts:all".to_string(), format!("count={count}")),
            None => (format!("contacts:unit:{}", self.0.user.unit), String::new()),
        };
        self.0.log_read(Action::Export, &objects, &detail)?;
        let vault = &*self.0;
        let keys = &vault.keys;
        let districts = &vault.districts;
        let mut n = 0;
        let mut failure: Option<Error> = None;
        let _progress =
            crate::progress::begin(crate::progress::Task::Export, count.map(|n| n as u64));
        self.0.store.read()?.scan_contacts(&mut |row| {
            if !vault.own_unit(row.created_by) {
                return NEXT;
            }
            let unit = vault.units.of_user(row.created_by);
            match open_contact(keys, districts, unit, &row).and_then(|c| f(&c)) {
                Ok(()) => {
                    n += 1;
                    crate::progress::add(1);
                    NEXT
                }
                Err(e) => {
                    failure = Some(e);
                    STOP
                }
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }

    /// Records a field night. Returns its id.
    /// A night's project must be one of the unit's, covering the night's date.
    pub fn add_night(&mut self, date: Date, details: &FieldNightDetails) -> Result<i64> {
        self.0.require(Permission::WriteContacts)?;
        if let Some(id) = details.project {
            match self.0.projects.by_id(id) {
                None => return Err(Error::Input(Msg::NightProjectUnknown)),
                Some(p) if !p.details.covers(date) => {
                    return Err(Error::Input(Msg::NightProjectNotOnDate))
                }
                Some(_) => {}
            }
        }
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        let id = tx.take_id(Sequence::FieldNights)?;
        tx.insert_field_night(&FieldNightRow {
            id,
            date: date.format("%Y-%m-%d").to_string(),
            created_by: user_id,
            created_at: now_timestamp(),
            details: tx
                .keys
                .seal_in(
                    tx.unit_of(user_id),
                    Place::FieldNightDetails(id),
                    &details
                        .encode(tx.districts)
                        .ok_or_else(|| unknown_district(&details.district))?,
                )
                .map_err(not_held)?,
        })?;
        // The night as stored: what the entry commits to.
        let mut running = crate::audit_log::Running::default();
        let night = tx
            .field_night(id)?
            .ok_or(Error::Failed(Msg::NightNotWritten))?;
        running.push(id, &crate::audit_log::night_hash(&night));
        tx.log(
            Action::FieldNightAdd,
            &format!("field_night:{id}"),
            &crate::audit_log::content::content_detail(&running.finish()),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The field night `id`, if there is one.
    pub fn night(&mut self, id: i64) -> Result<Option<FieldNight>> {
        self.0.require(Permission::WriteContacts)?;
        let Some(r) = self.0.store.read()?.field_night(id)? else {
            return Ok(None);
        };
        if !self.0.own_unit(r.created_by) {
            return Ok(None);
        }
        open_night(self.0, &r).map(Some)
    }

    /// The latest field nights, newest first.
    pub fn nights(&mut self, limit: i64) -> Result<Vec<FieldNight>> {
        self.0.require(Permission::WriteContacts)?;
        // In a city, the unit's own nights: read them all (nights are few) and keep its own.
        let read = if self.0.units.several() {
            i64::MAX
        } else {
            limit
        };
        let rows = self.0.store.read()?.field_nights(read)?;
        rows.into_iter()
            .filter(|r| self.0.own_unit(r.created_by))
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|r| open_night(self.0, &r))
            .collect()
    }
}

/// A stored field night opened under its unit's key.
fn open_night(vault: &Vault, r: &crate::storage::FieldNightRow) -> Result<FieldNight> {
    let damaged = || damaged_value("field_nights", r.id);
    let unit = vault.units.of_user(r.created_by);
    let place = Place::FieldNightDetails(r.id);
    let plain = open_in_at(&vault.keys, unit, place, &r.details)?;
    Ok(FieldNight {
        id: r.id,
        date: crate::domain::parse_date(&r.date).map_err(|_| damaged())?,
        details: FieldNightDetails::decode(&plain, &vault.districts).ok_or_else(damaged)?,
    })
}
