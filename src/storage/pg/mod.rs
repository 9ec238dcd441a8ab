//! The PostgreSQL back end: the same tables as the SQLite file's, in a schema `uppsok` of a
//! database on a PostgreSQL server (15 or newer). The only module that names `postgres`.
//!
//! Encryption stays in the client. The server holds what the SQLite file holds inside its
//! page encryption: ids, dates, pseudonyms, user names and roles, timestamps, the audit log's
//! entries and envelopes; never a key, a note, a category or a person code. The key file (the
//! sealed keys that open everything) is a row of the database, written in the transaction that
//! changes it. There are no pages to encrypt: the page key the key file seals is checked here
//! against a keyed check value (HMAC-SHA256 of a fixed label), so a key file that belongs to
//! another database is refused as it is by SQLite, and a rekey replaces the check value.
//!
//! A session ([`Session`]) is the store's one connection borrowed for a read or a write. A
//! write takes a transaction-scoped advisory lock at once, which serialises writers across
//! processes and machines as the port requires. A write *beside others*
//! ([`Backend::write_beside`], a new contact) holds that lock shared, so it runs beside other
//! such writes and excludes only the exclusive ones, and takes a second, exclusive lock (the
//! log head's) only when it reads the log's head, which it holds until it ends: writers queue
//! only for the head. Ids come from the server's sequences, which a rolled-back transaction
//! does not give back (gaps are allowed; an id is never handed out twice). A read is a
//! `REPEATABLE READ READ ONLY` transaction, so it sees one committed state. Each write statement runs under a savepoint,
//! so a refused statement (a constraint) is an error that leaves the transaction usable, as the
//! port requires; a bulk load skips the savepoints (an error there ends the load).
//!
//! A database location is a URL, `postgres://USER@HOST[:PORT]/DATABASE` (a Unix socket
//! directory as the host, percent-encoded: `postgres://USER@%2Frun%2Fpostgresql/DATABASE`),
//! with the usual libpq parameters. Over TCP the connection is TLS, verified as libpq's
//! `sslmode=verify-full` does unless the address says otherwise (`sslmode=verify-ca`,
//! `require`, `prefer`, `allow`, `disable`), against the authority in `sslrootcert=FILE` (else
//! `~/.postgresql/root.crt` as libpq, else the system's authorities); over a Unix socket there
//! is none, as with libpq (docs/deploy.md).

mod rows;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hmac::{Hmac, Mac};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};
use postgres_openssl::MakeTlsConnector;
use sha2::Sha256;

use super::port::{
    Backend, DanglingReference, IntegrityFacts, Locked, Maintenance, Reads, Sequence, Transaction,
};
use super::{Result, StorageError, FORMAT_VERSION};

/// The schema uppsok's tables live in.
pub const SCHEMA_NAME: &str = "uppsok";

/// The tables, in PostgreSQL's dialect; every statement is idempotent. The columns are those
/// of `schema.sql` (see there what each holds); the two tables at the end hold what SQLite
/// keeps beside the file or in its encryption: the key file, and the page key's check value.
pub const SCHEMA: &str = include_str!("schema.sql");

/// How long a writer waits for another's transaction before giving up (as SQLite's).
const LOCK_TIMEOUT: &str = "15s";

/// The advisory lock every write transaction takes (shared by writes beside others,
/// exclusive by the others): "uppsok w" as a number.
const WRITE_LOCK: i64 = 0x7570_7073_6f6b_2077;

/// The advisory lock a write beside others takes when it reads the log's head: "uppsok h".
const HEAD_LOCK: i64 = 0x7570_7073_6f6b_2068;

/// What a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    /// The only writer.
    Write,
    /// A writer beside others, exclusive only from the log head's read to its end.
    Beside,
}

/// Rows fetched per round trip by a scan.
const PAGE: i64 = 10_000;

/// The label the page key's check value is an HMAC of.
const CHECK_LABEL: &[u8] = b"uppsok postgres page key check v1";

/// Whether a database location names a PostgreSQL server rather than a file.
pub fn is_url(location: &Path) -> bool {
    // Any scheme: an address is never taken for a file name (which a message would show
    // whole, a password in it included); one that is not postgres:// is refused by `connect`.
    location.to_string_lossy().contains("://")
}

fn check_value(page_key: &[u8; 32]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(page_key).expect("any key length");
    mac.update(CHECK_LABEL);
    mac.finalize().into_bytes().to_vec()
}

fn check_matches(page_key: &[u8; 32], stored: &[u8]) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(page_key).expect("any key length");
    mac.update(CHECK_LABEL);
    mac.verify_slice(stored).is_ok()
}

/// A server error as the port's error. Only the server's message and its code are kept: the
/// message names the constraint or table, while its detail can quote a row's values (a user
/// name, a pseudonym), which must not reach a message.
fn pg_error(e: postgres::Error) -> StorageError {
    match e.code() {
        Some(c)
            if *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::QUERY_CANCELED =>
        {
            return StorageError::Busy
        }
        _ => {}
    }
    match e.as_db_error() {
        Some(db) => StorageError::Backend(format!(
            "the PostgreSQL server refused: {} ({})",
            db.message(),
            db.code().code()
        )),
        None if e.is_closed() => {
            StorageError::Backend("the connection to the PostgreSQL server was closed".into())
        }
        // A client-side error (a connection, a conversion): its text names no value.
        None => StorageError::Backend(format!("PostgreSQL: {e}")),
    }
}

impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        pg_error(e)
    }
}

/// A server address as shown in messages: the URL without its password or parameters.
fn display_location(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string().replace('/', "%2F"),
            };
            // One port for all, or one per host.
            match ports.get(i).or(ports.first()) {
                Some(p) => format!("{host}:{p}"),
                None => host,
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost".to_string()
    } else {
        hosts.join(",")
    };
    let addrs: Vec<String> = config
        .get_hostaddrs()
        .iter()
        .map(|a| a.to_string())
        .collect();
    let via = if addrs.is_empty() {
        String::new()
    } else {
        format!(" (at {})", addrs.join(","))
    };
    let db = config.get_dbname().unwrap_or(user);
    let at = if user.is_empty() { "" } else { "@" };
    format!("postgres://{user}{at}{hosts}/{db}{via}")
}

/// How a server address that does not parse is shown: never in part (see `connect`).
const UNSHOWN: &str = "postgres://…";

/// A server address parsed as uppsok takes it: its connection settings and TLS parameters, or
/// why it is refused. An address that does not parse is never shown, not even in part: what is
/// taken for its user name or host may be part of a password (an unescaped '?', '#' or '@').
fn parse_location(url: &Path) -> Result<(postgres::Config, TlsSettings)> {
    let given = url.to_string_lossy();
    let unshown = || PathBuf::from(UNSHOWN);
    // The scheme in any case (`POSTGRES://`), as a URL's scheme is.
    let text = match given.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("postgres")
                || scheme.eq_ignore_ascii_case("postgresql") =>
        {
            format!("postgres://{rest}")
        }
        _ => {
            return Err(StorageError::NotUppsok(
                unshown(),
                "uppsok reaches a server by a postgres:// address only".into(),
            ))
        }
    };
    // An `@` in a password not written as `%40` makes the address parse with part of the
    // password as the host, which a message would then show: refused before parsing. So is
    // a '?' or '#' before the last '@' (the password's, else the user name would end there).
    let rest = &text["postgres://".len()..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let head = rest.split('/').next().unwrap_or("");
    let before_at = head.rfind('@').map_or("", |at| &head[..at]);
    if authority.matches('@').count() > 1 || before_at.contains(['?', '#']) {
        return Err(StorageError::NotUppsok(
            unshown(),
            "its user name or password holds an '@', '?' or '#': write them as %40, %3F, %23"
                .into(),
        ));
    }
    let (text, tls) =
        tls_parameters(&text).map_err(|why| StorageError::NotUppsok(unshown(), why))?;
    let config = postgres::Config::from_str(&text).map_err(|_| {
        StorageError::NotUppsok(
            unshown(),
            "it is not a PostgreSQL address uppsok understands (postgres://USER@HOST/DATABASE)"
                .into(),
        )
    })?;
    Ok((config, tls))
}

/// A server address as messages show it: without its password or parameters, and never in
/// part when it does not parse.
pub fn shown(url: &Path) -> String {
    match parse_location(url) {
        Ok((config, _)) => display_location(&config),
        Err(_) => UNSHOWN.to_string(),
    }
}

/// Connects to the server at `url`, with uppsok's schema first on the search path.
fn connect(url: &Path) -> Result<(Client, String)> {
    let (mut config, tls) = parse_location(url)?;
    config.application_name("uppsok");
    let shown = display_location(&config);
    // TLS whenever any way to the server is TCP: a host that is not a socket, a `hostaddr`,
    // or none (localhost). A socket first in a list must not switch it off for the rest.
    let over_tcp = config.get_hosts().is_empty()
        || !config.get_hostaddrs().is_empty()
        || config
            .get_hosts()
            .iter()
            .any(|h| matches!(h, postgres::config::Host::Tcp(_)));
    let connected = if over_tcp && tls.mode != Tls::Disable {
        let connector = tls_connector(&tls).map_err(|why| {
            StorageError::Backend(format!(
                "cannot connect to the PostgreSQL server {shown}: {why}"
            ))
        })?;
        config.ssl_mode(match tls.mode {
            Tls::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        config.connect(connector)
    } else {
        config.ssl_mode(postgres::config::SslMode::Disable);
        config.connect(NoTls)
    };
    let mut client = connected.map_err(|e| {
        let why = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| with_causes(&e));
        let advice = if why.contains("certificate verify failed") {
            " (the server's certificate did not pass verification against the authority uppsok \
             was given, sslrootcert=FILE in the address, for the address's host name; the \
             reason is above: docs/deploy.md, \"TLS\")"
        } else {
            ""
        };
        StorageError::Backend(format!(
            "cannot connect to the PostgreSQL server {shown}: {why}{advice}"
        ))
    })?;
    client.batch_execute(&format!(
        "SET search_path = {SCHEMA_NAME}; SET lock_timeout = '{LOCK_TIMEOUT}';"
    ))?;
    Ok((client, shown))
}

/// A client-side error with what caused it (a TLS handshake's failure says why: the
/// certificate's authority, its name). These name no value of a row or a password.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// How a connection over TCP is protected: libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Disable,
    /// TLS if the server offers it (`prefer`, and `allow`), not verified.
    Prefer,
    /// TLS, not verified.
    Require,
    /// TLS, the server's certificate verified against the authority, not its name.
    VerifyCa,
    /// TLS, the certificate verified and its name the host's (the default).
    VerifyFull,
}

