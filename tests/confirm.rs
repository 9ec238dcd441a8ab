//! The commands that erase or rewrite (`forget`, `purge`, `user disable`, `rekey`): what
//! `forget` erases of a person declared under several codes, `--dry-run`, `--yes`, the refusal
//! without a terminal and the question at one (in a real pseudo-terminal).

mod common;

use std::io::{Read, Write};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use uppsok::crypto::Passphrase;
use uppsok::domain::PersonCode;
use uppsok::vault::Vault;

fn csv_rows(rows: &[(&str, &str, &str)]) -> String {
    let mut s = HEADER.to_string();
    for (date, code, note) in rows {
        s.push_str(&format!(
            "{date},{code},sells,woman,25-34,men,norrmalm,outreach,health,no,\"{note}\"\n"
        ));
    }
    s
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

/// Six contacts (ids 1-6); `AB 85` (1, 2) and `XY 12` (4) declared one person, as a lead does
/// in the interface; a second admin `olle`.
fn merged_sample() -> Db {
    let db = Db::new();
    db.add_user("olle", "admin");
    ok(&db.import(&csv_rows(&[
        ("2010-03-01", "AB 85", "första mötet"),
        ("2011-05-02", "ab85", "andra mötet"),
        ("2015-07-03", "CD 90", "trött men glad"),
        ("2016-02-02", "XY 12", "ny kod, samma person"),
        ("2021-09-04", "EF 77", "ny kontakt på nätet"),
        ("2022-01-05", "", ""),
    ])));
    let mut v = Vault::unlock(&db.path, ADMIN, &Passphrase::new(PASS.into())).unwrap();
    let code = |c: &str| PersonCode::normalise(c).unwrap();
    v.persons().merge(&code("xy12"), &code("ab85")).unwrap();
    drop(v);
    let s = db.stats_json(&[]);
    assert_eq!(
        (s["contacts"].as_i64(), s["individuals"].as_i64()),
        (Some(6), Some(3))
    );
    db
}

/// Every row of every table, as text: the database's whole logical state.
fn state(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for t in db.sql_tables() {
        for row in db.sql_rows(&format!("SELECT * FROM \"{t}\"")) {
            out.push(format!("{t}: {}", row.join("|")));
        }
    }
    out.sort();
    out
}

fn scalar(db: &Db, sql: &str) -> i64 {
    db.sql_i64(sql)
}

#[test]
fn forgetting_one_code_of_a_merged_person_erases_every_code_of_theirs() {
    let db = merged_sample();
    // The code comes on standard input, not on the command line.
    let o = db
        .cmd()
        .args(["forget", "--code", "-", "--yes"])
        .write_stdin("XY-12\n")
        .output()
        .unwrap();
    ok(&o);
    assert!(
        stdout(&o).contains("3 contacts of 2 codes declared one person will be erased"),
        "{}",
        stdout(&o)
    );
    let dates: Vec<String> = {
        let o = db
            .cmd()
            .args(["export", "--format", "json"])
            .output()
            .unwrap();
        ok(&o);
        let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        v.iter()
            .map(|c| c["date"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(dates, ["2015-07-03", "2021-09-04", "2022-01-05"]);
    let s = db.stats_json(&[]);
    assert_eq!(
        (s["contacts"].as_i64(), s["individuals"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM persons"), 2);
    assert_eq!(scalar(&db, "SELECT count(*) FROM person_merges"), 0);
    let entry = db.sql_rows("SELECT objects, detail FROM audit_log WHERE action = 'forget'");
    let (objects, detail) = (entry[0][0].clone(), entry[0][1].clone());
    assert_eq!(objects, "contacts:1-2,contact:4");
    // The count, and the rows deleted as they were (ids and hashes: the content commitment).
    assert!(detail.starts_with("count=3 codes=2 before=1:"), "{detail}");
    assert!(detail.contains(",2:") && detail.contains(",4:"), "{detail}");
    let all = db.all_bytes();
    for needle in ["XY-12", "xy12", "XY 12", "ab85", "AB 85"] {
        assert!(!contains(&all, needle.as_bytes()), "{needle} in the file");
    }
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    ok(&audit);
    // The other code is gone too.
    let o = db
        .cmd()
        .args(["forget", "--code", "ab85", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn without_a_terminal_and_without_yes_each_command_refuses_and_writes_nothing() {
    let db = merged_sample();
    let cases: [(&[&str], &str); 4] = [
        (
            &["forget", "--code", "ab85"],
            "3 contacts of 2 codes declared one person would be erased",
        ),
        (
            &["purge", "--notes-before", "2016-01-01"],
            "The notes of 3 contacts dated before 2016-01-01 would be emptied",
        ),
        (
            &["user", "disable", "olle"],
            "User 'olle' would be disabled",
        ),
        (&["rekey"], "The database would be rekeyed: key version 2"),
    ];
    for (args, says) in cases {
        let before = state(&db);
        let o = db.cmd().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.contains("add --yes"), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        assert_eq!(state(&db), before, "{args:?} wrote something");
    }
}

#[test]
fn a_dry_run_says_what_would_happen_and_changes_nothing() {
    let db = merged_sample();
    let cases: [(&[&str], &str); 5] = [
        (
            &["forget", "--code", "XY 12", "--dry-run"],
            "3 contacts of 2 codes declared one person would be erased",
        ),
        (
            &["forget", "--code", "CD 90", "--dry-run"],
            "1 contact of this code would be erased",
        ),
        (
            &["purge", "--notes-before", "2016-01-01", "--dry-run"],
            "The notes of 3 contacts dated before 2016-01-01 would be emptied",
        ),
        (
            &["user", "disable", "olle", "--dry-run", "--yes"],
            "User 'olle' would be disabled (their key slot removed) and the database rekeyed: key version 2; 6 contacts, 0 field nights and 4 pseudonyms re-encrypted",
        ),
        (
            &["rekey", "--dry-run"],
            "The database would be rekeyed: key version 2; 6 contacts, 0 field nights and 4 pseudonyms re-encrypted, 2 user records",
        ),
    ];
    for (args, says) in cases {
        let before = state(&db);
        let o = db.cmd().args(args).output().unwrap();
        ok(&o);
        let out = stdout(&o);
        assert!(out.contains(says), "{args:?}: {out}");
        assert!(out.contains("Dry run: nothing was changed."), "{out}");
        assert_eq!(state(&db), before, "{args:?} wrote something");
    }
    // A dry run refuses what the command would refuse, still writing nothing.
    let before = state(&db);
    db.cmd()
        .args(["forget", "--code", "zz99", "--dry-run"])
        .assert()
        .code(1);
    db.cmd()
        .args(["user", "disable", "nobody", "--dry-run"])
        .assert()
        .code(2);
    assert_eq!(state(&db), before);
}

// ----- at a terminal -------------------------------------------------------------------

/// The real binary in a pseudo-terminal (standard input, output and error all terminals),
/// signed in through the environment; the screen is read back with vt100.
struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn spawn(db: &Db, args: &[&str]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_uppsok"));
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", db.dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C");
        cmd.env("UPPSOK_INSECURE_TEST_KDF", "1");
        cmd.env("UPPSOK_DB", &db.path);
        cmd.env("UPPSOK_USER", ADMIN);
        cmd.env("UPPSOK_PASSPHRASE", PASS);
        cmd.args(args);
        let child = pty.slave.spawn_command(cmd).expect("spawn uppsok");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 200, 0)));
        let writer = pty.master.take_writer().expect("writer");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let s = screen.clone();
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                s.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the screen never showed {text:?}:\n{}", self.contents());
    }

    fn answer(&mut self, line: &str) {
        self.writer.write_all(line.as_bytes()).unwrap();
        self.writer.write_all(b"\r").unwrap();
        self.writer.flush().unwrap();
    }

    fn exit_code(&mut self) -> u32 {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s.exit_code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("uppsok did not exit:\n{}", self.contents());
    }
}

#[test]
fn at_a_terminal_forget_and_disable_ask_first_and_only_yes_acts() {
    let db = merged_sample();
    let before = state(&db);
    for (args, says) in [
        (
            &["forget", "--code", "ab85"][..],
            "3 contacts of 2 codes declared one person will be erased",
        ),
        (
            &["user", "disable", "olle"][..],
            "User 'olle' will be disabled",
        ),
        (&["rekey"][..], "The database will be rekeyed"),
    ] {
        let mut t = Pty::spawn(&db, args);
        t.wait_for("Continue? [y/N]");
        assert!(t.contents().contains(says), "{args:?}:\n{}", t.contents());
        t.answer("n");
        t.wait_for("nothing was changed");
        assert_eq!(t.exit_code(), 1, "{args:?}:\n{}", t.contents());
        assert_eq!(state(&db), before, "{args:?} acted on no");
    }
    // Enter alone is no, too.
    let mut t = Pty::spawn(&db, &["purge", "--notes-before", "2016-01-01"]);
    t.wait_for("Continue? [y/N]");
    t.answer("");
    assert_eq!(t.exit_code(), 1);
    assert_eq!(state(&db), before);

    let mut t = Pty::spawn(&db, &["forget", "--code", "ab85"]);
    t.wait_for("Continue? [y/N]");
    t.answer("y");
    t.wait_for("Erased 3 contact(s)");
    assert_eq!(t.exit_code(), 0, "{}", t.contents());
    let s = db.stats_json(&[]);
    assert_eq!(
        (s["contacts"].as_i64(), s["individuals"].as_i64()),
        (Some(3), Some(2))
    );
}
