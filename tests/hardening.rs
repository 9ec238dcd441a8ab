//! The process and the key slots against hostile input: Argon2 settings read from the file are
//! bounded (a slot asking for terabytes is refused, never an abort), and a running uppsok can
//! leave no core dump behind.

mod common;
use common::*;

use std::io::Write;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

/// `audit --format json` as the admin: (exit status, report).
fn audit_json(db: &Db) -> (Option<i32>, serde_json::Value) {
    let out = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("audit JSON: {e}; stderr: {}", stderr(&out)));
    (out.status.code(), v)
}

#[test]
fn key_slot_settings_outside_the_bounds_are_refused_before_any_derivation() {
    let db = Db::new();
    db.add_user("olle", "outreach");
    let (olle, public) = db.sql_id_blobs(
        "SELECT u.id, w.public_key FROM users u JOIN master_wraps w ON w.user_id = u.id
         WHERE u.name = 'olle'",
    )[0]
    .clone();
    let record = format!("key_slot:{olle}");
    let original = db.key_file_bytes();
    // The slot's settings follow its public key: memory KiB, passes, lanes (u32 each).
    let at = original
        .windows(32)
        .position(|w| w == public.as_slice())
        .expect("olle's slot")
        + 32;
    // Over 4 GiB, far over it (an allocation that cannot succeed), zero; too many passes or
    // none; too many lanes or none. Written by an insider who re-seals the key file.
    let cases: &[(&str, usize, u32)] = &[
        ("memory", 0, 4_194_305),
        ("memory", 0, 1 << 31),
        ("memory", 0, u32::MAX),
        ("memory", 0, 0),
        ("passes", 4, 65),
        ("passes", 4, 0),
        ("lanes", 8, 17),
        ("lanes", 8, 0),
    ];
    for &(column, offset, value) in cases {
        let mut bytes = original.clone();
        bytes[at + offset..at + offset + 4].copy_from_slice(&value.to_le_bytes());
        insider_write_key_file(&db, ADMIN, PASS, &mut bytes);
        let started = Instant::now();
        let out = db.cmd_as("olle", PASS).arg("stats").output().unwrap();
        let err = stderr(&out);
        let what = format!("{column} = {value}");
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(
            err.contains(
                "key slot of user 'olle' has key-derivation settings outside what uppsok accepts"
            ) && err.contains("changed outside uppsok")
                && err.contains("uppsok audit"),
            "{what}: {err}"
        );
        assert!(out.stdout.is_empty(), "{what}");
        // Refused before deriving anything: no 4 GiB Argon2 run.
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: took {:?}",
            started.elapsed()
        );
        // The audit, run by another user, fails the encryption check naming the slot.
        let (code, v) = audit_json(&db);
        assert_eq!(code, Some(1), "{what}: {v}");
        let check = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "encryption")
            .unwrap();
        assert_eq!(check["status"], "fail", "{what}: {check}");
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["check"] == "encryption"
                    && f["record"] == record.as_str()
                    && f["kind"] == "kdf_out_of_bounds"),
            "{what}: {v}"
        );
    }
    // Put back, the slot opens again and the audit passes the check.
    insider_write_key_file(&db, ADMIN, PASS, &mut original.clone());
    db.cmd_as("olle", PASS).arg("stats").assert().success();
    let (_, v) = audit_json(&db);
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "encryption")
        .unwrap();
    assert_ne!(check["status"], "fail", "{check}");
}

/// One line of `/proc/PID/limits`, e.g. "Max core file size        0   0   bytes".
fn core_limit(pid: u32) -> Option<String> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(target_os = "linux")]
#[test]
fn a_running_uppsok_leaves_no_core_dump() {
    let db = Db::new();
    // `import /dev/stdin` waits for its input while stdin stays open: the process keeps running
    // with the database unlocked, as any command does while it works.
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("uppsok"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", db.dir.path())
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("UPPSOK_DB", &db.path)
        .env("UPPSOK_USER", ADMIN)
        .env("UPPSOK_PASSPHRASE", PASS)
        .env("LANG", "C")
        .args(["import", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    // The process sets its limit first thing; wait for it (a process that never does fails).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = core_limit(pid);
    while seen.as_deref() != Some("Max core file size 0 0 bytes") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        seen = core_limit(pid);
    }
    let still_running = child.try_wait().expect("try_wait").is_none();
    // Not dumpable: the kernel hands the process's /proc files to root. (Only visible to a
    // test that does not itself run as root.)
    let status_owner = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/proc/{pid}/status")).map(|m| m.uid())
    };
    let me = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self/status").map(|m| m.uid())
    };
    // Then let it finish: one contact on stdin, stdin closed.
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let csv = format!("{HEADER}2024-03-01,ab85,sells,woman,25-34,men,norrmalm,outreach,,no,\n");
        stdin.write_all(csv.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(still_running, "uppsok ended before its limits were read");
    assert_eq!(
        seen.as_deref(),
        Some("Max core file size 0 0 bytes"),
        "core dumps are not off"
    );
    if let (Ok(owner), Ok(me)) = (status_owner, me) {
        if me != 0 {
            assert_eq!(owner, 0, "the process is still dumpable");
        }
    }
    assert!(out.status.success(), "import: {}", stderr(&out));
    assert_eq!(
        db.stats_json(&[])["contacts"],
        1,
        "the import through /dev/stdin"
    );
}
