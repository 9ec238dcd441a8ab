//! The storage port: what the vault needs of a database, in typed rows.
//!
//! A back end (SQLite in [`super::sqlite`], the in-memory one in [`super::memory`], later
//! PostgreSQL) implements [`Backend`] and, for its sessions, the read traits and (for write
//! transactions) the write traits below. Nothing here names a database library; every row is
//! plain data: ids, dates, pseudonyms and ciphertext envelopes. A back end never sees a key or a
//! plaintext category, code or note.
//!
//! Every back end must pass the conformance suite in [`super::conformance`].
//!
//! # What an implementer must guarantee
//!
//! - **One writer at a time.** [`Backend::write`] returns a transaction that excludes every
//!   other writer (in this process and in any other) from the moment it is returned until it is
//!   committed or dropped. The vault relies on this: the audit log's head
//!   ([`LogReads::audit_head`] then [`LogWrites::insert_audit`]) and the id sequences
//!   ([`MetaWrites::take_id`]) are read, then written, inside one transaction, and two writers
//!   interleaving there would fork the log or hand out one id twice. A writer that has to wait
//!   for another waits (a bounded time), then fails with [`super::StorageError::Busy`].
//! - **Writers beside each other, where the back end can.** [`Backend::write_beside`] returns
//!   a transaction that may run beside other such transactions (never beside a
//!   [`Backend::write`] one). It takes ids only by [`Transaction::take_id`], which never hands
//!   out an id twice across concurrent transactions, and from its first
//!   [`LogReads::audit_head`] to its end it is the only one that may append to the log. A back
//!   end with one writer at a time (SQLite) gives an exclusive transaction, which keeps all of
//!   this.
//! - **Ids are never reused.** A dropped transaction gives back the ids it took on a back end
//!   whose sequences are transactional (SQLite's); a server's sequences do not, and leave a
//!   gap. Nothing may assume that ids are contiguous across transactions.
//! - **All or nothing.** A transaction dropped without [`Transaction::commit`] leaves nothing
//!   behind; a committed one survives a crash of the process.
//! - **Consistent reads.** A read session ([`Backend::read`]) sees one committed state of the
//!   whole database for as long as it lives, never a half-written transaction.
//! - **Scans stop when asked.** A scan calls its visitor once per row in the documented order
//!   and stops at once when the visitor returns [`ControlFlow::Break`]; that is not an error.
//! - **Values come back as they were written**, byte for byte; a value changed outside uppsok
//!   (a text where a blob belongs, say) is handed up as its bytes, or as empty, never as a
//!   panic, so the vault and the audit can say what is wrong.

use std::ops::ControlFlow;
use std::path::Path;

use super::Result;

/// What a visitor returns to a scan: go on, or stop here.
pub type Visit = ControlFlow<()>;

/// Go on with the scan.
pub const NEXT: Visit = ControlFlow::Continue(());

/// Stop the scan (not an error).
pub const STOP: Visit = ControlFlow::Break(());

// ----- rows -------------------------------------------------------------------------------

/// A contact as stored: clear index columns and two envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub person_id: Option<i64>,
    /// The person's pseudonym (joined from the person), for reads; ignored by writes.
    pub pseudonym: Option<Vec<u8>>,
    pub field_night_id: Option<i64>,
    pub created_by: i64,
    /// When the contact was logged: seconds since 1970 (UTC).
    pub created_at: i64,
    pub attributes: Vec<u8>,
    pub note: Vec<u8>,
}

/// What statistics read of a contact, borrowed from the row being visited.
#[derive(Debug, Clone, Copy)]
pub struct StatRow<'a> {
    pub id: i64,
    pub date: &'a str,
    pub person_id: Option<i64>,
    /// The user who logged it (whose unit the contact is of).
    pub created_by: i64,
    pub attributes: &'a [u8],
}

