//! The conformance suite every storage back end must pass (in the spirit of restic's
//! `internal/backend/test`): one set of checks of the port's contract, run against each
//! adapter by that adapter's own tests.
//!
//! An adapter's test gives [`run_all`] a way to make a fresh, empty database
//! ([`TestDatabase`]); each check gets a database of its own and opens as many handles to it
//! as it needs, as separate processes open one file. Every check is a public function that
//! panics, saying what was expected and where, when the back end does not do what the port
//! says; [`run_all`] names each check on standard error before running it.

use std::collections::BTreeSet;
use std::fmt::Debug;

use super::port::*;
use super::Result;

/// A fresh database of the back end under test, for one check.
pub trait TestDatabase {
    /// A new handle to this database, as another process opening the same file (or server)
    /// would get: it shares every committed write with the other handles, and nothing else.
    /// The database is empty until a check writes to it (a `format` marker in `meta`, say, is
    /// fine: no check reads a meta key it did not write).
    fn open(&self) -> Box<dyn Backend>;

    /// The database found but not opened, as at a sign-in; it opens with [`TEST_PAGE_KEY`].
    fn locked(&self) -> Box<dyn Locked>;
}

/// The page key every test database of the suite is made with.
pub const TEST_PAGE_KEY: [u8; 32] = [0x5a; 32];

/// A check of the suite.
pub type Check = fn(&dyn TestDatabase);

/// `(name, check)` for each named check function.
macro_rules! named {
    ($($check:ident),* $(,)?) => { [$((stringify!($check), $check as Check)),*] };
}

/// Every check, by name, in the order [`run_all`] runs them.
pub const CHECKS: [(&str, Check); 28] = named![
    meta_round_trips,
    ids_are_taken_once,
    staff_round_trip,
    contacts_round_trip,
    contact_updates,
    field_nights_newest_first,
    projects_and_activities,
    date_bounds_inclusive_and_open,
    batches_follow_after_and_limit,
    scans_read_the_extreme_ids,
    persons_and_groups,
    merges_round_trip,
    delete_person_cascades,
    audit_log_round_trip,
    every_envelope_column_scans,
    scans_stop_on_break,
    dropped_transaction_leaves_nothing,
    committed_survives_reopen,
    read_session_is_consistent,
    writers_are_serialised,
    writers_beside_each_other,
    constraint_violations_are_errors,
    bulk_load_and_upgrade,
    bulk_load_sees_its_own_rows,
    maintenance,
    discard_removes_the_files,
    key_file_commits_and_rolls_back,
    opens_with_its_page_key_only,
];

/// Runs every check, each on a fresh database made by `create`.
pub fn run_all(create: &dyn Fn() -> Box<dyn TestDatabase>) {
    for (name, check) in CHECKS {
        eprintln!("storage conformance: {name}");
        check(&*create());
    }
}

// ----- helpers ------------------------------------------------------------------------------

/// Unwraps a storage result, failing the check (at the caller's line) on an error.
trait Must<T> {
    fn must(self) -> T;
}

impl<T> Must<T> for Result<T> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("unexpected storage error: {e}"),
        }
    }
}

#[track_caller]
fn refused<T: Debug>(r: Result<T>, what: &str) {
    if let Ok(v) = r {
        panic!("{what}: expected an error, got Ok({v:?})");
    }
}

/// `got.is(want)`: the check fails, at the caller's line and showing both values, unless
/// they are equal.
trait Is: Sized {
    fn is(self, want: Self);
}

impl<T: PartialEq + Debug> Is for T {
    #[track_caller]
    fn is(self, want: T) {
        assert_eq!(
            self, want,
            "the value read (left) is not the one expected (right)"
        );
    }
}

/// `call.gives(want)`: a storage call succeeds, with this value.
trait Gives<T> {
    fn gives(self, want: T);
}

impl<T: PartialEq + Debug> Gives<T> for Result<T> {
    #[track_caller]
    fn gives(self, want: T) {
        self.must().is(want)
    }
}

/// Runs `f` in a write transaction and commits it.
#[track_caller]
fn commit(b: &mut dyn Backend, f: impl FnOnce(&dyn Transaction)) {
    let tx = b.write().must();
    f(&*tx);
    tx.commit().must();
}

/// Runs `f` in a read session of its own.
#[track_caller]
fn read<T>(b: &dyn Backend, f: impl FnOnce(&dyn Reads) -> T) -> T {
    f(&*b.read().must())
}

/// Bytes that differ by seed, of any length; 256 of them take every value.
fn bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_add(seed)).collect()
}

fn pseudonym(person: i64) -> Vec<u8> {
    bytes(0x80 | person as u8, 32)
}

pub(crate) fn user(id: i64, name: &str, role: &str) -> UserRow {
    let (name, role) = (name.into(), role.into());
    let created_at = format!("2024-01-0{id}T08:00:00Z");
    let mac = bytes(id as u8, 32);
    UserRow {
        id,
        name,
        role,
        disabled: false,
        created_at,
        mac,
    }
}

pub(crate) fn contact(id: i64, date: &str, person_id: Option<i64>) -> ContactRow {
    ContactRow {
        id,
        date: date.into(),
        person_id,
        pseudonym: None,
        field_night_id: None,
        created_by: 1,
        created_at: 1_700_000_000_i64.wrapping_add(id),
        attributes: bytes(id as u8, 48),
        note: bytes(0xF0 ^ id as u8, 64),
    }
}

fn night(id: i64, date: &str) -> FieldNightRow {
    let (date, created_at) = (date.into(), format!("{date}T18:00:00Z"));
    let details = bytes(0x40 + id as u8, 40);
    FieldNightRow {
        id,
        date,
        created_by: 2,
        created_at,
        details,
    }
}

fn project(id: i64) -> ProjectRow {
    ProjectRow {
        id,
        created_by: 1,
        created_at: format!("2024-01-0{id}T09:00:00Z"),
        details: bytes(0x60 + id as u8, 251),
    }
}

fn activity(id: i64, date: &str) -> ActivityRow {
    ActivityRow {
        id,
        date: date.into(),
        created_by: 2,
        created_at: format!("{date}T15:00:00Z"),
        details: bytes(0x70 + id as u8, 35),
        note: bytes(0x78 + id as u8, 64),
    }
}

fn merge(person_id: i64, merged_into: i64) -> MergeRow {
    let merged_at = "2024-04-01T10:00:00Z".into();
    MergeRow {
        person_id,
        merged_into,
        merged_by: 1,
        merged_at,
    }
}

pub(crate) fn audit(seq: i64, user_id: Option<i64>) -> AuditRow {
    AuditRow {
        seq,
        at: format!("2024-04-01T10:00:0{seq}Z"),
        user_id,
        action: "contact.add".into(),
        objects: format!("contact:{seq}"),
        detail: "ändrad ✓".into(),
        mac: bytes(seq as u8, 32),
    }
}

