//! The database over time, through the real binary: backup and restore, rekey, disabling a
//! user, forget, purge, the recovery key, raised key-derivation parameters, two writers.

mod common;
use common::*;

use std::process::Output;

use uppsok::crypto::{Passphrase, Place};

fn csv_rows(rows: &[(&str, &str, &str)]) -> String {
    let mut s = HEADER.to_string();
    for (date, code, note) in rows {
        s.push_str(&format!(
            "{date},{code},sells,woman,25-34,men,norrmalm,outreach,health,no,\"{note}\"\n"
        ));
    }
    s
}

/// The binary as a plain process (to run in the background), signed in as the admin.
fn std_cmd(db: &Db) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("uppsok"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", db.dir.path())
        .env("UPPSOK_INSECURE_TEST_KDF", "1")
        .env("UPPSOK_DB", &db.path)
        .env("LANG", "C")
        .env("UPPSOK_USER", ADMIN)
        .env("UPPSOK_PASSPHRASE", PASS);
    c
}

fn ok(o: &Output) {
    assert!(o.status.success(), "failed: {}\n{}", stderr(o), stdout(o));
}

fn export(db: &Db) -> Vec<serde_json::Value> {
    let o = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    ok(&o);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Export without the pseudonyms (which a rekey changes on purpose).
fn export_without_pseudonyms(db: &Db) -> Vec<serde_json::Value> {
    export(db)
        .into_iter()
        .map(|mut c| {
            c.as_object_mut().unwrap().remove("person_code");
            c
        })
        .collect()
}

fn verify_chain(db: &Db, user: &str, pass: &str) -> i64 {
    let mut v = uppsok::vault::Vault::unlock(&db.path, user, &Passphrase::new(pass.into()))
        .expect("unlock");
    v.audit()
        .verify_chain()
        .unwrap()
        .expect("audit chain intact")
}

fn sample(db: &Db) {
    ok(&db.import(&csv_rows(&[
        ("2010-03-01", "AB 85", "första mötet vid tunnelbanan"),
        ("2011-05-02", "ab85", "andra mötet, ville prata om boende"),
        ("2015-07-03", "CD 90", "trött men glad"),
        ("2021-09-04", "EF 77", "ny kontakt på nätet"),
        ("2022-01-05", "", ""),
    ])));
}

fn scalar(db: &Db, sql: &str) -> i64 {
    db.sql_i64(sql)
}

// ----- backup --------------------------------------------------------------------------

#[test]
fn a_backup_is_private_opens_with_the_same_users_and_restores() {
    if on_server_backend() {
        return; // a file's `backup`; a server's copies are `pg_dump`'s (tests/cli_lang.rs)
    }
    let db = Db::new();
    db.add_user("olle", "outreach");
    sample(&db);
    let copy = db.dir.path().join("backup.db");
    ok(&db.cmd().arg("backup").arg(&copy).output().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let before = export(&db);
    // Work goes on after the backup...
    ok(&db.import(&csv_rows(&[("2023-01-01", "GH 11", "efter backupen")])));
    assert_eq!(export(&db).len(), 6);
    // ...then the file is lost, and the backup is restored as docs/operations.md says.
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.path.display()));
    }
    std::fs::copy(&copy, &db.path).unwrap();
    assert_eq!(export(&db), before);
    db.cmd_as("olle", PASS).arg("stats").assert().success();
    verify_chain(&db, ADMIN, PASS);
    // A backup refuses to overwrite a file, and is for admins only.
    db.cmd().arg("backup").arg(&copy).assert().code(2);
    let other = db.dir.path().join("other.db");
    db.cmd_as("olle", PASS)
        .arg("backup")
        .arg(&other)
        .assert()
        .code(1);
    assert!(!other.exists());
}

#[test]
fn a_backup_taken_during_an_import_holds_all_of_it_or_none() {
    if on_server_backend() {
        return; // a file's `backup`; a server's copies are `pg_dump`'s (tests/cli_lang.rs)
    }
    let db = Db::new();
    let mut csv = HEADER.to_string();
    for i in 0..40_000 {
        csv.push_str(&format!(
            "2015-01-01,p{},sells,woman,25-34,men,norrmalm,outreach,,no,anteckning {i}\n",
            i % 5000
        ));
    }
    let f = db.file("big.csv", &csv);
    let child = std_cmd(&db)
        .arg("import")
        .arg(&f)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let copy = db.dir.path().join("during.db");
    ok(&db.cmd().arg("backup").arg(&copy).output().unwrap());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let n: i64 = common::insider_conn(&copy, common::ADMIN, PASS)
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert!(n == 0 || n == 40_000, "the backup holds {n} contacts");
}

