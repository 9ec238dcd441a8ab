//! Units of a city sharing one database (docs/units.md): `unit add/list`, users in units, a
//! unit's own figures and contacts, and the city's figures where a person met by two units
//! counts once. Every command runs as a process, on a file or (with
//! `UPPSOK_TEST_BACKEND=postgres`) on the test server.

mod common;

use common::*;
use serde_json::Value;

/// A city of two units: `stockholm` (the first, named; the admin and `anna`, lead) and
/// `goteborg` (`sara`, outreach, and `gus`, lead). Stockholm met AB85 in 2023 and CD12 in
/// 2024; Göteborg met AB85 and EF34 in 2024 (AB85 twice). So the city met three persons, one
/// of them by both units.
fn city() -> Db {
    let db = Db::new();
    db.add_units(
        &["stockholm", "goteborg"],
        &[
            ("anna", "lead", "stockholm"),
            ("sara", "outreach", "goteborg"),
            ("gus", "lead", "goteborg"),
        ],
    );
    let add = |user: &str, date: &str, code: &str, note: &str| {
        let mut args = add_args(&["--code", code, "--note", note]);
        args[2] = date.to_string();
        db.cmd_as(user, PASS).args(&args).assert().success();
    };
    add(ADMIN, "2023-05-01", "AB85", "stockholms anteckning");
    add(ADMIN, "2024-02-01", "CD12", "");
    add("sara", "2024-03-01", "AB85", "göteborgs anteckning");
    add("sara", "2024-03-02", "AB85", "");
    add("sara", "2024-04-01", "EF34", "");
    db
}

