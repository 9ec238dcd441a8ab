//! Insiders who hold one user's keys and write the file directly, outside uppsok, with the
//! crate's own crypto (issue 12, finding 2): each attack is refused at sign-in or caught by
//! `audit` with exit 1, the right check and the record named.
//!
//! The insider opens their own slot of the key file with their passphrase (the page key, their
//! X25519 secret and their signing key), opens the master key sealed to them, and then writes
//! whatever they like into the database: user records with recomputed seals, log entries with
//! recomputed running hashes, signed with the one signing key they hold.

mod common;

use common::*;
use uppsok::audit_log::Mark;
use uppsok::crypto::{public_hex, KeyFile, Keys, Passphrase, Place, Signer, UserSecret};
use uppsok::storage::AuditRow;

/// What an insider holding `user`'s passphrase has, outside uppsok.
struct Insider {
    conn: RawConn,
    id: i64,
    signer: Signer,
    keys: Keys,
    /// What their wrap holds: the master key for every role but an auditor (and, in a city,
    /// their share of the units' keys).
    held: uppsok::crypto::Held,
    /// The page keys the insider's slot gives.
    page_keys: Vec<uppsok::crypto::PageKey>,
    /// The X25519 public key of the insider's slot.
    enc: [u8; 32],
}

fn insider(db: &Db, user: &str, pass: &str) -> Insider {
    let bytes = db.key_file_bytes();
    let file = KeyFile::parse(&bytes).expect("a key file");
    let opened = file
        .open_user(user, &Passphrase::new(pass.into()))
        .expect("the insider's own slot opens");
    let signer = opened
        .secret
        .signer()
        .expect("a slot of format 3 holds a signing key")
        .clone();
    let conn = RawConn::of(db, user, pass);
    let (id, wrapped) = conn.wrap(user);
    // The master key, or (an auditor) the categories key alone; in a city with their share
    // of the units' keys.
    let held = opened
        .secret
        .open_held(&wrapped, id, false)
        .or_else(|_| opened.secret.open_held(&wrapped, id, true))
        .expect("what is sealed to them opens");
    let scheme = conn.meta("key_scheme").expect("the key scheme");
    let scheme = uppsok::crypto::KeyScheme::parse(Some(&scheme)).expect("a key scheme");
    let keys = held.derive(scheme);
    Insider {
        conn,
        id,
        signer,
        keys,
        held,
        enc: opened.secret.public(),
        page_keys: opened.page_keys,
    }
}

impl Insider {
    /// Replaces the whole log by `entries`, renumbered 1, 2, 3, ..., every running hash
    /// recomputed, and every entry the insider can sign signed: their own entries with their
    /// key, everyone else's with their key too (they hold no other).
    fn rewrite_log(&self, entries: Vec<AuditRow>) {
        self.conn.rewrite_log(&self.signer, entries);
    }

    /// Appends an entry signed with the insider's key, in the name of `author`.
    fn append(&self, author: Option<i64>, action: &str, objects: &str, detail: &str) {
        self.conn
            .append_signed(&self.signer, author, action, objects, detail);
    }

    /// Sets a user's role in their record, with the record's seal recomputed under the
    /// record key (which every user holding the master key can make).
    fn set_role(&self, user_id: i64, role: &str) {
        let row = self.conn.query_one(
            "SELECT name, disabled FROM users WHERE id = ?1",
            &[&user_id],
        );
        let (name, disabled): (String, bool) = (row.get(0), row.get(1));
        let mac = self
            .keys
            .record_mac(&user_record_bytes(user_id, &name, role, disabled));
        self.conn.exec(
            "UPDATE users SET role = ?1, mac = ?2 WHERE id = ?3",
            rusqlite::params![role, mac.to_vec(), user_id],
        );
    }
}

/// The detail of the last log entry of `action`, read from the file as the auditor aino.
fn last_detail(db: &Db, action: &str) -> String {
    RawConn::of(db, "aino", PASS)
        .query_one(
            "SELECT detail FROM audit_log WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
            &[&action],
        )
        .get(0)
}

