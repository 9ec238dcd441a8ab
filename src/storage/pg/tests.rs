//! The PostgreSQL back end against the conformance suite, on a real server: the one named by
//! `UPPSOK_TEST_POSTGRES` (a URL whose role may create databases; `.ci/with-postgres` starts a
//! throwaway cluster and sets it). Each check gets a database of its own, dropped afterwards.

use super::*;
use crate::storage::conformance::{self, TestDatabase};
use crate::storage::port::{AuditRow, IntegrityFacts, UserRow};

/// The test server's URL, or a failure saying how to get one.
pub(crate) fn server() -> String {
    std::env::var("UPPSOK_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "UPPSOK_TEST_POSTGRES is not set: run the tests with `./.ci/with-postgres cargo test`, \
             which starts a throwaway PostgreSQL cluster (or set it to a server where the role \
             may create databases)"
        )
    })
}

/// `url` with its database name replaced.
pub(crate) fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let cut = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

/// The role that owns a test database's schema (who runs `init`), and the one the
/// application connects as (who owns nothing: docs/deploy.md).
pub(crate) const OWNER: &str = "uppsok_owner";
pub(crate) const APP: &str = "uppsok_app";

/// `url` with its user replaced.
pub(crate) fn with_user(url: &str, user: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[start..].find('@') {
        Some(at) => format!("{}{user}{}", &url[..start], &url[start + at..]),
        None => format!("{}{user}@{}", &url[..start], &url[start..]),
    }
}

/// Makes the owner and application roles on the test server, once (tests race to it).
fn roles(admin: &mut Client) {
    for role in [OWNER, APP] {
        let _ = admin.batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ));
        let there = admin
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])
            .expect("the roles are listed");
        assert!(there.is_some(), "the role {role} could not be made");
    }
}

/// A database of its own on the test server, owned by [`OWNER`], dropped with this value.
pub(crate) struct TestServerDatabase {
    admin: String,
    name: String,
    /// As the owner of the database (and of the schema `init` makes in it).
    pub(crate) owner_url: String,
    /// As the application's role, once the owner has granted it its privileges.
    pub(crate) url: String,
}

impl TestServerDatabase {
    pub(crate) fn new() -> TestServerDatabase {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin = server();
        let name = format!(
            "uppsok_unit_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = Client::connect(&admin, NoTls).expect("the test server answers");
        roles(&mut client);
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name} OWNER {OWNER}"),
        ] {
            client.batch_execute(&sql).expect("a test database");
        }
        let url = with_database(&admin, &name);
        TestServerDatabase {
            owner_url: with_user(&url, OWNER),
            url: with_user(&url, APP),
            admin,
            name,
        }
    }

    /// Grants the application's role its privileges, as the owner (after the schema is made).
    pub(crate) fn grant(&self) {
        let mut owner = Client::connect(&self.owner_url, NoTls).expect("the owner connects");
        owner.batch_execute(&app_grants(APP)).expect("the grants");
    }
}

impl Drop for TestServerDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A conformance database: uppsok's schema made in a fresh database, with the format marker.
struct Conformance(TestServerDatabase);

impl Conformance {
    fn new() -> Conformance {
        let db = TestServerDatabase::new();
        let mut store = PgStore::create(Path::new(&db.owner_url), &conformance::TEST_PAGE_KEY)
            .expect("the schema is made");
        let tx = store.write().expect("a write transaction");
        tx.set_meta("format", FORMAT_VERSION)
            .expect("the format marker");
        tx.commit().expect("commit");
        db.grant();
        Conformance(db)
    }
}

impl TestDatabase for Conformance {
    fn open(&self) -> Box<dyn Backend> {
        Box::new(
            PgStore::open(Path::new(&self.0.url), &conformance::TEST_PAGE_KEY)
                .expect("the database opens"),
        )
    }

    fn locked(&self) -> Box<dyn Locked> {
        Box::new(PgLocked::find(Path::new(&self.0.url)).expect("the database is found"))
    }
}

#[test]
fn passes_the_conformance_suite() {
    conformance::run_all(&|| Box::new(Conformance::new()));
}

/// The conformance database opened as the tables' owner (as `init` and `migrate` are).
struct AsOwner(Conformance);

impl TestDatabase for AsOwner {
    fn open(&self) -> Box<dyn Backend> {
        Box::new(
            PgStore::open(Path::new(&self.0 .0.owner_url), &conformance::TEST_PAGE_KEY)
                .expect("the database opens"),
        )
    }

    fn locked(&self) -> Box<dyn Locked> {
        Box::new(PgLocked::find(Path::new(&self.0 .0.owner_url)).expect("the database is found"))
    }
}