/// `report` with the cell key method as `user` (extra arguments after), its text.
fn report_as(db: &Db, user: &str, args: &[&str]) -> String {
    let o = db
        .cmd_as(user, PASS)
        .args(["report", "--threshold", "3", "--method", "cellkey"])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

fn figures(v: &Value) -> [u64; 3] {
    ["contacts", "individuals", "new_individuals"].map(|k| v[k].as_u64().expect(k))
}

fn json_out(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

#[test]
fn a_unit_counts_its_own_and_the_city_counts_a_person_met_by_two_units_once() {
    let db = city();
    // Each unit's own figures, whoever of it asks.
    for user in [ADMIN, "anna"] {
        let v = db.stats_json_as(user, PASS, &[]);
        assert_eq!(figures(&v), [2, 2, 2], "stockholm as {user}: {v}");
    }
    for user in ["sara", "gus"] {
        let v = db.stats_json_as(user, PASS, &[]);
        assert_eq!(figures(&v), [3, 2, 2], "goteborg as {user}: {v}");
    }
    // The city: five contacts, three persons (AB85 once, though both units met them).
    let v = db.stats_json_as(ADMIN, PASS, &["--city"]);
    assert_eq!(figures(&v), [5, 3, 3], "{v}");
    // By unit: a person counts in each unit that met them, the total once.
    let v = db.stats_json_as(ADMIN, PASS, &["--city", "--by", "unit"]);
    let groups: Vec<(String, [u64; 3])> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["unit"].as_str().unwrap().to_string(), figures(g)))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("stockholm".to_string(), [2, 2, 2]),
            ("goteborg".to_string(), [3, 2, 2]),
        ]
    );
    // A unit's new individuals are new to the unit, the city's new to the city: in 2024
    // Göteborg met AB85 (whom Stockholm met in 2023) and EF34 for the first time, both new to
    // Göteborg; of the city's three persons of 2024, AB85 is not new.
    let v = db.stats_json_as("sara", PASS, &["--year", "2024"]);
    assert_eq!(figures(&v), [3, 2, 2], "{v}");
    let v = db.stats_json_as(ADMIN, PASS, &["--city", "--year", "2024"]);
    assert_eq!(figures(&v), [4, 3, 2], "{v}");
    // So a unit's figures tell nothing of when another unit met a person: a red team bisected
    // the day of Stockholm's first contact with a code Göteborg logged. Stockholm meeting EF34
    // earlier changes none of Göteborg's figures, whatever the period.
    let periods: [&[&str]; 3] = [&["--year", "2024"], &["--from", "2024-03-15"], &[]];
    let before: Vec<Value> = periods
        .iter()
        .map(|p| db.stats_json_as("sara", PASS, p))
        .collect();
    let mut args = add_args(&["--code", "EF34"]);
    args[2] = "2022-01-10".to_string();
    db.cmd().args(&args).assert().success();
    for (p, was) in periods.iter().zip(&before) {
        let now = db.stats_json_as("sara", PASS, p);
        assert_eq!(figures(&now), figures(was), "{p:?}");
    }
    // A filter on the unit, with --city, is one unit's figures again.
    let v = db.stats_json_as(ADMIN, PASS, &["--city", "--filter", "unit=goteborg"]);
    assert_eq!(figures(&v), [3, 2, 2], "{v}");
    // The estimate and the report count the same contacts.
    let est = |user: &str, args: &[&str]| {
        json_out(
            &db.cmd_as(user, PASS)
                .args(["estimate", "-f", "json"])
                .args(args)
                .output()
                .unwrap(),
        )["observed"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(est("sara", &[]), 2);
    assert_eq!(est(ADMIN, &["--city"]), 3);
    assert!(report_as(&db, ADMIN, &["--city"]).contains("the city's units have had"));
    assert!(report_as(&db, "gus", &[]).contains("the unit has had"));
    // And the audit passes: every unit and every user's unit is granted by the log.
    db.cmd().arg("audit").assert().success();
}

#[test]
fn units_are_named_added_and_listed_and_users_belong_to_one() {
    let db = Db::new();
    let list = |format: &str| {
        db.cmd()
            .args(["unit", "list", "-f", format])
            .output()
            .unwrap()
    };
    // One unit without a name: everyone is in it.
    assert_eq!(json_out(&list("json")), serde_json::json!([]));
    assert!(stdout(&list("text")).contains("one unit without a name"));
    let o = db
        .cmd()
        .args(["unit", "add", "stockholm"])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("every user and contact so far belongs to it"));
    db.add_user("olle", "outreach");
    // The second unit rekeys the database into keys per unit, and says so.
    let o = db.cmd().args(["unit", "add", "malmö"]).output().unwrap();
    assert!(
        stdout(&o).contains("rekeyed the database"),
        "{}",
        stdout(&o)
    );
    db.add_units(&[], &[("mia", "lead", "malmö")]);
    assert_eq!(
        json_out(&list("json")),
        serde_json::json!([
            {"number": 1, "name": "stockholm", "users": 2},
            {"number": 2, "name": "malmö", "users": 1},
        ])
    );
    let text = stdout(&list("text"));
    assert!(
        text.contains("malmö") && text.contains("active users"),
        "{text}"
    );
    let users = json_out(
        &db.cmd()
            .args(["user", "list", "-f", "json"])
            .output()
            .unwrap(),
    );
    let unit_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .map(|u| u["unit"].clone())
            .unwrap()
    };
    assert_eq!(unit_of("olle"), "stockholm");
    assert_eq!(unit_of("mia"), "malmö");
    // In Swedish too.
    let o = db
        .cmd()
        .args(["--lang", "sv", "unit", "list"])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("aktiva användare"), "{}", stdout(&o));
}

