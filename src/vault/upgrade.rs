//! `uppsok upgrade`: a database of an older format brought to this one, all or nothing, after
//! a backup.
//!
//! - **Format 1** (not encrypted as a whole, key slots inside it): the administrator who runs
//!   it signs in the way format 1 opened (their slot in the database); their slot is written
//!   anew in the key file. Every other active user's slot is carried over as it was wrapped
//!   (their passphrase is not at hand) and rewritten as a slot of today's kind at their first
//!   sign-in. The page key is sealed to every user's public key and to the recovery key's. The
//!   new file is made beside the old one and renamed into place last.
//! - **Format 2** (the log chained by an HMAC every user could make, no signing keys): in place,
//!   in one transaction, after a backup copy.
//!
//! Both end the same way ([`sign_over_the_old_log`]): the old log's HMAC chain is verified with
//! the old key, each entry keeps its running hash only, and the `upgrade` entry, signed by the
//! administrator, grants every user as the database held them (the administrator's signing key
//! is in their new slot; every other user takes theirs at their next sign-in) and, when the
//! recovery key is given, the recovery key's signing key. It is the log's root: the database's
//! fingerprint is made from it.

use crate::msg::Msg;
use std::path::{Path, PathBuf};

use super::lifecycle::{
    key_file_sealed, load_chain, load_key_file, open_database, open_held, save_key_file, slot_error,
};
use super::*;
use crate::crypto::{
    Held, KdfParams, KeyFile, KeyScheme, MasterKey, PageKey, RecoveryKey, UserSecret,
};

/// What an upgrade did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeSummary {
    /// Where the database as it was is kept.
    pub backup: PathBuf,
    /// Users with a slot in the new key file.
    pub users: usize,
    /// Of them, those whose slot was carried over and is rewritten at their next sign-in.
    pub carried: usize,
    /// The format the database had.
    pub from: String,
    /// Active users who take their signing key at their next sign-in.
    pub pending: usize,
    /// The database's fingerprint from now on.
    pub fingerprint: String,
    /// Whether the recovery key can still restore administrators (it was given).
    pub recovery_kept: bool,
    /// Whether keys per capability are in force (an auditor holds the categories key only);
    /// false until a rekey when users' slots were carried over from format 1.
    pub keys_per_role: bool,
}

/// What an upgrade does with the recovery key, which must sign a `recover` from format 3 on.
pub enum RecoveryChoice<'a> {
    /// The recovery key, to grant its signing key.
    Key(&'a RecoveryKey),
    /// The administrator gives up recovery (the key is lost): it restores no one afterwards.
    GiveUp,
    /// Not given: refused if the database has a recovery key.
    NotGiven,
}

/// The grant the upgrade makes for the recovery key, checked against the one the database has.
fn recovery_grant(stored: Option<&[u8]>, choice: &RecoveryChoice<'_>) -> Result<Option<String>> {
    match (stored, choice) {
        (None, _) | (Some(_), RecoveryChoice::GiveUp) => Ok(None),
        (Some(public), RecoveryChoice::Key(key)) => {
            if key.public()[..] != *public {
                return Err(Error::Refused(Msg::RecoveryKeyOfAnother));
            }
            // Its signing key and its X25519 key, granted by the upgrade entry.
            Ok(Some(format!(
                "recovery={} recovery_enc={}",
                crate::crypto::public_hex(&key.signer().public()),
                crate::crypto::public_hex(&key.public())
            )))
        }
        (Some(_), RecoveryChoice::NotGiven) => Err(Error::Input(Msg::RecoveryKeyNeeded)),
    }
}

