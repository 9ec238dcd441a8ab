//! Shared helpers for the integration tests: the real `uppsok` binary, run as a process on a
//! temporary database, the way users run it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// `add` on 2024-03-01 with a valid value for every required category (sells, woman, 25-34,
/// men, norrmalm, outreach), followed by `extra` (`--code`, `--note`, ...).
pub fn add_args(extra: &[&str]) -> Vec<String> {
    [
        "add",
        "--date",
        "2024-03-01",
        "--role",
        "sells",
        "--gender",
        "woman",
        "--age-band",
        "25-34",
        "--counterpart",
        "men",
        "--district",
        "norrmalm",
        "--contact-type",
        "outreach",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect()
}

/// `activity add` of a lecture at a school on 2024-04-02, with `extra` (participants, a note).
pub fn activity_args(extra: &[&str]) -> Vec<String> {
    [
        "activity",
        "add",
        "--date",
        "2024-04-02",
        "--kind",
        "lecture",
        "--audience",
        "school",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect()
}

/// A passphrase long enough for the minimum.
pub const PASS: &str = "correct horse battery staple";
pub const ADMIN: &str = "admin";

/// A temporary database with an admin, and helpers to run commands against it.
pub struct Db {
    pub dir: TempDir,
    /// The database file, or the URL of a database on the test PostgreSQL server.
    pub path: PathBuf,
    /// The database on the test server, dropped with this value ([`Db::on_server`]).
    pub server: Option<ServerDatabase>,
}

/// A database of its own on the test PostgreSQL server (`UPPSOK_TEST_POSTGRES`, which
/// `.ci/with-postgres` sets), owned by [`SERVER_OWNER`], dropped when this value is.
pub struct ServerDatabase {
    admin: String,
    pub name: String,
    /// As the owner, who runs `init` (docs/deploy.md).
    pub owner_url: String,
    /// As the application's role, which owns nothing and may only append to the log.
    pub url: String,
}

/// The role that owns a test database (and runs `init`), and the one uppsok connects as.
pub const SERVER_OWNER: &str = "uppsok_owner";
pub const SERVER_APP: &str = "uppsok_app";

/// `url` with its user replaced.
pub fn with_user(url: &str, user: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[start..].find('@') {
        Some(at) => format!("{}{user}{}", &url[..start], &url[start + at..]),
        None => format!("{}{user}@{}", &url[..start], &url[start..]),
    }
}

/// The test server's URL (its role may create databases), or a failure saying how to get one.
pub fn test_server() -> String {
    std::env::var("UPPSOK_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "UPPSOK_TEST_POSTGRES is not set: run the tests with `./.ci/with-postgres cargo test`, \
             which starts a throwaway PostgreSQL cluster"
        )
    })
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let cut = base[start..]
        .find('/')
        .map(|i| start + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

/// A connection to the test server as its administrator (the city's database administrator:
/// every right on the server, no uppsok key).
pub fn server_admin(database: &str) -> postgres::Client {
    let url = with_database(&test_server(), database);
    postgres::Client::connect(&url, postgres::NoTls).expect("the test server answers")
}

impl ServerDatabase {
    /// A new, empty database (`template`: a copy of that database instead).
    pub fn new(template: Option<&str>) -> ServerDatabase {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin = test_server();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "uppsok_it_{}_{}_{stamp}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = server_admin("postgres");
        for role in [SERVER_OWNER, SERVER_APP] {
            let _ = client.batch_execute(&format!(
                "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            ));
        }
        let create = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t} OWNER {SERVER_OWNER}"),
            None => format!("CREATE DATABASE {name} OWNER {SERVER_OWNER}"),
        };
        client.batch_execute(&create).expect("a test database");
        let url = with_database(&admin, &name);
        ServerDatabase {
            owner_url: with_user(&url, SERVER_OWNER),
            url: with_user(&url, SERVER_APP),
            admin,
            name,
        }
    }

    /// What the database administrator does after `init` (docs/deploy.md): grants the
    /// application's role what it needs, the log only to read and append to.
    pub fn grant(&self) {
        let mut owner =
            postgres::Client::connect(&self.owner_url, postgres::NoTls).expect("the owner");
        owner
            .batch_execute(&uppsok::storage::pg::app_grants(SERVER_APP))
            .expect("the grants");
    }
}

impl Drop for ServerDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Whether the suite runs on the PostgreSQL back end (`UPPSOK_TEST_BACKEND=postgres`, with
/// the test server `UPPSOK_TEST_POSTGRES`): [`Db::new`] then makes its databases there. `.ci/run`
/// runs the tests of what uppsok does (not of its file) on both back ends.
pub fn on_server_backend() -> bool {
    std::env::var("UPPSOK_TEST_BACKEND").is_ok_and(|v| v == "postgres")
}

impl Db {
    /// A fresh, initialised database with user `admin` (passphrase [`PASS`]): a file, or a
    /// database on the test PostgreSQL server when the suite runs on that back end
    /// ([`on_server_backend`]).
    pub fn new() -> Db {
        if on_server_backend() {
            return Db::new_on_server();
        }
        let db = Db::empty();
        db.cmd_as(ADMIN, PASS).arg("init").assert().success();
        db
    }

    /// A copy of the database (and the key file beside it) in a directory of its own: another
    /// unit with the same data, whose publication register is its own.
    pub fn copy(&self) -> Db {
        if self.server.is_some() {
            return Db::server_copy(Some(self));
        }
        let db = Db::empty();
        for entry in std::fs::read_dir(self.dir.path()).expect("database directory") {
            let from = entry.expect("directory entry").path();
            if from.is_file() {
                std::fs::copy(&from, db.dir.path().join(from.file_name().unwrap())).expect("copy");
            }
        }
        db
    }

    /// A temporary directory where a database may be created.
    pub fn empty() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("uppsok.db");
        Db {
            dir,
            path,
            server: None,
        }
    }

    /// A fresh, initialised database on the test PostgreSQL server, with user `admin`: the
    /// owner ran `init` and granted the application's role its privileges, and the commands
    /// connect as that role.
    pub fn new_on_server() -> Db {
        let db = Db::server_copy(None);
        let server = db.server.as_ref().expect("on the server");
        db.cmd_as(ADMIN, PASS)
            .env("UPPSOK_DB", &server.owner_url)
            .arg("init")
            .assert()
            .success();
        server.grant();
        db
    }

    /// A database on the test PostgreSQL server, not yet initialised, as its owner (who runs
    /// `init`); files the commands write (exports, reports) go to a temporary directory.
    pub fn on_server() -> Db {
        let mut db = Db::server_copy(None);
        db.path = PathBuf::from(&db.server.as_ref().expect("on the server").owner_url);
        db
    }

    /// A copy, made by the server, of a database on the test server: the same rows, the same
    /// keys (a copy's publication register is its own).
    pub fn server_copy(of: Option<&Db>) -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let template = of.map(|db| db.server.as_ref().expect("a database on the server"));
        let server = ServerDatabase::new(template.map(|t| t.name.as_str()));
        Db {
            dir,
            path: PathBuf::from(&server.url),
            server: Some(server),
        }
    }

    /// The binary with a clean environment: no terminal, no user, no passphrase, English,
    /// cheap key derivation (a debug-build-only switch, see crypto::KdfParams::for_new_slot).
    pub fn bare(&self) -> Command {
        let mut c = Command::cargo_bin("uppsok").expect("binary");
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("UPPSOK_INSECURE_TEST_KDF", "1")
            .env("UPPSOK_DB", &self.path)
            .env("LANG", "C");
        c
    }

    /// The binary signed in as `user` with `pass` (through the environment).
    pub fn cmd_as(&self, user: &str, pass: &str) -> Command {
        let mut c = self.bare();
        c.env("UPPSOK_USER", user).env("UPPSOK_PASSPHRASE", pass);
        c
    }

    /// The binary signed in as the admin.
    pub fn cmd(&self) -> Command {
        self.cmd_as(ADMIN, PASS)
    }

    /// Adds a user with a role; their passphrase is [`PASS`].
    pub fn add_user(&self, name: &str, role: &str) {
        self.cmd()
            .args(["user", "add", name, "--role", role])
            .env("UPPSOK_NEW_PASSPHRASE", PASS)
            .assert()
            .success();
    }

    /// Adds units named `units` in order (the first names the unit everyone so far is in),
    /// then `users` (name, role, unit name), their passphrase [`PASS`] (docs/units.md).
    pub fn add_units(&self, units: &[&str], users: &[(&str, &str, &str)]) {
        for unit in units {
            self.cmd().args(["unit", "add", unit]).assert().success();
        }
        for (name, role, unit) in users {
            self.cmd()
                .args(["user", "add", name, "--role", role, "--unit", unit])
                .env("UPPSOK_NEW_PASSPHRASE", PASS)
                .assert()
                .success();
        }
    }

    /// Writes a file in the temporary directory and returns its path.
    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write");
        p
    }

    /// Imports CSV text as the admin; returns the process output.
    pub fn import(&self, csv: &str) -> Output {
        let f = self.file("import.csv", csv);
        self.cmd().arg("import").arg(&f).output().expect("run")
    }

    /// `stats --format json` with extra arguments, parsed.
    pub fn stats_json(&self, args: &[&str]) -> serde_json::Value {
        self.stats_json_as(ADMIN, PASS, args)
    }

    /// `stats --format json` signed in as `user`, parsed.
    pub fn stats_json_as(&self, user: &str, pass: &str, args: &[&str]) -> serde_json::Value {
        let out = self
            .cmd_as(user, pass)
            .arg("stats")
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "stats failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("stats JSON")
    }

    /// The database file and its side files, as bytes; on the server, the files on its disk
    /// of every table, index and TOAST table of the schema (after a `CHECKPOINT`, as a thief of
    /// the server's disk gets them; the server's WAL not included: docs/deploy.md).
    pub fn all_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        if let Some(server) = &self.server {
            let mut c = server_admin(&server.name);
            c.batch_execute("CHECKPOINT").expect("a checkpoint");
            let dir: String = c.query_one("SHOW data_directory", &[]).unwrap().get(0);
            // The schema's and each unit's (`uppsok_uN`: their contacts, nights, activities).
            let files = c
                .query(
                    "WITH s AS (SELECT oid FROM pg_namespace
                                 WHERE nspname = 'uppsok' OR nspname ~ '^uppsok_u[0-9]+$')
                     SELECT pg_relation_filepath(c.oid) FROM pg_class c
                     WHERE (c.relnamespace IN (SELECT oid FROM s)
                            OR c.oid IN (SELECT reltoastrelid FROM pg_class
                                         WHERE relnamespace IN (SELECT oid FROM s))
                            OR c.oid IN (SELECT i.indexrelid FROM pg_index i JOIN pg_class t
                                           ON t.oid = i.indrelid AND t.relkind = 't'
                                         WHERE t.oid IN (SELECT reltoastrelid FROM pg_class
                                           WHERE relnamespace IN (SELECT oid FROM s))))
                       AND pg_relation_filepath(c.oid) IS NOT NULL",
                    &[],
                )
                .unwrap();
            for f in files {
                let base = Path::new(&dir).join(f.get::<_, String>(0));
                for segment in 0.. {
                    let mut p = base.clone().into_os_string();
                    if segment > 0 {
                        p.push(format!(".{segment}"));
                    }
                    match std::fs::read(&p) {
                        Ok(bytes) => all.extend(bytes),
                        Err(_) => break,
                    }
                }
            }
            assert!(!all.is_empty(), "the server's files were read");
            return all;
        }
        for entry in std::fs::read_dir(self.dir.path()).expect("dir") {
            let p = entry.expect("entry").path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("uppsok.db") {
                all.extend(std::fs::read(&p).expect("read"));
            }
        }
        all
    }

    /// A connection to the file keyed with the page key the admin's passphrase opens (with
    /// the crate's own crypto): an insider tampering behind uppsok's back. Someone without a
    /// passphrase cannot read or write the file at all (tests/file_encryption.rs).
    pub fn raw(&self) -> rusqlite::Connection {
        insider_conn(&self.path, ADMIN, PASS)
    }

    /// The rows a query gives, run behind uppsok's back on either back end (the file keyed as
    /// [`Db::raw`] is; on the server, as the schema's owner), each value as text: numbers and
    /// text as they are, blobs in hex, NULL as "". For what a test checks was (not) written.
    pub fn sql_rows(&self, sql: &str) -> Vec<Vec<String>> {
        if let Some(server) = &self.server {
            let mut c = postgres::Client::connect(&server.owner_url, postgres::NoTls)
                .expect("the owner connects");
            c.batch_execute("SET search_path = uppsok").unwrap();
            return c
                .simple_query(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("").to_string())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect();
        }
        let conn = self.raw();
        let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(
                (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => String::new(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Real(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        rusqlite::types::ValueRef::Blob(b) => {
                            b.iter().map(|x| format!("{x:02x}")).collect()
                        }
                    })
                    .collect(),
            );
        }
        out
    }

    /// Runs statements behind uppsok's back, on either back end: on a file keyed as
    /// [`Db::raw`] is (an insider with the page key); on the server as the schema's owner, who
    /// may turn the log's append-only trigger off for the change and on again after it (as the
    /// server's administrator can: docs/security.md). The statements are plain SQL both
    /// engines take.
    #[track_caller]
    pub fn tamper(&self, sql: &str) {
        match &self.server {
            Some(server) => {
                let mut c = postgres::Client::connect(&server.owner_url, postgres::NoTls)
                    .expect("the owner connects");
                c.batch_execute(&format!(
                    "SET search_path = uppsok; BEGIN;
                     ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                     {sql};
                     ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
                     COMMIT"
                ))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            None => self
                .raw()
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// A value of a row behind uppsok's back ([`Db::sql_rows`]), as bytes.
    #[track_caller]
    pub fn blob(&self, table: &str, column: &str, id: i64) -> Vec<u8> {
        unhex(
            &self
                .sql_value(&format!("SELECT {column} FROM {table} WHERE id = {id}"))
                .unwrap_or_else(|| panic!("no {table} {id}")),
        )
    }

    /// Each row's columns as bytes, of a query of blob columns ([`Db::sql_rows`]).
    #[track_caller]
    pub fn sql_blobs(&self, sql: &str) -> Vec<Vec<Vec<u8>>> {
        self.sql_rows(sql)
            .iter()
            .map(|r| r.iter().map(|v| unhex(v)).collect())
            .collect()
    }

    /// Each row's id (its first column) and its second column as bytes ([`Db::sql_rows`]).
    #[track_caller]
    pub fn sql_id_blobs(&self, sql: &str) -> Vec<(i64, Vec<u8>)> {
        self.sql_rows(sql)
            .iter()
            .map(|r| (r[0].parse().expect("an id"), unhex(&r[1])))
            .collect()
    }

    /// The key file as stored: beside the database file, or its row on the server.
    pub fn key_file_bytes(&self) -> Vec<u8> {
        match &self.server {
            Some(_) => self.blob("key_file", "bytes", 1),
            None => std::fs::read(key_file_of(&self.path)).expect("the key file"),
        }
    }

    /// Writes the key file behind uppsok's back (beside the file, or its row on the server).
    pub fn write_key_file_bytes(&self, bytes: &[u8]) {
        match &self.server {
            Some(_) => self.set_blob("key_file", "bytes", 1, bytes),
            None => std::fs::write(key_file_of(&self.path), bytes).expect("the key file"),
        }
    }

    /// Writes a value of a row behind uppsok's back, on either back end ([`Db::tamper`]).
    #[track_caller]
    pub fn set_blob(&self, table: &str, column: &str, id: i64, bytes: &[u8]) {
        self.tamper(&format!(
            "UPDATE {table} SET {column} = {} WHERE id = {id}",
            self.blob_literal(bytes)
        ));
    }

    /// Bytes as an SQL literal of the back end's dialect, for [`Db::tamper`].
    pub fn blob_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match &self.server {
            Some(_) => format!("'\\x{hex}'::bytea"),
            None => format!("x'{hex}'"),
        }
    }

    /// The first value of the first row of a query ([`Db::sql_rows`]), if there is a row.
    pub fn sql_value(&self, sql: &str) -> Option<String> {
        self.sql_rows(sql)
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
    }

    /// A count or another number a query gives ([`Db::sql_rows`]).
    #[track_caller]
    pub fn sql_i64(&self, sql: &str) -> i64 {
        let v = self
            .sql_value(sql)
            .unwrap_or_else(|| panic!("{sql}: no row"));
        v.parse()
            .unwrap_or_else(|_| panic!("{sql}: {v} is not a number"))
    }

    /// The name of every table uppsok keeps, on either back end.
    pub fn sql_tables(&self) -> Vec<String> {
        let sql = if self.server.is_some() {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'uppsok' ORDER BY 1"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        };
        self.sql_rows(sql)
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    }
}

/// A contact as the library's `Vault::contacts().add` takes it: a woman who sells, in
/// norrmalm, on `date`, with `code` if given, no note.
pub fn new_contact(date: &str, code: Option<&str>) -> uppsok::domain::NewContact {
    use uppsok::domain::*;
    NewContact {
        date: parse_date(date).expect("a date"),
        code: code.and_then(PersonCode::normalise),
        attributes: Attributes {
            role: Role::Sells,
            gender: Gender::Woman,
            age_band: AgeBand::From25To34,
            counterpart: Counterpart::Men,
            district: District::new("norrmalm").expect("a district"),
            contact_type: ContactType::Outreach,
            referrals: Referrals::default(),
            trafficking: false,
            concern: None,
            projects: ProjectSet::none(),
        },
        note: zeroize::Zeroizing::new(String::new()),
        field_night: None,
    }
}

/// The CSV header with the eleven columns in the documented order.
pub const HEADER: &str =
    "date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note\n";

/// True if `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Bytes from hex as [`Db::sql_rows`] shows a blob (PostgreSQL's text form starts `\\x`).
#[track_caller]
pub fn unhex(hex: &str) -> Vec<u8> {
    let hex = hex.strip_prefix("\\x").unwrap_or(hex);
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().to_string()
}

/// The database's page key, as an insider who holds `user`'s passphrase gets it outside
/// uppsok, with the crate's own crypto and the key file beside the database.
pub fn page_key(db: &Path, user: &str, pass: &str) -> [u8; 32] {
    let mut keys = db.as_os_str().to_owned();
    keys.push(".keys");
    let bytes = std::fs::read(PathBuf::from(keys)).expect("the key file");
    let file = uppsok::crypto::KeyFile::parse(&bytes).expect("a key file");
    let opened = file
        .open_user(user, &uppsok::crypto::Passphrase::new(pass.into()))
        .expect("the user's slot opens");
    *opened.page_keys[0].expose()
}

/// A connection to the database file keyed with its page key: an insider writing the file
/// directly, outside uppsok.
pub fn insider_conn(db: &Path, user: &str, pass: &str) -> rusqlite::Connection {
    let key = page_key(db, user, pass);
    let conn = rusqlite::Connection::open(db).expect("the database file opens");
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
        .expect("the key is set");
    conn.busy_timeout(std::time::Duration::from_secs(15))
        .expect("a busy timeout");
    conn
}

/// A user's id and what the database seals to them (`master_wraps.wrapped_master`), read as an
/// insider.
pub fn wrap_of(conn: &rusqlite::Connection, user: &str) -> (i64, Vec<u8>) {
    conn.query_row(
        "SELECT u.id, w.wrapped_master FROM users u JOIN master_wraps w ON w.user_id = u.id WHERE u.name = ?1",
        [user],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("the user's wrap")
}

/// Recomputes a key file's MAC (the last 32 bytes) under a page key, as the documented format
/// says (docs/security.md, "The key file"): HMAC-SHA256 under HKDF-SHA256(page key, salt
/// "uppsok key file v1", info "mac"). An insider who holds the page key can do this outside
/// uppsok; nobody else can.
pub fn reseal_key_file(bytes: &mut [u8], page_key: &[u8; 32]) {
    use hmac::Mac;
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"uppsok key file v1"), page_key);
    let mut key = [0u8; 32];
    hk.expand(b"mac", &mut key).unwrap();
    let n = bytes.len() - 32;
    let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    m.update(&bytes[..n]);
    bytes[n..].copy_from_slice(&m.finalize().into_bytes());
}

/// The key file beside a database.
pub fn key_file_of(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".keys");
    PathBuf::from(p)
}

