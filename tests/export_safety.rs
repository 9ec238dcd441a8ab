//! `export` is safe to hand to a spreadsheet and never lands where others can read it.
#![cfg(unix)]

mod common;
use common::*;

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn add_note(db: &Db, note: &str) {
    let out = db
        .cmd()
        .args(add_args(&["--code", "AB 85", &format!("--note={note}")]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `uppsok export ARGS > path`, where `path` is created with `mode` (an existing file keeps
/// its mode, as a shell's redirection does).
fn export_into(db: &Db, path: &Path, mode: u32, args: &[&str]) -> Output {
    let file = File::create(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_uppsok"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", db.dir.path())
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("UPPSOK_DB", &db.path)
        .env("LANG", "C")
        .env("UPPSOK_USER", ADMIN)
        .env("UPPSOK_PASSPHRASE", PASS)
        .arg("export")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn export_into_a_file_others_can_read_is_refused_before_writing() {
    let db = Db::new();
    add_note(&db, "hemlig text");
    for mode in [0o644, 0o640, 0o604, 0o660, 0o666] {
        for format in ["csv", "json"] {
            let path = db.dir.path().join("export.out");
            let out = export_into(&db, &path, mode, &["--format", format]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{mode:o} {format}: {err}");
            assert_eq!(
                std::fs::metadata(&path).unwrap().len(),
                0,
                "{mode:o} {format}: something was written"
            );
            for needle in ["others", "--out", "chmod 600", "umask 077"] {
                assert!(err.contains(needle), "{mode:o}: lacks '{needle}': {err}");
            }
            assert!(!err.contains("hemlig"), "{err}");
        }
    }
}

#[test]
fn export_into_a_private_file_a_pipe_or_with_out_is_fine() {
    let db = Db::new();
    add_note(&db, "hemlig text");
    let path = db.dir.path().join("export.csv");
    let out = export_into(&db, &path, 0o600, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("hemlig text"), "{written}");
    // Standard output a pipe (what the other tests do throughout).
    let out = db.cmd().arg("export").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("hemlig text"));
    // --out writes a 0600 file, whatever standard output is.
    let target = db.dir.path().join("out.csv");
    let other = db.dir.path().join("stdout.txt");
    let out = export_into(&db, &other, 0o644, &["--out", &path_str(&target)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn csv_cells_that_start_a_formula_are_neutralised_and_json_is_unchanged() {
    let db = Db::new();
    let notes = [
        "=HYPERLINK(\"http://x\";\"klicka\")",
        "+ mer info nästa gång",
        "-2 dagar sedan senast",
        "@home enligt henne",
        "\tindragen",
        "\rvagnretur",
        "vanlig anteckning",
        "'citat utan formel",
    ];
    for n in notes {
        add_note(&db, n);
    }
    let out = db
        .cmd()
        .args(["export", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::ReaderBuilder::new().from_reader(out.stdout.as_slice());
    let note_col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "note")
        .unwrap();
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[note_col].to_string())
        .collect();
    let expected: Vec<String> = notes
        .iter()
        .map(|n| {
            if n.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{n}")
            } else {
                n.to_string()
            }
        })
        .collect();
    assert_eq!(cells, expected);
    // No cell anywhere starts a formula.
    let mut reader = csv::ReaderBuilder::new().from_reader(out.stdout.as_slice());
    for r in reader.records() {
        for cell in r.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    // JSON carries the notes exactly.
    let out = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let json_notes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["note"].as_str().unwrap())
        .collect();
    assert_eq!(json_notes, notes);
}
