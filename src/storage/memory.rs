//! An in-memory back end: the whole database in plain collections, for tests and for trying
//! the vault without a file.
//!
//! Several [`MemoryStore`] handles can share one database ([`MemoryStore::reopen`], or
//! `Clone`), as several processes can open one file. The committed state is an immutable
//! snapshot behind a mutex, replaced whole by each commit:
//!
//! - a read session keeps the snapshot that was committed when it was opened (consistent
//!   reads, and it never waits for a writer);
//! - a write transaction first takes the database's writer lock (waiting a bounded time, then
//!   [`StorageError::Busy`]) and holds it for its whole life, which serialises writers; it
//!   works on its own copy of the state (copied on its first write), which replaces the
//!   committed one on commit; dropped, the copy is thrown away.
//!
//! The constraints of the SQLite schema are enforced at each write, before anything is
//! changed, so a write that fails leaves the transaction as it was and usable: primary keys,
//! `persons.pseudonym` and `users.name` unique, the role check, the single recovery key row,
//! and every foreign key. Nothing here survives the process, and nothing is written to disk.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Bound, ControlFlow};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::port::*;
use super::{Result, StorageError};

/// The error of a violated constraint (or of anything else the back end refuses). The one
/// place that names the error variant, so it can move to `StorageError::Backend` in one line.
fn constraint(msg: impl Into<String>) -> StorageError {
    StorageError::Backend(msg.into())
}

/// How long a writer waits for another writer before giving up with `Busy` (as SQLite's busy
/// timeout does).
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// The roles the schema's check constraint allows.
const ROLES: [&str; 4] = ["outreach", "lead", "auditor", "admin"];

/// The tables and rows of one database.
#[derive(Debug, Clone, Default)]
struct State {
    meta: BTreeMap<String, String>,
    sequences: BTreeMap<&'static str, i64>,
    users: BTreeMap<i64, UserRow>,
    /// The key file (kept with the state, so it commits and rolls back with it).
    key_file: Option<Vec<u8>>,
    /// Person id → pseudonym.
    persons: BTreeMap<i64, Vec<u8>>,
    /// Pseudonym → person id: the unique index of `persons.pseudonym`.
    pseudonyms: BTreeMap<Vec<u8>, i64>,
    merges: BTreeMap<i64, MergeRow>,
    field_nights: BTreeMap<i64, FieldNightRow>,
    projects: BTreeMap<i64, ProjectRow>,
    activities: BTreeMap<i64, ActivityRow>,
    /// Contacts as stored; `pseudonym` is always `None` here (it is joined on reads).
    contacts: BTreeMap<i64, ContactRow>,
    /// (person, date, contact id) of every contact with a person: the `contacts_person` index.
    by_person: BTreeSet<(i64, String, i64)>,
    audit: BTreeMap<i64, AuditRow>,
    master_wraps: BTreeMap<i64, MasterWrapRow>,
    recovery: Option<RecoveryRow>,
    pseudonym_keys: BTreeMap<u32, Vec<u8>>,
}

/// Ids from `from` on (inclusive), in order.
fn from<V>(map: &BTreeMap<i64, V>, from: i64) -> impl Iterator<Item = (&i64, &V)> {
    map.range((Bound::Included(from), Bound::Unbounded))
}