/// Signing in as `user` is refused (exit 1, nothing listed), saying `expected`.
#[track_caller]
fn refused(db: &Db, user: &str, pass: &str, expected: &str) {
    let out = db
        .cmd_as(user, pass)
        .args(["user", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
}

/// The bytes a user record's seal covers (docs/security.md), written out independently.
fn user_record_bytes(id: i64, name: &str, role: &str, disabled: bool) -> Vec<u8> {
    let mut out = b"uppsok/user/1\0".to_vec();
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(name.len() as u64).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&(role.len() as u64).to_le_bytes());
    out.extend_from_slice(role.as_bytes());
    out.push(u8::from(disabled));
    out
}

/// A database with an admin, a lead `lena`, an outreach worker `olle` and an auditor `aino`;
/// olle logged two contacts, lena exported twice.
fn unit() -> Db {
    let db = Db::new();
    for (name, role) in [("lena", "lead"), ("olle", "outreach"), ("aino", "auditor")] {
        db.add_user(name, role);
    }
    for code in ["ab12x", "cd34y"] {
        db.cmd_as("olle", PASS)
            .args(add_args(&["--code", code]))
            .assert()
            .success();
    }
    for _ in 0..2 {
        db.cmd_as("lena", PASS)
            .args(["export", "--format", "json"])
            .assert()
            .success();
    }
    db
}

fn audit_json(db: &Db, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = db
        .cmd()
        .args(["audit", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("audit JSON: {} {}", stdout(&out), stderr(&out))),
    )
}

/// The findings of one check, as (record, kind).
fn findings(report: &serde_json::Value, check: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| {
            (
                f["record"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn user_id(db: &Db, name: &str) -> i64 {
    db.sql_i64(&format!("SELECT id FROM users WHERE name = '{name}'"))
}

#[test]
fn the_untouched_unit_passes_and_every_entry_is_signed_by_its_author() {
    let db = unit();
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(0), "{report}");
    let fp = report["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fp.len(), 39, "{fp}");
    // The fingerprint given back, in any case and without dashes, passes.
    let compact = fp.replace('-', "").to_uppercase();
    let (code, _) = audit_json(&db, &["--fingerprint", &compact]);
    assert_eq!(code, Some(0));
    let (code, report) = audit_json(&db, &["--fingerprint", &"0".repeat(32)]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("database".into(), "fingerprint_differs".into())]
    );
}

#[test]
fn an_outreach_worker_who_raises_their_own_role_is_refused_and_the_audit_names_them() {
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    olle.set_role(olle.id, "admin");
    // The seal is right (olle holds the record key), but no administrator granted the role.
    refused(
        &db,
        "olle",
        PASS,
        "record of user 'olle' was changed outside uppsok",
    );
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(findings(&report, "audit_log")
        .contains(&(format!("user:{}", olle.id), "user_not_granted".into())));

    // Granting it in the log as well, signed with olle's own key: not an administrator's.
    olle.append(
        Some(olle.id),
        "user_add",
        &format!("user:{}", olle.id + 100),
        &format!(
            "role=admin name=mallory signing={}",
            public_hex(&olle.signer.public())
        ),
    );
    let seq = olle.conn.log_rows().len();
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(
        findings(&report, "audit_log")
            .contains(&(format!("audit_log:{seq}"), "not_allowed".into())),
        "{report}"
    );
}

#[test]
fn an_insider_who_adds_an_administrator_behind_uppsoks_back_gets_no_sign_in() {
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    // A whole new admin: a record with a right seal, a slot and master wrap for them, and a
    // grant in the log signed with olle's key. The grant is not an administrator's, so the
    // log does not know the new user and the sign-in is refused.
    let mallory = UserSecret::generate();
    let master_wrap = olle
        .held
        .master()
        .unwrap()
        .seal_to_user(&mallory.public(), 99)
        .unwrap();
    let mac = olle
        .keys
        .record_mac(&user_record_bytes(99, "mallory", "admin", false));
    olle.conn.exec("INSERT INTO users (id, name, role, disabled, created_at, mac) VALUES (99, 'mallory', 'admin', false, '2024-01-01T00:00:00Z', ?1)", &[&mac.to_vec()]);
    olle.conn.exec(
        "INSERT INTO master_wraps (user_id, public_key, wrapped_master) VALUES (99, ?1, ?2)",
        rusqlite::params![mallory.public().to_vec(), master_wrap],
    );
    olle.append(
        Some(olle.id),
        "user_add",
        "user:99",
        &format!(
            "role=admin name=mallory signing={}",
            public_hex(&mallory.signer().unwrap().public())
        ),
    );
    let mut bytes = db.key_file_bytes();
    let mut file = KeyFile::parse(&bytes).unwrap();
    let page_keys = olle.page_keys.clone();
    file.put_user(
        "mallory",
        &Passphrase::new(PASS.into()),
        uppsok::crypto::KdfParams::for_new_slot(),
        &mallory,
        &page_keys,
    )
    .unwrap();
    bytes.clear();
    bytes.extend(file.to_bytes(&page_keys[0]));
    drop(olle);
    insider_write_key_file(&db, "olle", PASS, &mut bytes);

    refused(
        &db,
        "mallory",
        PASS,
        "record of user 'mallory' was changed outside uppsok",
    );
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    let f = findings(&report, "audit_log");
    assert!(
        f.contains(&("user:99".into(), "user_not_granted".into())),
        "{f:?}"
    );
}

#[test]
fn a_slot_written_for_the_administrator_under_an_insiders_passphrase_is_refused() {
    for with_signing_key in [true, false] {
        let db = unit();
        let admin_id = user_id(&db, ADMIN);
        let olle = insider(&db, "olle", PASS);
        // A new slot for `admin` under a passphrase olle chose, and the master key sealed to
        // its public key in admin's master wrap: everything a sign-in as admin needs, but the
        // signing key no administrator granted.
        let forged = if with_signing_key {
            UserSecret::generate()
        } else {
            UserSecret::generate_with(None)
        };
        let bytes = db.key_file_bytes();
        let mut file = KeyFile::parse(&bytes).unwrap();
        let master = olle.held.master().unwrap();
        let old_public: Vec<u8> = olle
            .conn
            .query_one(
                "SELECT public_key FROM master_wraps WHERE user_id = ?1",
                &[&admin_id],
            )
            .get(0);
        file.remove_user(&old_public);
        file.put_user(
            ADMIN,
            &Passphrase::new("olles own passphrase".into()),
            uppsok::crypto::KdfParams::for_new_slot(),
            &forged,
            &olle.page_keys,
        )
        .unwrap();
        olle.conn.exec(
            "UPDATE master_wraps SET public_key = ?1, wrapped_master = ?2 WHERE user_id = ?3",
            rusqlite::params![
                forged.public().to_vec(),
                master.seal_to_user(&forged.public(), admin_id).unwrap(),
                admin_id
            ],
        );
        let mut bytes = file.to_bytes(&olle.page_keys[0]);
        drop(olle);
        insider_write_key_file(&db, "olle", PASS, &mut bytes);

        // The slot's keys are not the ones the log grants the administrator.
        refused(
            &db,
            ADMIN,
            "olles own passphrase",
            "holds a key that no administrator granted",
        );
    }
}

#[test]
fn deleting_a_leads_exports_from_the_log_and_rechaining_it_fails_the_audit() {
    let db = unit();
    // Even an administrator: they hold only their own signing key.
    let admin = insider(&db, ADMIN, PASS);
    let lena = user_id(&db, "lena");
    let before = admin.conn.log_rows();
    let kept: Vec<AuditRow> = before
        .iter()
        .filter(|r| !(r.action == "export" && r.user_id == Some(lena)))
        .cloned()
        .collect();
    assert_eq!(before.len() - kept.len(), 2, "two exports removed");
    admin.rewrite_log(kept);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1), "{report}");
    let f = findings(&report, "audit_log");
    // The first entry after the root not signed by the administrator is named.
    let first_other = admin
        .conn
        .log_rows()
        .iter()
        .find(|r| r.user_id != Some(admin.id) && r.user_id.is_some())
        .unwrap()
        .seq;
    assert_eq!(
        f,
        vec![(format!("audit_log:{first_other}"), "bad_signature".into())],
        "{report}"
    );
}

#[test]
fn an_entry_in_another_users_name_does_not_verify() {
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    let lena = user_id(&db, "lena");
    olle.append(Some(lena), "export", "contacts:all", "format=json count=2");
    let seq = olle.conn.log_rows().len();
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![(format!("audit_log:{seq}"), "bad_signature".into())]
    );
}

#[test]
fn a_log_rewritten_behind_a_checkpoint_or_rolled_back_does_not_reach_it() {
    let db = unit();
    let saved = db.dir.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    // A copy of the pair as it was, before the checkpoint (of a file: a server's copies are
    // the server's, and putting one back is the same attack).
    let on_file = db.server.is_none();
    for name in ["uppsok.db", "uppsok.db.keys"]
        .into_iter()
        .filter(|_| on_file)
    {
        std::fs::copy(db.dir.path().join(name), saved.join(name)).unwrap();
    }
    db.cmd_as("olle", PASS)
        .args(add_args(&["--code", "ef56z"]))
        .assert()
        .success();
    let out = db.cmd().args(["audit", "--checkpoint"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let checkpoint = stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Checkpoint: ").map(str::to_string))
        .expect("a checkpoint");
    assert_eq!(checkpoint.split_once('-').unwrap().1.len(), 32);
    let (code, _) = audit_json(&db, &["--since-checkpoint", &checkpoint]);
    assert_eq!(code, Some(0));

    // Every entry's `at` made a minute earlier and the log re-signed: nothing deleted, the
    // administrator's own entries verify, and yet the history up to the checkpoint differs.
    {
        let admin = insider(&db, ADMIN, PASS);
        let edited: Vec<AuditRow> = admin
            .conn
            .log_rows()
            .into_iter()
            .map(|mut r| {
                if r.seq == 3 {
                    r.detail.push_str(" note=edited");
                }
                r
            })
            .collect();
        admin.rewrite_log(edited);
    }
    let seq: i64 = checkpoint.split_once('-').unwrap().0.parse().unwrap();
    let (code, report) = audit_json(&db, &["--since-checkpoint", &checkpoint]);
    assert_eq!(code, Some(1));
    assert!(findings(&report, "audit_log")
        .contains(&(format!("audit_log:{seq}"), "checkpoint_differs".into())));

    // The whole pair rolled back to the copy from before the checkpoint: it verifies in
    // itself, but does not reach the checkpoint.
    if !on_file {
        return;
    }
    for name in ["uppsok.db", "uppsok.db.keys"] {
        std::fs::copy(saved.join(name), db.dir.path().join(name)).unwrap();
    }
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(
        code,
        Some(0),
        "the old copy is consistent in itself: {report}"
    );
    let (code, report) = audit_json(&db, &["--since-checkpoint", &checkpoint]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![(format!("audit_log:{seq}"), "checkpoint_missing".into())]
    );
}

#[test]
fn a_log_cut_at_the_end_is_caught_by_the_checkpoint_kept_outside() {
    let db = unit();
    // A backup prints a checkpoint; on a server (whose copies are pg_dump's) the audit does.
    let out = match db.server {
        None => db
            .cmd()
            .args(["backup", &path_str(&db.dir.path().join("b.db"))])
            .output()
            .unwrap(),
        Some(_) => db.cmd().args(["audit", "--checkpoint"]).output().unwrap(),
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let checkpoint = stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Checkpoint: ").map(str::to_string))
        .expect("a checkpoint");
    let seq: i64 = checkpoint.split_once('-').unwrap().0.parse().unwrap();
    // An insider cuts the log back to before the backup's entry, and records the head anew:
    // a cut at the end leaves a log that verifies in itself.
    let olle = insider(&db, "olle", PASS);
    let mut all = olle.conn.log_rows();
    all.truncate(seq as usize - 2);
    let last = all.last().unwrap();
    olle.conn
        .exec("DELETE FROM audit_log WHERE seq > ?1", &[&last.seq]);
    let head = uppsok::audit_log::head_text(last.seq, &Mark::parse(&last.mac).unwrap().hash);
    olle.conn.exec(
        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
        &[&head],
    );
    drop(olle);
    let (code, report) = audit_json(&db, &["--since-checkpoint", &checkpoint]);
    assert_eq!(code, Some(1), "{report}");
    assert!(findings(&report, "audit_log")
        .contains(&(format!("audit_log:{seq}"), "checkpoint_missing".into())));
}

#[test]
fn a_log_forged_from_its_first_entry_has_another_fingerprint() {
    let db = unit();
    let (_, report) = audit_json(&db, &[]);
    let fingerprint = report["fingerprint"].as_str().unwrap().to_string();
    // The lead makes herself the root of a new log: a first entry granting her the
    // administrator's role with her own key, and her record raised to match. Consistent in
    // itself, but not the database whose fingerprint the unit wrote down at `init`.
    let lena = insider(&db, "lena", PASS);
    let me = public_hex(&lena.signer.public());
    let first = lena.conn.log_rows().remove(0);
    let forged = AuditRow {
        user_id: Some(lena.id),
        objects: format!("user:{}", lena.id),
        detail: format!(
            "name=lena role=admin signing={me} enc={}",
            public_hex(&lena.enc)
        ),
        ..first
    };
    lena.rewrite_log(vec![forged]);
    lena.set_role(lena.id, "admin");
    let out = db
        .cmd_as("lena", PASS)
        .args(["audit", "--format", "json", "--fingerprint", &fingerprint])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(report["fingerprint"].as_str().unwrap(), fingerprint);
    assert!(
        findings(&report, "audit_log").contains(&("database".into(), "fingerprint_differs".into()))
    );
}

#[test]
fn passwd_gives_a_signing_key_the_administrator_who_set_the_first_passphrase_never_held() {
    let db = unit();
    // The administrator set lena's first passphrase, and so could open her first slot.
    let before = insider(&db, "lena", PASS).signer;
    db.cmd_as("lena", PASS)
        .arg("passwd")
        .env("UPPSOK_NEW_PASSPHRASE", "lenas own secret words")
        .assert()
        .success();
    let mut after = insider(&db, "lena", "lenas own secret words");
    assert_ne!(after.signer.public(), before.public());
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(0), "{report}");
    let lena = user_id(&db, "lena");
    let log = after.conn.log_rows();
    let passwd = log.iter().rev().find(|r| r.action == "passwd").unwrap();
    assert_eq!(passwd.user_id, Some(lena));
    assert!(passwd.detail.contains(&public_hex(&after.signer.public())));
    // An entry in her name signed with the key of before (which whoever knew her first
    // passphrase could hold) does not verify.
    after.signer = before;
    after.append(Some(lena), "export", "contacts:all", "format=json count=2");
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![(
            format!("audit_log:{}", log.len() + 1),
            "bad_signature".into()
        )]
    );
}

/// What an auditor's wrap gives them outside uppsok: (the master key if it opens as one, the
/// categories key's working keys if it opens as that).
fn auditor_keys(db: &Db, user: &str) -> (bool, Option<Keys>) {
    let opened = KeyFile::parse(&db.key_file_bytes())
        .unwrap()
        .open_user(user, &Passphrase::new(PASS.into()))
        .unwrap();
    let (id, wrapped) = RawConn::of(db, user, PASS).wrap(user);
    let master = opened.secret.open_master(&wrapped, id).is_ok();
    let categories = opened
        .secret
        .open_categories(&wrapped, id)
        .ok()
        .map(|c| c.derive());
    (master, categories)
}

#[test]
fn an_auditors_passphrase_opens_no_note_and_keys_no_code_outside_uppsok() {
    let db = unit();
    db.cmd_as("olle", PASS)
        .args(add_args(&[
            "--code",
            "gh78w",
            "--note",
            "ring 070-123 45 67",
            "--allow-identifiers",
        ]))
        .assert()
        .success();
    for rekeyed in [false, true] {
        let (master, keys) = auditor_keys(&db, "aino");
        assert!(!master, "an auditor's wrap holds no master key");
        let keys = keys.expect("an auditor's wrap holds the categories key");
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = {
            // Closed again before uppsok runs: an open connection would keep the purge below
            // from re-encrypting the file under its new page key.
            RawConn::of(&db, "aino", PASS)
                .query("SELECT id, attributes, note FROM contacts", &[])
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()
        };
        assert_eq!(rows.len(), 3);
        for (id, attributes, note) in &rows {
            // Categories open (statistics and k-anonymity need them) ...
            assert!(keys.open(Place::ContactAttributes(*id), attributes).is_ok());
            // ... notes do not, neither as notes nor as anything else the key opens.
            assert!(keys.open(Place::ContactNote(*id), note).is_err());
            assert!(keys.open(Place::ContactAttributes(*id), note).is_err());
        }
        // And no code can be keyed: the stored pseudonyms cannot be compared with any.
        assert!(keys.pseudonym(b"gh78w").is_err());
        assert!(!keys.holds_pseudonyms() && !keys.holds_notes());

        // The auditor's whole workflow works with those keys only.
        for args in [
            &["stats", "--format", "json"][..],
            &["report"],
            &["log"],
            &["estimate"],
        ] {
            let out = db.cmd_as("aino", PASS).args(args).output().unwrap();
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        }
        let out = db
            .cmd_as("aino", PASS)
            .args(["audit", "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let pii = findings(&report, "pii");
        if rekeyed {
            // The purge emptied every note: the signed records say so.
            assert_eq!(out.status.code(), Some(0), "{report:#}");
            assert!(pii.is_empty());
        } else {
            // The note let in with --allow-identifiers is named from the signed record, without
            // the auditor opening it.
            assert_eq!(out.status.code(), Some(1), "{report:#}");
            assert_eq!(pii, vec![("3".into(), "phone".into())]);
            // An auditor cannot rescan; a lead can, and the record stays.
            let out = db
                .cmd_as("aino", PASS)
                .args(["audit", "--rescan-notes"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1));
            assert!(
                stderr(&out).contains("holds no note key"),
                "{}",
                stderr(&out)
            );
            let out = db
                .cmd_as("lena", PASS)
                .args(["audit", "--rescan-notes"])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "the lead's audit finds the note too"
            );
            assert!(
                stderr(&out).contains("Rescanned 3 notes: 1"),
                "{}",
                stderr(&out)
            );
            // The retention purge (which rekeys: a new categories key sealed to the auditor).
            db.cmd()
                .args(["purge", "--notes-before", "2030-01-01", "--yes"])
                .assert()
                .success();
        }
    }
}

#[test]
fn a_statistics_run_leaves_its_question_in_the_log_with_its_filters_sealed() {
    let db = unit();
    db.cmd_as("olle", PASS)
        .args([
            "stats",
            "--year",
            "2024",
            "--by",
            "district",
            "--filter",
            "gender=woman",
        ])
        .assert()
        .success();
    // In the file (read as an insider): period and grouping in the clear, no category value.
    let detail = last_detail(&db, "stats");
    assert!(
        detail.contains("from=2024-01-01 to=2024-12-31 by=district") && detail.contains("filters="),
        "{detail}"
    );
    assert!(!detail.contains("woman"), "{detail}");
    // `estimate` too (red team: it logged its question without the filters).
    db.cmd_as("olle", PASS)
        .args(["estimate", "--filter", "district=norrmalm"])
        .assert()
        .success();
    let detail = last_detail(&db, "estimate");
    assert!(
        detail.contains(" filters=") && !detail.contains("norrmalm"),
        "{detail}"
    );
    // `uppsok log` shows the filters opened to those who may read the log (the auditor).
    let out = db
        .cmd_as("aino", PASS)
        .args(["log", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("filters=[gender=woman]")
            && stdout(&out).contains("filters=[district=norrmalm]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_row_changed_by_an_insider_with_every_data_key_is_named_by_the_audit() {
    // The outreach worker holds the page key and the master key: the envelopes they write are
    // valid, and SQLCipher authenticates their pages. What they cannot make is the signed
    // entry that would commit to the new content.
    let attacks: [(&str, &str); 5] = [
        // A person's pseudonym replaced (half of swapping two persons': a code typed later
        // would find the other person).
        (
            "UPDATE persons SET pseudonym = ?1 WHERE id = 2",
            "contact:2",
        ),
        // A year of contacts moved with one SQL statement.
        (
            "UPDATE contacts SET date = replace(date, '2024-', '2023-')",
            "contact:1",
        ),
        // A contact given to another person.
        (
            "UPDATE contacts SET person_id = (SELECT max(person_id) FROM contacts) WHERE id = 1",
            "contact:1",
        ),
        // Another author, another field night.
        ("UPDATE contacts SET created_by = 1 WHERE id = 2", "contact:2"),
        (
            "UPDATE contacts SET field_night_id = NULL, created_at = created_at - 86400 WHERE id = 2",
            "contact:2",
        ),
    ];
    for (sql, record) in attacks {
        let db = unit();
        let olle = insider(&db, "olle", PASS);
        match sql.contains("?1") {
            true => olle.conn.exec(sql, &[&rand::random::<[u8; 32]>().to_vec()]),
            false => olle.conn.batch(sql),
        }
        drop(olle);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{sql}: {report:#}");
        assert!(
            findings(&report, "audit_log").contains(&(record.into(), "content_differs".into())),
            "{sql}: {report:#}"
        );
        // And a rekey refuses to re-seal, and so vouch for, the changed rows.
        let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{sql}");
        assert!(stderr(&out).contains("not what the log's signed entries say"));
    }

    // A category changed by re-sealing a valid envelope with the data key: the encryption
    // check passes (it is a real envelope, in its place), the content check does not.
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    let attributes: Vec<u8> = olle
        .conn
        .query_one("SELECT attributes FROM contacts WHERE id = 1", &[])
        .get(0);
    let mut plain = olle
        .keys
        .open(Place::ContactAttributes(1), &attributes)
        .unwrap()
        .to_vec();
    plain[2] = if plain[2] == 1 { 2 } else { 1 }; // another gender
    let forged = olle.keys.seal(Place::ContactAttributes(1), &plain).unwrap();
    olle.conn.exec(
        "UPDATE contacts SET attributes = ?1 WHERE id = 1",
        &[&forged],
    );
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(findings(&report, "encryption").is_empty(), "{report:#}");
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("contact:1".into(), "content_differs".into())]
    );
}

#[test]
fn imported_rows_are_committed_all_at_once_and_a_changed_one_names_the_import() {
    let db = unit();
    let csv = format!(
        "{HEADER}2024-02-01,ab01,sells,woman,25-34,men,norrmalm,outreach,,no,\n2024-02-02,ab02,sells,woman,25-34,men,norrmalm,outreach,,no,\n"
    );
    let out = db.import(&csv);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, _) = audit_json(&db, &[]);
    assert_eq!(code, Some(0));
    let olle = insider(&db, "olle", PASS);
    let (first, last): (i64, i64) = olle
        .conn
        .query_one(
            "SELECT min(id), max(id) FROM contacts WHERE date LIKE '2024-02-%'",
            &[],
        )
        .pair();
    olle.conn.exec(
        "UPDATE contacts SET date = '2024-02-03' WHERE id = ?1",
        &[&last],
    );
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![(format!("contacts:{first}-{last}"), "content_differs".into())]
    );
}

#[test]
fn every_role_holding_only_its_own_keys_is_caught_forging_raising_and_rewriting() {
    for who in ["olle", "lena", "aino", ADMIN] {
        // Raising their own role (an administrator's is already the highest: they add one).
        let db = unit();
        let me = insider(&db, who, PASS);
        let target = if who == ADMIN {
            user_id(&db, "olle")
        } else {
            me.id
        };
        me.set_role(target, "admin");
        drop(me);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{who}");
        assert!(
            findings(&report, "audit_log")
                .contains(&(format!("user:{target}"), "user_not_granted".into())),
            "{who}: {report:#}"
        );

        // An entry in someone else's name (the administrator's, or olle's for the admin).
        let db = unit();
        let me = insider(&db, who, PASS);
        let other = if who == ADMIN {
            user_id(&db, "olle")
        } else {
            user_id(&db, ADMIN)
        };
        me.append(Some(other), "backup", "database", "");
        let seq = me.conn.log_rows().len();
        drop(me);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{who}");
        assert_eq!(
            findings(&report, "audit_log"),
            vec![(format!("audit_log:{seq}"), "bad_signature".into())],
            "{who}"
        );

        // A contact's date changed, with whatever keys the role holds.
        let db = unit();
        let me = insider(&db, who, PASS);
        me.conn
            .exec("UPDATE contacts SET date = '2020-01-01' WHERE id = 2", &[]);
        drop(me);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{who}");
        assert!(
            findings(&report, "audit_log")
                .contains(&("contact:2".into(), "content_differs".into())),
            "{who}: {report:#}"
        );
    }
}

#[test]
fn a_field_night_changed_by_an_insider_is_named_by_the_audit() {
    let db = unit();
    db.cmd_as("olle", PASS)
        .args([
            "night",
            "add",
            "--date",
            "2024-03-01",
            "--kind",
            "street",
            "--district",
            "farsta",
            "--staff",
            "2",
        ])
        .assert()
        .success();
    let (code, _) = audit_json(&db, &[]);
    assert_eq!(code, Some(0));
    let olle = insider(&db, "olle", PASS);
    olle.conn.exec(
        "UPDATE field_nights SET date = '2023-03-01' WHERE id = 1",
        &[],
    );
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("field_night:1".into(), "content_differs".into())]
    );
}

#[test]
fn a_wrap_redirected_to_an_auditors_key_gets_no_master_key_from_a_rekey() {
    // Red team (issue 12): the auditor set olle's wrap to her own X25519 key; the next rekey
    // sealed the new master key to it, and she read every note.
    let db = unit();
    let olle_id = user_id(&db, "olle");
    let aino_public: Vec<u8> = {
        let bytes = db.key_file_bytes();
        KeyFile::parse(&bytes)
            .unwrap()
            .open_user("aino", &Passphrase::new(PASS.into()))
            .unwrap()
            .secret
            .public()
            .to_vec()
    };
    let aino = insider(&db, "aino", PASS);
    aino.conn.exec(
        "UPDATE master_wraps SET public_key = ?1 WHERE user_id = ?2",
        rusqlite::params![aino_public, olle_id],
    );
    drop(aino);
    // The audit names it, the rekey refuses to seal to it, and olle's sign-in is refused too.
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(
        findings(&report, "audit_log")
            .contains(&(format!("user:{olle_id}"), "key_not_granted".into())),
        "{report:#}"
    );
    let out = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not the one the log grants them"),
        "{}",
        stderr(&out)
    );
    let disable = db
        .cmd()
        .args(["user", "disable", "lena", "--yes"])
        .output()
        .unwrap();
    assert_eq!(disable.status.code(), Some(1), "user disable rekeys too");
    refused(
        &db,
        "olle",
        PASS,
        "is not the one the database has for them",
    );
}

