//! The PostgreSQL back end against the conformance suite, on a real server: the one named by
//! `UPPSOK_TEST_POSTGRES` (a URL whose role may create databases; `.ci/with-postgres` starts a
//! throwaway cluster and sets it). Each check gets a database of its own, dropped afterwards.

use super::*;
use crate::storage::conformance::{self, TestDatabase};
use crate::storage::port::UserRow;

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

/// A database of its own on the test server, dropped with this value.
pub(crate) struct TestServerDatabase {
    admin: String,
    name: String,
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
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            client.batch_execute(&sql).expect("a test database");
        }
        let url = with_database(&admin, &name);
        TestServerDatabase { admin, name, url }
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
        let mut store = PgStore::create(Path::new(&db.url), &conformance::TEST_PAGE_KEY)
            .expect("the schema is made");
        let tx = store.write().expect("a write transaction");
        tx.set_meta("format", FORMAT_VERSION)
            .expect("the format marker");
        tx.commit().expect("commit");
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

#[test]
fn a_database_without_the_schema_is_missing_and_one_with_it_is_not_made_again() {
    let db = TestServerDatabase::new();
    let url = Path::new(&db.url);
    assert!(matches!(PgLocked::find(url), Err(StorageError::Missing(_))));
    drop(PgStore::create(url, &conformance::TEST_PAGE_KEY).unwrap());
    assert!(matches!(
        PgStore::create(url, &conformance::TEST_PAGE_KEY),
        Err(StorageError::AlreadyExists(_))
    ));
    // Made, but without the format marker the vault writes: not an uppsok database yet.
    assert!(matches!(
        PgStore::open(url, &conformance::TEST_PAGE_KEY),
        Err(StorageError::NotUppsok(..))
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
    assert_eq!(
        redact("postgres://anna:hemligt@db.example/stad"),
        "postgres://anna@db.example/stad"
    );
    let err = connect(Path::new("postgres://anna:hemligt@127.0.0.1:1/stad"))
        .err()
        .expect("nothing listens on port 1");
    assert!(!err.to_string().contains("hemligt"), "{err}");
}

#[test]
fn a_refused_statement_names_no_value() {
    let db = TestServerDatabase::new();
    let mut store = PgStore::create(Path::new(&db.url), &conformance::TEST_PAGE_KEY).unwrap();
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