/// Whether a transaction holds the contacts table for itself (a bulk load does, having dropped
/// its index and foreign keys).
fn table_held(owner: &str) -> bool {
    Client::connect(owner, NoTls)
        .expect("the owner connects")
        .query_one(
            "SELECT count(*) > 0 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
             WHERE c.relname = 'contacts' AND l.mode = 'AccessExclusiveLock'
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .unwrap()
        .get(0)
}

/// Asserts that the contacts' three foreign keys, their person index and their primary key are
/// there, and the persons' unique pseudonyms.
#[track_caller]
fn assert_made_again(owner: &str) {
    let mut c = Client::connect(owner, NoTls).expect("the owner connects");
    let count = |c: &mut Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    let keys = count(
        &mut c,
        "SELECT count(*) FROM pg_constraint
         WHERE conrelid = 'uppsok.contacts'::regclass AND contype = 'f' AND convalidated
           AND conparentid = 0",
    );
    let index = count(
        &mut c,
        "SELECT count(*) FROM pg_indexes WHERE schemaname = 'uppsok' AND indexname = 'contacts_person'",
    );
    let pending = count(&mut c, "SELECT count(*) FROM uppsok.bulk_loads");
    // The primary key, on the table and on each unit's.
    let unkeyed = count(
        &mut c,
        "SELECT count(*) FROM pg_class t
         WHERE (t.oid = 'uppsok.contacts'::regclass
                OR t.oid IN (SELECT inhrelid FROM pg_inherits
                              WHERE inhparent = 'uppsok.contacts'::regclass))
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                            WHERE k.conrelid = t.oid AND k.contype = 'p')",
    );
    let parent_key = count(
        &mut c,
        "SELECT count(*) FROM pg_constraint
         WHERE conrelid = 'uppsok.contacts'::regclass AND contype = 'p'
           AND conname = 'contacts_pkey'",
    );
    let unique_pseudonyms = count(
        &mut c,
        "SELECT count(*) FROM pg_constraint
         WHERE conrelid = 'uppsok.persons'::regclass AND contype = 'u'
           AND conname = 'persons_pseudonym_key'
           AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                WHERE attrelid = 'uppsok.persons'::regclass
                                  AND attname = 'pseudonym')]",
    );
    assert_eq!(
        (keys, index, pending, parent_key, unkeyed, unique_pseudonyms),
        (3, 1, 0, 1, 0, 1),
        "the foreign keys, the person index, loads not ended, the primary key, tables without it, \
         the persons' unique pseudonyms"
    );
}

/// A contact of user 1's for a bulk load: `id`, of `person`.
fn loaded_contact(id: i64, person: Option<i64>) -> crate::storage::ContactRow {
    crate::storage::ContactRow {
        id,
        date: "2024-01-01".into(),
        person_id: person,
        pseudonym: None,
        field_night_id: None,
        created_by: 1,
        created_at: 0,
        attributes: vec![1; 16],
        note: vec![2; 16],
    }
}

/// User 1, the author of [`loaded_contact`]s.
fn loaded_user() -> crate::storage::UserRow {
    crate::storage::UserRow {
        id: 1,
        name: "anna".into(),
        role: "admin".into(),
        disabled: false,
        created_at: "2024-01-01".into(),
        mac: vec![0; 32],
    }
}

/// A bulk load drops the primary key, the person index and the contacts' foreign keys and makes
/// them again at its end or its commit, whichever role it runs as (`tables` opens the database
/// as that role): a reference that does not hold, or an id loaded twice, fails the load, and
/// nothing is kept.
fn bulk_load_makes_the_index_and_the_references_again(tables: &dyn TestDatabase, owner: &str) {
    let mut b = tables.open();
    // A contact of a person who is not there: refused when the references are checked again
    // at the end of the load, and the transaction then rolls back.
    {
        let tx = b.write().unwrap();
        tx.begin_bulk_load().unwrap();
        tx.insert_contact(&loaded_contact(1, Some(77))).unwrap();
        assert!(
            table_held(owner),
            "the load did not drop the index and the keys"
        );
        assert!(
            tx.end_bulk_load().is_err(),
            "a reference to nobody was loaded"
        );
    }
    assert_made_again(owner);
    assert_eq!(b.read().unwrap().contact_count().unwrap(), 0);
    // A contact of a field night that is not there (checked through the index of the contacts
    // that name a night, not by reading every row): refused too.
    {
        let tx = b.write().unwrap();
        tx.begin_bulk_load().unwrap();
        tx.insert_user(&loaded_user()).unwrap(); // its author is there
        let mut contact = loaded_contact(1, None);
        contact.field_night_id = Some(9);
        tx.insert_contact(&contact).unwrap();
        assert!(
            tx.end_bulk_load().is_err(),
            "a reference to no field night was loaded"
        );
    }
    assert_made_again(owner);
    assert_eq!(b.read().unwrap().contact_count().unwrap(), 0);
    // An id loaded twice (the primary key is made again at the end, which finds it): refused,
    // and nothing is kept.
    {
        let tx = b.write().unwrap();
        tx.begin_bulk_load().unwrap();
        tx.insert_user(&loaded_user()).unwrap();
        tx.insert_contact(&loaded_contact(5, None)).unwrap();
        tx.insert_contact(&loaded_contact(5, None)).unwrap();
        assert!(tx.end_bulk_load().is_err(), "an id was loaded twice");
    }
    assert_made_again(owner);
    assert_eq!(b.read().unwrap().contact_count().unwrap(), 0);
    // A pseudonym loaded twice (the persons' unique key is made again at the end): refused,
    // and nothing is kept.
    {
        let tx = b.write().unwrap();
        tx.begin_bulk_load().unwrap();
        tx.insert_person(1, &[7; 32]).unwrap();
        tx.insert_person(2, &[7; 32]).unwrap();
        assert!(tx.end_bulk_load().is_err(), "a pseudonym was loaded twice");
    }
    assert_made_again(owner);
    assert_eq!(
        b.read().unwrap().person_by_pseudonym(&[7; 32]).unwrap(),
        None
    );
    // Committed without ending the load: made again by the commit.
    let tx = b.write().unwrap();
    tx.begin_bulk_load().unwrap();
    assert!(table_held(owner));
    tx.commit().unwrap();
    assert_made_again(owner);
    assert!(!table_held(owner));
}

