//! `uppsok upgrade`: a real database of format 1 (made by the last release of that format,
//! tests/data/format1/README.md) brought to this format, all or nothing, after a backup.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/format1")
        .join(name)
}

/// A copy of the format-1 database in a temporary directory.
fn format1() -> Db {
    let db = Db::empty();
    std::fs::copy(data("uppsok.db"), &db.path).unwrap();
    db
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// An export as the fixture's version wrote it: that version had no `concern` and no
/// `projects` field; the upgraded contacts have no under-18 answer (`null`) and no projects
/// (`[]`), which is checked and then dropped.
fn without_concern(mut v: serde_json::Value) -> serde_json::Value {
    for row in v.as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        assert_eq!(row.remove("concern"), Some(serde_json::Value::Null));
        assert_eq!(row.remove("projects"), Some(serde_json::json!([])));
    }
    v
}

/// `upgrade` as the administrator, with the recovery key the fixture's `init` printed.
fn upgrade(db: &Db) -> assert_cmd::Command {
    let key = std::fs::read_to_string(data("recovery-key.txt")).unwrap();
    let mut c = db.cmd();
    c.arg("upgrade").env("UPPSOK_RECOVERY_KEY", key.trim());
    c
}

#[test]
fn every_command_on_a_format_1_database_says_to_run_upgrade() {
    let db = format1();
    let before = std::fs::read(&db.path).unwrap();
    let add = add_args(&[]);
    let add: Vec<&str> = add.iter().map(String::as_str).collect();
    for args in [&["stats"][..], &["audit"], &["user", "list"], &add] {
        let out = db.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("uppsok upgrade"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
}

#[test]
fn upgrade_is_refused_without_an_administrators_passphrase_and_changes_nothing() {
    let db = format1();
    let before = std::fs::read(&db.path).unwrap();
    for (user, pass) in [
        ("olle", PASS),
        ("rut", PASS),
        (ADMIN, "wrong passphrase here"),
        ("stina", PASS),
        ("nobody", PASS),
    ] {
        let out = db.cmd_as(user, pass).arg("upgrade").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{user}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
    assert_eq!(std::fs::read(&db.path).unwrap(), before, "nothing changed");
    let names: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["uppsok.db"], "nothing left beside it");
}

#[test]
fn upgrade_keeps_every_figure_record_user_and_the_recovery_key() {
    let db = format1();
    let original = std::fs::read(&db.path).unwrap();
    let out = upgrade(&db).output().unwrap();
    ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains("format 3")
            && said.contains("format1-backup")
            && said.contains("Fingerprint"),
        "{said}"
    );

    // The backup is the database as it was, byte for byte in content: sqlite3 reads it.
    let backup = db.dir.path().join("uppsok.db.format1-backup");
    let plain = std::process::Command::new("sqlite3")
        .arg(&backup)
        .arg("SELECT value FROM meta WHERE key = 'format'")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&plain.stdout).trim(), "1");
    // The upgraded file is not readable without a key; its key file is beside it.
    let enc = std::process::Command::new("sqlite3")
        .arg(&db.path)
        .arg("SELECT count(*) FROM contacts")
        .output()
        .unwrap();
    assert!(!enc.status.success() || stdout(&enc).trim().is_empty());
    assert!(key_file_of(&db.path).exists());
    assert_ne!(std::fs::read(&db.path).unwrap(), original);

    // The same figures and records, the same pseudonyms.
    let stats = db.stats_json(&[]);
    assert_eq!(stats, json(&std::fs::read(data("stats.json")).unwrap()));
    let export = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    ok(&export);
    assert_eq!(
        without_concern(json(&export.stdout)),
        json(&std::fs::read(data("export.json")).unwrap())
    );

    // Every active user signs in with their own passphrase; their carried-over slot is
    // rewritten at that first sign-in. The disabled user stays out.
    let carried = |db: &Db| {
        let bytes = std::fs::read(key_file_of(&db.path)).unwrap();
        uppsok::crypto::KeyFile::parse(&bytes)
            .unwrap()
            .slots()
            .iter()
            .filter(|s| s.carried)
            .count()
    };
    assert_eq!(carried(&db), 2, "olle's and rut's slots are carried over");
    ok(&db
        .cmd_as("olle", PASS)
        .args(add_args(&["--code", "zx77"]))
        .output()
        .unwrap());
    assert_eq!(carried(&db), 1);
    ok(&db.cmd_as("rut", PASS).arg("stats").output().unwrap());
    assert_eq!(carried(&db), 0);
    let stina = db.cmd_as("stina", PASS).arg("stats").output().unwrap();
    assert_eq!(stina.status.code(), Some(1));
    // A returning person is still recognised: zx77 is one person across the upgrade.
    let after = db.stats_json(&[]);
    assert_eq!(after["contacts"], 9);
    assert_eq!(after["individuals"], stats["individuals"]);

    // The log says what happened, and the audit passes.
    let log = db.cmd().args(["log", "--format", "json"]).output().unwrap();
    ok(&log);
    assert!(stdout(&log).contains("\"upgrade\""), "{}", stdout(&log));
    assert!(stdout(&log).contains("\"key_slot_upgrade\""));
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    assert!(audit.status.success(), "{}", stdout(&audit));

    // The recovery key of format 1 still restores an administrator.
    let key = std::fs::read_to_string(data("recovery-key.txt")).unwrap();
    ok(&db
        .bare()
        .args(["recover", "anna"])
        .env("UPPSOK_RECOVERY_KEY", key.trim())
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .output()
        .unwrap());
    ok(&db
        .cmd_as("anna", PASS)
        .args(["user", "list"])
        .output()
        .unwrap());

    // Upgrading again is refused: it is of this format already.
    let again = db.cmd().arg("upgrade").output().unwrap();
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn an_upgrade_that_stops_half_way_leaves_the_old_database_to_upgrade_again() {
    // The new database is made beside the old one (`.upgrading`) and renamed into place last:
    // leftovers of a run that stopped are cleared by the next run.
    let db = format1();
    let leftover = db.dir.path().join("uppsok.db.upgrading");
    std::fs::write(&leftover, b"half-made").unwrap();
    std::fs::write(db.dir.path().join("uppsok.db.upgrading.keys"), b"half-made").unwrap();
    ok(&upgrade(&db).output().unwrap());
    assert!(!leftover.exists());
    assert_eq!(db.stats_json(&[])["contacts"], 8);
}