/// The seeded contacts, in the (shuffled) order they are inserted. By person: 1 has 1, 2 and
/// 5; 2 has 3; 3 has 6; 4 has none.
fn seeded_contacts() -> Vec<ContactRow> {
    let mut c1 = contact(1, "2024-03-01", Some(1));
    c1.field_night_id = Some(1);
    c1.attributes = (0..=255).collect();
    let mut c4 = contact(4, "2024-02-10", None);
    c4.note = Vec::new();
    c4.created_by = 2;
    vec![
        c4,
        c1,
        contact(6, "2024-01-15", Some(3)),
        contact(2, "2024-03-05", Some(1)),
        contact(5, "2024-03-04", Some(1)),
        contact(3, "2024-03-05", Some(2)),
    ]
}

/// A seeded contact as a read returns it (with its pseudonym).
fn seeded(id: i64) -> ContactRow {
    let c = seeded_contacts().into_iter().find(|c| c.id == id);
    with_pseudonym(c.expect("a seeded contact"))
}

fn with_pseudonym(mut c: ContactRow) -> ContactRow {
    c.pseudonym = c.person_id.map(pseudonym);
    c
}

/// Two users, three persons, three field nights and six contacts.
fn seed(tx: &dyn Transaction) {
    tx.insert_user(&user(1, "Åsa Öberg", "admin")).must();
    tx.insert_user(&user(2, "Bo", "outreach")).must();
    for p in [3, 1, 2] {
        tx.insert_person(p, &pseudonym(p)).must();
    }
    for (id, date) in [(2, "2024-03-05"), (1, "2024-03-01"), (3, "2024-03-05")] {
        tx.insert_field_night(&night(id, date)).must();
    }
    for c in seeded_contacts() {
        tx.insert_contact(&c).must();
    }
    for id in [1, 2] {
        tx.insert_project(&project(id)).must();
    }
    for (id, date) in [(1, "2024-02-10"), (2, "2024-02-01"), (3, "2024-02-10")] {
        tx.insert_activity(&activity(id, date)).must();
    }
}

/// A handle to a database with the seed committed.
fn open_seeded(db: &dyn TestDatabase) -> Box<dyn Backend> {
    let mut b = db.open();
    commit(&mut *b, seed);
    b
}

/// Every row a scan visits: `scan` runs the scan, handing each row to the visitor it is given.
#[track_caller]
fn collect<T>(scan: impl FnOnce(&mut dyn FnMut(T) -> Visit) -> Result<()>) -> Vec<T> {
    let mut out = Vec::new();
    scan(&mut |row| {
        out.push(row);
        NEXT
    })
    .must();
    out
}

fn contacts<R: Reads + ?Sized>(r: &R) -> Vec<ContactRow> {
    collect(|visit| r.scan_contacts(visit))
}

fn persons(r: &dyn Reads, after: i64) -> Vec<(i64, Vec<u8>)> {
    collect(|visit| r.scan_persons(after, &mut |id, p| visit((id, p.to_vec()))))
}

fn audit_log(r: &dyn Reads) -> Vec<AuditRow> {
    collect(|visit| r.scan_audit_log(visit))
}

