//! The record keys of the cell key method (issue 16): the cell key secret every record key
//! derives from is made once, kept through every rekey, readable only with the categories key,
//! and nothing may change it unseen (docs/security.md, "The cell key secret").
//!
//! Counting with cell keys is done in-process (`StatsDoor::with_cell_keys`), on databases made
//! and changed by the real binary; insiders write the file directly with the crate's own crypto
//! (as in tests/insiders.rs).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use uppsok::crypto::{CellKeySecret, KeyFile, Keys, Passphrase, Signer};
use uppsok::stats::{Dimension, Query, StatsResult};
use uppsok::storage::AuditRow;
use uppsok::vault::{StatsPurpose, Vault};

const CSV: &str =
    "2023-05-05,ab85,sells,woman,18-24,men,sodermalm,outreach,health;housing,yes,first
2023-06-05,ab85,sells,woman,18-24,men,sodermalm,counselling,,no,
2023-07-01,cd12,other,nonbinary,45-54,both,bromma,medical,,no,
2023-08-01,,buys,man,35-44,women,online,outreach,legal,no,
2024-01-02,ef34,sells,woman,25-34,men,norrmalm,outreach,health,no,old note
2024-02-03,cd12,sells,woman,45-54,men,norrmalm,counselling,,no,
2024-03-04,gh56,buys,man,25-34,women,farsta,outreach,,no,
2024-03-05,,sells,woman,18-24,men,norrmalm,outreach,shelter,no,
";

/// A unit: the admin, a lead `lena`, an outreach worker `olle`, an auditor `aino`; eight
/// contacts imported (two without a code, persons met more than once).
fn unit() -> Db {
    let db = Db::new();
    for (name, role) in [("lena", "lead"), ("olle", "outreach"), ("aino", "auditor")] {
        db.add_user(name, role);
    }
    let out = db.import(&format!("{HEADER}{CSV}"));
    assert!(out.status.success(), "{}", stderr(&out));
    db
}

fn queries() -> Vec<Query> {
    vec![
        Query::default(),
        Query {
            by: vec![Dimension::Gender],
            ..Query::default()
        },
        Query {
            by: vec![Dimension::Year, Dimension::Referral],
            ..Query::default()
        },
    ]
}

fn unlock(db: &Db, user: &str) -> Vault {
    Vault::unlock(&db.path, user, &Passphrase::new(PASS.into())).expect("unlock")
}

/// Every query counted with cell keys, signed in as `user` in-process.
fn keyed(db: &Db, user: &str) -> uppsok::error::Result<Vec<StatsResult>> {
    let mut v = unlock(db, user);
    let door = v
        .stats()
        .open(StatsPurpose::Command {
            publish_threshold: Some(5),
        })?
        .with_cell_keys()?;
    door.count(&queries(), &mut [])
}

fn audit(db: &Db) -> (Option<i32>, serde_json::Value) {
    audit_as(db, ADMIN)
}