/// Writes `bytes` as the key file the way an insider holding `user`'s passphrase can, outside
/// uppsok, with the crate's own crypto: the file's MAC under the page key, and its seal in the
/// database (docs/security.md, "The key file") under the record key of the master key sealed
/// to the user. What uppsok still catches after this, it catches from an insider. On a server
/// the key file is a row, written as its owner ([`Db::tamper`]).
pub fn insider_write_key_file(db: &Db, user: &str, pass: &str, bytes: &mut [u8]) {
    use sha2::Digest;
    let file = uppsok::crypto::KeyFile::parse(&db.key_file_bytes()).expect("a key file");
    let opened = file
        .open_user(user, &uppsok::crypto::Passphrase::new(pass.into()))
        .expect("the user's slot opens");
    reseal_key_file(bytes, opened.page_keys[0].expose());
    let (id, wrapped) = db.sql_id_blobs(&format!(
        "SELECT u.id, w.wrapped_master FROM users u JOIN master_wraps w ON w.user_id = u.id
         WHERE u.name = '{user}'"
    ))[0]
        .clone();
    let keys = opened
        .secret
        .open_master(&wrapped, id)
        .expect("the master key")
        .derive(uppsok::crypto::KeyScheme::PerCapability);
    let mut record = b"uppsok/key-file/1\0".to_vec();
    record.extend_from_slice(&sha2::Sha256::digest(&*bytes));
    let seal: String = keys
        .record_mac(&record)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    db.tamper(&format!(
        "UPDATE meta SET value = '{seal}' WHERE key = 'key_file_seal'"
    ));
    db.write_key_file_bytes(bytes);
}