#[test]
fn a_bulk_load_makes_the_index_and_the_references_again_as_owner_and_as_application() {
    conformance::bulk_load_and_upgrade(&AsOwner(Conformance::new()));
    conformance::bulk_load_sees_its_own_rows(&AsOwner(Conformance::new()));
    let db = AsOwner(Conformance::new());
    bulk_load_makes_the_index_and_the_references_again(&db, &db.0 .0.owner_url);
    let db = Conformance::new();
    bulk_load_makes_the_index_and_the_references_again(&db, &db.0.owner_url);
    // A role not granted `begin_bulk_load()` loads with the index and the keys in place.
    Client::connect(&db.0.owner_url, NoTls)
        .unwrap()
        .batch_execute(&format!(
            "REVOKE EXECUTE ON FUNCTION uppsok.begin_bulk_load() FROM {APP}"
        ))
        .unwrap();
    conformance::bulk_load_and_upgrade(&db);
    let mut b = db.open();
    let tx = b.write().unwrap();
    tx.begin_bulk_load().unwrap();
    assert!(
        !table_held(&db.0.owner_url),
        "the load took the table without the grant"
    );
    tx.end_bulk_load().unwrap();
    tx.commit().unwrap();
    assert_made_again(&db.0.owner_url);
}

/// The application's role copies a bulk load's contacts into each unit's own table (written in
/// batches; the table of every unit's guards have PostgreSQL write them one at a time), the
/// first unit's and one `unit add` makes later: its grants and `make_unit_tables()` give it
/// `INSERT` there and nothing more; a unit's role gets no other unit's table that way, and a
/// role whose grants lack it copies into the table of every unit.
#[test]
fn the_application_role_copies_into_each_units_own_contacts_table() {
    let db = Conformance::new();
    let table_of = |unit: i64| {
        let store = PgStore::open(Path::new(&db.0.url), &conformance::TEST_PAGE_KEY).unwrap();
        store.conn.contacts_table_of(unit).unwrap()
    };
    assert_eq!(table_of(1), "uppsok_u1.contacts");
    assert_eq!(table_of(2), "contacts", "a unit not there yet");
    let mut app = db.open();
    let tx = app.write().unwrap();
    tx.make_unit(2).unwrap();
    tx.commit().unwrap();
    assert_eq!(table_of(2), "uppsok_u2.contacts");
    // A unit's role, made the second unit's by the owner, and a third unit made after it.
    let role = "uppsok_unit_copy_grants";
    Client::connect(&db.0.admin, NoTls)
        .unwrap()
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role}; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
    {
        let mut owner =
            PgStore::open(Path::new(&db.0.owner_url), &conformance::TEST_PAGE_KEY).unwrap();
        let tx = owner.write().unwrap();
        tx.set_unit_role(role, 2).unwrap();
        tx.commit().unwrap();
    }
    let tx = app.write().unwrap();
    tx.make_unit(3).unwrap();
    tx.commit().unwrap();
    assert_eq!(table_of(3), "uppsok_u3.contacts");
    let mut check = Client::connect(&db.0.owner_url, NoTls).unwrap();
    let may = |c: &mut Client, who: &str, table: &str, what: &str| -> bool {
        c.query_one(
            "SELECT has_table_privilege($1, $2, $3)",
            &[&who, &table, &what],
        )
        .unwrap()
        .get(0)
    };
    for unit in 1..=3 {
        let s = format!("uppsok_u{unit}");
        assert!(may(&mut check, APP, &format!("{s}.contacts"), "INSERT"));
        for what in [
            "SELECT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ] {
            assert!(
                !may(&mut check, APP, &format!("{s}.contacts"), what),
                "{what} on {s}.contacts"
            );
        }
        for t in ["field_nights", "activities"] {
            assert!(
                !may(&mut check, APP, &format!("{s}.{t}"), "INSERT"),
                "{s}.{t}"
            );
        }
        let own = unit == 2;
        let usage: bool = check
            .query_one("SELECT has_schema_privilege($1, $2, 'USAGE')", &[&role, &s])
            .unwrap()
            .get(0);
        assert_eq!(usage, own, "the unit's role and {s}");
        assert_eq!(
            may(&mut check, role, &format!("{s}.contacts"), "INSERT"),
            own
        );
    }
    // Without the grants' last statement (a database granted before it), the table of every
    // unit, as before.
    check
        .batch_execute(&format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA uppsok_u1 FROM {APP};
             REVOKE ALL ON SCHEMA uppsok_u1 FROM {APP}"
        ))
        .unwrap();
    assert_eq!(table_of(1), "contacts");
    conformance::bulk_load_and_upgrade(&db);
}