/// On a server, `out` (of a `forget` or `purge` as the application's role) says the owner must
/// run `VACUUM FULL`, and the owner does, as docs/deploy.md ("Erasing for real") says: true.
/// On a file, false.
fn owner_vacuums_when_told(db: &Db, out: &Output) -> bool {
    let Some(server) = &db.server else {
        return false;
    };
    assert!(stdout(out).contains("VACUUM FULL"), "{}", stdout(out));
    let mut owner = postgres::Client::connect(&server.owner_url, postgres::NoTls).unwrap();
    // As the guide says: when no transaction open since the erasure may still see the old row
    // versions (an autovacuum worker's ANALYZE of this database holds a snapshot for a moment,
    // and VACUUM FULL keeps every version it may see: the first CI run on the server failed so).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let open: i64 = owner
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                   AND pid <> pg_backend_pid()
                   AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL)",
                &[],
            )
            .unwrap()
            .get(0);
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a transaction stays open"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    owner.batch_execute("VACUUM FULL").unwrap();
    true
}

/// Not one 24-byte piece of these envelopes' ciphertext is in the database's bytes (the file
/// and its WAL, or the server's table files).
#[track_caller]
fn assert_no_piece_of(db: &Db, envelopes: &[Vec<u8>], what: &str) {
    let all = db.all_bytes();
    for envelope in envelopes {
        for piece in envelope[17..].chunks(24).filter(|c| c.len() == 24) {
            assert!(!contains(&all, piece), "{what}");
        }
    }
}

// ----- rekey ---------------------------------------------------------------------------

#[test]
fn rekey_re_encrypts_everything_and_keeps_every_figure_and_person() {
    let db = Db::new();
    db.add_user("olle", "outreach");
    db.add_user("lena", "lead");
    sample(&db);
    let before = export_without_pseudonyms(&db);
    let stats_before = db.stats_json(&["--by", "year"]);
    let column = |sql: &str| -> Vec<Vec<u8>> {
        db.sql_blobs(sql)
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect()
    };
    let envelopes_before = column("SELECT note FROM contacts ORDER BY id");
    let pseudonyms_before = column("SELECT pseudonym FROM persons ORDER BY id");

    db.cmd_as("lena", PASS)
        .args(["rekey", "--yes"])
        .assert()
        .code(1);
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    ok(&o);
    assert!(stdout(&o).contains("key version 2"), "{}", stdout(&o));

    assert_eq!(export_without_pseudonyms(&db), before);
    // stats also logs a read; compare the figures only.
    assert_eq!(db.stats_json(&["--by", "year"]), stats_before);
    // The insider's connection is closed before the next rekey: an open one would (rightly)
    // keep that rekey from re-encrypting the file under a new page key.
    let rows: Vec<(Vec<u8>, Vec<u8>)> = db
        .sql_blobs("SELECT attributes, note FROM contacts ORDER BY id")
        .into_iter()
        .map(|mut r| (r.remove(0), r.remove(0)))
        .collect();
    let after = column("SELECT pseudonym FROM persons ORDER BY id");
    for ((a, n), old) in rows.iter().zip(&envelopes_before) {
        assert_eq!(uppsok::crypto::key_version(a), Some(2));
        assert_eq!(uppsok::crypto::key_version(n), Some(2));
        assert_ne!(n, old);
    }
    assert_eq!(after.len(), pseudonyms_before.len());
    for (a, b) in after.iter().zip(&pseudonyms_before) {
        assert_ne!(a, b);
    }
    // Every user still signs in; the chain verifies under the new audit key.
    for u in ["olle", "lena"] {
        db.cmd_as(u, PASS).arg("stats").assert().success();
    }
    verify_chain(&db, ADMIN, PASS);

    // A returning person is still recognised after two rekeys.
    ok(&db.cmd().args(["rekey", "--yes"]).output().unwrap());
    let individuals = db.stats_json(&[])["individuals"].as_i64().unwrap();
    ok(&db.import(&csv_rows(&[("2024-02-02", "A-B 85", "tillbaka")])));
    let s = db.stats_json(&[]);
    assert_eq!(s["individuals"].as_i64().unwrap(), individuals);
    assert_eq!(s["contacts"].as_i64().unwrap(), 6);
    assert_eq!(scalar(&db, "SELECT count(*) FROM persons"), 3);
    // The audit command, where it exists in this build, finds nothing wrong.
    let audit = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    if audit.status.code() != Some(2) {
        assert!(
            audit.status.success(),
            "{}{}",
            stdout(&audit),
            stderr(&audit)
        );
    }
}

