//! `--help` in Swedish: every command and every argument has its Swedish text in
//! `i18n::help`, no Swedish text is left for something that is gone, and the help a person
//! reads with `--lang sv` (or a Swedish locale) is Swedish.

mod common;

use clap::CommandFactory;
use common::{stdout, Db};

/// Every key the English definition needs a Swedish text for.
fn needed(c: &clap::Command, path: &str, out: &mut Vec<String>) {
    out.push(format!("{path}@about"));
    if c.get_after_help().is_some() {
        out.push(format!("{path}@after"));
    }
    for a in c.get_arguments() {
        if a.get_help().is_some() {
            out.push(format!("{path} --{}", a.get_id()));
        }
    }
    for s in c.get_subcommands() {
        let p = if path.is_empty() {
            s.get_name().to_string()
        } else {
            format!("{path} {}", s.get_name())
        };
        needed(s, &p, out);
    }
}

#[test]
fn every_command_and_argument_has_its_swedish_help_and_none_is_left_over() {
    let mut keys = Vec::new();
    needed(&uppsok::cli::Cli::command(), "", &mut keys);
    let table: Vec<&str> = uppsok::i18n::help::SV.iter().map(|(k, _)| *k).collect();
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !table.contains(&k.as_str()))
        .collect();
    assert!(missing.is_empty(), "no Swedish help for {missing:?}");
    let stale: Vec<&&str> = table
        .iter()
        .filter(|k| **k != "@long" && !keys.iter().any(|n| n == *k))
        .collect();
    assert!(
        stale.is_empty(),
        "Swedish help for what is not there: {stale:?}"
    );
    // The Swedish definition is a valid command line (clap checks it when it is built).
    uppsok::cli::command(uppsok::i18n::Lang::Sv).debug_assert();
}

#[test]
fn help_is_read_in_swedish_with_lang_sv_or_a_swedish_locale() {
    let db = Db::empty();
    let out = db
        .bare()
        .args(["--lang", "sv", "add", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = stdout(&out);
    for needle in [
        "Logga en kontakt",
        "Användning:",
        "Flaggor:",
        "Globala flaggor:",
        "Exempel:",
        "Visa hjälpen",
    ] {
        assert!(help.contains(needle), "{needle}:\n{help}");
    }
    assert!(!help.contains("Log one contact"), "{help}");
    let out = db
        .bare()
        .env("LANG", "sv_SE.UTF-8")
        .arg("-h")
        .output()
        .unwrap();
    let help = stdout(&out);
    assert!(
        help.contains("Kommandon:") && help.contains("Slutstatus:"),
        "{help}"
    );
    // English stays the default, and the arguments parse the same in either language.
    let out = db.bare().arg("-h").output().unwrap();
    assert!(stdout(&out).contains("Commands:"));
    let out = db
        .bare()
        .args(["--lang", "sv", "--version"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("uppsok 0.1.0"));
    let out = db
        .bare()
        .args(["--lang", "sv", "stats", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