fn ids(rows: &[ContactRow]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

/// Everything a database holds, as text, to compare two states.
/// Two handles on two threads, each logging 40 contacts in 40 writes beside others (as a new
/// contact is: a person and a contact by ids taken one by one, then the log's head read and
/// an entry appended to it): every id distinct, every row there, and the log without a gap or
/// a fork. A back end with one writer at a time passes by serialising them.
pub fn writers_beside_each_other(db: &dyn TestDatabase) {
    let mut seeded = open_seeded(db);
    commit(&mut *seeded, |tx| {
        tx.set_next_id(Sequence::Persons, 10).must();
        tx.set_next_id(Sequence::Contacts, 10).must();
    });
    drop(seeded);
    let write_40 = |mut b: Box<dyn Backend>| {
        move || -> Vec<(i64, i64)> {
            let mut ids = Vec::new();
            for _ in 0..40 {
                let tx = b.write_beside().must();
                let person = tx.take_id(Sequence::Persons).must();
                tx.insert_person(person, &(1000 + person).to_be_bytes())
                    .must();
                let id = tx.take_id(Sequence::Contacts).must();
                std::thread::yield_now();
                tx.insert_contact(&contact(id, "2024-05-01", Some(person)))
                    .must();
                let seq = tx.audit_head().must().map_or(1, |(seq, _)| seq + 1);
                std::thread::yield_now();
                tx.insert_audit(&audit(seq, Some(1))).must();
                tx.commit().must();
                ids.push((person, id));
            }
            ids
        }
    };
    let handles = [db.open(), db.open()];
    let taken: Vec<(i64, i64)> = std::thread::scope(|s| {
        let writers = handles.map(|b| s.spawn(write_40(b)));
        let joined = writers.into_iter().map(|w| w.join());
        joined
            .flat_map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let persons_taken: BTreeSet<i64> = taken.iter().map(|t| t.0).collect();
    let contacts_taken: BTreeSet<i64> = taken.iter().map(|t| t.1).collect();
    persons_taken.len().is(80);
    contacts_taken.len().is(80);
    let b = db.open();
    read(&*b, |r| r.contact_count()).gives(86);
    let seqs: Vec<i64> = read(&*b, audit_log).iter().map(|e| e.seq).collect();
    seqs.is((1..=80).collect());
}

fn dump(r: &dyn Reads) -> String {
    let users = r.users().must();
    let wraps: Vec<_> = users.iter().map(|u| r.master_wrap(u.id).must()).collect();
    // Not the sequences: a dropped transaction may leave a gap in them (`ids_are_taken_once`).
    let keys = (
        r.key_file().ok(),
        r.recovery_key().must(),
        r.pseudonym_chain().must(),
    );
    let rows = (
        contacts(r),
        persons(r, i64::MIN),
        r.field_nights(i64::MAX).must(),
        r.projects().must(),
        r.activities(None, None).must(),
    );
    let meta = (r.merges().must(), r.meta("conformance").must());
    format!(
        "{rows:?} {users:?} {wraps:?} {keys:?} {meta:?} {:?}",
        audit_log(r)
    )
}

fn count(b: &dyn Backend) -> i64 {
    read(b, |r| r.contact_count().must())
}

// ----- the checks ---------------------------------------------------------------------------
//
// A failed expectation panics at its own line, showing what was read (left) and what the
// port promises (right); the comment above a line says why that is what is promised.

pub fn meta_round_trips(db: &dyn TestDatabase) {
    let mut b = db.open();
    read(&*b, |r| r.meta("conformance.absent").gives(None));
    commit(&mut *b, |tx| {
        tx.set_meta("conformance", "första").must();
        tx.set_meta("conformance", "andra ✓").must();
        // A transaction reads its own writes; a value is replaced, not added.
        tx.meta("conformance").gives(Some("andra ✓".into()));
    });
    read(&*b, |r| r.meta("conformance").gives(Some("andra ✓".into())));
    // Every entry, by key (the suite's databases may hold a format marker of their own).
    commit(&mut *b, |tx| tx.set_meta("conformance.a", "1").must());
    let entries = read(&*b, |r| r.meta_entries().must());
    let ours: Vec<(String, String)> = entries
        .into_iter()
        .filter(|(k, _)| k.starts_with("conformance"))
        .collect();
    ours.is(vec![
        ("conformance".into(), "andra ✓".into()),
        ("conformance.a".into(), "1".into()),
    ]);
}

pub fn ids_are_taken_once(db: &dyn TestDatabase) {
    let mut b = db.open();
    let peek = |b: &dyn Backend, s| read(b, |r| r.peek_next_id(s).must());
    // A sequence never used starts at 1.
    for s in Sequence::ALL {
        peek(&*b, s).is(1);
    }
    commit(&mut *b, |tx| {
        tx.take_id(Sequence::Contacts).gives(1);
        tx.take_id(Sequence::Contacts).gives(2);
        tx.peek_next_id(Sequence::Contacts).gives(3);
    });
    {
        let tx = b.write().must();
        tx.take_id(Sequence::Contacts).gives(3);
    }
    // The ids taken in the committed transaction are taken for ever; the one taken in the
    // dropped one is given back (SQLite) or left as a gap (a server's sequences), never
    // handed out twice.
    let next = peek(&*b, Sequence::Contacts);
    assert!(
        next == 3 || next == 4,
        "after a dropped transaction the next id is 3 or 4, not {next}"
    );
    commit(&mut *b, |tx| {
        tx.take_id(Sequence::Contacts).gives(next);
        tx.set_next_id(Sequence::Contacts, 3).must();
    });
    peek(&*b, Sequence::Contacts).is(3);
    // Sequences are independent.
    peek(&*b, Sequence::Persons).is(1);
    commit(&mut *b, |tx| {
        tx.set_next_id(Sequence::Users, 100).must();
        tx.take_id(Sequence::Users).gives(100);
    });
    peek(&*b, Sequence::Users).is(101);
    peek(&*db.open(), Sequence::Contacts).is(3);
}

pub fn staff_round_trip(db: &dyn TestDatabase) {
    let mut b = db.open();
    let mut cilla = user(3, "Cilla", "lead");
    cilla.disabled = true;
    let wrap = |user_id: i64, seed: u8| MasterWrapRow {
        user_id,
        public_key: bytes(seed, 32),
        wrapped_master: bytes(seed ^ 0x55, 92),
    };
    let recovery = |seed: u8| RecoveryRow {
        id: 1,
        public_key: bytes(seed, 32),
        wrapped_master: bytes(seed, 92),
        created_at: "2024-01-01T00:00:00Z".into(),
    };
    commit(&mut *b, |tx| {
        tx.insert_user(&cilla).must();
        tx.insert_user(&user(1, "Åsa Öberg", "admin")).must();
        tx.insert_user(&user(2, "Bo", "outreach")).must();
        tx.put_master_wrap(&wrap(1, 1)).must();
        tx.put_master_wrap(&wrap(3, 3)).must();
        tx.put_master_wrap(&wrap(1, 9)).must();
        tx.delete_master_wrap(3).must();
        tx.put_recovery_key(&recovery(1)).must();
        tx.put_recovery_key(&recovery(2)).must();
        let chain = [(1, bytes(1, 60)), (3, bytes(3, 60))];
        tx.replace_pseudonym_chain(&chain).must();
        let chain = [(2, bytes(2, 60)), (1, bytes(9, 60))];
        tx.replace_pseudonym_chain(&chain).must();
    });
    read(&*b, |r| {
        let (asa, bo) = (user(1, "Åsa Öberg", "admin"), user(2, "Bo", "outreach"));
        // Users by id, as written; a name matches exactly.
        r.users().gives(vec![asa.clone(), bo, cilla]);
        r.user_by_name("Åsa Öberg").gives(Some(asa));
        r.user_by_name("åsa öberg").gives(None);
        // Wraps are replaced by a second put, and gone after a delete.
        r.master_wrap(1).gives(Some(wrap(1, 9)));
        r.master_wrap(3).gives(None);
        // Active users only: Cilla is disabled; Bo has no wrap.
        let active = r.active_master_wraps().must();
        active.is((vec![wrap(1, 9)], vec!["Bo".into()]));
        r.recovery_key().gives(Some(recovery(2)));
        // The whole chain is replaced, and read oldest first.
        r.pseudonym_chain()
            .gives(vec![(1, bytes(9, 60)), (2, bytes(2, 60))]);
        // The store's own connection reads every row (no unit's role: the server's row-level
        // security of a unit's role is tested in tests/postgres.rs).
        r.row_scope().gives(None);
    });
    let mut bo = user(2, "Bo", "lead");
    (bo.disabled, bo.mac) = (true, bytes(0xEE, 32));
    commit(&mut *b, |tx| tx.update_user(&bo).must());
    read(&*b, |r| r.user_by_name("Bo").gives(Some(bo)));
}

pub fn contacts_round_trip(db: &dyn TestDatabase) {
    let mut b = db.open();
    read(&*b, |r| r.contact_date_range().gives(None));
    let want: Vec<ContactRow> = (1..=6).map(seeded).collect();
    let tx = b.write().must();
    seed(&*tx);
    // A transaction reads its own writes.
    contacts(&*tx).is(want.clone());
    tx.commit().must();
    read(&*b, |r| {
        // In id order (they were inserted shuffled), byte for byte, pseudonyms joined.
        contacts(r).is(want.clone());
        r.contact(4).gives(Some(seeded(4)));
        r.contact(1).gives(Some(seeded(1)));
        r.contact(99).gives(None);
        r.contact_count().gives(6);
        let dates = ("2024-01-15".into(), "2024-03-05".into());
        r.contact_date_range().gives(Some(dates));
        let index = collect(|v| r.scan_contact_index(&mut |id, d, p| v((id, d.to_string(), p))));
        let index_want = want.iter().map(|c| (c.id, c.date.clone(), c.person_id));
        index.is(index_want.collect());
        // As stored, without the join: the same rows, no pseudonym.
        let stored = collect(|visit| r.scan_stored_contacts(visit));
        let unjoined: Vec<ContactRow> = want
            .iter()
            .map(|c| ContactRow {
                pseudonym: None,
                ..c.clone()
            })
            .collect();
        stored.is(unjoined);
    });
}

pub fn contact_updates(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    let mut edit = contact(2, "2024-03-06", Some(2));
    (edit.attributes, edit.note) = (bytes(7, 48), bytes(8, 64));
    (edit.field_night_id, edit.created_by, edit.created_at) = (Some(3), 2, 5);
    edit.pseudonym = Some(b"ignored by writes".to_vec());
    commit(&mut *b, |tx| {
        tx.update_contact(&edit, 1_800_000_000).gives(true);
        let missing = contact(99, "2024-01-01", None);
        tx.update_contact(&missing, 0).gives(false);
        let (attributes, note) = (bytes(1, 48), bytes(2, 64));
        // Who logged it is read, never written, by an update of the envelopes.
        let envelopes = ContactEnvelopes {
            id: 3,
            created_by: 99,
            attributes,
            note,
        };
        tx.update_contact_envelopes(&envelopes).must();
        tx.update_note(5, &bytes(3, 128)).must();
        tx.delete_contact(6).gives(true);
        tx.delete_contact(6).gives(false);
        tx.update_pseudonym(1, b"re-keyed").must();
    });
    read(&*b, |r| {
        // An edit replaces date, person and envelopes, and nothing else.
        let mut want = contact(2, "2024-03-06", Some(2));
        (want.attributes, want.note) = (bytes(7, 48), bytes(8, 64));
        want.pseudonym = Some(pseudonym(2));
        r.contact(2).gives(Some(want));
        let three = r.contact(3).must().expect("contact 3");
        (three.attributes, three.note).is((bytes(1, 48), bytes(2, 64)));
        three.created_by.is(seeded(3).created_by);
        let five = r.contact(5).must().expect("contact 5");
        five.note.is(bytes(3, 128));
        // The pseudonym is joined when read, so it follows the person's.
        five.pseudonym.is(Some(b"re-keyed".to_vec()));
        r.contact(6).gives(None);
        // The edit moved contact 2 from person 1 to person 2.
        r.contact_ids_of_person(1).gives(vec![1, 5]);
        r.contact_ids_of_person(2).gives(vec![2, 3]);
        r.person_by_pseudonym(&pseudonym(1)).gives(None);
        r.person_by_pseudonym(b"re-keyed").gives(Some(1));
    });
}

pub fn field_nights_newest_first(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        tx.update_field_night_details(2, &bytes(0xAB, 40)).must();
    });
    read(&*b, |r| {
        let mut two = night(2, "2024-03-05");
        two.details = bytes(0xAB, 40);
        r.field_night(2).gives(Some(two));
        r.field_night(9).gives(None);
        let order = |limit| -> Vec<i64> {
            let nights = r.field_nights(limit).must();
            nights.iter().map(|n| n.id).collect()
        };
        // Newest first: date, then id; at most `limit`.
        order(10).is(vec![3, 2, 1]);
        order(2).is(vec![3, 2]);
        order(0).is(vec![]);
        // Bounds are inclusive; an absent one is open.
        let count = |from, to| r.field_night_count(from, to).must();
        count(None, None).is(3);
        count(Some("2024-03-01"), Some("2024-03-01")).is(1);
        count(None, Some("2024-03-04")).is(1);
        count(Some("2024-03-05"), None).is(2);
        count(Some("2024-03-02"), Some("2024-03-04")).is(0);
    });
    // Counted per author (whose unit a night is of), with the same bounds.
    commit(&mut *b, |tx| {
        let mut four = night(4, "2024-03-05");
        four.created_by = 1;
        tx.insert_field_night(&four).must();
    });
    read(&*b, |r| {
        let by = |from, to| r.field_night_counts_by_author(from, to).must();
        by(None, None).is(vec![(1, 1), (2, 3)]);
        by(Some("2024-03-05"), None).is(vec![(1, 1), (2, 2)]);
        by(None, Some("2024-03-04")).is(vec![(2, 1)]);
        by(Some("2024-03-02"), Some("2024-03-04")).is(vec![]);
    });
}

pub fn projects_and_activities(db: &dyn TestDatabase) {
    // An empty database has none (and one made before their tables existed reads the same).
    read(&*db.open(), |r| {
        r.projects().gives(vec![]);
        r.activities(None, None).gives(vec![]);
    });
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        // A project's details are replaced whole (closing it, a rekey); an unknown id is no
        // project.
        tx.update_project_details(2, &bytes(0xEE, 251)).gives(true);
        tx.update_project_details(9, &bytes(0xEE, 251)).gives(false);
        tx.update_activity_envelopes(3, &bytes(1, 35), &bytes(2, 64))
            .must();
    });
    read(&*b, |r| {
        let mut two = project(2);
        two.details = bytes(0xEE, 251);
        // In id order.
        r.projects().gives(vec![project(1), two]);
        let order = |from, to| -> Vec<i64> {
            let all = r.activities(from, to).must();
            all.iter().map(|a| a.id).collect()
        };
        // In date, then id, order; bounds inclusive, an absent one open.
        order(None, None).is(vec![2, 1, 3]);
        order(Some("2024-02-10"), Some("2024-02-10")).is(vec![1, 3]);
        order(None, Some("2024-02-09")).is(vec![2]);
        order(Some("2024-02-11"), None).is(vec![]);
        let three = r.activities(Some("2024-02-10"), None).must().pop();
        let mut want = activity(3, "2024-02-10");
        (want.details, want.note) = (bytes(1, 35), bytes(2, 64));
        three.is(Some(want));
    });
}

