//! uppsok on a PostgreSQL server (`--db postgres://...`), as users and the server's own
//! administrator meet it: the commands run as processes against a database on the test server
//! (`UPPSOK_TEST_POSTGRES`, set by `.ci/with-postgres`), and give what they give on a file;
//! the administrator reads every row with the server's own tools and finds no note, code or
//! category; a change made on the server behind uppsok's back fails the audit.

mod common;

use common::*;

/// A unit's work: staff, an import, contacts with codes and notes, a field night, an edit, a
/// deletion, a forgotten person, a rekey, a disabled user, a publication.
fn work(db: &Db) {
    db.add_user("lena", "lead");
    db.add_user("omar", "outreach");
    db.add_user("ida", "auditor");
    let csv = std::fs::read_to_string("tests/data/redteam_linked_2024.csv").expect("the sample");
    let out = db.import(&csv);
    assert!(out.status.success(), "import: {}", stderr(&out));
    let night = [
        "night",
        "add",
        "--date",
        "2024-03-01",
        "--kind",
        "street",
        "--district",
        "norrmalm",
        "--staff",
        "3",
    ];
    db.cmd_as("omar", PASS).args(night).assert().success();
    db.cmd_as("omar", PASS)
        .args(add_args(&[
            "--code",
            "ab85",
            "--note",
            "Mötte henne vid Centralen, hon bad om hjälp med bostad",
            "--field-night",
            "1",
        ]))
        .assert()
        .success();
    db.cmd_as("omar", PASS)
        .args(add_args(&["--code", "ab85"]))
        .assert()
        .success();
    let edit = [
        "contact",
        "edit",
        "2",
        "--age-band",
        "18-24",
        "--reason",
        "typo",
    ];
    db.cmd_as("lena", PASS).args(edit).assert().success();
    let delete = ["contact", "delete", "3", "--reason", "duplicate"];
    db.cmd_as("lena", PASS).args(delete).assert().success();
    let forget = ["forget", "--code", "xo014", "--yes"];
    db.cmd().args(forget).assert().success();
    db.cmd().args(["rekey", "--yes"]).assert().success();
    let disable = ["user", "disable", "ida", "--yes"];
    db.cmd().args(disable).assert().success();
    let publish = ["stats", "--year", "2023", "--publish"];
    db.cmd_as("lena", PASS).args(publish).assert().success();
}

/// What the unit reads back: figures, an export, one contact, the user list.
fn readings(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for args in [
        &["--year", "2023"][..],
        &[
            "--from",
            "2023-01-01",
            "--to",
            "2024-12-31",
            "--by",
            "role,gender",
        ],
        &[
            "--year",
            "2024",
            "--by",
            "district",
            "--filter",
            "role=sells",
        ],
    ] {
        out.push(db.stats_json_as("lena", PASS, args).to_string());
    }
    let file = db.dir.path().join("export.csv");
    let _ = std::fs::remove_file(&file);
    db.cmd()
        .args(["export", "--out"])
        .arg(&file)
        .assert()
        .success();
    out.push(relabelled(
        &std::fs::read_to_string(&file).expect("the export"),
    ));
    let show = db.cmd().args(["contact", "show", "2"]).output().unwrap();
    out.push(stdout(&show));
    // Users, without the moment each was created.
    let users = db.cmd().args(["user", "list"]).output().unwrap();
    let users: Vec<String> = stdout(&users)
        .lines()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    out.push(users.join("\n"));
    out
}

/// An export with each pseudonym (keyed by the database's own key, so different in two
/// databases) replaced by its order of first appearance: the same persons, the same links.
fn relabelled(csv: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::new();
    for line in csv.lines() {
        let mut fields: Vec<String> = line.splitn(3, ',').map(str::to_string).collect();
        if fields.len() == 3 && fields[1].len() == 64 {
            let i = match seen.iter().position(|p| *p == fields[1]) {
                Some(i) => i,
                None => {
                    seen.push(fields[1].clone());
                    seen.len() - 1
                }
            };
            fields[1] = format!("person-{i}");
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn audit(db: &Db) -> std::process::Output {
    db.cmd_as("lena", PASS).arg("audit").output().unwrap()
}

/// A database on the server after a unit's work, audited sound.
fn worked_on_server() -> Db {
    let db = Db::new_on_server();
    work(&db);
    let a = audit(&db);
    assert!(a.status.success(), "audit on the server: {}", stdout(&a));
    db
}

#[test]
fn the_same_work_reads_the_same_on_a_file_and_on_a_server() {
    let (file, server) = (Db::new(), Db::new_on_server());
    work(&file);
    work(&server);
    let (a, b) = (readings(&file), readings(&server));
    for (i, (f, s)) in a.iter().zip(&b).enumerate() {
        assert_eq!(f, s, "reading {i} differs between the file and the server");
    }
    for db in [&file, &server] {
        let a = audit(db);
        assert!(a.status.success(), "audit: {}", stdout(&a));
    }
    // The log shows the same actions in the same order (times differ).
    let actions = |db: &Db| -> Vec<String> {
        let out = db.cmd().args(["log", "--format", "json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
        v.as_array()
            .expect("entries")
            .iter()
            .map(|e| e["action"].to_string())
            .collect()
    };
    assert_eq!(actions(&file), actions(&server));
}

#[test]
fn init_on_a_server_says_where_and_refuses_a_second_init() {
    let db = Db::on_server();
    let out = db.cmd().arg("init").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("postgres://"), "{said}");
    assert!(said.contains("pg_dump"), "{said}");
    let again = db.cmd().arg("init").output().unwrap();
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    // `backup` explains what to use instead, in both languages, and writes nothing.
    let target = db.dir.path().join("copy.db");
    for (lang, word) in [("en", "pg_dump"), ("sv", "serverns egna verktyg")] {
        let out = db
            .cmd()
            .args(["--lang", lang, "backup"])
            .arg(&target)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(stderr(&out).contains(word), "{}", stderr(&out));
        assert!(!target.exists());
    }
}

#[test]
fn a_wrong_passphrase_or_a_missing_database_on_the_server_is_refused_clearly() {
    let db = Db::new_on_server();
    let out = db
        .cmd_as(ADMIN, "not the passphrase at all")
        .args(["stats"])
        .output();
    let out = out.unwrap();
    assert!(!out.status.success());
    let empty = Db::on_server();
    let out = empty.cmd().arg("stats").output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no uppsok database"),
        "{}",
        stderr(&out)
    );
    // A password in the URL is never shown.
    let with_password = db
        .path
        .to_string_lossy()
        .replacen("://", "://uppsok_test:hemligt@", 1);
    let out = db
        .cmd()
        .env("UPPSOK_DB", with_password.replace("uppsok_test@", ""))
        .args(["stats"])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("hemligt"), "{}", stderr(&out));
    // Nor by a command's help (which names the environment variable), nor when the address is
    // refused: a password as a parameter, or with an `@` in it not written as %40.
    let bad_parameter = format!("{}?password=hemligt&bogus=1", db.path.to_string_lossy());
    let bad_at = with_password.replace("hemligt", "hem@ligt");
    for (url, args) in [
        (with_password.as_str(), vec!["stats", "--help"]),
        (with_password.as_str(), vec!["--help"]),
        (bad_parameter.as_str(), vec!["stats"]),
        (bad_at.as_str(), vec!["stats"]),
    ] {
        let out = db.cmd().env("UPPSOK_DB", url).args(&args).output().unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !all.contains("hemligt") && !all.contains("ligt@"),
            "{args:?} shows the password: {all}"
        );
    }
    // Nor by `demo`, which shows where it built the database and commands to try on it (it
    // showed the password five times), nor by its refusal of a database that is not a demo.
    let fresh = Db::on_server();
    let url = fresh
        .path
        .to_string_lossy()
        .replacen("uppsok_owner@", "uppsok_owner:hemligt@", 1);
    let not_demo = db
        .path
        .to_string_lossy()
        .replacen("uppsok_app@", "uppsok_app:hemligt@", 1);
    for (url, code) in [(&url, 0), (&url, 0), (&not_demo, 2)] {
        assert!(url.contains(":hemligt@"), "{url}");
        let out = db
            .bare()
            .env("UPPSOK_DB", url)
            .args(["demo", "--no-tui"])
            .output()
            .unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(code), "{all}");
        assert!(!all.contains("hemligt"), "demo shows the password: {all}");
    }
    // Nor `upgrade`'s refusal of a database already of this format (it showed it too).
    let out = db
        .cmd()
        .env("UPPSOK_DB", &not_demo)
        .arg("upgrade")
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("already"), "{all}");
    assert!(
        !all.contains("hemligt"),
        "upgrade shows the password: {all}"
    );
}