#[test]
fn rekey_refuses_a_broken_audit_chain_and_changes_nothing() {
    let db = Db::new();
    sample(&db);
    db.tamper("UPDATE audit_log SET detail = 'count=1' WHERE action = 'import'");
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("audit log"), "{}", stderr(&o));
    assert_eq!(
        scalar(
            &db,
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'key_version'"
        ),
        1
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM audit_log WHERE action = 'rekey'"),
        0
    );
}

// ----- user disable --------------------------------------------------------------------

#[test]
fn a_disabled_users_copied_key_opens_nothing_written_after() {
    let db = Db::new();
    db.add_user("olle", "outreach");
    db.add_user("rut", "auditor");
    sample(&db);
    // Olle copies what he can before he leaves: his slot of the key file, the key sealed to
    // him in the database (which his slot's page key opens).
    let file = uppsok::crypto::KeyFile::parse(&db.key_file_bytes()).unwrap();
    let opened = file
        .open_user("olle", &Passphrase::new(PASS.into()))
        .unwrap();
    let secret = opened.secret;
    let (olle, sealed) = db.sql_id_blobs(
        "SELECT u.id, w.wrapped_master FROM users u JOIN master_wraps w ON w.user_id = u.id
         WHERE u.name = 'olle'",
    )[0]
    .clone();
    let old_keys = secret
        .open_master(&sealed, olle)
        .unwrap()
        .derive(uppsok::crypto::KeyScheme::PerCapability);

    let o = db
        .cmd()
        .args(["user", "disable", "olle", "--yes"])
        .output()
        .unwrap();
    ok(&o);
    assert!(stdout(&o).contains("rekeyed"));
    db.cmd_as("olle", PASS).arg("stats").assert().code(1);
    // Nothing is sealed to him any more; everyone else still signs in.
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT count(*) FROM master_wraps WHERE user_id = {olle}")
        ),
        0
    );
    let file = uppsok::crypto::KeyFile::parse(&db.key_file_bytes()).unwrap();
    assert!(
        file.slots().iter().all(|s| s.public != secret.public()),
        "his slot is gone from the key file"
    );
    db.cmd_as("rut", PASS).arg("stats").assert().success();
    ok(&db.import(&csv_rows(&[("2024-03-03", "XY 01", "skrivet efter")])));

    // Every envelope, old or new, is now under key version 2: his key opens none of them.
    let rows = db.sql_id_blobs("SELECT id, note FROM contacts");
    assert_eq!(rows.len(), 6);
    for (id, note) in rows {
        assert!(old_keys.open(Place::ContactNote(id), &note).is_err());
    }
    // His copied secret opens none of the wraps of the new master key either.
    let wraps = db.sql_id_blobs("SELECT user_id, wrapped_master FROM master_wraps");
    assert_eq!(wraps.len(), 2);
    for (uid, w) in wraps {
        assert!(secret.open_master(&w, uid).is_err());
    }
    // Putting his old rows back does not let him in: his user record says disabled, sealed.
    verify_chain(&db, ADMIN, PASS);
}

// ----- forget --------------------------------------------------------------------------