/// The envelopes of one contact (rekey re-seals both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEnvelopes {
    pub id: i64,
    /// Who logged the contact (its unit's key seals it, keys per unit). Read only: an update
    /// changes the envelopes alone.
    pub created_by: i64,
    pub attributes: Vec<u8>,
    pub note: Vec<u8>,
}

/// A field night as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNightRow {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub created_by: i64,
    pub created_at: String,
    pub details: Vec<u8>,
}

/// A funded project as stored: its name, funder and period are one envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: i64,
    pub created_by: i64,
    pub created_at: String,
    pub details: Vec<u8>,
}

/// An information or training activity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub created_by: i64,
    pub created_at: String,
    /// Kind, audience and participants (categories key).
    pub details: Vec<u8>,
    /// The note (notes key).
    pub note: Vec<u8>,
}

/// The contacts of a group of persons (one person and those declared to be the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonContacts {
    pub count: i64,
    /// The latest contact date, `YYYY-MM-DD`.
    pub last_date: Option<String>,
    /// The latest contact (latest date, then highest id): its id and attributes envelope.
    pub latest: Option<(i64, Vec<u8>)>,
}

/// A declared merge: `person_id` counts as `merged_into`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRow {
    pub person_id: i64,
    pub merged_into: i64,
    pub merged_by: i64,
    pub merged_at: String,
}

/// A staff account as stored. `mac` authenticates id, name, role and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
    pub mac: Vec<u8>,
}

/// The master key sealed to one user's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterWrapRow {
    pub user_id: i64,
    pub public_key: Vec<u8>,
    pub wrapped_master: Vec<u8>,
}

/// The master key sealed to the recovery key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryRow {
    pub id: i64,
    pub public_key: Vec<u8>,
    pub wrapped_master: Vec<u8>,
    pub created_at: String,
}

/// One entry of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub objects: String,
    pub detail: String,
    pub mac: Vec<u8>,
}

/// An id sequence. Ids are never reused, so the audit log can name a record for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sequence {
    Users,
    Persons,
    Contacts,
    FieldNights,
    Projects,
    Activities,
}

impl Sequence {
    pub const ALL: [Sequence; 6] = [
        Sequence::Users,
        Sequence::Persons,
        Sequence::Contacts,
        Sequence::FieldNights,
        Sequence::Projects,
        Sequence::Activities,
    ];

    /// The name the sequence is stored under.
    pub fn as_str(self) -> &'static str {
        match self {
            Sequence::Users => "users",
            Sequence::Persons => "persons",
            Sequence::Contacts => "contacts",
            Sequence::FieldNights => "field_nights",
            Sequence::Projects => "projects",
            Sequence::Activities => "activities",
        }
    }
}

/// Every stored value that is an AES-GCM envelope under the data key. The audit opens each
/// value of each of them; a new encrypted column must be added here, or the audit's
/// `encryption` check will not see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeColumn {
    ContactAttributes,
    ContactNote,
    FieldNightDetails,
    ProjectDetails,
    ActivityDetails,
    ActivityNote,
}

impl EnvelopeColumn {
    pub const ALL: [EnvelopeColumn; 6] = [
        EnvelopeColumn::ContactAttributes,
        EnvelopeColumn::ContactNote,
        EnvelopeColumn::FieldNightDetails,
        EnvelopeColumn::ProjectDetails,
        EnvelopeColumn::ActivityDetails,
        EnvelopeColumn::ActivityNote,
    ];

    /// (table, column) as the schema names them, for messages and the audit's findings.
    /// (Associated data comes from `crypto::Place` alone.)
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            EnvelopeColumn::ContactAttributes => ("contacts", "attributes"),
            EnvelopeColumn::ContactNote => ("contacts", "note"),
            EnvelopeColumn::FieldNightDetails => ("field_nights", "details"),
            EnvelopeColumn::ProjectDetails => ("projects", "details"),
            EnvelopeColumn::ActivityDetails => ("activities", "details"),
            EnvelopeColumn::ActivityNote => ("activities", "note"),
        }
    }
}