/// The TLS settings an address gives.
struct TlsSettings {
    mode: Tls,
    /// `sslrootcert`: the file of the authorities the server's certificate is verified
    /// against (`system`: the system's).
    root: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of an address's parameters (the driver knows neither
/// libpq's verifying modes nor the authority file): the address without them, and the
/// settings (`verify-full` when no mode is given).
fn tls_parameters(url: &str) -> std::result::Result<(String, TlsSettings), String> {
    let mut settings = TlsSettings {
        mode: Tls::VerifyFull,
        root: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), settings));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                settings.mode = match value {
                    "disable" => Tls::Disable,
                    "allow" | "prefer" => Tls::Prefer,
                    "require" => Tls::Require,
                    "verify-ca" => Tls::VerifyCa,
                    "verify-full" => Tls::VerifyFull,
                    _ => return Err("its sslmode is not one of disable, allow, prefer, require, verify-ca, verify-full".into()),
                }
            }
            "sslrootcert" => settings.root = Some(PathBuf::from(percent_decoded(value))),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, settings))
}

/// `%XX` escapes decoded (a file name in an address); anything else kept as it is.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push((hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TLS connector for `settings`: the authorities to trust (the `sslrootcert` file alone;
/// else `~/.postgresql/root.crt`, as libpq; else the system's), and what is verified.
fn tls_connector(settings: &TlsSettings) -> std::result::Result<MakeTlsConnector, String> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    use openssl::x509::store::X509StoreBuilder;
    use openssl::x509::X509;
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    let mut builder =
        SslConnector::builder(SslMethod::tls_client()).map_err(|e| failed("TLS", &e))?;
    let home_root = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".postgresql/root.crt"))
        .filter(|p| p.is_file());
    let root = match &settings.root {
        Some(p) if p.as_os_str() == "system" => None,
        Some(p) => Some(p.clone()),
        None => home_root,
    };
    match root {
        Some(file) => {
            let pem = std::fs::read(&file).map_err(|e| {
                failed(
                    &format!("cannot read the authority file {}", file.display()),
                    &e,
                )
            })?;
            let certs = X509::stack_from_pem(&pem)
                .map_err(|e| failed(&format!("{} holds no PEM certificate", file.display()), &e))?;
            let mut store = X509StoreBuilder::new().map_err(|e| failed("TLS", &e))?;
            for cert in certs {
                store.add_cert(cert).map_err(|e| failed("TLS", &e))?;
            }
            builder.set_cert_store(store.build());
        }
        None => {
            // The system's authorities (the OpenSSL built in may not know where they are).
            let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
            if bundle.is_file() {
                builder
                    .set_ca_file(bundle)
                    .map_err(|e| failed("the system's authorities", &e))?;
            }
        }
    }
    if matches!(settings.mode, Tls::Prefer | Tls::Require) {
        builder.set_verify(SslVerifyMode::NONE);
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    if settings.mode != Tls::VerifyFull {
        connector.set_callback(|config, _| {
            config.set_verify_hostname(false);
            Ok(())
        });
    }
    Ok(connector)
}

/// The thread sending a bulk load's batch: it gives the connection back, and the buffer of
/// the rows sent if the server took them.
type Sending = std::thread::JoinHandle<(Client, Result<Vec<u8>>)>;

/// One connection, its prepared statements, and whether a transaction is open on it.
pub struct Conn {
    /// The connection; lent to the thread that sends a bulk load's batch (`in_flight`) until
    /// it is done (see [`Conn::client`]).
    client: RefCell<Option<Client>>,
    /// The batch of a bulk load being sent, and the thread sending it: the rows of the next
    /// batch are gathered meanwhile, while the server takes these (see [`Conn::flush`]).
    in_flight: RefCell<Option<Sending>>,
    /// The server refused a batch sent that way: the transaction is lost, and every statement
    /// but its rollback is refused until it ends (a `COMMIT` would end it as a rollback and
    /// say nothing).
    refused: Cell<bool>,
    statements: RefCell<HashMap<String, Statement>>,
    in_transaction: Cell<bool>,
    /// New persons and contacts of a bulk load not yet sent.
    pending: RefCell<Pending>,
}

/// New persons and contacts of a bulk load (an import, a migrate) waiting to be sent to the
/// server a batch at a time (by `COPY ... FROM STDIN BINARY`), which is many times faster than a
/// statement per row: they go when [`PENDING_ROWS`] have gathered, before any other statement on the
/// connection (so every read, and every other write, sees them), and before the commit. A
/// rolled-back transaction drops them unsent. Persons go before contacts (contacts name them).
///
/// A bulk load also looks persons up by pseudonym here, not with a round trip per new code:
/// at its first lookup it reads every person's pseudonym once (`known`), and adds those it
/// gathers. That stays true while the load lasts, as writers are serialised; any other write
/// statement forgets the map (it might change a person), and the next lookup reads it again.
#[derive(Default)]
struct Pending {
    persons: Vec<(i64, Vec<u8>)>,
    /// The contacts gathered, by unit, already in `COPY`'s format (no copy of each row is
    /// kept), and how many.
    contacts: BTreeMap<i64, CopyRows>,
    contact_rows: usize,
    /// A buffer of rows sent, kept for the next rows (a batch is megabytes: growing a new one
    /// each time moved every byte again and had the system clear fresh pages for it).
    spare: Option<Vec<u8>>,
    known: Option<HashMap<Vec<u8>, i64>>,
    /// Each user's unit (`user_units`), read at a load's first contact: each row's `unit` is
    /// its author's (schema.sql, "Each unit's tables").
    units: Option<HashMap<i64, i64>>,
    /// Whether this connection may write each unit's own table of contacts (see `flush`),
    /// asked once a unit a load.
    own_tables: HashMap<i64, bool>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.persons.is_empty() && self.contact_rows == 0
    }

    /// The rows gathered for `unit`'s table (a buffer of rows sent before, if there is one).
    fn contacts_of(&mut self, unit: i64) -> &mut CopyRows {
        let spare = &mut self.spare;
        self.contacts
            .entry(unit)
            .or_insert_with(|| match spare.take() {
                Some(mut rows) => {
                    rows.clear();
                    rows.extend_from_slice(COPY_HEADER);
                    CopyRows(rows)
                }
                None => CopyRows::default(),
            })
    }
}

/// Rows in `COPY`'s binary format (PostgreSQL's documentation, "COPY", "Binary Format"),
/// encoded into one buffer as the rows come and sent in one `COPY ... FROM STDIN BINARY`,
/// rather than each value through `ToSql` and a few kilobytes a send (`BinaryCopyInWriter`),
/// and without keeping a copy of each row until the batch goes.
struct CopyRows(Vec<u8>);

/// The header of `COPY`'s binary format: its signature, no flags, no extension.
const COPY_HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

impl Default for CopyRows {
    fn default() -> CopyRows {
        CopyRows(COPY_HEADER.to_vec())
    }
}

impl CopyRows {
    /// Starts a row of `fields` values.
    fn row(&mut self, fields: i16) {
        self.0.extend_from_slice(&fields.to_be_bytes());
    }

    /// A `BIGINT`, or NULL.
    fn int8(&mut self, value: Option<i64>) {
        match value {
            Some(v) => {
                self.0.extend_from_slice(&8i32.to_be_bytes());
                self.0.extend_from_slice(&v.to_be_bytes());
            }
            None => self.0.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }

    /// A `BYTEA` or `TEXT` value (text as its UTF-8 bytes).
    fn bytes(&mut self, value: &[u8]) {
        // A value of a gigabyte or more is not one PostgreSQL stores (an envelope is bounded
        // far below that): the length cannot overflow.
        self.0
            .extend_from_slice(&(value.len() as i32).to_be_bytes());
        self.0.extend_from_slice(value);
    }

    /// Ends the rows and sends them by `sql`; gives the buffer back for more.
    fn send(mut self, client: &mut Client, sql: &str) -> Result<Vec<u8>> {
        use std::io::Write;
        self.0.extend_from_slice(&(-1i16).to_be_bytes());
        let mut sink = client.copy_in(sql)?;
        // In pieces: the client copies what it is given into a buffer of its own before it
        // sends it, and a piece at a time that buffer stays small and is used again.
        let sent = self
            .0
            .chunks(COPY_PIECE)
            .try_for_each(|piece| sink.write_all(piece));
        if let Err(e) = sent {
            // The server's refusal, if that is what stopped it, through `pg_error` (whose
            // message quotes no value); else the client's own error, which quotes none.
            return Err(
                match e
                    .into_inner()
                    .map(|inner| inner.downcast::<postgres::Error>())
                {
                    Some(Ok(pg)) => pg_error(*pg),
                    Some(Err(other)) => StorageError::Backend(format!("PostgreSQL: {other}")),
                    None => StorageError::Backend("PostgreSQL: the rows could not be sent".into()),
                },
            );
        }
        sink.finish()?;
        Ok(self.0)
    }
}

/// The bytes of rows handed to the client at a time (see [`CopyRows::send`]).
const COPY_PIECE: usize = 64 * 1024;

/// The connection is gone: the thread sending a bulk load's rows could not start or did not
/// end (the transaction is lost with it; nothing of it is kept).
fn connection_lost() -> StorageError {
    StorageError::Backend("PostgreSQL: the connection was lost while rows were sent".into())
}

/// How many rows a bulk load gathers before it sends them.
const PENDING_ROWS: usize = 10_000;

impl Conn {
    fn new(client: Client) -> Conn {
        Conn {
            client: RefCell::new(Some(client)),
            in_flight: RefCell::new(None),
            refused: Cell::new(false),
            statements: RefCell::new(HashMap::new()),
            in_transaction: Cell::new(false),
            pending: RefCell::new(Pending::default()),
        }
    }

