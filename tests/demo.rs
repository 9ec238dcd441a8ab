//! `uppsok demo`: the demo database, run as a user runs it.

mod common;

use common::{stdout, Db};
use serde_json::Value;

/// Builds a demo database at the test's path with a seed; returns what it printed.
fn demo(db: &Db, seed: &str) -> String {
    let out = db
        .bare()
        .args(["demo", "--no-tui", "--seed", seed])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// `stats --format json` signed in as the demo user.
fn stats(db: &Db, args: &[&str]) -> Value {
    db.stats_json_as("demo", "demo", args)
}

fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// The group of a `--by` result with these values, or `None`.
fn group<'a>(v: &'a Value, key: &[(&str, &str)]) -> Option<&'a Value> {
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| key.iter().all(|(k, val)| g[*k] == *val))
}

/// Queries whose answers stand for the whole data set.
const QUERIES: &[&[&str]] = &[
    &["--by", "year,role,gender"],
    &["--by", "contact_type,district,trafficking"],
    &["--by", "age_band,counterpart,referral"],
    &["--by", "month"],
];

fn fingerprint(db: &Db) -> Vec<Value> {
    QUERIES.iter().map(|q| stats(db, q)).collect()
}

#[test]
fn demo_builds_prints_the_sign_in_and_is_reused() {
    let db = Db::empty();
    let out = demo(&db, "2004");
    assert!(out.contains("user:       demo"), "{out}");
    assert!(out.contains("passphrase: demo"), "{out}");
    assert!(out.contains("role:       admin"), "{out}");
    assert!(out.contains("stats --by year"), "{out}");
    let first = stats(&db, &[]);
    let contacts = num(&first, "contacts");
    assert!((20_000..=80_000).contains(&contacts), "{contacts} contacts");
    assert!(num(&first, "individuals") > 1_000);
    assert!(num(&first, "unidentified_contacts") > 0);
    assert!(num(&first, "field_nights") > 2_000);
    assert_eq!(first["from"], "2004-01-01");

    // The demo user is an admin: they may list users and export.
    let users = db
        .cmd_as("demo", "demo")
        .args(["user", "list", "--format", "json"])
        .output()
        .expect("run");
    assert!(users.status.success());
    let users: Value = serde_json::from_slice(&users.stdout).expect("users JSON");
    assert_eq!(users[0]["name"], "demo");
    assert_eq!(users[0]["role"], "admin");

    // Running it again reuses the database: no second set of contacts.
    let again = demo(&db, "2004");
    assert!(again.contains("Reusing"), "{again}");
    assert!(again.contains("passphrase: demo"), "{again}");
    assert_eq!(stats(&db, &[]), first);
    // Even with another seed, an existing demo database is not rebuilt.
    demo(&db, "77");
    assert_eq!(num(&stats(&db, &[]), "contacts"), contacts);
}

#[test]
fn demo_refuses_a_database_that_is_not_a_demo() {
    let db = Db::new(); // a real database with user admin
    let before = db.all_bytes().len();
    let out = db.bare().args(["demo", "--no-tui"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a demo database"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(db.all_bytes().len(), before);
}

#[test]
fn the_same_seed_gives_the_same_data_another_seed_other_data() {
    let a = Db::empty();
    let b = Db::empty();
    let c = Db::empty();
    demo(&a, "31");
    demo(&b, "31");
    demo(&c, "32");
    let fa = fingerprint(&a);
    assert_eq!(fa, fingerprint(&b));
    assert_ne!(fa, fingerprint(&c));
    assert_ne!(
        num(&stats(&a, &[]), "contacts"),
        num(&stats(&c, &[]), "contacts")
    );
}

#[test]
fn counselling_2004_to_2009_matches_the_seed_document() {
    let db = Db::empty();
    let out = demo(&db, "2004");
    let v = stats(
        &db,
        &[
            "--from",
            "2004-01-01",
            "--to",
            "2009-12-31",
            "--filter",
            "contact_type=counselling",
            "--by",
            "role,gender,counterpart",
        ],
    );
    let individuals = num(&v, "individuals");
    assert!(
        (401..=419).contains(&individuals),
        "\"just over 400\": {individuals}"
    );
    let of = |role, gender, counterpart| {
        group(
            &v,
            &[
                ("role", role),
                ("gender", gender),
                ("counterpart", counterpart),
            ],
        )
        .map_or(0, |g| num(g, "individuals"))
    };
    assert_eq!(
        of("sells", "man", "men"),
        7,
        "seven men who sold sex to men"
    );
    let buyers = of("buys", "man", "women");
    assert!((21..=25).contains(&buyers), "just over twenty: {buyers}");
    assert!(
        of("sells", "woman", "men") * 2 > individuals,
        "most are women who sold sex to men"
    );
    assert_eq!(num(&v, "unidentified_contacts"), 0);
    // The summary prints the same figures.
    assert!(
        out.contains(&format!("individuals:                       {individuals}")),
        "{out}"
    );
    assert!(
        out.contains("men who sold sex to men:           7"),
        "{out}"
    );
}

#[test]
fn online_rises_trafficking_is_a_few_percent_and_notes_are_clean() {
    let db = Db::empty();
    demo(&db, "5");
    let share = |args: &[&str]| {
        let v = stats(&db, &[args, &["--by", "contact_type"]].concat());
        let of = |t: &str| group(&v, &[("contact_type", t)]).map_or(0, |g| num(g, "contacts"));
        of("online") as f64 / (of("online") + of("outreach")) as f64
    };
    let before = share(&["--to", "2009-12-31"]);
    let after = share(&["--from", "2010-01-01"]);
    assert!(
        after > before,
        "online share {before} before 2010, {after} after"
    );

    let t = stats(&db, &["--by", "trafficking"]);
    let yes = group(&t, &[("trafficking", "yes")]).map_or(0, |g| num(g, "contacts"));
    let share = yes as f64 / num(&t, "contacts") as f64;
    assert!((0.01..=0.10).contains(&share), "trafficking share {share}");

    let police = stats(&db, &["--filter", "contact_type=police"]);
    assert!(num(&police, "contacts") > 0);

    // Every note is free of identifiers, and contacts from a night name it.
    let out = db
        .cmd_as("demo", "demo")
        .args(["export", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let all: Value = serde_json::from_slice(&out.stdout).expect("export JSON");
    let all = all.as_array().expect("array");
    assert_eq!(all.len() as u64, num(&t, "contacts"));
    let mut with_night = 0;
    let mut with_note = 0;
    for c in all {
        let note = c["note"].as_str().expect("note");
        assert!(uppsok::pii::find_identifiers(note).is_empty());
        if !note.is_empty() {
            with_note += 1;
        }
        if !c["field_night"].is_null() {
            with_night += 1;
        }
    }
    assert!(with_note > all.len() / 2);
    assert!(with_night > all.len() / 2 && with_night < all.len());
}

#[test]
fn without_db_the_demo_goes_to_demo_db_in_the_data_directory() {
    let db = Db::empty();
    let out = db
        .bare()
        .env_remove("UPPSOK_DB")
        .env("XDG_DATA_HOME", db.dir.path().join("data"))
        .args(["demo", "--no-tui", "--seed", "3"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = db.dir.path().join("data").join("uppsok").join("demo.db");
    assert!(made.is_file(), "no demo.db at {}", made.display());
    assert!(!made.with_file_name("uppsok.db").exists());
    assert!(!db.path.exists());
    assert!(stdout(&out).contains(&common::path_str(&made)));
}