pub fn date_bounds_inclusive_and_open(db: &dyn TestDatabase) {
    let b = open_seeded(db);
    read(&*b, |r| {
        let stat = |from, to| {
            let mut seen = BTreeSet::new();
            r.scan_stat_rows(from, to, &mut |row| {
                let c = seeded(row.id);
                let got = (row.date, row.person_id, row.created_by, row.attributes);
                got.is((&*c.date, c.person_id, c.created_by, &*c.attributes));
                seen.insert(row.id);
                NEXT
            })
            .must();
            seen.into_iter().collect::<Vec<_>>()
        };
        // Both bounds inclusive; an absent one is open.
        stat(None, None).is(vec![1, 2, 3, 4, 5, 6]);
        stat(Some("2024-03-01"), Some("2024-03-04")).is(vec![1, 5]);
        stat(None, Some("2024-02-10")).is(vec![4, 6]);
        stat(Some("2024-03-05"), None).is(vec![2, 3]);
        stat(Some("2024-03-02"), Some("2024-03-03")).is(vec![]);
        // Notes before a date: exclusive, in id order, after and limit.
        let notes = |date, after, limit| -> Vec<i64> {
            let notes = r.notes_before(date, after, limit).must();
            notes.iter().map(|n| n.0).collect()
        };
        notes("2024-03-04", 0, 10).is(vec![1, 4, 6]);
        notes("2024-03-04", 2, 1).is(vec![4]);
        let want = vec![(4, 2, vec![]), (6, seeded(6).created_by, seeded(6).note)];
        r.notes_before("2024-02-11", 0, 10).gives(want);
    });
}

