//! Issue 11, finding 3, done as an attacker would: a master key of the attacker's choosing
//! sealed to a user's public key, and that user's record seal recomputed with it, so that the
//! user signs in without noticing and everything they log is readable by the attacker. Since
//! the file is encrypted as a whole, only an insider (here: the admin's keys, writing the file
//! directly) can reach the public keys at all; the unlock still refuses: the key must open the
//! data already stored, and make the key file's seal kept in the database.

mod common;

use common::*;
use uppsok::crypto::MasterKey;

/// The bytes a user record's seal covers (docs/security.md, "Integrity"): what an attacker
/// recomputes with a key of their own.
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

fn contacts(db: &Db) -> i64 {
    db.sql_i64("SELECT count(*) FROM contacts")
}

/// What the attacker does, as an insider writing the file (on a server, as its owner): a master
/// key of their choosing, of the version the database is at, sealed to the user's public key,
/// and the user's record seal recomputed under it so that the record check passes.
fn seal_a_chosen_key_to(db: &Db, name: &str) {
    let version: u32 = db
        .sql_value("SELECT value FROM meta WHERE key = 'key_version'")
        .unwrap()
        .parse()
        .unwrap();
    let user = db.sql_rows(&format!("SELECT id, role FROM users WHERE name = '{name}'"));
    let (id, role): (i64, String) = (user[0][0].parse().unwrap(), user[0][1].clone());
    let public = db.sql_id_blobs(&format!(
        "SELECT user_id, public_key FROM master_wraps WHERE user_id = {id}"
    ))[0]
        .1
        .clone();
    let chosen = MasterKey::generate(version);
    let wrapped = chosen.seal_to_user(&public, id).unwrap();
    let mac = chosen
        .derive(uppsok::crypto::KeyScheme::PerCapability)
        .record_mac(&user_record_bytes(id, name, &role, false));
    db.tamper(&format!(
        "UPDATE master_wraps SET wrapped_master = {} WHERE user_id = {id};
         UPDATE users SET mac = {} WHERE id = {id}",
        db.blob_literal(&wrapped),
        db.blob_literal(&mac)
    ));
}

#[test]
fn a_master_key_sealed_to_a_user_behind_uppsoks_back_is_refused_at_unlock() {
    let db = Db::new();
    let csv = format!(
        "{HEADER}2024-03-01,ab85,sells,woman,25-34,men,norrmalm,outreach,,no,första\n\
         2024-03-02,,buys,man,35-44,women,farsta,police,,no,\n"
    );
    assert!(db.import(&csv).status.success());
    db.add_user("olle", "outreach");
    // The attacker's key, of the version the database is at, sealed to olle's public key; and
    // olle's record seal recomputed under it, so the record check passes.
    seal_a_chosen_key_to(&db, "olle");
    let before = contacts(&db);
    let out = db
        .cmd_as("olle", PASS)
        .args(add_args(&[
            "--code",
            "cd12",
            "--note",
            "något som bara uppsok får läsa",
        ]))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("replaced outside uppsok"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(contacts(&db), before, "nothing was written");
    // The other users, whose wraps are intact, still work, and the audit can run.
    assert!(db.cmd().args(["stats"]).output().unwrap().status.success());
}

#[test]
fn a_master_key_sealed_to_a_user_of_an_empty_database_is_refused_too() {
    // No contact and no field night to check the key against: the key file's seal, kept in
    // the database under the record key of the real master key, is what refuses it.
    let db = Db::new();
    db.add_user("olle", "outreach");
    seal_a_chosen_key_to(&db, "olle");
    let out = db
        .cmd_as("olle", PASS)
        .args(add_args(&["--note", "något som bara uppsok får läsa"]))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("outside uppsok"), "{err}");
    assert_eq!(contacts(&db), 0, "nothing was written");
}
