//! The under-18 answer (a report of concern made, to be made, not made) as a category, issue 13:
//! `add --concern`, the `concern` column of export and import, JSON, and the `stats`
//! dimension and filter `concern`, all against the real binary.

mod common;
use common::*;

use serde_json::Value;

fn count_rows(db: &Db, table: &str) -> i64 {
    db.sql_i64(&format!("SELECT count(*) FROM {table}"))
}

/// Contacts, persons and log entries: what a refused command must leave as it was.
fn state(db: &Db) -> (i64, i64, i64) {
    (
        count_rows(db, "contacts"),
        count_rows(db, "persons"),
        count_rows(db, "audit_log"),
    )
}

/// `add` with an age band and, if given, `--concern`.
fn add(db: &Db, code: &str, age_band: &str, concern: Option<&str>) -> std::process::Output {
    let mut args = add_args(&[]);
    let at = args.iter().position(|a| a == "--age-band").unwrap();
    args[at + 1] = age_band.to_string();
    if !code.is_empty() {
        args.extend(["--code".to_string(), code.to_string()]);
    }
    if let Some(c) = concern {
        args.extend(["--concern".to_string(), c.to_string()]);
    }
    db.cmd().args(args).output().unwrap()
}

fn export(db: &Db, format: &str) -> String {
    let out = db
        .cmd()
        .args(["export", "--format", format])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// The groups of `stats --by concern`: (value, contacts, individuals), null as -1.
fn by_concern(db: &Db, extra: &[&str]) -> Vec<(String, i64, i64)> {
    let mut args = vec!["--by", "concern"];
    args.extend(extra);
    let v = db.stats_json(&args);
    let n = |x: &Value| x.as_i64().unwrap_or(-1);
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["concern"].as_str().unwrap().to_string(),
                n(&g["contacts"]),
                n(&g["individuals"]),
            )
        })
        .collect()
}

#[test]
fn add_with_the_answer_is_exported_counted_by_stats_and_imported_back() {
    let db = Db::new();
    for (code, age, concern) in [
        ("ab85", "under18", Some("made")),
        ("ab85", "under18", Some("made")),
        ("cd90", "under18", Some("will-be-made")),
        ("", "under18", Some("not-made")),
        ("ef77", "25-34", None),
    ] {
        let out = add(&db, code, age, concern);
        assert!(out.status.success(), "{code} {age}: {}", stderr(&out));
    }

    // Export: the column after the note, in English machine values, empty for no answer.
    let csv = export(&db, "csv");
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",trafficking,note,concern,projects,id,field_night"),
        "{header}"
    );
    let concern_of = |line: &str| line.split(',').nth(11).unwrap().to_string();
    let column: Vec<String> = lines.map(concern_of).collect();
    assert_eq!(
        column,
        ["made", "made", "will-be-made", "not-made", ""],
        "{csv}"
    );
    let json: Value = serde_json::from_str(&export(&db, "json")).unwrap();
    let answers: Vec<Value> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["concern"].clone())
        .collect();
    assert_eq!(
        answers,
        [
            Value::from("made"),
            Value::from("made"),
            Value::from("will-be-made"),
            Value::from("not-made"),
            Value::Null
        ]
    );

    // Stats: a dimension (none for no answer) and a filter.
    let want = |v: &[(&str, i64, i64)]| -> Vec<(String, i64, i64)> {
        v.iter().map(|(a, b, c)| (a.to_string(), *b, *c)).collect()
    };
    assert_eq!(
        by_concern(&db, &[]),
        want(&[
            ("none", 1, 1),
            ("made", 2, 1),
            ("will-be-made", 1, 1),
            ("not-made", 1, 0)
        ])
    );
    let v = db.stats_json(&["--filter", "concern=made,will-be-made"]);
    assert_eq!(
        (v["contacts"].as_i64(), v["individuals"].as_i64()),
        (Some(3), Some(2))
    );
    let v = db.stats_json(&["--filter", "concern=none"]);
    assert_eq!(v["contacts"].as_i64(), Some(1));
    // Under disclosure control like every dimension: every cell here is small.
    assert_eq!(
        by_concern(&db, &["--publish"]),
        want(&[
            ("none", -1, -1),
            ("made", -1, -1),
            ("will-be-made", -1, -1),
            ("not-made", -1, 0)
        ])
    );

    // The report has a table of them, under the same disclosure control.
    for (lang, heading, made) in [
        (
            "en",
            "## Reports of concern (under 18)",
            r"| made | \<5 | \<5 |",
        ),
        (
            "sv",
            "## Orosanmälningar (under 18 år)",
            r"| gjord | \<5 | \<5 |",
        ),
    ] {
        let out = db
            .cmd()
            .args(["report", "--format", "md", "--lang", lang])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let md = stdout(&out);
        assert!(md.contains(heading) && md.contains(made), "{md}");
    }

    // Import what export wrote, elsewhere: the same answers and the same counts.
    let other = Db::new();
    let out = other.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
    // (Every column but the pseudonym, which is keyed again with the other database's key.)
    let without_code = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells[1] = if cells[1].is_empty() { "" } else { "P" };
                cells.join(",")
            })
            .collect()
    };
    assert_eq!(without_code(&export(&other, "csv")), without_code(&csv));
    assert_eq!(by_concern(&other, &[]), by_concern(&db, &[]));
}