fn audit_as(db: &Db, user: &str) -> (Option<i32>, serde_json::Value) {
    let out = db
        .cmd_as(user, PASS)
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("audit JSON: {} {}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

/// The findings of the `audit_log` check, as (record, kind).
fn log_findings(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "audit_log")
        .map(|f| {
            (
                f["record"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn secret_named(report: &serde_json::Value) -> bool {
    log_findings(report)
        .iter()
        .any(|(record, kind)| record == "meta:cellkey_secret" && kind == "content_differs")
}

/// What an insider holding `user`'s passphrase has outside uppsok: a connection with the page
/// key, their working keys (an auditor's: the categories key's) and their signing key.
struct Insider {
    conn: RawConn,
    keys: Keys,
    signer: Signer,
    id: i64,
}

fn insider(db: &Db, user: &str) -> Insider {
    let file = KeyFile::parse(&db.key_file_bytes()).unwrap();
    let opened = file
        .open_user(user, &Passphrase::new(PASS.into()))
        .expect("the insider's own slot opens");
    let conn = RawConn::of(db, user, PASS);
    let (id, wrapped) = conn.wrap(user);
    let keys = match opened.secret.open_master(&wrapped, id) {
        Ok(master) => master.derive(uppsok::crypto::KeyScheme::PerCapability),
        Err(_) => opened
            .secret
            .open_categories(&wrapped, id)
            .expect("the categories key")
            .derive(),
    };
    Insider {
        conn,
        keys,
        signer: opened.secret.signer().expect("a signing key").clone(),
        id,
    }
}

fn sealed_secret(db: &Db) -> Option<String> {
    db.sql_value("SELECT value FROM meta WHERE key = 'cellkey_secret'")
}

/// Every row of the audit log as stored.
fn log_rows(db: &Db) -> Vec<AuditRow> {
    RawConn::of(db, ADMIN, PASS).log_rows()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

impl Insider {
    /// Writes `entries` as the whole log, renumbered, rechained and signed with the insider's
    /// key (a log whose every entry is theirs verifies).
    fn rewrite_log(&self, entries: Vec<AuditRow>) {
        self.conn.rewrite_log(&self.signer, entries);
    }

    /// Appends an entry signed by the insider, in their own name.
    fn append(&self, action: &str, objects: &str, detail: &str) {
        self.conn
            .append_signed(&self.signer, Some(self.id), action, objects, detail);
    }

    /// Seals `secret` where the database keeps its own, under the insider's categories key.
    fn plant(&self, secret: &CellKeySecret) {
        let sealed = self.keys.seal_cell_key_secret(secret).unwrap();
        self.conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'cellkey_secret'",
            vec![V::T(hex(&sealed))],
        );
    }
}

#[test]
fn every_cell_key_is_the_same_after_rekey_purge_and_user_disable_and_for_every_role() {
    let db = unit();
    let before = keyed(&db, ADMIN).unwrap();
    assert_eq!(before[0].totals.contacts, 8);
    assert_ne!(before[0].keys.contacts, 0);
    assert!(before[1].groups.iter().all(|g| g.keys.contacts != 0));
    // The auditor holds the categories key only, and gets the same keys; so do the others.
    for user in ["aino", "lena", "olle"] {
        assert_eq!(keyed(&db, user).unwrap(), before, "{user}");
    }
    let sealed = || sealed_secret(&db).expect("a sealed secret");
    let sealed_at_init = sealed();
    for args in [
        &["rekey", "--yes"][..],
        &["purge", "--notes-before", "2024-02-01", "--yes"],
        &["user", "disable", "lena", "--yes"],
    ] {
        let out = db.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(keyed(&db, ADMIN).unwrap(), before, "after {args:?}");
        assert_eq!(keyed(&db, "aino").unwrap(), before, "after {args:?}");
    }
    // Re-sealed under the new keys each time (the same secret, other bytes).
    assert_ne!(sealed(), sealed_at_init);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
    // Every snapshot committed to the one secret, made by init.
    let rows = log_rows(&db);
    let commitments: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.detail.split(' '))
        .filter(|t| t.starts_with("cellkey="))
        .collect();
    assert!(commitments.len() >= 4, "{commitments:?}");
    assert!(commitments.iter().all(|c| *c == commitments[0]));
    assert!(rows[0].detail.contains(commitments[0]), "init made it");
    // A keyed count says so in the log.
    let last = rows
        .iter()
        .rev()
        .find(|r| r.action == "stats")
        .expect("a stats entry");
    assert!(
        last.detail.starts_with("publish method=cellkey "),
        "{}",
        last.detail
    );
}

#[test]
fn another_database_perturbs_the_same_contacts_with_other_keys() {
    let (a, b) = (unit(), unit());
    let (ka, kb) = (keyed(&a, ADMIN).unwrap(), keyed(&b, ADMIN).unwrap());
    assert_eq!(ka[0].totals, kb[0].totals);
    assert_ne!(ka[0].keys, kb[0].keys);
}

#[test]
fn without_a_key_the_file_gives_up_no_secret() {
    let db = unit();
    let sealed = sealed_secret(&db).expect("a sealed secret");
    let raw_sealed: Vec<u8> = (0..sealed.len() / 2)
        .map(|i| u8::from_str_radix(&sealed[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    // The value is an envelope under this database's categories key: another database's
    // categories key does not open it, this one's does.
    let other = unit();
    let theirs = insider(&other, "aino");
    assert!(theirs.keys.open_cell_key_secret(&raw_sealed).is_err());
    assert!(insider(&db, "aino")
        .keys
        .open_cell_key_secret(&raw_sealed)
        .is_ok());
    if on_server_backend() {
        return; // a server's rows are not encrypted as a whole: only the envelope protects it
    }
    // The sealed value itself is only ever inside the encrypted pages: neither it, nor its
    // meta key, nor a fragment of either, shows in the file's bytes.
    let bytes = db.all_bytes();
    assert!(!contains(&bytes, b"cellkey_secret"));
    assert!(!contains(&bytes, sealed.as_bytes()));
    assert!(!contains(&bytes, &raw_sealed[17..]), "the ciphertext");
    // And sqlite without the page key reads no table at all.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    assert!(conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'cellkey_secret'",
            [],
            |r| r.get::<_, String>(0)
        )
        .is_err());
    assert!(conn
        .query_row("SELECT count(*) FROM meta", [], |r| r.get::<_, i64>(0))
        .is_err());
}

#[test]
fn a_secret_replaced_outside_uppsok_is_named_by_the_audit_and_refused_by_a_rekey() {
    let db = unit();
    let before = keyed(&db, ADMIN).unwrap();
    assert_eq!(audit(&db).0, Some(0));
    // An outreach worker seals a secret of their choosing in its place: every cell key would
    // be theirs to know, and no figure would change.
    let olle = insider(&db, "olle");
    let chosen = CellKeySecret::from_bytes(&[7; 32]).unwrap();
    olle.plant(&chosen);
    drop(olle);
    assert_ne!(keyed(&db, ADMIN).unwrap(), before, "the keys did change");
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(secret_named(&report), "{report:#}");
    // A rekey would vouch for it in its snapshot: it refuses, naming it.
    let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).to_lowercase().contains("meta:cellkey_secret"),
        "{}",
        stderr(&out)
    );
    // Signing an entry that commits to the new secret does not help: the secret is made once.
    let olle = insider(&db, "olle");
    let commitment = hex(&chosen.commitment());
    olle.append(
        "cellkey_create",
        "meta:cellkey_secret",
        &format!("cellkey={commitment}"),
    );
    drop(olle);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(secret_named(&report), "{report:#}");
}

#[test]
fn an_auditor_resealing_or_anyone_removing_the_secret_is_named_by_the_audit() {
    // The auditor holds the categories key: they can seal a value there, but not unseen.
    let db = unit();
    insider(&db, "aino").plant(&CellKeySecret::generate());
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1));
    assert!(secret_named(&report), "{report:#}");

    // Removed: the audit names it, keyed statistics are refused, and no sign-in makes a new
    // one in its place (that would hide the removal).
    let db = unit();
    db.tamper("DELETE FROM meta WHERE key = 'cellkey_secret'");
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1));
    assert!(secret_named(&report), "{report:#}");
    let e = keyed(&db, ADMIN)
        .unwrap_err()
        .message(uppsok::i18n::Lang::En);
    assert!(e.contains("no cell key secret"), "{e}");
    assert!(sealed_secret(&db).is_none(), "not made anew");

    // Garbage in its place: named, and keyed statistics fail naming meta, not the value.
    let db = unit();
    db.tamper(&format!(
        "UPDATE meta SET value = '{}' WHERE key = 'cellkey_secret'",
        hex(&[1u8; 65])
    ));
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1));
    assert!(secret_named(&report), "{report:#}");
    let e = keyed(&db, "aino")
        .unwrap_err()
        .message(uppsok::i18n::Lang::En);
    assert!(
        e.contains("meta record 0") && e.contains("uppsok audit"),
        "{e}"
    );
}