/// A SQL `LIMIT`: a negative limit is no limit.
fn limit_of(limit: i64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// `date BETWEEN from AND to`, an absent bound being open.
fn within(date: &str, from: Option<&str>, to: Option<&str>) -> bool {
    from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
}

impl State {
    /// A stored contact with its person's pseudonym joined.
    fn joined(&self, c: &ContactRow) -> ContactRow {
        ContactRow {
            pseudonym: c.person_id.and_then(|p| self.persons.get(&p).cloned()),
            ..c.clone()
        }
    }

    /// The ids of one person's contacts, by date then id.
    fn person_contact_ids(&self, person: i64) -> impl Iterator<Item = i64> + '_ {
        let lo = (person, String::new(), i64::MIN);
        self.by_person
            .range(lo..)
            .take_while(move |(p, _, _)| *p == person)
            .map(|(_, _, id)| *id)
    }

    fn require_user(&self, id: i64, column: &str) -> Result<()> {
        match self.users.contains_key(&id) {
            true => Ok(()),
            false => Err(foreign_key(column, "users")),
        }
    }

    fn require_person(&self, id: Option<i64>, column: &str) -> Result<()> {
        match id.is_none_or(|p| self.persons.contains_key(&p)) {
            true => Ok(()),
            false => Err(foreign_key(column, "persons")),
        }
    }

    fn unlink_contact(&mut self, c: &ContactRow) {
        if let Some(p) = c.person_id {
            self.by_person.remove(&(p, c.date.clone(), c.id));
        }
    }

    fn link_contact(&mut self, c: &ContactRow) {
        if let Some(p) = c.person_id {
            self.by_person.insert((p, c.date.clone(), c.id));
        }
    }

    /// Every reference that points nowhere, as SQLite's `foreign_key_check` lists them.
    fn dangling(&self) -> Vec<DanglingReference> {
        let mut out = Vec::new();
        let mut check = |ok: bool, table: &str, row: i64, parent: &str| {
            if !ok {
                out.push(DanglingReference {
                    table: table.into(),
                    row: Some(row),
                    parent: parent.into(),
                });
            }
        };
        let person = |p: i64| self.persons.contains_key(&p);
        let user = |u: i64| self.users.contains_key(&u);
        for (&id, s) in &self.master_wraps {
            check(user(s.user_id), "master_wraps", id, "users");
        }
        for (&id, m) in &self.merges {
            check(person(m.person_id), "person_merges", id, "persons");
            check(person(m.merged_into), "person_merges", id, "persons");
            check(user(m.merged_by), "person_merges", id, "users");
        }
        for (&id, n) in &self.field_nights {
            check(user(n.created_by), "field_nights", id, "users");
        }
        for (&id, p) in &self.projects {
            check(user(p.created_by), "projects", id, "users");
        }
        for (&id, a) in &self.activities {
            check(user(a.created_by), "activities", id, "users");
        }
        for (&id, c) in &self.contacts {
            check(c.person_id.is_none_or(person), "contacts", id, "persons");
            let night = |n: i64| self.field_nights.contains_key(&n);
            check(
                c.field_night_id.is_none_or(night),
                "contacts",
                id,
                "field_nights",
            );
            check(user(c.created_by), "contacts", id, "users");
        }
        for (&seq, e) in &self.audit {
            check(e.user_id.is_none_or(user), "audit_log", seq, "users");
        }
        for (&id, w) in &self.master_wraps {
            check(user(w.user_id), "master_wraps", id, "users");
        }
        out
    }

    /// Whether the indexes agree with the tables they index, and each row with its key.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let pseudonyms: BTreeMap<Vec<u8>, i64> = self
            .persons
            .iter()
            .map(|(&id, p)| (p.clone(), id))
            .collect();
        if pseudonyms != self.pseudonyms || pseudonyms.len() != self.persons.len() {
            out.push("the pseudonym index does not match the persons table".to_string());
        }
        let by_person: BTreeSet<(i64, String, i64)> = self
            .contacts
            .values()
            .filter_map(|c| c.person_id.map(|p| (p, c.date.clone(), c.id)))
            .collect();
        if by_person != self.by_person {
            out.push("the index of contacts by person does not match the contacts".to_string());
        }
        let mut keyed = |ok: bool, table: &str| {
            if !ok {
                out.push(format!("a row of {table} is stored under another key"));
            }
        };
        keyed(self.users.iter().all(|(k, r)| *k == r.id), "users");
        keyed(
            self.merges.iter().all(|(k, r)| *k == r.person_id),
            "person_merges",
        );
        keyed(
            self.field_nights.iter().all(|(k, r)| *k == r.id),
            "field_nights",
        );
        keyed(self.contacts.iter().all(|(k, r)| *k == r.id), "contacts");
        keyed(self.projects.iter().all(|(k, r)| *k == r.id), "projects");
        keyed(
            self.activities.iter().all(|(k, r)| *k == r.id),
            "activities",
        );
        keyed(self.audit.iter().all(|(k, r)| *k == r.seq), "audit_log");
        keyed(
            self.master_wraps.iter().all(|(k, r)| *k == r.user_id),
            "master_wraps",
        );
        out
    }
}

fn foreign_key(column: &str, parent: &str) -> StorageError {
    constraint(format!(
        "FOREIGN KEY constraint failed: {column} names no row of {parent}"
    ))
}

fn unique(column: &str) -> StorageError {
    constraint(format!("UNIQUE constraint failed: {column}"))
}

/// What every handle of one database shares.
#[derive(Debug)]
struct Shared {
    /// The committed state; replaced whole by a commit.
    committed: Mutex<Arc<State>>,
    /// Whether a write transaction is open (on any handle).
    writing: Mutex<bool>,
    /// Signalled when a write transaction ends.
    writer_done: Condvar,
    busy_timeout: Duration,
    /// The page key the database was created under (a stand-in for the file encryption of a
    /// real back end: opening with another key is refused).
    page_key: Mutex<Option<[u8; 32]>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing is left half-changed under these locks (a flag, a pointer swap), so a panic
    // elsewhere while one was held does not make the value wrong.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn snapshot(&self) -> Arc<State> {
        Arc::clone(&lock(&self.committed))
    }

    /// Takes the writer lock, waiting up to the busy timeout for another writer.
    fn begin_write(&self) -> Result<WriterLock<'_>> {
        // A timeout too long to add to the clock is no timeout.
        let deadline = Instant::now().checked_add(self.busy_timeout);
        let mut writing = lock(&self.writing);
        while *writing {
            writing = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(StorageError::Busy);
                    }
                    let waited = self.writer_done.wait_timeout(writing, left);
                    waited.unwrap_or_else(PoisonError::into_inner).0
                }
                None => {
                    let waited = self.writer_done.wait(writing);
                    waited.unwrap_or_else(PoisonError::into_inner)
                }
            };
        }
        *writing = true;
        Ok(WriterLock { shared: self })
    }
}