    /// Sends a bulk load's gathered rows, if any (see [`Pending`]).
    fn flush(&self) -> Result<()> {
        if self.pending.borrow().is_empty() {
            return Ok(());
        }
        let (persons, contacts) = {
            let mut pending = self.pending.borrow_mut();
            pending.contact_rows = 0;
            (
                std::mem::take(&mut pending.persons),
                std::mem::take(&mut pending.contacts),
            )
        };
        let mut tables = Vec::with_capacity(contacts.len());
        for &unit in contacts.keys() {
            tables.push(self.contacts_table_of(unit)?);
        }
        let mut copies: Vec<(CopyRows, String)> = Vec::with_capacity(1 + contacts.len());
        if !persons.is_empty() {
            let mut copy = CopyRows::default();
            for (id, pseudonym) in &persons {
                copy.row(2);
                copy.int8(Some(*id));
                copy.bytes(pseudonym);
            }
            copies.push((
                copy,
                "COPY persons(id, pseudonym) FROM STDIN BINARY".to_string(),
            ));
        }
        // `COPY` too: less of the server's time than one statement of arrays joined with each
        // author's unit (docs/performance.md). All sent on a thread of its own, in order (the
        // persons first: the contacts name them), with the connection lent to it: the rows of
        // the next batch are gathered meanwhile, while the server takes these, and the next
        // statement waits for them (`client`).
        copies.extend(contacts.into_values().zip(tables).map(|(rows, table)| {
            let sql = format!(
                "COPY {table}(id, date, person_id, field_night_id, created_by, created_at,
                              attributes, note, unit) FROM STDIN BINARY"
            );
            (rows, sql)
        }));
        self.settle()?;
        let Some(mut client) = self.client.borrow_mut().take() else {
            return Err(connection_lost());
        };
        let sending = std::thread::Builder::new()
            .name("uppsok-copy".into())
            .spawn(move || {
                // The buffer of the last batch sent is given back for the next contacts.
                let mut last = Ok(Vec::new());
                for (rows, sql) in copies {
                    last = rows.send(&mut client, &sql);
                    if last.is_err() {
                        break;
                    }
                }
                (client, last)
            });
        match sending {
            Ok(thread) => *self.in_flight.borrow_mut() = Some(thread),
            Err(_) => return Err(connection_lost()),
        }
        Ok(())
    }

    /// Waits for the batch being sent, if one is, takes the connection back, and says whether
    /// the server took the rows.
    fn settle(&self) -> Result<()> {
        let Some(thread) = self.in_flight.borrow_mut().take() else {
            return Ok(());
        };
        let (client, sent) = thread.join().map_err(|_| connection_lost())?;
        *self.client.borrow_mut() = Some(client);
        match sent {
            Ok(buffer) => self.pending.borrow_mut().spare = Some(buffer),
            Err(e) => {
                self.refused.set(true);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Refused after the server refused a batch sent on its own thread, until the
    /// transaction is rolled back.
    fn usable(&self) -> Result<()> {
        match self.refused.get() {
            false => Ok(()),
            true => Err(StorageError::Backend(
                "PostgreSQL: the server refused rows of this transaction, which is rolled back"
                    .into(),
            )),
        }
    }

    /// The connection, once a batch being sent is (see [`Conn::settle`]); none after the
    /// server refused one, until the transaction is rolled back.
    fn client(&self) -> Result<std::cell::RefMut<'_, Client>> {
        self.settle()?;
        self.usable()?;
        std::cell::RefMut::filter_map(self.client.borrow_mut(), Option::as_mut)
            .map_err(|_| connection_lost())
    }

    /// The table a bulk load copies a unit's contacts into: the unit's own, if this connection
    /// may write it (the tables' owner, the unit's role, the application's or a city's role
    /// granted as docs/deploy.md says: schema.sql's `unit_copy_grants()`), else the table of
    /// every unit (a role granted before that; on a unit's role the name `contacts` is its own
    /// unit's table, its schema first on the search path). A `COPY` into a partitioned table whose
    /// statement triggers read the rows written (the units' guards) inserts them one at a
    /// time, not in batches: half as much again of the server's time (docs/performance.md).
    fn contacts_table_of(&self, unit: i64) -> Result<String> {
        let own = unit_schema(unit);
        let known = self.pending.borrow().own_tables.get(&unit).copied();
        let may = match known {
            Some(may) => may,
            None => {
                let row = self.client()?.query_one(
                    "SELECT CASE WHEN to_regnamespace($1) IS NULL THEN false
                                 WHEN NOT has_schema_privilege($1, 'USAGE') THEN false
                                 ELSE coalesce(has_table_privilege(
                                          to_regclass(quote_ident($1) || '.contacts'),
                                          'INSERT'), false) END",
                    &[&own],
                )?;
                let may: bool = get(&row, 0)?;
                self.pending.borrow_mut().own_tables.insert(unit, may);
                may
            }
        };
        Ok(match may {
            true => format!("{own}.contacts"),
            false => "contacts".to_string(),
        })
    }

    /// Gathers a new person of a bulk load; sends the gathered rows when there are enough.
    fn gather_person(&self, id: i64, pseudonym: &[u8]) -> Result<()> {
        let full = {
            let mut pending = self.pending.borrow_mut();
            pending.persons.push((id, pseudonym.to_vec()));
            if let Some(known) = pending.known.as_mut() {
                known.insert(pseudonym.to_vec(), id);
            }
            pending.persons.len() >= PENDING_ROWS
        };
        if full {
            self.flush()?;
        }
        Ok(())
    }

    /// Gathers a new contact of a bulk load; sends the gathered rows when there are enough.
    fn gather_contact(&self, c: &super::port::ContactRow) -> Result<()> {
        if self.pending.borrow().units.is_none() {
            let rows = self
                .client()?
                .query("SELECT user_id, unit FROM user_units", &[])?;
            let mut units = HashMap::with_capacity(rows.len());
            for r in &rows {
                units.insert(get::<i64>(r, 0)?, get::<i64>(r, 1)?);
            }
            self.pending.borrow_mut().units = Some(units);
        }
        let full = {
            let mut pending = self.pending.borrow_mut();
            let unit = pending
                .units
                .as_ref()
                .and_then(|units| units.get(&c.created_by).copied())
                .unwrap_or(1);
            let copy = pending.contacts_of(unit);
            copy.row(9);
            copy.int8(Some(c.id));
            copy.bytes(c.date.as_bytes());
            copy.int8(c.person_id);
            copy.int8(c.field_night_id);
            copy.int8(Some(c.created_by));
            copy.int8(Some(c.created_at));
            copy.bytes(&c.attributes);
            copy.bytes(&c.note);
            copy.int8(Some(unit));
            pending.contact_rows += 1;
            pending.contact_rows >= PENDING_ROWS
        };
        if full {
            self.flush()?;
        }
        Ok(())
    }

    /// In a bulk load: the id of the person with this pseudonym, sent or gathered (see
    /// [`Pending`]: every pseudonym is read once, at the first lookup).
    fn bulk_person(&self, pseudonym: &[u8]) -> Result<Option<i64>> {
        if self.pending.borrow().known.is_none() {
            // The server's persons; the gathered ones are added to the map as they come, so
            // none is gathered yet unless the map was forgotten: add those too.
            let st = self.prepared("SELECT id, pseudonym FROM persons")?;
            let rows = self.client()?.query(&st, &[])?;
            let mut known = HashMap::with_capacity(rows.len());
            for r in &rows {
                known.insert(get::<Vec<u8>>(r, 1)?, get::<i64>(r, 0)?);
            }
            let mut pending = self.pending.borrow_mut();
            for (id, p) in &pending.persons {
                known.insert(p.clone(), *id);
            }
            pending.known = Some(known);
        }
        Ok(self
            .pending
            .borrow()
            .known
            .as_ref()
            .and_then(|k| k.get(pseudonym).copied()))
    }

    /// Forgets the map of persons by pseudonym and of users' units (a write might change
    /// either).
    fn forget_known(&self) {
        let mut pending = self.pending.borrow_mut();
        pending.known = None;
        pending.units = None;
        pending.own_tables.clear();
    }

    /// Drops the gathered rows unsent (the transaction is being rolled back).
    fn drop_gathered(&self) {
        // The batch being sent is waited for: what follows (the rollback) is sent after it.
        // Whether the server took it matters no more.
        let _ = self.settle();
        self.refused.set(false);
        *self.pending.borrow_mut() = Pending::default();
    }

    fn prepared(&self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let st = self.client()?.prepare(sql)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), st.clone());
        Ok(st)
    }