/// A database of this format as it was before the cell key method: no secret and no
/// commitment to one. Made from a fresh one by its only signer, the administrator, who
/// rewrites the log without the commitments (every entry is theirs, so it still verifies).
fn from_before_the_method() -> Db {
    let db = Db::new();
    db.add_user("aino", "auditor");
    let out = db.import(&format!("{HEADER}{CSV}"));
    assert!(out.status.success(), "{}", stderr(&out));
    let admin = insider(&db, ADMIN);
    let rows = admin
        .conn
        .log_rows()
        .into_iter()
        .map(|mut r| {
            r.detail = r
                .detail
                .split(' ')
                .filter(|t| !t.starts_with("cellkey="))
                .collect::<Vec<_>>()
                .join(" ");
            r
        })
        .collect();
    admin.rewrite_log(rows);
    admin
        .conn
        .execute("DELETE FROM meta WHERE key = 'cellkey_secret'", Vec::new());
    drop(admin);
    db
}

#[test]
fn a_database_from_before_the_method_counts_as_before_and_gets_its_secret_at_a_writers_sign_in() {
    let db = from_before_the_method();
    // The auditor's audit (an administrator's sign-in would make the secret).
    let (code, report) = audit_as(&db, "aino");
    assert_eq!(code, Some(0), "a consistent old database: {report:#}");
    // Signing in as the auditor makes nothing: figures as before, keyed ones refused with
    // what to do, in English and Swedish.
    let plain = db.stats_json_as("aino", PASS, &["--by", "gender"]);
    assert_eq!(plain["contacts"], 8);
    let e = keyed(&db, "aino").unwrap_err();
    let en = e.message(uppsok::i18n::Lang::En);
    assert!(
        en.contains("no cell key secret") && en.contains("sign in once"),
        "{en}"
    );
    let sv = e.message(uppsok::i18n::Lang::Sv);
    assert!(
        sv.contains("cellnyckelhemlighet") && sv.contains("logga in"),
        "{sv}"
    );
    assert_eq!(e.exit_code(), 1);
    assert!(sealed_secret(&db).is_none());
    // The administrator's next sign-in (any command) makes it, with an entry that commits to
    // it; the audit passes, and keyed figures are the same for everyone from then on.
    let plain_admin = db.stats_json(&["--by", "gender"]);
    assert_eq!(plain_admin, plain);
    assert!(sealed_secret(&db).is_some());
    let made: Vec<AuditRow> = log_rows(&db)
        .into_iter()
        .filter(|r| r.action == "cellkey_create")
        .collect();
    assert_eq!(made.len(), 1);
    assert!(made[0].detail.starts_with("cellkey="), "{}", made[0].detail);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
    let keys = keyed(&db, "aino").unwrap();
    assert_eq!(keyed(&db, ADMIN).unwrap(), keys);
    // Made once: later sign-ins leave it as it is.
    db.stats_json(&[]);
    assert_eq!(
        log_rows(&db)
            .iter()
            .filter(|r| r.action == "cellkey_create")
            .count(),
        1
    );
}

