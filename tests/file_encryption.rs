//! The file alone gives nothing away and cannot be changed unseen (issue 11): attacks on a real
//! database by someone who holds no passphrase, with `sqlite3` and with raw bytes, each one
//! refused or caught. docs/security.md names these tests in its threat table.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// A database with something in it: two users, contacts with a code and a note, a field
/// night's worth of categories, a recovery key.
fn populated() -> Db {
    let db = Db::new();
    db.add_user("olle.lindqvist", "outreach");
    for (code, note) in [("zx77", "meets at the station"), ("qq12", ""), ("", "")] {
        let mut extra = vec![];
        if !code.is_empty() {
            extra.extend(["--code", code]);
        }
        if !note.is_empty() {
            extra.extend(["--note", note]);
        }
        ok(&db.cmd().args(add_args(&extra)).output().unwrap());
    }
    db
}

/// What must appear nowhere in the files: dates, codes, notes, staff names, roles, actions,
/// categories and the schema.
const SECRETS: [&str; 14] = [
    "2024-03-01",
    "zx77",
    "station",
    "olle",
    "lindqvist",
    "outreach",
    "admin",
    "contact_add",
    "user_add",
    "CREATE TABLE",
    "audit_log",
    "norrmalm",
    "SQLite format 3",
    "person_merges",
];

fn scan(path: &Path) -> Vec<&'static str> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let lower = bytes.to_ascii_lowercase();
    SECRETS
        .iter()
        .copied()
        .filter(|s| contains(&lower, s.to_ascii_lowercase().as_bytes()))
        .collect()
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Copies the database and its key file into `dir` (a copy someone took of the share).
fn copy_pair(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).unwrap();
    std::fs::copy(with_suffix(from, ".keys"), with_suffix(&to, ".keys")).unwrap();
    to
}

fn sqlite3(path: &Path, sql: &str) -> Output {
    std::process::Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("sqlite3 is installed (.ci/run installs it)")
}

fn fingerprint(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_default())
        .collect()
}

#[test]
fn without_a_passphrase_sqlite3_can_neither_read_nor_change_the_file() {
    let db = populated();
    let files = [db.path.clone(), with_suffix(&db.path, ".keys")];
    let before = fingerprint(&files);
    for sql in [
        ".tables",
        "SELECT count(*) FROM sqlite_master",
        "SELECT date FROM contacts",
        // Finding 1: a year of contacts moved with one statement.
        "UPDATE contacts SET date = '2022' || substr(date, 5) WHERE date LIKE '2024-%'",
        "UPDATE recovery_keys SET public_key = zeroblob(32)",
    ] {
        let out = sqlite3(&db.path, sql);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !out.status.success() || text.contains("not a database"),
            "sqlite3 {sql:?} worked on the encrypted file: {text}"
        );
        assert!(!text.contains("contacts"), "{sql}: {text}");
    }
    let out = sqlite3(&files[1], ".tables");
    assert!(!out.status.success(), "the key file is no SQLite database");
    assert_eq!(fingerprint(&files), before, "nothing was changed");
    // And uppsok still reads the same figures.
    let stats = db.stats_json(&[]);
    assert_eq!(stats["contacts"], 3);
}