#[test]
fn a_slot_planted_in_the_key_file_receives_no_new_page_key() {
    let db = unit();
    // olle plants a second slot of his own (another name, his own passphrase) in the key file.
    let olle = insider(&db, "olle", PASS);
    let planted = UserSecret::generate();
    let bytes = db.key_file_bytes();
    let mut file = KeyFile::parse(&bytes).unwrap();
    file.put_user(
        "spare",
        &Passphrase::new("olles spare passphrase".into()),
        uppsok::crypto::KdfParams::for_new_slot(),
        &planted,
        &olle.page_keys,
    )
    .unwrap();
    let mut bytes = file.to_bytes(&olle.page_keys[0]);
    drop(olle);
    insider_write_key_file(&db, "olle", PASS, &mut bytes);
    // The audit names a slot no active user owns.
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert!(
        findings(&report, "encryption")
            .iter()
            .any(|(_, kind)| kind == "unknown_slot"),
        "{report:#}"
    );
    // olle is disabled: a new page key, sealed to the granted keys only.
    db.cmd()
        .args(["user", "disable", "olle", "--yes"])
        .assert()
        .success();
    let bytes = db.key_file_bytes();
    let file = KeyFile::parse(&bytes).unwrap();
    assert!(
        file.open_user("spare", &Passphrase::new("olles spare passphrase".into()))
            .is_err(),
        "the planted slot is gone from the key file"
    );
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_merge_declared_behind_uppsoks_back_is_named_by_the_audit() {
    // Two codes declared one person count once: a merge row of an insider's would change every
    // count of individuals.
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    olle.conn.exec("INSERT INTO person_merges (person_id, merged_into, merged_by, merged_at) VALUES (2, 1, ?1, '2024-01-01T00:00:00Z')", &[&olle.id]);
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("person_merges".into(), "not_committed".into())]
    );
}