/// Every row of the audit log as stored, in order (for insider tests that rewrite it).
#[allow(dead_code)]
pub fn log_rows(conn: &rusqlite::Connection) -> Vec<uppsok::storage::AuditRow> {
    let mut st = conn
        .prepare(
            "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log ORDER BY seq",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok(uppsok::storage::AuditRow {
            seq: r.get(0)?,
            at: r.get(1)?,
            user_id: r.get(2)?,
            action: r.get(3)?,
            objects: r.get(4)?,
            detail: r.get(5)?,
            mac: r.get(6)?,
        })
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// A value bound to a statement of [`RawConn`].
#[allow(dead_code)]
pub enum V {
    I(i64),
    N(Option<i64>),
    T(String),
    B(Vec<u8>),
}

/// An insider's connection behind uppsok's back, on either back end: on a file keyed with the
/// page key `user`'s passphrase opens (with the crate's crypto); on the server as the schema's
/// owner, who turns the log's append-only trigger off for each statement and on again (as
/// [`Db::tamper`]). Statements take `?1`, `?2`, ... on both.
#[allow(dead_code)]
pub enum RawConn {
    File(rusqlite::Connection),
    Server(std::cell::RefCell<postgres::Client>),
}

#[allow(dead_code)]
impl RawConn {
    /// What an insider holding `user`'s passphrase reads and writes without uppsok: on a file
    /// as [`RawConn::of`]; on a server with the application's (the city's) password, not the
    /// owner's (the log stays append-only to it).
    pub fn as_application(db: &Db, user: &str, pass: &str) -> RawConn {
        match &db.server {
            None => RawConn::File(insider_conn(&db.path, user, pass)),
            Some(server) => {
                let mut c = postgres::Client::connect(&server.url, postgres::NoTls)
                    .expect("the application's role connects");
                c.batch_execute("SET search_path = uppsok").unwrap();
                RawConn::Server(std::cell::RefCell::new(c))
            }
        }
    }

    pub fn of(db: &Db, user: &str, pass: &str) -> RawConn {
        match &db.server {
            None => RawConn::File(insider_conn(&db.path, user, pass)),
            Some(server) => {
                let mut c = postgres::Client::connect(&server.owner_url, postgres::NoTls)
                    .expect("the owner connects");
                c.batch_execute("SET search_path = uppsok").unwrap();
                RawConn::Server(std::cell::RefCell::new(c))
            }
        }
    }

    /// Runs statements in one transaction; panics if one fails.
    #[track_caller]
    pub fn run(&self, statements: &[(&str, Vec<V>)]) {
        match self {
            RawConn::File(c) => {
                let tx = c.unchecked_transaction().unwrap();
                for (sql, params) in statements {
                    let values: Vec<rusqlite::types::Value> = params
                        .iter()
                        .map(|v| match v {
                            V::I(i) => rusqlite::types::Value::Integer(*i),
                            V::N(Some(i)) => rusqlite::types::Value::Integer(*i),
                            V::N(None) => rusqlite::types::Value::Null,
                            V::T(t) => rusqlite::types::Value::Text(t.clone()),
                            V::B(b) => rusqlite::types::Value::Blob(b.clone()),
                        })
                        .collect();
                    tx.execute(sql, rusqlite::params_from_iter(values))
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                tx.commit().unwrap();
            }
            RawConn::Server(c) => {
                let mut c = c.borrow_mut();
                let mut tx = c.transaction().unwrap();
                // (Only the owner may turn the trigger off; only the log needs it.)
                let log = statements.iter().any(|(sql, _)| sql.contains("audit_log"));
                if log {
                    tx.batch_execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
                        .unwrap();
                }
                for (sql, params) in statements {
                    let bound: Vec<Box<dyn postgres::types::ToSql + Sync>> =
                        params.iter().map(boxed).collect();
                    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                        bound.iter().map(|b| b.as_ref()).collect();
                    tx.execute(&dollar_placeholders(sql), &refs)
                        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
                }
                if log {
                    tx.batch_execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
                        .unwrap();
                }
                tx.commit().unwrap();
            }
        }
    }

    /// Runs one statement ([`RawConn::run`]).
    #[track_caller]
    pub fn execute(&self, sql: &str, params: Vec<V>) {
        self.run(&[(sql, params)]);
    }

    /// Every row of the audit log as stored, in order.
    pub fn log_rows(&self) -> Vec<uppsok::storage::AuditRow> {
        match self {
            RawConn::File(c) => log_rows(c),
            RawConn::Server(c) => c
                .borrow_mut()
                .query(
                    "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log ORDER BY seq",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| uppsok::storage::AuditRow {
                    seq: r.get(0),
                    at: r.get(1),
                    user_id: r.get(2),
                    action: r.get(3),
                    objects: r.get(4),
                    detail: r.get(5),
                    mac: r.get(6),
                })
                .collect(),
        }
    }

    /// A user's id and what the database seals to them (`master_wraps.wrapped_master`).
    pub fn wrap(&self, user: &str) -> (i64, Vec<u8>) {
        match self {
            RawConn::File(c) => wrap_of(c, user),
            RawConn::Server(c) => {
                let r = c
                    .borrow_mut()
                    .query_one(
                        "SELECT u.id, w.wrapped_master FROM users u
                         JOIN master_wraps w ON w.user_id = u.id WHERE u.name = $1",
                        &[&user],
                    )
                    .expect("the user's wrap");
                (r.get(0), r.get(1))
            }
        }
    }

    /// A text value of `meta`, if there is one.
    pub fn meta(&self, key: &str) -> Option<String> {
        match self {
            RawConn::File(c) => c
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .ok(),
            RawConn::Server(c) => c
                .borrow_mut()
                .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .unwrap()
                .map(|r| r.get(0)),
        }
    }
}

/// A value read by [`RawConn::query`].
#[allow(dead_code)]
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    I(i64),
    T(String),
    B(Vec<u8>),
    Bool(bool),
}

/// What a [`Val`] can be read as (SQLite keeps booleans as integers).
pub trait FromVal: Sized {
    fn from_val(v: &Val) -> Self;
}

impl FromVal for i64 {
    fn from_val(v: &Val) -> i64 {
        match v {
            Val::I(i) => *i,
            other => panic!("not a number: {other:?}"),
        }
    }
}

impl FromVal for String {
    fn from_val(v: &Val) -> String {
        match v {
            Val::T(t) => t.clone(),
            other => panic!("not text: {other:?}"),
        }
    }
}

impl FromVal for Vec<u8> {
    fn from_val(v: &Val) -> Vec<u8> {
        match v {
            Val::B(b) => b.clone(),
            other => panic!("not bytes: {other:?}"),
        }
    }
}

impl FromVal for bool {
    fn from_val(v: &Val) -> bool {
        match v {
            Val::Bool(b) => *b,
            Val::I(i) => *i != 0,
            other => panic!("not a boolean: {other:?}"),
        }
    }
}

impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: &Val) -> Option<T> {
        match v {
            Val::Null => None,
            v => Some(T::from_val(v)),
        }
    }
}