/// The end of every upgrade, inside its transaction: verifies the old log's HMAC chain with the
/// old keys, keeps each old entry's running hash only, sets the format, and appends the signed
/// `upgrade` entry that grants every user (see the module documentation). Returns the number
/// of active users who take their signing key at their next sign-in.
fn sign_over_the_old_log(
    tx: &Change<'_>,
    old: &Keys,
    from: &str,
    admin: i64,
    admin_key: &[u8; 32],
    recovery: Option<String>,
) -> Result<usize> {
    let mut rows = Vec::new();
    tx.scan_audit_log(&mut |r| {
        rows.push(r);
        NEXT
    })?;
    if let Err(b) = audit_log::verify_legacy_chain(&rows, old) {
        return Err(Error::Failed(Msg::UpgradeLogDoesNotVerify {
            detail: b.to_string(),
        }));
    }
    let mut hash = [0u8; 32];
    for r in &rows {
        hash = audit_log::link_row(&hash, r);
        tx.update_audit_mac(r.seq, &hash)?;
    }
    // The recorded head, in the new marks, for the `upgrade` entry to build on.
    if let Some(last) = rows.last() {
        tx.set_meta(
            audit_log::HEAD_META_KEY,
            &audit_log::head_text(last.seq, &hash),
        )?;
    }
    let mut detail = format!("format={} from={from}", crate::storage::FORMAT_VERSION);
    let mut pending = 0;
    for u in tx.users()? {
        if !old.verify_record_mac(
            &user_record_bytes(u.id, &u.name, &u.role, u.disabled),
            &u.mac,
        ) {
            return Err(tampered_user(&u.name));
        }
        let key = if u.id == admin {
            crate::crypto::public_hex(admin_key)
        } else {
            pending += usize::from(!u.disabled);
            "-".to_string()
        };
        let state = if u.disabled { "disabled" } else { "active" };
        // The X25519 key the data keys are sealed to: the one the user's wrap has.
        let enc = match tx.master_wrap(u.id)? {
            Some(w) if !u.disabled => crate::crypto::pseudonym_hex(&w.public_key),
            _ => "-".to_string(),
        };
        detail.push_str(&format!(
            " user={}:{}:{}:{state}:{key}:{enc}",
            u.id, u.name, u.role
        ));
    }
    if let Some(r) = recovery {
        detail.push_str(&format!(" {r}"));
    }
    // The cell key secret, which no older format had (made once, here).
    if tx.meta(super::cellkey::META_KEY)?.is_none() {
        super::cellkey::create(&**tx, tx.keys)?;
    }
    // A snapshot of every contact: what content commitments start from (and the secret's).
    // (No format before this one had units: one unit.)
    let content =
        super::lifecycle::content_snapshot(&**tx, tx.keys, &crate::domain::Units::default())?;
    detail.push_str(&format!(" {content}"));
    tx.set_meta("format", crate::storage::FORMAT_VERSION)?;
    tx.log(Action::Upgrade, "database", &detail)?;
    Ok(pending)
}