/// A row whose reference points nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DanglingReference {
    /// The table holding the reference.
    pub table: String,
    pub row: Option<i64>,
    /// The table it should point into.
    pub parent: String,
}

/// What a back end can say about its own soundness (`uppsok audit`'s `integrity` check).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntegrityFacts {
    /// Problems the back end's own consistency check reports; empty when sound.
    pub problems: Vec<String>,
    /// References that point nowhere.
    pub dangling: Vec<DanglingReference>,
}

// ----- reads ------------------------------------------------------------------------------

/// Database-wide values.
pub trait MetaReads {
    /// A value of the database's key-value table (`format`, `key_version`, `districts`, ...).
    fn meta(&self, key: &str) -> Result<Option<String>>;

    /// Every key and value of that table, by key (a copy of the database takes them all).
    fn meta_entries(&self) -> Result<Vec<(String, String)>>;

    /// The next id of a sequence, without taking it (1 for a sequence never used).
    fn peek_next_id(&self, sequence: Sequence) -> Result<i64>;

    /// The key file as last committed (see [`Locked::key_file`]).
    fn key_file(&self) -> Result<Vec<u8>>;
}

/// Contacts and field nights.
pub trait ContactReads {
    /// Every contact with its pseudonym, in id order.
    fn scan_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()>;

    /// Every contact as stored, in id order, without its person's pseudonym (`pseudonym` is
    /// `None`): what the log's content commitments hash, read without a join.
    fn scan_stored_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()>;

    /// What statistics need of every contact dated within the bounds (inclusive; an absent
    /// bound is open), in no particular order. `visit` must not read through the same
    /// session: a back end may stream the rows on its connection while `visit` runs.
    fn scan_stat_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        visit: &mut dyn FnMut(StatRow<'_>) -> Visit,
    ) -> Result<()>;

    /// Every contact's id, date and person, in id order. A date changed outside uppsok into
    /// something that is not text is passed as empty.
    fn scan_contact_index(
        &self,
        visit: &mut dyn FnMut(i64, &str, Option<i64>) -> Visit,
    ) -> Result<()>;

    /// Every identified person's first contact date (all time, before merges): (person,
    /// date), in no particular order. `visit` must not read through the same session (as
    /// [`ContactReads::scan_stat_rows`]).
    fn scan_first_contacts(&self, visit: &mut dyn FnMut(i64, &str) -> Visit) -> Result<()>;

    /// Every value of one encrypted column: (row id, the row's `created_by`, the value), in id
    /// order (the author tells whose unit's key sealed a contact's or a night's). A value that
    /// is not a blob (changed outside uppsok) is passed as its bytes if it is text, else empty;
    /// an author that is not a number as 0.
    fn scan_envelopes(
        &self,
        column: EnvelopeColumn,
        visit: &mut dyn FnMut(i64, i64, &[u8]) -> Visit,
    ) -> Result<()>;

    fn contact(&self, id: i64) -> Result<Option<ContactRow>>;

    /// The contacts of these persons, newest first (date, then id).
    fn contacts_of_persons(&self, persons: &[i64]) -> Result<Vec<ContactRow>>;

    /// The contacts logged for one field night, in id order (the order they were logged).
    fn contacts_of_night(&self, night: i64) -> Result<Vec<ContactRow>>;

    /// The ids of one person's contacts, in id order.
    fn contact_ids_of_person(&self, person: i64) -> Result<Vec<i64>>;

    /// Up to `limit` contacts' envelopes with ids from `from` on (inclusive: a scan from
    /// `i64::MIN` reads every row, whatever id it was given), in id order.
    fn contact_envelopes(&self, from: i64, limit: i64) -> Result<Vec<ContactEnvelopes>>;

