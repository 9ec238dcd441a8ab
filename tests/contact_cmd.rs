//! `uppsok contact show|edit|delete ID` (issue 13): any contact, also an unidentified one that
//! no code reaches, can be read, corrected and deleted with a reason, logged like the
//! interface's edit and delete; an edit that changes nothing logs nothing.

mod common;

use std::process::Output;

use common::*;

fn ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

fn run(db: &Db, args: &[&str]) -> Output {
    db.cmd().args(args).output().unwrap()
}

fn show(db: &Db, id: &str) -> serde_json::Value {
    let o = run(db, &["contact", "show", id, "--format", "json"]);
    ok(&o);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The entries of the access and change log with this action.
fn entries(db: &Db, action: &str) -> Vec<serde_json::Value> {
    let o = run(db, &["log", "--format", "json"]);
    ok(&o);
    let all: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

fn audit(db: &Db) -> (Option<i32>, serde_json::Value) {
    let o = run(db, &["audit", "--format", "json"]);
    (o.status.code(), serde_json::from_slice(&o.stdout).unwrap())
}

/// A unit with one identified and one unidentified contact (ids 1 and 2).
fn unit() -> Db {
    let db = Db::new();
    db.add_user("olle", "outreach");
    db.add_user("aino", "auditor");
    ok(&db
        .cmd()
        .args(add_args(&["--code", "AB 85", "--note", "första mötet"]))
        .output()
        .unwrap());
    ok(&db
        .cmd()
        .args(add_args(&["--note", "ville inte säga något"]))
        .output()
        .unwrap());
    db
}

#[test]
fn an_unidentified_contact_is_shown_corrected_and_deleted_by_its_number() {
    let db = unit();
    let c = show(&db, "2");
    assert_eq!(c["identified"], false);
    assert_eq!(c["age_band"], "25-34");
    assert_eq!(c["note"], "ville inte säga något");
    let text = stdout(&run(&db, &["contact", "show", "2"]));
    assert!(text.contains("unidentified"), "{text}");
    assert!(text.contains("ville inte säga något"), "{text}");

    let o = run(
        &db,
        &[
            "contact",
            "edit",
            "2",
            "--age-band",
            "18-24",
            "--referrals",
            "health;housing",
            "--reason",
            "typo",
        ],
    );
    ok(&o);
    assert!(stdout(&o).contains("Changed contact 2"), "{}", stdout(&o));
    let c = show(&db, "2");
    assert_eq!(c["age_band"], "18-24");
    assert_eq!(c["referrals"], "health;housing");
    assert_eq!(c["gender"], "woman", "fields not given keep their value");
    assert_eq!(c["note"], "ville inte säga något");
    let edits = entries(&db, "contact_edit");
    assert_eq!(edits.len(), 1);
    assert!(
        edits[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("reason=typo"),
        "{edits:?}"
    );

    let o = run(
        &db,
        &["contact", "delete", "2", "--reason", "logged-by-mistake"],
    );
    ok(&o);
    assert_eq!(entries(&db, "contact_delete").len(), 1);
    let o = run(&db, &["contact", "show", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no contact 2"), "{}", stderr(&o));
    assert_eq!(db.stats_json(&[])["contacts"], 1);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() {
    let db = unit();
    let before = entries(&db, "contact_edit").len();
    let o = run(
        &db,
        &[
            "contact",
            "edit",
            "1",
            "--age-band",
            "25-34",
            "--reason",
            "typo",
        ],
    );
    ok(&o);
    assert!(stdout(&o).contains("nothing was changed"), "{}", stdout(&o));
    // The same code again is the same person.
    let o = run(
        &db,
        &[
            "contact",
            "edit",
            "1",
            "--code",
            "ab85",
            "--reason",
            "wrong-person",
        ],
    );
    ok(&o);
    assert!(stdout(&o).contains("nothing was changed"), "{}", stdout(&o));
    assert_eq!(entries(&db, "contact_edit").len(), before);
}

#[test]
fn a_contact_moves_to_another_code_and_the_counts_follow() {
    let db = unit();
    assert_eq!(db.stats_json(&[])["individuals"], 1);
    let o = db
        .cmd()
        .args([
            "contact",
            "edit",
            "2",
            "--code",
            "-",
            "--reason",
            "wrong-person",
        ])
        .write_stdin("CD 90\n")
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(show(&db, "2")["identified"], true);
    assert_eq!(db.stats_json(&[])["individuals"], 2);
    let edits = entries(&db, "contact_edit");
    assert!(
        edits[0]["detail"]
            .as_str()
            .unwrap()
            .contains("person_changed"),
        "{edits:?}"
    );
    // The code never reaches the log.
    let o = run(&db, &["log", "--format", "json"]);
    assert!(!stdout(&o).to_lowercase().contains("cd 90"));
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_pii_failure_on_an_unidentified_contact_can_be_cleared() {
    let db = unit();
    ok(&db
        .cmd()
        .args(add_args(&[
            "--note",
            "sa sitt nummer 19850214-2386",
            "--allow-identifiers",
        ]))
        .output()
        .unwrap());
    let (code, report) = audit(&db);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "pii" && f["record"] == "3"),
        "{report:#}"
    );
    // Any other change is refused while the note holds the identifier.
    let o = run(
        &db,
        &[
            "contact", "edit", "3", "--gender", "man", "--reason", "typo",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("19850214"), "{}", stderr(&o));
    let o = db
        .cmd()
        .args(["contact", "edit", "3", "--note", "-", "--reason", "typo"])
        .write_stdin("sa sitt nummer\n")
        .output()
        .unwrap();
    ok(&o);
    let (code, report) = audit(&db);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn bad_values_are_named_and_change_nothing() {
    let db = unit();
    let before = show(&db, "1");
    for (args, needle) in [
        (
            vec![
                "contact", "edit", "1", "--gender", "robot", "--reason", "typo",
            ],
            "--gender 'robot'",
        ),
        (
            vec![
                "contact",
                "edit",
                "1",
                "--date",
                "2999-01-01",
                "--reason",
                "typo",
            ],
            "--date",
        ),
        (
            vec![
                "contact",
                "edit",
                "1",
                "--concern",
                "made",
                "--reason",
                "typo",
            ],
            "under18",
        ),
        (
            vec![
                "contact", "edit", "9", "--gender", "man", "--reason", "typo",
            ],
            "no contact 9",
        ),
        (
            // Made under 18 by the edit: the report-of-concern answer is required, as for
            // a new contact.
            vec![
                "contact",
                "edit",
                "1",
                "--age-band",
                "under18",
                "--reason",
                "typo",
            ],
            "--concern",
        ),
        (
            vec![
                "contact", "edit", "1", "--gender", "man", "--reason", "because",
            ],
            "because",
        ),
        (vec!["contact", "edit", "1", "--gender", "man"], "--reason"),
    ] {
        let o = run(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(show(&db, "1"), before);
    assert!(entries(&db, "contact_edit").is_empty());
}

#[test]
fn an_under18_answer_is_kept_changed_and_dropped_with_the_age_band() {
    let db = unit();
    let edit = |args: &[&str]| {
        let mut all = vec!["contact", "edit", "1"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--reason", "typo"]);
        ok(&run(&db, &all));
    };
    edit(&["--age-band", "under18", "--concern", "will-be-made"]);
    assert_eq!(show(&db, "1")["concern"], "will-be-made");
    edit(&["--gender", "man"]);
    assert_eq!(show(&db, "1")["concern"], "will-be-made");
    edit(&["--concern", "made"]);
    assert_eq!(show(&db, "1")["concern"], "made");
    edit(&["--age-band", "18-24"]);
    assert_eq!(show(&db, "1")["concern"], serde_json::Value::Null);
}

#[test]
fn only_roles_that_log_contacts_may_show_edit_or_delete() {
    let db = unit();
    for args in [
        vec!["contact", "show", "1"],
        vec![
            "contact", "edit", "1", "--gender", "man", "--reason", "typo",
        ],
        vec!["contact", "delete", "1", "--reason", "duplicate"],
    ] {
        let o = db.cmd_as("aino", PASS).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(!stdout(&o).contains("första"), "{args:?}");
    }
    let o = db
        .cmd_as("olle", PASS)
        .args(["contact", "show", "1"])
        .output()
        .unwrap();
    ok(&o);
    // The view is logged.
    assert!(entries(&db, "person_view")
        .iter()
        .any(|e| e["objects"] == "contact:1"));
}