/// The server's administrator dumps the database with the server's own tool: dates, ids and
/// envelopes, never a note, a code, a category, a passphrase.
#[test]
fn the_servers_administrator_reads_no_note_code_or_category() {
    let db = worked_on_server();
    let server = db.server.as_ref().unwrap();
    // As the schema's owner: a unit's role may not read the other units' tables
    // (docs/deploy.md).
    let dump = std::process::Command::new(pg_tool("pg_dump"))
        .args([
            "--data-only",
            "--schema=uppsok",
            "--schema=uppsok_u*",
            "--dbname",
        ])
        .arg(&server.owner_url)
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success(), "{}", stderr(&dump));
    let text = without_hex(&String::from_utf8_lossy(&dump.stdout).to_lowercase());
    // The unit's configured list of districts is a setting in the clear (the same for every
    // contact, and authenticated by the log): the words may show there and nowhere else.
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("districts\t"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("copy uppsok_u1.contacts"),
        "the dump holds the contacts"
    );
    for secret in [
        "centralen",
        "bostad",
        "ab85",
        "xo014",
        "sells",
        "woman",
        "norrmalm",
        "counselling",
        "outreach,",
        "25-34",
        "street",
        PASS,
    ] {
        assert!(!text.contains(secret), "the dump shows '{secret}'");
    }
    // What the server's administrator does see, as docs/security.md says: contact dates.
    assert!(text.contains("2023-01-14"));
}