#[test]
fn a_reordered_district_list_is_named_by_the_audit_and_refused_by_a_rekey() {
    // The envelopes keep a district as its place in the list: reordering the list would move
    // every contact to another district without touching one envelope.
    let db = unit();
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    let olle = insider(&db, "olle", PASS);
    let list: String = olle
        .conn
        .query_one("SELECT value FROM meta WHERE key = 'districts'", &[])
        .get(0);
    let mut names: Vec<String> = serde_json::from_str(&list).unwrap();
    names.reverse();
    olle.conn.exec(
        "UPDATE meta SET value = ?1 WHERE key = 'districts'",
        &[&serde_json::to_string(&names).unwrap()],
    );
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("meta:districts".into(), "content_differs".into())]
    );
    // A rekey would vouch for the list in its snapshot: it refuses instead.
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("meta:districts"),
        "{}",
        stderr(&o)
    );
}

/// The unit with one project (added by the lead) and one activity (logged by olle).
fn unit_with_work() -> Db {
    let db = unit();
    db.cmd_as("lena", PASS)
        .args([
            "project",
            "add",
            "Köparprojektet",
            "--funder",
            "Socialstyrelsen",
        ])
        .args(["--from", "2024-01-01", "--to", "2024-12-31"])
        .assert()
        .success();
    db.cmd_as("olle", PASS)
        .args([
            "activity",
            "add",
            "--date",
            "2024-03-02",
            "--kind",
            "lecture",
        ])
        .args([
            "--audience",
            "school",
            "--participants",
            "28",
            "--note",
            "gymnasiet",
        ])
        .assert()
        .success();
    db
}