/// The database's writer lock, held by a write transaction; released when dropped.
#[derive(Debug)]
struct WriterLock<'a> {
    shared: &'a Shared,
}

impl Drop for WriterLock<'_> {
    fn drop(&mut self) {
        *lock(&self.shared.writing) = false;
        self.shared.writer_done.notify_one();
    }
}

/// A handle to an in-memory database. Clones and [`MemoryStore::reopen`] are handles to the
/// same database.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// A new, empty database.
    pub fn new() -> MemoryStore {
        MemoryStore::with_busy_timeout(DEFAULT_BUSY_TIMEOUT)
    }

    /// A new, empty database whose writers wait at most `timeout` for one another.
    pub fn with_busy_timeout(timeout: Duration) -> MemoryStore {
        MemoryStore {
            shared: Arc::new(Shared {
                committed: Mutex::new(Arc::new(State::default())),
                writing: Mutex::new(false),
                writer_done: Condvar::new(),
                busy_timeout: timeout,
                page_key: Mutex::new(None),
            }),
        }
    }

    /// Another handle to the same database, as a second process opening the same file.
    pub fn reopen(&self) -> MemoryStore {
        self.clone()
    }

    /// A handle to this (new) database, now keyed with `page_key`, as `storage::create` gives.
    pub fn keyed(&self, page_key: &[u8; 32]) -> MemoryStore {
        *lock(&self.shared.page_key) = Some(*page_key);
        self.clone()
    }

    /// The database found but not opened, as `storage::open` gives.
    pub fn locked(&self) -> Box<dyn Locked> {
        Box::new(MemoryLocked(self.clone()))
    }
}

/// An in-memory database not yet opened.
struct MemoryLocked(MemoryStore);

impl Locked for MemoryLocked {
    fn key_file(&self) -> Result<Vec<u8>> {
        self.0
            .shared
            .snapshot()
            .key_file
            .clone()
            .ok_or_else(|| StorageError::KeyFileMissing(PathBuf::from("memory")))
    }

    fn open(self: Box<Self>, page_keys: &[&[u8; 32]]) -> Result<(Box<dyn Backend>, usize)> {
        let stored = *lock(&self.0.shared.page_key);
        match page_keys.iter().position(|k| Some(**k) == stored) {
            Some(i) => Ok((Box::new(self.0.reopen()), i)),
            None => Err(StorageError::WrongKey(PathBuf::from("memory"))),
        }
    }

    fn location(&self) -> String {
        "memory".into()
    }
}

impl Maintenance for MemoryStore {
    fn compact(&mut self) -> Result<bool> {
        // There is no file and no free space to rewrite: a deleted row is gone from the
        // state. (Its memory is freed, not zeroed; this store is for tests and trials.)
        Ok(true)
    }

    fn erase_deleted(&mut self) -> Result<bool> {
        Ok(true) // nothing is kept of a deleted row but freed memory (see `compact`)
    }

    fn flush_journal(&mut self) -> Result<()> {
        Ok(())
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        Err(StorageError::Create(
            dest.to_path_buf(),
            "the in-memory database has no files to copy; export the data instead".into(),
        ))
    }

    fn interrupted_key_file(&self) -> Result<Option<Vec<u8>>> {
        // The key file commits and rolls back with the state: nothing is ever left behind.
        Ok(None)
    }

    fn roll_back_key_file(&mut self) -> Result<()> {
        Ok(())
    }

    fn rekey_pages(&mut self, page_key: &[u8; 32]) -> Result<()> {
        *lock(&self.shared.page_key) = Some(*page_key);
        Ok(())
    }

    fn integrity(&self) -> Result<IntegrityFacts> {
        let state = self.shared.snapshot();
        Ok(IntegrityFacts {
            problems: state.problems(),
            dangling: state.dangling(),
        })
    }
}

impl Backend for MemoryStore {
    fn read(&self) -> Result<Box<dyn Reads + '_>> {
        Ok(Box::new(ReadSession {
            state: self.shared.snapshot(),
        }))
    }

    fn write(&mut self) -> Result<Box<dyn Transaction + '_>> {
        let writer = self.shared.begin_write()?;
        Ok(Box::new(WriteTx {
            work: RefCell::new(self.shared.snapshot()),
            writer,
        }))
    }

    fn location(&self) -> String {
        "memory".into()
    }

    fn files(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    fn discard(self: Box<Self>) {
        *lock(&self.shared.committed) = Arc::new(State::default());
    }
}