fn format2_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/format2")
        .join(name)
}

#[test]
fn an_upgraded_database_gets_its_secret_from_the_upgrade_and_keeps_its_figures() {
    let db = Db::empty();
    std::fs::copy(format2_data("uppsok.db"), &db.path).unwrap();
    std::fs::copy(format2_data("uppsok.db.keys"), key_file_of(&db.path)).unwrap();
    let recovery = std::fs::read_to_string(format2_data("recovery-key.txt")).unwrap();
    let out = db
        .cmd()
        .arg("upgrade")
        .env("UPPSOK_RECOVERY_KEY", recovery.trim())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let upgrade = log_rows(&db)
        .into_iter()
        .rev()
        .find(|r| r.action == "upgrade")
        .unwrap();
    assert!(upgrade.detail.contains(" cellkey="), "{}", upgrade.detail);
    // The figures are the fixture's; keyed ones can be had at once.
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format2_data("stats.json")).unwrap())
            .unwrap();
    let plain = db.stats_json(&[]);
    assert_eq!(plain["contacts"], expected["contacts"]);
    let keys = keyed(&db, ADMIN).unwrap();
    assert_eq!(
        keys[0].totals.contacts,
        expected["contacts"].as_u64().unwrap()
    );
    assert_ne!(keys[0].keys.contacts, 0);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
    // And kept through the rekey that follows.
    let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(keyed(&db, ADMIN).unwrap(), keys);
}

/// What counting with cell keys costs against counting without, on a database of your own (a
/// user `admin` with the tests' passphrase). Ignored in the normal run:
///
/// ```sh
/// UPPSOK_CELLKEY_BENCH_DB=/tmp/big.db cargo test --release --test cellkey -- --ignored --nocapture
/// ```
#[test]
#[ignore]
fn keyed_counting_costs_one_hmac_per_contact_and_person() {
    let Ok(path) = std::env::var("UPPSOK_CELLKEY_BENCH_DB") else {
        eprintln!("set UPPSOK_CELLKEY_BENCH_DB");
        return;
    };
    let mut v = Vault::unlock(Path::new(&path), ADMIN, &Passphrase::new(PASS.into())).unwrap();
    let by = |dims: &[Dimension]| Query {
        by: dims.to_vec(),
        ..Query::default()
    };
    let one = vec![by(&[Dimension::Year, Dimension::Role])];
    let six = vec![
        by(&[]),
        by(&[Dimension::Role]),
        by(&[Dimension::Gender]),
        by(&[Dimension::District]),
        by(&[Dimension::Referral]),
        by(&[Dimension::Year, Dimension::Role]),
    ];
    for (what, qs) in [("one table", &one), ("six tables", &six)] {
        let mut best = [f64::MAX; 2];
        for _ in 0..3 {
            for (i, with_keys) in [false, true].into_iter().enumerate() {
                let start = std::time::Instant::now();
                let door = v.stats().open(StatsPurpose::Screen).unwrap();
                let door = if with_keys {
                    door.with_cell_keys().unwrap()
                } else {
                    door
                };
                let r = door.count(qs, &mut []).unwrap();
                assert_eq!(r[0].keys.contacts != 0, with_keys);
                best[i] = best[i].min(start.elapsed().as_secs_f64());
            }
        }
        eprintln!(
            "{what}: without cell keys {:.3} s, with {:.3} s (+{:.0} %)",
            best[0],
            best[1],
            100.0 * (best[1] / best[0] - 1.0)
        );
    }
}