    // Every statement first sends a bulk load's gathered rows, so it sees them; a write
    // statement also forgets the bulk load's map of persons (`Pending`).

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.flush()?;
        let st = self.prepared(sql)?;
        Ok(self.client()?.query(&st, params)?)
    }

    /// Runs `f` on each row of a query as the rows arrive: the server goes on sending while
    /// `f` works, where [`Session::pages`] waits for each page before asking for the next. The
    /// connection is the query's until the last row (or `f` breaks), so `f` must not read.
    fn stream(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        f: &mut dyn FnMut(&Row) -> Result<super::port::Visit>,
    ) -> Result<()> {
        use postgres::fallible_iterator::FallibleIterator;
        self.flush()?;
        let st = self.prepared(sql)?;
        let mut client = self.client()?;
        let mut rows = client.query_raw(&st, params.iter().copied())?;
        while let Some(row) = rows.next()? {
            if f(&row)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    fn query_opt(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        self.flush()?;
        let st = self.prepared(sql)?;
        Ok(self.client()?.query_opt(&st, params)?)
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.flush()?;
        self.forget_known();
        let st = self.prepared(sql)?;
        Ok(self.client()?.execute(&st, params)?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.flush()?;
        self.forget_known();
        Ok(self.client()?.batch_execute(sql)?)
    }

    /// On a unit's role, puts the unit's own schema first on the search path, so that
    /// `contacts`, `field_nights` and `activities` are its unit's tables (schema.sql, "Each
    /// unit's tables"); a city's role keeps the tables of every unit. A database whose tables
    /// are not per unit (an earlier, unreleased layout) is refused.
    fn enter_unit(&self, shown: &str) -> Result<()> {
        let row = self.query_opt(
            &format!(
                "SELECT (SELECT c.relkind = 'p' FROM pg_class c
                          WHERE c.oid = to_regclass('{SCHEMA_NAME}.contacts')),
                        {SCHEMA_NAME}.session_unit()"
            ),
            &[],
        )?;
        let (per_unit, unit): (Option<bool>, Option<i64>) = match &row {
            Some(r) => (get(r, 0)?, get(r, 1)?),
            None => (None, None),
        };
        if per_unit != Some(true) {
            return Err(StorageError::NotUppsok(
                PathBuf::from(shown),
                "its contacts are not in tables of each unit's own (an earlier, unreleased \
                 layout of the PostgreSQL back end): make it again with `uppsok migrate`"
                    .into(),
            ));
        }
        if let Some(unit) = unit {
            self.batch(&format!(
                "SET search_path = {}, {SCHEMA_NAME}",
                unit_schema(unit)
            ))?;
        }
        Ok(())
    }

    /// Whether uppsok's schema exists in this database.
    fn schema_exists(&self) -> Result<bool> {
        Ok(self
            .query_opt(
                "SELECT 1 FROM pg_namespace WHERE nspname = $1",
                &[&SCHEMA_NAME],
            )?
            .is_some())
    }
}

/// The schema of a unit's own tables (schema.sql, "Each unit's tables").
fn unit_schema(unit: i64) -> String {
    format!("{SCHEMA_NAME}_u{unit}")
}

/// A column's value, or the port's error (a column changed to another type outside uppsok).
fn get<'a, T: postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i)
        .map_err(|e| StorageError::Changed(format!("a column of the database: {e}")))
}

/// A database found on a server, not yet opened.
pub struct PgLocked {
    conn: Conn,
    shown: String,
}

impl PgLocked {
    /// Finds the database at `url`: the server answers and uppsok's schema is there.
    pub fn find(url: &Path) -> Result<PgLocked> {
        let (client, shown) = connect(url)?;
        let conn = Conn::new(client);
        if !conn.schema_exists()? {
            return Err(StorageError::Missing(PathBuf::from(&shown)));
        }
        conn.enter_unit(&shown)?;
        Ok(PgLocked { conn, shown })
    }
}

fn read_key_file(conn: &Conn, shown: &str) -> Result<Vec<u8>> {
    match conn.query_opt("SELECT bytes FROM key_file WHERE id = 1", &[])? {
        Some(row) => get(&row, 0),
        None => Err(StorageError::KeyFileMissing(PathBuf::from(shown))),
    }
}

/// Which of `page_keys` the database's check value is of ([`StorageError::WrongKey`] if none).
fn check_key(conn: &Conn, shown: &str, page_keys: &[&[u8; 32]]) -> Result<usize> {
    let stored: Option<Vec<u8>> = conn
        .query_opt("SELECT check_value FROM page_key WHERE id = 1", &[])?
        .map(|r| get(&r, 0))
        .transpose()?;
    let Some(stored) = stored else {
        return Err(StorageError::NotUppsok(
            PathBuf::from(shown),
            "it has no page key check value".into(),
        ));
    };
    let which = page_keys
        .iter()
        .position(|k| check_matches(k, &stored))
        .ok_or_else(|| StorageError::WrongKey(PathBuf::from(shown)))?;
    // The id sequences came with writers beside each other (2026-12-03); a schema made by a
    // development build before them kept ids in a table, which nothing reads now.
    let sequences: bool = get(
        &conn.query(
            &format!(
                "SELECT to_regclass('{SCHEMA_NAME}.{}') IS NOT NULL",
                rows::sequence_name(super::port::Sequence::Contacts)
            ),
            &[],
        )?[0],
        0,
    )?;
    if !sequences {
        return Err(StorageError::NotUppsok(
            PathBuf::from(shown),
            "its schema was made by a development build of uppsok without the id sequences; move the unit's file onto a new database with `uppsok migrate`".into(),
        ));
    }
    Ok(which)
}

impl Locked for PgLocked {
    fn key_file(&self) -> Result<Vec<u8>> {
        read_key_file(&self.conn, &self.shown)
    }

    fn open(self: Box<Self>, page_keys: &[&[u8; 32]]) -> Result<(Box<dyn Backend>, usize)> {
        let which = check_key(&self.conn, &self.shown, page_keys)?;
        let PgLocked { conn, shown } = *self;
        Ok((Box::new(PgStore::from_conn(conn, shown)?), which))
    }

    fn location(&self) -> String {
        self.shown.clone()
    }
}

/// An open database on a PostgreSQL server.
pub struct PgStore {
    conn: Conn,
    shown: String,
}

impl PgStore {
    /// Makes uppsok's schema and tables in the database at `url`, with the check value of
    /// `page_key`. Fails if an uppsok database is there; a schema without a format marker (an
    /// `init` or a `migrate` that never finished, whose transaction the server rolled back) is
    /// replaced.
    pub fn create(url: &Path, page_key: &[u8; 32]) -> Result<PgStore> {
        let (client, shown) = connect(url)?;
        let conn = Conn::new(client);
        let unfinished = conn.schema_exists()?;
        if unfinished {
            let marked = conn
                .query_opt(
                    &format!("SELECT 1 FROM {SCHEMA_NAME}.meta WHERE key = 'format'"),
                    &[],
                )
                .map(|r| r.is_some())
                .unwrap_or(true);
            if marked {
                return Err(StorageError::AlreadyExists(PathBuf::from(&shown)));
            }
        }
        conn.batch("BEGIN")?;
        let made = (|| {
            if unfinished {
                conn.batch(&format!("DROP SCHEMA {SCHEMA_NAME} CASCADE"))?;
            }
            conn.batch(&format!("CREATE SCHEMA {SCHEMA_NAME}"))?;
            conn.batch(SCHEMA)?;
            conn.execute(
                "INSERT INTO page_key(id, check_value) VALUES (1, $1)",
                &[&check_value(page_key)],
            )?;
            conn.batch("COMMIT")
        })();
        if let Err(e) = made {
            let _ = conn.batch("ROLLBACK");
            return Err(match e {
                StorageError::Backend(why) => StorageError::Create(PathBuf::from(&shown), why),
                other => other,
            });
        }
        Ok(PgStore { conn, shown })
    }

    /// Opens the database at `url` with its page key and checks that it is one this build
    /// reads.
    pub fn open(url: &Path, page_key: &[u8; 32]) -> Result<PgStore> {
        let PgLocked { conn, shown } = PgLocked::find(url)?;
        check_key(&conn, &shown, &[page_key])?;
        PgStore::from_conn(conn, shown)
    }

    fn from_conn(conn: Conn, shown: String) -> Result<PgStore> {
        let format: Option<String> = conn
            .query_opt("SELECT value FROM meta WHERE key = 'format'", &[])?
            .map(|r| get(&r, 0))
            .transpose()?;
        match format.as_deref() {
            Some(FORMAT_VERSION) => Ok(PgStore { conn, shown }),
            Some(other) => Err(StorageError::Format(PathBuf::from(&shown), other.into())),
            None => Err(StorageError::NotUppsok(
                PathBuf::from(&shown),
                "it has no uppsok format marker".into(),
            )),
        }
    }
}

impl PgStore {
    /// A session of `mode` on the store's connection.
    fn session(&self, mode: Mode) -> Result<Session<'_>> {
        Session::begin(&self.conn, &self.shown, mode)
    }
}

impl Backend for PgStore {
    fn read(&self) -> Result<Box<dyn Reads + '_>> {
        Ok(Box::new(self.session(Mode::Read)?))
    }

    fn write(&mut self) -> Result<Box<dyn Transaction + '_>> {
        Ok(Box::new(self.session(Mode::Write)?))
    }

    fn write_beside(&mut self) -> Result<Box<dyn Transaction + '_>> {
        Ok(Box::new(self.session(Mode::Beside)?))
    }

    fn location(&self) -> String {
        self.shown.clone()
    }

    fn files(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    fn discard(self: Box<Self>) {
        let _ = self
            .conn
            .batch(&format!("DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE"));
    }
}