    /// Up to `limit` notes of contacts dated before `date` (exclusive) with ids from `from`
    /// on (inclusive), in id order: (id, created_by, note).
    fn notes_before(&self, date: &str, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>>;

    /// The first and last contact dates, if there is any contact.
    fn contact_date_range(&self) -> Result<Option<(String, String)>>;

    fn contact_count(&self) -> Result<i64>;

    fn field_night(&self, id: i64) -> Result<Option<FieldNightRow>>;

    /// Field nights, newest first (date, then id), at most `limit`.
    fn field_nights(&self, limit: i64) -> Result<Vec<FieldNightRow>>;

    /// Field nights dated within the bounds (inclusive; an absent bound is open).
    fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64>;

    /// Field nights dated within the bounds (as [`ContactReads::field_night_count`]), counted
    /// per user who logged them: (user, count), by user.
    fn field_night_counts_by_author(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<(i64, i64)>>;

    /// Up to `limit` field nights' envelopes with ids from `from` on (inclusive), in id order.
    fn field_night_envelopes(&self, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>>;
}

/// Persons (pseudonyms) and declared merges.
pub trait PersonReads {
    /// The person with exactly this pseudonym, if any.
    fn person_by_pseudonym(&self, pseudonym: &[u8]) -> Result<Option<i64>>;

    /// Every person with an id from `from` on (inclusive): (id, pseudonym as stored), in id
    /// order.
    fn scan_persons(&self, from: i64, visit: &mut dyn FnMut(i64, &[u8]) -> Visit) -> Result<()>;

    /// Count, last date and latest contact of these persons together.
    fn person_contacts(&self, persons: &[i64]) -> Result<PersonContacts>;

    /// Every declared merge, by person id.
    fn merges(&self) -> Result<Vec<MergeRow>>;
}

/// Staff accounts and every key wrap.
pub trait StaffReads {
    fn user_by_name(&self, name: &str) -> Result<Option<UserRow>>;

    /// Every user, by id.
    fn users(&self) -> Result<Vec<UserRow>>;

    fn master_wrap(&self, user: i64) -> Result<Option<MasterWrapRow>>;

    /// The master wraps of every active user, and the names of active users that have none
    /// (a slot made by an earlier version, not yet upgraded at an unlock); both by user id.
    fn active_master_wraps(&self) -> Result<(Vec<MasterWrapRow>, Vec<String>)>;

    fn recovery_key(&self) -> Result<Option<RecoveryRow>>;

    /// The sealed pseudonym keys of earlier key versions, oldest first.
    fn pseudonym_chain(&self) -> Result<Vec<(u32, Vec<u8>)>>;

    /// Which unit each user is in as a server's row-level guards read it
    /// ([`StaffWrites::set_user_unit`]): (user id, unit), by user id; `None` where the back
    /// end keeps no such list (a file: the log alone says it).
    fn user_units(&self) -> Result<Option<Vec<(i64, i64)>>> {
        Ok(None)
    }

    /// A server's units' database roles, each granted only its unit's own tables
    /// ([`StaffWrites::set_unit_role`]): (role name, unit), by name; `None` where the back end
    /// has no database roles (a file).
    fn unit_roles(&self) -> Result<Option<Vec<(String, i64)>>> {
        Ok(None)
    }

    /// The unit whose rows alone this connection reads (a server's unit role: row-level
    /// security shows it its own unit's contacts, field nights and activities and no other's);
    /// `None` where it reads every row (a file, a city role).
    fn row_scope(&self) -> Result<Option<i64>> {
        Ok(None)
    }
}

/// The audit log.
pub trait LogReads {
    /// The last entry's number and MAC, if the log has any entry.
    fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>>;

    /// Every entry, in sequence order.
    fn scan_audit_log(&self, visit: &mut dyn FnMut(AuditRow) -> Visit) -> Result<()>;

    fn audit_entry(&self, seq: i64) -> Result<Option<AuditRow>>;
}

/// Everything a session can read.
/// The unit's other work: funded projects, information and training activities. A database
/// made before their tables existed reads as having none.
pub trait WorkReads {
    /// Every project, in id order.
    fn projects(&self) -> Result<Vec<ProjectRow>>;

    /// The activities dated within the bounds (inclusive; an absent bound is open), in date
    /// and then id order.
    fn activities(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<ActivityRow>>;
}

pub trait Reads:
    MetaReads + ContactReads + PersonReads + StaffReads + LogReads + WorkReads
{
}

impl<T: MetaReads + ContactReads + PersonReads + StaffReads + LogReads + WorkReads + ?Sized> Reads
    for T
{
}

// ----- writes -----------------------------------------------------------------------------

/// Database-wide values and hints.
pub trait MetaWrites {
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// Replaces the key file (the sealed keys that open the database), as part of this
    /// transaction: a rollback puts the previous one back. The vault writes the key file's
    /// generation into the database in the same transaction; a back end that keeps the key
    /// file apart from the database (SQLite: a file beside it) writes it before the database
    /// commits, so that after a crash the key file is never older than the database.
    fn write_key_file(&self, bytes: &[u8]) -> Result<()>;

    /// Moves a sequence on; ids below `next` are taken for ever.
    fn set_next_id(&self, sequence: Sequence, next: i64) -> Result<()>;

    /// Creates whatever this version's format has that a database made by an earlier version
    /// lacks (tables, indexes). Idempotent.
    fn upgrade_schema(&self) -> Result<()>;

    /// A hint: a bulk load of many contacts follows in this transaction. A back end may drop
    /// secondary indexes here and rebuild them in [`MetaWrites::end_bulk_load`], which the
    /// caller must call before committing; a rollback restores everything.
    fn begin_bulk_load(&self) -> Result<()>;

    fn end_bulk_load(&self) -> Result<()>;
}

/// Contacts and field nights.
pub trait ContactWrites {
    fn insert_contact(&self, c: &ContactRow) -> Result<()>;

    /// Replaces a contact's date, person and envelopes (an edit); false if there is no such
    /// contact.
    fn update_contact(&self, c: &ContactRow, updated_at: i64) -> Result<bool>;

    fn update_contact_envelopes(&self, c: &ContactEnvelopes) -> Result<()>;

    fn update_note(&self, id: i64, note: &[u8]) -> Result<()>;

    /// False if there is no such contact.
    fn delete_contact(&self, id: i64) -> Result<bool>;

    fn insert_field_night(&self, n: &FieldNightRow) -> Result<()>;

    fn update_field_night_details(&self, id: i64, details: &[u8]) -> Result<()>;
}

/// Persons and declared merges.
pub trait PersonWrites {
    fn insert_person(&self, id: i64, pseudonym: &[u8]) -> Result<()>;

    fn update_pseudonym(&self, person: i64, pseudonym: &[u8]) -> Result<()>;

    /// Deletes a person: every contact of theirs, every merge naming them, and the pseudonym
    /// itself. Returns the number of contacts deleted.
    fn delete_person(&self, person: i64) -> Result<usize>;

    fn insert_merge(&self, m: &MergeRow) -> Result<()>;

    /// False if the person was not merged.
    fn delete_merge(&self, person: i64) -> Result<bool>;
}

/// Staff accounts and key wraps.
pub trait StaffWrites {
    fn insert_user(&self, u: &UserRow) -> Result<()>;

    /// Rewrites a user's role, state and MAC.
    fn update_user(&self, u: &UserRow) -> Result<()>;

    /// Records, for a server's row-level guards, which unit a user is in (the log grants it;
    /// docs/units.md). A file has no database roles, so keeps nothing: the default.
    fn set_user_unit(&self, _user: i64, _unit: i64) -> Result<()> {
        Ok(())
    }

    /// Makes a database role a unit's, granted only its unit's own tables (the log grants it;
    /// docs/deploy.md, "A role per unit"). Only a back end with database roles is asked
    /// ([`StaffReads::unit_roles`] is `Some`); a file has none and keeps nothing.
    fn set_unit_role(&self, _role: &str, _unit: i64) -> Result<()> {
        Ok(())
    }

    /// Makes room for a unit's rows: a server keeps each unit's field nights, contacts and
    /// activities in tables of their own, in a schema its database role alone is granted
    /// (docs/deploy.md, "A role per unit"). Idempotent. A file keeps every unit's in the same
    /// tables: the default does nothing.
    fn make_unit(&self, _unit: i64) -> Result<()> {
        Ok(())
    }

    /// Writes or replaces a user's master wrap.
    fn put_master_wrap(&self, w: &MasterWrapRow) -> Result<()>;

    fn delete_master_wrap(&self, user: i64) -> Result<()>;

    /// Writes or replaces the recovery key.
    fn put_recovery_key(&self, r: &RecoveryRow) -> Result<()>;

    /// Replaces the whole stored pseudonym key chain.
    fn replace_pseudonym_chain(&self, chain: &[(u32, Vec<u8>)]) -> Result<()>;
}

/// Projects and activities. The first write of either makes their tables in a database made
/// before they existed.
pub trait WorkWrites {
    fn insert_project(&self, p: &ProjectRow) -> Result<()>;

    /// Replaces a project's details (its period closed, a rekey); false if there is none.
    fn update_project_details(&self, id: i64, details: &[u8]) -> Result<bool>;

    fn insert_activity(&self, a: &ActivityRow) -> Result<()>;

    /// Replaces an activity's envelopes (a rekey).
    fn update_activity_envelopes(&self, id: i64, details: &[u8], note: &[u8]) -> Result<()>;
}

/// The audit log: appended to; only `upgrade` from format 2 rewrites its MACs.
pub trait LogWrites {
    fn insert_audit(&self, e: &AuditRow) -> Result<()>;

    /// Rewrites one entry's MAC: only `upgrade` of a format-2 database does, in place. A back
    /// end whose log is append-only (PostgreSQL's, whose databases start at format 3) refuses
    /// it with an error, changing nothing.
    fn update_audit_mac(&self, seq: i64, mac: &[u8]) -> Result<()>;
}

/// A write transaction: every read, every write, and the commit. See the module docs for what
/// an implementation must guarantee (one writer at a time, all or nothing).
pub trait Transaction:
    Reads + MetaWrites + ContactWrites + PersonWrites + StaffWrites + LogWrites + WorkWrites
{
    /// Makes every write of the transaction durable, at once. Dropping the transaction
    /// without committing rolls every write back.
    fn commit(self: Box<Self>) -> Result<()>;

    /// Takes one id of a sequence; the only way to take ids beside other writers
    /// ([`Backend::write_beside`]).
    fn take_id(&self, sequence: Sequence) -> Result<i64> {
        let id = self.peek_next_id(sequence)?;
        self.set_next_id(sequence, id + 1)?;
        Ok(id)
    }
}

// ----- the back end -----------------------------------------------------------------------

/// What is particular to one back end: compacting, copies, its own consistency check.
pub trait Maintenance {
    /// Rewrites the database so that no freed space keeps old bytes (after a purge or a
    /// forget), as far as the back end can. Outside any transaction. False when the
    /// connection may not (on a server, only the tables' owner may rewrite a table): the old
    /// bytes stay until someone who may does it.
    fn compact(&mut self) -> Result<bool>;

    /// Moves whatever a journal holds into the database proper and cuts the journal back, so
    /// it keeps no older version of a value. Best effort.
    fn flush_journal(&mut self) -> Result<()>;

    /// After rows were deleted to erase them (a `forget`): makes sure no freed space keeps
    /// their bytes, as far as the back end can. False when the connection may not (on a server
    /// only the tables' owner may rewrite a table; the old row versions stay until then).
    fn erase_deleted(&mut self) -> Result<bool>;

    /// A consistent copy of the live database, as stored (still encrypted), at `dest`, which
    /// must not exist; made readable by its owner only. Fails for a back end whose copies are
    /// made by its own tools, saying which.
    fn backup_to(&self, dest: &Path) -> Result<()>;

    /// The back end's own consistency check and dangling references.
    fn integrity(&self) -> Result<IntegrityFacts>;

    /// The key file a write transaction replaced, if the process stopped before that
    /// transaction either committed or put it back (a back end that writes the key file
    /// within its own transactions never has one).
    fn interrupted_key_file(&self) -> Result<Option<Vec<u8>>>;

    /// Puts back the key file [`Maintenance::interrupted_key_file`] returned: the database
    /// never committed what replaced it.
    fn roll_back_key_file(&mut self) -> Result<()>;

    /// Re-encrypts the whole database under a new page key, all or nothing (outside any
    /// transaction). Afterwards only the new key opens it. Fails with
    /// [`super::StorageError::Busy`] while another process has the database open, when the
    /// back end needs it alone for this.
    fn rekey_pages(&mut self, page_key: &[u8; 32]) -> Result<()>;
}

/// A key slot of a database of format 1, as stored there (inside the database, in the
/// clear): the user's secret wrapped under a key derived from their passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format1Slot {
    pub user_id: i64,
    pub memory_kib: i64,
    pub iterations: i64,
    pub parallelism: i64,
    pub salt: Vec<u8>,
    pub wrapped_key: Vec<u8>,
}

/// A database of format 1 (not encrypted as a whole; key slots inside), opened only to be
/// brought to this format by `uppsok upgrade`.
pub trait Format1Database: Send {
    /// Reads of its tables, as of any database (it has every table of this format).
    fn read(&self) -> Result<Box<dyn Reads + '_>>;

    /// Its key slots.
    fn key_slots(&self) -> Result<Vec<Format1Slot>>;

    /// Copies it whole to `backup` (as it is), then makes a new database of this format
    /// beside it, encrypted under `page_key`, holding the same tables and rows (without the
    /// key slots). Nothing replaces the database until [`Conversion::finish`].
    fn convert(self: Box<Self>, backup: &Path, page_key: &[u8; 32]) -> Result<Box<dyn Conversion>>;
}

/// A database being brought to this format: the new database is open for the last writes
/// (its format marker, its key file); [`Conversion::finish`] puts it in place of the old one.
/// Dropped unfinished, it removes everything it made but the backup.
pub trait Conversion {
    fn backend(&mut self) -> &mut dyn Backend;

    fn finish(self: Box<Self>) -> Result<()>;
}

/// A database found but not yet opened: its key file can be read, its contents only with the
/// page key that the key file seals.
pub trait Locked: Send {
    /// The key file's bytes. [`super::StorageError::KeyFileMissing`] if there is none.
    fn key_file(&self) -> Result<Vec<u8>>;

    /// Opens the database with the first of `page_keys` that opens it (a key file offers two
    /// while the database changes key), and says which. [`super::StorageError::WrongKey`] if
    /// none does.
    fn open(self: Box<Self>, page_keys: &[&[u8; 32]]) -> Result<(Box<dyn Backend>, usize)>;

    /// Where the database is, for messages.
    fn location(&self) -> String;
}

/// An open database.
pub trait Backend: Maintenance + Send {
    /// A read session: one consistent committed state while it lives.
    fn read(&self) -> Result<Box<dyn Reads + '_>>;

    /// A write transaction: the only writer until it is committed or dropped.
    fn write(&mut self) -> Result<Box<dyn Transaction + '_>>;

    /// A write transaction that may run beside other such transactions (see the module
    /// documentation): it takes ids with [`Transaction::take_id`] only, never reads then moves
    /// a sequence, and becomes the only writer of the log when it reads the log's head. A back
    /// end that has only one writer at a time gives a [`Backend::write`] transaction.
    fn write_beside(&mut self) -> Result<Box<dyn Transaction + '_>> {
        self.write()
    }

    /// Where the database is, for messages (a path, or a server address without password).
    fn location(&self) -> String;

    /// The files that hold the database, if it lives in files: an export or report must not
    /// be written over one of them.
    fn files(&self) -> Vec<std::path::PathBuf>;

    /// Removes a database that was just created and never fully set up (a failed `init`),
    /// leaving nothing of it behind.
    fn discard(self: Box<Self>);
}
