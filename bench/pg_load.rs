//! Many writers at once on PostgreSQL: N staff logging contacts and M leads counting statistics,
//! each in a thread of its own with its own connection and its own sign-in, for S seconds,
//! against a fresh database on the server `UPPSOK_TEST_POSTGRES` names (loopback or a socket;
//! its role must be able to create roles and databases). Then: no contact lost or duplicated
//! (every id a writer was given is there, once, and nothing else), `uppsok audit` passes on the
//! result (the log chain intact), and the throughput and latencies are printed.
//!
//!   ./.ci/with-postgres cargo bench --bench pg_load -- --clients 50 --stats 5 --seconds 60
//!
//! Bounded: at most 200 clients, 600 seconds. Sign-ins use the full Argon2id cost (a release
//! build), so setting up 55 users takes a while before the clock starts.
//!
//! Run as a test (`cargo test --bench pg_load`, or `--all-targets`; cargo then gives no
//! `--bench` flag) it is a smoke run: 3 writers, 1 statistics client, 2 seconds, the same checks.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use uppsok::crypto::Passphrase;
use uppsok::domain::{
    parse_date, AgeBand, Attributes, ContactType, Counterpart, District, Gender, NewContact,
    PersonCode, ProjectSet, Referrals, Role, StaffRole,
};
use uppsok::stats::Query;
use uppsok::vault::{StatsPurpose, Vault};

const PASS: &str = "a long enough load test passphrase";
const OWNER: &str = "uppsok_owner";
const APP: &str = "uppsok_app";

struct Args {
    /// Run by `cargo bench` (which passes `--bench`), not as a smoke test.
    bench: bool,
    clients: usize,
    stats: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        bench: false,
        clients: 50,
        stats: 5,
        seconds: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} takes a number"))
        };
        match flag.as_str() {
            "--clients" => a.clients = value().clamp(1, 200) as usize,
            "--stats" => a.stats = value().min(50) as usize,
            "--seconds" => a.seconds = value().clamp(1, 600),
            "--bench" => a.bench = true,
            other => panic!("unknown argument {other}"),
        }
    }
    if !a.bench {
        // `cargo test`: a smoke run, unless the sizes were given.
        let given = std::env::args().skip(1).any(|f| f.starts_with("--"));
        if !given {
            (a.clients, a.stats, a.seconds) = (3, 1, 2);
        }
    }
    a
}

fn with(url: &str, user: Option<&str>, database: Option<&str>) -> String {
    let mut out = url.to_string();
    if let Some(db) = database {
        let (base, query) = match out.split_once('?') {
            Some((b, q)) => (b.to_string(), format!("?{q}")),
            None => (out.clone(), String::new()),
        };
        let start = base.find("://").map(|i| i + 3).unwrap_or(0);
        let cut = base[start..]
            .find('/')
            .map(|i| start + i)
            .unwrap_or(base.len());
        out = format!("{}/{db}{query}", &base[..cut]);
    }
    if let Some(user) = user {
        let start = out.find("://").map(|i| i + 3).unwrap_or(0);
        out = match out[start..].find('@') {
            Some(at) => format!("{}{user}{}", &out[..start], &out[start + at..]),
            None => format!("{}{user}@{}", &out[..start], &out[start..]),
        };
    }
    out
}