/// Every table, for compaction.
const TABLES: [&str; 14] = [
    "meta",
    "users",
    "persons",
    "person_merges",
    "field_nights",
    "contacts",
    "projects",
    "activities",
    "audit_log",
    "master_wraps",
    "recovery_keys",
    "pseudonym_keys",
    "key_file",
    "page_key",
];

/// Every reference the schema declares, as (table, its key, column, parent table): the
/// integrity check looks for rows whose reference points nowhere (possible only if someone
/// with the server's rights turned the constraints off).
const REFERENCES: [(&str, &str, &str, &str); 11] = [
    ("person_merges", "person_id", "person_id", "persons"),
    ("person_merges", "person_id", "merged_into", "persons"),
    ("person_merges", "person_id", "merged_by", "users"),
    ("field_nights", "id", "created_by", "users"),
    ("contacts", "id", "person_id", "persons"),
    ("contacts", "id", "field_night_id", "field_nights"),
    ("contacts", "id", "created_by", "users"),
    ("projects", "id", "created_by", "users"),
    ("activities", "id", "created_by", "users"),
    ("audit_log", "seq", "user_id", "users"),
    ("master_wraps", "user_id", "user_id", "users"),
];

impl Maintenance for PgStore {
    fn compact(&mut self) -> Result<bool> {
        // Rewrites each table without its dead row versions. The server's write-ahead log and
        // its archives keep older versions until they are recycled (docs/deploy.md). Only the
        // tables' owner may (for another role the server skips each table with a warning):
        // the application's role says so, and the owner schedules it (docs/deploy.md).
        let owner: bool = get(
            &self.conn.query(
                "SELECT bool_and(pg_has_role(c.relowner, 'USAGE')) FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p')
                   AND (n.nspname = $1 OR n.nspname ~ ('^' || $1 || '_u[0-9]+$'))",
                &[&SCHEMA_NAME],
            )?[0],
            0,
        )?;
        if !owner {
            return Ok(false);
        }
        for table in TABLES {
            self.conn
                .batch(&format!("VACUUM FULL {SCHEMA_NAME}.{table}"))?;
        }
        Ok(true)
    }

    fn erase_deleted(&mut self) -> Result<bool> {
        // A deleted row's version stays in its page until the table is vacuumed.
        self.compact()
    }

    fn flush_journal(&mut self) -> Result<()> {
        // A checkpoint needs a right the application's role may not have: best effort.
        let _ = self.conn.batch("CHECKPOINT");
        Ok(())
    }

    fn backup_to(&self, _dest: &Path) -> Result<()> {
        Err(StorageError::ServerBackup(self.shown.clone()))
    }

    fn integrity(&self) -> Result<IntegrityFacts> {
        let session = self.session(Mode::Read)?;
        let mut dangling = Vec::new();
        for (table, key, column, parent) in REFERENCES {
            let sql = format!(
                "SELECT t.{key} FROM {table} t WHERE t.{column} IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = t.{column}) ORDER BY 1"
            );
            for row in session.conn.query(&sql, &[])? {
                dangling.push(DanglingReference {
                    table: table.into(),
                    row: Some(get(&row, 0)?),
                    parent: parent.into(),
                });
            }
        }
        // Constraints turned off or not validated.
        let mut problems = log_guards(session.conn)?;
        problems.extend(schema_objects(session.conn)?);
        problems.extend(unit_guards(session.conn)?);
        for row in session.conn.query(
            "SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = $1 AND NOT c.convalidated ORDER BY 1",
            &[&SCHEMA_NAME],
        )? {
            let name: String = get(&row, 0)?;
            problems.push(format!("the constraint {name} is not validated"));
        }
        Ok(IntegrityFacts { problems, dangling })
    }

    fn interrupted_key_file(&self) -> Result<Option<Vec<u8>>> {
        // The key file is a row written in the transaction that changes it.
        Ok(None)
    }

    fn roll_back_key_file(&mut self) -> Result<()> {
        Ok(())
    }

    fn rekey_pages(&mut self, page_key: &[u8; 32]) -> Result<()> {
        let check = check_value(page_key);
        let tx = self.session(Mode::Write)?;
        tx.conn.execute(
            "UPDATE page_key SET check_value = $1 WHERE id = 1",
            &[&check],
        )?;
        Box::new(tx).commit()
    }
}

/// The privileges a role the application connects as needs, and no more: every table read and
/// written, but the audit log only read and appended to, and a bulk load's drop of the
/// contacts' index and keys only through `begin_bulk_load()` (schema.sql). A database
/// administrator runs this (docs/deploy.md) as the schema's owner, after `uppsok init`.
pub fn app_grants(role: &str) -> String {
    format!(
        "GRANT USAGE ON SCHEMA {SCHEMA_NAME} TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA_NAME} TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {SCHEMA_NAME} TO {role};
REVOKE UPDATE, DELETE, TRUNCATE ON {SCHEMA_NAME}.audit_log FROM {role};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {SCHEMA_NAME}.unit_roles FROM {role};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {SCHEMA_NAME}.bulk_loads FROM {role};
GRANT EXECUTE ON FUNCTION {SCHEMA_NAME}.begin_bulk_load() TO {role};
GRANT EXECUTE ON FUNCTION {SCHEMA_NAME}.make_unit_tables(BIGINT) TO {role};
SELECT {SCHEMA_NAME}.unit_copy_grants();
"
    )
}

/// What a unit's role may not do to the city's shared tables (schema.sql, "The city's shared
/// tables"): read a person's or a user's whole row, system columns included (it is granted
/// their columns instead, [`SHARED_COLUMNS_ONLY`]), change a person (only a city role's rekey
/// and forget do; and whoever may change a person's row may lock it, which shows which person
/// another unit is logging a contact with),
/// write which unit a user is in, write what only administration writes (users, the recovery
/// key, the pseudonym keys, the page key's check, and with several units the projects), or
/// remove a setting, the key file or a key wrap. `uppsok unit role` revokes them, the schema's
/// guards refuse them too, and `audit` fails while a unit's role holds any.
const SHARED_REFUSED: [(&str, &str); 10] = [
    ("persons", "SELECT, UPDATE, DELETE, TRUNCATE"),
    ("user_units", "INSERT, UPDATE, DELETE, TRUNCATE"),
    ("users", "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"),
    ("recovery_keys", "INSERT, UPDATE, DELETE, TRUNCATE"),
    ("pseudonym_keys", "INSERT, UPDATE, DELETE, TRUNCATE"),
    ("page_key", "INSERT, UPDATE, DELETE, TRUNCATE"),
    ("meta", "DELETE, TRUNCATE"),
    ("key_file", "DELETE, TRUNCATE"),
    ("master_wraps", "DELETE, TRUNCATE"),
    ("projects", "INSERT, UPDATE, DELETE, TRUNCATE"),
];

/// The city's shared tables whose rows another unit's work locks: a new contact's foreign keys
/// lock its person's and its author's row (`FOR KEY SHARE`), which leaves the locking
/// transaction's id in the row's `xmax`, and a person's `xmin` is the transaction that made it;
/// next to the log's entries (whose `xmin` is their transaction's) that showed a red team
/// (round 7) which person each of another unit's contacts was with, after the fact. A unit's
/// role reads these tables' columns, granted one by one, and not their rows: PostgreSQL then
/// refuses it every system column (`xmin`, `xmax`, `ctid`).
const SHARED_COLUMNS_ONLY: [&str; 2] = ["persons", "users"];

/// The privileges of a unit's role (`uppsok unit role`, run as the schema's owner): the
/// application's ([`app_grants`]), but of the units' field nights, contacts and activities
/// only its own unit's tables (schema.sql, "Each unit's tables"), none of the city's tables
/// that hold every unit's rows, and nothing of the units' schemas in `others`; and none of
/// [`SHARED_REFUSED`], which the guards refuse it anyway. `role` is a name
/// [`crate::domain::is_database_role`] allows.
fn unit_grants(role: &str, unit: i64, others: &[String]) -> String {
    let role = format!("\"{role}\"");
    let own = unit_schema(unit);
    let mut sql = app_grants(&role);
    sql.push_str(&format!(
        "REVOKE ALL ON {SCHEMA_NAME}.field_nights, {SCHEMA_NAME}.contacts, {SCHEMA_NAME}.activities FROM {role};
REVOKE EXECUTE ON FUNCTION {SCHEMA_NAME}.make_unit_tables(BIGINT) FROM {role};
GRANT USAGE ON SCHEMA {own} TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON {own}.field_nights, {own}.contacts, {own}.activities TO {role};
"
    ));
    for (table, refused) in SHARED_REFUSED {
        sql.push_str(&format!(
            "REVOKE {refused} ON {SCHEMA_NAME}.{table} FROM {role};\n"
        ));
    }
    for table in SHARED_COLUMNS_ONLY {
        sql.push_str(&format!(
            "DO $$ BEGIN EXECUTE format('GRANT SELECT (%s) ON {SCHEMA_NAME}.{table} TO {role}',
                 (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                   WHERE attrelid = '{SCHEMA_NAME}.{table}'::regclass AND attnum > 0
                     AND NOT attisdropped)); END $$;\n"
        ));
    }
    for other in others {
        sql.push_str(&format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA {other} FROM {role};
REVOKE ALL ON SCHEMA {other} FROM {role};
"
        ));
    }
    sql
}