/// A read session: the snapshot committed when it was opened.
struct ReadSession {
    state: Arc<State>,
}

/// A write transaction: the writer lock and the transaction's own state. The state is shared
/// with the committed snapshot until the first write copies it.
struct WriteTx<'a> {
    work: RefCell<Arc<State>>,
    writer: WriterLock<'a>,
}

impl WriteTx<'_> {
    /// Applies one write to the transaction's state. `f` checks every constraint before it
    /// changes anything, so a failed write leaves the transaction as it was.
    fn change<T>(&self, f: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        // No borrow of `work` outlives a call (reads clone the `Arc`), so this cannot clash.
        f(Arc::make_mut(&mut self.work.borrow_mut()))
    }
}

impl Transaction for WriteTx<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        let WriteTx { work, writer } = *self;
        *lock(&writer.shared.committed) = work.into_inner();
        drop(writer);
        Ok(())
    }
}

/// The state a session reads: its snapshot, or the transaction's state as it is now (a scan
/// goes on over the state as it was when it began, even if its visitor writes).
trait View {
    fn state(&self) -> Arc<State>;
}

impl View for ReadSession {
    fn state(&self) -> Arc<State> {
        Arc::clone(&self.state)
    }
}

impl View for WriteTx<'_> {
    fn state(&self) -> Arc<State> {
        Arc::clone(&self.work.borrow())
    }
}

/// Visits every item until the visitor says stop.
fn visit_all<I>(items: I, mut visit: impl FnMut(I::Item) -> Visit) -> Result<()>
where
    I: IntoIterator,
{
    for item in items {
        if let ControlFlow::Break(()) = visit(item) {
            break;
        }
    }
    Ok(())
}

impl<V: View> MetaReads for V {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.state().meta.get(key).cloned())
    }

    fn meta_entries(&self) -> Result<Vec<(String, String)>> {
        let mut all: Vec<(String, String)> = self
            .state()
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.sort();
        Ok(all)
    }

    fn peek_next_id(&self, sequence: Sequence) -> Result<i64> {
        Ok(self
            .state()
            .sequences
            .get(sequence.as_str())
            .copied()
            .unwrap_or(1))
    }

    fn key_file(&self) -> Result<Vec<u8>> {
        self.state()
            .key_file
            .clone()
            .ok_or_else(|| StorageError::KeyFileMissing(PathBuf::from("memory")))
    }
}

