//! The command line's output in the language asked for (`--lang`, `UPPSOK_LANG`), run as a
//! user runs it: Swedish for people, English as before, machine formats English in both.

mod common;

use std::process::Output;

use common::{add_args, stderr, stdout, Db, HEADER};

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

/// `backup` in `lang`: on a file, the copy made and where, and the checkpoint; on a server, a
/// refusal that says what to use instead (`pg_dump`).
fn backup_says(db: &Db, lang: &str, starts: &str, checkpoint: &str) {
    let backup = db.dir.path().join("kopia.db");
    let o = run(db, lang, &["backup", backup.to_str().unwrap()]);
    if common::on_server_backend() {
        assert_eq!(o.status.code(), Some(1));
        assert!(
            common::stderr(&o).contains("pg_dump"),
            "{}",
            common::stderr(&o)
        );
    } else {
        let out = ok(&o);
        assert!(out.starts_with(starts), "{out}");
        assert!(out.contains(checkpoint), "{out}");
    }
}

/// Runs a command as the admin in `lang`.
fn run(db: &Db, lang: &str, args: &[&str]) -> Output {
    db.cmd()
        .args(["--lang", lang])
        .args(args)
        .output()
        .expect("run")
}

/// Two contacts of two persons, on a street night in Södermalm.
const CSV: &str = "2024-01-02,XY 1,buys,man,35-44,women,sodermalm,outreach,health;housing,no,\n\
                   2024-01-03,ZZ 9,sells,woman,18-24,men,farsta,online,,yes,\n";

/// A unit with a contact (id 1, under 18), two imported ones, a field night and a user,
/// each step's output in `lang`.
fn unit(lang: &str) -> (Db, Vec<String>) {
    let db = Db::new();
    let mut said = Vec::new();
    let mut add = add_args(&[
        "--code",
        "AB 85",
        "--note",
        "första mötet",
        "--concern",
        "made",
    ]);
    let band = add.iter().position(|a| a == "--age-band").unwrap();
    add[band + 1] = "under18".into();
    let add: Vec<&str> = add.iter().map(String::as_str).collect();
    said.push(ok(&run(&db, lang, &add)));
    let csv = db.file("two.csv", &format!("{HEADER}{CSV}"));
    let csv = csv.to_str().unwrap();
    said.push(ok(&run(&db, lang, &["import", csv, "--dry-run"])));
    said.push(ok(&run(&db, lang, &["import", csv])));
    said.push(ok(&run(
        &db,
        lang,
        &[
            "night",
            "add",
            "--date",
            "2024-03-01",
            "--kind",
            "street",
            "--district",
            "sodermalm",
            "--staff",
            "2",
        ],
    )));
    let o = db
        .cmd()
        .args(["--lang", lang, "user", "add", "olle", "--role", "outreach"])
        .env("UPPSOK_NEW_PASSPHRASE", common::PASS)
        .output()
        .unwrap();
    said.push(ok(&o));
    (db, said)
}