#[test]
fn a_file_without_the_column_still_imports_with_no_answers() {
    let db = Db::new();
    let csv = format!(
        "{HEADER}2024-03-01,ab85,sells,woman,under18,men,norrmalm,outreach,,no,\n\
         2024-03-02,cd90,sells,woman,25-34,men,norrmalm,outreach,,no,\n"
    );
    let out = db.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(by_concern(&db, &[]), [("none".to_string(), 2, 2)]);
    // And with the column in another place, answers in it.
    let csv = "concern,date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note\n\
               will-be-made,2024-03-03,ab85,sells,woman,under18,men,norrmalm,outreach,,no,\n";
    let out = db.import(csv);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        by_concern(&db, &[]),
        [
            ("none".to_string(), 2, 2),
            ("will-be-made".to_string(), 1, 1)
        ]
    );
}

#[test]
fn a_bad_or_misplaced_answer_is_refused_clearly_and_nothing_changes() {
    let db = Db::new();
    assert!(add(&db, "ab85", "under18", Some("made")).status.success());
    let before = state(&db);

    // Not one of the answers: the flag, the value and the answers named.
    let out = add(&db, "ab85", "under18", Some("maybe"));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--concern 'maybe'") && err.contains("made, will-be-made, not-made"),
        "{err}"
    );
    // An answer for someone who is not under 18.
    let out = add(&db, "ab85", "25-34", Some("made"));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--concern") && err.contains("under18"),
        "{err}"
    );
    assert!(!err.contains("'made'"), "a category is never echoed: {err}");
    // Under 18 without an answer: asked for, as the interface does.
    let out = add(&db, "ab85", "under18", None);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--concern") && err.contains("made, will-be-made, not-made"),
        "{err}"
    );
    assert!(!err.contains("panicked") && !err.contains("ab85"), "{err}");
    assert_eq!(state(&db), before);

    // Import: line, column and value named; nothing imported.
    let header = HEADER.replace("note\n", "note,concern\n");
    let csv = format!(
        "{header}2024-03-01,ab85,sells,woman,under18,men,norrmalm,outreach,,no,,made\n\
         2024-03-01,ab85,sells,woman,under18,men,norrmalm,outreach,,no,,perhaps\n\
         2024-03-01,ab85,sells,woman,45-54,men,norrmalm,outreach,,no,,not-made\n"
    );
    let out = db.import(&csv);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 3, column concern, value 'perhaps'"),
        "{err}"
    );
    assert!(err.contains("line 4, column concern:"), "{err}");
    assert!(
        !err.contains("'not-made'"),
        "a category is never echoed: {err}"
    );
    assert_eq!(state(&db), before);

    // Stats: a value that is no answer.
    let out = db
        .cmd()
        .args(["stats", "--by", "concern", "--filter", "concern=yes"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("'yes' is not a value of concern"), "{err}");
}
