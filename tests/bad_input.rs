//! Bad input, as users type it: every malformed value is refused with exit status 2, a message
//! that names where and what, and nothing written.

mod common;
use common::*;

use std::process::Output;

// ----- helpers ---------------------------------------------------------------------------

fn count_rows(db: &Db, table: &str) -> i64 {
    db.sql_i64(&format!("SELECT count(*) FROM {table}"))
}

/// What must not change when input is refused.
#[derive(Debug, PartialEq, Eq)]
struct State {
    contacts: i64,
    persons: i64,
    audit: i64,
    nights: i64,
}

fn state(db: &Db) -> State {
    State {
        contacts: count_rows(db, "contacts"),
        persons: count_rows(db, "persons"),
        audit: count_rows(db, "audit_log"),
        nights: count_rows(db, "field_nights"),
    }
}

fn assert_clean(out: &Output) {
    for text in [stdout(out), stderr(out)] {
        assert!(!text.contains("panicked"), "{text}");
        assert!(!text.contains("RUST_BACKTRACE"), "{text}");
    }
}

/// The arguments of a valid `add`, with one flag replaced (or added).
fn add_with(flag: &str, value: &str) -> Vec<String> {
    let mut fields = vec![
        ("--date", "2024-03-01"),
        ("--code", "AB 85"),
        ("--role", "sells"),
        ("--gender", "woman"),
        ("--age-band", "25-34"),
        ("--counterpart", "men"),
        ("--district", "norrmalm"),
        ("--contact-type", "outreach"),
        ("--referrals", "health"),
        ("--trafficking", "no"),
        ("--note", "samtal"),
    ];
    match fields.iter_mut().find(|(f, _)| *f == flag) {
        Some(f) => f.1 = value,
        None => fields.push((flag, value)),
    }
    let mut args = vec!["add".to_string()];
    for (f, v) in fields {
        args.push(f.to_string());
        args.push(v.to_string());
    }
    args
}