/// Someone who has the application's database password, in psql: `begin_bulk_load()` is the
/// only door to the contacts' index and keys, and no way of calling it leaves them dropped or a
/// reference that does not hold; nothing else of the owner's is theirs.
#[test]
fn the_application_role_cannot_leave_the_contacts_without_their_keys() {
    let db = Conformance::new();
    let owner = db.0.owner_url.clone();
    let mut app = Client::connect(&db.0.url, NoTls).expect("the application's role connects");
    app.batch_execute("SET search_path = uppsok").unwrap();
    for attempt in [
        // The trigger set to fire at once: it fires after the drops, in the same statement.
        "BEGIN; SET CONSTRAINTS ALL IMMEDIATE; SELECT begin_bulk_load(); COMMIT",
        "BEGIN; SET CONSTRAINTS ALL IMMEDIATE; SELECT begin_bulk_load(); SELECT begin_bulk_load(); COMMIT",
        "BEGIN; SELECT begin_bulk_load(); SET CONSTRAINTS ALL DEFERRED; COMMIT",
        "BEGIN; SELECT begin_bulk_load(); SELECT begin_bulk_load(); COMMIT",
        // Rolled back to a savepoint: the drop goes with it.
        "BEGIN; SAVEPOINT s; SELECT begin_bulk_load(); ROLLBACK TO SAVEPOINT s; COMMIT",
        "BEGIN; SELECT begin_bulk_load(); PREPARE TRANSACTION 'x'",
    ] {
        let _ = app.batch_execute(attempt);
        let _ = app.batch_execute("ROLLBACK");
        assert_made_again(&owner);
    }
    // A contact of nobody, loaded and committed: the commit fails, nothing is kept.
    let err = app
        .batch_execute(
            "BEGIN; SELECT begin_bulk_load();
             INSERT INTO users VALUES (1, 'anna', 'admin', false, '2024-01-01', '\\x00');
             INSERT INTO contacts(id, date, person_id, created_by, created_at, attributes, note)
                 VALUES (1, '2024-01-01', 77, 1, 0, '\\x01', '\\x02');
             COMMIT",
        )
        .expect_err("a reference to nobody was committed");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION),
        "{err}"
    );
    let _ = app.batch_execute("ROLLBACK");
    assert_made_again(&owner);
    let count = |c: &mut Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(count(&mut app, "SELECT count(*) FROM users"), 0);
    // Nothing else the owner may do: the load's table, its trigger function, the table itself.
    for refused in [
        "INSERT INTO bulk_loads VALUES (1)",
        "DELETE FROM bulk_loads",
        "SELECT end_bulk_load()",
        "ALTER TABLE contacts DROP CONSTRAINT contacts_person_id_fkey",
        "DROP INDEX contacts_person",
        "ALTER TABLE bulk_loads DISABLE TRIGGER bulk_load_ends",
    ] {
        let err = app.batch_execute(refused).expect_err(refused);
        assert!(
            matches!(
                err.code(),
                Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
                    | Some(&postgres::error::SqlState::WRONG_OBJECT_TYPE)
                    | Some(&postgres::error::SqlState::FEATURE_NOT_SUPPORTED)
            ),
            "{refused}: {err}"
        );
    }
    assert_made_again(&owner);
    // A role the grants did not name may not call it (PUBLIC may not).
    let mut admin = Client::connect(&db.0.admin, NoTls).expect("the server's admin connects");
    admin
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE uppsok_stranger; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        )
        .unwrap();
    Client::connect(&owner, NoTls)
        .unwrap()
        .batch_execute("GRANT USAGE ON SCHEMA uppsok TO uppsok_stranger")
        .unwrap();
    let err = Client::connect(&with_database(&db.0.admin, &db.0.name), NoTls)
        .unwrap()
        .batch_execute("SET ROLE uppsok_stranger; SELECT uppsok.begin_bulk_load()")
        .expect_err("a role without the grant called it");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );
}

#[test]
fn a_database_without_the_schema_is_missing_and_one_with_it_is_not_made_again() {
    let db = TestServerDatabase::new();
    let url = Path::new(&db.owner_url);
    assert!(matches!(PgLocked::find(url), Err(StorageError::Missing(_))));
    drop(PgStore::create(url, &conformance::TEST_PAGE_KEY).unwrap());
    // Made, but without the format marker the vault writes: not an uppsok database yet, and
    // made again in its place (an `init` or `migrate` that never finished).
    assert!(matches!(
        PgStore::open(url, &conformance::TEST_PAGE_KEY),
        Err(StorageError::NotUppsok(..))
    ));
    let mut store = PgStore::create(url, &conformance::TEST_PAGE_KEY).unwrap();
    let tx = store.write().unwrap();
    tx.set_meta("format", FORMAT_VERSION).unwrap();
    tx.commit().unwrap();
    // With its marker, it is there: never made over.
    assert!(matches!(
        PgStore::create(url, &conformance::TEST_PAGE_KEY),
        Err(StorageError::AlreadyExists(_))
    ));
}