#[test]
fn a_byte_scan_of_the_database_its_wal_key_file_and_a_backup_finds_nothing() {
    let db = populated();
    let backup = db.dir.path().join("copy.db");
    ok(&db.cmd().arg("backup").arg(&backup).output().unwrap());
    assert!(
        with_suffix(&backup, ".keys").exists(),
        "a backup comes with its key file"
    );
    // Keep the WAL on disk: a reader (an insider's connection, never closed) holds a snapshot
    // while uppsok writes, so the write stays in the WAL for the scan.
    let reader = db.raw();
    reader.execute_batch("BEGIN").unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
    ok(&db
        .cmd()
        .args(add_args(&["--code", "zx77", "--note", "station again"]))
        .output()
        .unwrap());
    let wal = with_suffix(&db.path, "-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(wal_len > 0, "the write is in the WAL");
    for f in [
        db.path.clone(),
        wal,
        with_suffix(&db.path, "-shm"),
        with_suffix(&db.path, ".keys"),
        backup.clone(),
        with_suffix(&backup, ".keys"),
    ] {
        assert!(f.exists(), "{} exists", f.display());
        let found = scan(&f);
        assert!(found.is_empty(), "{} shows {found:?}", f.display());
    }
    // The same words are in what uppsok shows a reader with a passphrase: the scan would see
    // them if they were stored in the clear.
    let export = db
        .cmd()
        .args(["export", "--format", "csv"])
        .output()
        .unwrap();
    let shown = stdout(&export);
    assert!(shown.contains("2024-03-01") && shown.contains("station"));
    drop(reader);
}

#[test]
fn a_bit_flipped_anywhere_in_the_file_or_its_key_file_fails_the_audit() {
    let db = populated();
    ok(&db.cmd().arg("audit").output().unwrap());
    let len = std::fs::metadata(&db.path).unwrap().len() as usize;
    let keys_len = std::fs::metadata(with_suffix(&db.path, ".keys"))
        .unwrap()
        .len() as usize;
    assert!(len >= 4096 * 4, "a database of several pages ({len} bytes)");
    // The header (salt and first page), the middle and the end of every page (the end holds
    // the page's IV and HMAC), and bytes across the key file.
    let mut spots: Vec<(bool, usize)> = vec![(false, 0), (false, 15), (false, 16), (false, 100)];
    for page in 0..len / 4096 {
        spots.push((false, page * 4096 + 2048));
        spots.push((false, page * 4096 + 4095));
    }
    for at in (0..keys_len).step_by(keys_len / 12 + 1) {
        spots.push((true, at));
    }
    spots.push((true, keys_len - 1));
    let scratch = tempfile::tempdir().unwrap();
    for (i, (in_keys, at)) in spots.into_iter().enumerate() {
        let copy = copy_pair(&db.path, scratch.path(), &format!("flip{i}.db"));
        let target = if in_keys {
            with_suffix(&copy, ".keys")
        } else {
            copy.clone()
        };
        let mut bytes = std::fs::read(&target).unwrap();
        bytes[at] ^= 0x04;
        std::fs::write(&target, &bytes).unwrap();
        let out = db
            .cmd()
            .arg("--db")
            .arg(&copy)
            .args(["audit", "--format", "json"])
            .output()
            .unwrap();
        let where_ = if in_keys { "key file" } else { "database" };
        assert_eq!(
            out.status.code(),
            Some(1),
            "a bit flipped at byte {at} of the {where_}: {} {}",
            stdout(&out),
            stderr(&out)
        );
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            text.contains("outside uppsok")
                || text.contains("\"ok\":false")
                || text.contains("does not open"),
            "byte {at} of the {where_}: the message says what happened: {text}"
        );
        assert!(
            !text.contains("panicked"),
            "byte {at} of the {where_}: {text}"
        );
    }
}