/// A unit moves its file onto the server: `migrate` copies it as stored; after the grants,
/// every reading (figures, export, a contact, the users) and the log are the file's, the audit
/// passes on both, and the file is as it was but for the entry saying it was copied.
#[test]
fn a_unit_moves_its_file_onto_the_server_and_reads_the_same() {
    let file = Db::new();
    work(&file);
    let before = readings(&file);
    let server = Db::server_copy(None);
    let target = server.server.as_ref().unwrap();
    let out = file
        .cmd()
        .args(["migrate", "--to", &target.owner_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains(" contacts") && said.contains("postgres://uppsok_owner@"),
        "{said}"
    );
    assert!(!said.contains("PASSWORD"), "{said}");
    target.grant();
    assert_eq!(readings(&file), before, "the file reads as before");
    assert_eq!(
        readings(&server),
        before,
        "the server reads as the file did"
    );
    for db in [&file, &server] {
        let a = audit(db);
        assert!(a.status.success(), "{}", stdout(&a));
    }
    // The same log, up to and with the entry saying the copy was made (each `log` adds an
    // entry of its own after that).
    let log = |db: &Db| -> Vec<serde_json::Value> {
        let out = db.cmd().args(["log", "--format", "json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
        let all = v.as_array().expect("entries").clone();
        let copied = all
            .iter()
            .position(|e| e["detail"].as_str() == Some("migrate"))
            .expect("the log says the copy was made");
        all[..=copied].to_vec()
    };
    assert_eq!(log(&file), log(&server));
    // The server's copy is a database of its own from now on.
    server
        .cmd_as("omar", PASS)
        .args(add_args(&["--code", "ny77"]))
        .assert()
        .success();
    let a = audit(&server);
    assert!(a.status.success(), "{}", stdout(&a));
}

#[test]
fn a_migration_to_a_file_or_over_a_database_is_refused_and_changes_nothing() {
    let file = Db::new();
    work(&file);
    let before = readings(&file);
    let elsewhere = file.dir.path().join("copy.db");
    for (lang, word) in [("en", "uppsok backup"), ("sv", "uppsok backup")] {
        let out = file
            .cmd()
            .args(["--lang", lang, "migrate", "--to"])
            .arg(&elsewhere)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(stderr(&out).contains(word), "{}", stderr(&out));
    }
    assert!(!elsewhere.exists());
    let taken = Db::new_on_server();
    let owner = taken.server.as_ref().unwrap().owner_url.clone();
    let out = file
        .cmd()
        .args(["migrate", "--to", &owner])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(readings(&file), before);
    // The database that was there is untouched.
    let a = taken.cmd().arg("audit").output().unwrap();
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
    // An outreach worker may not migrate.
    let out = file
        .cmd_as("omar", PASS)
        .args(["migrate", "--to", &owner])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A migration killed half way leaves nothing the server would open (its transaction is rolled
/// back, the empty schema has no format marker), and running it again starts it over and
/// finishes it.
#[test]
fn a_migration_killed_half_way_leaves_nothing_and_runs_again() {
    let file = Db::new();
    file.add_user("lena", "lead");
    let mut csv = String::from(HEADER);
    for i in 0..30_000 {
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "2024-02-{day:02},k{:05},sells,woman,25-34,men,norrmalm,outreach,,no,\n",
            i % 9_000
        ));
    }
    let out = file.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = readings(&file);
    let server = Db::server_copy(None);
    let target = server.server.as_ref().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("uppsok"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", file.dir.path())
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("UPPSOK_DB", &file.path)
        .env("UPPSOK_USER", ADMIN)
        .env("UPPSOK_PASSPHRASE", PASS)
        .args(["migrate", "--to", &target.owner_url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Once the copy is under way (the first batch of rows is being sent), the process is
    // killed: the rest of the copy, and the check after it, take far longer than the poll.
    let mut admin = server_admin(&target.name);
    let started = std::time::Instant::now();
    loop {
        let copying: bool = admin
            .query_one(
                "SELECT count(*) > 0 FROM pg_stat_activity
                 WHERE datname = current_database() AND query LIKE 'COPY %'",
                &[],
            )
            .unwrap()
            .get(0);
        if copying || started.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the migration finished before it was killed"
    );
    drop(admin);
    target.grant();
    let out = server.cmd().arg("stats").output().unwrap();
    assert!(!out.status.success(), "a half-made copy opened");
    // Run again: it starts over and finishes.
    let out = file
        .cmd()
        .args(["migrate", "--to", &target.owner_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    target.grant();
    assert_eq!(readings(&server), before);
    let a = audit(&server);
    assert!(a.status.success(), "{}", stdout(&a));
}

/// docs/deploy.md's backup: a `pg_dump` of the schema and the units', restored by the owner into an empty
/// database and granted as after `init`, opens with the same passphrases, reads the same, and
/// passes the audit.
#[test]
fn a_dump_of_the_schema_restored_into_an_empty_database_reads_the_same() {
    let db = worked_on_server();
    let server = db.server.as_ref().unwrap();
    let dump = db.dir.path().join("uppsok.dump");
    let out = std::process::Command::new(pg_tool("pg_dump"))
        .args([
            "--schema=uppsok",
            "--schema=uppsok_u*",
            "--format=custom",
            "--file",
        ])
        .arg(&dump)
        .arg("--dbname")
        .arg(&server.owner_url)
        .output()
        .expect("pg_dump runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = Db::server_copy(None);
    let target = restored.server.as_ref().unwrap();
    let out = std::process::Command::new(pg_tool("pg_restore"))
        .arg("--dbname")
        .arg(&target.owner_url)
        .arg(&dump)
        .output()
        .expect("pg_restore runs");
    assert!(out.status.success(), "{}", stderr(&out));
    target.grant();
    assert_eq!(readings(&db), readings(&restored));
    let a = audit(&restored);
    assert!(a.status.success(), "{}", stdout(&a));
}

/// Someone with the application's database password (the role uppsok connects as) cannot
/// change or remove a log entry: the role has no such privilege, and the table's trigger refuses
/// it to anyone while it is on.
/// Staff logging at once on a server: twelve `uppsok add` processes started together, half of
/// them with one code nobody has given before, write beside each other (only the log's head
/// waits). Every contact is there once, the new person is made once and the six share it, and
/// the audit passes.
#[test]
fn staff_logging_at_once_make_each_contact_once_and_a_new_person_once() {
    let db = Db::new_on_server();
    db.add_user("omar", "outreach");
    db.add_user("lena", "lead");
    std::thread::scope(|s| {
        let adds: Vec<_> = (0..12)
            .map(|i| {
                let code = if i % 2 == 0 {
                    "together1".to_string()
                } else {
                    format!("alone{i}")
                };
                let mut add = db.cmd_as("omar", PASS);
                add.args(add_args(&["--code", &code]));
                s.spawn(move || add.output().unwrap())
            })
            .collect();
        for add in adds {
            let out = add.join().unwrap();
            assert!(out.status.success(), "an add failed: {}", stderr(&out));
        }
    });
    let file = db.dir.path().join("export.csv");
    db.cmd()
        .args(["export", "--out"])
        .arg(&file)
        .assert()
        .success();
    let csv = std::fs::read_to_string(&file).unwrap();
    let mut rows = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let (id, person) = (
        header
            .iter()
            .position(|h| *h == "id")
            .expect("an id column"),
        header
            .iter()
            .position(|h| *h == "person_code")
            .expect("a person column"),
    );
    let rows: Vec<Vec<&str>> = rows.map(|l| l.split(',').collect()).collect();
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[id]).collect();
    assert_eq!((rows.len(), ids.len()), (12, 12), "{csv}");
    let persons: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[person]).collect();
    assert_eq!(
        persons.len(),
        7,
        "one shared new person and six others: {csv}"
    );
    let a = audit(&db);
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
}

/// A unit reaching its server over the network: the same database through TLS, verified
/// against the city's authority, works as on the socket; a server whose certificate the
/// authority given did not sign is refused with a message that says why, and nothing is
/// written.
#[test]
fn over_the_network_the_server_is_reached_by_verified_tls() {
    let db = Db::new_on_server();
    db.add_user("omar", "outreach");
    let server = db.server.as_ref().unwrap();
    let tls = std::env::var("UPPSOK_TEST_POSTGRES_TLS")
        .expect("UPPSOK_TEST_POSTGRES_TLS (run under ./.ci/with-postgres)");
    let over_tls = with_user(&with_database(&tls, &server.name), "uppsok_app");
    let add = db
        .cmd_as("omar", PASS)
        .env("UPPSOK_DB", &over_tls)
        .args(add_args(&["--code", "ab85"]))
        .output()
        .unwrap();
    assert!(add.status.success(), "{}", stderr(&add));
    let ca = tls.split("sslrootcert=").nth(1).unwrap();
    let foreign = over_tls.replace(ca, &ca.replace("/ca.crt", "/other-ca.crt"));
    let refused = db
        .cmd_as("omar", PASS)
        .env("UPPSOK_DB", &foreign)
        .args(add_args(&["--code", "ab85"]))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(said.contains("certificate verify failed"), "{said}");
    let file = db.dir.path().join("export.csv");
    db.cmd()
        .env("UPPSOK_DB", &over_tls)
        .args(["export", "--out"])
        .arg(&file)
        .assert()
        .success();
    let rows = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(rows, 2, "the header and the one contact added over TLS");
}

/// Red team: a command signing in while another administrator's rekey commits read the key
/// file (a row) before the rekey and the database's record of it after, and said the key file
/// had been replaced by another copy and to restore a backup. It reads both again now; a
/// refusal that remains says only that the keys changed since it signed in.
#[test]
fn signing_in_during_a_rekey_never_reads_as_a_replaced_key_file() {
    let db = Db::new_on_server();
    db.add_user("omar", "outreach");
    for _ in 0..20 {
        let outs = std::thread::scope(|s| {
            let rekey = s.spawn(|| db.cmd().args(["rekey", "--yes"]).output().unwrap());
            let mut signing_in: Vec<_> = (0..6)
                .map(|_| s.spawn(|| db.cmd().args(["user", "list"]).output().unwrap()))
                .collect();
            signing_in.push(s.spawn(|| {
                db.cmd_as("omar", PASS)
                    .args(add_args(&["--code", "ab85"]))
                    .output()
                    .unwrap()
            }));
            let mut outs = vec![rekey.join().unwrap()];
            outs.extend(signing_in.into_iter().map(|a| a.join().unwrap()));
            outs
        });
        for out in outs {
            if !out.status.success() {
                let said = stderr(&out);
                assert!(
                    said.contains("changed the database's keys") || said.contains("busy"),
                    "{said}"
                );
            }
        }
    }
    let a = db.cmd().arg("audit").output().unwrap();
    assert!(a.status.success(), "{}", stdout(&a));
}

#[test]
fn someone_with_the_applications_password_cannot_rewrite_the_log() {
    let db = worked_on_server();
    let server = db.server.as_ref().unwrap();
    for sql in [
        "UPDATE uppsok.audit_log SET detail = '' WHERE seq = 2",
        "DELETE FROM uppsok.audit_log WHERE seq = (SELECT max(seq) FROM uppsok.audit_log)",
        "TRUNCATE uppsok.audit_log",
    ] {
        for url in [&server.url, &server.owner_url] {
            let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let e = c.batch_execute(sql).expect_err(sql);
            let code = e.code().map(|c| c.code().to_string());
            assert_eq!(code.as_deref(), Some("42501"), "{sql} as {url}: {e:?}");
        }
    }
    let a = audit(&db);
    assert!(a.status.success(), "{}", stdout(&a));
}

/// An entry inserted past the log's head with the application's password (which may append
/// to the log) is not built on: every write is refused, naming it, and nothing is written,
/// until the entry is removed; then the log goes on from its real head and `audit` passes.
/// (Before, uppsok chained its next entries to the forged one and the log stayed broken for
/// good; at the largest sequence number every write failed on a duplicate key.)
#[test]
fn an_entry_forged_past_the_logs_head_is_not_built_on() {
    let db = worked_on_server();
    let server = db.server.as_ref().unwrap();
    let entries = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT count(*) FROM uppsok.audit_log", &[])
            .unwrap()
            .get(0)
    };
    for seq in ["9000000000000000000", "9223372036854775807"] {
        let mut app = postgres::Client::connect(&server.url, postgres::NoTls).unwrap();
        app.batch_execute(&format!(
            "INSERT INTO uppsok.audit_log SELECT {seq}, at, user_id, 'audit', 'database',
             'ok=true', mac FROM uppsok.audit_log WHERE seq = 2"
        ))
        .unwrap();
        let before = entries(&mut app);
        let out = db
            .cmd_as("omar", PASS)
            .args(add_args(&["--code", "zq41"]))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{seq}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("log entry {seq} is not the head the log recorded")),
            "{seq}: {err}"
        );
        assert_eq!(entries(&mut app), before, "{seq}: an entry was written");
        let mut admin = server_admin(&server.name);
        admin
            .batch_execute(&format!(
                "ALTER TABLE uppsok.audit_log DISABLE TRIGGER USER;
                 DELETE FROM uppsok.audit_log WHERE seq = {seq};
                 ALTER TABLE uppsok.audit_log ENABLE TRIGGER USER"
            ))
            .unwrap();
    }
    db.cmd_as("omar", PASS)
        .args(add_args(&["--code", "zq41"]))
        .assert()
        .success();
    let a = audit(&db);
    assert!(a.status.success(), "{}", stdout(&a));
}

/// Each change made on the server, outside uppsok, by someone with every right there but no
/// uppsok key, makes `audit` fail and name what changed.
#[test]
fn a_change_made_on_the_server_fails_the_audit() {
    let base = worked_on_server();
    let cases: [(&str, &str, &str); 27] = [
        (
            "a contact moved to another date",
            "UPDATE contacts SET date = '2023-06-30' WHERE id = 10",
            "audit_log",
        ),
        (
            "a contact given to another person",
            "UPDATE contacts SET person_id = (SELECT min(id) FROM persons) WHERE id = 20",
            "audit_log",
        ),
        (
            "a contact deleted",
            "DELETE FROM contacts WHERE id = 30",
            "audit_log",
        ),
        (
            "a contact's envelope swapped for another's",
            "UPDATE contacts SET attributes = (SELECT attributes FROM contacts WHERE id = 41) WHERE id = 40",
            "encryption",
        ),
        (
            "a user's role raised",
            "UPDATE users SET role = 'admin' WHERE name = 'omar'",
            "integrity",
        ),
        (
            "the last log entry removed",
            "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
            "audit_log",
        ),
        (
            "a log entry rewritten",
            "UPDATE audit_log SET detail = detail || ' ' WHERE seq = 5",
            "audit_log",
        ),
        (
            "a disabled user enabled again",
            "UPDATE users SET disabled = false WHERE name = 'ida'",
            "integrity",
        ),
        (
            "two persons' pseudonyms swapped",
            "CREATE TEMP TABLE p AS SELECT id, pseudonym FROM persons ORDER BY id LIMIT 2;
             UPDATE persons SET pseudonym = '\\x00' WHERE id = (SELECT min(id) FROM p);
             UPDATE persons SET pseudonym = (SELECT pseudonym FROM p ORDER BY id LIMIT 1)
               WHERE id = (SELECT max(id) FROM p);
             UPDATE persons SET pseudonym = (SELECT pseudonym FROM p ORDER BY id DESC LIMIT 1)
               WHERE id = (SELECT min(id) FROM p)",
            "audit_log",
        ),
        (
            "two persons declared one",
            "INSERT INTO person_merges SELECT max(id), min(id), 1, '2024-05-01T00:00:00Z'
             FROM (SELECT id FROM persons ORDER BY id LIMIT 2) p",
            "audit_log",
        ),
        (
            "a field night moved",
            "UPDATE field_nights SET date = '2024-03-02' WHERE id = 1",
            "audit_log",
        ),
        (
            "a contact taken off its field night",
            "UPDATE contacts SET field_night_id = NULL WHERE field_night_id = 1",
            "audit_log",
        ),
        (
            "a contact added on the server",
            "INSERT INTO contacts SELECT 9999, date, person_id, field_night_id, created_by, created_at, updated_at, attributes, note FROM contacts WHERE id = (SELECT max(id) FROM contacts)",
            "audit_log",
        ),
        (
            // The smallest id: every read of the contacts began after it (a red team's find).
            "a contact added on the server at the smallest id",
            "INSERT INTO contacts SELECT -9223372036854775808, date, person_id, field_night_id, created_by, created_at, updated_at, attributes, note FROM contacts WHERE id = (SELECT max(id) FROM contacts)",
            "audit_log",
        ),
        (
            "a log entry added at the smallest sequence number",
            "INSERT INTO audit_log SELECT -9223372036854775808, at, user_id, action, objects, detail, mac FROM audit_log WHERE seq = 5",
            "audit_log",
        ),
        (
            "the format marker changed",
            "UPDATE meta SET value = value || 'x' WHERE key = (SELECT min(key) FROM meta WHERE key <> 'format')",
            "audit_log",
        ),
        (
            "a user's master wrap removed",
            "DELETE FROM master_wraps WHERE user_id = (SELECT id FROM users WHERE name = 'omar')",
            "integrity",
        ),
        (
            "a user's name changed",
            "UPDATE users SET name = 'mallory' WHERE name = 'omar'",
            "integrity",
        ),
        (
            "the districts reordered",
            "UPDATE meta SET value = replace(replace(replace(value, '\"norrmalm\"', '\"tmp\"'), '\"sodermalm\"', '\"norrmalm\"'), '\"tmp\"', '\"sodermalm\"') WHERE key = 'districts'",
            "audit_log",
        ),
        (
            "the log's append-only trigger turned off",
            "SELECT 1; ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "integrity",
        ),
        (
            "the application's role allowed to rewrite the log",
            "GRANT UPDATE, DELETE ON audit_log TO uppsok_app",
            "integrity",
        ),
        (
            "the application's role made owner of the contacts' table",
            "ALTER TABLE uppsok_u1.contacts OWNER TO uppsok_app",
            "integrity",
        ),
        (
            "the application's role made owner of the log's guard",
            "ALTER FUNCTION audit_log_append_only() OWNER TO uppsok_app",
            "integrity",
        ),
        (
            "the application's role made owner of a unit's schema",
            "ALTER SCHEMA uppsok_u1 OWNER TO uppsok_app",
            "integrity",
        ),
        (
            "the recovery key removed",
            "DELETE FROM recovery_keys",
            "audit_log",
        ),
        (
            "the recovery key's wrap sealed to another key",
            "UPDATE recovery_keys SET public_key = decode(repeat('ab', 32), 'hex')",
            "audit_log",
        ),
        (
            "a contact's note emptied of another's",
            "UPDATE contacts SET note = (SELECT note FROM contacts WHERE id = 242) WHERE id = 241",
            "encryption",
        ),
    ];
    let mut missed = Vec::new();
    for (what, sql, check) in cases {
        let db = Db::server_copy(Some(&base));
        let name = &db.server.as_ref().unwrap().name;
        let mut admin = server_admin(name);
        admin
            .batch_execute(&if sql.contains("TRIGGER") {
                format!("SET search_path = uppsok; {sql}")
            } else {
                // The administrator turns the log's append-only trigger off for the change,
                // and on again.
                format!(
                    "SET search_path = uppsok; ALTER TABLE audit_log DISABLE TRIGGER USER; {sql};
                     ALTER TABLE audit_log ENABLE TRIGGER USER"
                )
            })
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        drop(admin);
        let out = audit(&db);
        let report = format!("{}{}", stdout(&out), stderr(&out));
        let failed = report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains(check));
        let refused = !out.status.success()
            && (out.status.code() == Some(2) || report.contains("changed outside uppsok"));
        if out.status.success() || !(failed || refused) {
            missed.push(format!(
                "{what}: the audit did not fail on '{check}':\n{report}"
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// The dump without its byte strings (`\\x` and hex digits), in which a short word made of hex
/// digits ("ab85") turns up by chance.
fn without_hex(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut rest = dump;
    while let Some(i) = rest.find("\\x") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let hex = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        out.push_str("<bytes>");
        rest = &after[hex..];
    }
    out.push_str(rest);
    // The log's details hold digests in hex (`content=...`), and the database's id and
    // fingerprints are groups of hex digits joined by `-`, which hold any short run of hex
    // digits and dashes by chance (a code such as "ab85", an age band such as "25-34"): runs of
    // 16 or more digits, dashes between them included, are left out too.
    let mut cut = String::with_capacity(out.len());
    let mut run = String::new();
    for c in out.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() || (c == '-' && !run.is_empty()) {
            run.push(c);
            continue;
        }
        let digits = run.chars().filter(|c| *c != '-').count();
        cut.push_str(if digits >= 16 { "<hex>" } else { &run });
        run.clear();
        cut.push(c);
    }
    cut.pop();
    cut
}

/// The statement of schema.sql that makes the function `name`, as `init` ran it.
fn function_of_schema(name: &str) -> String {
    let schema = uppsok::storage::pg::SCHEMA;
    let start = schema
        .find(&format!("CREATE OR REPLACE FUNCTION {name}("))
        .expect("the function is in the schema");
    let body = schema[start..].find("$$").unwrap() + start + 2;
    let end = schema[body..].find("$$").unwrap() + body + 2;
    schema[start..end].to_string()
}

/// One of the server's own programs (`pg_dump`, `pg_restore`), of the newest version installed.
fn pg_tool(name: &str) -> std::path::PathBuf {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .last()
        .map(|v| v.join("bin").join(name))
        .filter(|p| p.exists())
        .unwrap_or_else(|| name.into())
}

/// Göteborg's own database role on a test database, made by the server's administrator (the
/// cluster's roles are shared by every test database: made once, with a name only these tests
/// use) and granted by the owner as docs/deploy.md says; its URL.
fn goteborgs_role(db: &Db) -> String {
    units_role(db, "uppsok_it_goteborg")
}

/// [`goteborgs_role`] under a name of the caller's: a test that changes the role itself (its
/// attributes, its memberships: the cluster's, seen by every test database) uses its own.
/// The administrator, connected as the owner, makes it Göteborg's with `uppsok unit role`
/// (logged), which grants it what it needs, as docs/deploy.md says.
fn units_role(db: &Db, role: &str) -> String {
    let server = db.server.as_ref().unwrap();
    let _ = server_admin("postgres").batch_execute(&format!(
        "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ));
    let o = db
        .cmd()
        .env("UPPSOK_DB", &server.owner_url)
        .args(["unit", "role", "goteborg", role])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    with_user(&server.url, role)
}

/// A unit's own database role (docs/deploy.md, "A role per unit"): uppsok works as it, and
/// someone holding its password writes no other unit's contact or night, rewrites no person
/// and puts no user into another unit, each refused by the server; a guard turned off fails
/// the audit.
#[test]
fn a_units_role_writes_only_its_own_units_rows_on_the_server() {
    let db = Db::new_on_server();
    let server = db.server.as_ref().unwrap();
    db.add_units(
        &["stockholm", "goteborg"],
        &[
            ("sara", "outreach", "goteborg"),
            ("lars", "lead", "goteborg"),
        ],
    );
    db.cmd()
        .args(add_args(&["--code", "AB85", "--note", "stockholms"]))
        .assert()
        .success();
    // A project of the administrator's (the first unit's).
    let project = |who: &str, pass: &str, name: &str, url: &str| {
        let mut c = db.cmd_as(who, pass);
        c.env("UPPSOK_DB", url)
            .args(["project", "add", name, "--funder", "Socialstyrelsen"])
            .args(["--from", "2024-01-01"]);
        c.output().unwrap()
    };
    let o = project("admin", PASS, "Stockholms", &server.url);
    assert!(o.status.success(), "{}", stderr(&o));
    let unit_url = goteborgs_role(&db);
    // Sara works as her unit's role: logging, editing, a field night.
    let sara = || {
        let mut c = db.cmd_as("sara", PASS);
        c.env("UPPSOK_DB", &unit_url);
        c
    };
    sara()
        .args(add_args(&["--code", "CD12", "--note", "göteborgs"]))
        .assert()
        .success();
    sara()
        .args([
            "contact", "edit", "2", "--note", "ändrad", "--reason", "typo",
        ])
        .assert()
        .success();
    sara()
        .args(["night", "add", "--date", "2024-03-01", "--kind", "street"])
        .args(["--district", "norrmalm", "--staff", "2"])
        .assert()
        .success();
    // Its staff's own writes of the city's shared tables: a new passphrase (the key file, its
    // seal in the settings, a key wrap), each log entry and the log's head.
    sara()
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", "another long passphrase")
        .assert()
        .success();
    // (The projects are the city's with several units: an administrator's.)
    let o = project("lars", PASS, "Göteborgs", &unit_url);
    assert!(
        !o.status.success() && stderr(&o).contains("admin"),
        "{}",
        stderr(&o)
    );
    let mut unit = postgres::Client::connect(&unit_url, postgres::NoTls).unwrap();
    let ids = |sql: &str| db.sql_i64(sql);
    let (admin, lars_id) = (
        ids("SELECT id FROM uppsok.users WHERE name = 'admin'"),
        ids("SELECT id FROM uppsok.users WHERE name = 'lars'"),
    );
    let (stockholms, goteborgs) = (
        ids("SELECT min(id) FROM uppsok.persons"),
        ids("SELECT max(id) FROM uppsok.persons"),
    );
    // A merge in its own user's name is the unit's to declare (the guard lets it through).
    let mut t = unit.transaction().unwrap();
    t.execute(
        "INSERT INTO uppsok.person_merges VALUES ($1, $2, $3, '')",
        &[&goteborgs, &stockholms, &lars_id],
    )
    .unwrap();
    t.rollback().unwrap();
    // Someone with the unit's password, on the server: each refused (insufficient privilege),
    // and nothing of it kept; again once the session's own temporary schema shadows the type
    // and table names the guards use (a red team turned every guard off with a temporary
    // `text` domain that cut the role's name to one letter).
    let attacks = [
        "UPDATE uppsok.contacts SET date = '2020-01-01' WHERE id = 1",
        "DELETE FROM uppsok.contacts WHERE id = 1",
        "UPDATE uppsok.contacts SET created_by = 1 WHERE id = 2",
        "INSERT INTO uppsok.contacts(id, date, created_by, created_at, attributes, note)
         VALUES (99, '2024-01-01', 1, 0, '\\x00', '\\x00')",
        "INSERT INTO uppsok.field_nights(id, date, created_by, created_at, details)
         VALUES (99, '2024-01-01', 1, '', '\\x00')",
        "UPDATE uppsok.persons SET pseudonym = '\\x00' WHERE id = 1",
        "DELETE FROM uppsok.persons WHERE id = 1",
        "INSERT INTO uppsok.user_units(user_id, unit) VALUES (1, 2)",
        "DELETE FROM uppsok.user_units",
        "UPDATE uppsok.unit_roles SET unit = 1",
        "TRUNCATE uppsok.contacts",
        // Its own unit's tables: nothing of another unit's user (the guards), and nothing
        // but its own unit's rows (the tables' partition bounds: 23514).
        "UPDATE uppsok_u2.contacts SET created_by = 1 WHERE id = 2",
        "UPDATE uppsok_u2.contacts SET unit = 1 WHERE id = 2",
        "INSERT INTO uppsok_u2.contacts(id, date, created_by, created_at, attributes, note, unit)
         VALUES (99, '2024-01-01', 1, 0, '\\x00', '\\x00', 2)",
        "INSERT INTO uppsok_u2.contacts(id, date, created_by, created_at, attributes, note, unit)
         VALUES (99, '2024-01-01', 1, 0, '\\x00', '\\x00', 1)",
        "INSERT INTO uppsok_u2.field_nights(id, date, created_by, created_at, details, unit)
         VALUES (99, '2024-01-01', 1, '', '\\x00', 2)",
        "INSERT INTO uppsok_u2.activities(id, date, created_by, created_at, details, note, unit)
         VALUES (99, '2024-01-01', 1, '', '\\x00', '\\x00', 2)",
        "UPDATE uppsok_u2.field_nights SET created_by = 1",
        "SELECT uppsok.make_unit_tables(3)",
        "SELECT count(*) FROM uppsok_u1.contacts",
    ];
    // The city's shared tables: nothing in another unit's user's name, nothing only
    // administration writes (round 6 of the red team: a merge in Stockholm's lead's name, a
    // key wrap or the recovery key removed).
    let shared = [
        format!("INSERT INTO uppsok.person_merges VALUES ({goteborgs}, {stockholms}, {admin}, '')"),
        format!("UPDATE uppsok.master_wraps SET wrapped_master = '\\x00' WHERE user_id = {admin}"),
        format!("DELETE FROM uppsok.master_wraps WHERE user_id = {admin}"),
        format!(
            "INSERT INTO uppsok.master_wraps SELECT {admin}, public_key, wrapped_master
               FROM uppsok.master_wraps WHERE user_id = {lars_id}
             ON CONFLICT (user_id) DO UPDATE SET wrapped_master = excluded.wrapped_master"
        ),
        "DELETE FROM uppsok.master_wraps".to_string(),
        "UPDATE uppsok.projects SET details = '\\x00'".to_string(),
        "DELETE FROM uppsok.projects".to_string(),
        format!(
            "INSERT INTO uppsok.projects SELECT 99, {admin}, created_at, details
               FROM uppsok.projects LIMIT 1"
        ),
        format!(
            "INSERT INTO uppsok.audit_log SELECT max(seq) + 1, '', {admin}, 'x', '', '', '\\x00'
               FROM uppsok.audit_log"
        ),
        "INSERT INTO uppsok.audit_log SELECT max(seq) + 1, '', NULL, 'x', '', '', '\\x00'
           FROM uppsok.audit_log"
            .to_string(),
        "UPDATE uppsok.users SET disabled = true".to_string(),
        format!("UPDATE uppsok.users SET role = 'admin' WHERE id = {lars_id}"),
        "INSERT INTO uppsok.users VALUES (99, 'x', 'admin', false, '', '\\x00')".to_string(),
        "DELETE FROM uppsok.recovery_keys".to_string(),
        "UPDATE uppsok.recovery_keys SET wrapped_master = '\\x00'".to_string(),
        "DELETE FROM uppsok.pseudonym_keys".to_string(),
        "UPDATE uppsok.page_key SET check_value = '\\x00'".to_string(),
        "DELETE FROM uppsok.key_file".to_string(),
        "DELETE FROM uppsok.meta WHERE key = 'key_file_seal'".to_string(),
        "UPDATE uppsok.meta SET value = 'x' WHERE key = 'districts'".to_string(),
        "INSERT INTO uppsok.meta VALUES ('format', '9')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            .to_string(),
        "TRUNCATE uppsok.person_merges".to_string(),
        "TRUNCATE uppsok.meta".to_string(),
    ];
    let attacks: Vec<&str> = attacks
        .iter()
        .copied()
        .chain(shared.iter().map(String::as_str))
        .collect();
    for shadowed in [false, true] {
        if shadowed {
            // A session of its own: one that ran the guards already keeps their plans.
            unit = postgres::Client::connect(&unit_url, postgres::NoTls).unwrap();
            unit.batch_execute(
                "CREATE DOMAIN pg_temp.text AS varchar(1);
                 CREATE DOMAIN pg_temp.int8 AS int2;
                 CREATE TEMP TABLE unit_roles(role_name text, unit bigint);
                 CREATE TEMP TABLE user_units(user_id bigint, unit bigint);",
            )
            .unwrap();
        }
        for &sql in &attacks {
            // Refused, or (another unit's row, which it cannot see) nothing to change.
            match unit.execute(sql, &[]) {
                Ok(0) if sql.contains("WHERE id = 1") => {}
                Ok(n) => panic!("{sql} ({shadowed}): {n} rows"),
                Err(e) => {
                    let code = e.code().map(|c| c.code().to_string());
                    let bound =
                        sql.contains("contacts SET unit = 1") || sql.contains("'\\x00', 1)");
                    let expected = if bound { "23514" } else { "42501" };
                    assert_eq!(code.as_deref(), Some(expected), "{sql} ({shadowed}): {e:?}");
                }
            }
        }
    }
    let mut city = postgres::Client::connect(&server.url, postgres::NoTls).unwrap();
    let first: String = city
        .query_one("SELECT date FROM uppsok.contacts WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(first, "2024-03-01");
    // The city's role (an administrator's) is not held back.
    let audit = || db.cmd().arg("audit").output().unwrap();
    let a = audit();
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
    // A user moved into another unit behind uppsok's back (the city's role may write the
    // table uppsok keeps it in): the guards would follow it, so the audit names it.
    let sara_id = db.sql_i64("SELECT id FROM uppsok.users WHERE name = 'sara'");
    let admin_id = db.sql_i64("SELECT id FROM uppsok.users WHERE name = 'admin'");
    for (moved, sql) in [
        (
            sara_id,
            format!("UPDATE uppsok.user_units SET unit = 1 WHERE user_id = {sara_id}"),
        ),
        (
            admin_id,
            format!("INSERT INTO uppsok.user_units VALUES ({admin_id}, 2)"),
        ),
    ] {
        let undo = format!(
            "DELETE FROM uppsok.user_units WHERE user_id = {moved};
             INSERT INTO uppsok.user_units SELECT {sara_id}, 2 WHERE {moved} = {sara_id}"
        );
        city.batch_execute(&sql).unwrap();
        let out = db
            .cmd()
            .args(["audit", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{sql}: {}", stdout(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["record"] == format!("user:{moved}").as_str()
                    && f["kind"] == "unit_not_granted"),
            "{sql}: {report:#}"
        );
        city.batch_execute(&undo).unwrap();
        let a = audit();
        assert!(a.status.success(), "{undo}: {}{}", stdout(&a), stderr(&a));
    }
    // A guard turned off by the schema's owner, on the city's table or on the unit's own,
    // fails the audit, naming the table.
    let mut owner = postgres::Client::connect(&server.owner_url, postgres::NoTls).unwrap();
    for table in [
        "uppsok.contacts",
        "uppsok_u2.field_nights",
        "uppsok_u2.activities",
    ] {
        let name = table.split('.').nth(1).unwrap();
        owner
            .batch_execute(&format!(
                "ALTER TABLE {table} DISABLE TRIGGER {name}_unit_updates"
            ))
            .unwrap();
        let a = audit();
        assert_eq!(a.status.code(), Some(1), "{table}: {}", stdout(&a));
        assert!(
            stdout(&a).contains("guards of the units' roles") && stdout(&a).contains(table),
            "{}",
            stdout(&a)
        );
        owner
            .batch_execute(&format!(
                "ALTER TABLE {table} ENABLE TRIGGER {name}_unit_updates"
            ))
            .unwrap();
        let a = audit();
        assert!(a.status.success(), "{table}: {}{}", stdout(&a), stderr(&a));
    }
    // The same on the city's shared tables: a guard turned off, one made to read another
    // column (person ids, which the role picks), one made to fire on another statement, and a
    // privilege `uppsok unit role` took away given back.
    let role = "uppsok_it_goteborg";
    for (table, change, undo) in [
        (
            "uppsok.person_merges",
            "ALTER TABLE uppsok.person_merges DISABLE TRIGGER person_merges_unit_inserts",
            "ALTER TABLE uppsok.person_merges ENABLE TRIGGER person_merges_unit_inserts",
        ),
        (
            "uppsok.users",
            "ALTER TABLE uppsok.users DISABLE TRIGGER users_city_rows",
            "ALTER TABLE uppsok.users ENABLE TRIGGER users_city_rows",
        ),
        (
            "uppsok.person_merges",
            "CREATE OR REPLACE TRIGGER person_merges_unit_inserts AFTER INSERT ON uppsok.person_merges
               REFERENCING NEW TABLE AS new_rows
               FOR EACH STATEMENT EXECUTE FUNCTION uppsok.unit_authors_guard('person_id')",
            "CREATE OR REPLACE TRIGGER person_merges_unit_inserts AFTER INSERT ON uppsok.person_merges
               REFERENCING NEW TABLE AS new_rows
               FOR EACH STATEMENT EXECUTE FUNCTION uppsok.unit_authors_guard('merged_by')",
        ),
        (
            "uppsok.master_wraps",
            "CREATE OR REPLACE TRIGGER master_wraps_unit_updates AFTER DELETE ON uppsok.master_wraps
               REFERENCING OLD TABLE AS old_rows
               FOR EACH STATEMENT EXECUTE FUNCTION uppsok.unit_authors_guard('user_id')",
            "CREATE OR REPLACE TRIGGER master_wraps_unit_updates AFTER UPDATE ON uppsok.master_wraps
               REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
               FOR EACH STATEMENT EXECUTE FUNCTION uppsok.unit_authors_guard('user_id')",
        ),
        (
            "uppsok.recovery_keys",
            &format!("GRANT DELETE ON uppsok.recovery_keys TO {role}"),
            &format!("REVOKE DELETE ON uppsok.recovery_keys FROM {role}"),
        ),
        (
            "uppsok.persons",
            &format!("GRANT SELECT ON uppsok.persons TO {role}"),
            &format!(
                "REVOKE SELECT ON uppsok.persons FROM {role};
                 GRANT SELECT (id, pseudonym) ON uppsok.persons TO {role}"
            ),
        ),
    ] {
        owner.batch_execute(change).unwrap();
        let a = audit();
        assert_eq!(a.status.code(), Some(1), "{change}: {}", stdout(&a));
        assert!(stdout(&a).contains(table), "{change}: {}", stdout(&a));
        owner.batch_execute(undo).unwrap();
        let a = audit();
        assert!(a.status.success(), "{undo}: {}{}", stdout(&a), stderr(&a));
    }
}

/// A unit's own role reads only its own unit's contacts, field nights and activities (each
/// unit's in tables of its own): on the server, with SQL, someone holding its password finds no
/// date, link or envelope of another unit's, not even of a person both units met, however they
/// ask, `EXPLAIN` and the column statistics included (red team round 5 read every unit's dates
/// from those under row-level security). uppsok works as it with the same figures as on the
/// city's role, refuses (clearly) what needs every unit's rows, and the audit fails when
/// anything would give the role another unit's rows again.
#[test]
fn a_units_role_reads_only_its_own_units_rows_on_the_server() {
    let db = Db::new_on_server();
    let server = db.server.as_ref().unwrap();
    db.add_units(
        &["stockholm", "goteborg"],
        &[
            ("sara", "outreach", "goteborg"),
            ("lena", "lead", "goteborg"),
        ],
    );
    // A role of this test's own: it is made a superuser and given the city's role below.
    let unit_role = "uppsok_it_goteborg_reads";
    let unit_url = units_role(&db, unit_role);
    let on_unit = |user: &str| {
        let mut c = db.cmd_as(user, PASS);
        c.env("UPPSOK_DB", &unit_url);
        c
    };
    // Stockholm (the administrator's unit) and Göteborg meet the same person, AB85.
    for (stockholm, code) in [(true, "AB85"), (false, "AB85"), (false, "CD12")] {
        let mut c = match stockholm {
            true => db.cmd(),
            false => on_unit("sara"),
        };
        c.args(add_args(&["--code", code, "--note", "anteckning"]))
            .assert()
            .success();
    }
    for stockholm in [true, false] {
        let mut c = match stockholm {
            true => db.cmd(),
            false => on_unit("sara"),
        };
        c.args(["night", "add", "--date", "2024-03-01", "--kind", "street"])
            .args(["--district", "norrmalm", "--staff", "2"])
            .assert()
            .success();
        let mut c = match stockholm {
            true => db.cmd(),
            false => on_unit("sara"),
        };
        c.args(activity_args(&["--participants", "20"]))
            .assert()
            .success();
    }
    // Stockholm's only user here is the administrator.
    let stockholms = "(SELECT id FROM uppsok.users WHERE name = 'admin')";
    let count = |c: &mut postgres::Client, sql: &str| -> i64 {
        c.query_one(sql, &[])
            .map(|r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let mut city = postgres::Client::connect(&server.url, postgres::NoTls).unwrap();
    for (table, all) in [("contacts", 3), ("field_nights", 2), ("activities", 2)] {
        let sql = format!("SELECT count(*) FROM uppsok.{table}");
        assert_eq!(count(&mut city, &sql), all, "{sql} as the city");
    }
    let person = count(
        &mut city,
        &format!("SELECT person_id FROM uppsok.contacts WHERE created_by IN {stockholms}"),
    );
    // The server's column statistics of every table (pg_stats: a histogram of dates).
    postgres::Client::connect(&server.owner_url, postgres::NoTls)
        .unwrap()
        .batch_execute("ANALYZE")
        .unwrap();
    // However the unit's role asks, in a session as it comes and in one whose temporary
    // schema shadows what the schema's functions name: its own unit's tables, and nothing of
    // the tables that hold every unit's rows or of Stockholm's (not even by `EXPLAIN`, whose
    // row counts a red team read other units' dates from under row-level security).
    for shadowed in [false, true] {
        let mut unit = postgres::Client::connect(&unit_url, postgres::NoTls).unwrap();
        if shadowed {
            unit.batch_execute(
                "CREATE DOMAIN pg_temp.text AS varchar(1);
                 CREATE TEMP TABLE unit_roles(role_name text, unit bigint);
                 CREATE TEMP TABLE user_units(user_id bigint, unit bigint);
                 CREATE TEMP TABLE users(id bigint);",
            )
            .unwrap();
        }
        for (table, own) in [("contacts", 2), ("field_nights", 1), ("activities", 1)] {
            let sql = format!("SELECT count(*) FROM uppsok_u2.{table}");
            assert_eq!(count(&mut unit, &sql), own, "{sql} ({shadowed})");
            let sql =
                format!("SELECT count(*) FROM uppsok_u2.{table} WHERE created_by IN {stockholms}");
            assert_eq!(count(&mut unit, &sql), 0, "{sql} ({shadowed})");
            for sql in [
                format!("SELECT count(*) FROM uppsok.{table}"),
                format!("SELECT count(*) FROM uppsok_u1.{table}"),
                format!("EXPLAIN ANALYZE SELECT * FROM uppsok.{table} WHERE date = '2024-03-01'"),
                format!("EXPLAIN SELECT * FROM uppsok_u1.{table}"),
                format!("COPY uppsok.{table} TO STDOUT"),
            ] {
                let e = unit.batch_execute(&sql).expect_err(&sql);
                let code = e.code().map(|c| c.code().to_string());
                assert_eq!(code.as_deref(), Some("42501"), "{sql} ({shadowed}): {e:?}");
            }
        }
        // The server's column statistics: its own tables', none of the others'.
        let stats = |c: &mut postgres::Client, schema: &str| {
            count(
                c,
                &format!("SELECT count(*) FROM pg_stats WHERE schemaname = '{schema}'"),
            )
        };
        assert!(stats(&mut unit, "uppsok_u2") > 0, "({shadowed})");
        assert_eq!(stats(&mut unit, "uppsok_u1"), 0, "({shadowed})");
        assert_eq!(
            stats(&mut unit, "uppsok"),
            count(
                &mut unit,
                "SELECT count(*) FROM pg_stats WHERE schemaname = 'uppsok'
               AND tablename NOT IN ('contacts', 'field_nights', 'activities')"
            ),
            "({shadowed})"
        );
        // The person both met: only Göteborg's own contact of theirs, by every way there (and
        // no contact of Göteborg's shows that another of the person's exists).
        for (sql, seen) in [
            (
                format!("SELECT count(*) FROM uppsok_u2.contacts WHERE person_id = {person}"),
                1,
            ),
            (
                format!(
                    "SELECT count(*) FROM uppsok.persons p JOIN uppsok_u2.contacts c
                         ON c.person_id = p.id WHERE p.id = {person}"
                ),
                1,
            ),
            (
                "SELECT count(*) FROM uppsok_u2.contacts c WHERE EXISTS (SELECT 1
                     FROM uppsok_u2.contacts d WHERE d.person_id = c.person_id AND d.id <> c.id)"
                    .to_string(),
                0,
            ),
        ] {
            assert_eq!(count(&mut unit, &sql), seen, "{sql} ({shadowed})");
        }
        // Nor may it change what it is granted, what the tables hold, or what uppsok runs on
        // it (a function of its own schema's would come first on its search path).
        for sql in [
            "GRANT SELECT ON uppsok_u1.contacts TO PUBLIC",
            "ALTER TABLE uppsok.contacts DETACH PARTITION uppsok_u1.contacts",
            "CREATE TABLE uppsok_u2.stockholm PARTITION OF uppsok.contacts FOR VALUES IN (3)",
            "CREATE FUNCTION uppsok_u2.unit_of_user(u bigint) RETURNS bigint
                 LANGUAGE sql AS 'SELECT 1::bigint'",
            "CREATE OR REPLACE FUNCTION uppsok.session_unit() RETURNS bigint
                 LANGUAGE sql AS 'SELECT NULL::bigint'",
            "SELECT uppsok.make_unit_tables(3)",
        ] {
            unit.batch_execute(sql).expect_err(sql);
        }
        // Nor lock a person's row: a red team (round 6) saw which person another unit was
        // logging a contact with, from the rows its foreign key's check held.
        for lock in ["UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"] {
            let sql = format!("SELECT id FROM uppsok.persons FOR {lock} SKIP LOCKED");
            let e = unit.batch_execute(&sql).expect_err(&sql);
            let code = e.code().map(|c| c.code().to_string());
            assert_eq!(code.as_deref(), Some("42501"), "{sql} ({shadowed}): {e:?}");
        }
        // Nor read a person's or a user's system columns: a contact's foreign keys lock its
        // person's and author's rows, which leaves its transaction's id in their `xmax` (red
        // team round 7 matched those with the log entries' `xmin`, after the fact: which
        // person each of Stockholm's contacts was with). Their columns read as before.
        for sql in [
            "SELECT xmax FROM uppsok.persons",
            "SELECT xmin FROM uppsok.persons",
            "SELECT id FROM uppsok.persons WHERE xmax <> '0'",
            "SELECT ctid FROM uppsok.persons",
            "SELECT xmax FROM uppsok.users",
        ] {
            let e = unit.batch_execute(sql).expect_err(sql);
            let code = e.code().map(|c| c.code().to_string());
            assert_eq!(code.as_deref(), Some("42501"), "{sql} ({shadowed}): {e:?}");
        }
        let sql = "SELECT count(*) FROM uppsok.persons p JOIN uppsok.users u ON true";
        assert!(count(&mut unit, sql) > 0, "({shadowed})");
    }
    // (What that channel showed: the person of Stockholm's contact carries its transaction.)
    let locked = format!("SELECT count(*) FROM uppsok.persons WHERE id = {person} AND xmax <> '0'");
    assert_eq!(count(&mut city, &locked), 1);
    // uppsok on the unit's role: the same figures and export as on the city's.
    for args in [
        &["stats", "--format", "json"][..],
        &["report", "--year", "2024"][..],
        &["export", "--format", "json"][..],
        &["night", "list"][..],
        &["activity", "list"][..],
    ] {
        let city = db.cmd_as("lena", PASS).args(args).output().unwrap();
        let unit = on_unit("lena").args(args).output().unwrap();
        assert!(city.status.success(), "{args:?}: {}", stderr(&city));
        assert!(unit.status.success(), "{args:?}: {}", stderr(&unit));
        // (The report names the log's checkpoint, one entry on: the first run logged.)
        let figures = |o: &std::process::Output| {
            let out = stdout(o);
            out.lines()
                .filter(|l| !l.contains("Checkpoint of the access"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(figures(&city), figures(&unit), "{args:?}");
    }
    // What must read every unit's rows is refused on it, saying why; an administrator (of
    // Stockholm) is refused Göteborg's role at sign-in.
    for (user, args, says) in [
        ("lena", &["audit"][..], "city's role"),
        ("admin", &["stats", "--city"][..], "unit goteborg"),
    ] {
        let o = on_unit(user).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let o = on_unit("lena")
        .args(["--lang", "sv", "audit"])
        .output()
        .unwrap();
    assert!(stderr(&o).contains("stadens roll"), "{}", stderr(&o));
    // The city's audit passes; with another unit's rows given to the role again, fails.
    let audit = || db.cmd().arg("audit").output().unwrap();
    let a = audit();
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
    // What the schema's owner (or the server's administrator) could do instead, each named.
    let mut owner = postgres::Client::connect(&server.owner_url, postgres::NoTls).unwrap();
    let mut superuser = server_admin(&server.name);
    let pinned = "LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp";
    let session_unit = format!(
        "CREATE OR REPLACE FUNCTION uppsok.session_unit() RETURNS BIGINT {pinned} AS $$
    SELECT unit FROM uppsok.unit_roles WHERE role_name = current_user::pg_catalog.text
$$"
    );
    for (attack, undo, by_superuser, says) in [
        // Red team round 5 read every unit's dates under row-level security; with a table
        // of each unit's own, what would give the unit's role another unit's rows again.
        (
            format!("GRANT UPDATE (pseudonym) ON uppsok.persons TO {unit_role}"),
            format!("REVOKE UPDATE (pseudonym) ON uppsok.persons FROM {unit_role}"),
            false,
            "may read uppsok.persons's whole rows or change them",
        ),
        (
            format!("GRANT SELECT ON uppsok.contacts TO {unit_role}"),
            format!("REVOKE SELECT ON uppsok.contacts FROM {unit_role}"),
            false,
            "may read or write uppsok.contacts",
        ),
        (
            format!(
                "GRANT USAGE ON SCHEMA uppsok_u1 TO {unit_role};
                 GRANT SELECT (date) ON uppsok_u1.field_nights TO {unit_role}"
            ),
            format!(
                "REVOKE USAGE ON SCHEMA uppsok_u1 FROM {unit_role};
                 REVOKE SELECT (date) ON uppsok_u1.field_nights FROM {unit_role}"
            ),
            false,
            "may read or write uppsok_u1.field_nights",
        ),
        (
            format!(
                "CREATE TABLE uppsok_u2.later PARTITION OF uppsok.activities FOR VALUES IN (3);
                 GRANT SELECT ON uppsok_u2.later TO {unit_role}"
            ),
            "DROP TABLE uppsok_u2.later".into(),
            false,
            "uppsok_u2.later holds rows of activities",
        ),
        (
            "CREATE FUNCTION uppsok_u2.unit_of_user(u bigint) RETURNS bigint
                 LANGUAGE sql AS 'SELECT 1::bigint'"
                .into(),
            "DROP FUNCTION uppsok_u2.unit_of_user(bigint)".into(),
            false,
            "(uppsok_u2.unit_of_user)",
        ),
        (
            "UPDATE uppsok.contacts SET unit = 2 WHERE id = 1".into(),
            "UPDATE uppsok.contacts SET unit = 1 WHERE id = 1".into(),
            false,
            "contacts id 1 is in another unit's table",
        ),
        (
            "INSERT INTO uppsok.field_nights SELECT id, date, created_by, created_at, details, 1
               FROM uppsok.field_nights WHERE unit = 2"
                .into(),
            "DELETE FROM uppsok.field_nights WHERE unit = 1 AND created_by NOT IN
               (SELECT id FROM uppsok.users WHERE name = 'admin')"
                .into(),
            false,
            "more than once",
        ),
        // A red team's (round 5): the functions the policy and the guards call, made to let
        // everything through, passed the audit.
        (
            format!(
                "CREATE OR REPLACE FUNCTION uppsok.session_unit() RETURNS BIGINT {pinned}
                 AS $$ SELECT NULL::bigint $$"
            ),
            session_unit.clone(),
            false,
            "function session_unit",
        ),
        (
            "CREATE OR REPLACE FUNCTION uppsok.audit_log_append_only() RETURNS trigger
                 LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
                 AS $$ BEGIN RETURN OLD; END $$"
                .into(),
            format!(
                "SET search_path = uppsok; {}",
                function_of_schema("audit_log_append_only")
            ),
            false,
            "function audit_log_append_only",
        ),
        (
            format!(
                "CREATE VIEW uppsok.leak AS SELECT * FROM uppsok.contacts;
                 GRANT SELECT ON uppsok.leak TO {unit_role}"
            ),
            "DROP VIEW uppsok.leak".into(),
            false,
            "(uppsok.leak (v))",
        ),
        (
            format!(
                "CREATE SCHEMA leak; CREATE VIEW leak.v AS SELECT * FROM uppsok.contacts;
                 GRANT USAGE ON SCHEMA leak TO {unit_role}; GRANT SELECT ON leak.v TO {unit_role}"
            ),
            "DROP SCHEMA leak CASCADE".into(),
            false,
            "view(s) outside",
        ),
        (
            format!(
                "CREATE SCHEMA leak; CREATE TABLE leak.copied(id bigint, date text);
                 CREATE FUNCTION leak.copy() RETURNS trigger LANGUAGE plpgsql AS
                     $$ BEGIN INSERT INTO leak.copied VALUES (NEW.id, NEW.date); RETURN NULL; END $$;
                 CREATE TRIGGER copy AFTER INSERT ON uppsok.contacts
                     FOR EACH ROW EXECUTE FUNCTION leak.copy();
                 GRANT USAGE ON SCHEMA leak TO {unit_role}; GRANT SELECT ON leak.copied TO {unit_role}"
            ),
            "DROP SCHEMA leak CASCADE".into(),
            false,
            "(copy on uppsok.contacts)",
        ),
        (
            "CREATE RULE copy AS ON INSERT TO uppsok_u1.contacts DO ALSO NOTIFY copied".into(),
            "DROP RULE copy ON uppsok_u1.contacts".into(),
            false,
            "(rule copy on uppsok_u1.contacts)",
        ),
        (
            "CREATE VIEW uppsok_u2.leak AS SELECT * FROM uppsok_u1.contacts".into(),
            "DROP VIEW uppsok_u2.leak".into(),
            false,
            "(uppsok_u2.leak (v))",
        ),
        (
            format!("GRANT uppsok_app TO {unit_role}"),
            format!("REVOKE uppsok_app FROM {unit_role}"),
            true,
            "may read or write uppsok.contacts",
        ),
        (
            format!("ALTER ROLE {unit_role} SUPERUSER"),
            format!("ALTER ROLE {unit_role} NOSUPERUSER"),
            true,
            "is a superuser",
        ),
        // Red team round 5: the owner rewriting the list of units' roles was not caught. The
        // role moved to Stockholm reads Stockholm's rows; taken off the list it is a city role.
        (
            format!("UPDATE uppsok.unit_roles SET unit = 1 WHERE role_name = '{unit_role}'"),
            format!("UPDATE uppsok.unit_roles SET unit = 2 WHERE role_name = '{unit_role}'"),
            false,
            "role_not_granted",
        ),
        (
            format!("DELETE FROM uppsok.unit_roles WHERE role_name = '{unit_role}'"),
            format!("INSERT INTO uppsok.unit_roles VALUES ('{unit_role}', 2)"),
            false,
            "role_missing",
        ),
        (
            "INSERT INTO uppsok.unit_roles VALUES ('uppsok_it_someone', 1)".into(),
            "DELETE FROM uppsok.unit_roles WHERE role_name = 'uppsok_it_someone'".into(),
            false,
            "role_not_granted",
        ),
    ] {
        let mut by = |sql: &str| match by_superuser {
            true => superuser.batch_execute(sql),
            false => owner.batch_execute(sql),
        };
        by(&attack).unwrap_or_else(|e| panic!("{attack}: {e}"));
        let a = audit();
        assert_eq!(a.status.code(), Some(1), "{attack}: {}", stdout(&a));
        assert!(stdout(&a).contains(says), "{attack}: {}", stdout(&a));
        by(&undo).unwrap_or_else(|e| panic!("{undo}: {e}"));
        let a = audit();
        assert!(a.status.success(), "{undo}: {}{}", stdout(&a), stderr(&a));
    }
}

/// A unit's role imports in bulk (20,000 rows: the path that drops the primary key, the person
/// index and the contacts' keys for the load, and copies contacts with their unit filled in): its own
/// unit's contacts, in its own unit's table, linked to the city's persons, with the index and
/// keys made again; the city's audit passes.
#[test]
fn a_units_role_imports_its_own_contacts_in_bulk() {
    let db = Db::new_on_server();
    let server = db.server.as_ref().unwrap();
    db.add_units(&["stockholm", "goteborg"], &[("lena", "lead", "goteborg")]);
    db.cmd()
        .args(add_args(&["--code", "k00001", "--note", "stockholms"]))
        .assert()
        .success();
    let unit_url = goteborgs_role(&db);
    let mut csv = String::from(HEADER);
    for i in 0..20_000 {
        csv.push_str(&format!(
            "2024-02-{:02},k{:05},sells,woman,25-34,men,norrmalm,outreach,,no,\n",
            1 + i % 28,
            i % 5_000
        ));
    }
    let f = db.file("unit.csv", &csv);
    let o = db
        .cmd_as("lena", PASS)
        .env("UPPSOK_DB", &unit_url)
        .arg("import")
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut unit = postgres::Client::connect(&unit_url, postgres::NoTls).unwrap();
    let own: i64 = unit
        .query_one("SELECT count(*) FROM uppsok_u2.contacts", &[])
        .unwrap()
        .get(0);
    assert_eq!(own, 20_000);
    let mut owner = postgres::Client::connect(&server.owner_url, postgres::NoTls).unwrap();
    let (persons, keys, index): (i64, i64, i64) = {
        let r = owner
            .query_one(
                "SELECT (SELECT count(*) FROM uppsok.persons),
                        (SELECT count(*) FROM pg_constraint
                          WHERE conrelid = 'uppsok.contacts'::regclass AND contype = 'f'
                            AND conparentid = 0),
                        (SELECT count(*) FROM pg_indexes
                          WHERE schemaname = 'uppsok' AND indexname = 'contacts_person')",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    // k00001 is one person of the city's, met by both units.
    assert_eq!((persons, keys, index), (5_000, 3, 1));
    let a = db.cmd().arg("audit").output().unwrap();
    assert!(a.status.success(), "{}{}", stdout(&a), stderr(&a));
}

/// A city's file moved onto the server keeps each user's unit for the server's guards: after
/// `migrate`, Göteborg's staff write their own contacts as Göteborg's role, and that role
/// writes none of Stockholm's.
#[test]
fn a_city_moved_onto_the_server_writes_each_units_rows_as_its_own_role() {
    let file = Db::new();
    file.add_units(
        &["stockholm", "goteborg"],
        &[("sara", "outreach", "goteborg")],
    );
    file.cmd()
        .args(add_args(&["--code", "AB85", "--note", "stockholms"]))
        .assert()
        .success();
    file.cmd_as("sara", PASS)
        .args(add_args(&["--code", "CD12", "--note", "göteborgs"]))
        .assert()
        .success();
    let server = Db::server_copy(None);
    let target = server.server.as_ref().unwrap();
    file.cmd()
        .args(["migrate", "--to", &target.owner_url])
        .assert()
        .success();
    target.grant();
    let unit_url = goteborgs_role(&server);
    let o = server
        .cmd_as("sara", PASS)
        .env("UPPSOK_DB", &unit_url)
        .args([
            "contact", "edit", "2", "--note", "ändrad", "--reason", "typo",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Each unit's rows were moved into its own tables. Stockholm's contact is not there for
    // Göteborg's role to change; its own is, and may not be moved into Stockholm.
    let mut unit = postgres::Client::connect(&unit_url, postgres::NoTls).unwrap();
    let ids: Vec<i64> = unit
        .query("SELECT id FROM uppsok_u2.contacts", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [2]);
    let changed = unit
        .execute(
            "UPDATE uppsok_u2.contacts SET date = '2020-01-01' WHERE id = 1",
            &[],
        )
        .unwrap();
    assert_eq!(changed, 0, "Stockholm's contact");
    for sql in [
        "UPDATE uppsok_u2.contacts SET created_by = 1 WHERE id = 2",
        "UPDATE uppsok.contacts SET date = '2020-01-01' WHERE id = 1",
    ] {
        let e = unit.execute(sql, &[]).expect_err(sql);
        assert_eq!(e.code().map(|c| c.code()), Some("42501"), "{sql}: {e:?}");
    }
    let a = server.cmd().arg("audit").output().unwrap();
    assert!(a.status.success(), "{}", stdout(&a));
}