#[test]
fn forget_erases_one_persons_contacts_and_logs_no_code() {
    let db = Db::new();
    db.add_user("lena", "lead");
    sample(&db);
    ok(&db.cmd().args(["rekey", "--yes"]).output().unwrap());
    let s = db.stats_json(&[]);
    assert_eq!(
        (s["contacts"].as_i64(), s["individuals"].as_i64()),
        (Some(5), Some(3))
    );

    db.cmd_as("lena", PASS)
        .args(["forget", "--code", "AB 85", "--yes"])
        .assert()
        .code(1);
    // The person's stored rows, to look for on the disk once they are erased.
    let erased: Vec<Vec<u8>> = db
        .sql_blobs("SELECT attributes, note FROM contacts WHERE id IN (1, 2)")
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(erased.len(), 4);
    let o = db
        .cmd()
        .args(["forget", "--code", "a-b 85", "--yes"])
        .output()
        .unwrap();
    ok(&o);
    assert!(stdout(&o).contains("Erased 2"), "{}", stdout(&o));
    if !owner_vacuums_when_told(&db, &o) {
        assert!(!stdout(&o).contains("VACUUM"), "{}", stdout(&o));
    }
    // Not one 24-byte piece of their envelopes is left in the file, its WAL, or the
    // server's table files.
    assert_no_piece_of(&db, &erased, "an erased contact's bytes are left");
    let s = db.stats_json(&[]);
    assert_eq!(
        (s["contacts"].as_i64(), s["individuals"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM persons"), 2);
    let row = db.sql_rows("SELECT objects, detail FROM audit_log WHERE action = 'forget'");
    let (objects, detail) = (row[0][0].clone(), row[0][1].clone());
    assert_eq!(objects, "contacts:1-2");
    // The count, and the rows deleted as they were (the content commitment): ids and hashes.
    assert!(detail.starts_with("count=2 codes=1 before=1:"), "{detail}");
    let all = db.all_bytes();
    for needle in ["AB 85", "ab85", "a-b 85", "AB85"] {
        assert!(!contains(&all, needle.as_bytes()), "{needle} in the file");
    }
    // Again: nothing left to erase, nothing written.
    let n = scalar(&db, "SELECT count(*) FROM audit_log");
    let o = db
        .cmd()
        .args(["forget", "--code", "AB85", "--yes"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("o contact has this code"));
    assert_eq!(scalar(&db, "SELECT count(*) FROM audit_log"), n);
    db.cmd()
        .args(["forget", "--code", " - ", "--yes"])
        .assert()
        .code(2);
    verify_chain(&db, ADMIN, PASS);
}

// ----- purge ---------------------------------------------------------------------------

#[test]
fn purge_empties_old_notes_keeps_figures_and_leaves_no_old_ciphertext() {
    let db = Db::new();
    sample(&db);
    let old_notes: Vec<Vec<u8>> = db
        .sql_blobs("SELECT note FROM contacts WHERE date < '2016-01-01'")
        .into_iter()
        .map(|mut r| r.remove(0))
        .collect();
    assert_eq!(old_notes.len(), 3);
    let stats = db.stats_json(&["--by", "year,role"]);
    db.cmd()
        .args(["purge", "--notes-before", "2016-13-01", "--yes"])
        .assert()
        .code(2);
    let o = db
        .cmd()
        .args(["purge", "--notes-before", "2016-01-01", "--yes"])
        .output()
        .unwrap();
    ok(&o);
    assert!(stdout(&o).contains("3 contact"), "{}", stdout(&o));
    if !owner_vacuums_when_told(&db, &o) {
        assert!(stdout(&o).contains("compacted"), "{}", stdout(&o));
    }
    assert_eq!(db.stats_json(&["--by", "year,role"]), stats);
    for c in export(&db) {
        let old = c["date"].as_str().unwrap() < "2016-01-01";
        assert_eq!(
            c["note"].as_str().unwrap().is_empty(),
            old || c["date"] == "2022-01-05"
        );
    }
    // Not one 24-byte piece of an old note's ciphertext is left in the file or its WAL (or
    // the server's table files).
    assert_no_piece_of(&db, &old_notes, "old ciphertext left in the file");
    verify_chain(&db, ADMIN, PASS);
}

/// Someone who kept the note envelopes from before a purge (a copy of the file, or an
/// administrator with a key from then) writes them back with plain SQLite: the purge ends with
/// a rekey, so they no longer open: `export` and `audit` fail and name the records, instead of
/// the deleted notes coming back.
#[test]
fn note_ciphertext_from_before_a_purge_cannot_be_put_back() {
    let db = Db::new();
    sample(&db);
    let old = db.sql_id_blobs("SELECT id, note FROM contacts WHERE date < '2016-01-01'");
    assert_eq!(old.len(), 3);
    ok(&db
        .cmd()
        .args(["purge", "--notes-before", "2016-01-01", "--yes"])
        .output()
        .unwrap());
    ok(&db.cmd().arg("audit").output().unwrap());
    for (id, note) in &old {
        db.set_blob("contacts", "note", *id, note);
    }
    let o = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("changed outside uppsok"),
        "{}",
        stderr(&o)
    );
    let o = db
        .cmd()
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let encryption = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "encryption")
        .unwrap();
    assert_eq!(encryption["status"], "fail", "{encryption}");
}

// ----- recovery key --------------------------------------------------------------------

fn recovery_key_of(init_out: &str) -> String {
    init_out
        .split_whitespace()
        .find(|w| w.len() == 65 && w.matches('-').count() == 10)
        .expect("a recovery key in the output of init")
        .to_string()
}

#[test]
fn the_recovery_key_restores_an_administrator_once_every_passphrase_is_lost() {
    let db = Db::empty();
    let o = db.cmd().arg("init").output().unwrap();
    ok(&o);
    let key = recovery_key_of(&stdout(&o));
    sample(&db);
    ok(&db.cmd().args(["rekey", "--yes"]).output().unwrap());
    // The key was shown, never stored.
    assert!(!contains(&db.all_bytes(), key.as_bytes()));
    let new_pass = "a brand new admin passphrase";
    // A typo is told apart from a wrong key.
    let mut typo = key.clone();
    typo.replace_range(0..1, if key.starts_with('A') { "B" } else { "A" });
    db.bare()
        .args(["recover", "anna"])
        .env("UPPSOK_RECOVERY_KEY", &typo)
        .env("UPPSOK_NEW_PASSPHRASE", new_pass)
        .assert()
        .code(2);
    let other = Db::empty();
    let other_key = recovery_key_of(&stdout(&other.cmd().arg("init").output().unwrap()));
    db.bare()
        .args(["recover", "anna"])
        .env("UPPSOK_RECOVERY_KEY", &other_key)
        .env("UPPSOK_NEW_PASSPHRASE", new_pass)
        .assert()
        .code(1);
    let f = db.file("key.txt", &format!("{}\n", key.to_lowercase()));
    let o = db
        .bare()
        .args(["recover", "anna", "--recovery-key-file"])
        .arg(&f)
        .env("UPPSOK_NEW_PASSPHRASE", new_pass)
        .output()
        .unwrap();
    ok(&o);
    db.cmd_as("anna", new_pass)
        .args(["user", "list"])
        .assert()
        .success();
    assert_eq!(export(&db).len(), 5);
    // The existing admin's passphrase can be reset the same way.
    ok(&db
        .bare()
        .args(["recover", ADMIN])
        .env("UPPSOK_RECOVERY_KEY", &key)
        .env("UPPSOK_NEW_PASSPHRASE", new_pass)
        .output()
        .unwrap());
    db.cmd_as(ADMIN, PASS).arg("stats").assert().code(1);
    db.cmd_as(ADMIN, new_pass).arg("stats").assert().success();
    let recovered: i64 = insider_conn(&db.path, ADMIN, new_pass)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'recover' AND user_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(recovered, 2);
    verify_chain(&db, ADMIN, new_pass);
}

// ----- key derivation raised at unlock --------------------------------------------------

#[test]
fn a_slot_is_raised_to_the_configured_parameters_at_its_next_unlock() {
    let db = Db::new();
    let params = |db: &Db| -> (u32, u32) {
        let bytes = db.key_file_bytes();
        let file = uppsok::crypto::KeyFile::parse(&bytes).unwrap();
        let slots = file.slots();
        assert_eq!(slots.len(), 1);
        (slots[0].memory_kib, slots[0].iterations)
    };
    if !cfg!(debug_assertions) {
        // A release build ignores the cheap test settings by design: the slot has the full
        // minimum from the start, and the switch that stands for a raised one below does not
        // exist there.
        assert_eq!(params(&db), (65536, 3));
        return;
    }
    assert_eq!(params(&db), (64, 1));
    // "2": the configured minimum has grown (a debug-build-only switch standing for a new
    // release with higher parameters).
    db.cmd()
        .env("UPPSOK_INSECURE_TEST_KDF", "2")
        .arg("stats")
        .assert()
        .success();
    assert_eq!(params(&db), (128, 2));
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'key_slot_upgrade'"
        ),
        1
    );
    // Never lowered again.
    db.cmd().arg("stats").assert().success();
    assert_eq!(params(&db), (128, 2));
    verify_chain(&db, ADMIN, PASS);
}