#[test]
fn a_missing_foreign_or_stale_key_file_is_refused_by_every_command() {
    let db = populated();
    let keys = with_suffix(&db.path, ".keys");
    let commands: [&[&str]; 7] = [
        &["stats"],
        &["audit"],
        &["user", "list"],
        &["log"],
        &["export", "--format", "json"],
        &["rekey", "--yes"],
        &["purge", "--notes-before", "2030-01-01", "--yes"],
    ];
    let check = |why: &str, needle: &str| {
        let before = std::fs::read(&db.path).unwrap();
        for args in commands {
            let out = db.cmd().args(args).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{why}: {args:?}: {}",
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(err.contains(needle), "{why}: {args:?}: {err}");
            assert!(err.contains("backup") || err.contains("put back"), "{err}");
        }
        let add = db.cmd().args(add_args(&[])).output().unwrap();
        assert_eq!(add.status.code(), Some(1), "{why}: add");
        assert_eq!(
            std::fs::read(&db.path).unwrap(),
            before,
            "{why}: nothing written"
        );
    };

    // Missing.
    let saved = std::fs::read(&keys).unwrap();
    std::fs::remove_file(&keys).unwrap();
    check("missing", ".keys");
    std::fs::write(&keys, &saved).unwrap();
    ok(&db.cmd().arg("stats").output().unwrap());

    // Foreign: the key file of another database with the same user and passphrase.
    let other = Db::new();
    std::fs::copy(with_suffix(&other.path, ".keys"), &keys).unwrap();
    check("foreign", "key file");
    std::fs::write(&keys, &saved).unwrap();

    // Stale: the key file from before a passphrase change, put back.
    ok(&db
        .cmd()
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", "another long passphrase")
        .output()
        .unwrap());
    let current = std::fs::read(&keys).unwrap();
    std::fs::write(&keys, &saved).unwrap();
    check("stale", "older than the database");
    std::fs::write(&keys, &current).unwrap();
    ok(&db
        .cmd_as(ADMIN, "another long passphrase")
        .arg("stats")
        .output()
        .unwrap());
}