pub fn batches_follow_after_and_limit(db: &dyn TestDatabase) {
    let b = open_seeded(db);
    read(&*b, |r| {
        // `from` is inclusive.
        let batch = |from, limit| -> Vec<i64> {
            let rows = r.contact_envelopes(from, limit).must();
            rows.iter().map(|e| e.id).collect()
        };
        batch(0, 2).is(vec![1, 2]);
        batch(3, 2).is(vec![3, 4]);
        batch(5, 10).is(vec![5, 6]);
        batch(7, 10).is(vec![]);
        let c1 = seeded(1);
        let want = ContactEnvelopes {
            id: 1,
            created_by: c1.created_by,
            attributes: c1.attributes,
            note: c1.note,
        };
        r.contact_envelopes(0, 1).gives(vec![want]);
        r.field_night_envelopes(2, 1).gives(vec![(
            2,
            night(2, "").created_by,
            night(2, "").details,
        )]);
        persons(r, 2).is(vec![(2, pseudonym(2)), (3, pseudonym(3))]);
    });
}

/// Rows at the smallest and the largest id a row can have (written outside uppsok: its own
/// ids start at 1) are read by every scan and every batch from `i64::MIN`: a scan that left
/// one out would let a row added behind uppsok's back count in statistics unaudited.
pub fn scans_read_the_extreme_ids(db: &dyn TestDatabase) {
    let (min, max) = (i64::MIN, i64::MAX);
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        for p in [min, max] {
            tx.insert_person(p, &pseudonym(p)).must();
        }
        tx.insert_contact(&contact(min, "2024-05-01", Some(min)))
            .must();
        tx.insert_contact(&contact(max, "2024-05-02", Some(max)))
            .must();
        tx.insert_field_night(&night(min, "2024-05-01")).must();
        tx.insert_project(&project(min)).must();
        tx.insert_activity(&activity(min, "2024-05-01")).must();
        for seq in [min, 1, max] {
            tx.insert_audit(&audit(seq, None)).must();
        }
    });
    read(&*b, |r| {
        let every = vec![min, 1, 2, 3, 4, 5, 6, max];
        ids(&contacts(r)).is(every.clone());
        let stored = collect(|v| r.scan_stored_contacts(&mut |c| v(c.id)));
        stored.is(every.clone());
        let mut stat = collect(|v| r.scan_stat_rows(None, None, &mut |c| v(c.id)));
        stat.sort();
        stat.is(every.clone());
        let index = collect(|v| r.scan_contact_index(&mut |id, _, _| v(id)));
        index.is(every.clone());
        let mut firsts = collect(|v| r.scan_first_contacts(&mut |p, _| v(p)));
        firsts.sort();
        firsts.is(vec![min, 1, 2, 3, max]);
        let people: Vec<i64> = persons(r, min).into_iter().map(|(id, _)| id).collect();
        people.is(vec![min, 1, 2, 3, max]);
        let seqs: Vec<i64> = audit_log(r).into_iter().map(|e| e.seq).collect();
        seqs.is(vec![min, 1, max]);
        for column in EnvelopeColumn::ALL {
            let rows = collect(|v| r.scan_envelopes(column, &mut |id, _, _| v(id)));
            (column, rows.first().copied()).is((column, Some(min)));
        }
        let batch: Vec<i64> = r
            .contact_envelopes(min, 100)
            .must()
            .iter()
            .map(|e| e.id)
            .collect();
        batch.is(every.clone());
        let first: Vec<i64> = r
            .contact_envelopes(min, 1)
            .must()
            .iter()
            .map(|e| e.id)
            .collect();
        first.is(vec![min]);
        let last: Vec<i64> = r
            .contact_envelopes(max, 10)
            .must()
            .iter()
            .map(|e| e.id)
            .collect();
        last.is(vec![max]);
        let notes: Vec<i64> = r
            .notes_before("9999-12-31", min, 100)
            .must()
            .iter()
            .map(|n| n.0)
            .collect();
        notes.is(every);
        let nights: Vec<i64> = r
            .field_night_envelopes(min, 100)
            .must()
            .iter()
            .map(|n| n.0)
            .collect();
        nights.is(vec![min, 1, 2, 3]);
    });
}

pub fn persons_and_groups(db: &dyn TestDatabase) {
    let b = open_seeded(db);
    read(&*b, |r| {
        r.person_by_pseudonym(&pseudonym(2)).gives(Some(2));
        // Exactly this pseudonym, not a prefix of it.
        r.person_by_pseudonym(&pseudonym(2)[..31]).gives(None);
        let group = |persons: &[i64]| r.person_contacts(persons).must();
        let last_date = Some("2024-03-05".to_string());
        // Person 1's latest is contact 2 (03-05), not 5 (03-04): date before id.
        let latest = Some((2, seeded(2).attributes));
        let one = PersonContacts {
            count: 3,
            last_date: last_date.clone(),
            latest,
        };
        group(&[1]).is(one);
        // Contacts 2 and 3 share the latest date: the highest id wins, whatever the order.
        let latest = Some((3, seeded(3).attributes));
        let two = PersonContacts {
            count: 4,
            last_date,
            latest,
        };
        group(&[1, 2]).is(two.clone());
        group(&[2, 1]).is(two);
        group(&[]).is(PersonContacts::default());
        group(&[99]).is(PersonContacts::default());
        // Newest first: date, then id.
        let of = r.contacts_of_persons(&[1, 2]).must();
        ids(&of).is(vec![3, 2, 5, 1]);
        of[3].clone().is(seeded(1));
        r.contact_ids_of_person(1).gives(vec![1, 2, 5]);
        // A field night's contacts, in id order; none for a night without any, or no night.
        r.contacts_of_night(1).gives(vec![seeded(1)]);
        r.contacts_of_night(2).gives(Vec::new());
        r.contacts_of_night(99).gives(Vec::new());
        let firsts = collect(|v| r.scan_first_contacts(&mut |p, d| v((p, d.to_string()))));
        let firsts: BTreeSet<_> = firsts.into_iter().collect();
        let want = [(1, "2024-03-01"), (2, "2024-03-05"), (3, "2024-01-15")];
        firsts.is(want.iter().map(|(p, d)| (*p, d.to_string())).collect());
    });
}

