//! `uppsok upgrade`: a database of format 1 (not encrypted as a whole, key slots inside it)
//! brought to this format, all or nothing, after a backup.
//!
//! The administrator who runs it signs in the way format 1 opened (their slot in the
//! database); their slot is written anew in the key file. Every other active user's slot is
//! carried over as it was wrapped (their passphrase is not at hand) and rewritten as a slot of
//! today's kind at their first sign-in. The page key is sealed to every user's public key and
//! to the recovery key's.

use std::path::{Path, PathBuf};

use super::lifecycle::{load_chain, save_key_file};
use super::*;
use crate::crypto::{KdfParams, KeyFile, MasterKey, PageKey, UserSecret};

/// What an upgrade did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeSummary {
    /// Where the database as it was is kept.
    pub backup: PathBuf,
    /// Users with a slot in the new key file.
    pub users: usize,
    /// Of them, those whose slot was carried over and is rewritten at their next sign-in.
    pub carried: usize,
}

/// `FILE.format1-backup`, or the first of `FILE.format1-backup-2`, `-3`, ... that is free.
fn backup_path(path: &Path) -> PathBuf {
    let base = {
        let mut p = path.as_os_str().to_owned();
        p.push(".format1-backup");
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

fn refused_old(name: &str) -> Error {
    Error::Refused(format!(
        "wrong passphrase for user '{name}', or there is no active user '{name}' in this database; nothing was changed. Check both and try again."
    ))
}

impl Vault {
    /// Brings the database of format 1 at `path` to this format, signed in as the
    /// administrator `name` (admin only). Nothing replaces the old database until the new one
    /// is complete; the old one is kept as the returned backup.
    pub fn upgrade(path: &Path, name: &str, passphrase: &Passphrase) -> Result<UpgradeSummary> {
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
        let (secret, master, new_wrap) = match reads.master_wrap(row.id)? {
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
        let mut keys = master.derive();
        load_chain(&*reads, &mut keys)?;
        keys_open_the_data(&*reads, &keys, name)?;
        if !keys.verify_record_mac(
            &user_record_bytes(row.id, &row.name, &row.role, row.disabled),
            &row.mac,
        ) {
            return Err(tampered_user(name));
        }
        let role: StaffRole = row.role.parse().map_err(|_| tampered_user(name))?;
        if !Permission::Administer.allowed(role) {
            return Err(Error::Refused(format!(
                "user '{name}' has role {role} and may not upgrade the database; only admin may."
            )));
        }
        let districts = load_districts(&*reads)?;

        // The key file: this user's slot anew, every other active user's carried over.
        let id = reads
            .meta("database_id")?
            .and_then(|id| uuid::Uuid::parse_str(&id).ok())
            .ok_or_else(|| {
                Error::Failed(
                    "the database has no valid id; run `uppsok audit` with the previous version."
                        .into(),
                )
            })?;
        let page_key = PageKey::generate();
        let mut file = KeyFile::new(*id.as_bytes());
        let fail =
            |e: crate::crypto::CryptoError| Error::Failed(format!("cannot protect the key: {e}."));
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
            return Err(Error::Refused(format!(
                "user(s) {} have a key slot that cannot be carried over (made by an early version, or damaged): each signs in once with the previous version of uppsok, or an administrator disables them there; nothing was changed.",
                stuck.join(", ")
            )));
        }
        if let Some(r) = reads.recovery_key()? {
            let public: [u8; 32] = r.public_key.as_slice().try_into().map_err(|_| {
                Error::Failed(
                    "the recovery key stored in the database is damaged; nothing was changed."
                        .into(),
                )
            })?;
            file.set_recovery(public, std::slice::from_ref(&page_key))
                .map_err(fail)?;
        }
        drop(reads);

        // The copy: a backup first, then the new database beside the old one.
        let backup = backup_path(path);
        let mut conversion = old.convert(&backup, page_key.expose())?;
        let written = (|| -> Result<()> {
            let store = conversion.backend();
            let offered = std::slice::from_ref(&page_key);
            let tx = Change::begin(store, (&master, &keys, offered), &districts, Some(row.id))?;
            tx.set_meta("format", crate::storage::FORMAT_VERSION)?;
            if new_wrap {
                tx.put_master_wrap(&MasterWrapRow {
                    user_id: row.id,
                    public_key: secret.public().to_vec(),
                    wrapped_master: master
                        .seal_to_user(&secret.public(), row.id)
                        .map_err(fail)?,
                })?;
            }
            save_key_file(&tx, &mut file)?;
            tx.log(
                Action::Upgrade,
                "database",
                &format!(
                    "format={} users={}",
                    crate::storage::FORMAT_VERSION,
                    1 + carried
                ),
            )?;
            tx.commit()?;
            Ok(())
        })();
        let done = written.and_then(|()| Ok(conversion.finish()?));
        if let Err(e) = done {
            let _ = std::fs::remove_file(&backup);
            return Err(e);
        }
        Ok(UpgradeSummary {
            backup,
            users: 1 + carried,
            carried,
        })
    }
}
