//! `uppsok upgrade` of a real database of format 2 (whole-file encryption, the log chained by an
//! HMAC every user could make; made by the last release of that format,
//! tests/data/format2/README.md): in place, all or nothing, after a backup pair.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::*;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/format2")
        .join(name)
}

/// A copy of the format-2 database and its key file in a temporary directory.
fn format2() -> Db {
    let db = Db::empty();
    std::fs::copy(data("uppsok.db"), &db.path).unwrap();
    std::fs::copy(data("uppsok.db.keys"), key_file_of(&db.path)).unwrap();
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

/// An export with each pseudonym replaced by the number of its first appearance: the same
/// persons, whatever the pseudonym key.
fn persons_numbered(mut v: serde_json::Value) -> serde_json::Value {
    let mut seen: Vec<String> = Vec::new();
    for row in v.as_array_mut().unwrap() {
        let code = row["person_code"].as_str().unwrap().to_string();
        if code.is_empty() {
            continue;
        }
        let n = match seen.iter().position(|c| *c == code) {
            Some(n) => n,
            None => {
                seen.push(code);
                seen.len() - 1
            }
        };
        row["person_code"] = serde_json::Value::from(format!("person {n}"));
    }
    v
}

fn recovery_key() -> String {
    std::fs::read_to_string(data("recovery-key.txt"))
        .unwrap()
        .trim()
        .to_string()
}

fn files(db: &Db) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_command_on_a_format_2_database_says_to_run_upgrade_and_changes_nothing() {
    let db = format2();
    let before = files(&db);
    let add = add_args(&[]);
    let add: Vec<&str> = add.iter().map(String::as_str).collect();
    for args in [
        &["stats"][..],
        &["audit"],
        &["user", "list"],
        &add,
        &["log"],
    ] {
        let out = db.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("format 2") && stderr(&out).contains("uppsok upgrade"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // Refused upgrades change nothing either: a user who is not an administrator, a wrong
    // passphrase, no recovery key.
    for (user, pass, key) in [
        ("olle", PASS, Some(recovery_key())),
        (ADMIN, "wrong passphrase here", Some(recovery_key())),
        (ADMIN, PASS, None),
    ] {
        let mut c = db.cmd_as(user, pass);
        c.arg("upgrade");
        if let Some(k) = key {
            c.env("UPPSOK_RECOVERY_KEY", k);
        }
        let out = c.output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{user}");
        assert!(!stderr(&out).contains("panicked"));
    }
    assert_eq!(files(&db), before);
}

#[test]
fn upgrade_keeps_every_figure_record_and_user_and_signs_from_then_on() {
    let db = format2();
    let out = db
        .cmd()
        .arg("upgrade")
        .env("UPPSOK_RECOVERY_KEY", recovery_key())
        .output()
        .unwrap();
    ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains("from format 2 to format 3") && said.contains("Fingerprint"),
        "{said}"
    );
    assert!(!said.contains("still holds every key"), "{said}");
    // Keys per capability from now on: the auditor rut's wrap holds the categories key only
    // (opened outside uppsok, with the crate's crypto).
    {
        let bytes = std::fs::read(key_file_of(&db.path)).unwrap();
        let opened = uppsok::crypto::KeyFile::parse(&bytes)
            .unwrap()
            .open_user("rut", &uppsok::crypto::Passphrase::new(PASS.into()))
            .unwrap();
        let conn = insider_conn(&db.path, "rut", PASS);
        let (id, wrapped): (i64, Vec<u8>) = conn
            .query_row(
                "SELECT u.id, w.wrapped_master FROM users u JOIN master_wraps w ON w.user_id = u.id WHERE u.name = 'rut'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(opened.secret.open_master(&wrapped, id).is_err());
        assert!(opened.secret.open_categories(&wrapped, id).is_ok());
    }
    // A backup pair of the database as it was.
    let backup = db.dir.path().join("uppsok.db.format2-backup");
    assert!(backup.exists() && key_file_of(&backup).exists());

    // The same figures and records.
    assert_eq!(
        db.stats_json(&[]),
        json(&std::fs::read(data("stats.json")).unwrap())
    );
    let export = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    ok(&export);
    // The same records; the pseudonyms are keyed anew by the upgrade's rekey (keys per
    // capability), so they are compared as who is the same person.
    assert_eq!(
        persons_numbered(without_concern(json(&export.stdout))),
        persons_numbered(json(&std::fs::read(data("export.json")).unwrap()))
    );
    // The old log is there, covered by the administrator's signed `upgrade` entry.
    let log = db.cmd().args(["log", "--format", "json"]).output().unwrap();
    ok(&log);
    let entries = json(&log.stdout);
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "init");
    assert!(actions.contains(&"upgrade"));
    // The audit passes (warning that olle and rut have no signing key yet) and names the
    // fingerprint the upgrade printed.
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    ok(&audit);
    let report = json(&audit.stdout);
    let fp = report["fingerprint"].as_str().unwrap();
    assert!(said.contains(fp), "{said}");
    // Everyone signs in as before; the recovery key still restores an administrator.
    ok(&db.cmd_as("olle", PASS).arg("stats").output().unwrap());
    ok(&db.cmd_as("rut", PASS).arg("stats").output().unwrap());
    ok(&db
        .bare()
        .args(["recover", "anna"])
        .env("UPPSOK_RECOVERY_KEY", recovery_key())
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .output()
        .unwrap());
    ok(&db
        .cmd_as("anna", PASS)
        .args(["user", "list"])
        .output()
        .unwrap());
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    ok(&audit);
    let report = json(&audit.stdout);
    let log_check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "audit_log")
        .unwrap();
    assert_eq!(log_check["status"], "pass", "{report:#}");
    assert_eq!(report["fingerprint"], fp);

    // Upgrading again is refused: it is of this format already.
    let again = db
        .cmd()
        .arg("upgrade")
        .env("UPPSOK_RECOVERY_KEY", recovery_key())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
}