impl<V: View> ContactReads for V {
    fn scan_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        let s = self.state();
        visit_all(s.contacts.values(), |c| visit(s.joined(c)))
    }

    fn scan_stored_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        let s = self.state();
        visit_all(s.contacts.values(), |c| {
            visit(ContactRow {
                pseudonym: None,
                ..c.clone()
            })
        })
    }

    fn scan_stat_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        visit: &mut dyn FnMut(StatRow<'_>) -> Visit,
    ) -> Result<()> {
        let s = self.state();
        let rows = s.contacts.values().filter(|c| within(&c.date, from, to));
        visit_all(rows, |c| {
            visit(StatRow {
                id: c.id,
                date: &c.date,
                person_id: c.person_id,
                created_by: c.created_by,
                attributes: &c.attributes,
            })
        })
    }

    fn scan_contact_index(
        &self,
        visit: &mut dyn FnMut(i64, &str, Option<i64>) -> Visit,
    ) -> Result<()> {
        let s = self.state();
        visit_all(s.contacts.values(), |c| visit(c.id, &c.date, c.person_id))
    }

    fn scan_first_contacts(&self, visit: &mut dyn FnMut(i64, &str) -> Visit) -> Result<()> {
        let s = self.state();
        // The index is ordered by person then date: a person's first entry is their first date.
        let mut last = None;
        let firsts = s.by_person.iter().filter(|(p, _, _)| {
            let first = last != Some(*p);
            last = Some(*p);
            first
        });
        visit_all(firsts, |(p, date, _)| visit(*p, date))
    }

    fn scan_envelopes(
        &self,
        column: EnvelopeColumn,
        visit: &mut dyn FnMut(i64, i64, &[u8]) -> Visit,
    ) -> Result<()> {
        let s = self.state();
        match column {
            EnvelopeColumn::ContactAttributes => visit_all(s.contacts.values(), |c| {
                visit(c.id, c.created_by, &c.attributes)
            }),
            EnvelopeColumn::ContactNote => {
                visit_all(s.contacts.values(), |c| visit(c.id, c.created_by, &c.note))
            }
            EnvelopeColumn::FieldNightDetails => visit_all(s.field_nights.values(), |n| {
                visit(n.id, n.created_by, &n.details)
            }),
            EnvelopeColumn::ProjectDetails => visit_all(s.projects.values(), |p| {
                visit(p.id, p.created_by, &p.details)
            }),
            EnvelopeColumn::ActivityDetails => visit_all(s.activities.values(), |a| {
                visit(a.id, a.created_by, &a.details)
            }),
            EnvelopeColumn::ActivityNote => visit_all(s.activities.values(), |a| {
                visit(a.id, a.created_by, &a.note)
            }),
        }
    }

    fn contact(&self, id: i64) -> Result<Option<ContactRow>> {
        let s = self.state();
        Ok(s.contacts.get(&id).map(|c| s.joined(c)))
    }

    fn contacts_of_persons(&self, persons: &[i64]) -> Result<Vec<ContactRow>> {
        let s = self.state();
        let mut out: Vec<ContactRow> = persons
            .iter()
            .flat_map(|&p| s.person_contact_ids(p))
            .filter_map(|id| s.contacts.get(&id))
            .map(|c| s.joined(c))
            .collect();
        out.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
        Ok(out)
    }

    fn contacts_of_night(&self, night: i64) -> Result<Vec<ContactRow>> {
        let s = self.state();
        Ok(s.contacts
            .values()
            .filter(|c| c.field_night_id == Some(night))
            .map(|c| s.joined(c))
            .collect())
    }

    fn contact_ids_of_person(&self, person: i64) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self.state().person_contact_ids(person).collect();
        ids.sort_unstable();
        Ok(ids)
    }

    fn contact_envelopes(&self, start: i64, limit: i64) -> Result<Vec<ContactEnvelopes>> {
        let s = self.state();
        Ok(from(&s.contacts, start)
            .take(limit_of(limit))
            .map(|(_, c)| ContactEnvelopes {
                id: c.id,
                created_by: c.created_by,
                attributes: c.attributes.clone(),
                note: c.note.clone(),
            })
            .collect())
    }

    fn notes_before(&self, date: &str, start: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let s = self.state();
        Ok(from(&s.contacts, start)
            .filter(|(_, c)| c.date.as_str() < date)
            .take(limit_of(limit))
            .map(|(&id, c)| (id, c.created_by, c.note.clone()))
            .collect())
    }

    fn contact_date_range(&self) -> Result<Option<(String, String)>> {
        let s = self.state();
        let dates = s.contacts.values().map(|c| &c.date);
        Ok(dates
            .clone()
            .min()
            .zip(dates.max())
            .map(|(lo, hi)| (lo.clone(), hi.clone())))
    }

    fn contact_count(&self) -> Result<i64> {
        Ok(self.state().contacts.len() as i64)
    }

    fn field_night(&self, id: i64) -> Result<Option<FieldNightRow>> {
        Ok(self.state().field_nights.get(&id).cloned())
    }

    fn field_nights(&self, limit: i64) -> Result<Vec<FieldNightRow>> {
        let s = self.state();
        let mut nights: Vec<&FieldNightRow> = s.field_nights.values().collect();
        nights.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
        Ok(nights.into_iter().take(limit_of(limit)).cloned().collect())
    }

    fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        let s = self.state();
        let n = s
            .field_nights
            .values()
            .filter(|n| within(&n.date, from, to));
        Ok(n.count() as i64)
    }

    fn field_night_counts_by_author(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<(i64, i64)>> {
        let s = self.state();
        let mut by: std::collections::BTreeMap<i64, i64> = Default::default();
        for n in s
            .field_nights
            .values()
            .filter(|n| within(&n.date, from, to))
        {
            *by.entry(n.created_by).or_default() += 1;
        }
        Ok(by.into_iter().collect())
    }

    fn field_night_envelopes(&self, start: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let s = self.state();
        Ok(from(&s.field_nights, start)
            .take(limit_of(limit))
            .map(|(&id, n)| (id, n.created_by, n.details.clone()))
            .collect())
    }
}

impl<V: View> WorkReads for V {
    fn projects(&self) -> Result<Vec<ProjectRow>> {
        Ok(self.state().projects.values().cloned().collect())
    }

    fn activities(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<ActivityRow>> {
        let s = self.state();
        let mut out: Vec<ActivityRow> = s
            .activities
            .values()
            .filter(|a| within(&a.date, from, to))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.date, a.id).cmp(&(&b.date, b.id)));
        Ok(out)
    }
}

impl<V: View> PersonReads for V {
    fn person_by_pseudonym(&self, pseudonym: &[u8]) -> Result<Option<i64>> {
        Ok(self.state().pseudonyms.get(pseudonym).copied())
    }

    fn scan_persons(&self, start: i64, visit: &mut dyn FnMut(i64, &[u8]) -> Visit) -> Result<()> {
        let s = self.state();
        visit_all(from(&s.persons, start), |(&id, p)| visit(id, p))
    }