pub fn merges_round_trip(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        tx.insert_merge(&merge(3, 1)).must();
        tx.insert_merge(&merge(2, 1)).must();
        refused(tx.insert_merge(&merge(2, 3)), "a person merged twice");
    });
    // By person id, as written.
    read(&*b, |r| r.merges().gives(vec![merge(2, 1), merge(3, 1)]));
    commit(&mut *b, |tx| {
        tx.delete_merge(2).gives(true);
        tx.delete_merge(2).gives(false);
    });
    read(&*b, |r| r.merges().gives(vec![merge(3, 1)]));
}

pub fn delete_person_cascades(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        tx.insert_merge(&merge(3, 1)).must();
        tx.insert_merge(&merge(1, 2)).must();
    });
    commit(&mut *b, |tx| {
        tx.delete_person(1).gives(3);
        tx.delete_person(1).gives(0);
    });
    read(&*b, |r| {
        // The person's contacts, every merge naming them (either way) and the pseudonym.
        ids(&contacts(r)).is(vec![3, 4, 6]);
        r.merges().gives(vec![]);
        r.person_by_pseudonym(&pseudonym(1)).gives(None);
        r.contact_ids_of_person(1).gives(vec![]);
        r.person_contacts(&[1]).gives(PersonContacts::default());
    });
    b.integrity().gives(IntegrityFacts::default());
}

pub fn audit_log_round_trip(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    read(&*b, |r| r.audit_head().gives(None));
    commit(&mut *b, |tx| {
        for (seq, u) in [(1, None), (3, Some(1)), (2, Some(2))] {
            tx.insert_audit(&audit(seq, u)).must();
        }
        refused(
            tx.insert_audit(&audit(2, None)),
            "an entry number used twice",
        );
    });
    // Rewriting an entry's MAC (only `upgrade` of a format-2 file does) works, or is refused by
    // a back end whose log is append-only, changing nothing; either way the transaction goes on.
    let mut second = audit(2, Some(2));
    commit(&mut *b, |tx| {
        if tx.update_audit_mac(2, &bytes(0xCC, 32)).is_ok() {
            second.mac = bytes(0xCC, 32);
        }
        tx.set_meta("after the rewrite", "kept").must();
    });
    read(&*b, |r| r.meta("after the rewrite")).gives(Some("kept".into()));
    read(&*b, |r| {
        r.audit_head().gives(Some((3, bytes(3, 32))));
        // In sequence order (they were inserted out of it), as written.
        audit_log(r).is(vec![audit(1, None), second.clone(), audit(3, Some(1))]);
        r.audit_entry(2).gives(Some(second));
        r.audit_entry(4).gives(None);
    });
}

pub fn every_envelope_column_scans(db: &dyn TestDatabase) {
    let b = open_seeded(db);
    let cs: Vec<ContactRow> = (1..=6).map(seeded).collect();
    for column in EnvelopeColumn::ALL {
        // Every value of the column, in id order, as written, with who wrote the row.
        let want: Vec<(i64, i64, Vec<u8>)> = match column {
            EnvelopeColumn::ContactAttributes => cs
                .iter()
                .map(|c| (c.id, c.created_by, c.attributes.clone()))
                .collect(),
            EnvelopeColumn::ContactNote => cs
                .iter()
                .map(|c| (c.id, c.created_by, c.note.clone()))
                .collect(),
            EnvelopeColumn::FieldNightDetails => (1..=3)
                .map(|id| (id, night(id, "").created_by, night(id, "").details))
                .collect(),
            EnvelopeColumn::ProjectDetails => (1..=2)
                .map(|id| (id, project(id).created_by, project(id).details))
                .collect(),
            EnvelopeColumn::ActivityDetails => (1..=3)
                .map(|id| (id, activity(id, "").created_by, activity(id, "").details))
                .collect(),
            EnvelopeColumn::ActivityNote => (1..=3)
                .map(|id| (id, activity(id, "").created_by, activity(id, "").note))
                .collect(),
        };
        let scan = |r: &dyn Reads| {
            collect(|v| r.scan_envelopes(column, &mut |id, by, e| v((id, by, e.to_vec()))))
        };
        let got = read(&*b, scan);
        (column, got).is((column, want));
    }
}

pub fn scans_stop_on_break(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        for seq in 1..=3 {
            tx.insert_audit(&audit(seq, None)).must();
        }
    });
    read(&*b, |r| {
        let mut n = 0;
        let mut once = || {
            n += 1;
            STOP
        };
        let [attributes, notes, details, projects, activities, activity_notes] =
            EnvelopeColumn::ALL;
        let scans = [
            r.scan_contacts(&mut |_| once()),
            r.scan_stored_contacts(&mut |_| once()),
            r.scan_stat_rows(None, None, &mut |_| once()),
            r.scan_contact_index(&mut |_, _, _| once()),
            r.scan_first_contacts(&mut |_, _| once()),
            r.scan_persons(i64::MIN, &mut |_, _| once()),
            r.scan_audit_log(&mut |_| once()),
            r.scan_envelopes(attributes, &mut |_, _, _| once()),
            r.scan_envelopes(notes, &mut |_, _, _| once()),
            r.scan_envelopes(details, &mut |_, _, _| once()),
            r.scan_envelopes(projects, &mut |_, _, _| once()),
            r.scan_envelopes(activities, &mut |_, _, _| once()),
            r.scan_envelopes(activity_notes, &mut |_, _, _| once()),
        ];
        // Stopping is not an error, and each scan visited one row only.
        for result in scans {
            result.must();
        }
        n.is(13);
    });
}

pub fn dropped_transaction_leaves_nothing(db: &dyn TestDatabase) {
    let mut b = db.open();
    let empty = read(&*b, dump);
    {
        let tx = b.write().must();
        seed(&*tx);
        tx.insert_merge(&merge(2, 1)).must();
        tx.insert_audit(&audit(1, Some(1))).must();
        tx.set_meta("conformance", "x").must();
        tx.take_id(Sequence::Persons).must();
        tx.replace_pseudonym_chain(&[(1, bytes(1, 8))]).must();
        tx.contact_count().gives(6);
    }
    // Nothing of it, through this handle or another.
    read(&*b, dump).is(empty.clone());
    read(&*db.open(), dump).is(empty);
}

pub fn committed_survives_reopen(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        tx.insert_audit(&audit(1, Some(1))).must();
        tx.set_meta("conformance", "kept").must();
        tx.take_id(Sequence::FieldNights).gives(1);
    });
    let before = read(&*b, dump);
    drop(b);
    let b = db.open();
    read(&*b, dump).is(before);
    read(&*b, |r| r.peek_next_id(Sequence::FieldNights).gives(2));
}