#[test]
fn a_location_shows_no_password() {
    let config =
        postgres::Config::from_str("postgres://anna:hemligt@db.example:5433/stad").unwrap();
    assert_eq!(
        display_location(&config),
        "postgres://anna@db.example:5433/stad"
    );
    // Every host of a list, and an address to reach them at, as the driver uses them.
    let config = postgres::Config::from_str(
        "postgres://anna:hemligt@%2Ftmp,db.example:5433/stad?hostaddr=10.0.0.1",
    )
    .unwrap();
    assert_eq!(
        display_location(&config),
        "postgres://anna@%2Ftmp:5432,db.example:5433/stad (at 10.0.0.1)"
    );
    let err = connect(Path::new("postgres://anna:hemligt@127.0.0.1:1/stad"))
        .err()
        .expect("nothing listens on port 1");
    assert!(!err.to_string().contains("hemligt"), "{err}");
    // A password given as a parameter, in an address refused for another parameter; and one
    // with an `@` not written as %40, which would parse with part of it as the host.
    for url in [
        "postgres://anna@127.0.0.1:1/stad?password=hemligt&bogus=1",
        "postgres://anna@127.0.0.1:1/stad?sslmode=bogus&password=hemligt",
        "postgres://anna:hem@ligt@127.0.0.1:1/stad",
        // Red team: a '?' or '#' in a password made what came before it the address shown,
        // and an upper-case scheme made the whole address a file name shown as it was.
        "postgres://anna:hemligt?x@127.0.0.1:notaport/stad",
        "postgres://anna:hemligt#x@127.0.0.1:notaport/stad",
        "postgres://anna:hem?ligt@127.0.0.1:1/stad?foo=1",
        "POSTGRES://anna:hemligt@127.0.0.1:notaport/stad",
        "mysql://anna:hemligt@127.0.0.1:1/stad",
    ] {
        let err = connect(Path::new(url)).err().expect("refused");
        let shown = err.to_string();
        assert!(
            !shown.contains("hemligt") && !shown.contains("ligt@") && !shown.contains(":hem"),
            "{shown}"
        );
    }
}