    fn person_contacts(&self, persons: &[i64]) -> Result<PersonContacts> {
        let s = self.state();
        let mut out = PersonContacts::default();
        let mut latest: Option<(&str, i64)> = None;
        for &p in persons {
            let ids: Vec<i64> = s.person_contact_ids(p).collect();
            out.count += ids.len() as i64;
            // Ordered by date then id: the last is the latest.
            let Some(c) = ids.last().and_then(|id| s.contacts.get(id)) else {
                continue;
            };
            if latest.is_none_or(|l| (c.date.as_str(), c.id) > l) {
                latest = Some((&c.date, c.id));
                out.latest = Some((c.id, c.attributes.clone()));
            }
        }
        out.last_date = latest.map(|(date, _)| date.to_string());
        Ok(out)
    }

    fn merges(&self) -> Result<Vec<MergeRow>> {
        Ok(self.state().merges.values().cloned().collect())
    }
}

impl<V: View> StaffReads for V {
    fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        let s = self.state();
        Ok(s.users.values().find(|u| u.name == name).cloned())
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        Ok(self.state().users.values().cloned().collect())
    }

    fn master_wrap(&self, user: i64) -> Result<Option<MasterWrapRow>> {
        Ok(self.state().master_wraps.get(&user).cloned())
    }

    fn active_master_wraps(&self) -> Result<(Vec<MasterWrapRow>, Vec<String>)> {
        let s = self.state();
        let (mut wraps, mut missing) = (Vec::new(), Vec::new());
        for u in s.users.values().filter(|u| !u.disabled) {
            match s.master_wraps.get(&u.id) {
                Some(w) => wraps.push(w.clone()),
                None => missing.push(u.name.clone()),
            }
        }
        Ok((wraps, missing))
    }

    fn recovery_key(&self) -> Result<Option<RecoveryRow>> {
        Ok(self.state().recovery.clone())
    }

    fn pseudonym_chain(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let s = self.state();
        Ok(s.pseudonym_keys
            .iter()
            .map(|(&v, k)| (v, k.clone()))
            .collect())
    }
}

impl<V: View> LogReads for V {
    fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>> {
        let s = self.state();
        Ok(s.audit.values().next_back().map(|e| (e.seq, e.mac.clone())))
    }

    fn scan_audit_log(&self, visit: &mut dyn FnMut(AuditRow) -> Visit) -> Result<()> {
        let s = self.state();
        visit_all(s.audit.values(), |e| visit(e.clone()))
    }

    fn audit_entry(&self, seq: i64) -> Result<Option<AuditRow>> {
        Ok(self.state().audit.get(&seq).cloned())
    }
}

impl MetaWrites for WriteTx<'_> {
    fn write_key_file(&self, bytes: &[u8]) -> Result<()> {
        self.change(|s| {
            s.key_file = Some(bytes.to_vec());
            Ok(())
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.change(|s| {
            s.meta.insert(key.into(), value.into());
            Ok(())
        })
    }

    fn set_next_id(&self, sequence: Sequence, next: i64) -> Result<()> {
        self.change(|s| {
            s.sequences.insert(sequence.as_str(), next);
            Ok(())
        })
    }

    fn upgrade_schema(&self) -> Result<()> {
        // The collections are the schema: there is nothing an earlier version lacked.
        Ok(())
    }

    fn begin_bulk_load(&self) -> Result<()> {
        Ok(())
    }

    fn end_bulk_load(&self) -> Result<()> {
        Ok(())
    }
}

impl ContactWrites for WriteTx<'_> {
    fn insert_contact(&self, c: &ContactRow) -> Result<()> {
        self.change(|s| {
            if s.contacts.contains_key(&c.id) {
                return Err(unique("contacts.id"));
            }
            s.require_person(c.person_id, "contacts.person_id")?;
            if c.field_night_id
                .is_some_and(|n| !s.field_nights.contains_key(&n))
            {
                return Err(foreign_key("contacts.field_night_id", "field_nights"));
            }
            s.require_user(c.created_by, "contacts.created_by")?;
            let stored = ContactRow {
                pseudonym: None,
                ..c.clone()
            };
            s.link_contact(&stored);
            s.contacts.insert(c.id, stored);
            Ok(())
        })
    }

    fn update_contact(&self, c: &ContactRow, _updated_at: i64) -> Result<bool> {
        // `updated_at` is not kept: no read of the port returns it.
        self.change(|s| {
            let Some(old) = s.contacts.get(&c.id).cloned() else {
                return Ok(false);
            };
            s.require_person(c.person_id, "contacts.person_id")?;
            let new = ContactRow {
                date: c.date.clone(),
                person_id: c.person_id,
                attributes: c.attributes.clone(),
                note: c.note.clone(),
                ..old.clone()
            };
            s.unlink_contact(&old);
            s.link_contact(&new);
            s.contacts.insert(c.id, new);
            Ok(true)
        })
    }

    fn update_contact_envelopes(&self, c: &ContactEnvelopes) -> Result<()> {
        self.change(|s| {
            if let Some(row) = s.contacts.get_mut(&c.id) {
                row.attributes.clone_from(&c.attributes);
                row.note.clone_from(&c.note);
            }
            Ok(())
        })
    }

    fn update_note(&self, id: i64, note: &[u8]) -> Result<()> {
        self.change(|s| {
            if let Some(row) = s.contacts.get_mut(&id) {
                row.note = note.to_vec();
            }
            Ok(())
        })
    }

    fn delete_contact(&self, id: i64) -> Result<bool> {
        self.change(|s| match s.contacts.remove(&id) {
            Some(old) => {
                s.unlink_contact(&old);
                Ok(true)
            }
            None => Ok(false),
        })
    }

    fn insert_field_night(&self, n: &FieldNightRow) -> Result<()> {
        self.change(|s| {
            if s.field_nights.contains_key(&n.id) {
                return Err(unique("field_nights.id"));
            }
            s.require_user(n.created_by, "field_nights.created_by")?;
            s.field_nights.insert(n.id, n.clone());
            Ok(())
        })
    }

    fn update_field_night_details(&self, id: i64, details: &[u8]) -> Result<()> {
        self.change(|s| {
            if let Some(n) = s.field_nights.get_mut(&id) {
                n.details = details.to_vec();
            }
            Ok(())
        })
    }
}