/// A read session sees one committed state once it has read (SQLite's snapshot begins at a
/// session's first read, so the check reads once before the other handle writes).
pub fn read_session_is_consistent(db: &dyn TestDatabase) {
    let a = open_seeded(db);
    let (mut writer, watcher) = (db.open(), db.open());
    let session = a.read().must();
    session.contact_count().gives(6);
    {
        let tx = writer.write().must();
        tx.insert_contact(&contact(7, "2024-03-07", None)).must();
        // Never a write that is not committed (and a reader does not wait for a writer).
        count(&*watcher).is(6);
        tx.commit().must();
    }
    // The session keeps its state, in every read.
    session.contact_count().gives(6);
    session.contact(7).gives(None);
    ids(&contacts(&*session)).is(vec![1, 2, 3, 4, 5, 6]);
    count(&*watcher).is(7);
    drop(session);
    count(&*a).is(7);
}

/// Two handles on two threads, each taking 50 ids in 50 transactions: 100 distinct ids, as
/// each transaction reads the sequence and then writes it.
pub fn writers_are_serialised(db: &dyn TestDatabase) {
    let write_50 = |mut b: Box<dyn Backend>| {
        move || -> Vec<i64> {
            let mut ids = Vec::new();
            for _ in 0..50 {
                let tx = b.write().must();
                let id = tx.take_id(Sequence::Persons).must();
                std::thread::yield_now();
                tx.insert_person(id, &id.to_be_bytes()).must();
                tx.commit().must();
                ids.push(id);
            }
            ids
        }
    };
    let handles = [db.open(), db.open()];
    let taken: Vec<i64> = std::thread::scope(|s| {
        let writers = handles.map(|b| s.spawn(write_50(b)));
        let joined = writers.into_iter().map(|w| w.join());
        // A writer's panic is passed on as it was, with its message.
        joined
            .flat_map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    taken.iter().collect::<BTreeSet<_>>().len().is(100);
    let b = db.open();
    read(&*b, |r| r.peek_next_id(Sequence::Persons).gives(101));
    read(&*b, |r| persons(r, 0).len()).is(100);
}

/// What the schema refuses is an error (never a panic) that changes nothing: the
/// transaction goes on, and a dropped one leaves the database as it was.
pub fn constraint_violations_are_errors(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    let before = read(&*b, dump);
    let violations = |tx: &dyn Transaction| {
        refused(tx.insert_person(9, &pseudonym(1)), "a pseudonym twice");
        refused(tx.insert_person(1, b"fresh"), "a person id twice");
        refused(tx.update_pseudonym(1, &pseudonym(2)), "another's pseudonym");
        refused(tx.insert_user(&user(9, "Bo", "lead")), "a user name twice");
        refused(tx.insert_user(&user(1, "Ny", "lead")), "a user id twice");
        refused(tx.insert_user(&user(9, "Ny", "boss")), "an unknown role");
        let mut c = contact(1, "2024-04-01", None);
        refused(tx.insert_contact(&c), "a contact id twice");
        (c.id, c.person_id) = (20, Some(99));
        refused(tx.insert_contact(&c), "a contact of a missing person");
        (c.person_id, c.field_night_id) = (None, Some(99));
        refused(tx.insert_contact(&c), "a contact of a missing field night");
        (c.field_night_id, c.created_by) = (None, 99);
        refused(tx.insert_contact(&c), "a contact by a missing user");
        let edit = contact(1, "2024-04-01", Some(99));
        refused(tx.update_contact(&edit, 0), "an edit to a missing person");
        let n = night(1, "2024-04-01");
        refused(tx.insert_field_night(&n), "a field night id twice");
        refused(tx.insert_project(&project(1)), "a project id twice");
        let mut p = project(9);
        p.created_by = 99;
        refused(tx.insert_project(&p), "a project by a missing user");
        refused(
            tx.insert_activity(&activity(1, "2024-04-01")),
            "an activity id twice",
        );
        let mut a = activity(9, "2024-04-01");
        a.created_by = 99;
        refused(tx.insert_activity(&a), "an activity by a missing user");
        refused(tx.insert_merge(&merge(1, 99)), "a merge into nobody");
        refused(tx.insert_merge(&merge(99, 1)), "a merge of nobody");
        refused(tx.insert_audit(&audit(1, Some(99))), "an entry by nobody");
    };
    {
        let tx = b.write().must();
        violations(&*tx);
    }
    read(&*b, dump).is(before);
    commit(&mut *b, |tx| {
        violations(tx);
        tx.insert_person(9, b"nine").must();
        let c = contact(20, "2024-04-01", Some(9));
        tx.insert_contact(&c).must();
    });
    read(&*b, |r| {
        ids(&contacts(r)).is(vec![1, 2, 3, 4, 5, 6, 20]);
        r.contact(1).gives(Some(seeded(1)));
        r.users().must().len().is(2);
    });
    b.integrity().gives(IntegrityFacts::default());
}

pub fn bulk_load_and_upgrade(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        // Idempotent.
        tx.upgrade_schema().must();
        tx.upgrade_schema().must();
        tx.begin_bulk_load().must();
        for id in 100..300 {
            let c = contact(id, "2024-05-01", Some(2));
            tx.insert_contact(&c).must();
        }
        tx.end_bulk_load().must();
    });
    {
        // A bulk load rolled back.
        let tx = b.write().must();
        tx.begin_bulk_load().must();
        let c = contact(300, "2024-05-02", Some(2));
        tx.insert_contact(&c).must();
    }
    read(&*b, |r| {
        r.contact_count().gives(206);
        // The queries by person work after both.
        let group = r.person_contacts(&[2]).must();
        (group.count, group.latest.map(|l| l.0)).is((201, Some(299)));
        let of = r.contacts_of_persons(&[2]).must();
        (of.len(), of[0].id, of[200].id).is((201, 299, 3));
    });
}