fn project_rows(conn: &RawConn) -> Vec<uppsok::storage::ProjectRow> {
    conn.query(
        "SELECT id, created_by, created_at, details FROM projects ORDER BY id",
        &[],
    )
    .iter()
    .map(|r| uppsok::storage::ProjectRow {
        id: r.get(0),
        created_by: r.get(1),
        created_at: r.get(2),
        details: r.get(3),
    })
    .collect()
}

#[test]
fn an_outreach_worker_who_adds_a_project_behind_uppsoks_back_is_named_by_the_audit() {
    let db = unit_with_work();
    let (code, _) = audit_json(&db, &[]);
    assert_eq!(code, Some(0));
    // Everything a lead's `project add` writes, made by olle with his own keys: the row
    // sealed under the categories key he holds, and an entry signed with his own signing key
    // that commits to the table as it now is. Only his role is not a lead's.
    let olle = insider(&db, "olle", PASS);
    let details = uppsok::domain::ProjectDetails {
        name: uppsok::domain::Name::new("Olles projekt").unwrap(),
        funder: uppsok::domain::Name::new("Ingen").unwrap(),
        from: uppsok::domain::parse_date("2024-01-01").unwrap(),
        to: None,
    };
    let sealed = olle
        .keys
        .seal(Place::ProjectDetails(2), &details.encode())
        .unwrap();
    olle.conn.exec("INSERT INTO projects (id, created_by, created_at, details) VALUES (2, ?1, '2024-05-01T10:00:00Z', ?2)", rusqlite::params![olle.id, sealed]);
    let detail = uppsok::audit_log::projects_detail(&project_rows(&olle.conn));
    olle.append(Some(olle.id), "project_add", "project:2", &detail);
    let seq = olle.conn.log_rows().len();
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("project:2".to_string(), "not_allowed".to_string())],
        "{report:#}"
    );
    assert!(seq > 0);
    // And a rekey does not vouch for it: it refuses, naming the entry.
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("roject:2"), "{}", stderr(&o));
}