// ----- two writers -----------------------------------------------------------------------

#[test]
fn two_imports_at_once_both_land() {
    let db = Db::new();
    let mut a = HEADER.to_string();
    let mut b = HEADER.to_string();
    for i in 0..5000 {
        a.push_str(&format!(
            "2019-01-01,a{},sells,woman,25-34,men,norrmalm,outreach,,no,\n",
            i % 700
        ));
        b.push_str(&format!(
            "2020-01-01,b{},buys,man,35-44,women,farsta,online,,no,\n",
            i % 300
        ));
    }
    let fa = db.file("a.csv", &a);
    let fb = db.file("b.csv", &b);
    let spawn = |f: &std::path::Path| {
        std_cmd(&db)
            .arg("import")
            .arg(f)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&fa), spawn(&fb));
    let (oa, ob) = (
        ca.wait_with_output().unwrap(),
        cb.wait_with_output().unwrap(),
    );
    ok(&oa);
    ok(&ob);
    let s = db.stats_json(&[]);
    assert_eq!(s["contacts"].as_i64(), Some(10_000));
    assert_eq!(s["individuals"].as_i64(), Some(1000));
    verify_chain(&db, ADMIN, PASS);
}

#[test]
fn a_writer_that_must_wait_says_so_and_then_lands() {
    let db = Db::new();
    // Another process holds the write lock for a moment: on a file SQLite's, on a server the
    // writers' advisory lock (storage::pg, WRITE_LOCK), as another uppsok's import holds it.
    enum Holder {
        File(rusqlite::Connection),
        Server(postgres::Client),
    }
    const WRITE_LOCK: i64 = 0x7570_7073_6f6b_2077;
    let mut holder = match &db.server {
        None => {
            let c = db.raw();
            c.execute_batch("BEGIN IMMEDIATE").unwrap();
            Holder::File(c)
        }
        Some(server) => {
            let mut c = postgres::Client::connect(&server.url, postgres::NoTls).unwrap();
            c.execute("SELECT pg_advisory_lock($1)", &[&WRITE_LOCK])
                .unwrap();
            Holder::Server(c)
        }
    };
    let child = std_cmd(&db)
        .args([
            "add",
            "--date",
            "2024-01-01",
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
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    match &mut holder {
        Holder::File(c) => c.execute_batch("COMMIT").unwrap(),
        Holder::Server(c) => {
            c.execute("SELECT pg_advisory_unlock($1)", &[&WRITE_LOCK])
                .unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("waiting"), "no notice of the wait: {err}");
    assert_eq!(db.stats_json(&[])["contacts"].as_i64(), Some(1));
}

/// A sign-in that outlives a rekey by another administrator (an interface left open all
/// night) must not seal anything under the keys the rekey replaced, which nobody could open
/// (before this was refused, such a contact made every `stats` fail and the audit with it):
/// its next change is refused, nothing is written, and once signed in again it logs as
/// before. On a file and on a server.
#[test]
fn a_sign_in_older_than_a_rekey_writes_nothing_until_it_signs_in_again() {
    let contact = || new_contact("2024-03-01", Some("ab85"));
    let exported = |db: &Db| {
        let file = db.dir.path().join("export.csv");
        let _ = std::fs::remove_file(&file);
        let out = db.cmd().arg("export").arg("--out").arg(&file).output();
        assert!(out.unwrap().status.success());
        std::fs::read_to_string(&file).unwrap().lines().count()
    };
    for db in [Db::new(), Db::new_on_server()] {
        db.add_user("omar", "outreach");
        let pass = Passphrase::new(PASS.into());
        let mut open = uppsok::vault::Vault::unlock(&db.path, "omar", &pass).unwrap();
        open.contacts().add(contact(), false).unwrap();
        db.cmd().args(["rekey", "--yes"]).assert().success();
        let refused = open.contacts().add(contact(), false).unwrap_err();
        let said = refused.to_string();
        assert!(said.contains("changed the database's keys"), "{said}");
        drop(open);
        assert_eq!(
            exported(&db),
            2,
            "the header and the one contact logged before"
        );
        let mut again = uppsok::vault::Vault::unlock(&db.path, "omar", &pass).unwrap();
        again.contacts().add(contact(), false).unwrap();
        drop(again);
        assert_eq!(exported(&db), 3);
        let audit = db.cmd().arg("audit").output().unwrap();
        assert!(audit.status.success(), "{}", stdout(&audit));
    }
}