#[test]
fn an_older_copy_of_the_database_does_not_open_with_the_current_key_file() {
    // Finding 5: a copy taken before a purge put back over the database. The purge ends with a
    // rekey and a new page key: the old copy does not even open with the current key file.
    let db = populated();
    let scratch = tempfile::tempdir().unwrap();
    let old = scratch.path().join("before-purge.db");
    std::fs::copy(&db.path, &old).unwrap();
    ok(&db
        .cmd()
        .args(["purge", "--notes-before", "2030-01-01", "--yes"])
        .output()
        .unwrap());
    let now = std::fs::read(&db.path).unwrap();
    std::fs::copy(&old, &db.path).unwrap();
    let out = db.cmd().arg("audit").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("does not open with the keys"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&db.path, &now).unwrap();
    // A key change that keeps the page key (a new passphrase): the copy from before opens,
    // and is refused for its generation.
    let before = std::fs::read(&db.path).unwrap();
    ok(&db
        .cmd()
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", "another long passphrase")
        .output()
        .unwrap());
    std::fs::write(&db.path, &before).unwrap();
    let out = db
        .cmd_as(ADMIN, "another long passphrase")
        .arg("audit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("newer than the database"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_planted_recovery_key_or_user_key_in_the_key_file_is_refused() {
    // Finding 2 without a passphrase: the public keys sit in the key file (and, authenticated
    // by the file's encryption, in the database); any change to the key file is refused.
    let db = populated();
    let keys = with_suffix(&db.path, ".keys");
    let bytes = std::fs::read(&keys).unwrap();
    let file = uppsok::crypto::KeyFile::parse(&bytes).unwrap();
    let attacker = uppsok::crypto::RecoveryKey::generate();
    let mut planted = bytes.clone();
    for public in file
        .slots()
        .iter()
        .map(|s| s.public)
        .chain(file.recovery_public())
    {
        let at = planted
            .windows(32)
            .position(|w| w == public)
            .expect("the public key is in the file");
        planted[at..at + 32].copy_from_slice(&attacker.public());
    }
    std::fs::write(&keys, &planted).unwrap();
    for args in [
        &["stats"][..],
        &["rekey", "--yes"],
        &["user", "disable", "olle.lindqvist", "--yes"],
    ] {
        let out = db.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    let key_file = db.file("attacker.key", &attacker.display());
    let out = db
        .bare()
        .args(["recover", "mallory", "--recovery-key-file"])
        .arg(&key_file)
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    std::fs::write(&keys, &bytes).unwrap();
    let users = db.cmd().args(["user", "list"]).output().unwrap();
    assert!(!stdout(&users).contains("mallory"));
}

#[test]
fn an_interrupted_key_change_is_undone_at_the_next_sign_in() {
    // The key file is written before the database commits; a process that stops in between
    // leaves the new key file and the one before it (`.keys.prev`). Made here from two real
    // states: before and after `user add`.
    let db = populated();
    let keys = with_suffix(&db.path, ".keys");
    let scratch = tempfile::tempdir().unwrap();
    let before = copy_pair(&db.path, scratch.path(), "before.db");
    db.add_user("bo", "lead");
    std::fs::copy(&before, &db.path).unwrap();
    std::fs::copy(with_suffix(&before, ".keys"), with_suffix(&keys, ".prev")).unwrap();
    // The next sign-in puts the key file from before back and goes on.
    ok(&db.cmd().arg("stats").output().unwrap());
    ok(&db.cmd().arg("audit").output().unwrap());
    assert!(!with_suffix(&keys, ".prev").exists());
    let bo = db.cmd_as("bo", PASS).arg("stats").output().unwrap();
    assert_eq!(bo.status.code(), Some(1), "bo was never added");
}

#[test]
fn a_damaged_wal_tail_is_dropped_by_sqlite_the_stated_limit() {
    // docs/security.md ("Limits"): SQLite ends a WAL at the first frame whose checksum fails,
    // so a damaged tail rolls back the transactions in it, and nothing inside the file can
    // tell. This test shows the limit as it is; an outside checkpoint is what catches it.
    let db = populated();
    let reader = db.raw();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    ok(&db
        .cmd()
        .args(add_args(&["--code", "ww11"]))
        .output()
        .unwrap());
    // A copy of the files as they are now, as a file-level copy would take them: the WAL holds
    // the last `add`.
    let scratch = tempfile::tempdir().unwrap();
    let copy = copy_pair(&db.path, scratch.path(), "copy.db");
    let wal = with_suffix(&copy, "-wal");
    std::fs::copy(with_suffix(&db.path, "-wal"), &wal).unwrap();
    drop(reader);
    let mut bytes = std::fs::read(&wal).unwrap();
    assert!(bytes.len() > 32 + 24 + 4096);
    let last = bytes.len() - 100;
    bytes[last] ^= 0x01;
    std::fs::write(&wal, &bytes).unwrap();
    let stats = db
        .cmd()
        .arg("--db")
        .arg(&copy)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    ok(&stats);
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(
        v["contacts"], 3,
        "the last add was dropped with the WAL tail"
    );
    ok(&db
        .cmd()
        .arg("--db")
        .arg(&copy)
        .arg("audit")
        .output()
        .unwrap());
}

#[test]
fn a_disabled_users_old_key_file_opens_no_later_copy_of_the_file() {
    // A former staff member kept the key file (and knows their passphrase): from it they get
    // the page key of the time. `user disable` rekeys and changes the page key, so a copy of
    // the database taken after it does not open with what they kept.
    let db = populated();
    let kept = std::fs::read(with_suffix(&db.path, ".keys")).unwrap();
    let file = uppsok::crypto::KeyFile::parse(&kept).unwrap();
    let their_key = *file
        .open_user(
            "olle.lindqvist",
            &uppsok::crypto::Passphrase::new(PASS.into()),
        )
        .unwrap()
        .page_keys[0]
        .expose();
    let opens = |path: &Path, key: &[u8; 32]| {
        let found = uppsok::storage::open(path).unwrap();
        found.open(&[key]).is_ok()
    };
    assert!(
        opens(&db.path, &their_key),
        "before: their key opens the file"
    );
    let out = db
        .cmd()
        .args(["user", "disable", "olle.lindqvist", "--yes"])
        .output()
        .unwrap();
    ok(&out);
    assert!(!stdout(&out).contains("could not be re-encrypted"));
    assert!(!opens(&db.path, &their_key), "after: it opens nothing");
    let scratch = tempfile::tempdir().unwrap();
    let later = copy_pair(&db.path, scratch.path(), "later.db");
    assert!(!opens(&later, &their_key));
    // Their old key file beside the later copy opens nothing either.
    std::fs::write(with_suffix(&later, ".keys"), &kept).unwrap();
    let out = db
        .cmd_as("olle.lindqvist", PASS)
        .arg("--db")
        .arg(&later)
        .arg("stats")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    ok(&db.cmd().arg("audit").output().unwrap());
}

#[test]
fn a_rekey_while_another_uppsok_has_the_file_open_changes_the_page_key_at_a_later_sign_in() {
    let db = populated();
    let offered = |db: &Db| {
        let bytes = std::fs::read(with_suffix(&db.path, ".keys")).unwrap();
        let file = uppsok::crypto::KeyFile::parse(&bytes).unwrap();
        file.open_user(ADMIN, &uppsok::crypto::Passphrase::new(PASS.into()))
            .unwrap()
            .page_keys
            .len()
    };
    let other = db.raw();
    let _: i64 = other
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    ok(&out);
    assert!(
        stdout(&out).contains("could not be re-encrypted"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        offered(&db),
        2,
        "the key file offers the new page key and the old"
    );
    ok(&db.cmd().arg("stats").output().unwrap());
    drop(other);
    ok(&db.cmd().arg("stats").output().unwrap());
    assert_eq!(offered(&db), 1, "a sign-in finished the change");
    ok(&db.cmd().arg("audit").output().unwrap());
    assert_eq!(db.stats_json(&[])["contacts"], 3);
}

#[test]
fn a_sign_in_in_a_process_that_has_the_file_open_keeps_that_connections_lock() {
    // Closing any handle of a file drops every POSIX lock the process holds on it. A sign-in
    // that read the file's header with a handle of its own dropped the shared lock of a
    // connection this process already had open, and a rekey in another process then rewrote
    // every page under that connection (which read the file as "malformed" afterwards).
    let db = populated();
    let other = db.raw();
    let count = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&other), 3);
    let vault = uppsok::vault::Vault::unlock(
        &db.path,
        ADMIN,
        &uppsok::crypto::Passphrase::new(PASS.into()),
    )
    .expect("the admin signs in");
    drop(vault);
    let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    ok(&out);
    assert!(
        stdout(&out).contains("could not be re-encrypted"),
        "the open connection still holds its lock: {}",
        stdout(&out)
    );
    assert_eq!(
        count(&other),
        3,
        "the open connection reads the file as it is"
    );
    drop(other);
    ok(&db.cmd().arg("audit").output().unwrap());
}

#[test]
fn a_former_user_cannot_keep_the_file_under_their_old_page_key_by_forging_the_key_file() {
    // Found by a red-team run: while another uppsok has the file open, `user disable` leaves
    // the file under the old page key (the key file offers the new one beside it). The former
    // user, who knows the old page key, writes a key file of their own that offers only the
    // old key (their old key file, their own slot taken out, the current generation), with a
    // MAC they can compute. The database keeps the key file's seal under the new master key,
    // which they do not have: refused.
    let db = populated();
    let keys = with_suffix(&db.path, ".keys");
    let old_bytes = std::fs::read(&keys).unwrap();
    let old = uppsok::crypto::KeyFile::parse(&old_bytes).unwrap();
    let theirs = old
        .open_user(
            "olle.lindqvist",
            &uppsok::crypto::Passphrase::new(PASS.into()),
        )
        .unwrap();
    let other = db.raw();
    let _: i64 = other
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    let out = db
        .cmd()
        .args(["user", "disable", "olle.lindqvist", "--yes"])
        .output()
        .unwrap();
    ok(&out);
    assert!(stdout(&out).contains("could not be re-encrypted"));
    let current = uppsok::crypto::KeyFile::parse(&std::fs::read(&keys).unwrap()).unwrap();
    let mut forged = old.clone();
    assert!(forged.remove_user(&theirs.secret.public()));
    forged.set_generation(current.generation());
    std::fs::write(&keys, forged.to_bytes(&theirs.page_keys[0])).unwrap();
    for args in [&["stats"][..], &["audit"], &["add", "--date", "2024-01-01"]] {
        let out = db.cmd().args(args).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{args:?}: {}", stdout(&out));
    }
    let out = db.cmd().arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("outside uppsok"), "{}", stderr(&out));
    drop(other);
}