/// Whatever would let the role this connection uses rewrite the audit log: the append-only
/// trigger missing or turned off, or the role a superuser, the table's owner or a member of
/// the owner's role, even one that must `SET ROLE` first (who can turn the trigger off), or
/// allowed to UPDATE, DELETE or TRUNCATE it. Each is an `audit` failure.
fn log_guards(conn: &Conn) -> Result<Vec<String>> {
    let row = conn
        .query_opt(
            "SELECT current_user::text,
                    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                    pg_has_role(current_user, c.relowner, 'MEMBER'),
                    has_table_privilege(c.oid, 'UPDATE'),
                    has_table_privilege(c.oid, 'DELETE'),
                    has_table_privilege(c.oid, 'TRUNCATE'),
                    (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid
                       AND t.tgname IN ('audit_log_append_only', 'audit_log_no_truncate')
                       AND t.tgenabled IN ('O', 'A'))
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = 'audit_log'",
            &[&SCHEMA_NAME],
        )?
        .ok_or_else(|| StorageError::Changed("the audit log's table is gone".into()))?;
    let role: String = get(&row, 0)?;
    let mut out = Vec::new();
    let triggers: i64 = get(&row, 6)?;
    if triggers != 2 {
        out.push("the audit log's append-only triggers are missing or turned off".to_string());
    }
    if get::<bool>(&row, 1)? {
        out.push(format!(
            "the role {role} uppsok connects as is a superuser, who can rewrite the audit log"
        ));
    } else if get::<bool>(&row, 2)? {
        out.push(format!(
            "the role {role} uppsok connects as owns the audit log's table, and can turn its append-only trigger off"
        ));
    } else {
        for (i, what) in [(3, "UPDATE"), (4, "DELETE"), (5, "TRUNCATE")] {
            if get::<bool>(&row, i)? {
                out.push(format!(
                    "the role {role} uppsok connects as may {what} the audit log"
                ));
            }
        }
        // Anything else of uppsok's schemas it owns (or may act as the owner of): a table, a
        // guard's function, a unit's schema. Its owner may alter, drop or hand it on.
        let owned: i64 = get(
            &conn
                .query_opt(
                    "SELECT count(*) FROM (
                   SELECT n.nspowner AS owner, n.nspname FROM pg_namespace n
                   UNION ALL
                   SELECT c.relowner, n.nspname FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                   UNION ALL
                   SELECT p.proowner, n.nspname FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                 ) o
                 WHERE (o.nspname = $1 OR o.nspname ~ ('^' || $1 || '_u[0-9]+$'))
                   AND pg_has_role(current_user, o.owner, 'MEMBER')",
                    &[&SCHEMA_NAME],
                )?
                .ok_or_else(|| StorageError::Changed("the server's catalogue".into()))?,
            0,
        )?;
        if owned > 0 {
            out.push(format!(
                "the role {role} uppsok connects as owns {owned} of uppsok's tables, functions or schemas, and may change or drop them"
            ));
        }
    }
    Ok(out)
}

/// The functions schema.sql makes: (name, body as the server keeps it, whether it runs as its
/// owner). Read from the schema itself, so the audit compares with what `init` made.
fn schema_functions() -> Vec<(&'static str, &'static str, bool)> {
    let mut out = Vec::new();
    let mut rest = SCHEMA;
    while let Some(at) = rest.find("CREATE OR REPLACE FUNCTION ") {
        rest = &rest[at + "CREATE OR REPLACE FUNCTION ".len()..];
        let name = &rest[..rest.find('(').unwrap_or(0)];
        let Some(open) = rest.find("$$") else { break };
        let header = &rest[..open];
        let body = &rest[open + 2..];
        let Some(close) = body.find("$$") else { break };
        out.push((name, &body[..close], header.contains("SECURITY DEFINER")));
        rest = &body[close + 2..];
    }
    out
}

/// The names of what the statements of schema.sql beginning with one of `made` make (a line
/// that begins with it: `make_unit_tables()` makes a unit's tables and triggers, under the
/// names of the tables and guards above them, by statements it builds as strings).
fn schema_made(made: &[&str]) -> Vec<&'static str> {
    SCHEMA
        .lines()
        .filter_map(|line| made.iter().find_map(|m| line.trim_start().strip_prefix(m)))
        .filter_map(|t| t.split_whitespace().next())
        .collect()
}

/// The triggers schema.sql makes (`make_unit_tables()` makes the units' guards under the names
/// of the guards of the tables above them).
fn schema_triggers() -> Vec<&'static str> {
    schema_made(&["CREATE OR REPLACE TRIGGER ", "CREATE CONSTRAINT TRIGGER "])
}

/// The tables schema.sql makes.
fn schema_tables() -> Vec<&'static str> {
    schema_made(&["CREATE TABLE IF NOT EXISTS "])
}

/// What the schema's owner (or a superuser) could put into the schema or a unit's to undo its
/// guards without touching a row or a trigger: a function of the schema's made to do
/// otherwise (a guard that lets everything through, a unit's function that names another
/// unit), one more function (in a unit's schema, which is first on its role's search path, any
/// function: it would stand in for the schema's), a table or view of the schema or a unit's
/// that is none of its own (a copy of the contacts granted to a unit's role), or a view
/// anywhere that reads their tables. An `audit` failure each. (A function elsewhere that
/// reads the tables is not found: docs/deploy.md.)
fn schema_objects(conn: &Conn) -> Result<Vec<String>> {
    let expected = schema_functions();
    let mut out = Vec::new();
    for row in conn.query(
        "SELECT p.proname::text, p.prosrc, p.prosecdef,
                coalesce(array_to_string(p.proconfig, ';'), '')
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 ORDER BY 1",
        &[&SCHEMA_NAME],
    )? {
        let (name, body, definer, config): (String, String, bool, String) =
            (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?, get(&row, 3)?);
        let same = expected.iter().any(|(n, b, d)| {
            *n == name && *b == body && *d == definer && config == "search_path=pg_catalog, pg_temp"
        });
        if !same {
            out.push(format!(
                "the schema's function {name} is not the one uppsok made: it could let a unit's role read or write another unit's rows, or the log be rewritten"
            ));
        }
    }
    for row in conn.query(
        "SELECT n.nspname::text || '.' || p.proname::text
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname ~ ('^' || $1 || '_u[0-9]+$') ORDER BY 1",
        &[&SCHEMA_NAME],
    )? {
        let name: String = get(&row, 0)?;
        out.push(format!(
            "a unit's schema holds a function uppsok did not make ({name}): it would stand in for the schema's on the unit's role"
        ));
    }
    // (A view, or anything but a table, is named with its kind, and in a unit's schema
    // anything but its three tables with its schema: never one of the tables.)
    let tables = schema_tables();
    for (name, _) in not_made(
        conn,
        "SELECT CASE WHEN n.nspname = $1 AND c.relkind IN ('r', 'p') THEN c.relname::text
                     WHEN n.nspname <> $1 AND c.relkind = 'r'
                          AND c.relname IN ('field_nights', 'contacts', 'activities')
                          THEN c.relname::text
                     ELSE n.nspname::text || '.' || c.relname::text
                          || ' (' || c.relkind::text || ')' END, ''
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE (n.nspname = $1 OR n.nspname ~ ('^' || $1 || '_u[0-9]+$'))
            AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1",
        &tables,
    )? {
        out.push(format!(
            "the schema holds a table or view uppsok did not make ({name}): it could show its rows to a role that may not read them"
        ));
    }
    let views: i64 = get(
        &conn.query(
            "SELECT count(DISTINCT r.ev_class) FROM pg_depend d
               JOIN pg_rewrite r ON r.oid = d.objid
               JOIN pg_class t ON t.oid = d.refobjid
               JOIN pg_namespace n ON n.oid = t.relnamespace
              WHERE d.classid = 'pg_rewrite'::regclass
                AND (n.nspname = $1 OR n.nspname ~ ('^' || $1 || '_u[0-9]+$'))
                AND r.ev_class <> t.oid",
            &[&SCHEMA_NAME],
        )?[0],
        0,
    )?;
    if views > 0 {
        out.push(format!(
            "{views} view(s) outside uppsok's schema read its tables: a view shows its rows to whoever may read the view"
        ));
    }
    // A trigger or a rule of someone else's on a table of the schema could copy each new row
    // somewhere a unit's role reads (or change what is written).
    let triggers = schema_triggers();
    for (name, table) in not_made(
        conn,
        "SELECT CASE WHEN n.nspname = $1
                          OR t.tgname IN (c.relname || '_unit_inserts', c.relname || '_unit_updates',
                                          c.relname || '_unit_deletes')
                     THEN t.tgname::text ELSE n.nspname::text || '.' || t.tgname::text END,
                n.nspname::text || '.' || c.relname::text
           FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE (n.nspname = $1 OR n.nspname ~ ('^' || $1 || '_u[0-9]+$')) AND NOT t.tgisinternal
         UNION ALL
         SELECT 'rule ' || r.rulename::text, n.nspname::text || '.' || c.relname::text
           FROM pg_rewrite r
           JOIN pg_class c ON c.oid = r.ev_class
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE (n.nspname = $1 OR n.nspname ~ ('^' || $1 || '_u[0-9]+$'))
            AND c.relkind IN ('r', 'p')
         ORDER BY 1",
        &triggers,
    )? {
        out.push(format!(
            "a trigger or rule uppsok did not make ({name} on {table}): it could copy the table's rows where a unit's role reads them, or change what is written"
        ));
    }
    Ok(out)
}

/// The rows of `sql` (a name and one more column; `$1` is the schema) whose name is not in
/// `made`.
fn not_made(conn: &Conn, sql: &str, made: &[&str]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for row in conn.query(sql, &[&SCHEMA_NAME])? {
        let (name, other): (String, String) = (get(&row, 0)?, get(&row, 1)?);
        if !made.contains(&name.as_str()) {
            out.push((name, other));
        }
    }
    Ok(out)
}