#[test]
fn swedish_is_printed_for_people_in_swedish() {
    let (db, said) = unit("sv");
    assert_eq!(said[0], "Kontakt 1 loggad.\n");
    assert_eq!(
        said[1],
        "2 rader kontrollerade: alla giltiga. Inget importerades (--dry-run).\n"
    );
    assert_eq!(said[2], "Importerade 2 kontakter (2 nya personer).\n");
    assert!(
        said[3].starts_with("Uppsökarkväll 1 sparad."),
        "{}",
        said[3]
    );
    assert_eq!(said[4], "Användaren 'olle' tillagd med rollen uppsökare.\n");

    let show = ok(&run(&db, "sv", &["contact", "show", "2"]));
    for word in [
        "Kontakt 2",
        "datum",
        "känd kod",
        "köper",
        "man",
        "35-44",
        "kvinnor",
        "Södermalm",
        "uppsökande",
        "hälso- och sjukvård, boende",
        "tecken på människohandel",
        "nej",
        "anteckning",
        "(ingen)",
    ] {
        assert!(show.contains(word), "{word:?} missing in:\n{show}");
    }
    for english in ["buys", "women", "sodermalm", "health", "known code", "none"] {
        assert!(!show.contains(english), "{english:?} in:\n{show}");
    }
    let under18 = ok(&run(&db, "sv", &["contact", "show", "1"]));
    assert!(under18.contains("orosanmälan"), "{under18}");
    assert!(under18.contains("gjord"), "{under18}");
    assert!(under18.contains("första mötet"), "{under18}");

    let nights = ok(&run(&db, "sv", &["night", "list"]));
    let mut lines = nights.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["nr", "datum", "typ", "stadsdel", "personal", "projekt"]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row, ["1", "2024-03-01", "gata", "Södermalm", "2"]);

    let users = ok(&run(&db, "sv", &["user", "list"]));
    assert!(users.starts_with("namn "), "{users}");
    assert!(users.contains("administratör"), "{users}");
    assert!(users.contains("uppsökare"), "{users}");
    assert!(users.contains("aktiv"), "{users}");

    let log = ok(&run(&db, "sv", &["log"]));
    assert!(
        log.contains("Användare") && log.contains("Händelse"),
        "{log}"
    );

    backup_says(
        &db,
        "sv",
        "Skrev en konsistent kopia till",
        "\nKontrollpunkt: ",
    );

    let audit = ok(&run(&db, "sv", &["audit"]));
    for words in [
        "anteckningar genomsökta",
        "individer i",
        "poster, var och en signerad av sin författare",
        "databasens egen integritetskontroll ok",
        "Granskningen godkänd",
    ] {
        assert!(audit.contains(words), "{words:?} missing in:\n{audit}");
    }
    for english in [
        "notes scanned",
        "individuals",
        "entries, each signed",
        "values opened",
    ] {
        assert!(!audit.contains(english), "{english:?} in:\n{audit}");
    }

    // Machine formats stay English whatever the language.
    let json = ok(&run(&db, "sv", &["audit", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pii = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "pii")
        .unwrap();
    assert!(
        pii["summary"].as_str().unwrap().contains("notes scanned"),
        "{pii}"
    );
    let shown = ok(&run(
        &db,
        "sv",
        &["contact", "show", "2", "--format", "json"],
    ));
    assert!(shown.contains("\"role\":\"buys\""), "{shown}");
    let csv = ok(&run(&db, "sv", &["export"]));
    assert!(
        csv.contains(",buys,man,35-44,women,sodermalm,outreach,"),
        "{csv}"
    );
}

#[test]
fn the_language_comes_from_the_environment_too() {
    let db = Db::new();
    let o = db
        .cmd()
        .args(add_args(&[]))
        .env("UPPSOK_LANG", "sv")
        .output()
        .unwrap();
    assert_eq!(ok(&o), "Kontakt 1 loggad.\n");
    let o = db
        .cmd()
        .args(add_args(&[]))
        .env("LANG", "sv_SE.UTF-8")
        .output()
        .unwrap();
    assert_eq!(ok(&o), "Kontakt 2 loggad.\n");
    // --lang wins over the environment.
    let o = db
        .cmd()
        .args(["--lang", "en"])
        .args(add_args(&[]))
        .env("UPPSOK_LANG", "sv")
        .output()
        .unwrap();
    assert_eq!(ok(&o), "Logged contact 3.\n");
}

#[test]
fn english_is_printed_as_before() {
    let (db, said) = unit("en");
    assert_eq!(said[0], "Logged contact 1.\n");
    assert_eq!(
        said[1],
        "2 rows checked: all valid. Nothing was imported (--dry-run).\n"
    );
    assert_eq!(said[2], "Imported 2 contacts (2 new persons).\n");
    assert_eq!(
        said[3],
        "Recorded field night 1. Log its contacts with `uppsok add --field-night 1 ...`.\n"
    );
    assert_eq!(said[4], "Added user 'olle' with role outreach worker.\n");

    let show = ok(&run(&db, "en", &["contact", "show", "2"]));
    assert!(
        show.starts_with("Contact 2\n  date          2024-01-02\n"),
        "{show}"
    );
    assert!(show.contains("  contact type  outreach\n"), "{show}");
    assert!(show.contains("  note          (none)\n"), "{show}");

    let nights = ok(&run(&db, "en", &["night", "list"]));
    let header: Vec<&str> = nights.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["id", "date", "kind", "district", "staff", "project"]
    );

    backup_says(&db, "en", "Wrote a consistent copy to", "\nCheckpoint: ");

    let audit = ok(&run(&db, "en", &["audit"]));
    assert!(audit.contains("notes scanned"), "{audit}");
    assert!(audit.contains("Audit passed"), "{audit}");
}

#[test]
fn confirm_questions_and_dry_runs_speak_the_language() {
    let db = Db::new();
    ok(&db
        .cmd()
        .args(add_args(&["--code", "AB 85", "--note", "hej"]))
        .output()
        .unwrap());
    let out = ok(&run(&db, "sv", &["rekey", "--dry-run"]));
    assert!(
        out.starts_with("Databasen skulle få nya nycklar: nyckelversion 2; 1 kontakt,"),
        "{out}"
    );
    assert!(out.ends_with("Provkörning: inget ändrades.\n"), "{out}");
    let out = ok(&run(&db, "sv", &["forget", "--code", "AB 85", "--dry-run"]));
    assert!(
        out.starts_with("1 kontakt för den här koden skulle raderas"),
        "{out}"
    );
    let out = ok(&run(
        &db,
        "sv",
        &["purge", "--notes-before", "2025-01-01", "--yes"],
    ));
    assert!(
        out.starts_with("Anteckningarna för 1 kontakt daterad före 2025-01-01 kommer att tömmas"),
        "{out}"
    );
    let out = ok(&run(&db, "en", &["rekey", "--dry-run"]));
    assert!(
        out.starts_with("The database would be rekeyed: key version"),
        "{out}"
    );
    assert!(out.ends_with("Dry run: nothing was changed.\n"), "{out}");
}
