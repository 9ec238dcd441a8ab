//! `add --code -` and `--note -`: a code and a note read from standard input, so that neither
//! is ever on the command line (where `ps` and the shell history see them).

mod common;
use common::*;

use std::process::Output;

/// `add` with `extra` flags and `input` piped to standard input.
fn add_piped(db: &Db, extra: &[&str], input: &str) -> Output {
    db.cmd()
        .args(add_args(extra))
        .write_stdin(input)
        .output()
        .expect("run")
}

fn exported(db: &Db) -> Vec<serde_json::Value> {
    let out = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn contacts(db: &Db) -> i64 {
    db.sql_i64("SELECT COUNT(*) FROM contacts")
}

/// Neither standard output nor standard error shows any of `secrets`.
fn assert_silent_about(out: &Output, secrets: &[&str]) {
    for s in secrets {
        for (name, text) in [("stderr", stderr(out)), ("stdout", stdout(out))] {
            assert!(
                !text.to_lowercase().contains(&s.to_lowercase()),
                "{name} shows '{s}': {text}"
            );
        }
    }
}

#[test]
fn a_piped_code_is_the_same_person_as_one_on_the_command_line() {
    let db = Db::new();
    let out = db
        .cmd()
        .args(add_args(&["--code", "AB 85"]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = add_piped(&db, &["--code", "-"], "a-b85\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_silent_about(&out, &["a-b85", "ab85"]);
    // Without a final line break, and with a Windows one.
    for input in ["AB85", "ab 85\r\n"] {
        let out = add_piped(&db, &["--code", "-"], input);
        assert!(out.status.success(), "{input:?}: {}", stderr(&out));
    }
    let v = exported(&db);
    assert_eq!(v.len(), 4);
    let first = v[0]["person_code"].as_str().unwrap();
    assert_eq!(first.len(), 64);
    for c in &v {
        assert_eq!(c["person_code"], first, "{c}");
        assert_eq!(c["note"], "");
    }
    assert_eq!(db.stats_json(&[])["individuals"], 1);
}

#[test]
fn code_and_note_both_piped_first_line_code_the_rest_note() {
    let db = Db::new();
    let out = add_piped(
        &db,
        &["--code", "-", "--note", "-"],
        "AB 85\nville prata om boende\noch om vård\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_silent_about(&out, &["AB 85", "ab85", "boende", "vård"]);
    // The order of the flags does not matter; a note without a final line break.
    let out = add_piped(&db, &["--note", "-", "--code", "-"], "ab85\nkort\r\n");
    assert!(out.status.success(), "{}", stderr(&out));
    // A code alone on its line, no note: an empty note.
    let out = add_piped(&db, &["--code", "-", "--note", "-"], "ab85\n");
    assert!(out.status.success(), "{}", stderr(&out));
    // Only the note piped, the code on the command line.
    let out = add_piped(
        &db,
        &["--code", "ab85", "--note", "-"],
        "en rad\noch en till\n\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = exported(&db);
    let notes: Vec<&str> = v.iter().map(|c| c["note"].as_str().unwrap()).collect();
    assert_eq!(
        notes,
        [
            "ville prata om boende\noch om vård",
            "kort",
            "",
            "en rad\noch en till\n"
        ]
    );
    assert!(v.iter().all(|c| c["person_code"] == v[0]["person_code"]));
    assert_eq!(db.stats_json(&[])["individuals"], 1);
}

#[test]
fn an_empty_piped_code_is_bad_input_and_an_empty_piped_note_is_an_empty_note() {
    let db = Db::new();
    for (flags, input) in [
        (&["--code", "-"][..], ""),
        (&["--code", "-"][..], "\n"),
        (&["--code", "-"][..], "   \n"),
        (&["--code", "-", "--note", "-"][..], ""),
        (
            &["--code", "-", "--note", "-"][..],
            "\nen anteckning utan kod\n",
        ),
    ] {
        let out = add_piped(&db, flags, input);
        assert_eq!(out.status.code(), Some(2), "{flags:?} {input:?}");
        let err = stderr(&out);
        assert!(
            err.to_lowercase()
                .contains("no code was read from standard input"),
            "{flags:?} {input:?}: {err}"
        );
        assert_silent_about(&out, &["anteckning"]);
        assert_eq!(contacts(&db), 0);
    }
    // A code read alone must be one line: a second line would silently become code material.
    let out = add_piped(&db, &["--code", "-"], "AB 85\nville prata\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--note -"), "{}", stderr(&out));
    assert_silent_about(&out, &["AB 85", "ab85", "ville"]);
    assert_eq!(contacts(&db), 0);
    // An empty note read from standard input is an empty note; no code is an unidentified contact.
    let out = add_piped(&db, &["--note", "-"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let v = exported(&db);
    assert_eq!(v[0]["note"], "");
    assert_eq!(v[0]["person_code"], "");
}

#[test]
fn a_piped_note_goes_through_the_same_checks() {
    let db = Db::new();
    for input in [
        "AB 85\nring 070-123 45 67 imorgon\n",
        "AB 85\nskriv till anna.k@example.se\n",
    ] {
        let out = add_piped(&db, &["--code", "-", "--note", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("note"), "{err}");
        assert!(err.contains("phone") || err.contains("email"), "{err}");
        assert_silent_about(
            &out,
            &["AB 85", "ab85", "070", "123 45", "anna.k", "example.se"],
        );
    }
    let long = format!("AB 85\n{}\n", "x".repeat(4001));
    let out = add_piped(&db, &["--code", "-", "--note", "-"], &long);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("4000"), "{}", stderr(&out));
    assert_silent_about(&out, &["AB 85", "xxxx"]);
    assert_eq!(contacts(&db), 0);
    // Let through on purpose, as on the command line.
    let out = db
        .cmd()
        .args(add_args(&["--note", "-", "--allow-identifiers"]))
        .write_stdin("ring 070-123 45 67 imorgon\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(exported(&db)[0]["note"], "ring 070-123 45 67 imorgon");
}

#[test]
fn help_for_add_says_why_and_shows_the_pipe() {
    let db = Db::empty();
    let out = db.bare().args(["add", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = stdout(&out);
    for needle in ["--code -", "--note -", "ps", "history", "Ctrl-D", "printf"] {
        assert!(help.contains(needle), "help lacks '{needle}':\n{help}");
    }
}