/// A row [`RawConn::query`] read.
pub struct RowVals(pub Vec<Val>);

#[allow(dead_code)]
impl RowVals {
    #[track_caller]
    pub fn get<T: FromVal>(&self, i: usize) -> T {
        T::from_val(&self.0[i])
    }

    /// The first two columns.
    #[track_caller]
    pub fn pair<A: FromVal, B: FromVal>(&self) -> (A, B) {
        (self.get(0), self.get(1))
    }
}

/// A parameter as a [`V`] (what `rusqlite::params!` and `&[&x]` give).
fn as_v(p: &dyn rusqlite::ToSql) -> V {
    use rusqlite::types::ValueRef;
    use rusqlite::types::{ToSqlOutput, Value};
    let value = match p.to_sql().expect("a parameter") {
        ToSqlOutput::Borrowed(r) => match r {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        },
        ToSqlOutput::Owned(v) => v,
        _ => panic!("an unsupported parameter"),
    };
    match value {
        Value::Null => V::N(None),
        Value::Integer(i) => V::I(i),
        Value::Text(t) => V::T(t),
        Value::Blob(b) => V::B(b),
        Value::Real(_) => panic!("no real numbers here"),
    }
}

#[allow(dead_code)]
impl RawConn {
    /// Runs one statement with parameters as rusqlite takes them (`?1`, `?2`, ...).
    #[track_caller]
    pub fn exec(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) {
        self.execute(sql, params.iter().map(|p| as_v(*p)).collect());
    }

