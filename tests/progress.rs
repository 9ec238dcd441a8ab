//! Long work shows its progress on a terminal, and nothing when piped or with `--quiet`.

mod common;

use std::io::Read;

use common::{stderr, Db, HEADER};
use portable_pty::{native_pty_system, CommandBuilder, PtySize};

/// Everything `uppsok args` writes to a terminal (a pseudo-terminal), as text.
fn at_a_terminal(db: &Db, args: &[&str]) -> String {
    at_a_terminal_as(db, common::ADMIN, args)
}

/// [`at_a_terminal`], signed in as `user`.
fn at_a_terminal_as(db: &Db, user: &str, args: &[&str]) -> String {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 100,
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
    cmd.env("UPPSOK_USER", user);
    cmd.env("UPPSOK_PASSPHRASE", common::PASS);
    cmd.args(args);
    let mut child = pty.slave.spawn_command(cmd).expect("spawn uppsok");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let collected = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let status = child.wait().expect("uppsok ends");
    drop(pty.master);
    let out = String::from_utf8_lossy(&collected.join().unwrap()).into_owned();
    assert!(status.success(), "{out}");
    out
}

/// A file of `n` valid rows.
fn rows(n: usize) -> String {
    let mut csv = String::from(HEADER);
    for i in 0..n {
        csv.push_str(&format!(
            "2024-03-{:02},c{},sells,woman,25-34,men,norrmalm,outreach,,no,\n",
            i % 28 + 1,
            i % 500
        ));
    }
    csv
}

/// A database with `n` contacts, imported (not at a terminal).
fn with_rows(n: usize) -> Db {
    let db = Db::new();
    assert!(db.import(&rows(n)).status.success());
    db
}

#[test]
fn an_import_shows_progress_at_a_terminal_only() {
    let db = Db::new();
    let file = db.file("many.csv", &rows(20_000));
    let file = file.to_str().unwrap();
    let shown = at_a_terminal(&db, &["import", file]);
    assert!(shown.contains("Importing"), "{shown}");
    assert!(shown.contains("Imported 20,000 contacts"), "{shown}");
    // --quiet: the summary, no bar.
    let quiet = at_a_terminal(&db, &["--quiet", "import", file]);
    assert!(!quiet.contains("Importing"), "{quiet}");
    assert!(quiet.contains("Imported 20,000 contacts"), "{quiet}");
    // Piped (a script, a log file): nothing but the summary, no control characters.
    let out = db
        .cmd()
        .args(["export", "--out"])
        .arg(db.dir.path().join("e.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "nothing on a piped standard error");
    let out = db.cmd().args(["import", file]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

/// A rekey and a purge rewrite every contact: their bars count contacts against a known
/// total, not only spin.
#[test]
fn a_rekey_and_a_purge_count_their_contacts() {
    let db = with_rows(20_000);
    let shown = at_a_terminal(&db, &["rekey", "--yes"]);
    assert!(shown.contains("/20,000"), "{shown}");
    // 20,000 notes before the date, then 20,000 contacts rekeyed.
    let shown = at_a_terminal(&db, &["purge", "--notes-before", "2030-01-01", "--yes"]);
    assert!(shown.contains("/40,000"), "{shown}");
}

/// An export's bar counts against the number of contacts; in a city that would be the city's
/// count, which a unit's staff may not learn: there the bar only counts.
#[test]
fn an_export_in_a_city_shows_no_total_of_the_citys() {
    let db = with_rows(20_000);
    let out = db.dir.path().join("out.csv");
    let out = out.to_str().unwrap();
    let shown = at_a_terminal(&db, &["export", "--out", out]);
    assert!(shown.contains("/20,000"), "{shown}");
    db.add_units(&["stockholm", "goteborg"], &[("gus", "lead", "goteborg")]);
    let goteborg = db.file("few.csv", &rows(3));
    let o = db
        .cmd_as("gus", common::PASS)
        .arg("import")
        .arg(&goteborg)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for user in [common::ADMIN, "gus"] {
        let out = db.dir.path().join(format!("{user}.csv"));
        let shown = at_a_terminal_as(&db, user, &["export", "--out", out.to_str().unwrap()]);
        // A total is shown as `DONE/TOTAL`; the count itself may reach the unit's own 20,000
        // (a slow run draws it once more before the end).
        assert!(!shown.contains("/20,00"), "{user}: {shown}");
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
    }
}