/// `FILE.format<N>-backup`, or the first of `FILE.format<N>-backup-2`, `-3`, ... that is
/// free (with its key file).
fn backup_path(path: &Path, from: &str) -> PathBuf {
    let base = {
        let mut p = path.as_os_str().to_owned();
        p.push(format!(".format{from}-backup"));
        PathBuf::from(p)
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.exists() || crate::storage::key_file_path(&candidate).exists() {
        let mut p = base.as_os_str().to_owned();
        p.push(format!("-{n}"));
        candidate = PathBuf::from(p);
        n += 1;
    }
    candidate
}

/// The record of the administrator who upgrades: sealed as the old format sealed it, and of
/// role admin.
fn upgrading_admin(keys: &Keys, row: &UserRow, name: &str) -> Result<()> {
    if !keys.verify_record_mac(
        &user_record_bytes(row.id, &row.name, &row.role, row.disabled),
        &row.mac,
    ) {
        return Err(tampered_user(name));
    }
    let role: StaffRole = row.role.parse().map_err(|_| tampered_user(name))?;
    if !Permission::Administer.allowed(role) {
        return Err(Error::Refused(Msg::UpgradeRoleMayNot {
            name: name.to_string(),
            role,
        }));
    }
    Ok(())
}

fn refused_old(name: &str) -> Error {
    Error::Refused(Msg::UpgradeWrongCredentials {
        name: name.to_string(),
    })
}

impl Vault {
    /// Brings the database at `path` to this format, signed in as the administrator `name`
    /// (admin only); see the module documentation. Nothing replaces the old database until the
    /// new one is complete; the old one is kept as the returned backup.
    pub fn upgrade(
        path: &Path,
        name: &str,
        passphrase: &Passphrase,
        recovery: RecoveryChoice<'_>,
    ) -> Result<UpgradeSummary> {
        let _progress = crate::progress::begin(crate::progress::Task::Upgrade, None);
        match crate::storage::open(path) {
            Err(StorageError::NeedsUpgrade(..)) => {
                Self::upgrade_format1(path, name, passphrase, recovery)
            }
            Err(e) => Err(e.into()),
            Ok(locked) => Self::upgrade_format2(locked, path, name, passphrase, recovery),
        }
    }

    fn upgrade_format1(
        path: &Path,
        name: &str,
        passphrase: &Passphrase,
        recovery: RecoveryChoice<'_>,
    ) -> Result<UpgradeSummary> {
        let old = crate::storage::open_format1(path)?;
        let reads = old.read()?;
        // Sign in as format 1 did: the user's slot in the database.
        let row = reads
            .user_by_name(name)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| refused_old(name))?;
        let slots = old.key_slots()?;
        let slot = slots
            .iter()
            .find(|s| s.user_id == row.id)
            .ok_or_else(|| refused_old(name))?;
        let params = KdfParams::from_stored(slot.memory_kib, slot.iterations, slot.parallelism)
            .ok_or_else(|| kdf_out_of_bounds(name))?;
        let (mut secret, master, new_wrap) = match reads.master_wrap(row.id)? {
            Some(wrap) => {
                let secret =
                    UserSecret::unwrap(passphrase, params, &slot.salt, &slot.wrapped_key, row.id)
                        .map_err(|_| refused_old(name))?;
                if wrap.public_key != secret.public() {
                    return Err(tampered_user(name));
                }
                let master = secret
                    .open_master(&wrap.wrapped_master, row.id)
                    .map_err(|_| tampered_user(name))?;
                (secret, master, false)
            }
            // The oldest slots wrapped the master key itself: a new key pair for this user.
            None => {
                let master =
                    MasterKey::unwrap(passphrase, params, &slot.salt, &slot.wrapped_key, row.id)
                        .map_err(|_| refused_old(name))?;
                (UserSecret::generate(), master, true)
            }
        };
        let held = Held::master_key(master);
        let mut keys = held.derive(KeyScheme::Shared);
        load_chain(&*reads, &mut keys)?;
        keys_open_the_data(&*reads, &keys, &Default::default(), name)?;
        upgrading_admin(&keys, &row, name)?;
        let districts = load_districts(&*reads)?;
        let stored_recovery = reads.recovery_key()?.map(|r| r.public_key);
        let recovery_grant = recovery_grant(stored_recovery.as_deref(), &recovery)?;
        if secret.signer().is_none() {
            secret.set_signer(crate::crypto::Signer::generate());
        }
        let signer = secret.signer().expect("just given").clone();

        // The key file: this user's slot anew, every other active user's carried over.
        let id = reads
            .meta("database_id")?
            .and_then(|id| uuid::Uuid::parse_str(&id).ok())
            .ok_or(Error::Failed(Msg::NoValidId { upgrading: false }))?;
        let page_key = PageKey::generate();
        let mut file = KeyFile::new(*id.as_bytes());
        let fail = |e: crate::crypto::CryptoError| {
            Error::Failed(Msg::CannotProtectKey {
                error: e.to_string(),
            })
        };
        file.put_user(
            name,
            passphrase,
            KdfParams::for_new_slot(),
            &secret,
            std::slice::from_ref(&page_key),
        )
        .map_err(fail)?;
        let (mut carried, mut stuck) = (0usize, Vec::new());
        for u in reads
            .users()?
            .iter()
            .filter(|u| !u.disabled && u.id != row.id)
        {
            let s = slots.iter().find(|s| s.user_id == u.id);
            let w = reads.master_wrap(u.id)?;
            let settings = s.and_then(|s| {
                Some((
                    u32::try_from(s.memory_kib).ok()?,
                    u32::try_from(s.iterations).ok()?,
                    u32::try_from(s.parallelism).ok()?,
                ))
            });
            let public: Option<[u8; 32]> = w
                .as_ref()
                .and_then(|w| w.public_key.as_slice().try_into().ok());
            match (s, public, settings) {
                (Some(s), Some(public), Some(settings)) => {
                    file.put_carried(
                        public,
                        settings,
                        &s.salt,
                        u.id,
                        &s.wrapped_key,
                        std::slice::from_ref(&page_key),
                    )
                    .map_err(fail)?;
                    carried += 1;
                }
                _ => stuck.push(u.name.clone()),
            }
        }
        if !stuck.is_empty() {
            return Err(Error::Refused(Msg::UpgradeStuckSlots { names: stuck }));
        }
        if let Some(r) = reads.recovery_key()? {
            let public: [u8; 32] = r
                .public_key
                .as_slice()
                .try_into()
                .map_err(|_| Error::Failed(Msg::RecoveryKeyDamaged))?;
            file.set_recovery(public, std::slice::from_ref(&page_key))
                .map_err(fail)?;
        }
        drop(reads);

        // The copy: a backup first, then the new database beside the old one.
        let backup = backup_path(path, "1");
        let mut conversion = old.convert(&backup, page_key.expose())?;
        let written = (|| -> Result<usize> {
            let store = conversion.backend();
            let offered = std::slice::from_ref(&page_key);
            let tx = Change::begin(
                store,
                (&held, &keys, offered),
                &districts,
                (Some(row.id), Some(&signer)),
            )?;
            if new_wrap {
                tx.put_master_wrap(&MasterWrapRow {
                    user_id: row.id,
                    public_key: secret.public().to_vec(),
                    wrapped_master: held
                        .seal_to_user(
                            &secret.public(),
                            row.id,
                            crate::crypto::Share {
                                master: true,
                                units: crate::crypto::ShareUnits::None,
                                categories: crate::crypto::ShareUnits::None,
                            },
                        )
                        .map_err(fail)?,
                })?;
            }
            // The other users' slots are carried over as format 1 wrapped them: no rekey can
            // rewrap them, so keys per capability wait for a rekey once they have signed in.
            tx.set_meta("key_scheme", KeyScheme::Shared.as_str())?;
            save_key_file(&tx, &mut file)?;
            let pending = sign_over_the_old_log(
                &tx,
                &keys,
                "1",
                row.id,
                &signer.public(),
                recovery_grant.clone(),
            )?;
            tx.commit()?;
            Ok(pending)
        })();
        let done = written.and_then(|pending| {
            conversion.finish()?;
            Ok(pending)
        });
        let pending = match done {
            Ok(p) => p,
            Err(e) => {
                let _ = std::fs::remove_file(&backup);
                return Err(e);
            }
        };
        Ok(UpgradeSummary {
            backup,
            users: 1 + carried,
            carried,
            from: "1".into(),
            pending,
            fingerprint: audit_log::fingerprint(id.as_bytes(), &signer.public()),
            recovery_kept: recovery_grant.is_some(),
            keys_per_role: false,
        })
    }

    /// Format 2 to this one, in place: see the module documentation.
    fn upgrade_format2(
        locked: Box<dyn Locked>,
        path: &Path,
        name: &str,
        passphrase: &Passphrase,
        recovery: RecoveryChoice<'_>,
    ) -> Result<UpgradeSummary> {
        let opened = open_database(locked, |file| {
            let opened = file
                .open_user(name, passphrase)
                .map_err(|e| slot_error(e, name))?;
            Ok((opened.page_keys, (opened.secret, opened.carried_user)))
        })?;
        let (mut store, offered) = (opened.store, opened.offered);
        let (mut secret, carried) = opened.value;
        let reads = store.read()?;
        let format = reads.meta("format")?.unwrap_or_default();
        if format != "2" {
            return Err(Error::Failed(Msg::AlreadyFormat {
                path: crate::storage::shown_location(path).into(),
                format,
            }));
        }
        let row = reads
            .user_by_name(name)?
            .filter(|u| !u.disabled)
            .ok_or_else(|| refused_old(name))?;
        if carried.is_some() {
            return Err(Error::Refused(Msg::FormatOneSlot {
                name: name.to_string(),
            }));
        }
        let held = open_held(&*reads, &secret, row.id, name, false)?;
        key_version_matches(&*reads, held.version())?;
        let mut keys = held.derive(KeyScheme::Shared);
        load_chain(&*reads, &mut keys)?;
        keys_open_the_data(&*reads, &keys, &Default::default(), name)?;
        key_file_sealed(&*reads, &keys, &opened.key_file)?;
        upgrading_admin(&keys, &row, name)?;
        let stored_recovery = reads.recovery_key()?.map(|r| r.public_key);
        let recovery_grant = recovery_grant(stored_recovery.as_deref(), &recovery)?;
        let users = reads.users()?.iter().filter(|u| !u.disabled).count();
        // Keys per capability need a rekey, which needs every active user's wrap: a slot
        // carried over from format 1 (its user not signed in since) has none.
        let rekey = reads.active_master_wraps()?.1.is_empty();
        let districts = load_districts(&*reads)?;
        let id = super::audit::database_id(&*reads)?
            .ok_or(Error::Failed(Msg::NoValidId { upgrading: true }))?;
        drop(reads);

        // A backup first: the database and its key file as they are.
        let backup = backup_path(path, "2");
        store.backup_to(&backup)?;

        secret.set_signer(crate::crypto::Signer::generate());
        let signer = secret.signer().expect("just given").clone();
        let pending = (|| -> Result<usize> {
            let tx = Change::begin(
                &mut *store,
                (&held, &keys, &offered),
                &districts,
                (Some(row.id), Some(&signer)),
            )?;
            // The administrator's slot anew, with their signing key in it.
            let mut file = load_key_file(&tx)?;
            file.put_user(
                name,
                passphrase,
                KdfParams::for_new_slot(),
                &secret,
                tx.page_keys,
            )
            .map_err(|e| {
                Error::Failed(Msg::CannotProtectKey {
                    error: e.to_string(),
                })
            })?;
            save_key_file(&tx, &mut file)?;
            let pending = sign_over_the_old_log(
                &tx,
                &keys,
                "2",
                row.id,
                &signer.public(),
                recovery_grant.clone(),
            )?;
            // And keys per capability: a rekey under them, which seals an auditor the
            // categories key only (its entry signed by this administrator).
            if rekey {
                Vault::rekey_in(&tx, &keys)?;
            } else {
                tx.set_meta("key_scheme", KeyScheme::Shared.as_str())?;
            }
            tx.commit()?;
            Ok(pending)
        })()
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&backup);
            let _ = std::fs::remove_file(crate::storage::key_file_path(&backup));
        })?;
        Ok(UpgradeSummary {
            backup,
            users,
            carried: 0,
            from: "2".into(),
            pending,
            fingerprint: audit_log::fingerprint(&id, &signer.public()),
            recovery_kept: recovery_grant.is_some(),
            keys_per_role: rekey,
        })
    }
}