/// The tables that hold each unit's rows in partitions of its own (schema.sql, "Each unit's
/// tables").
const UNIT_TABLES: [&str; 3] = ["field_nights", "contacts", "activities"];

/// The guards on the city's shared tables (schema.sql, "Units on the server" and "The city's
/// shared tables"): table, trigger, the function it must call, when it fires (`pg_trigger`'s
/// `tgtype`: 2 before, 4 insert, 8 delete, 16 update; each for the statement) and the column
/// naming each row's author it is given (a guard given another column, one whose values an
/// attacker picks, would let anything through).
#[rustfmt::skip]
const SHARED_GUARDS: [(&str, &str, &str, i16, &str); 18] = [
    ("persons", "persons_city_rows", "city_rows_guard", 26, ""),
    ("user_units", "user_units_city_rows", "city_rows_guard", 30, ""),
    ("unit_roles", "unit_roles_city_rows", "city_rows_guard", 30, ""),
    ("users", "users_city_rows", "city_rows_guard", 30, ""),
    ("recovery_keys", "recovery_keys_city_rows", "city_rows_guard", 30, ""),
    ("pseudonym_keys", "pseudonym_keys_city_rows", "city_rows_guard", 30, ""),
    ("page_key", "page_key_city_rows", "city_rows_guard", 30, ""),
    ("key_file", "key_file_city_rows", "city_rows_guard", 10, ""),
    ("audit_log", "audit_log_unit_authors", "unit_authors_guard", 4, "user_id"),
    ("person_merges", "person_merges_unit_inserts", "unit_authors_guard", 4, "merged_by"),
    ("person_merges", "person_merges_unit_updates", "unit_authors_guard", 16, "merged_by"),
    ("master_wraps", "master_wraps_unit_inserts", "unit_authors_guard", 4, "user_id"),
    ("master_wraps", "master_wraps_unit_updates", "unit_authors_guard", 16, "user_id"),
    ("master_wraps", "master_wraps_unit_deletes", "unit_authors_guard", 8, "user_id"),
    ("projects", "projects_city_rows", "city_rows_guard", 30, ""),
    ("meta", "meta_unit_inserts", "unit_meta_guard", 4, ""),
    ("meta", "meta_unit_updates", "unit_meta_guard", 16, ""),
    ("meta", "meta_unit_deletes", "unit_meta_guard", 8, ""),
];

/// A regular expression for the names of the units' schemas.
fn unit_schemas_pattern() -> String {
    format!("^{SCHEMA_NAME}_u[0-9]+$")
}

/// The units' tables and their guards (schema.sql, "Each unit's tables"; "Units on the
/// server"): the field nights, contacts and activities partitioned by unit, each unit's
/// partition in that unit's schema and nowhere else; once any role is a unit's, every guard
/// there and on; no unit's role able to read or write the tables of every unit or another
/// unit's (itself, or through a role it is a member of), nor a superuser or a member of the
/// tables' owner; and every row in its author's unit, under an id no other row has. An `audit`
/// failure each.
fn unit_guards(conn: &Conn) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let unit_tables: Vec<String> = UNIT_TABLES.iter().map(|t| t.to_string()).collect();
    let partitioned: i64 = get(
        &conn.query(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relkind = 'p' AND c.relname::text = ANY ($2)",
            &[&SCHEMA_NAME, &unit_tables],
        )?[0],
        0,
    )?;
    if partitioned != 3 {
        out.push("the field nights, contacts and activities are not in tables of each unit's own: a unit's role could read another unit's rows".to_string());
    }
    // Each partition: a plain table of the same name, in the schema of the one unit it holds.
    for row in conn.query(
        "SELECT p.relname::text, n.nspname::text, c.relname::text, c.relkind::text,
                coalesce(pg_get_expr(c.relpartbound, c.oid), '')
           FROM pg_inherits i
           JOIN pg_class p ON p.oid = i.inhparent
           JOIN pg_namespace pn ON pn.oid = p.relnamespace
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE pn.nspname = $1 AND p.relkind = 'p' AND p.relname::text = ANY ($2)
          ORDER BY 1, 2, 3",
        &[&SCHEMA_NAME, &unit_tables],
    )? {
        let (parent, schema, name, kind, bound): (String, String, String, String, String) = (
            get(&row, 0)?,
            get(&row, 1)?,
            get(&row, 2)?,
            get(&row, 3)?,
            get(&row, 4)?,
        );
        let unit = schema
            .strip_prefix(&format!("{SCHEMA_NAME}_u"))
            .and_then(|n| n.parse::<i64>().ok());
        let fits = unit
            .is_some_and(|u| unit_schema(u) == schema && bound == format!("FOR VALUES IN ('{u}')"))
            && name == parent
            && kind == "r";
        if !fits {
            out.push(format!(
                "the table {schema}.{name} holds rows of {parent} ({bound}) but is not the one unit's table uppsok made for them: a unit's role could read another unit's rows there"
            ));
        }
    }
    let roles: i64 = get(&conn.query("SELECT count(*) FROM unit_roles", &[])?[0], 0)?;
    if roles > 0 {
        let mut unguarded = Vec::new();
        for row in conn.query(
            "SELECT n.nspname::text || '.' || c.relname::text,
                    count(t.oid) FILTER (WHERE t.tgenabled IN ('O', 'A')
                        AND t.tgfoid = 'uppsok.unit_rows_guard'::regproc
                        AND t.tgname IN (c.relname || '_unit_inserts', c.relname || '_unit_updates',
                                         c.relname || '_unit_deletes'))
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_trigger t ON t.tgrelid = c.oid
              WHERE (n.nspname = $1 OR n.nspname ~ $2) AND c.relname::text = ANY ($3)
                AND c.relkind IN ('r', 'p')
              GROUP BY 1 ORDER BY 1",
            &[&SCHEMA_NAME, &unit_schemas_pattern(), &unit_tables],
        )? {
            if get::<i64>(&row, 1)? != 3 {
                unguarded.push(get::<String>(&row, 0)?);
            }
        }
        for (table, trigger, function, fires, column) in SHARED_GUARDS {
            let on: i64 = get(
                &conn.query(
                    "SELECT count(*) FROM pg_trigger t
                       JOIN pg_class c ON c.oid = t.tgrelid
                       JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relname::text = $2 AND t.tgname::text = $3
                        AND t.tgenabled IN ('O', 'A')
                        AND t.tgfoid = ($1 || '.' || $4)::regproc AND t.tgtype = $5
                        AND CASE WHEN $6 = '' THEN t.tgnargs = 0
                                 ELSE t.tgnargs = 1 AND t.tgargs = convert_to($6, 'UTF8') || '\\x00'::bytea
                            END",
                    &[&SCHEMA_NAME, &table, &trigger, &function, &fires, &column],
                )?[0],
                0,
            )?;
            if on != 1 && !unguarded.iter().any(|t| t.ends_with(&format!(".{table}"))) {
                unguarded.push(format!("{SCHEMA_NAME}.{table}"));
            }
        }
        if !unguarded.is_empty() {
            out.push(format!(
                "the guards of the units' roles are missing or turned off on {}: a unit's role could write another unit's rows",
                unguarded.join(", ")
            ));
        }
    }
    // A unit's role that is a superuser or a member of the tables' owner reads every row.
    for row in conn.query(
        "SELECT u.role_name FROM unit_roles u JOIN pg_roles r ON r.rolname = u.role_name
          WHERE r.rolsuper
             OR pg_has_role(r.oid, (SELECT c.relowner FROM pg_class c
                                     WHERE c.oid = 'contacts'::regclass), 'MEMBER')
          ORDER BY 1",
        &[],
    )? {
        let role: String = get(&row, 0)?;
        out.push(format!(
            "the unit's role {role} is a superuser or a member of the tables' owner: it reads every unit's rows"
        ));
    }
    // Any privilege of a unit's role, or of a role it is a member of (the city's, say), on the
    // tables of every unit or on another unit's: a column's is one too.
    for row in conn.query(
        "SELECT DISTINCT u.role_name, n.nspname::text || '.' || c.relname::text
           FROM unit_roles u
           JOIN pg_roles r ON r.rolname = u.role_name
           JOIN pg_roles m ON pg_has_role(r.oid, m.oid, 'MEMBER')
           JOIN pg_class c ON c.relkind IN ('r', 'p', 'v', 'm', 'f')
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ((n.nspname = $1 AND c.relname::text = ANY ($3))
                 OR (n.nspname ~ $2 AND n.nspname <> $1 || '_u' || u.unit::text))
            AND (has_table_privilege(m.oid, c.oid,
                     'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                 OR has_any_column_privilege(m.oid, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
          ORDER BY 1, 2",
        &[&SCHEMA_NAME, &unit_schemas_pattern(), &unit_tables],
    )? {
        let (role, table): (String, String) = (get(&row, 0)?, get(&row, 1)?);
        out.push(format!(
            "the unit's role {role} may read or write {table}, which holds other units' rows: give it only its own unit's tables (`uppsok unit role`)"
        ));
    }
    // Writes of the city's shared tables a unit's role may not make (locking the persons'
    // rows, which needs `UPDATE` on them, shows which person another unit is logging a contact
    // with), itself or through a role it is a member of.
    for (table, refused) in SHARED_REFUSED {
        for row in conn.query(
            "SELECT DISTINCT u.role_name FROM unit_roles u
               JOIN pg_roles r ON r.rolname = u.role_name
              WHERE has_table_privilege(r.oid, $1::text::regclass, $2)
                 OR ($2 LIKE '%UPDATE%' AND has_any_column_privilege(r.oid, $1::text::regclass, 'UPDATE'))
                 OR ($2 LIKE '%INSERT%' AND has_any_column_privilege(r.oid, $1::text::regclass, 'INSERT'))
              ORDER BY 1",
            &[&format!("{SCHEMA_NAME}.{table}"), &refused],
        )? {
            let role: String = get(&row, 0)?;
            out.push(if table == "persons" || table == "users" {
                format!("the unit's role {role} may read {SCHEMA_NAME}.{table}'s whole rows or change them: their system columns, or locking them, show it which person or user another unit's contacts are with; `uppsok unit role` grants it their columns only")
            } else {
                format!("the unit's role {role} may {refused} {SCHEMA_NAME}.{table}, which only the city's roles may: `uppsok unit role` takes it away")
            });
        }
    }
    // Each row in its author's unit (each pair of author and unit once, then the rows of a
    // pair that is wrong: a fifth of the time of joining every row), and no id twice (two
    // units' tables: one table's key holds each id once).
    for table in UNIT_TABLES {
        let wrong = conn.query(
            &format!(
                "SELECT p.created_by, p.unit FROM (SELECT DISTINCT created_by, unit FROM {table}) p
                   LEFT JOIN user_units u ON u.user_id = p.created_by
                  WHERE p.unit <> coalesce(u.unit, 1)"
            ),
            &[],
        )?;
        let mut misplaced: Vec<i64> = Vec::new();
        for pair in &wrong {
            let (author, unit): (i64, i64) = (get(pair, 0)?, get(pair, 1)?);
            for row in conn.query(
                &format!(
                    "SELECT id FROM {table} WHERE created_by = $1 AND unit = $2
                      ORDER BY 1 LIMIT 10"
                ),
                &[&author, &unit],
            )? {
                misplaced.push(get(&row, 0)?);
            }
        }
        misplaced.sort_unstable();
        misplaced.truncate(10);
        if !misplaced.is_empty() {
            out.push(format!(
                "{table} {} in another unit's table than their author's: that unit's role reads them",
                ids_listed(&misplaced)
            ));
        }
        let parts: i64 = get(
            &conn.query(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = $1::text::regclass",
                &[&format!("{SCHEMA_NAME}.{table}")],
            )?[0],
            0,
        )?;
        if parts < 2 {
            continue;
        }
        let twice: Vec<i64> = conn
            .query(
                &format!(
                    "SELECT id FROM {table} GROUP BY id HAVING count(*) > 1 ORDER BY 1 LIMIT 10"
                ),
                &[],
            )?
            .iter()
            .map(|r| get(r, 0))
            .collect::<Result<_>>()?;
        if !twice.is_empty() {
            out.push(format!(
                "{table} {} more than once (in two units' tables)",
                ids_listed(&twice)
            ));
        }
    }
    Ok(out)
}

/// "id 3" or "ids 3, 5, 8" (at most the first ten a check found).
fn ids_listed(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    match ids.len() {
        1 => format!("id {} is", list[0]),
        _ => format!("ids {} are", list.join(", ")),
    }
}

/// A read session or write transaction on the store's connection.
pub struct Session<'c> {
    conn: &'c Conn,
    shown: &'c str,
    /// Whether this session began the transaction (and so must end it).
    began: bool,
    finished: Cell<bool>,
    /// Inside a bulk load: write statements run without savepoints.
    bulk: Cell<bool>,
    /// The bulk load had the schema's `begin_bulk_load()` drop the contacts' index and keys.
    bulk_dropped: Cell<bool>,
    mode: Mode,
    /// A write beside others: whether it holds the log head's lock yet.
    head_locked: Cell<bool>,
}