#[test]
fn bad_unit_input_is_refused_and_changes_nothing() {
    let db = Db::new();
    db.cmd()
        .args(["unit", "add", "stockholm"])
        .assert()
        .success();
    db.add_user("olle", "outreach");
    let log_len = || {
        let o = db.cmd().args(["log", "-f", "json"]).output().unwrap();
        json_out(&o).as_array().unwrap().len()
    };
    let before = log_len();
    // A name that is not one, a name taken: bad input (exit 2), nothing written.
    for (name, says) in [
        ("Two Words", "lower-case letters"),
        ("a=b", "lower-case letters"),
        ("stockholm", "already has a unit named stockholm"),
    ] {
        let o = db.cmd().args(["unit", "add", name]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{name}: {}", stderr(&o));
    }
    // A user into a unit there is none of: nothing written.
    let o = db
        .cmd()
        .args([
            "user", "add", "nils", "--role", "outreach", "--unit", "uppsala",
        ])
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no unit of that name"),
        "{}",
        stderr(&o)
    );
    // Each `log` run is itself one entry.
    assert_eq!(log_len(), before + 1);
    // Only an administrator adds a unit; the refusal alone is logged.
    let o = db
        .cmd_as("olle", PASS)
        .args(["unit", "add", "uppsala"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = db
        .cmd()
        .args(["unit", "list", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(json_out(&o).as_array().unwrap().len(), 1);
}

#[test]
fn a_unit_sees_and_changes_only_its_own_contacts() {
    let db = city();
    // Göteborg's lead exports Göteborg's three contacts, and no note of Stockholm's.
    let o = db
        .cmd_as("gus", PASS)
        .args(["export", "-f", "json"])
        .output()
        .unwrap();
    let rows = json_out(&o);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(!stdout(&o).contains("stockholms anteckning"));
    assert!(stdout(&o).contains("göteborgs anteckning"));
    // Its entry in the log (which every unit's auditor reads its own unit's of, and a unit's
    // role on a server reads all of) names the unit's contacts, not the city's count (a red
    // team read the city's total from it).
    let log = db.cmd().args(["log", "-f", "json"]).output().unwrap();
    let log = stdout(&log);
    assert!(log.contains("contacts:unit:2"), "{log}");
    assert!(!log.contains("of="), "{log}");
    // Stockholm's first contact (id 1) is not Göteborg's to show, change or delete.
    for args in [
        vec!["contact", "show", "1"],
        vec!["contact", "delete", "1", "--reason", "duplicate"],
    ] {
        let o = db.cmd_as("sara", PASS).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stdout(&o).contains("stockholms"), "{args:?}");
    }
    let o = db
        .cmd_as(ADMIN, PASS)
        .args(["contact", "show", "1"])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("stockholms anteckning"),
        "{}",
        stderr(&o)
    );
    // The city's figures are for leads, auditors and administrators; figures by unit need
    // --city.
    let o = db
        .cmd_as("sara", PASS)
        .args(["stats", "--city"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("figures of the whole city"),
        "{}",
        stderr(&o)
    );
    for args in [["--by", "unit"], ["--filter", "unit=stockholm"]] {
        let o = db
            .cmd_as("gus", PASS)
            .arg("stats")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("give --city"), "{}", stderr(&o));
    }
    // Nothing was deleted.
    let v = db.stats_json_as(ADMIN, PASS, &["--city"]);
    assert_eq!(figures(&v), [5, 3, 3]);
    db.cmd().arg("audit").assert().success();
}

#[test]
fn field_nights_are_counted_and_listed_per_unit() {
    let db = city();
    let night = |user: &str, date: &str| {
        let o = db
            .cmd_as(user, PASS)
            .args([
                "night",
                "add",
                "--date",
                date,
                "--kind",
                "street",
                "--district",
                "norrmalm",
                "--staff",
                "2",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    };
    night(ADMIN, "2024-02-01");
    night("sara", "2024-03-01");
    night("sara", "2024-03-02");
    let nights = |user: &str, args: &[&str]| {
        db.stats_json_as(user, PASS, args)["field_nights"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(nights(ADMIN, &[]), 1);
    assert_eq!(nights("gus", &[]), 2);
    assert_eq!(nights(ADMIN, &["--city"]), 3);
    assert_eq!(nights(ADMIN, &["--city", "--filter", "unit=stockholm"]), 1);
    // Stockholm's night (the first) is not Göteborg's to list or to log into.
    let o = db
        .cmd_as("sara", PASS)
        .args(["night", "list"])
        .output()
        .unwrap();
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
    let o = db
        .cmd_as("sara", PASS)
        .args(add_args(&["--field-night", "1"]))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    db.cmd_as(ADMIN, PASS)
        .args(add_args(&["--field-night", "1"]))
        .assert()
        .success();
}

#[test]
fn a_units_publication_and_the_citys_of_one_period_are_slices_the_register_keeps_apart() {
    let db = city();
    let publish = |user: &str, args: &[&str]| {
        db.cmd_as(user, PASS)
            .args(["stats", "--year", "2024", "--publish", "--threshold", "3"])
            .args(["-f", "json"])
            .args(args)
            .output()
            .unwrap()
    };
    // Each unit publishes its own year, by role (the tables linked to it for the attacker's
    // check may group by unit: in a unit's count, its one group).
    for user in ["gus", "anna"] {
        let o = publish(user, &["--by", "role"]);
        assert!(o.status.success(), "{user}: {}", stderr(&o));
    }
    // The same period again, by the same unit: the same figures.
    let o = publish("gus", &["--by", "role"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The city's 2024 less Göteborg's would be Stockholm's exactly: refused under suppression.
    let o = publish(ADMIN, &["--city"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("other filters"), "{}", stderr(&o));
    // Nor by the other method, beside the units' exact bounds.
    let o = publish(ADMIN, &["--city", "--method", "cellkey"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("other disclosure-control method"));
    // A year no unit published: the city's by unit, by the cell key method.
    let o = db
        .cmd_as(ADMIN, PASS)
        .args([
            "stats",
            "--year",
            "2023",
            "--publish",
            "--method",
            "cellkey",
        ])
        .args(["--city", "--by", "unit", "-f", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["groups"][0]["unit"], "stockholm", "{v}");
}

/// What a red team read of another unit through the program, each closed: exact city figures
/// for a lead, the new persons of an import, a shared project's dates from refused closes, the
/// period's first and last day, another unit's changes from the publication register, and the
/// access log.
#[test]
fn what_a_red_team_read_of_another_unit_is_not_shown() {
    let db = city();
    db.add_user("aud", "auditor");
    // The city's figures are an administrator's: a lead's or an auditor's are refused (and
    // the refusal logged), exact, published, by either method.
    for user in ["gus", "aud"] {
        for args in [
            &["stats", "--city", "-f", "json"][..],
            &["stats", "--city", "--publish", "--method", "cellkey"],
            &["report", "--city", "--method", "cellkey"],
            &["estimate", "--city"],
        ] {
            let o = db.cmd_as(user, PASS).args(args).output().unwrap();
            assert_eq!(o.status.code(), Some(1), "{user} {args:?}: {}", stderr(&o));
            assert!(stderr(&o).contains("whole city"), "{}", stderr(&o));
        }
    }
    // An import does not say how many of its codes the city knew: EF34 only Göteborg met.
    let csv = "date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note\n\
               2024-05-01,EF34,sells,woman,25-34,men,norrmalm,outreach,,no,\n";
    let f = db.file("one.csv", csv);
    let o = db
        .cmd_as("anna", PASS)
        .arg("import")
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "Imported 1 contact.");
    // Projects are the city's: a unit's lead neither adds nor closes one.
    let add_project = [
        "project",
        "add",
        "Delat",
        "--funder",
        "Staden",
        "--from",
        "2024-01-01",
    ];
    let o = db.cmd_as("anna", PASS).args(add_project).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    db.cmd().args(add_project).assert().success();
    let o = db
        .cmd_as("anna", PASS)
        .args(["project", "close", "Delat", "--to", "2024-06-01"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // An open period shows the unit's own first and last day, not the city's.
    let v = db.stats_json_as("sara", PASS, &[]);
    assert_eq!(
        (&v["from"], &v["to"]),
        (&"2024-03-01".into(), &"2024-04-01".into())
    );
    let v = db.stats_json_as(ADMIN, PASS, &[]);
    assert_eq!(
        (&v["from"], &v["to"]),
        (&"2023-05-01".into(), &"2024-05-01".into())
    );
    // Stockholm publishes a day; Göteborg logs a contact on it; Stockholm's figures of the day
    // are what they were, and publishing them again is not refused.
    let publish_day = || {
        db.cmd_as("anna", PASS)
            .args([
                "stats",
                "--from",
                "2024-03-05",
                "--to",
                "2024-03-05",
                "--publish",
            ])
            .output()
            .unwrap()
    };
    assert!(publish_day().status.success());
    let mut args = add_args(&["--code", "GH56"]);
    args[2] = "2024-03-05".into();
    db.cmd_as("sara", PASS).args(&args).assert().success();
    let o = publish_day();
    assert!(o.status.success(), "{}", stderr(&o));
    // The auditor reads the access log of their own unit; the administrator the city's.
    let log_users = |user: &str| -> Vec<String> {
        let o = db
            .cmd_as(user, PASS)
            .args(["log", "-f", "json"])
            .output()
            .unwrap();
        json_out(&o)
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["user"].as_str().map(str::to_string))
            .collect()
    };
    let seen = log_users("aud");
    assert!(
        !seen.is_empty() && !seen.iter().any(|u| u == "sara" || u == "gus"),
        "{seen:?}"
    );
    assert!(log_users(ADMIN).iter().any(|u| u == "sara"));
}

/// Rows of four columns (id, author, two envelopes) as an insider holding `user`'s passphrase
/// reads them without uppsok ([`RawConn::as_application`]).
fn rows_outside(db: &Db, user: &str, sql: &str) -> Vec<(i64, i64, Vec<u8>, Vec<u8>)> {
    RawConn::as_application(db, user, PASS)
        .query(sql, &[])
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// What a user of the city holds outside uppsok: their slot (opened with their passphrase)
/// gives their secret, which opens what the database seals to them (a key ring under keys per
/// unit), the master key of the ring too if it holds one.
fn held_outside(db: &Db, user: &str, categories_only: bool) -> uppsok::crypto::Held {
    use uppsok::crypto::{KeyFile, Passphrase};
    let opened = KeyFile::parse(&db.key_file_bytes())
        .expect("a key file")
        .open_user(user, &Passphrase::new(PASS.into()))
        .expect("their own slot opens");
    let (id, wrapped) = RawConn::as_application(db, user, PASS).wrap(user);
    opened
        .secret
        .open_held(&wrapped, id, categories_only)
        .expect("their own wrap opens")
}

#[test]
fn a_units_staff_hold_no_key_to_another_units_notes_outside_uppsok() {
    use uppsok::crypto::{CryptoError, KeyScheme, Place};
    let db = city();
    db.add_units(&[], &[("aud", "auditor", "stockholm")]);
    let rows = rows_outside(
        &db,
        ADMIN,
        "SELECT id, created_by, attributes, note FROM contacts ORDER BY id",
    );
    let admin_id = RawConn::as_application(&db, ADMIN, PASS).wrap(ADMIN).0;
    assert_eq!(rows.len(), 5);
    let unit_of = |author: i64| if author == admin_id { 1 } else { 2 };
    // (user, their unit, is an auditor)
    for (user, own, auditor) in [
        ("sara", 2, false),
        ("gus", 2, false),
        ("anna", 1, false),
        ("aud", 1, true),
    ] {
        let held = held_outside(&db, user, auditor);
        let keys = held.derive(KeyScheme::PerUnit);
        // The keys the master key derives (the city's): no unit's note nor category opens
        // under them either.
        let city = held.master().map(|m| m.derive(KeyScheme::PerCapability));
        for (id, author, attributes, note) in &rows {
            let (unit, other) = (unit_of(*author), 3 - unit_of(*author));
            let (a, n) = (Place::ContactAttributes(*id), Place::ContactNote(*id));
            let note_opens = keys.open_in(unit, n, note).is_ok();
            let attrs_open = keys.open_in(unit, a, attributes).is_ok();
            // Their own unit's categories (an auditor's too), their own unit's notes (not an
            // auditor's); nothing of the other unit's.
            assert_eq!(attrs_open, unit == own, "{user}: contact {id}'s categories");
            assert_eq!(
                note_opens,
                unit == own && !auditor,
                "{user}: contact {id}'s note"
            );
            if unit == own {
                continue;
            }
            // Not under their own unit's key, nor without a unit, nor the city's keys.
            assert!(keys.open_in(other, n, note).is_err(), "{user}: {id}");
            assert_eq!(keys.open(n, note), Err(CryptoError::NotHeld));
            if let Some(city) = &city {
                assert!(city.open(n, note).is_err(), "{user}: {id} under the city's");
                assert!(city.open(a, attributes).is_err(), "{user}: {id}");
            }
        }
    }
    // The administrator holds every unit's key.
    let keys = held_outside(&db, ADMIN, false).derive(KeyScheme::PerUnit);
    for (id, author, attributes, note) in &rows {
        let unit = unit_of(*author);
        assert!(keys.open_in(unit, Place::ContactNote(*id), note).is_ok());
        assert!(keys
            .open_in(unit, Place::ContactAttributes(*id), attributes)
            .is_ok());
    }
}

#[test]
fn a_note_written_into_another_units_contact_under_ones_own_key_is_named_by_the_audit() {
    use uppsok::crypto::{KeyScheme, Place};
    let db = city();
    db.cmd().arg("audit").assert().success();
    // Sara (Göteborg) seals a note of her own under her unit's key and writes it into
    // Stockholm's first contact, outside uppsok.
    let keys = held_outside(&db, "sara", false).derive(KeyScheme::PerUnit);
    let forged = keys
        .seal_in(2, Place::ContactNote(1), b"\x05\0\0\0falsk")
        .unwrap();
    RawConn::as_application(&db, "sara", PASS).exec(
        "UPDATE contacts SET note = ?1 WHERE id = ?2",
        &[&forged, &1i64],
    );
    let o = db.cmd().args(["audit", "-f", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["record"].as_str().unwrap().into(),
                f["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    // It opens under no key of Stockholm's, and the signed entry that wrote it says otherwise.
    for want in [
        ("contacts.note:1", "not_authentic"),
        ("contact:1", "content_differs"),
    ] {
        assert!(
            findings.contains(&(want.0.into(), want.1.into())),
            "{findings:?}"
        );
    }
}

#[test]
fn keys_per_unit_outlast_a_rekey_a_new_passphrase_a_disabled_user_and_a_recovery() {
    let db = Db::empty();
    let o = db.cmd().arg("init").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let recovery = stdout(&o)
        .split_whitespace()
        .find(|w| w.len() == 65 && w.matches('-').count() == 10)
        .expect("a recovery key in the output of init")
        .to_string();
    db.add_units(
        &["stockholm", "goteborg"],
        &[
            ("sara", "outreach", "goteborg"),
            ("gus", "lead", "goteborg"),
            ("aud", "auditor", "goteborg"),
        ],
    );
    let add = |user: &str, pass: &str, note: &str| {
        db.cmd_as(user, pass)
            .args(add_args(&["--code", "AB85", "--note", note]))
            .assert()
            .success();
    };
    add(ADMIN, PASS, "stockholms anteckning");
    add("sara", PASS, "göteborgs anteckning");
    let shows = |user: &str, pass: &str, id: &str, note: &str| {
        let o = db
            .cmd_as(user, pass)
            .args(["contact", "show", id])
            .output()
            .unwrap();
        assert!(o.status.success(), "{user}: {}", stderr(&o));
        assert!(stdout(&o).contains(note), "{user}: {}", stdout(&o));
    };
    let city_contacts = |pass: &str| db.stats_json_as(ADMIN, pass, &["--city"])["contacts"].clone();
    let audit_passes = |user: &str, pass: &str| {
        let o = db.cmd_as(user, pass).arg("audit").output().unwrap();
        assert!(o.status.success(), "{user}: {}", stdout(&o));
    };
    // A rekey: new keys for the city and every unit, each user's share sealed again.
    db.cmd().args(["rekey", "--yes"]).assert().success();
    shows("sara", PASS, "2", "göteborgs anteckning");
    shows(ADMIN, PASS, "1", "stockholms anteckning");
    // A new passphrase re-seals the user's own share (a lead's: every unit's categories).
    db.cmd_as("gus", PASS)
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", "gus's new long passphrase")
        .assert()
        .success();
    shows(
        "gus",
        "gus's new long passphrase",
        "2",
        "göteborgs anteckning",
    );
    let o = db
        .cmd_as("gus", "gus's new long passphrase")
        .args(["report", "--threshold", "3", "--method", "cellkey"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // A user disabled: a rekey without them; the others keep their unit's keys.
    db.cmd()
        .args(["user", "disable", "gus", "--yes"])
        .assert()
        .success();
    shows("sara", PASS, "2", "göteborgs anteckning");
    audit_passes("aud", PASS);
    // Every administrator passphrase lost: the recovery key gives back every unit's key, so
    // the recovered administrator seals Göteborg's to a new user of Göteborg.
    let new_pass = "a brand new admin passphrase";
    db.bare()
        .args(["recover", ADMIN])
        .env("UPPSOK_RECOVERY_KEY", &recovery)
        .env("UPPSOK_NEW_PASSPHRASE", new_pass)
        .assert()
        .success();
    assert_eq!(city_contacts(new_pass), 2);
    db.cmd_as(ADMIN, new_pass)
        .args([
            "user", "add", "nils", "--role", "outreach", "--unit", "goteborg",
        ])
        .env("UPPSOK_NEW_PASSPHRASE", PASS)
        .assert()
        .success();
    shows("nils", PASS, "2", "göteborgs anteckning");
    audit_passes(ADMIN, new_pass);
}

/// Two red teams (the second after keys per unit) read, as a lead or an auditor of one unit,
/// another unit's single contacts from the city's tables: by subtracting their own exact figures
/// from the city's suppressed ones, from which groups a city table by cell keys lists at all,
/// and from padding a cell with their own contacts until the perturbation showed the count;
/// whether and when another unit first met a code from the city's `new_individuals` beside
/// `individuals`. So the city's figures are an administrator's, and a unit's lead and auditor
/// hold no key to another unit's categories.
#[test]
fn the_citys_figures_are_an_administrators_and_a_unit_counts_only_its_own() {
    let db = city();
    db.add_units(&[], &[("aud", "auditor", "goteborg")]);
    let day = ["--from", "2024-03-01", "--to", "2024-03-01"];
    for user in ["gus", "aud"] {
        for args in [
            vec!["stats", "--city", "--publish", "--by", "unit,gender"],
            vec![
                "stats",
                "--city",
                "--publish",
                "--method",
                "cellkey",
                "--by",
                "unit",
            ],
            vec![
                "report",
                "--city",
                "--threshold",
                "3",
                "--method",
                "cellkey",
            ],
        ] {
            let o = db
                .cmd_as(user, PASS)
                .args([&args[..], &day[..]].concat())
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(1), "{user} {args:?}: {}", stderr(&o));
        }
        // Their own unit's, by either method, as before.
        let o = db
            .cmd_as(user, PASS)
            .args(["stats", "--publish", "--method", "cellkey", "-f", "json"])
            .output()
            .unwrap();
        assert_eq!(json_out(&o)["perturbed"], true);
    }
    // The refusals are in the log, as every refusal for the role is.
    let o = db.cmd().args(["log", "-f", "json"]).output().unwrap();
    let refusals = json_out(&o)
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "refused")
        .count();
    assert_eq!(refusals, 6, "{}", stdout(&o));
    // The city's administrator gets them, exact or published.
    let v = db.stats_json_as(ADMIN, PASS, &["--city"]);
    assert_eq!(
        (&v["from"], &v["to"]),
        (&"2023-05-01".into(), &"2024-04-01".into())
    );
}

/// Activities (information and training) are a unit's too: listed and reported to their own
/// unit, counted in the city's report, and sealed under the unit's key, so another unit's
/// staff open neither their details nor their notes outside uppsok.
#[test]
fn a_units_activities_are_its_own_and_the_citys_report_counts_them_all() {
    use uppsok::crypto::{KeyScheme, Place};
    let db = city();
    let activity = |user: &str, n: &str, note: &str| {
        db.cmd_as(user, PASS)
            .args(activity_args(&["--participants", n, "--note", note]))
            .assert()
            .success();
    };
    activity(ADMIN, "28", "stockholms gymnasium");
    activity("sara", "15", "göteborgs gymnasium");
    let list = |user: &str| {
        stdout(
            &db.cmd_as(user, PASS)
                .args(["activity", "list"])
                .output()
                .unwrap(),
        )
    };
    let (stockholm, goteborg) = (list("anna"), list("sara"));
    assert!(
        stockholm.contains("stockholms") && !stockholm.contains("göteborgs"),
        "{stockholm}"
    );
    assert!(
        goteborg.contains("göteborgs") && !goteborg.contains("stockholms"),
        "{goteborg}"
    );
    let own = report_as(&db, "gus", &["--year", "2024"]);
    assert!(own.contains("| Total | 1 | 15 |"), "{own}");
    let city = report_as(&db, ADMIN, &["--year", "2024", "--city"]);
    assert!(city.contains("| Total | 2 | 43 |"), "{city}");
    // Outside uppsok: Sara holds no key to Stockholm's activity, details nor note.
    let keys = held_outside(&db, "sara", false).derive(KeyScheme::PerUnit);
    let rows = rows_outside(
        &db,
        "sara",
        "SELECT id, created_by, details, note FROM activities ORDER BY id",
    );
    assert_eq!(rows.len(), 2);
    let (own, other) = (&rows[1], &rows[0]);
    assert!(keys.open_in(2, Place::ActivityNote(own.0), &own.3).is_ok());
    for unit in [1, 2] {
        assert!(keys
            .open_in(unit, Place::ActivityNote(other.0), &other.3)
            .is_err());
        assert!(keys
            .open_in(unit, Place::ActivityDetails(other.0), &other.2)
            .is_err());
    }
    db.cmd().arg("audit").assert().success();
    // Each unit's activities are held to the last entry that committed to that unit's (a
    // unit's role on a server reads only its own): one removed behind uppsok's back is named
    // as its unit's, and the other unit's are as committed.
    db.tamper(&format!("DELETE FROM activities WHERE id = {}", own.0));
    let o = db.cmd().args(["audit", "-f", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let named: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "content_differs")
        .map(|f| f["record"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["activities:unit:2"], "{report:#}");
}

/// `unit role` makes a database role a unit's on a server (tests/postgres.rs uses it as the
/// owner, and fails the audit when the list is changed outside uppsok); what it refuses, on
/// either back end, changes nothing and logs no grant.
#[test]
fn a_units_database_role_is_an_administrators_to_grant_and_only_on_a_server() {
    let db = city();
    let grants =
        || db.sql_rows("SELECT count(*) FROM audit_log WHERE action = 'unit_role'")[0][0].clone();
    let before = grants();
    for (user, args, code, says) in [
        (
            ADMIN,
            ["unit", "role", "goteborg", "Uppsok-Göteborg"],
            2,
            "database role",
        ),
        (
            ADMIN,
            ["unit", "role", "uppsala", "uppsok_uppsala"],
            2,
            "no unit of that name",
        ),
        (
            "gus",
            ["unit", "role", "goteborg", "uppsok_goteborg"],
            1,
            "",
        ),
    ] {
        let o = db.cmd_as(user, PASS).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    // A file has no database roles: said so, nothing written.
    if db.server.is_none() {
        let o = db
            .cmd()
            .args(["unit", "role", "goteborg", "uppsok_goteborg"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("PostgreSQL server"), "{}", stderr(&o));
    } else {
        // On the application's role the server refuses writing the list (only the owner may):
        // the grant in the log goes with it.
        let o = db
            .cmd()
            .args(["unit", "role", "goteborg", "uppsok_goteborg"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    }
    assert_eq!(grants(), before);
    db.cmd().arg("audit").assert().success();
}