#[test]
fn a_project_or_activity_changed_or_removed_outside_uppsok_is_named_by_the_audit() {
    // A lead holds every data key: she re-seals the project with another period, properly.
    let db = unit_with_work();
    let lena = insider(&db, "lena", PASS);
    let row = project_rows(&lena.conn).remove(0);
    let plain = lena
        .keys
        .open(Place::ProjectDetails(row.id), &row.details)
        .unwrap();
    let mut details = uppsok::domain::ProjectDetails::decode(&plain).unwrap();
    details.to = Some(uppsok::domain::parse_date("2025-12-31").unwrap());
    let sealed = lena
        .keys
        .seal(Place::ProjectDetails(row.id), &details.encode())
        .unwrap();
    lena.conn.exec(
        "UPDATE projects SET details = ?1 WHERE id = ?2",
        rusqlite::params![sealed, row.id],
    );
    drop(lena);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&report, "audit_log"),
        vec![("projects".to_string(), "content_differs".to_string())],
        "{report:#}"
    );

    // Any role: an activity deleted from the file.
    for who in ["olle", "aino"] {
        let db = unit_with_work();
        let me = insider(&db, who, PASS);
        me.conn.exec("DELETE FROM activities", &[]);
        drop(me);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{who}");
        assert_eq!(
            findings(&report, "audit_log"),
            vec![("activities".to_string(), "content_differs".to_string())],
            "{who}: {report:#}"
        );
    }
}