    /// Runs statements without parameters, in one transaction.
    #[track_caller]
    pub fn batch(&self, sql: &str) {
        match self {
            RawConn::File(c) => c
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            RawConn::Server(c) => c
                .borrow_mut()
                .batch_execute(&format!(
                    "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                     {sql};
                     ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only; COMMIT"
                ))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// The rows of a query (`?1`, `?2`, ... for parameters).
    #[track_caller]
    pub fn query(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Vec<RowVals> {
        match self {
            RawConn::File(c) => {
                let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let n = st.column_count();
                let mut rows = st.query(params).unwrap();
                let mut out = Vec::new();
                while let Some(r) = rows.next().unwrap() {
                    out.push(RowVals(
                        (0..n)
                            .map(|i| match r.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Null => Val::Null,
                                rusqlite::types::ValueRef::Integer(v) => Val::I(v),
                                rusqlite::types::ValueRef::Real(_) => panic!("a real number"),
                                rusqlite::types::ValueRef::Text(t) => {
                                    Val::T(String::from_utf8_lossy(t).into())
                                }
                                rusqlite::types::ValueRef::Blob(b) => Val::B(b.to_vec()),
                            })
                            .collect(),
                    ));
                }
                out
            }
            RawConn::Server(c) => {
                use postgres::types::Type;
                let values: Vec<V> = params.iter().map(|p| as_v(*p)).collect();
                let bound: Vec<Box<dyn postgres::types::ToSql + Sync>> =
                    values.iter().map(boxed).collect();
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    bound.iter().map(|b| b.as_ref()).collect();
                let rows = c
                    .borrow_mut()
                    .query(&dollar_placeholders(sql), &refs)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.iter()
                    .map(|r| {
                        RowVals(
                            r.columns()
                                .iter()
                                .enumerate()
                                .map(|(i, col)| match *col.type_() {
                                    Type::INT8 => r.get::<_, Option<i64>>(i).map(Val::I),
                                    Type::INT4 => {
                                        r.get::<_, Option<i32>>(i).map(|v| Val::I(v.into()))
                                    }
                                    Type::BOOL => r.get::<_, Option<bool>>(i).map(Val::Bool),
                                    Type::BYTEA => r.get::<_, Option<Vec<u8>>>(i).map(Val::B),
                                    _ => r.get::<_, Option<String>>(i).map(Val::T),
                                })
                                .map(|v| v.unwrap_or(Val::Null))
                                .collect(),
                        )
                    })
                    .collect()
            }
        }
    }

    /// The one row of a query ([`RawConn::query`]); panics if there is none.
    #[track_caller]
    pub fn query_one(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> RowVals {
        self.query(sql, params)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{sql}: no row"))
    }

    /// Replaces the whole log by `entries`, renumbered 1, 2, 3, ..., every running hash
    /// recomputed and every entry signed with `signer` (an insider holds no other key), the
    /// recorded head moved with it.
    pub fn rewrite_log(
        &self,
        signer: &uppsok::crypto::Signer,
        entries: Vec<uppsok::storage::AuditRow>,
    ) {
        let mut statements = vec![("DELETE FROM audit_log", Vec::new())];
        let mut hash = [0u8; 32];
        for (i, mut r) in entries.into_iter().enumerate() {
            r.seq = i as i64 + 1;
            hash = uppsok::audit_log::link_row(&hash, &r);
            statements.extend(signed_entry(signer, &r, &hash));
        }
        self.run(&statements);
    }

    /// Appends an entry signed with `signer`, in the name of `author`.
    pub fn append_signed(
        &self,
        signer: &uppsok::crypto::Signer,
        author: Option<i64>,
        action: &str,
        objects: &str,
        detail: &str,
    ) {
        let last = self.log_rows().pop().expect("a log");
        let row = uppsok::storage::AuditRow {
            seq: last.seq + 1,
            at: last.at.clone(),
            user_id: author,
            action: action.into(),
            objects: objects.into(),
            detail: detail.into(),
            mac: Vec::new(),
        };
        let previous = uppsok::audit_log::Mark::parse(&last.mac).unwrap().hash;
        let hash = uppsok::audit_log::link_row(&previous, &row);
        self.run(&signed_entry(signer, &row, &hash));
    }
}

/// The statements that write `r` signed by `signer` and move the recorded head to it.
fn signed_entry(
    signer: &uppsok::crypto::Signer,
    r: &uppsok::storage::AuditRow,
    hash: &[u8; 32],
) -> Vec<(&'static str, Vec<V>)> {
    let mark = uppsok::audit_log::Mark {
        signature: Some(signer.sign(uppsok::audit_log::chain::SIGNATURE_DOMAIN, hash)),
        hash: *hash,
    };
    vec![
        (
            "INSERT INTO audit_log (seq, at, user_id, action, objects, detail, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            vec![
                V::I(r.seq),
                V::T(r.at.clone()),
                V::N(r.user_id),
                V::T(r.action.clone()),
                V::T(r.objects.clone()),
                V::T(r.detail.clone()),
                V::B(mark.to_bytes()),
            ],
        ),
        (
            "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
            vec![V::T(uppsok::audit_log::head_text(r.seq, hash))],
        ),
    ]
}

fn boxed(v: &V) -> Box<dyn postgres::types::ToSql + Sync> {
    match v {
        V::I(i) => Box::new(*i),
        V::N(o) => Box::new(*o),
        V::T(t) => Box::new(t.clone()),
        V::B(b) => Box::new(b.clone()),
    }
}

/// `?1`, `?2`, ... as PostgreSQL's `$1`, `$2`, ...
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}