impl WorkWrites for WriteTx<'_> {
    fn insert_project(&self, p: &ProjectRow) -> Result<()> {
        self.change(|s| {
            if s.projects.contains_key(&p.id) {
                return Err(unique("projects.id"));
            }
            s.require_user(p.created_by, "projects.created_by")?;
            s.projects.insert(p.id, p.clone());
            Ok(())
        })
    }

    fn update_project_details(&self, id: i64, details: &[u8]) -> Result<bool> {
        self.change(|s| match s.projects.get_mut(&id) {
            Some(p) => {
                p.details = details.to_vec();
                Ok(true)
            }
            None => Ok(false),
        })
    }

    fn insert_activity(&self, a: &ActivityRow) -> Result<()> {
        self.change(|s| {
            if s.activities.contains_key(&a.id) {
                return Err(unique("activities.id"));
            }
            s.require_user(a.created_by, "activities.created_by")?;
            s.activities.insert(a.id, a.clone());
            Ok(())
        })
    }

    fn update_activity_envelopes(&self, id: i64, details: &[u8], note: &[u8]) -> Result<()> {
        self.change(|s| {
            if let Some(a) = s.activities.get_mut(&id) {
                a.details = details.to_vec();
                a.note = note.to_vec();
            }
            Ok(())
        })
    }
}

impl PersonWrites for WriteTx<'_> {
    fn insert_person(&self, id: i64, pseudonym: &[u8]) -> Result<()> {
        self.change(|s| {
            if s.persons.contains_key(&id) {
                return Err(unique("persons.id"));
            }
            if s.pseudonyms.contains_key(pseudonym) {
                return Err(unique("persons.pseudonym"));
            }
            s.persons.insert(id, pseudonym.to_vec());
            s.pseudonyms.insert(pseudonym.to_vec(), id);
            Ok(())
        })
    }

    fn update_pseudonym(&self, person: i64, pseudonym: &[u8]) -> Result<()> {
        self.change(|s| {
            let Some(old) = s.persons.get(&person).cloned() else {
                return Ok(());
            };
            if s.pseudonyms.get(pseudonym).is_some_and(|&p| p != person) {
                return Err(unique("persons.pseudonym"));
            }
            s.pseudonyms.remove(&old);
            s.pseudonyms.insert(pseudonym.to_vec(), person);
            s.persons.insert(person, pseudonym.to_vec());
            Ok(())
        })
    }

    fn delete_person(&self, person: i64) -> Result<usize> {
        self.change(|s| {
            let ids: Vec<i64> = s.person_contact_ids(person).collect();
            for id in &ids {
                if let Some(old) = s.contacts.remove(id) {
                    s.unlink_contact(&old);
                }
            }
            s.merges
                .retain(|_, m| m.person_id != person && m.merged_into != person);
            if let Some(p) = s.persons.remove(&person) {
                s.pseudonyms.remove(&p);
            }
            Ok(ids.len())
        })
    }

    fn insert_merge(&self, m: &MergeRow) -> Result<()> {
        self.change(|s| {
            if s.merges.contains_key(&m.person_id) {
                return Err(unique("person_merges.person_id"));
            }
            s.require_person(Some(m.person_id), "person_merges.person_id")?;
            s.require_person(Some(m.merged_into), "person_merges.merged_into")?;
            s.require_user(m.merged_by, "person_merges.merged_by")?;
            s.merges.insert(m.person_id, m.clone());
            Ok(())
        })
    }

    fn delete_merge(&self, person: i64) -> Result<bool> {
        self.change(|s| Ok(s.merges.remove(&person).is_some()))
    }
}

