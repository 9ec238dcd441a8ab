//! `config publish-method`: the unit's default disclosure-control method, as a lead, an
//! administrator, an outreach worker and an auditor use it. Read by every role; set by a lead
//! or an administrator only, each change a signed `config_set` entry that the audit holds the
//! stored value to; refused for the others with nothing written but the refusal; kept by a
//! rekey. (The insiders who write it behind uppsok's back: tests/insiders.rs.)

mod common;

use common::{stderr, stdout, Db, PASS};
use std::process::Output;

fn run(db: &Db, user: &str, args: &[&str]) -> Output {
    db.cmd_as(user, PASS).args(args).output().unwrap()
}

fn unit() -> Db {
    let db = Db::new();
    for (name, role) in [("lena", "lead"), ("olle", "outreach"), ("aino", "auditor")] {
        db.add_user(name, role);
    }
    db
}

/// `meta.publish_method` as stored (none while never set).
fn stored(db: &Db) -> Option<String> {
    db.sql_value("SELECT value FROM meta WHERE key = 'publish_method'")
}

/// The details of every `config_set` entry, in order.
fn config_entries(db: &Db) -> Vec<String> {
    db.sql_rows("SELECT detail FROM audit_log WHERE action = 'config_set' ORDER BY seq")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn log_len(db: &Db) -> i64 {
    db.sql_i64("SELECT count(*) FROM audit_log")
}

/// What `config publish-method` says the default is, as `user`.
#[track_caller]
fn shown(db: &Db, user: &str) -> String {
    let o = run(db, user, &["config", "publish-method"]);
    assert!(o.status.success(), "{user}: {}", stderr(&o));
    stdout(&o)
}

#[track_caller]
fn audit_passes(db: &Db) {
    let o = run(db, "aino", &["audit"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn every_role_reads_the_default_and_a_lead_or_an_admin_sets_it() {
    let db = unit();
    // Never set: suppression, for everyone, with nothing stored.
    for who in ["admin", "lena", "olle", "aino"] {
        assert!(
            shown(&db, who).contains("method is suppress"),
            "{who}: {}",
            shown(&db, who)
        );
    }
    assert_eq!(stored(&db), None);

    // The lead sets the cell key method: stored, logged and signed in one change.
    let o = run(&db, "lena", &["config", "publish-method", "cellkey"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("is now cellkey"), "{}", stdout(&o));
    assert_eq!(stored(&db).as_deref(), Some("cellkey"));
    assert_eq!(config_entries(&db), ["publish_method=cellkey"]);
    for who in ["admin", "olle", "aino"] {
        assert!(shown(&db, who).contains("method is cellkey"), "{who}");
    }
    audit_passes(&db);

    // The same value again: said, and nothing written (not even a log entry).
    let before = log_len(&db);
    let o = run(&db, "admin", &["config", "publish-method", "cellkey"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("already cellkey"), "{}", stdout(&o));
    assert_eq!(log_len(&db), before);
    assert_eq!(config_entries(&db).len(), 1);

    // The administrator sets it back, in Swedish.
    let o = run(
        &db,
        "admin",
        &["--lang", "sv", "config", "publish-method", "suppress"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("standardmetod för röjandeskydd är nu suppress"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stored(&db).as_deref(), Some("suppress"));
    assert_eq!(
        config_entries(&db),
        ["publish_method=cellkey", "publish_method=suppress"]
    );
    let o = run(&db, "olle", &["--lang", "sv", "config", "publish-method"]);
    assert!(
        stdout(&o).contains("röjandeskydd är suppress"),
        "{}",
        stdout(&o)
    );
    audit_passes(&db);

    // Setting suppress on a database that never set it changes nothing either.
    let fresh = unit();
    let before = log_len(&fresh);
    let o = run(&fresh, "lena", &["config", "publish-method", "suppress"]);
    assert!(stdout(&o).contains("already suppress"), "{}", stdout(&o));
    assert_eq!((stored(&fresh), log_len(&fresh)), (None, before));
}

#[test]
fn an_outreach_worker_or_an_auditor_may_not_set_it_and_nothing_is_written() {
    let db = unit();
    for (who, lang, says) in [
        ("olle", "en", "may not change the unit's settings"),
        ("aino", "sv", "får inte ändra enhetens inställningar"),
    ] {
        let before = log_len(&db);
        let o = run(
            &db,
            who,
            &["--lang", lang, "config", "publish-method", "cellkey"],
        );
        assert_eq!(o.status.code(), Some(1), "{who}: {}", stdout(&o));
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
        assert!(stderr(&o).contains(says), "{who}: {}", stderr(&o));
        // Nothing but the refusal, which is logged.
        assert_eq!(stored(&db), None);
        assert!(config_entries(&db).is_empty());
        assert_eq!(log_len(&db), before + 1);
        let refusal = db
            .sql_value("SELECT action || ' ' || detail FROM audit_log ORDER BY seq DESC LIMIT 1")
            .unwrap();
        assert_eq!(refusal, "refused Configure");
    }
    assert!(shown(&db, "olle").contains("method is suppress"));
    audit_passes(&db);
}

#[test]
fn a_bad_value_is_refused_before_sign_in_with_the_values_named() {
    let db = unit();
    let o = run(&db, "lena", &["config", "publish-method", "round"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("suppress") && stderr(&o).contains("cellkey"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stored(&db), None);
}

#[test]
fn the_default_survives_a_rekey_which_commits_to_it() {
    let db = unit();
    let o = run(&db, "lena", &["config", "publish-method", "cellkey"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(shown(&db, "olle").contains("method is cellkey"));
    let snapshot = db
        .sql_value("SELECT detail FROM audit_log WHERE action = 'rekey' ORDER BY seq DESC LIMIT 1")
        .unwrap();
    assert!(
        snapshot.split(' ').any(|t| t == "publish_method=cellkey"),
        "{snapshot}"
    );
    audit_passes(&db);
    // And changed again after it, still as the log says.
    let o = run(&db, "admin", &["config", "publish-method", "suppress"]);
    assert!(o.status.success(), "{}", stderr(&o));
    audit_passes(&db);
}