/// A bulk load may hold new rows back and send them in batches (PostgreSQL's `COPY`): every
/// read in its transaction still sees them, across more rows than a batch; and a refused row
/// (a duplicate id) makes the load fail by its commit at the latest, leaving nothing stored.
pub fn bulk_load_sees_its_own_rows(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    let key = |person: i64| {
        let mut k = person.to_be_bytes().to_vec();
        k.resize(32, 0xA5);
        k
    };
    let n = 12_345;
    commit(&mut *b, |tx| {
        tx.begin_bulk_load().must();
        for i in 0..n {
            let person = 1_000 + i / 3;
            if i % 3 == 0 {
                tx.person_by_pseudonym(&key(person)).gives(None);
                tx.insert_person(person, &key(person)).must();
            }
            tx.person_by_pseudonym(&key(person)).gives(Some(person));
            tx.insert_contact(&contact(1_000 + i, "2024-06-01", Some(person)))
                .must();
            if i == n / 2 {
                // A read half way sees every row so far.
                tx.contact_count().gives(6 + i + 1);
                tx.contact(1_000 + i)
                    .must()
                    .map(|c| c.person_id)
                    .is(Some(Some(person)));
            }
        }
        tx.contact_count().gives(6 + n);
        tx.end_bulk_load().must();
        tx.contact_count().gives(6 + n);
    });
    read(&*b, |r| {
        r.contact_count().gives(6 + n);
        r.person_by_pseudonym(&key(1_000 + (n - 1) / 3))
            .gives(Some(1_000 + (n - 1) / 3));
        let group = r.person_contacts(&[1_000]).must();
        group.count.is(3);
    });

    // A duplicate id in a bulk load: refused by the insert, the end of the load or the commit.
    {
        let tx = b.write().must();
        tx.begin_bulk_load().must();
        tx.insert_contact(&contact(900_000, "2024-06-02", None))
            .must();
        let duplicate = tx
            .insert_contact(&contact(1_000, "2024-06-02", None))
            .and_then(|()| tx.end_bulk_load());
        if duplicate.is_ok() {
            refused(tx.commit(), "a bulk load with a duplicate id committed");
        }
    }
    read(&*b, |r| {
        r.contact_count().gives(6 + n);
        r.contact(900_000).gives(None);
        r.contact(1_000)
            .must()
            .map(|c| c.date)
            .is(Some("2024-06-01".into()));
    });
}

pub fn maintenance(db: &dyn TestDatabase) {
    let mut b = open_seeded(db);
    commit(&mut *b, |tx| {
        tx.insert_merge(&merge(2, 1)).must();
        tx.insert_audit(&audit(1, Some(1))).must();
    });
    let before = read(&*b, dump);
    // A sound database has nothing to report.
    b.integrity().gives(IntegrityFacts::default());
    b.compact().must();
    b.flush_journal().must();
    read(&*b, dump).is(before);
    assert!(!b.location().is_empty(), "location() names the database");
    // The files may include some that come and go (a journal), but not only those.
    let files = b.files();
    let listed = format!("{files:?}");
    let any = files.is_empty() || files.iter().any(|f| f.exists());
    assert!(any, "none of the files() {listed} exists");
    // A back end may refuse a copy; if it makes one, it is there; if not, nothing is.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let stamp = now.map(|d| d.as_nanos()).unwrap_or_default();
    let name = format!("uppsok-conformance-{}-{stamp}", std::process::id());
    let dir = std::env::temp_dir().join(name);
    if let Err(e) = std::fs::create_dir(&dir) {
        panic!("cannot make a directory at {}: {e}", dir.display());
    }
    // A copy holds the key file committed with the state it copies.
    commit(&mut *b, |tx| tx.write_key_file(&bytes(0x4b, 300)).must());
    let dest = dir.join("backup.db");
    let made = b.backup_to(&dest);
    let exists = dest.exists();
    let mut keys = dest.clone().into_os_string();
    keys.push(".keys");
    let copied_keys = std::fs::read(&keys).ok();
    let _ = std::fs::remove_dir_all(&dir);
    match made {
        Ok(()) => {
            assert!(exists, "backup_to succeeded but wrote nothing");
            copied_keys.is(Some(bytes(0x4b, 300)));
        }
        Err(e) => assert!(!exists, "backup_to failed ({e}) but left a file"),
    }
}

pub fn discard_removes_the_files(db: &dyn TestDatabase) {
    let b = open_seeded(db);
    let files = b.files();
    b.discard();
    for f in files {
        assert!(!f.exists(), "discard left {} behind", f.display());
    }
}

/// The key file is part of the database: written in a transaction, it is there for every
/// handle once committed, and a transaction dropped without commit puts back the one before.
pub fn key_file_commits_and_rolls_back(db: &dyn TestDatabase) {
    let mut b = db.open();
    refused(
        read(&*b, |r| r.key_file()),
        "a key file before one was written",
    );
    refused(db.locked().key_file(), "a key file before one was written");
    {
        let tx = b.write().must();
        tx.write_key_file(&bytes(1, 200)).must();
    }
    refused(
        read(&*b, |r| r.key_file()),
        "the key file of a dropped transaction",
    );
    commit(&mut *b, |tx| tx.write_key_file(&bytes(2, 180)).must());
    db.locked().key_file().gives(bytes(2, 180));
    read(&*db.open(), |r| r.key_file()).gives(bytes(2, 180));
    {
        let tx = b.write().must();
        tx.write_key_file(&bytes(3, 220)).must();
        tx.write_key_file(&bytes(4, 240)).must();
    }
    db.locked().key_file().gives(bytes(2, 180));
    commit(&mut *b, |tx| {
        tx.write_key_file(&bytes(5, 240)).must();
        tx.set_meta("conformance", "with keys").must();
    });
    db.locked().key_file().gives(bytes(5, 240));
    read(&*db.open(), |r| r.meta("conformance")).gives(Some("with keys".into()));
}

/// A database found is opened with its page key, and with no other.
pub fn opens_with_its_page_key_only(db: &dyn TestDatabase) {
    let mut b = db.open();
    commit(&mut *b, |tx| tx.set_meta("conformance", "keyed").must());
    drop(b);
    let mut wrong = TEST_PAGE_KEY;
    wrong[31] ^= 1;
    match db.locked().open(&[&wrong]) {
        Err(super::StorageError::WrongKey(_)) => {}
        Err(e) => panic!("a wrong page key: expected WrongKey, got {e}"),
        Ok(_) => panic!("a wrong page key opened the database"),
    }
    // Of several keys offered, the one that opens it is named.
    let (opened, which) = db.locked().open(&[&wrong, &TEST_PAGE_KEY]).must();
    which.is(1);
    read(&*opened, |r| r.meta("conformance")).gives(Some("keyed".into()));
    assert!(!db.locked().location().is_empty());
    // After the pages are rekeyed, only the new key opens it, with everything in it.
    let mut opened = opened;
    let mut new_key = TEST_PAGE_KEY;
    new_key[0] ^= 0xff;
    opened.rekey_pages(&new_key).must();
    commit(&mut *opened, |tx| tx.set_meta("after", "rekeyed").must());
    drop(opened);
    refused(
        db.locked().open(&[&TEST_PAGE_KEY]).map(|_| ()),
        "the old page key",
    );
    let (again, which) = db.locked().open(&[&TEST_PAGE_KEY, &new_key]).must();
    which.is(1);
    read(&*again, |r| r.meta("conformance")).gives(Some("keyed".into()));
    read(&*again, |r| r.meta("after")).gives(Some("rekeyed".into()));
}