fn check_role(role: &str) -> Result<()> {
    match ROLES.contains(&role) {
        true => Ok(()),
        false => Err(constraint("CHECK constraint failed: users.role")),
    }
}

impl StaffWrites for WriteTx<'_> {
    fn insert_user(&self, u: &UserRow) -> Result<()> {
        self.change(|s| {
            if s.users.contains_key(&u.id) {
                return Err(unique("users.id"));
            }
            if s.users.values().any(|o| o.name == u.name) {
                return Err(unique("users.name"));
            }
            check_role(&u.role)?;
            s.users.insert(u.id, u.clone());
            Ok(())
        })
    }

    fn update_user(&self, u: &UserRow) -> Result<()> {
        self.change(|s| {
            check_role(&u.role)?;
            if let Some(row) = s.users.get_mut(&u.id) {
                row.role.clone_from(&u.role);
                row.disabled = u.disabled;
                row.mac.clone_from(&u.mac);
            }
            Ok(())
        })
    }

    fn put_master_wrap(&self, w: &MasterWrapRow) -> Result<()> {
        self.change(|s| {
            s.require_user(w.user_id, "master_wraps.user_id")?;
            s.master_wraps.insert(w.user_id, w.clone());
            Ok(())
        })
    }

    fn delete_master_wrap(&self, user: i64) -> Result<()> {
        self.change(|s| {
            s.master_wraps.remove(&user);
            Ok(())
        })
    }

    fn put_recovery_key(&self, r: &RecoveryRow) -> Result<()> {
        if r.id != 1 {
            return Err(constraint("CHECK constraint failed: recovery_keys.id"));
        }
        self.change(|s| {
            s.recovery = Some(r.clone());
            Ok(())
        })
    }

    fn replace_pseudonym_chain(&self, chain: &[(u32, Vec<u8>)]) -> Result<()> {
        let keys: BTreeMap<u32, Vec<u8>> = chain.iter().cloned().collect();
        if keys.len() != chain.len() {
            return Err(unique("pseudonym_keys.version"));
        }
        self.change(|s| {
            s.pseudonym_keys = keys;
            Ok(())
        })
    }
}

impl LogWrites for WriteTx<'_> {
    fn insert_audit(&self, e: &AuditRow) -> Result<()> {
        self.change(|s| {
            if s.audit.contains_key(&e.seq) {
                return Err(unique("audit_log.seq"));
            }
            if let Some(u) = e.user_id {
                s.require_user(u, "audit_log.user_id")?;
            }
            s.audit.insert(e.seq, e.clone());
            Ok(())
        })
    }

    fn update_audit_mac(&self, seq: i64, mac: &[u8]) -> Result<()> {
        self.change(|s| {
            if let Some(e) = s.audit.get_mut(&seq) {
                e.mac = mac.to_vec();
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::conformance::{self, TestDatabase};

    impl TestDatabase for MemoryStore {
        fn open(&self) -> Box<dyn Backend> {
            Box::new(self.reopen())
        }

        fn locked(&self) -> Box<dyn Locked> {
            MemoryStore::locked(self)
        }
    }

    #[test]
    fn passes_the_conformance_suite() {
        conformance::run_all(&|| Box::new(MemoryStore::new().keyed(&conformance::TEST_PAGE_KEY)));
    }

    #[test]
    fn integrity_reports_what_points_nowhere() {
        let store = MemoryStore::new();
        let mut state = State::default();
        state.contacts.insert(
            7,
            ContactRow {
                id: 7,
                date: "2024-01-01".into(),
                person_id: Some(3),
                pseudonym: None,
                field_night_id: None,
                created_by: 1,
                created_at: 0,
                attributes: vec![1],
                note: vec![2],
            },
        );
        *lock(&store.shared.committed) = Arc::new(state);
        let facts = store.integrity().unwrap();
        let tables: Vec<(&str, &str)> = facts
            .dangling
            .iter()
            .map(|d| (d.table.as_str(), d.parent.as_str()))
            .collect();
        assert_eq!(tables, [("contacts", "persons"), ("contacts", "users")]);
        assert!(facts.dangling.iter().all(|d| d.row == Some(7)));
        assert_eq!(facts.problems.len(), 1, "{:?}", facts.problems);
    }

    #[test]
    fn a_writer_gives_up_busy_after_the_timeout() {
        let mut first = MemoryStore::with_busy_timeout(Duration::from_millis(50));
        let mut second = first.reopen();
        let tx = first.write().unwrap();
        assert!(matches!(second.write().err(), Some(StorageError::Busy)));
        drop(tx);
        assert!(
            second.write().is_ok(),
            "the lock is free once the writer is gone"
        );
    }

    #[test]
    fn the_backup_is_refused_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("uppsok-memory-{}", std::process::id()));
        let err = MemoryStore::new().backup_to(&dir).unwrap_err();
        assert!(err.to_string().contains("in-memory"), "{err}");
        assert!(!dir.exists());
    }
}