#[test]
fn upgrade_asks_for_the_recovery_key_or_gives_recovery_up_when_told() {
    let db = format1();
    let before = std::fs::read(&db.path).unwrap();
    // Without the key: refused as bad input, nothing changed.
    let out = db.cmd().arg("upgrade").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--without-recovery-key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    // Another database's key: refused.
    let other = "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA";
    let out = db
        .cmd()
        .arg("upgrade")
        .env("UPPSOK_RECOVERY_KEY", other)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    // Giving recovery up: the upgrade goes on, and the old key restores no one.
    let out = db
        .cmd()
        .args(["upgrade", "--without-recovery-key"])
        .output()
        .unwrap();
    ok(&out);
    assert!(stdout(&out).contains("restores no administrator"));
    let key = std::fs::read_to_string(data("recovery-key.txt")).unwrap();
    let out = db
        .bare()
        .args(["recover", "anna"])
        .env("UPPSOK_RECOVERY_KEY", key.trim())
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no right to sign"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn after_an_upgrade_each_user_takes_a_signing_key_at_their_first_sign_in() {
    let db = format1();
    ok(&upgrade(&db).output().unwrap());
    // olle's slot was carried over from format 1 and holds no signing key: the audit warns.
    let audit = |db: &Db| -> serde_json::Value {
        let out = db
            .cmd()
            .args(["audit", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stdout(&out));
        json(&out.stdout)
    };
    let log_check = |v: &serde_json::Value| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "audit_log")
            .unwrap()
            .clone()
    };
    let before = audit(&db);
    assert_eq!(log_check(&before)["status"], "warn", "{before:#}");
    // olle signs in (any command): his slot gets its signing key, granted by itself, once.
    ok(&db.cmd_as("olle", PASS).arg("stats").output().unwrap());
    let log = db.cmd().args(["log", "--format", "json"]).output().unwrap();
    let entries = json(&log.stdout);
    let enrol = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "key_slot_upgrade")
        .count();
    assert_eq!(enrol, 1, "{entries:#}");
    // rut (auditor) has not signed in yet; after she does, the audit passes clean.
    ok(&db.cmd_as("rut", PASS).arg("stats").output().unwrap());
    let after = audit(&db);
    assert_eq!(log_check(&after)["status"], "pass", "{after:#}");
    assert_eq!(before["fingerprint"], after["fingerprint"]);

    // Every role still holds every key until a rekey (the upgrade said so; the audit warns).
    let check = |v: &serde_json::Value, id: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let shared = |v: &serde_json::Value| {
        check(v, "encryption")["summary"]
            .as_str()
            .unwrap()
            .contains("every role still holds every key")
    };
    assert!(shared(&after), "{after:#}");
    ok(&db.cmd().args(["rekey", "--yes"]).output().unwrap());
    let rekeyed = audit(&db);
    assert!(!shared(&rekeyed), "{rekeyed:#}");
    // The auditor rut's figures are the same with the categories key only.
    assert_eq!(
        db.stats_json_as("rut", PASS, &[]),
        json(&std::fs::read(data("stats.json")).unwrap())
    );
}