#[test]
fn an_auditor_counts_activities_but_opens_no_activity_note_outside_uppsok() {
    let db = unit_with_work();
    let aino = insider(&db, "aino", PASS);
    let (details, note): (Vec<u8>, Vec<u8>) = aino
        .conn
        .query_one("SELECT details, note FROM activities WHERE id = 1", &[])
        .pair();
    // Kind, audience and participants: what the yearly report counts.
    let plain = aino.keys.open(Place::ActivityDetails(1), &details).unwrap();
    let d = uppsok::domain::ActivityDetails::decode(&plain).unwrap();
    assert_eq!(d.participants, 28);
    // The note is under the notes key, which no auditor holds.
    assert!(aino.keys.open(Place::ActivityNote(1), &note).is_err());
    assert!(aino.held.master().is_none());
    // Nor can she swap the note into the details column and read it there.
    assert!(aino.keys.open(Place::ActivityDetails(1), &note).is_err());
}

/// `meta.publish_method` as an insider writes it: `None` removes it.
fn write_publish_method(conn: &RawConn, value: Option<&str>) {
    conn.exec("DELETE FROM meta WHERE key = 'publish_method'", &[]);
    if let Some(v) = value {
        conn.exec(
            "INSERT INTO meta (key, value) VALUES ('publish_method', ?1)",
            &[&v],
        );
    }
}