impl<'c> Session<'c> {
    fn begin(conn: &'c Conn, shown: &'c str, mode: Mode) -> Result<Session<'c>> {
        let write = mode != Mode::Read;
        // A read session inside another (a helper reading while its caller reads) joins it.
        let began = write || !conn.in_transaction.get();
        if write {
            conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        } else if began {
            conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        }
        if began {
            conn.in_transaction.set(true);
        }
        let session = Session {
            conn,
            shown,
            began,
            finished: Cell::new(false),
            bulk: Cell::new(false),
            bulk_dropped: Cell::new(false),
            mode,
            head_locked: Cell::new(false),
        };
        match mode {
            Mode::Read => {}
            Mode::Write => session.lock(WRITE_LOCK, false)?,
            Mode::Beside => session.lock(WRITE_LOCK, true)?,
        }
        Ok(session)
    }

    /// Takes an advisory lock until the transaction ends (shared or exclusive): at once if
    /// it is free, else after the wait notice, waiting at most the lock timeout
    /// ([`StorageError::Busy`] then).
    fn lock(&self, lock: i64, shared: bool) -> Result<()> {
        let how = if shared { "_shared" } else { "" };
        let free: bool = get(
            &self.conn.query(
                &format!("SELECT pg_try_advisory_xact_lock{how}($1)"),
                &[&lock],
            )?[0],
            0,
        )?;
        if !free {
            if let Some(notice) = super::WAIT_NOTICE.get() {
                notice();
            }
            self.conn
                .query(&format!("SELECT pg_advisory_xact_lock{how}($1)"), &[&lock])?;
        }
        Ok(())
    }

    /// A write beside others: takes the log head's lock, once, before the head is read (it
    /// is held until the transaction ends, so no other writer reads the same head).
    fn lock_head(&self) -> Result<()> {
        if self.mode == Mode::Beside && !self.head_locked.get() {
            self.lock(HEAD_LOCK, false)?;
            self.head_locked.set(true);
        }
        Ok(())
    }

    /// What only the one writer may do (read then move a sequence on): refused beside others.
    fn only_writer(&self, what: &str) -> Result<()> {
        if self.mode == Mode::Beside {
            return Err(StorageError::Backend(format!(
                "{what} is not allowed in a write beside others"
            )));
        }
        Ok(())
    }

    /// Runs one write statement; a refused one leaves the transaction usable.
    /// Statements without parameters (grants), as [`Session::change`] runs one.
    fn change_batch(&self, sql: &str) -> Result<()> {
        if self.bulk.get() {
            return self.conn.batch(sql);
        }
        self.conn.batch("SAVEPOINT w")?;
        match self.conn.batch(sql) {
            Ok(()) => self.conn.batch("RELEASE SAVEPOINT w"),
            Err(e) => {
                self.conn
                    .batch("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w")?;
                Err(e)
            }
        }
    }

    fn change(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        if self.bulk.get() {
            return self.conn.execute(sql, params);
        }
        self.conn.batch("SAVEPOINT w")?;
        match self.conn.execute(sql, params) {
            Ok(n) => {
                self.conn.batch("RELEASE SAVEPOINT w")?;
                Ok(n)
            }
            Err(e) => {
                self.conn
                    .batch("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w")?;
                Err(e)
            }
        }
    }

    /// Runs `f` on each row of a query in pages of [`PAGE`] rows, keyed by its first column
    /// (ascending, unique): `sql` takes the key to start from (inclusive: `key >= $1`) as `$1`
    /// and the page size as its last parameter. The first page starts from `i64::MIN`, so
    /// every row is read, whatever key it was given (a row written outside uppsok at the
    /// smallest key was once left out of every scan, the audit's included). The connection
    /// is free while `f` runs, so `f` may read too.
    fn pages(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        f: &mut dyn FnMut(&Row) -> Result<super::port::Visit>,
    ) -> Result<()> {
        let mut from = i64::MIN;
        loop {
            let mut all: Vec<&(dyn ToSql + Sync)> = vec![&from];
            all.extend_from_slice(params);
            all.push(&PAGE);
            let rows = self.conn.query(sql, &all)?;
            let n = rows.len();
            let mut last = None;
            for row in &rows {
                last = Some(get::<i64>(row, 0)?);
                if f(row)?.is_break() {
                    return Ok(());
                }
            }
            // After the largest key there is nothing more to read.
            match last.and_then(|k| k.checked_add(1)) {
                Some(next) if (n as i64) == PAGE => from = next,
                _ => return Ok(()),
            }
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.began && !self.finished.get() {
            self.conn.drop_gathered();
            let _ = self.conn.batch("ROLLBACK");
            self.conn.in_transaction.set(false);
        }
    }
}

impl Transaction for Session<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        // The gathered rows go first (what a bulk load dropped is made again by the server, at
        // the latest at the commit); if either is refused, dropping the session rolls back.
        self.conn.flush()?;
        self.conn.settle()?;
        // Refused rows: an error, and dropping the session rolls back (a `COMMIT` of the lost
        // transaction would end it as a rollback and say nothing).
        self.conn.usable()?;
        // `SELECT 1` first: in a transaction the server has already ended (a statement of a
        // bulk load refused, with no savepoint to go back to, whatever the caller made of its
        // error) it is refused, where a `COMMIT` alone would be answered as a rollback and no
        // error. The transaction is then rolled back here.
        let done = self.conn.batch("SELECT 1; COMMIT");
        if done.is_err() {
            let _ = self.conn.batch("ROLLBACK");
        }
        self.finished.set(true);
        self.conn.in_transaction.set(false);
        done
    }

    fn take_id(&self, sequence: Sequence) -> Result<i64> {
        // Safe beside other writers: `nextval` never hands out a value twice.
        get(
            &self.conn.query(
                &format!("SELECT nextval('{}')", rows::sequence_name(sequence)),
                &[],
            )?[0],
            0,
        )
    }
}

/// `BETWEEN` bounds; an absent bound is open.
fn bounds<'a>(from: Option<&'a str>, to: Option<&'a str>) -> (&'a str, &'a str) {
    (from.unwrap_or("0000-00-00"), to.unwrap_or("9999-99-99"))
}

#[cfg(test)]
mod tests;
