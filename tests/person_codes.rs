//! A person code is code material the person gives (initials and birth year, a nickname), never
//! an identifier: a personnummer, samordningsnummer, phone number or e-mail address given as a
//! code is refused by `add` and `import`, naming the kind and never the value, and nothing is
//! written. An exported pseudonym (64 hex digits) imported back is not code material and passes.

mod common;
use common::*;

/// A personnummer with a valid check digit (1985-02-14), a samordningsnummer (day + 60), a
/// mobile number and an e-mail address, each with the kind the refusal names.
const IDENTIFIERS: &[(&str, &str)] = &[
    ("19850214-2386", "personnummer"),
    ("850214-2386", "personnummer"),
    ("8502142386", "personnummer"),
    ("850274-2383", "samordningsnummer"),
    ("070-123 45 67", "phone number"),
    ("+46 70 123 45 67", "phone number"),
    ("anna@example.se", "e-mail address"),
    // Look-alike spellings a red-team run got through on 2026-12-01.
    ("850214.2386", "personnummer"),
    ("850214\u{2212}2386", "personnummer"),
    (
        "\u{ff18}\u{ff15}\u{ff10}\u{ff12}\u{ff11}\u{ff14}\u{ff12}\u{ff13}\u{ff18}\u{ff16}",
        "personnummer",
    ),
    ("46701234567", "phone number"),
    ("anna\u{ff20}example.se", "e-mail address"),
];

fn count(db: &Db, table: &str) -> i64 {
    db.sql_i64(&format!("SELECT COUNT(*) FROM {table}"))
}

/// (contacts, persons, audit entries): what a refused command must leave as it was.
fn written(db: &Db) -> (i64, i64, i64) {
    (
        count(db, "contacts"),
        count(db, "persons"),
        count(db, "audit_log"),
    )
}

/// Digits and letters of a code as they could appear in a message, in any of the spellings
/// it was typed or normalised to.
fn assert_not_shown(text: &str, code: &str) {
    let normalised: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_lowercase();
    assert!(
        !text.contains(code) && !text.contains(&normalised),
        "the code is shown: {text}"
    );
    for part in code.split([' ', '-', '@']).filter(|p| p.len() >= 4) {
        assert!(
            !text.contains(part),
            "part '{part}' of the code is shown: {text}"
        );
    }
}

#[test]
fn add_refuses_an_identifier_as_a_code_naming_the_kind_never_the_value() {
    let db = Db::new();
    let before = written(&db);
    for &(code, kind) in IDENTIFIERS {
        let out = db.cmd().args(add_args(&["--code", code])).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(
            err.contains(&format!("a person code must not be a {kind}"))
                || err.contains(&format!("a person code must not be an {kind}")),
            "{kind}: {err}"
        );
        assert!(
            err.contains("--code")
                && err.contains("initials and birth year or a nickname")
                && !err.contains("panicked"),
            "{kind}: {err}"
        );
        assert_not_shown(&err, code);
        assert!(out.stdout.is_empty(), "{kind}");
        assert_eq!(written(&db), before, "{kind}: something was written");
    }
    // Codes as people give them still pass.
    for code in ["ab85", "AB 1985", "nick77", "A-B85", "åsa 62", "kim"] {
        let out = db.cmd().args(add_args(&["--code", code])).output().unwrap();
        assert!(out.status.success(), "{code}: {}", stderr(&out));
    }
    assert_eq!(db.stats_json(&[])["contacts"], 6);
    assert_eq!(
        db.stats_json(&[])["individuals"],
        5,
        "ab85 and A-B85 are one"
    );
}

#[test]
fn import_refuses_an_identifier_as_a_code_naming_line_and_column_never_the_value() {
    let db = Db::new();
    db.import(&format!(
        "{HEADER}2024-01-01,ab85,sells,woman,25-34,men,norrmalm,outreach,,no,\n"
    ));
    let before = written(&db);
    let mut csv = HEADER.to_string();
    csv.push_str("2024-03-01,cd90,sells,woman,25-34,men,norrmalm,outreach,,no,\n");
    for (code, _) in IDENTIFIERS {
        csv.push_str(&format!(
            "2024-03-01,\"{code}\",sells,woman,25-34,men,norrmalm,outreach,,no,\n"
        ));
    }
    for dry_run in [true, false] {
        let f = db.file("codes.csv", &csv);
        let mut cmd = db.cmd();
        cmd.arg("import").arg(&f);
        if dry_run {
            cmd.arg("--dry-run");
        }
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("othing was imported"), "{err}");
        for (i, &(code, kind)) in IDENTIFIERS.iter().enumerate() {
            let line = i + 3;
            let found = err.lines().find(|l| l.contains(&format!("line {line},")));
            let found = found.unwrap_or_else(|| panic!("line {line} not named: {err}"));
            assert!(
                found.contains("column person_code")
                    && found.contains(kind)
                    && found.contains("must not be")
                    && !found.contains("value"),
                "line {line}: {found}"
            );
            assert_not_shown(&err, code);
        }
        assert!(!err.contains("line 2,"), "the good row is not named: {err}");
        assert_eq!(written(&db), before, "nothing was written");
    }
}

#[test]
fn an_export_with_many_pseudonyms_imports_back_unchecked() {
    // Enough persons that some pseudonyms hold digit runs shaped like phone numbers.
    let a = Db::new();
    let mut csv = HEADER.to_string();
    for i in 0..300 {
        csv.push_str(&format!(
            "2024-01-01,p{i},sells,woman,25-34,men,norrmalm,outreach,,no,\n"
        ));
    }
    let o = a.import(&csv);
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = stdout(&a.cmd().arg("export").output().unwrap());
    let looks_like_identifiers = exported
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .filter(|code| !uppsok::pii::find_identifiers(code).is_empty())
        .count();
    assert!(
        looks_like_identifiers > 0,
        "no exported pseudonym looks like an identifier: the test proves nothing"
    );
    let b = Db::new();
    let o = b.import(&exported);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(b.stats_json(&[])["individuals"], 300);
    // Back into the same database: the same 300 persons.
    let o = a.import(&exported);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(a.stats_json(&[])["individuals"], 300);
    assert_eq!(a.stats_json(&[])["contacts"], 600);
}