#[test]
fn a_refused_statement_names_no_value() {
    let db = TestServerDatabase::new();
    let mut store = PgStore::create(Path::new(&db.owner_url), &conformance::TEST_PAGE_KEY).unwrap();
    let tx = store.write().unwrap();
    let user = |name: &str| UserRow {
        id: 1,
        name: name.into(),
        role: "admin".into(),
        disabled: false,
        created_at: "2026-01-01".into(),
        mac: vec![1],
    };
    tx.insert_user(&user("Hemliga Hanna")).unwrap();
    let err = tx
        .insert_user(&user("Hemliga Hanna"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("users_pkey"), "{err}");
    assert!(!err.contains("Hemliga"), "{err}");
}

/// A batch of a bulk load goes to the server on a thread of its own while the next is gathered:
/// a batch the server refuses is reported by the next statement (at the latest, the commit),
/// its message names no value, nothing of the load is kept, and the connection goes on.
#[test]
fn a_batch_refused_while_the_next_is_gathered_fails_the_load_and_keeps_nothing() {
    let db = Conformance::new();
    // A date the server refuses: the fifth row of the first batch has it.
    Client::connect(&db.0.owner_url, NoTls)
        .unwrap()
        .batch_execute(
            "ALTER TABLE uppsok.contacts ADD CONSTRAINT refused_date CHECK (date <> '2024-01-02')",
        )
        .unwrap();
    let mut b = db.open();
    {
        let tx = b.write().unwrap();
        tx.insert_user(&loaded_user()).unwrap();
        tx.begin_bulk_load().unwrap();
        let mut refused = None;
        for id in 1..=(3 * PENDING_ROWS as i64) {
            let mut contact = loaded_contact(id, None);
            if id == 5 {
                contact.date = "2024-01-02".into();
            }
            if let Err(e) = tx.insert_contact(&contact) {
                refused = Some((id, e.to_string()));
                break;
            }
        }
        // Sent when the first batch was full, refused while the second was gathered: the
        // second's sending reports it.
        let (at, why) = refused.expect("the refused batch was reported");
        assert_eq!(at, 2 * PENDING_ROWS as i64, "{why}");
        assert!(why.contains("refused_date"), "{why}");
        assert!(!why.contains("2024-01-02"), "{why}");
        assert!(
            tx.commit().is_err(),
            "a load with a refused batch was committed"
        );
    }
    let r = b.read().unwrap();
    assert_eq!(r.contact_count().unwrap(), 0);
    // A load whose last batch is refused: the commit reports it, and nothing is kept.
    drop(r);
    {
        let tx = b.write().unwrap();
        tx.insert_user(&loaded_user()).unwrap();
        tx.begin_bulk_load().unwrap();
        for id in 1..=(PENDING_ROWS as i64) {
            let mut contact = loaded_contact(id, None);
            if id == PENDING_ROWS as i64 {
                contact.date = "2024-01-02".into();
            }
            tx.insert_contact(&contact).unwrap();
        }
        let err = tx.commit().unwrap_err().to_string();
        assert!(err.contains("refused_date"), "{err}");
    }
    assert_eq!(b.read().unwrap().contact_count().unwrap(), 0);
}

/// In a bulk load a refused statement ends the server's transaction (there is no savepoint to
/// go back to), and a `COMMIT` of it is answered as a rollback, without an error. Whatever
/// the caller did with the error, the commit must then fail: nothing is kept, and no one is
/// told it was.
#[test]
fn a_commit_after_a_refused_statement_of_a_bulk_load_fails_and_keeps_nothing() {
    let db = Conformance::new();
    let mut b = db.open();
    {
        let tx = b.write().unwrap();
        tx.insert_user(&loaded_user()).unwrap();
        tx.begin_bulk_load().unwrap();
        // The same user again: refused by the server (its key), the error set aside.
        assert!(tx.insert_user(&loaded_user()).is_err());
        for id in 1..=3 {
            let _ = tx.insert_contact(&loaded_contact(id, None));
        }
        assert!(
            tx.commit().is_err(),
            "a transaction the server had ended was reported committed"
        );
    }
    let r = b.read().unwrap();
    assert_eq!(r.contact_count().unwrap(), 0);
    assert!(r.users().unwrap().is_empty());
}

/// The log is append-only on the server: the application's role may not change or remove an
/// entry, the trigger refuses it even to the table's owner, and `integrity` (so `audit`) says
/// when either guard is not in force for the role it connects as.
#[test]
fn the_log_is_append_only_and_integrity_says_when_it_is_not() {
    let db = Conformance::new();
    let entry = AuditRow {
        seq: 1,
        at: "2026-01-01T00:00:00Z".into(),
        user_id: None,
        action: "init".into(),
        objects: String::new(),
        detail: String::new(),
        mac: vec![7; 32],
    };
    let mut app = db.open();
    let tx = app.write().unwrap();
    tx.insert_audit(&entry).unwrap();
    // Through the port: refused, and the transaction goes on.
    assert!(tx.update_audit_mac(1, &[8; 32]).is_err());
    tx.commit().unwrap();
    assert_eq!(app.integrity().unwrap(), IntegrityFacts::default());
    // With SQL, as the application's role: no privilege.
    let sql = "UPDATE uppsok.audit_log SET mac = '\\x00'; DELETE FROM uppsok.audit_log; TRUNCATE uppsok.audit_log";
    for statement in sql.split("; ") {
        let mut c = Client::connect(&db.0.url, NoTls).unwrap();
        let e = c.batch_execute(statement).unwrap_err();
        assert_eq!(
            e.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}"
        );
    }
    // As the owner: the trigger refuses it.
    let mut owner = Client::connect(&db.0.owner_url, NoTls).unwrap();
    for statement in sql.split("; ") {
        let e = owner.batch_execute(statement).unwrap_err();
        let message = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_default();
        assert!(message.contains("append-only"), "{statement}: {message}");
    }
    let problems = |url: &str| {
        PgStore::open(Path::new(url), &conformance::TEST_PAGE_KEY)
            .unwrap()
            .integrity()
            .unwrap()
            .problems
    };
    // Connected as the owner, or as a superuser, the log is not protected: said.
    let as_owner = problems(&db.0.owner_url);
    assert!(
        as_owner.iter().any(|p| p.contains("owns the audit log")),
        "{as_owner:?}"
    );
    let as_superuser = problems(&with_database(&server(), &db.0.name));
    assert!(
        as_superuser.iter().any(|p| p.contains("superuser")),
        "{as_superuser:?}"
    );
    // The application's role given the right to rewrite it: said.
    owner
        .batch_execute("GRANT UPDATE ON uppsok.audit_log TO uppsok_app")
        .unwrap();
    let granted = problems(&db.0.url);
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert!(
        granted[0].contains("may UPDATE the audit log"),
        "{granted:?}"
    );
    owner
        .batch_execute("REVOKE UPDATE ON uppsok.audit_log FROM uppsok_app; ALTER TABLE uppsok.audit_log DISABLE TRIGGER audit_log_append_only")
        .unwrap();
    let disabled = problems(&db.0.url);
    assert!(
        disabled.iter().any(|p| p.contains("turned off")),
        "{disabled:?}"
    );
    owner
        .batch_execute("ALTER TABLE uppsok.audit_log ENABLE TRIGGER audit_log_append_only")
        .unwrap();
    assert_eq!(problems(&db.0.url), Vec::<String>::new());
    // A member of the owner's role who must `SET ROLE` first (NOINHERIT) can still turn the
    // trigger off: said too. (A role of its own: the shared ones stay as they are.)
    let mut admin = Client::connect(&server(), NoTls).unwrap();
    let _ = admin.batch_execute(
        "DO $$ BEGIN CREATE ROLE uppsok_app_member LOGIN NOINHERIT;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    );
    admin
        .batch_execute(&format!("GRANT {OWNER} TO uppsok_app_member"))
        .unwrap();
    owner
        .batch_execute(&app_grants("uppsok_app_member"))
        .unwrap();
    let member = problems(&with_user(&db.0.url, "uppsok_app_member"));
    assert!(member.iter().any(|p| p.contains("owns")), "{member:?}");
}

/// Writes beside others (a new contact) wait for each other only at the log's head: one that
/// has written its rows but not read the head lets another write, log and commit meanwhile;
/// one that has read the head makes the next wait at its own head read (after its rows),
/// which then sees the entry the first appended; and an exclusive write waits for them all.
#[test]
fn writers_beside_others_wait_only_for_the_log_head() {
    use std::sync::mpsc;
    use std::time::Duration;
    let db = Conformance::new();
    {
        let mut b = db.open();
        let tx = b.write().unwrap();
        tx.insert_user(&conformance::user(1, "Åsa", "outreach"))
            .unwrap();
        tx.commit().unwrap();
    }
    let entry = |seq: i64| conformance::audit(seq, Some(1));
    // A person and a contact, by ids taken one by one; returns the contact's id.
    let rows = |tx: &dyn Transaction| -> i64 {
        let person = tx.take_id(Sequence::Persons).unwrap();
        tx.insert_person(person, &person.to_be_bytes()).unwrap();
        let id = tx.take_id(Sequence::Contacts).unwrap();
        tx.insert_contact(&conformance::contact(id, "2024-05-01", Some(person)))
            .unwrap();
        id
    };
    let head = |tx: &dyn Transaction| tx.audit_head().unwrap().map(|(seq, _)| seq);

    // 1. The first has written its rows; the second writes, logs and commits beside it.
    let mut a = db.open();
    let tx_a = a.write_beside().unwrap();
    let first = rows(&*tx_a);
    let mut b = db.open();
    let tx_b = b.write_beside().unwrap();
    let second = rows(&*tx_b);
    assert_ne!(first, second, "ids taken beside each other are distinct");
    assert_eq!(head(&*tx_b), None);
    tx_b.insert_audit(&entry(1)).unwrap();
    tx_b.commit().unwrap();

    // 2. The first reads the head (the second's entry) and holds it: a third writes its rows,
    //    then waits at the head until the first has appended and committed.
    assert_eq!(head(&*tx_a), Some(1));
    let (said, heard) = mpsc::channel();
    let third = std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let mut c = db.open();
            let tx = c.write_beside().unwrap();
            rows(&*tx);
            said.send("rows").unwrap();
            let seen = head(&*tx);
            said.send("head").unwrap();
            tx.insert_audit(&entry(seen.unwrap() + 1)).unwrap();
            tx.commit().unwrap();
            seen
        });
        assert_eq!(heard.recv_timeout(Duration::from_secs(10)), Ok("rows"));
        assert!(
            heard.recv_timeout(Duration::from_millis(500)).is_err(),
            "the third read the head while the first held it"
        );
        tx_a.insert_audit(&entry(2)).unwrap();
        tx_a.commit().unwrap();
        assert_eq!(heard.recv_timeout(Duration::from_secs(10)), Ok("head"));
        waiter.join().unwrap()
    });
    assert_eq!(third, Some(2), "the third's head is the first's entry");

    // 3. An exclusive write waits for a write beside others that is still open.
    let mut e = db.open();
    let tx_e = e.write_beside().unwrap();
    rows(&*tx_e);
    let (said, heard) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut x = db.open();
            let tx = x.write().unwrap();
            said.send(()).unwrap();
            drop(tx);
        });
        assert!(
            heard.recv_timeout(Duration::from_millis(500)).is_err(),
            "an exclusive write began beside an open write beside others"
        );
        drop(tx_e);
        assert_eq!(heard.recv_timeout(Duration::from_secs(10)), Ok(()));
    });

    // Three contacts, three entries in order; the dropped one left nothing but an id gap.
    let b = db.open();
    let r = b.read().unwrap();
    assert_eq!(r.contact_count().unwrap(), 3);
    let mut seqs = Vec::new();
    r.scan_audit_log(&mut |e| {
        seqs.push(e.seq);
        crate::storage::port::NEXT
    })
    .unwrap();
    assert_eq!(seqs, vec![1, 2, 3]);
}