fn contact(i: u64, code: u64) -> NewContact {
    let day = 1 + i % 28;
    let month = 1 + (i / 28) % 12;
    NewContact {
        date: parse_date(&format!("2025-{month:02}-{day:02}")).expect("a date"),
        code: PersonCode::normalise(&format!("load{code:05}")),
        attributes: Attributes {
            role: if i.is_multiple_of(7) {
                Role::Buys
            } else {
                Role::Sells
            },
            gender: if i.is_multiple_of(3) {
                Gender::Man
            } else {
                Gender::Woman
            },
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let a = args();
    if !a.bench {
        // Debug builds honour the cheap test key derivation (release builds ignore it): the
        // smoke run's few sign-ins stay quick in `cargo test`.
        std::env::set_var("UPPSOK_INSECURE_TEST_KDF", "1");
    }
    let admin_url = std::env::var("UPPSOK_TEST_POSTGRES")
        .expect("UPPSOK_TEST_POSTGRES: run under ./.ci/with-postgres");
    let name = format!("uppsok_load_{}", std::process::id());
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("the server");
    for role in [OWNER, APP] {
        let _ = admin.batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ));
    }
    admin
        .batch_execute(&format!("CREATE DATABASE {name} OWNER {OWNER}"))
        .expect("a database");
    let owner_url = with(&admin_url, Some(OWNER), Some(&name));
    let url = with(&admin_url, Some(APP), Some(&name));
    let pass = Passphrase::new(PASS.into());

    let setup = Instant::now();
    {
        let mut v = Vault::create(Path::new(&owner_url), "admin", &pass).expect("init");
        for w in 0..a.clients {
            v.staff()
                .add(&format!("w{w}"), StaffRole::Outreach, &pass)
                .expect("a worker");
        }
        for s in 0..a.stats {
            v.staff()
                .add(&format!("s{s}"), StaffRole::Lead, &pass)
                .expect("a lead");
        }
    }
    let mut owner = postgres::Client::connect(&owner_url, postgres::NoTls).expect("owner");
    owner
        .batch_execute(&uppsok::storage::pg::app_grants(APP))
        .expect("grants");
    eprintln!(
        "set up {} users in {:.1} s",
        1 + a.clients + a.stats,
        setup.elapsed().as_secs_f64()
    );

    // Everyone signs in first; the clock starts when all have.
    let barrier = std::sync::Barrier::new(a.clients + a.stats + 1);
    let deadline = std::sync::OnceLock::<Instant>::new();
    let (writes, reads, started) = std::thread::scope(|s| {
        let writers: Vec<_> = (0..a.clients)
            .map(|w| {
                let (url, pass, barrier, deadline) = (&url, &pass, &barrier, &deadline);
                s.spawn(move || {
                    let mut v = Vault::unlock(Path::new(url), &format!("w{w}"), pass)
                        .expect("a worker signs in");
                    barrier.wait();
                    let end = *deadline.wait();
                    let (mut ids, mut lat, mut errors) = (Vec::new(), Vec::new(), 0u64);
                    let mut i = w as u64 * 1_000_003;
                    while Instant::now() < end {
                        i += 1;
                        let t = Instant::now();
                        match v.contacts().add(contact(i, i % 5_000), false) {
                            Ok(id) => {
                                lat.push(t.elapsed());
                                ids.push(id);
                            }
                            Err(e) => {
                                errors += 1;
                                eprintln!("w{w}: {e}");
                            }
                        }
                    }
                    (ids, lat, errors)
                })
            })
            .collect();
        let counters: Vec<_> = (0..a.stats)
            .map(|k| {
                let (url, pass, barrier, deadline) = (&url, &pass, &barrier, &deadline);
                s.spawn(move || {
                    let mut v = Vault::unlock(Path::new(url), &format!("s{k}"), pass)
                        .expect("a lead signs in");
                    barrier.wait();
                    let end = *deadline.wait();
                    let (mut lat, mut errors) = (Vec::new(), 0u64);
                    while Instant::now() < end {
                        let t = Instant::now();
                        let counted = v
                            .stats()
                            .open(StatsPurpose::Command {
                                publish_threshold: None,
                            })
                            .and_then(|door| {
                                let by = ["role".to_string(), "gender".to_string()];
                                let q = Query::from_flags(
                                    Some(2025),
                                    None,
                                    None,
                                    &by,
                                    &[],
                                    door.lists(),
                                )?;
                                door.count_one(&q)
                            });
                        match counted {
                            Ok(_) => lat.push(t.elapsed()),
                            Err(e) => {
                                errors += 1;
                                eprintln!("s{k}: {e}");
                            }
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let _ = deadline.set(started + Duration::from_secs(a.seconds));
        let writes: Vec<_> = writers.into_iter().map(|h| h.join().unwrap()).collect();
        let reads: Vec<_> = counters.into_iter().map(|h| h.join().unwrap()).collect();
        (writes, reads, started)
    });
    let elapsed = started.elapsed().as_secs_f64();

    let mut ids: Vec<i64> = writes.iter().flat_map(|w| w.0.iter().copied()).collect();
    let mut write_lat: Vec<Duration> = writes.iter().flat_map(|w| w.1.iter().copied()).collect();
    let write_errors: u64 = writes.iter().map(|w| w.2).sum();
    let mut read_lat: Vec<Duration> = reads.iter().flat_map(|r| r.0.iter().copied()).collect();
    let read_errors: u64 = reads.iter().map(|r| r.1).sum();
    write_lat.sort();
    read_lat.sort();

    // No contact lost or duplicated: exactly the ids the writers were given are stored.
    let given: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(given.len(), ids.len(), "an id was given twice");
    let mut db = postgres::Client::connect(&owner_url, postgres::NoTls).expect("owner");
    let stored: BTreeSet<i64> = db
        .query("SELECT id FROM uppsok.contacts", &[])
        .expect("the contacts")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        stored, given,
        "the stored contacts are not the ones written"
    );
    ids.clear();

    // The log chain intact: the audit passes.
    let binary =
        std::env::var("UPPSOK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_uppsok").into());
    let audit = std::process::Command::new(&binary)
        .args(["--lang", "en", "audit"])
        .env("UPPSOK_DB", &url)
        .env("UPPSOK_USER", "admin")
        .env("UPPSOK_PASSPHRASE", PASS)
        .output()
        .unwrap_or_else(|e| panic!("{binary}: {e}"));
    let report = String::from_utf8_lossy(&audit.stdout);
    // The k-anonymity and pseudonym checks warn on synthetic codes; nothing may fail.
    assert!(audit.status.success(), "the audit failed:\n{report}");

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "pg_load: {} writers, {} statistics clients, {elapsed:.1} s",
        a.clients, a.stats
    );
    println!(
        "  contacts logged   {:>8}  ({:.1}/s), {write_errors} errors; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        write_lat.len(),
        write_lat.len() as f64 / elapsed,
        ms(percentile(&write_lat, 0.5)),
        ms(percentile(&write_lat, 0.99)),
        ms(percentile(&write_lat, 1.0)),
    );
    println!(
        "  statistics runs   {:>8}  ({:.1}/s), {read_errors} errors; latency p50 {:.1} ms, p99 {:.1} ms",
        read_lat.len(),
        read_lat.len() as f64 / elapsed,
        ms(percentile(&read_lat, 0.5)),
        ms(percentile(&read_lat, 0.99)),
    );
    println!(
        "  no contact lost or duplicated ({} stored); audit passed",
        stored.len()
    );
    drop(db);
    drop(owner);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    assert_eq!(write_errors + read_errors, 0, "some operations failed");
}