fn tomorrow() -> String {
    (chrono::Local::now().date_naive() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string()
}

/// A CSV row with one column replaced. Columns as in [`HEADER`].
fn row_with(column: &str, value: &str) -> String {
    let mut v = vec![
        ("date", "2024-03-01"),
        ("person_code", "AB 85"),
        ("role", "sells"),
        ("gender", "woman"),
        ("age_band", "25-34"),
        ("counterpart", "men"),
        ("district", "norrmalm"),
        ("contact_type", "outreach"),
        ("referrals", "health;housing"),
        ("trafficking", "no"),
        ("note", "samtal"),
    ];
    if let Some(f) = v.iter_mut().find(|(c, _)| *c == column) {
        f.1 = value;
    } else {
        panic!("no column {column}");
    }
    let fields: Vec<String> = v.iter().map(|(_, x)| x.to_string()).collect();
    format!("{}\n", fields.join(","))
}

fn good_row() -> String {
    row_with("note", "samtal")
}

fn import_bytes(db: &Db, bytes: &[u8], extra: &[&str]) -> Output {
    let p = db.dir.path().join("in.csv");
    std::fs::write(&p, bytes).unwrap();
    db.cmd()
        .arg("import")
        .args(extra)
        .arg(&p)
        .output()
        .expect("run")
}

/// Imports `csv` and expects a refusal that changes nothing; returns stderr.
fn import_refused(db: &Db, csv: &[u8], what: &str) -> String {
    let before = state(db);
    let out = import_bytes(db, csv, &[]);
    assert_clean(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert_eq!(state(db), before, "{what}: something was written");
    // The same with --dry-run is refused the same way.
    let out = import_bytes(db, csv, &["--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what} --dry-run: {}",
        stderr(&out)
    );
    assert_eq!(state(db), before, "{what} --dry-run: something was written");
    err
}

// ----- add --------------------------------------------------------------------------------

#[test]
fn every_malformed_add_value_is_refused_naming_the_flag_and_the_value() {
    let db = Db::new();
    // A valid add works, so the refusals below are about the one bad value.
    let out = db.cmd().args(add_with("--note", "ok")).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let future = tomorrow();
    let cases: Vec<(&str, &str)> = vec![
        ("--date", "2024-3-1"),
        ("--date", "01/03/2024"),
        ("--date", "2024/03/01"),
        ("--date", "20240301"),
        ("--date", "2024-03-01T10:00"),
        ("--date", " 2024-03-01"),
        ("--date", "2023-02-29"),
        ("--date", "2024-02-30"),
        ("--date", "2023-02-30"),
        ("--date", "2024-13-01"),
        ("--date", "2024-00-10"),
        ("--date", "1899-12-31"),
        ("--date", &future),
        ("--date", "9999-12-31"),
        ("--date", "yesterday"),
        ("--date", ""),
        ("--role", "seller"),
        ("--role", "Sells"),
        ("--role", ""),
        ("--gender", "female"),
        ("--gender", "Kvinna"),
        ("--age-band", "18"),
        ("--age-band", "55-"),
        ("--age-band", "under-18"),
        ("--counterpart", "man"),
        ("--counterpart", "all"),
        ("--district", "NORRMALM"),
        ("--district", "atlantis"),
        ("--district", "sodermalm "),
        ("--contact-type", "phone"),
        ("--contact-type", "street"),
        ("--referrals", "health;;legal"),
        ("--referrals", "health;dentist"),
        ("--referrals", "health,legal"),
        ("--referrals", ";"),
        ("--trafficking", "maybe"),
        ("--trafficking", "Yes"),
        ("--trafficking", "1"),
        ("--trafficking", ""),
        ("--concern", "maybe"),
        ("--concern", "Made"),
    ];
    for (flag, value) in cases {
        let before = state(&db);
        let out = db.cmd().args(add_with(flag, value)).output().unwrap();
        assert_clean(&out);
        let err = stderr(&out);
        let what = format!("{flag} '{value}'");
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.contains(flag),
            "{what}: the message does not name the flag: {err}"
        );
        assert!(
            err.contains(&format!("'{value}'")),
            "{what}: the message does not show the value: {err}"
        );
        assert!(
            err.contains("expected"),
            "{what}: says not what is expected: {err}"
        );
        assert!(out.stdout.is_empty(), "{what}: {}", stdout(&out));
        assert_eq!(state(&db), before, "{what}: something was written");
    }
    // Several bad values at once are all named.
    let mut args = add_with("--role", "seller");
    let i = args.iter().position(|a| a == "--district").unwrap();
    args[i + 1] = "atlantis".into();
    let out = db.cmd().args(&args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'seller'") && err.contains("'atlantis'"),
        "{err}"
    );
}

#[test]
fn add_refuses_a_missing_or_unknown_flag_and_a_field_night_that_does_not_exist() {
    let db = Db::new();
    let before = state(&db);
    // A required flag left out, an unknown flag, a non-number field night: clap, exit 2.
    let mut no_role = add_with("--role", "sells");
    let i = no_role.iter().position(|a| a == "--role").unwrap();
    no_role.drain(i..i + 2);
    for (what, args) in [
        ("no --role", no_role),
        ("unknown flag", add_with("--colour", "red")),
        (
            "field night not a number",
            add_with("--field-night", "tuesday"),
        ),
    ] {
        let out = db.cmd().args(&args).output().unwrap();
        assert_clean(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert_eq!(state(&db), before, "{what}");
    }
    // A field night that does not exist.
    let out = db
        .cmd()
        .args(add_with("--field-night", "99"))
        .output()
        .unwrap();
    assert_clean(&out);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        (err.contains("--field-night") || err.contains("field night")) && err.contains("99"),
        "{err}"
    );
    assert_eq!(state(&db), before);
    // One that exists is accepted.
    db.cmd()
        .args(["night", "add", "--date", "2024-03-01", "--kind", "street"])
        .args(["--district", "norrmalm", "--staff", "2"])
        .assert()
        .success();
    let out = db
        .cmd()
        .args(add_with("--field-night", "1"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn add_refuses_a_note_with_an_identifier_without_showing_it() {
    let db = Db::new();
    let cases = [
        ("personnummer", "föddes 19850101-2382 enligt henne"),
        ("personnummer", "pnr 850101-2382"),
        ("phone", "ring 070-123 45 67 imorgon"),
        ("phone", "+46 70 123 45 67"),
        ("email", "skriv till anna.k@example.se"),
    ];
    for (kind, note) in cases {
        let before = state(&db);
        let out = db.cmd().args(add_with("--note", note)).output().unwrap();
        assert_clean(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(err.contains(kind), "{kind}: the kind is not named: {err}");
        assert!(err.contains("note"), "{err}");
        for secret in ["2382", "123 45", "example.se", "anna.k"] {
            assert!(!err.contains(secret), "{kind}: shows the identifier: {err}");
        }
        assert_eq!(state(&db), before, "{kind}");
    }
    // Let through on purpose, it is stored and the override is audited.
    let out = db
        .cmd()
        .args(add_with("--note", "ring 070-123 45 67 imorgon"))
        .arg("--allow-identifiers")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let last = db.sql_rows("SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1");
    let (action, detail) = (last[0][0].clone(), last[0][1].clone());
    assert_eq!(action, "identifier_override");
    assert!(
        detail.contains("phone") && !detail.contains("070"),
        "{detail}"
    );
}

// ----- import -----------------------------------------------------------------------------

#[test]
fn every_bad_value_in_every_column_is_named_with_line_column_and_value() {
    let db = Db::new();
    let future = tomorrow();
    let cases: Vec<(&str, &str)> = vec![
        ("date", "2024-3-1"),
        ("date", "01/03/2024"),
        ("date", "2023-02-29"),
        ("date", "2024-02-30"),
        ("date", "2024-13-01"),
        ("date", &future),
        ("date", ""),
        ("role", "seller"),
        ("role", ""),
        ("gender", "female"),
        ("age_band", "18"),
        ("counterpart", "man"),
        ("district", "atlantis"),
        ("district", "NORRMALM"),
        ("contact_type", "phone"),
        ("referrals", "health;;legal"),
        ("referrals", "dentist"),
        ("trafficking", "maybe"),
        ("trafficking", ""),
    ];
    for (column, value) in cases {
        // The bad row is the third record; the first two are good.
        let csv = format!(
            "{HEADER}{}{}{}",
            good_row(),
            good_row(),
            row_with(column, value)
        );
        let what = format!("{column} '{value}'");
        let err = import_refused(&db, csv.as_bytes(), &what);
        assert!(err.contains("line 4"), "{what}: no line number: {err}");
        assert!(
            !err.contains("line 2,") && !err.contains("line 3,"),
            "{what}: {err}"
        );
        assert!(
            err.contains(&format!("column {column}")),
            "{what}: no column: {err}"
        );
        assert!(
            err.contains(&format!("'{value}'")),
            "{what}: no value: {err}"
        );
        assert!(
            err.to_lowercase().contains("nothing was imported"),
            "{what}: {err}"
        );
    }
    // A valid file imports, so the refusals were about the values.
    let out = db.import(&format!("{HEADER}{}", good_row()));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&db, "contacts"), 1);
}

#[test]
fn every_bad_value_of_one_row_is_named() {
    let db = Db::new();
    let csv = format!(
        "{HEADER}{}2024-13-01,x,seller,female,18,man,atlantis,phone,dentist,maybe,ok\n",
        good_row()
    );
    let err = import_refused(&db, csv.as_bytes(), "many bad values");
    for col in [
        "date",
        "role",
        "gender",
        "age_band",
        "counterpart",
        "district",
        "contact_type",
        "referrals",
        "trafficking",
    ] {
        assert!(
            err.contains(&format!("line 3, column {col}")),
            "{col}: {err}"
        );
    }
}

#[test]
fn bad_headers_are_refused_naming_the_column() {
    let db = Db::new();
    let body = good_row();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing column",
            format!("{}{body}", HEADER.replace(",trafficking", "")),
            "trafficking",
        ),
        (
            "unknown column",
            format!("{}{body}", HEADER.replace("\n", ",colour\n")),
            "colour",
        ),
        (
            "misspelt column",
            format!("{}{body}", HEADER.replace("note", "notes")),
            "notes",
        ),
        (
            "duplicated column",
            format!("{}{body}", HEADER.replace("\n", ",role\n")),
            "role",
        ),
        (
            "only some columns",
            "date,person_code\n".to_string(),
            "role",
        ),
    ];
    for (what, csv, column) in cases {
        let err = import_refused(&db, csv.as_bytes(), what);
        assert!(err.contains(column), "{what}: {err}");
        assert!(
            err.contains("line 1") || err.contains("header"),
            "{what}: {err}"
        );
    }
    // The ignored columns are accepted.
    let csv = format!(
        "{}{}",
        HEADER.replace("\n", ",id,field_night\n"),
        good_row().replace("\n", ",17,\n")
    );
    let out = db.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn wrong_field_counts_broken_quotes_and_invalid_utf8_are_refused_by_line() {
    let db = Db::new();
    let good = good_row();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "too few fields",
            format!("{HEADER}{good}2024-03-01,x,sells\n").into_bytes(),
            "line 3",
        ),
        (
            "too many fields",
            format!("{HEADER}{good}{good}{}", good.replace("\n", ",extra\n")).into_bytes(),
            "line 4",
        ),
        (
            "unclosed quote",
            format!("{HEADER}{good}{}", good.replace(",sells,", ",\"sells,")).into_bytes(),
            "line 3",
        ),
        (
            "invalid UTF-8 in a note",
            [
                HEADER.as_bytes(),
                good.as_bytes(),
                b"2024-03-01,,sells,woman,25-34,men,norrmalm,outreach,,no,caf\xe9\n",
            ]
            .concat(),
            "line 3",
        ),
        (
            "invalid UTF-8 in a code",
            [
                HEADER.as_bytes(),
                b"2024-03-01,\xff\xfe,sells,woman,25-34,men,norrmalm,outreach,,no,\n",
            ]
            .concat(),
            "line 2",
        ),
        (
            "Latin-1 file",
            [
                HEADER.as_bytes(),
                b"2024-03-01,,sells,woman,25-34,men,norrmalm,outreach,,no,s\xe5g henne\n",
            ]
            .concat(),
            "UTF-8",
        ),
        (
            "invalid UTF-8 in the header",
            [
                HEADER.replace("note\n", "").as_bytes(),
                b"n\xf6te\n",
                good.as_bytes(),
            ]
            .concat(),
            "UTF-8",
        ),
    ];
    for (what, csv, needle) in cases {
        let err = import_refused(&db, &csv, what);
        assert!(err.contains(needle), "{what}: {err}");
        assert!(!err.contains("caf\u{fffd}"), "{what}: {err}");
    }
    // A bad record after a multi-line record is named by the line where it starts.
    let csv = format!(
        "{HEADER}{}{}",
        good.replace("samtal", "\"tre\nrader\nlång\""),
        row_with("role", "seller")
    );
    let err = import_refused(&db, csv.as_bytes(), "after a multi-line note");
    assert!(err.contains("line 5, column role"), "{err}");
    // And a multi-line bad record by its first line.
    let csv = format!(
        "{HEADER}{}{}",
        good,
        row_with("role", "seller").replace("samtal", "\"två\nrader\"")
    );
    let err = import_refused(&db, csv.as_bytes(), "a multi-line bad record");
    assert!(err.contains("line 3, column role"), "{err}");
}

#[test]
fn an_empty_file_is_refused_and_a_header_only_file_imports_nothing() {
    let db = Db::new();
    let err = import_refused(&db, b"", "empty file");
    assert!(err.contains("empty"), "{err}");
    let err = import_refused(&db, b"\xEF\xBB\xBF", "only a BOM");
    assert!(err.contains("empty"), "{err}");
    let before = state(&db);
    let out = import_bytes(&db, HEADER.as_bytes(), &[]);
    assert_clean(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Imported 0 contacts"),
        "{}",
        stdout(&out)
    );
    assert_eq!(count_rows(&db, "contacts"), before.contacts);
    // Without the final line break too.
    let out = import_bytes(&db, HEADER.trim_end().as_bytes(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&db, "contacts"), before.contacts);
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

#[test]
fn swedish_values_are_accepted_by_import_and_add_and_exported_in_english() {
    // CONTRACT.md "Swedish input": the words the interface shows in Swedish are values too;
    // export keeps the one English spelling.
    let db = Db::new();
    let csv = format!(
        "{HEADER}2024-03-01,AB 85,säljer,kvinna,under 18,män,Södermalm,uppsökande,\"hälso- och sjukvård;skyddat boende\",ja,samtal\n"
    )
    .replace(",trafficking,note\n", ",trafficking,note,concern\n")
    .replace(",ja,samtal\n", ",ja,samtal,kommer att göras\n");
    let out = import_bytes(&db, csv.as_bytes(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = db
        .cmd()
        .args([
            "add",
            "--date",
            "2024-03-02",
            "--code",
            "cd90",
            "--role",
            "köper",
            "--gender",
            "man",
            "--age-band",
            "okänt",
            "--counterpart",
            "kvinnor",
            "--district",
            "Hägersten-Älvsjö",
            "--contact-type",
            "internet",
            "--trafficking",
            "nej",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = exported(&db);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["role"], "sells");
    assert_eq!(rows[0]["gender"], "woman");
    assert_eq!(rows[0]["age_band"], "under18");
    assert_eq!(rows[0]["counterpart"], "men");
    assert_eq!(rows[0]["district"], "sodermalm");
    assert_eq!(rows[0]["contact_type"], "outreach");
    assert_eq!(
        rows[0]["referrals"],
        serde_json::json!(["health", "shelter"])
    );
    assert_eq!(rows[0]["trafficking"], "yes");
    assert_eq!(rows[0]["concern"], "will-be-made");
    assert_eq!(rows[1]["role"], "buys");
    assert_eq!(rows[1]["age_band"], "unknown");
    assert_eq!(rows[1]["counterpart"], "women");
    assert_eq!(rows[1]["district"], "hagersten-alvsjo");
    assert_eq!(rows[1]["contact_type"], "online");
    assert_eq!(rows[1]["trafficking"], "no");
}

#[test]
fn bom_quotes_commas_newlines_and_crlf_are_read_correctly() {
    let db = Db::new();
    let note = "sa \"hej\", sen\nny rad, och å ä ö";
    let quoted = format!("\"{}\"", note.replace('"', "\"\""));
    let csv = format!(
        "\u{feff}{HEADER}{}{}",
        row_with("note", &quoted),
        row_with("referrals", "\"health;legal\"")
    );
    let out = import_bytes(&db, csv.as_bytes(), &[]);
    assert!(out.status.success(), "BOM + quotes: {}", stderr(&out));
    let crlf = format!(
        "{HEADER}{}{}",
        good_row(),
        row_with("note", "\"två\nrader\"")
    )
    .replace('\n', "\r\n");
    let out = import_bytes(&db, crlf.as_bytes(), &[]);
    assert!(out.status.success(), "CRLF: {}", stderr(&out));
    let rows = exported(&db);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["note"], note);
    assert_eq!(rows[1]["referrals"], serde_json::json!(["health", "legal"]));
    assert_eq!(rows[2]["note"], "samtal", "a CR was kept in the last field");
    assert_eq!(rows[2]["trafficking"], "no");
    assert_eq!(rows[3]["note"], "två\r\nrader");
    // A CRLF file with a bad row names the right line.
    let crlf = format!(
        "{HEADER}{}{}{}",
        good_row(),
        row_with("note", "\"två\nrader\""),
        row_with("gender", "female")
    )
    .replace('\n', "\r\n");
    let err = import_refused(&db, crlf.as_bytes(), "CRLF with a bad row");
    assert!(err.contains("line 5, column gender"), "{err}");
    // Blank lines before a bad row count as lines.
    let blank = format!("{HEADER}{}\n\n{}", good_row(), row_with("gender", "female"));
    let err = import_refused(&db, blank.as_bytes(), "blank lines");
    assert!(err.contains("line 5, column gender"), "{err}");
    let err = import_refused(
        &db,
        blank.replace('\n', "\r\n").as_bytes(),
        "blank CRLF lines",
    );
    assert!(err.contains("line 5, column gender"), "{err}");
    // A last row without a line break.
    let last = format!("{HEADER}{}{}", good_row(), row_with("gender", "female"));
    let err = import_refused(&db, last.trim_end().as_bytes(), "no final line break");
    assert!(err.contains("line 3, column gender"), "{err}");
    // A BOM file with a bad row: line numbers are not shifted.
    let bom = format!("\u{feff}{HEADER}{}", row_with("gender", "female"));
    let err = import_refused(&db, bom.as_bytes(), "BOM with a bad row");
    assert!(err.contains("line 2, column gender"), "{err}");
}

#[test]
fn more_than_twenty_problems_are_cut_at_twenty_with_a_count_of_the_rest() {
    let db = Db::new();
    let mut csv = HEADER.to_string();
    for _ in 0..25 {
        csv.push_str(&row_with("role", "seller"));
    }
    let err = import_refused(&db, csv.as_bytes(), "25 bad rows");
    let listed = err.lines().filter(|l| l.contains("column role")).count();
    assert_eq!(listed, 20, "{err}");
    assert!(err.contains("line 21, column role"), "{err}");
    assert!(!err.contains("line 22, column role"), "{err}");
    assert!(err.contains("... and 5 more"), "{err}");
    // Rows with two problems each: 30 problems, 20 shown.
    let mut csv = HEADER.to_string();
    for _ in 0..15 {
        csv.push_str(&row_with("role", "seller").replace("woman", "female"));
    }
    let err = import_refused(&db, csv.as_bytes(), "30 problems");
    assert!(err.contains("... and 10 more"), "{err}");
    assert_eq!(err.lines().filter(|l| l.contains(", column ")).count(), 20);
    // Exactly twenty: no "more" line.
    let mut csv = HEADER.to_string();
    for _ in 0..20 {
        csv.push_str(&row_with("role", "seller"));
    }
    let err = import_refused(&db, csv.as_bytes(), "20 bad rows");
    assert!(!err.contains("more"), "{err}");
}

#[test]
fn a_bad_row_anywhere_imports_nothing_even_after_many_good_ones() {
    let db = Db::new();
    let mut csv = HEADER.to_string();
    for _ in 0..300 {
        csv.push_str(&good_row());
    }
    csv.push_str(&row_with("district", "atlantis"));
    let err = import_refused(&db, csv.as_bytes(), "bad last row");
    assert!(err.contains("line 302, column district"), "{err}");
    assert_eq!(count_rows(&db, "persons"), 0);
}

/// An import checks and seals its rows on several threads, a batch of 512 at a time: rows are
/// still numbered, stored and reported in the order of the file, however the threads finish.
#[test]
fn a_large_import_keeps_the_files_order_and_reports_bad_rows_in_it() {
    let db = Db::new();
    let rows = 5_000;
    let row = |i: usize| {
        let note = format!("rad {i}");
        let code = format!("P{}", i % 1_500);
        row_with("note", &note).replacen("AB 85", &code, 1)
    };
    // Bad rows in three batches, far apart: named by line, in the file's order.
    let mut csv = HEADER.to_string();
    for i in 0..rows {
        match i {
            700 | 2_600 | 4_900 => csv.push_str(&row_with("district", "atlantis")),
            _ => csv.push_str(&row(i)),
        }
    }
    let err = import_refused(&db, csv.as_bytes(), "three bad rows");
    let lines: Vec<usize> = ["line 702,", "line 2602,", "line 4902,"]
        .iter()
        .map(|l| err.find(l).unwrap_or_else(|| panic!("{l}: {err}")))
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{err}");
    assert_eq!(count_rows(&db, "contacts"), 0);
    // Every row good: contact n is the file's row n, its person the one of its code.
    let mut csv = HEADER.to_string();
    (0..rows).for_each(|i| csv.push_str(&row(i)));
    let out = import_bytes(&db, csv.as_bytes(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let contacts = exported(&db);
    assert_eq!(contacts.len(), rows);
    let mut first_of_code = std::collections::HashMap::new();
    for (i, c) in contacts.iter().enumerate() {
        assert_eq!(c["id"].as_i64(), Some(i as i64 + 1));
        assert_eq!(c["note"].as_str(), Some(format!("rad {i}").as_str()));
        let pseudonym = c["person_code"].as_str().unwrap().to_string();
        let first = first_of_code.entry(i % 1_500).or_insert(pseudonym.clone());
        assert_eq!(&pseudonym, first, "row {i}");
    }
    assert_eq!(count_rows(&db, "persons"), 1_500);
}

#[test]
fn identifiers_in_notes_are_refused_by_line_and_kind_without_being_shown() {
    let db = Db::new();
    let csv = format!(
        "{HEADER}{}{}{}{}{}",
        good_row(),
        row_with("note", "föddes 19850101-2382"),
        row_with("note", "samordning 850161-2389"),
        row_with("note", "\"ring 070-123 45 67, sen\""),
        row_with("note", "mejl anna.k@example.se"),
    );
    let err = import_refused(&db, csv.as_bytes(), "identifiers");
    for (line, kind) in [
        ("line 3", "personnummer"),
        ("line 5", "phone"),
        ("line 6", "email"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(line) && l.contains(kind)),
            "{line} {kind}: {err}"
        );
    }
    assert!(err.contains("line 4"), "{err}");
    for secret in [
        "19850101",
        "2382",
        "850161",
        "2389",
        "070",
        "123 45",
        "anna.k",
        "example.se",
    ] {
        assert!(!err.contains(secret), "shows '{secret}': {err}");
    }
    // With --allow-identifiers the same file imports, and the override is audited.
    let before = state(&db);
    let out = import_bytes(&db, csv.as_bytes(), &["--allow-identifiers"]);
    assert_clean(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&db, "contacts"), before.contacts + 5);
    let entry =
        db.sql_rows("SELECT objects, detail FROM audit_log WHERE action = 'identifier_override'");
    let (objects, detail) = (entry[0][0].clone(), entry[0][1].clone());
    assert_eq!(objects, "contact:2,contact:3,contact:4,contact:5");
    for kind in ["personnummer", "phone", "email"] {
        assert!(detail.contains(kind), "{detail}");
    }
    for secret in ["19850101", "070", "anna.k"] {
        assert!(!detail.contains(secret) && !objects.contains(secret));
    }
}

#[test]
fn dry_run_checks_everything_and_writes_nothing() {
    let db = Db::new();
    let mut csv = HEADER.to_string();
    for i in 0..10 {
        csv.push_str(&row_with("person_code", &format!("P{i}")));
    }
    let before = state(&db);
    // On a file, not a byte of it changes either (a server's rows are `state`'s).
    let file_before = db
        .server
        .is_none()
        .then(|| std::fs::read(&db.path).unwrap());
    let out = import_bytes(&db, csv.as_bytes(), &["--dry-run"]);
    assert_clean(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("10 rows"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("Nothing was imported"),
        "{}",
        stdout(&out)
    );
    assert_eq!(state(&db), before);
    if let Some(bytes) = file_before {
        assert_eq!(std::fs::read(&db.path).unwrap(), bytes);
    }
    let out = import_bytes(&db, csv.as_bytes(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count_rows(&db, "contacts"), 10);
}

#[test]
fn a_missing_import_file_is_refused_before_anything() {
    let db = Db::new();
    let before = state(&db);
    let out = db
        .cmd()
        .arg("import")
        .arg(db.dir.path().join("nope.csv"))
        .output()
        .unwrap();
    assert_clean(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nope.csv"), "{}", stderr(&out));
    assert_eq!(state(&db), before);
}

// ----- stats and the command line ---------------------------------------------------------

#[test]
fn bad_stats_options_are_refused_with_a_message() {
    let db = Db::new();
    let out = db.cmd().args(add_with("--note", "")).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--by", "colour"], "colour"),
        (vec!["--by", "role,colour"], "colour"),
        (vec!["--by", "role,role"], "role"),
        (vec!["--filter", "role=seller"], "seller"),
        (vec!["--filter", "colour=red"], "colour"),
        (vec!["--filter", "role"], "role"),
        (vec!["--filter", "district=atlantis"], "atlantis"),
        (vec!["--from", "2024-13-01"], "2024-13-01"),
        (vec!["--to", "2024-02-30"], "2024-02-30"),
        (vec!["--from", "01/01/2024"], "01/01/2024"),
        (vec!["--from", "2024-06-01", "--to", "2024-01-01"], "--from"),
        (vec!["--year", "2024", "--from", "2024-01-01"], "--year"),
        (vec!["--year", "twenty"], "twenty"),
        (vec!["--format", "xml"], "xml"),
        (vec!["--publish", "--threshold", "2"], "--threshold"),
        (vec!["--threshold", "7"], "--publish"),
        (vec!["--csv-separator", "x"], "--csv-separator"),
        (vec!["--colour"], "--colour"),
    ];
    for (args, needle) in cases {
        let before = state(&db);
        let out = db.cmd().arg("stats").args(&args).output().unwrap();
        assert_clean(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: the message does not name '{needle}': {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: printed {}", stdout(&out));
        assert_eq!(state(&db), before, "{args:?}: something was written");
    }
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let db = Db::new();
    for args in [
        vec!["frobnicate"],
        vec!["export", "--format", "xml"],
        vec!["export", "--colour"],
        vec!["user", "add", "eve", "--role", "boss"],
        vec!["user", "frobnicate"],
        vec!["night", "add", "--date", "2024-01-01"],
        vec!["import"],
        vec!["--lang", "de", "stats"],
    ] {
        let before = state(&db);
        let out = db.cmd().args(&args).output().unwrap();
        assert_clean(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?}: no message");
        assert_eq!(state(&db), before, "{args:?}");
    }
}

#[test]
fn bad_field_night_values_are_refused_naming_the_flag() {
    let db = Db::new();
    let future = tomorrow();
    for (flag, value) in [
        ("--date", "2024-02-30"),
        ("--date", future.as_str()),
        ("--kind", "park"),
        ("--district", "atlantis"),
        ("--staff", "0"),
        ("--staff", "many"),
        ("--staff", "100"),
    ] {
        let mut args = vec![
            "night",
            "add",
            "--date",
            "2024-03-01",
            "--kind",
            "street",
            "--district",
            "norrmalm",
            "--staff",
            "2",
        ];
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        let before = state(&db);
        let out = db.cmd().args(&args).output().unwrap();
        assert_clean(&out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(
            err.contains(flag) && err.contains(value),
            "{flag} {value}: {err}"
        );
        assert_eq!(state(&db), before);
    }
}