/// The test server over TLS (`UPPSOK_TEST_POSTGRES_TLS`, set by `.ci/with-postgres`): host
/// `localhost` on a TCP port, `sslrootcert=` the throwaway authority that signed the server's
/// certificate (for the name localhost only); `other-ca.crt` beside it signed nothing of it.
fn tls_server() -> (String, String) {
    let url = std::env::var("UPPSOK_TEST_POSTGRES_TLS").unwrap_or_else(|_| {
        panic!(
            "UPPSOK_TEST_POSTGRES_TLS is not set: run the tests with `./.ci/with-postgres cargo test`, \
             which starts the test server with TLS on a local port"
        )
    });
    let ca = url.split("sslrootcert=").nth(1).expect("an authority file");
    let other = ca.replace("/ca.crt", "/other-ca.crt");
    (url, other)
}

/// Whether a connection made by uppsok's `connect` is encrypted, as the server sees it.
fn encrypted(url: &str) -> std::result::Result<bool, String> {
    let (mut client, _) = connect(Path::new(url)).map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

/// Over TCP the connection is TLS, verified (the authority, and the certificate's name) unless
/// the address says otherwise: a server whose certificate another authority signed, or whose
/// name is not the one connected to, is refused with a message that says so.
#[test]
fn over_tcp_the_connection_is_tls_verified_as_libpqs_verify_full() {
    let (url, other) = tls_server();
    assert_eq!(encrypted(&url), Ok(true), "{url}");
    // The name checked: the certificate is for localhost, not for 127.0.0.1.
    let by_address = url.replace("@localhost:", "@127.0.0.1:");
    let refused = encrypted(&by_address).expect_err("a certificate for another name");
    assert!(refused.contains("certificate"), "{refused}");
    // ... unless only the authority is to be verified.
    assert_eq!(
        encrypted(&format!("{by_address}&sslmode=verify-ca")),
        Ok(true)
    );
    // Another authority: refused, in every verifying mode.
    let foreign = url.replace(url.split("sslrootcert=").nth(1).unwrap(), &other);
    for mode in ["", "&sslmode=verify-full", "&sslmode=verify-ca"] {
        let refused = encrypted(&format!("{foreign}{mode}")).expect_err("another authority");
        assert!(
            refused.contains("certificate verify failed"),
            "{mode}: {refused}"
        );
        assert!(refused.contains("docs/deploy.md"), "advice: {refused}");
    }
    // No authority given: the system's, which did not sign this test certificate.
    let bare = url.split('?').next().unwrap().to_string();
    assert!(encrypted(&bare).is_err(), "verified without an authority");
    // What the address asks for, as libpq: encrypted without verification, or not at all.
    assert_eq!(encrypted(&format!("{bare}?sslmode=require")), Ok(true));
    assert_eq!(encrypted(&format!("{bare}?sslmode=prefer")), Ok(true));
    assert_eq!(encrypted(&format!("{bare}?sslmode=disable")), Ok(false));
    let refused = encrypted(&format!("{bare}?sslmode=verify")).expect_err("no such mode");
    assert!(refused.contains("sslmode is not one of"), "{refused}");
    // Red team: a socket first in the address switched TLS off for the TCP ways after it (a
    // `hostaddr`, a `host=` parameter, a second host): they are TLS too, and verified.
    let port = bare.rsplit(':').next().unwrap().split('/').next().unwrap();
    let ca = url.split("sslrootcert=").nth(1).unwrap();
    for (address, encrypted_expected) in [
        (
            format!("postgres://uppsok_test@%2Fnonexistent:{port}/postgres?host=localhost&sslrootcert={ca}"),
            true,
        ),
        (
            format!("postgres://uppsok_test@%2Fnonexistent,localhost:{port}/postgres?sslrootcert={ca}"),
            true,
        ),
    ] {
        assert_eq!(encrypted(&address), Ok(encrypted_expected), "{address}");
    }
    // By `hostaddr` behind a socket there is no name to verify: refused (never unencrypted).
    let by_address = format!(
        "postgres://uppsok_test@%2Fnonexistent:{port}/postgres?hostaddr=127.0.0.1&sslrootcert={ca}"
    );
    assert!(encrypted(&by_address).is_err(), "{by_address}");
    for address in [
        format!("postgres://uppsok_test@%2Fnonexistent,localhost:{port}/postgres?sslrootcert={other}"),
        format!("postgres://uppsok_test@%2Fnonexistent:{port}/postgres?host=localhost&sslrootcert={other}"),
    ] {
        let refused = encrypted(&address).expect_err("another authority, by a way after a socket");
        assert!(refused.contains("certificate verify failed"), "{address}: {refused}");
    }
    // An authority file that is not there is named (it is not a secret).
    let missing = encrypted(&format!("{bare}?sslrootcert=/nonexistent/ca.crt"))
        .expect_err("a missing authority file");
    assert!(missing.contains("/nonexistent/ca.crt"), "{missing}");
}

/// A schema made by a development build before the id sequences (ids in a table) is refused
/// at opening, with what to do, rather than failing at the first new id.
#[test]
fn a_schema_without_the_id_sequences_is_refused_with_advice() {
    let db = Conformance::new();
    Client::connect(&db.0.owner_url, NoTls)
        .unwrap()
        .batch_execute("DROP SEQUENCE uppsok.seq_contacts")
        .unwrap();
    let refused = match db.locked().open(&[&conformance::TEST_PAGE_KEY]) {
        Ok(_) => panic!("opened without the sequences"),
        Err(e) => e.to_string(),
    };
    assert!(refused.contains("uppsok migrate"), "{refused}");
}
