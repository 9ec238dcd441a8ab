//! The security rules, proved against the real binary: what reaches the disk, what tampering
//! does, what a refusal writes, who may do what, and the audit chain.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

// ----- helpers ---------------------------------------------------------------------------

/// Arguments of `add` for one contact.
fn add_args(date: &str, code: &str, district: &str, contact_type: &str, note: &str) -> Vec<String> {
    [
        "add",
        "--date",
        date,
        "--code",
        code,
        "--role",
        "sells",
        "--gender",
        "woman",
        "--age-band",
        "25-34",
        "--counterpart",
        "men",
        "--district",
        district,
        "--contact-type",
        contact_type,
        "--note",
        note,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn add_ok(db: &Db, args: &[String]) {
    let out = db.cmd().args(args).output().expect("run");
    assert!(out.status.success(), "add failed: {}", stderr(&out));
}

/// Every file under `dir`, recursively, as (path, bytes).
fn every_file(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            out.extend(every_file(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((path_str(&p), b));
        }
    }
    out
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || haystack.len() < needle.len() {
        return 0;
    }
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn count_rows(db: &Db, table: &str) -> i64 {
    db.sql_i64(&format!("SELECT count(*) FROM {table}"))
}

/// Every row of every table except the audit log, as text: a picture of what is stored (on
/// either back end).
fn snapshot_except_audit(db: &Db) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for t in db.sql_tables().into_iter().filter(|t| t != "audit_log") {
        // The log's sealed head (meta `audit_head`) moves with every entry: part of the log.
        let sql = if t == "meta" {
            "SELECT * FROM meta WHERE key <> 'audit_head' ORDER BY key".to_string()
        } else {
            format!("SELECT * FROM {t} ORDER BY 1")
        };
        let rows = db.sql_rows(&sql).into_iter().map(|r| r.join("|")).collect();
        out.insert(t, rows);
    }
    out
}

fn audit_actions(db: &Db) -> Vec<String> {
    db.sql_rows("SELECT action FROM audit_log ORDER BY seq")
        .into_iter()
        .map(|mut r| r.remove(0))
        .collect()
}

fn assert_clean_error(text: &str) {
    assert!(!text.contains("panicked"), "{text}");
    assert!(!text.contains("RUST_BACKTRACE"), "{text}");
}

fn sha256(b: &[u8]) -> Vec<u8> {
    Sha256::digest(b).to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A CSV row with the documented columns.
#[allow(clippy::too_many_arguments)]
fn csv_row(
    date: &str,
    code: &str,
    role: &str,
    district: &str,
    contact_type: &str,
    referrals: &str,
    trafficking: &str,
    note: &str,
) -> String {
    format!(
        "{date},{code},{role},nonbinary,under18,both,{district},{contact_type},{referrals},{trafficking},{note}\n"
    )
}

// ----- 1. what reaches the disk ------------------------------------------------------------

const NOTE_WORDS: [&str; 3] = ["quokkazebrafjord", "mellanmjolksbrus", "Fladdermuspannkaka"];
const CODES_RAW: [&str; 3] = ["Xylo Phone-77", "QW-ERTY 1999", "Ärtsoppa Torsdag"];
const NEW_PASS: &str = "tvattbjorn i snostorm";
const NEWER_PASS: &str = "gladjebetyg for rodlok";
const CODES_NORM: [&str; 3] = ["xylophone77", "qwerty1999", "ärtsoppatorsdag"];

/// Everything that must never be found on disk.
fn secrets() -> Vec<(String, Vec<u8>)> {
    let mut s: Vec<(String, Vec<u8>)> = Vec::new();
    for n in NOTE_WORDS {
        s.push((format!("note {n}"), n.as_bytes().to_vec()));
        s.push((format!("note {n} lower"), n.to_lowercase().into_bytes()));
    }
    for c in CODES_RAW {
        s.push((format!("raw code {c}"), c.as_bytes().to_vec()));
    }
    for c in CODES_NORM {
        s.push((format!("normalised code {c}"), c.as_bytes().to_vec()));
        let h = sha256(c.as_bytes());
        s.push((format!("sha256 hex of {c}"), hex(&h).into_bytes()));
        s.push((
            format!("sha256 HEX of {c}"),
            hex(&h).to_uppercase().into_bytes(),
        ));
        s.push((format!("sha256 bytes of {c}"), h));
    }
    s.push(("passphrase".into(), PASS.as_bytes().to_vec()));
    s.push(("new passphrase".into(), NEW_PASS.as_bytes().to_vec()));
    s.push(("changed passphrase".into(), NEWER_PASS.as_bytes().to_vec()));
    s
}

fn assert_no_secret_in(dir: &Path, when: &str) {
    let files = every_file(dir);
    assert!(!files.is_empty());
    for (name, bytes) in &files {
        for (what, needle) in secrets() {
            assert!(!contains(bytes, &needle), "{when}: {what} found in {name}");
        }
    }
}

fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
}

fn side_files(db: &Db) -> Vec<std::path::PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| {
            let mut p = db.path.as_os_str().to_owned();
            p.push(s);
            std::path::PathBuf::from(p)
        })
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn no_note_code_hash_or_passphrase_reaches_the_disk() {
    if on_server_backend() {
        return; // the file's bytes; a server's: tests/postgres.rs `the_servers_administrator_reads_no_note_code_or_category`
    }
    let db = Db::new();
    let inputs = tempfile::tempdir().unwrap();
    // A raw connection held open keeps the WAL: SQLite neither checkpoints nor deletes it
    // while another connection is open, so the bytes the commands wrote stay to be scanned.
    let keep = db.raw();
    keep.query_row("SELECT count(*) FROM contacts", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let mut csv = HEADER.to_string();
    for i in 0..3 {
        csv.push_str(&csv_row(
            "2024-02-01",
            CODES_RAW[i],
            "sells",
            "skarholmen",
            "counselling",
            "shelter;migration",
            "yes",
            &format!(
                "\"samtal {} om boende, {}\"",
                NOTE_WORDS[i],
                NOTE_WORDS[(i + 1) % 3]
            ),
        ));
    }
    let f = inputs.path().join("in.csv");
    std::fs::write(&f, &csv).unwrap();
    let out = db.cmd().arg("import").arg(&f).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for i in 0..3 {
        add_ok(
            &db,
            &add_args(
                "2024-02-02",
                CODES_RAW[i],
                "enskede-arsta-vantor",
                "medical",
                &format!("{} igen", NOTE_WORDS[i]),
            ),
        );
    }
    let out = db
        .cmd()
        .args(["night", "add", "--date", "2024-02-03", "--kind", "street"])
        .args(["--district", "skarholmen", "--staff", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    db.stats_json(&["--by", "district"]);
    let out = db
        .cmd()
        .args(["user", "add", "olle", "--role", "outreach"])
        .env("UPPSOK_NEW_PASSPHRASE", NEW_PASS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = db
        .cmd_as("olle", NEW_PASS)
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", NEWER_PASS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let wal = {
        let mut p = db.path.as_os_str().to_owned();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    assert!(
        std::fs::metadata(&wal)
            .map(|m| m.len() > 0)
            .unwrap_or(false),
        "the WAL should still hold the commands' writes"
    );
    // Not even the contacts' dates: the WAL's pages are encrypted like the database's.
    assert!(
        !contains(&std::fs::read(&wal).unwrap(), b"2024-02-02"),
        "the WAL shows a contact date"
    );
    assert_no_secret_in(db.dir.path(), "with the WAL kept");
    for p in side_files(&db) {
        assert_private(&p);
    }
    // After a checkpoint: the WAL folded into the file.
    keep.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    drop(keep);
    assert_no_secret_in(db.dir.path(), "after a checkpoint");
    // After more uppsok runs that close the database themselves.
    db.cmd()
        .args(["export", "--format", "json"])
        .assert()
        .success();
    assert_no_secret_in(db.dir.path(), "after the last command");
    for p in side_files(&db) {
        assert_private(&p);
    }
    // The export itself does hold the notes (that is its job), so it goes outside the scan.
    let exported = inputs.path().join("export.csv");
    db.cmd()
        .args(["export", "--out"])
        .arg(&exported)
        .assert()
        .success();
    assert_private(&exported);
    assert!(contains(
        &std::fs::read(&exported).unwrap(),
        NOTE_WORDS[0].as_bytes()
    ));
}

/// A database with `n` contacts with the given categories, where the WAL is held open (or not)
/// while they are written; returns all the bytes in its directory.
fn database_bytes(n: usize, values: &[&str; 6], keep_wal: bool) -> Vec<u8> {
    let db = Db::new();
    let keep = db.raw();
    keep.query_row("SELECT count(*) FROM contacts", [], |r| r.get::<_, i64>(0))
        .unwrap();
    if !keep_wal {
        drop(keep);
        let mut csv = HEADER.to_string();
        for i in 0..n {
            csv.push_str(&csv_row(
                "2024-01-01",
                &format!("p{i}"),
                values[0],
                values[1],
                values[2],
                values[3],
                values[4],
                values[5],
            ));
        }
        let out = db.import(&csv);
        assert!(out.status.success(), "{}", stderr(&out));
        return every_file(db.dir.path())
            .into_iter()
            .filter(|(n, _)| !n.ends_with(".csv"))
            .flat_map(|(_, b)| b)
            .collect();
    }
    let mut csv = HEADER.to_string();
    for i in 0..n {
        csv.push_str(&csv_row(
            "2024-01-01",
            &format!("p{i}"),
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5],
        ));
    }
    let out = db.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = every_file(db.dir.path())
        .into_iter()
        .filter(|(n, _)| !n.ends_with(".csv"))
        .flat_map(|(_, b)| b)
        .collect();
    drop(keep);
    bytes
}

#[test]
fn category_values_do_not_leak_from_the_contact_ciphertexts() {
    if on_server_backend() {
        return; // the file's bytes; a server's: tests/postgres.rs `the_servers_administrator_reads_no_note_code_or_category`
    }
    // Two databases written the same way, with different category values. The district list
    // is stored in clear in `meta` by design and some words occur in the schema text; those
    // occurrences are the same in both. A value that leaked from a contact's ciphertext would
    // occur more often where it was used.
    let a = [
        "sells",
        "skarholmen",
        "counselling",
        "shelter;migration",
        "yes",
        "quiet",
    ];
    let b = [
        "buys",
        "farsta",
        "medical",
        "addiction;legal",
        "no",
        "quiet",
    ];
    let words = [
        "sells",
        "buys",
        "skarholmen",
        "farsta",
        "enskede-arsta-vantor",
        "counselling",
        "medical",
        "shelter",
        "migration",
        "addiction",
        "legal",
        "nonbinary",
        "under18",
        "trafficking",
    ];
    for keep_wal in [true, false] {
        let in_a = database_bytes(12, &a, keep_wal);
        let in_b = database_bytes(12, &b, keep_wal);
        // Nothing at all is stored in the clear, not even the district list.
        for w in words {
            assert_eq!(
                count(&in_a, w.as_bytes()),
                0,
                "'{w}' (WAL kept: {keep_wal})"
            );
            assert_eq!(
                count(&in_a, w.as_bytes()),
                count(&in_b, w.as_bytes()),
                "'{w}' occurs a different number of times depending on the contacts' values (WAL kept: {keep_wal})"
            );
        }
    }
    // And a district's name does not occur more often with more contacts in it.
    let few = database_bytes(1, &a, false);
    let many = database_bytes(40, &a, false);
    for w in ["skarholmen", "counselling", "shelter", "nonbinary"] {
        assert_eq!(
            count(&few, w.as_bytes()),
            count(&many, w.as_bytes()),
            "'{w}' grows with the number of contacts"
        );
    }
}

#[test]
fn export_out_is_private_even_over_an_existing_file() {
    use std::os::unix::fs::PermissionsExt;
    let db = Db::new();
    add_ok(
        &db,
        &add_args("2024-01-01", "", "norrmalm", "outreach", "privat text"),
    );
    let out = db.dir.path().join("old.csv");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    db.cmd()
        .args(["export", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_private(&out);
    for format in ["csv", "json"] {
        let p = db.dir.path().join(format!("new.{format}"));
        db.cmd()
            .args(["export", "--format", format, "--out"])
            .arg(&p)
            .assert()
            .success();
        assert_private(&p);
    }
    if db.server.is_none() {
        let backup = db.dir.path().join("copy.db");
        db.cmd().arg("backup").arg(&backup).assert().success();
        assert_private(&backup);
    }
}

#[test]
fn export_refuses_to_overwrite_the_database_or_its_files() {
    if on_server_backend() {
        return; // a server's database is no file to write over
    }
    let db = Db::new();
    add_ok(
        &db,
        &add_args("2024-01-01", "AB 85", "norrmalm", "outreach", "kvar"),
    );
    let link = db.dir.path().join("link.db");
    std::os::unix::fs::symlink(&db.path, &link).unwrap();
    let mut wal = db.path.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = db.path.as_os_str().to_owned();
    shm.push("-shm");
    let targets = [
        db.path.clone(),
        link,
        std::path::PathBuf::from(wal),
        std::path::PathBuf::from(shm),
    ];
    for target in targets {
        let out = db
            .cmd()
            .args(["export", "--out"])
            .arg(&target)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", target.display());
        assert!(err.contains("database itself"), "{err}");
        assert_clean_error(&err);
        // The database is intact.
        assert_eq!(db.stats_json(&[])["contacts"], 1, "{}", target.display());
    }
}

// ----- 2. tampering ----------------------------------------------------------------------

fn db_with_contacts() -> Db {
    let db = Db::new();
    add_ok(
        &db,
        &add_args("2024-01-01", "AB 85", "norrmalm", "outreach", "forsta"),
    );
    add_ok(
        &db,
        &add_args("2024-01-02", "CD 90", "farsta", "counselling", "andra"),
    );
    add_ok(
        &db,
        &add_args("2024-01-03", "", "bromma", "medical", "tredje"),
    );
    db
}

fn assert_tamper_refused(db: &Db, args: &[&str]) {
    let out = db.cmd().args(args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        err.contains("does not authenticate") && err.contains("audit"),
        "{args:?}: unclear message: {err}"
    );
    assert_clean_error(&err);
    if args[0] == "export" {
        // Written to a file, a failed export leaves no partial file of decrypted records.
        let file = db.dir.path().join("tampered-export.out");
        let out = db
            .cmd()
            .args(args)
            .arg("--out")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} --out: {}",
            stderr(&out)
        );
        assert!(
            !file.exists(),
            "{args:?}: a failed export left {}",
            file.display()
        );
    }
}

fn blob(db: &Db, col: &str, id: i64) -> Vec<u8> {
    db.blob("contacts", col, id)
}

fn set_blob(db: &Db, col: &str, id: i64, v: &[u8]) {
    db.set_blob("contacts", col, id, v);
}

#[test]
fn attributes_swapped_between_rows_are_detected() {
    let db = db_with_contacts();
    db.cmd().arg("export").assert().success();
    let (a1, a2) = (blob(&db, "attributes", 1), blob(&db, "attributes", 2));
    set_blob(&db, "attributes", 1, &a2);
    set_blob(&db, "attributes", 2, &a1);
    assert_tamper_refused(&db, &["export"]);
    assert_tamper_refused(&db, &["export", "--format", "json"]);
    assert_tamper_refused(&db, &["stats"]);
    assert_tamper_refused(&db, &["stats", "--format", "json", "--by", "district"]);
}

#[test]
fn notes_swapped_between_rows_are_detected() {
    let db = db_with_contacts();
    let (n1, n2) = (blob(&db, "note", 1), blob(&db, "note", 2));
    set_blob(&db, "note", 1, &n2);
    set_blob(&db, "note", 2, &n1);
    assert_tamper_refused(&db, &["export"]);
}

#[test]
fn attributes_and_note_swapped_within_a_row_are_detected() {
    let db = db_with_contacts();
    let (a, n) = (blob(&db, "attributes", 2), blob(&db, "note", 2));
    set_blob(&db, "attributes", 2, &n);
    set_blob(&db, "note", 2, &a);
    assert_tamper_refused(&db, &["export"]);
    assert_tamper_refused(&db, &["stats"]);
}

#[test]
fn a_flipped_byte_is_detected_anywhere_in_a_ciphertext() {
    for col in ["attributes", "note"] {
        let len = blob(&db_with_contacts(), col, 2).len();
        // The envelope header, the nonce, the ciphertext body and the tag.
        for pos in [0, 1, 3, 6, len / 2, len - 1] {
            let db = db_with_contacts();
            let mut v = blob(&db, col, 2);
            v[pos] ^= 0x01;
            set_blob(&db, col, 2, &v);
            let out = db.cmd().arg("export").output().unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{col}[{pos}]: {err}");
            assert!(
                err.contains("contacts record 2") || err.contains("not a valid"),
                "{col}[{pos}]: unclear message: {err}"
            );
            assert_clean_error(&err);
            if col == "attributes" {
                let out = db.cmd().arg("stats").output().unwrap();
                assert_eq!(out.status.code(), Some(1), "stats {col}[{pos}]");
            }
        }
    }
}

#[test]
fn a_truncated_or_emptied_ciphertext_is_detected() {
    let db = db_with_contacts();
    let v = blob(&db, "note", 1);
    set_blob(&db, "note", 1, &v[..v.len() - 1]);
    let out = db.cmd().arg("export").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    set_blob(&db, "note", 1, b"");
    let out = db.cmd().arg("export").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_clean_error(&stderr(&out));
}

#[test]
fn a_role_raised_behind_uppsoks_back_is_refused_at_unlock() {
    let db = db_with_contacts();
    db.add_user("olle", "outreach");
    db.tamper("UPDATE users SET role = 'admin' WHERE name = 'olle'");
    let audit = count_rows(&db, "audit_log");
    for args in [
        vec!["export"],
        vec!["stats"],
        vec!["user", "list"],
        vec!["night", "list"],
    ] {
        let out = db.cmd_as("olle", PASS).args(&args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("changed outside uppsok"), "{args:?}: {err}");
        assert!(!contains(&out.stdout, b"forsta"));
        assert_clean_error(&err);
    }
    assert_eq!(count_rows(&db, "audit_log"), audit, "refused unlocks wrote");
    // (`user disable` rekeys, and a rekey refuses while a user record is tampered: put it back.)
    db.tamper("UPDATE users SET role = 'outreach' WHERE name = 'olle'");
    // A disabled user switched back on behind uppsok's back is refused too.
    db.add_user("stina", "lead");
    db.cmd()
        .args(["user", "disable", "stina", "--yes"])
        .assert()
        .success();
    db.tamper("UPDATE users SET disabled = false WHERE name = 'stina'");
    let out = db.cmd_as("stina", PASS).arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // And lowering the admin's role fails the seal just the same.
    db.tamper("UPDATE users SET role = 'auditor' WHERE name = 'admin'");
    let out = db.cmd().arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_key_slot_copied_from_another_user_does_not_unlock() {
    let db = db_with_contacts();
    // Same passphrase as the admin: only the slot's binding to its user's name stops the
    // copy. An insider (with the page key, so the key file's MAC can be recomputed) copies
    // the admin's slot over olle's in the key file.
    db.add_user("olle", "outreach");
    let original = db.key_file_bytes();
    let public = |name: &str| -> Vec<u8> {
        db.sql_id_blobs(&format!(
            "SELECT u.id, w.public_key FROM master_wraps w JOIN users u ON u.id = w.user_id WHERE u.name = '{name}'"
        ))[0]
            .1
            .clone()
    };
    let (admin, olle) = (public("admin"), public("olle"));
    let at = |key: &[u8]| original.windows(32).position(|w| w == key).unwrap();
    // A slot is: its kind (1 byte), public key (32), settings (12), then the wrapped secret
    // (length-prefixed) and the sealed page key. Both slots have the same size, so one can be
    // laid over the other: first the wrapped secret alone, then the whole slot from its
    // public key on.
    let (a, o) = (at(&admin), at(&olle));
    let slot_len = (o as isize - a as isize).unsigned_abs() - 1;
    let audit = count_rows(&db, "audit_log");
    for whole in [false, true] {
        let mut bytes = original.clone();
        let skip = if whole { 0 } else { 44 };
        let from = original[a + skip..a + slot_len].to_vec();
        bytes[o + skip..o + slot_len].copy_from_slice(&from);
        insider_write_key_file(&db, ADMIN, PASS, &mut bytes);
        for args in [["stats"], ["export"]] {
            let out = db.cmd_as("olle", PASS).args(args).output().unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(err.contains("olle"), "{err}");
            assert!(
                err.contains("passphrase") || err.contains("key slot"),
                "{err}"
            );
            assert!(!contains(&out.stdout, b"forsta"));
            assert_clean_error(&err);
        }
    }
    assert_eq!(count_rows(&db, "audit_log"), audit);
    // The admin's own slot still works.
    db.cmd().arg("stats").assert().success();
}

// ----- 3. refusals write nothing -----------------------------------------------------------

struct Before {
    /// The database file's bytes (a server's disk is the server's to compare).
    file: Option<Vec<u8>>,
    audit: i64,
    contacts: i64,
    snapshot: BTreeMap<String, Vec<String>>,
}

fn before(db: &Db) -> Before {
    Before {
        file: db
            .server
            .is_none()
            .then(|| std::fs::read(&db.path).unwrap()),
        audit: count_rows(db, "audit_log"),
        contacts: count_rows(db, "contacts"),
        snapshot: snapshot_except_audit(db),
    }
}

fn assert_unchanged(db: &Db, b: &Before, what: &str) {
    assert_eq!(
        count_rows(db, "audit_log"),
        b.audit,
        "{what}: audit log grew"
    );
    assert_eq!(
        count_rows(db, "contacts"),
        b.contacts,
        "{what}: contacts changed"
    );
    assert_eq!(
        snapshot_except_audit(db),
        b.snapshot,
        "{what}: data changed"
    );
    if let Some(file) = &b.file {
        assert!(
            &std::fs::read(&db.path).unwrap() == file,
            "{what}: the database file changed"
        );
    }
}

#[test]
fn refused_unlocks_write_nothing_at_all() {
    let db = db_with_contacts();
    db.add_user("olle", "outreach");
    db.cmd()
        .args(["user", "disable", "olle", "--yes"])
        .assert()
        .success();
    let empty = db.file("empty-pass", "");
    let newline_only = db.file("newline-pass", "\n");
    let wrong_file = db.file("wrong-pass", "not the passphrase\n");
    let missing = db.dir.path().join("no-such-pass");
    let b = before(&db);
    let add = add_args("2024-01-01", "AB 85", "norrmalm", "outreach", "x");
    let cases: Vec<(&str, assert_cmd::Command, i32, &str)> = vec![
        (
            "wrong passphrase",
            {
                let mut c = db.cmd_as(ADMIN, "wrong horse battery staple");
                c.args(&add);
                c
            },
            1,
            "wrong passphrase",
        ),
        (
            "wrong passphrase, export",
            {
                let mut c = db.cmd_as(ADMIN, "wrong horse battery staple");
                c.arg("export");
                c
            },
            1,
            "wrong passphrase",
        ),
        (
            "unknown user",
            {
                let mut c = db.cmd_as("nobody", PASS);
                c.args(&add);
                c
            },
            1,
            "no active user 'nobody'",
        ),
        (
            "disabled user",
            {
                let mut c = db.cmd_as("olle", PASS);
                c.args(&add);
                c
            },
            1,
            "disabled",
        ),
        (
            "disabled user, stats",
            {
                let mut c = db.cmd_as("olle", PASS);
                c.arg("stats");
                c
            },
            1,
            "disabled",
        ),
        (
            "empty passphrase file",
            {
                let mut c = db.bare();
                c.env("UPPSOK_USER", ADMIN)
                    .arg("--passphrase-file")
                    .arg(&empty)
                    .args(&add);
                c
            },
            2,
            "empty",
        ),
        (
            "newline-only passphrase file",
            {
                let mut c = db.bare();
                c.env("UPPSOK_USER", ADMIN)
                    .arg("--passphrase-file")
                    .arg(&newline_only)
                    .args(&add);
                c
            },
            2,
            "empty",
        ),
        (
            "missing passphrase file",
            {
                let mut c = db.bare();
                c.env("UPPSOK_USER", ADMIN)
                    .arg("--passphrase-file")
                    .arg(&missing)
                    .args(&add);
                c
            },
            2,
            "passphrase file",
        ),
        (
            "wrong passphrase file",
            {
                let mut c = db.bare();
                c.env("UPPSOK_USER", ADMIN)
                    .arg("--passphrase-file")
                    .arg(&wrong_file)
                    .args(&add);
                c
            },
            1,
            "wrong passphrase",
        ),
        (
            "no active user",
            {
                let mut c = db.bare();
                c.env("UPPSOK_PASSPHRASE", PASS).args(&add);
                c
            },
            2,
            "--user",
        ),
        (
            "empty environment passphrase",
            {
                let mut c = db.bare();
                c.env("UPPSOK_USER", ADMIN)
                    .env("UPPSOK_PASSPHRASE", "")
                    .args(&add);
                c
            },
            2,
            "UPPSOK_PASSPHRASE",
        ),
    ];
    for (what, mut cmd, code, needle) in cases {
        let out = cmd.timeout(Duration::from_secs(60)).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{what}: {err}");
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "{what}: unclear message: {err}"
        );
        assert!(
            err.trim_end().lines().count() <= 3,
            "{what}: long message: {err}"
        );
        assert!(!err.contains(PASS), "{what}: the passphrase was printed");
        assert!(out.stdout.is_empty(), "{what}: printed {}", stdout(&out));
        assert_clean_error(&err);
        assert_unchanged(&db, &b, what);
    }
}

#[test]
fn without_a_passphrase_or_a_terminal_it_fails_at_once() {
    let db = db_with_contacts();
    let b = before(&db);
    for args in [
        vec!["stats"],
        vec!["export"],
        vec!["user", "list"],
        vec!["passwd"],
    ] {
        // stdin is an open pipe that never delivers anything: a program that waited for a
        // passphrase there would hang.
        let start = Instant::now();
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("uppsok"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", db.dir.path())
            .env("UPPSOK_INSECURE_TEST_KDF", "1")
            .env("UPPSOK_DB", &db.path)
            .env("UPPSOK_USER", ADMIN)
            .env("LANG", "C")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("{args:?}: still waiting for a passphrase after 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--passphrase-file") && err.contains("UPPSOK_PASSPHRASE"),
            "{args:?}: {err}"
        );
        assert_clean_error(&err);
        assert_unchanged(&db, &b, "no passphrase");
    }
    // The same through assert_cmd's own timeout, for add with a full set of flags.
    let out = db
        .bare()
        .env("UPPSOK_USER", ADMIN)
        .args(add_args("2024-01-01", "", "norrmalm", "outreach", ""))
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_unchanged(&db, &b, "no passphrase, add");
}

#[test]
fn a_command_refused_for_the_role_writes_one_refusal_and_nothing_else() {
    let db = db_with_contacts();
    db.add_user("olle", "outreach");
    db.add_user("lena", "lead");
    db.add_user("rut", "auditor");
    let csv = db.file(
        "one.csv",
        &format!("{HEADER}2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,\n"),
    );
    let backup = db.dir.path().join("b.db");
    let add = add_args(
        "2024-01-05",
        "ZZ 11",
        "norrmalm",
        "outreach",
        "not to be stored",
    );
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("olle", vec!["export".into()]),
        (
            "olle",
            vec![
                "export".into(),
                "--out".into(),
                path_str(&db.dir.path().join("leak.csv")),
            ],
        ),
        ("rut", add.clone()),
        ("rut", vec!["import".into(), path_str(&csv)]),
        ("rut", vec!["export".into()]),
        ("rut", vec!["night".into(), "list".into()]),
        (
            "olle",
            vec![
                "user".into(),
                "add".into(),
                "eve".into(),
                "--role".into(),
                "admin".into(),
            ],
        ),
        ("lena", vec!["user".into(), "list".into()]),
        ("lena", vec!["user".into(), "disable".into(), "olle".into()]),
        ("lena", vec!["backup".into(), path_str(&backup)]),
    ];
    for (user, args) in cases {
        let b = before(&db);
        let out = db
            .cmd_as(user, PASS)
            .args(&args)
            .env("UPPSOK_NEW_PASSPHRASE", PASS)
            .output()
            .unwrap();
        let err = stderr(&out);
        let what = format!("{user} {args:?}");
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("may not") && err.contains(user),
            "{what}: unclear: {err}"
        );
        assert_clean_error(&err);
        assert!(
            !contains(&out.stdout, b"forsta") && !contains(&out.stdout, b"andra"),
            "{what}: printed records"
        );
        assert_eq!(count_rows(&db, "audit_log"), b.audit + 1, "{what}");
        assert_eq!(count_rows(&db, "contacts"), b.contacts, "{what}");
        assert_eq!(snapshot_except_audit(&db), b.snapshot, "{what}: wrote data");
        let last =
            db.sql_rows("SELECT action, objects, detail FROM audit_log ORDER BY seq DESC LIMIT 1");
        let (action, objects, detail) = (&last[0][0], &last[0][1], &last[0][2]);
        assert_eq!(action, "refused", "{what}");
        assert!(!objects.contains("ZZ") && !detail.contains("not to be stored"));
    }
    assert!(!backup.exists(), "a refused backup left a file");
    assert!(
        !db.dir.path().join("leak.csv").exists(),
        "a refused export left a file"
    );
}

// ----- 4. the roles table -----------------------------------------------------------------

#[test]
fn every_role_may_do_exactly_what_the_roles_table_says() {
    let db = db_with_contacts();
    db.add_user("olle", "outreach");
    db.add_user("lena", "lead");
    db.add_user("rut", "auditor");
    let csv = db.file(
        "one.csv",
        &format!("{HEADER}2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,\n"),
    );
    let roles = [
        ("olle", "outreach"),
        ("lena", "lead"),
        ("rut", "auditor"),
        (ADMIN, "admin"),
    ];
    // (command, allowed for outreach, lead, auditor, admin)
    type Case = (&'static str, [bool; 4]);
    let table: [Case; 11] = [
        ("add", [true, true, false, true]),
        ("import", [true, true, false, true]),
        ("export", [false, true, false, true]),
        ("stats", [true, true, true, true]),
        ("user add", [false, false, false, true]),
        ("user list", [false, false, false, true]),
        ("user disable", [false, false, false, true]),
        ("passwd", [true, true, true, true]),
        ("backup", [false, false, false, true]),
        ("night add", [true, true, false, true]),
        ("night list", [true, true, false, true]),
    ];
    for (i, (user, role)) in roles.iter().enumerate() {
        db.add_user(&format!("victim-{role}"), "outreach");
        for (command, allowed) in table {
            // A server's copies are `pg_dump`'s: `backup` refuses even an administrator there,
            // saying so (tests/cli_lang.rs).
            if command == "backup" && allowed[i] && on_server_backend() {
                continue;
            }
            let args: Vec<String> = match command {
                "add" => add_args("2024-01-09", "QQ 1", "farsta", "online", ""),
                "import" => vec!["import".into(), path_str(&csv)],
                "export" => vec!["export".into()],
                "stats" => vec!["stats".into()],
                "user add" => vec![
                    "user".into(),
                    "add".into(),
                    format!("new-{role}"),
                    "--role".into(),
                    "lead".into(),
                ],
                "user list" => vec!["user".into(), "list".into()],
                "user disable" => vec![
                    "user".into(),
                    "disable".into(),
                    format!("victim-{role}"),
                    "--yes".into(),
                ],
                "passwd" => vec!["passwd".into()],
                "backup" => vec![
                    "backup".into(),
                    path_str(&db.dir.path().join(format!("b-{role}.db"))),
                ],
                "night add" => [
                    "night",
                    "add",
                    "--date",
                    "2024-01-09",
                    "--kind",
                    "online",
                    "--district",
                    "online",
                    "--staff",
                    "1",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                "night list" => vec!["night".into(), "list".into()],
                _ => unreachable!(),
            };
            let audit = count_rows(&db, "audit_log");
            let out = db
                .cmd_as(user, PASS)
                .args(&args)
                .env("UPPSOK_NEW_PASSPHRASE", PASS)
                .output()
                .unwrap();
            let err = stderr(&out);
            assert_clean_error(&err);
            if allowed[i] {
                assert!(
                    out.status.success(),
                    "{role} {command} should be allowed: {err}"
                );
            } else {
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{role} {command} should be refused: {err}"
                );
                assert!(err.contains("may not"), "{role} {command}: {err}");
                assert_eq!(
                    audit_actions(&db).last().map(String::as_str),
                    Some("refused")
                );
                assert_eq!(count_rows(&db, "audit_log"), audit + 1);
            }
        }
    }
    // The passphrases were set to the same again: everyone can still sign in.
    for (user, _) in roles {
        db.cmd_as(user, PASS).arg("stats").assert().success();
    }
}

// ----- 5. the audit chain -----------------------------------------------------------------

fn verify(db: &Db) -> Result<i64, uppsok::audit_log::ChainBreak> {
    let mut vault = uppsok::vault::Vault::unlock(
        &db.path,
        ADMIN,
        &uppsok::crypto::Passphrase::new(PASS.to_string()),
    )
    .expect("unlock");
    vault.audit().verify_chain().expect("read the audit log")
}

#[test]
fn the_audit_log_records_every_action_in_an_unbroken_chain_without_content() {
    let db = Db::new();
    db.add_user("olle", "outreach");
    db.add_user("rut", "auditor");
    add_ok(
        &db,
        &add_args(
            "2024-03-01",
            "Secret Code-42",
            "skarholmen",
            "counselling",
            "anteckning hemlig",
        ),
    );
    let out = db.import(&format!(
        "{HEADER}2024-03-02,Other Code 7,buys,man,45-54,women,enskede-arsta-vantor,police,legal;shelter,yes,\"importerad, hemlis\"\n"
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let f = db.file(
        "ids.csv",
        &format!(
            "{HEADER}2024-03-03,,sells,woman,25-34,men,norrmalm,outreach,,no,ring 070-123 45 67\n"
        ),
    );
    db.cmd()
        .args(["import", "--allow-identifiers"])
        .arg(&f)
        .assert()
        .success();
    db.cmd()
        .args(["night", "add", "--date", "2024-03-01", "--kind", "police"])
        .args(["--district", "skarholmen", "--staff", "3"])
        .assert()
        .success();
    db.cmd().arg("export").assert().success();
    db.stats_json(&["--by", "district"]);
    db.cmd_as("olle", PASS).arg("export").assert().code(1);
    db.cmd_as("rut", PASS)
        .args(add_args("2024-03-04", "", "farsta", "outreach", ""))
        .assert()
        .code(1);
    db.cmd()
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .assert()
        .success();
    // (A server's copies are `pg_dump`'s: there is no `backup` to log.)
    let on_file = db.server.is_none();
    if on_file {
        db.cmd()
            .arg("backup")
            .arg(db.dir.path().join("backup.db"))
            .assert()
            .success();
    }
    db.cmd()
        .args(["user", "disable", "rut", "--yes"])
        .assert()
        .success();

    let rows: Vec<(i64, String, String, String)> = db
        .sql_rows("SELECT seq, action, objects, detail FROM audit_log ORDER BY seq")
        .into_iter()
        .map(|r| {
            (
                r[0].parse().unwrap(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
            )
        })
        .collect();
    let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(seqs, (1..=rows.len() as i64).collect::<Vec<_>>());
    let actions: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let expected: Vec<&str> = [
        "init",
        "recovery_key",
        "user_add",
        "user_add",
        "contact_add",
        "import",
        "import",
        "identifier_override",
        "field_night_add",
        "export",
        "stats",
        "refused",
        "refused",
        "passwd",
        "backup",
        "user_disable",
        "rekey",
    ]
    .into_iter()
    .filter(|a| on_file || *a != "backup")
    .collect();
    assert_eq!(actions, expected);
    let forbidden = [
        "secret",
        "Secret",
        "secretcode42",
        "othercode7",
        "Other",
        "anteckning",
        "hemlig",
        "importerad",
        "070",
        "123 45",
        "skarholmen",
        "enskede",
        "counselling",
        "police",
        "legal",
        "shelter",
        "buys",
        "sells",
        "woman",
        "45-54",
        "25-34",
        "women",
        "yes",
    ];
    // Keys, hashes and handles are hex: a word like "070" can occur in them by chance, so they
    // are left out of the scan (what they are is checked where they are made).
    let without_hex = |text: &str| -> String {
        text.split([' ', ','])
            .filter(|t| {
                let value = t.rsplit(['=', ':']).next().unwrap_or(t);
                !(value.len() >= 16 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (seq, action, objects, detail) in &rows {
        let (objects, detail) = (without_hex(objects), without_hex(detail));
        for w in forbidden {
            assert!(
                !objects.contains(w) && !detail.contains(w),
                "audit entry {seq} ({action}) holds '{w}': {objects} / {detail}"
            );
        }
    }
    let override_detail = &rows[7].3;
    assert!(override_detail.contains("phone"), "{override_detail}");
    assert_eq!(verify(&db), Ok(rows.len() as i64));

    // Editing an entry breaks the chain at that entry.
    db.tamper("UPDATE audit_log SET detail = 'count=0' WHERE seq = 5");
    assert_eq!(
        verify(&db),
        Err(uppsok::audit_log::ChainBreak::BadHash { seq: 5 })
    );
}

#[test]
fn removing_reordering_or_re_attributing_audit_entries_is_detected() {
    let make = || {
        let db = Db::new();
        db.add_user("olle", "outreach");
        for d in ["2024-01-01", "2024-01-02", "2024-01-03"] {
            add_ok(&db, &add_args(d, "", "norrmalm", "outreach", ""));
        }
        db.stats_json(&[]);
        db
    };
    let db = make();
    let n = count_rows(&db, "audit_log");
    assert_eq!(verify(&db), Ok(n));
    // A removed entry leaves a gap.
    db.tamper("DELETE FROM audit_log WHERE seq = 3");
    assert!(matches!(
        verify(&db),
        Err(uppsok::audit_log::ChainBreak::Gap {
            expected: 3,
            found: 4
        })
    ));
    // Renumbered after a removal, the MACs no longer verify.
    db.tamper("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3");
    assert!(verify(&db).is_err());

    // Swapping two entries' contents.
    let db = make();
    db.tamper(
        "UPDATE audit_log SET seq = -1 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = -1",
    );
    assert!(verify(&db).is_err());

    // Blaming another user, or changing the time or the action.
    for sql in [
        "UPDATE audit_log SET user_id = (SELECT id FROM users WHERE name = 'olle') WHERE seq = 4",
        "UPDATE audit_log SET at = '2000-01-01T00:00:00Z' WHERE seq = 4",
        "UPDATE audit_log SET action = 'stats' WHERE seq = 4",
        "UPDATE audit_log SET objects = 'contact:99' WHERE seq = 4",
        "UPDATE audit_log SET mac = ZEROS WHERE seq = 4",
    ] {
        let db = make();
        db.tamper(&sql.replace("ZEROS", &db.blob_literal(&[0; 32])));
        assert_eq!(
            verify(&db),
            Err(uppsok::audit_log::ChainBreak::BadHash { seq: 4 }),
            "{sql}"
        );
    }
    // uppsok keeps appending to the chain after the checks above, and it still verifies.
    let db = make();
    db.cmd().arg("export").assert().success();
    let _ = std::io::stdout().flush();
    assert_eq!(verify(&db), Ok(count_rows(&db, "audit_log")));
}
