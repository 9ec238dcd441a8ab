//! The everyday path as users run it: init, add, import, export, stats.

mod common;
use common::*;

#[test]
fn a_contact_logged_is_counted_and_exported() {
    let db = Db::new();
    db.cmd()
        .args([
            "add",
            "--date",
            "2024-03-01",
            "--code",
            "AB 85",
            "--role",
            "sells",
            "--gender",
            "woman",
            "--age-band",
            "25-34",
            "--counterpart",
            "men",
            "--district",
            "norrmalm",
            "--contact-type",
            "outreach",
            "--note",
            "samtal om boende",
        ])
        .assert()
        .success();
    db.cmd()
        .args([
            "add",
            "--date",
            "2024-04-01",
            "--code",
            "a-b85",
            "--role",
            "sells",
            "--gender",
            "woman",
            "--age-band",
            "25-34",
            "--counterpart",
            "men",
            "--district",
            "norrmalm",
            "--contact-type",
            "counselling",
            "--referrals",
            "health;housing",
        ])
        .assert()
        .success();
    let s = db.stats_json(&[]);
    assert_eq!(s["contacts"], 2);
    assert_eq!(s["individuals"], 1);
    assert_eq!(s["new_individuals"], 1);
    assert_eq!(s["from"], "2024-03-01");
    assert_eq!(s["to"], "2024-04-01");
    let out = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["note"], "samtal om boende");
    assert_eq!(v[1]["referrals"], serde_json::json!(["health", "housing"]));
    assert_eq!(v[0]["person_code"], v[1]["person_code"]);
    assert_eq!(v[0]["person_code"].as_str().unwrap().len(), 64);
}

#[test]
fn an_export_imports_elsewhere_keeping_who_is_the_same_person() {
    let a = Db::new();
    // Notes a spreadsheet would take for formulas: the export neutralises them with a `'`,
    // the import takes it off again, so they come back exactly as they were.
    let csv = format!(
        "{HEADER}2024-01-01,ab85,sells,woman,25-34,men,norrmalm,outreach,,no,x\n2024-02-01,AB 85,sells,woman,25-34,men,norrmalm,outreach,,no,y\n2024-02-02,cd90,buys,man,35-44,women,farsta,police,,no,\n2024-02-03,,buys,man,35-44,women,farsta,police,,no,\n\
         2024-02-04,,buys,man,35-44,women,farsta,police,,no,\"=HYPERLINK(\"\"x\"\")\"\n\
         2024-02-05,,buys,man,35-44,women,farsta,police,,no,-2 dagar\n\
         2024-02-06,,buys,man,35-44,women,farsta,police,,no,+ mer senare\n\
         2024-02-07,,buys,man,35-44,women,farsta,police,,no,@home\n\
         2024-02-08,,buys,man,35-44,women,farsta,police,,no,\"\tindrag\"\n\
         2024-02-09,,buys,man,35-44,women,farsta,police,,no,'citat\n"
    );
    let notes = |db: &Db| -> Vec<String> {
        let out = db
            .cmd()
            .args(["export", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["note"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let o = a.import(&csv);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = a.cmd().args(["export"]).output().unwrap();
    let exported = stdout(&out);
    for neutralised in ["'=HYPERLINK", "'-2 dagar", "'+ mer", "'@home", "'\tindrag"] {
        assert!(exported.contains(neutralised), "{neutralised}: {exported}");
    }
    let b = Db::new();
    let o = b.import(&exported);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(b.stats_json(&[])["individuals"], 2);
    assert_eq!(b.stats_json(&[])["unidentified_contacts"], 7);
    assert_eq!(notes(&b), notes(&a));
    assert!(notes(&b).contains(&"=HYPERLINK(\"x\")".to_string()));
    assert!(notes(&b).contains(&"'citat".to_string()));
    // Importing the export back into the same database keeps the same persons too.
    let o = a.import(&exported);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = a.stats_json(&[]);
    assert_eq!(s["contacts"], 20);
    assert_eq!(s["individuals"], 2);
}

#[test]
fn a_refusal_at_the_door_is_told_in_the_chosen_language() {
    // Seen: with --lang sv every error of the command line was English. The situations met
    // at the door are typed errors, each rendered in the chosen language.
    let db = Db::new();
    db.add_user("ola", "outreach");
    let out = db
        .cmd_as("admin", "not the passphrase")
        .args(["--lang", "sv", "stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uppsok: Fel lösenfras för användaren 'admin'"),
        "{err}"
    );
    let out = db
        .cmd_as("ola", common::PASS)
        .args(["--lang", "sv", "export"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("har rollen uppsökare och får inte"), "{err}");
    // English stays the default.
    let out = db
        .cmd_as("ola", common::PASS)
        .arg("export")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has role outreach and may not"), "{err}");
}