#[test]
fn a_default_method_changed_behind_uppsoks_back_is_named_by_the_audit_and_refused_by_a_rekey() {
    let meta_named = |report: &serde_json::Value, kind: &str| {
        assert_eq!(
            findings(report, "audit_log"),
            vec![("meta:publish_method".to_string(), kind.to_string())],
            "{report:#}"
        );
    };
    // An outreach worker plants the cell key method where the unit never chose one.
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    write_publish_method(&olle.conn, Some("cellkey"));
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    meta_named(&report, "not_committed");

    // ... and with the entry a lead's `config set` writes, signed with his own key: the
    // value matches the entry, but the entry's signer may not set it.
    let olle = insider(&db, "olle", PASS);
    olle.append(
        Some(olle.id),
        "config_set",
        "meta:publish_method",
        "publish_method=cellkey",
    );
    drop(olle);
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    meta_named(&report, "not_allowed");
    // A rekey would vouch for it in its snapshot: it refuses instead.
    let o = db.cmd().args(["rekey", "--yes"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("meta:publish_method"),
        "{}",
        stderr(&o)
    );

    // The lead chose it properly; an outreach worker, or an auditor, changes or removes it.
    for (who, value) in [("olle", Some("suppress")), ("aino", None)] {
        let db = unit();
        db.cmd_as("lena", PASS)
            .args(["config", "publish-method", "cellkey"])
            .assert()
            .success();
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(0), "{report:#}");
        let me = insider(&db, who, PASS);
        write_publish_method(&me.conn, value);
        drop(me);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{who}");
        meta_named(&report, "content_differs");
    }

    // A value uppsok does not know is never taken for a default: reading it fails, naming it.
    let db = unit();
    let olle = insider(&db, "olle", PASS);
    write_publish_method(&olle.conn, Some("round"));
    drop(olle);
    let o = db
        .cmd_as("olle", PASS)
        .args(["config", "publish-method"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("publish_method") && stderr(&o).contains("uppsok audit"),
        "{}",
        stderr(&o)
    );
    // A publication refuses it too; an exact count never reads the default and still works.
    let o = db
        .cmd_as("olle", PASS)
        .args(["stats", "--publish"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("publish_method"), "{}", stderr(&o));
    db.cmd_as("olle", PASS).args(["stats"]).assert().success();
    let (code, report) = audit_json(&db, &[]);
    assert_eq!(code, Some(1));
    meta_named(&report, "not_committed");
}

#[test]
fn a_recovery_key_redirected_or_removed_by_an_insider_is_named_and_refused_by_a_rekey() {
    // Red team (issue 15, on a server; here on the file): the recovery key's row changed
    // behind uppsok's back. Redirected to an insider's own key, a rekey would have sealed the
    // new master key to them; removed, the way back in after a lost passphrase is gone. The
    // audit names either, and a rekey (whose preview said it rewraps the recovery key) refuses
    // and changes nothing.
    for (change, kind) in [
        (
            "UPDATE recovery_keys SET public_key = ?1",
            "key_not_granted",
        ),
        ("DELETE FROM recovery_keys", "recovery_key_missing"),
    ] {
        let db = unit();
        assert_eq!(db.sql_i64("SELECT count(*) FROM recovery_keys"), 1);
        let aino_key: Vec<u8> = KeyFile::parse(&db.key_file_bytes())
            .unwrap()
            .open_user("aino", &Passphrase::new(PASS.into()))
            .unwrap()
            .secret
            .public()
            .to_vec();
        let aino = insider(&db, "aino", PASS);
        if change.contains("?1") {
            aino.conn.exec(change, &[&aino_key]);
        } else {
            aino.conn.exec(change, &[]);
        }
        drop(aino);
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1));
        assert!(
            findings(&report, "audit_log").contains(&("recovery_key".into(), kind.into())),
            "{change}: {report:#}"
        );
        let before = db.sql_rows("SELECT * FROM recovery_keys");
        let version = db.sql_value("SELECT value FROM meta WHERE key = 'key_version'");
        for args in [&["rekey", "--yes"][..], &["rekey", "--dry-run"][..]] {
            let out = db.cmd().args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{change}: {args:?}");
            assert!(
                stderr(&out).contains("recovery key is not the one the log grants"),
                "{}",
                stderr(&out)
            );
        }
        assert_eq!(db.sql_rows("SELECT * FROM recovery_keys"), before);
        assert_eq!(
            db.sql_value("SELECT value FROM meta WHERE key = 'key_version'"),
            version
        );
    }
}

#[test]
fn a_unit_or_a_move_between_units_granted_by_a_non_administrator_is_named_and_ignored() {
    // Two forgeries, each on a city of two units: olle (outreach) in the first, named
    // stockholm; sara (outreach) in goteborg. Sara writes the file directly, signing with her
    // own key (the only one she holds): a unit of her own, or herself granted again into
    // stockholm (whose contacts she would then see).
    for forgery in ["unit", "move"] {
        let db = unit();
        db.add_units(
            &["stockholm", "goteborg"],
            &[("sara", "outreach", "goteborg")],
        );
        db.cmd().arg("audit").assert().success();
        let sara = insider(&db, "sara", PASS);
        match forgery {
            "unit" => sara.append(Some(sara.id), "unit_add", "unit:3", "name=mallorca"),
            _ => sara.append(
                Some(sara.id),
                "user_add",
                &format!("user:{}", sara.id),
                &format!(
                    "role=outreach name=sara signing={} enc={} unit=1",
                    public_hex(&sara.signer.public()),
                    public_hex(&sara.enc)
                ),
            ),
        }
        let seq = sara.conn.log_rows().len();
        drop(sara);
        // The audit names the entry; it is not taken: no third unit, and sara still sees only
        // goteborg's contacts (none), not stockholm's two.
        let (code, report) = audit_json(&db, &[]);
        assert_eq!(code, Some(1), "{forgery}");
        assert!(
            findings(&report, "audit_log")
                .contains(&(format!("audit_log:{seq}"), "not_allowed".into())),
            "{forgery}: {report}"
        );
        let o = db
            .cmd()
            .args(["unit", "list", "-f", "json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let units: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(units.as_array().unwrap().len(), 2, "{forgery}: {units}");
        let o = db
            .cmd_as("sara", PASS)
            .args(["stats", "-f", "json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["contacts"], 0, "{forgery}: {v}");
    }
}

/// `user list` shows each user as the log grants them: a row's creation time changed outside
/// uppsok is not what it lists (the time is that of the signed entry that added the user; it
/// was the row's before 2026-12-04, which no seal covered).
#[test]
fn user_list_shows_the_logs_users_not_a_row_changed_outside_uppsok() {
    let db = unit();
    let list = |db: &Db| -> serde_json::Value {
        let o = db
            .cmd()
            .args(["user", "list", "--format", "json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let before = list(&db);
    let olle = insider(&db, "olle", PASS);
    let added: std::collections::HashMap<String, String> = olle
        .conn
        .log_rows()
        .into_iter()
        .filter(|r| r.action == "init" || r.action == "user_add")
        .filter_map(|r| {
            let name = r.detail.split(' ').find_map(|t| t.strip_prefix("name="))?;
            Some((name.to_string(), r.at))
        })
        .collect();
    olle.conn.exec(
        "UPDATE users SET created_at = '2019-01-01T00:00:00Z' WHERE name IN ('admin', 'lena')",
        &[],
    );
    drop(olle);
    let after = list(&db);
    assert_eq!(after, before);
    for user in after.as_array().unwrap() {
        let name = user["name"].as_str().unwrap();
        assert_eq!(
            user["created_at"].as_str(),
            Some(added[name].as_str()),
            "{name}: {user}"
        );
    }
}
