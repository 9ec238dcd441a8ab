//! The database's life over time: key slots (opening, upgrading, raising their Argon2
//! parameters), the recovery key, `rekey`, `forget` and `purge`.
//!
//! The key design is in docs/security.md ("Key hierarchy"): each user's slot wraps a stable
//! X25519 secret under their passphrase, and the master key of the current key version is
//! sealed to every active user's public key. A rekey therefore needs nobody's passphrase, and
//! a disabled user, whose public key is dropped before the rekey, cannot open anything the new
//! master key protects, whatever they copied before.

use std::path::Path;

use super::contacts::{decode_note, encode_note, parse_pseudonym_hex};
use super::*;
use crate::audit_log::{self, Action};
use crate::crypto::{public_hex, CryptoError, KdfParams, Place, RecoveryKey, Signer, UserSecret};
use crate::domain::PersonCode;
use crate::error::{Error, Result};
use crate::msg::{Age, Msg, Refusing};
use crate::storage::Locked;

/// Rows rewritten per batch in a rekey or purge: memory stays flat whatever the size.
const BATCH: i64 = 4096;

/// What a rekey rewrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RekeySummary {
    pub key_version: u32,
    pub contacts: u64,
    pub field_nights: u64,
    pub persons: u64,
    pub users: u64,
    pub audit_entries: u64,
    pub slots: u64,
    pub recovery_key: bool,
    /// Whether the file was re-encrypted under a new page key as well (false when another
    /// process had it open: a later sign-in does it).
    pub pages_rekeyed: bool,
}

/// Writes a user's key material: a fresh X25519 secret and a fresh signing key in their slot
/// of the key file (wrapped under their name and passphrase, at the parameters new slots get,
/// with the page key sealed to it), and the current master key sealed to its public key in the
/// database. A slot the user had before is replaced. Returns the signing key, whose public half
/// the caller grants in the log.
pub(super) fn write_user_keys(
    tx: &Change<'_>,
    user_id: i64,
    name: &str,
    passphrase: &Passphrase,
    (role, unit): (StaffRole, i64),
) -> Result<NewKeys> {
    let mut secret = UserSecret::generate();
    let mut file = load_key_file(tx)?;
    if let Some(old) = tx.master_wrap(user_id)? {
        file.remove_user(&old.public_key);
    }
    file.put_user(
        name,
        passphrase,
        KdfParams::for_new_slot(),
        &secret,
        tx.page_keys,
    )
    .map_err(cannot_protect)?;
    tx.put_master_wrap(&MasterWrapRow {
        user_id,
        public_key: secret.public().to_vec(),
        // An auditor gets the categories key only (keys per capability): no note, no code;
        // under keys per unit, everyone their share of the units' keys.
        wrapped_master: tx
            .held
            .seal_to_user(
                &secret.public(),
                user_id,
                super::share(role, unit, tx.keys.scheme()),
            )
            .map_err(cannot_protect)?,
    })?;
    save_key_file(tx, &mut file)?;
    let grant = format!(
        "signing={} enc={}",
        public_hex(&secret.signer().expect("a new secret has one").public()),
        public_hex(&secret.public())
    );
    Ok(NewKeys {
        signer: secret
            .take_signer()
            .expect("a new secret has a signing key"),
        grant,
    })
}

/// A user's new keys: the signing key, and what the log entry that grants them says of them
/// (`signing=HEX enc=HEX`: the public halves).
pub(super) struct NewKeys {
    pub signer: Signer,
    pub grant: String,
}

/// The roles and signing keys the log grants, as a sign-in reads them
/// ([`audit_log::grants`]: a grant that does not verify gives nothing). A log that grants no
/// administrator at all is refused: it was cut or changed outside uppsok.
pub(super) fn read_grants<R: Reads + ?Sized>(reads: &R) -> Result<audit_log::Authority> {
    let authority = audit_log::grants(|visit| reads.scan_audit_log(visit))?;
    if authority.root().is_none() {
        return Err(Error::Refused(Msg::NoAdministratorGranted));
    }
    Ok(authority)
}

/// Removes a user's slot from the key file and their master wrap from the database.
pub(super) fn remove_user_keys(tx: &Change<'_>, user_id: i64) -> Result<()> {
    if let Some(old) = tx.master_wrap(user_id)? {
        let mut file = load_key_file(tx)?;
        file.remove_user(&old.public_key);
        save_key_file(tx, &mut file)?;
    }
    tx.delete_master_wrap(user_id)?;
    Ok(())
}

fn cannot_protect(e: CryptoError) -> Error {
    Error::Failed(Msg::CannotProtectKey {
        error: e.to_string(),
    })
}

/// The key file as committed, read inside the change (no other writer can come between) and
/// authenticated under the page key.
pub(super) fn load_key_file(tx: &Change<'_>) -> Result<KeyFile> {
    let bytes = tx.key_file()?;
    if !KeyFile::authenticate(&bytes, &tx.page_keys[0]) {
        return Err(key_file_changed());
    }
    KeyFile::parse(&bytes).map_err(|_| key_file_changed())
}

/// Writes the key file in the change, one generation on, authenticated under the newest page
/// key, and records in the database its generation and its seal ([`key_file_seal`]): the
/// database then refuses any other key file.
pub(super) fn save_key_file(tx: &Change<'_>, file: &mut KeyFile) -> Result<()> {
    save_key_file_sealed(tx, file, tx.keys)
}

/// The same, the seal made with `keys` (a rekey seals with the keys it moves to).
fn save_key_file_sealed(tx: &Change<'_>, file: &mut KeyFile, keys: &Keys) -> Result<()> {
    let stored = stored_generation(&**tx)?;
    let generation = stored.max(file.generation()) + 1;
    file.set_generation(generation);
    let bytes = file.to_bytes(&tx.page_keys[0]);
    tx.set_meta("key_file_generation", &generation.to_string())?;
    tx.set_meta(KEY_FILE_SEAL, &key_file_seal(keys, &bytes))?;
    tx.write_key_file(&bytes)?;
    Ok(())
}

/// Where the database keeps the key file's seal.
const KEY_FILE_SEAL: &str = "key_file_seal";

/// The key file's seal: a MAC under the record key (derived from the master key) over the
/// key file's SHA-256, kept inside the database. A page key alone cannot make it: whoever kept
/// an old page key (a former user, while the database still changes key) and rewrites the key
/// file under it is caught once the master key is opened.
fn key_file_seal(keys: &Keys, bytes: &[u8]) -> String {
    use sha2::Digest;
    let mut record = b"uppsok/key-file/1\0".to_vec();
    record.extend_from_slice(&sha2::Sha256::digest(bytes));
    crate::crypto::pseudonym_hex(&keys.record_mac(&record))
}

/// Checks the key file accepted at sign-in against the seal the database keeps.
pub(super) fn key_file_sealed(reads: &dyn Reads, keys: &Keys, bytes: &[u8]) -> Result<()> {
    if reads.meta(KEY_FILE_SEAL)?.as_deref() == Some(key_file_seal(keys, bytes).as_str()) {
        Ok(())
    } else {
        Err(key_file_changed())
    }
}

fn stored_generation(reads: &dyn Reads) -> Result<u64> {
    match reads.meta("key_file_generation")? {
        None => Ok(0),
        Some(g) => g.parse().map_err(|_| {
            Error::Storage(StorageError::Changed(
                "the key file generation stored in the database".into(),
            ))
        }),
    }
}

fn key_file_changed() -> Error {
    Error::Storage(StorageError::Changed(
        "the key file beside the database".into(),
    ))
}

/// A database opened at sign-in.
pub(super) struct Opened<T> {
    pub store: Box<dyn Backend>,
    /// The page key that opened it.
    pub page_key: PageKey,
    /// Every page key the key file offers, newest first: more than one when a change of page
    /// key stopped half way ([`Vault::finish_page_key_change`]).
    pub offered: Vec<PageKey>,
    /// The key file as accepted, for [`key_file_sealed`] once the master key is known.
    pub key_file: Vec<u8>,
    pub value: T,
}

/// Opens a database found at sign-in: reads and parses its key file, lets `open_slot` open
/// a slot of it (a user's, or the recovery entry) to the page keys it offers (newest first),
/// opens the database with the one that opens it, then checks that the key file belongs to
/// it: authenticated (under the newest key it offers, which someone who kept an older one
/// cannot forge), of this database (its id), and of the
/// generation the database last wrote (an older copy would bring back a disabled user's slot
/// or an old passphrase; a newer one goes with a database put back from an earlier copy).
///
/// A change to the keys that wrote the key file but stopped before the database committed
/// leaves the key file one generation on (or more, if it saved it more than once) and the one
/// the database committed beside it: that one is put back, and `open_slot` opens it instead.
pub(super) fn open_database<T>(
    locked: Box<dyn Locked>,
    open_slot: impl Fn(&KeyFile) -> Result<(Vec<PageKey>, T)>,
) -> Result<Opened<T>> {
    let location = locked.location();
    let bytes = locked.key_file()?;
    let file = KeyFile::parse(&bytes).map_err(|e| key_file_unreadable(&location, e))?;
    let (offered, value) = open_slot(&file)?;
    let Some(newest) = offered.first() else {
        return Err(key_file_unreadable(&location, KeyFileError::Malformed));
    };
    if !KeyFile::authenticate(&bytes, newest) {
        return Err(key_file_changed());
    }
    let keys: Vec<&[u8; 32]> = offered.iter().map(|k| k.expose()).collect();
    let (mut store, which) = locked.open(&keys)?;
    let page_key = offered[which].clone();
    let reads = store.read()?;
    let id = reads
        .meta("database_id")?
        .and_then(|id| uuid::Uuid::parse_str(&id).ok());
    if id.map(|id| *id.as_bytes()) != Some(file.file_id()) {
        return Err(Error::Refused(Msg::KeyFileOfAnotherDatabase {
            location: location.to_string(),
        }));
    }
    let stored = stored_generation(&*reads)?;
    drop(reads);
    if file.generation() == stored {
        return Ok(Opened {
            store,
            page_key,
            offered,
            key_file: bytes,
            value,
        });
    }
    // A change that saved the key file (once or more: `user disable` removes a slot and rekeys
    // in one transaction) and stopped before the database committed.
    if file.generation() > stored {
        if let Some(prev) = store.interrupted_key_file()? {
            let undone = || Error::Refused(Msg::KeysChangeUndone);
            let prev_file = KeyFile::parse(&prev)
                .ok()
                .filter(|p| p.generation() == stored && p.file_id() == file.file_id());
            if let Some(prev_file) = prev_file {
                // The one before must open to keys among which is the one that opened the
                // database, and be authenticated under its newest.
                let (offered, value) = open_slot(&prev_file).map_err(|_| undone())?;
                let belongs = offered.contains(&page_key)
                    && offered
                        .first()
                        .is_some_and(|newest| KeyFile::authenticate(&prev, newest));
                if !belongs {
                    return Err(undone());
                }
                store.roll_back_key_file()?;
                return Ok(Opened {
                    store,
                    page_key,
                    offered,
                    key_file: prev,
                    value,
                });
            }
        }
    }
    let age = if file.generation() < stored {
        Age::Older
    } else {
        Age::Newer
    };
    Err(Error::Refused(Msg::KeyFileGeneration {
        location: location.to_string(),
        age,
        file: file.generation(),
        stored,
    }))
}

/// Refuses a database of the format `upgrade` brings to this one in place: only `upgrade`
/// opens it.
pub(super) fn current_format(reads: &dyn Reads, location: &str) -> Result<()> {
    if reads.meta("format")?.as_deref() == Some(crate::storage::UPGRADABLE_IN_PLACE) {
        return Err(StorageError::NeedsUpgradeInPlace(location.into()).into());
    }
    Ok(())
}

/// A key file that cannot be read as one.
fn key_file_unreadable(location: &str, e: KeyFileError) -> Error {
    let path = crate::storage::key_file_path(Path::new(location));
    Error::Refused(Msg::KeyFileUnusable {
        path,
        error: e.to_string(),
    })
}

fn wrong_passphrase(name: &str) -> Error {
    Error::WrongCredentials {
        name: name.to_string(),
    }
}

/// Why no key slot opened: a wrong passphrase or name (or a changed slot), settings Argon2
/// refuses, or not enough memory for them.
pub(super) fn slot_error(e: KeyFileError, name: &str) -> Error {
    match e {
        KeyFileError::KdfParams => kdf_out_of_bounds(name),
        KeyFileError::BelowMinimum => Error::Refused(Msg::KeySlotsBelowMinimum {
            name: name.to_string(),
        }),
        KeyFileError::OutOfMemory => Error::Failed(Msg::KeySlotOutOfMemory {
            name: name.to_string(),
        }),
        _ => wrong_passphrase(name),
    }
}

/// Opens what is sealed to the user whose secret a slot gave: the master key, or the
/// categories key alone (`categories_only`: an auditor under keys per capability). The slot's
/// public key must be the one the database (authenticated by its encryption) has for this user:
/// a slot of another user (who knows their own passphrase) does not sign in as this one.
pub(super) fn open_held(
    reads: &dyn Reads,
    secret: &UserSecret,
    user_id: i64,
    name: &str,
    categories_only: bool,
) -> Result<Held> {
    let wrap = reads
        .master_wrap(user_id)?
        .filter(|w| w.public_key == secret.public());
    let Some(wrap) = wrap else {
        return Err(Error::Refused(Msg::SlotNotTheUsers {
            name: name.to_string(),
        }));
    };
    secret
        .open_held(&wrap.wrapped_master, user_id, categories_only)
        .map_err(|_| {
            Error::Refused(Msg::SlotOpensSealDoesNot {
                name: name.to_string(),
            })
        })
}

/// Loads the pseudonym key chain of a rekeyed database into `keys`.
pub(super) fn load_chain(store: &dyn Reads, keys: &mut Keys) -> Result<()> {
    if !keys.holds_pseudonyms() {
        // An auditor keys no code, and cannot open the chain either.
        return Ok(());
    }
    let chain = store.pseudonym_chain()?;
    keys.load_pseudonym_chain(&chain)
        .map_err(|_| Error::Failed(Msg::PseudonymChain))
}

/// The audit objects naming deleted contacts: `contact:ID` and `contacts:FIRST-LAST` for runs
/// of consecutive ids, comma-separated (audit_log::deletes_contacts).
fn contact_objects(ids: &[i64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        if i == j {
            parts.push(format!("contact:{}", ids[i]));
        } else {
            parts.push(format!("contacts:{}-{}", ids[i], ids[j]));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// What `forget` erases: the person a code names and every person declared one person with
/// them (`Merges::group`), with every contact of theirs. Made by [`Lifecycle::plan_forget`]
/// without writing anything; [`Lifecycle::forget`] erases exactly this or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetPlan {
    /// The person the code names.
    person: i64,
    /// Everyone declared one person with them (`person` included), sorted.
    persons: Vec<i64>,
    /// Their contacts' ids, sorted.
    contacts: Vec<i64>,
}

impl ForgetPlan {
    /// How many contacts would be erased.
    pub fn contacts(&self) -> usize {
        self.contacts.len()
    }

    /// How many codes (pseudonyms) would be erased: more than one when codes were declared
    /// one person.
    pub fn codes(&self) -> usize {
        self.persons.len()
    }

    /// The merge group of `person` and its contacts, as `reads` sees them.
    fn of<R: Reads + ?Sized>(reads: &R, person: i64) -> Result<ForgetPlan> {
        let merges = super::merges::Merges::new(
            reads
                .merges()?
                .into_iter()
                .map(|m| (m.person_id, m.merged_into)),
        );
        let persons = merges.group(person);
        let mut contacts = Vec::new();
        for p in &persons {
            contacts.extend(reads.contact_ids_of_person(*p)?);
        }
        contacts.sort_unstable();
        Ok(ForgetPlan {
            person,
            persons,
            contacts,
        })
    }
}

/// The person a code names: its keyed pseudonym, or a pseudonym as `export` writes it.
fn person_of_code<R: Reads + ?Sized>(reads: &R, keys: &Keys, code: &PersonCode) -> Result<i64> {
    let keyed = keys.pseudonym(code.as_bytes()).map_err(not_held)?;
    let mut person = reads.person_by_pseudonym(&keyed)?;
    if person.is_none() {
        // A pseudonym as `export` writes it (64 hex digits) names that person directly.
        if let Some(exported) = parse_pseudonym_hex(code.as_bytes()) {
            person = reads.person_by_pseudonym(&exported)?;
        }
    }
    person.ok_or(Error::Failed(Msg::NoContactWithCode))
}

/// What a rekey needs and checks before it writes anything: the audit chain and every user
/// seal verify under the old keys, and every active user has a master wrap a rekey can
/// rewrap. Read-only, so `rekey --dry-run` and `user disable --dry-run` run it too.
struct Preflight {
    audit_rows: Vec<AuditRow>,
    users: Vec<UserRow>,
    wraps: Vec<MasterWrapRow>,
    /// Who the log grants which keys: a rekey seals to no other public key.
    authority: audit_log::Authority,
}

impl Preflight {
    /// `disabled`: the user a `user disable` is about to disable (id and name), whose wrap
    /// will be gone when the rekey runs.
    fn check<R: Reads + ?Sized>(
        reads: &R,
        old: &Keys,
        disabled: Option<(i64, &str)>,
    ) -> Result<Preflight> {
        let mut audit_rows = Vec::new();
        reads.scan_audit_log(&mut |r| {
            audit_rows.push(r);
            NEXT
        })?;
        let authority = match audit_log::verify_log(audit_rows.iter().cloned()) {
            Ok(v) => v.authority,
            Err(b) => {
                return Err(Error::Failed(Msg::LogDoesNotVerify {
                    detail: b.to_string(),
                    what: Refusing::Rekey,
                }))
            }
        };
        // Every contact as the signed entries say: a rekey re-seals, and its snapshot vouches
        // for, only rows that were not changed behind uppsok's back.
        content_as_committed(reads, old, &audit_rows, Refusing::Rekey)?;
        let users = reads.users()?;
        for u in &users {
            if !old.verify_record_mac(
                &user_record_bytes(u.id, &u.name, &u.role, u.disabled),
                &u.mac,
            ) {
                return Err(Error::Failed(Msg::RekeyUserChanged {
                    name: u.name.clone(),
                }));
            }
        }
        let (mut wraps, mut missing) = reads.active_master_wraps()?;
        if let Some((id, name)) = disabled {
            wraps.retain(|w| w.user_id != id);
            missing.retain(|m| m != name);
        }
        if !missing.is_empty() {
            return Err(Error::Failed(Msg::RekeyOldSlots { names: missing }));
        }
        // Every wrap's public key must be the one the log grants its user: a wrap redirected
        // to someone else's key (an insider's) would get the new master key.
        for w in &wraps {
            let granted = authority
                .users()
                .get(&w.user_id)
                .is_some_and(|g| !g.disabled && g.enc.is_some_and(|e| e[..] == w.public_key[..]));
            if !granted {
                let name = users
                    .iter()
                    .find(|u| u.id == w.user_id)
                    .map_or("?", |u| u.name.as_str());
                return Err(Error::Failed(Msg::RekeySealNotGranted {
                    name: name.to_string(),
                }));
            }
        }
        // The recovery key likewise: the one the log grants, or none (as the audit checks). A
        // row removed would leave the new master key without a way back in; one redirected to
        // an insider's key is not sealed to (and the preview must not say it is).
        let recovery = reads.recovery_key()?;
        let recovery_granted = match (authority.recovery_enc(), &recovery) {
            (Some(granted), Some(r)) => r.public_key[..] == granted[..],
            (None, None) => true,
            _ => false,
        };
        if !recovery_granted {
            return Err(Error::Failed(Msg::RekeyRecoveryNotGranted));
        }
        Ok(Preflight {
            audit_rows,
            users,
            wraps,
            authority,
        })
    }
}

/// What a rekey would rewrite, counted without writing or decrypting anything (the checks of
/// [`Preflight`] included): `rekey --dry-run`, `user disable --dry-run` and their questions.
pub(super) fn rekey_plan<R: Reads + ?Sized>(
    reads: &R,
    keys: &Keys,
    disabled: Option<(i64, &str)>,
) -> Result<RekeySummary> {
    let pre = Preflight::check(reads, keys, disabled)?;
    let mut persons = 0u64;
    reads.scan_persons(i64::MIN, &mut |_, _| {
        persons += 1;
        NEXT
    })?;
    Ok(RekeySummary {
        key_version: keys.version() + 1,
        contacts: reads.contact_count()? as u64,
        field_nights: reads.field_night_count(None, None)? as u64,
        persons,
        users: pre.users.len() as u64,
        // The rekey's own entry is added to these.
        audit_entries: pre.audit_rows.len() as u64,
        slots: pre.wraps.len() as u64,
        recovery_key: reads.recovery_key()?.is_some(),
        // A rekey re-encrypts the file under a new page key too (unless another process has
        // it open at that moment).
        pages_rekeyed: true,
    })
}

impl Vault {
    /// After an unlock: rewrites a slot carried over from format 1 as a slot of today's kind,
    /// puts the signing key into a slot from before signing keys (`enrolling`: the key is
    /// granted by the entry, signed with itself, which the log accepts only for a user who holds
    /// none), and raises a slot's Argon2 parameters when the configured ones have grown (the
    /// passphrase is at hand now). Written to the audit log.
    pub(super) fn maintain_slot(
        &mut self,
        secret: UserSecret,
        params: KdfParams,
        carried: bool,
        enrolling: bool,
        passphrase: &Passphrase,
    ) -> Result<()> {
        let raised = params.raise_target();
        if raised.is_none() && !carried && !enrolling {
            return Ok(());
        }
        let target = raised.unwrap_or(params);
        let (user_id, name) = (self.user.id, self.user.name.clone());
        let tx = self.change()?;
        let mut file = load_key_file(&tx)?;
        file.put_user(&name, passphrase, target, &secret, tx.page_keys)
            .map_err(cannot_protect)?;
        save_key_file(&tx, &mut file)?;
        let mut detail = match (carried, raised) {
            (true, _) => "layout=3".to_string(),
            (false, Some(_)) => format!(
                "kdf m={} t={} p={}",
                target.memory_kib, target.iterations, target.parallelism
            ),
            (false, None) => "layout=4".to_string(),
        };
        if enrolling {
            let signer = secret
                .signer()
                .expect("an enrolling slot was given its key");
            detail.push_str(&format!(
                " signing={} enc={}",
                public_hex(&signer.public()),
                public_hex(&secret.public())
            ));
        }
        tx.log(
            Action::KeySlotUpgrade,
            &format!("user:{}", user_id),
            &detail,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Creates a new database as [`Vault::create`] does, with a recovery key: the master key is
    /// also sealed to it. The key is returned to be shown once; it is never stored.
    pub fn create_with_recovery(
        path: &Path,
        admin: &str,
        passphrase: &Passphrase,
    ) -> Result<(Vault, RecoveryKey)> {
        let mut vault = Vault::create(path, admin, passphrase)?;
        let recovery = RecoveryKey::generate();
        let written = (|| -> Result<()> {
            let tx = vault.change()?;
            put_recovery(&tx, &recovery)?;
            // The recovery key's signing key, granted by the first administrator: what signs a
            // `recover`.
            tx.log(
                Action::RecoveryKey,
                "recovery_key",
                &format!(
                    "created signing={} enc={}",
                    public_hex(&recovery.signer().public()),
                    public_hex(&recovery.public())
                ),
            )?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = written {
            drop(vault);
            for suffix in ["", "-wal", "-shm", ".keys"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        Ok((vault, recovery))
    }

    /// Recovery when every administrator passphrase is lost: the recovery key opens the
    /// master key; `name` becomes (or stays) an administrator with a new key slot under
    /// `new_passphrase`. Any other user is untouched. Written to the audit log (with no
    /// signed-in user: the recovery key acted).
    pub fn recover(
        path: &Path,
        recovery: &RecoveryKey,
        name: &str,
        new_passphrase: &Passphrase,
    ) -> Result<Vault> {
        check_user_name(name)?;
        let locked = crate::storage::open(path)?;
        let not_this = || Error::Refused(Msg::RecoveryKeyNotThis);
        let opened = open_database(locked, |file| {
            if !file.has_recovery() {
                return Err(Error::Refused(Msg::NoRecoveryKey));
            }
            let keys = file.open_recovery(recovery).map_err(|_| not_this())?;
            Ok((keys, ()))
        })?;
        let (mut store, page_key, offered) = (opened.store, opened.page_key, opened.offered);
        let opened_key_file = opened.key_file;
        let reads = store.read()?;
        current_format(&*reads, &store.location())?;
        let scope = reads.row_scope()?;
        let row = reads
            .recovery_key()?
            .filter(|r| r.public_key == recovery.public())
            .ok_or_else(not_this)?;
        let held = recovery
            .open_held(&row.wrapped_master, row.id)
            .map_err(|_| not_this())?;
        key_version_matches(&*reads, held.version())?;
        let mut keys = held.derive(key_scheme(&*reads)?);
        load_chain(&*reads, &mut keys)?;
        key_file_sealed(&*reads, &keys, &opened_key_file)?;
        let recovery_signer = recovery.signer();
        let authority = read_grants(&*reads)?;
        if authority.recovery() != Some(recovery_signer.public()) {
            return Err(Error::Refused(Msg::RecoveryKeyCannotSign));
        }
        let units = authority.units();
        let districts = super::load_districts(&*reads)?;
        let projects = super::work::load_projects(&*reads, &keys)?;
        drop(reads);
        let (user, signer, keys_granted);
        {
            // No signed-in user: the recovery key acts, signs, and the entry says so.
            let tx = Change::begin(
                &mut *store,
                (&held, &keys, &offered),
                &districts,
                (None, None),
            )?;
            // Read in the change that acts on it, so nothing can come between.
            match tx.user_by_name(name)? {
                Some(u) => {
                    if !keys.verify_record_mac(
                        &user_record_bytes(u.id, &u.name, &u.role, u.disabled),
                        &u.mac,
                    ) {
                        return Err(tampered_user(name));
                    }
                    if u.disabled || u.role != StaffRole::Admin.as_str() {
                        return Err(Error::Input(Msg::NotAnAdmin {
                            name: name.to_string(),
                        }));
                    }
                    let unit = units.of_user(u.id);
                    keys_granted = write_user_keys(
                        &tx,
                        u.id,
                        &u.name,
                        new_passphrase,
                        (StaffRole::Admin, unit),
                    )?;
                    user = User {
                        id: u.id,
                        name: u.name,
                        role: StaffRole::Admin,
                        unit,
                    };
                }
                None => {
                    (user, keys_granted) = Self::insert_user(
                        &tx,
                        name,
                        (StaffRole::Admin, crate::domain::FIRST_UNIT),
                        new_passphrase,
                    )?;
                }
            }
            tx.log_as(
                &recovery_signer,
                None,
                Action::Recover,
                &format!("user:{}", user.id),
                &format!("recovery key {} name={}", keys_granted.grant, user.name),
            )?;
            tx.commit()?;
            signer = keys_granted.signer;
        }
        let mut vault = Vault {
            store,
            page_key,
            offered,
            held,
            keys,
            user,
            signer,
            districts,
            projects,
            units: Default::default(),
            shown: Default::default(),
            scope,
        };
        vault.reload_units()?;
        vault.finish_page_key_change()?;
        Ok(vault)
    }

    /// A new page key: the whole database re-encrypted under it, and the key file sealing it
    /// to every slot. Run after every rekey (`rekey`, `user disable`, `purge`), so that a page
    /// key someone kept (a disabled user, from an old key file) opens no later copy.
    ///
    /// Three steps, each all or nothing, and a sign-in finishes what a stop left: the key file
    /// offers the new key and the old one; the pages are rekeyed; the key file offers only the
    /// new one. Returns false when another process has the database open, so that the pages
    /// cannot be rekeyed now: the key file then offers both until a later sign-in finishes it.
    pub(super) fn change_page_key(&mut self) -> Result<bool> {
        let new = PageKey::generate();
        let both = vec![new.clone(), self.page_key.clone()];
        {
            // Authenticated under the new key from the first step: someone who knew the old
            // one cannot forge a key file that keeps the database under it.
            let tx = self.change()?;
            let mut file = load_key_file(&tx)?;
            // Only to the keys the log grants: a slot planted in the file gets no new key.
            let authority = read_grants(&*tx)?;
            file.keep_recipients(|p| authority.may_receive_keys(p));
            file.reseal(&both).map_err(cannot_protect)?;
            let tx = Change {
                page_keys: &both,
                ..tx
            };
            save_key_file(&tx, &mut file)?;
            tx.commit()?;
        }
        self.offered = both;
        self.finish_page_key_change()
    }

    /// Finishes a change of page key (see [`Vault::change_page_key`]) when the key file offers
    /// more than one: the pages rekeyed to the newest, if they are not yet, then the key file
    /// sealing that one only. Nothing to do when it offers one. False when another process has
    /// the database open (it is tried again at a later sign-in).
    pub(super) fn finish_page_key_change(&mut self) -> Result<bool> {
        if self.offered.len() < 2 {
            return Ok(true);
        }
        let newest = self.offered[0].clone();
        if self.page_key != newest {
            match self.store.rekey_pages(newest.expose()) {
                Ok(()) => self.page_key = newest.clone(),
                Err(StorageError::Busy) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        }
        {
            let tx = self.change()?;
            let mut file = load_key_file(&tx)?;
            let authority = read_grants(&*tx)?;
            file.keep_recipients(|p| authority.may_receive_keys(p));
            let only = std::slice::from_ref(&newest);
            file.reseal(only).map_err(cannot_protect)?;
            save_key_file(&tx, &mut file)?;
            tx.commit()?;
        }
        self.offered = vec![newest];
        Ok(true)
    }

    /// The rekey itself, inside the caller's transaction (`rekey`, and `user disable`, which
    /// removes a slot and rekeys in one transaction). Verifies the audit chain and every user
    /// seal with the old keys first, and refuses if any is broken: a rekey must not re-seal a
    /// change made behind uppsok's back. Appends the `rekey` entry, signed by the change's
    /// author.
    pub(super) fn rekey_in(change: &Change<'_>, old: &Keys) -> Result<(Held, Keys, RekeySummary)> {
        let tx: &dyn Transaction = &**change;
        // 1. Everything sealed under the old keys must verify.
        let Preflight {
            audit_rows,
            users,
            wraps,
            authority,
        } = Preflight::check(tx, old, None)?;

        // 2. The new keys: the old pseudonym key joins the chain. A database of several units
        // gets keys per unit (a fresh key for each unit): adding its second unit rekeys it.
        let units = authority.units();
        let numbers: Vec<i64> = match units.several() {
            true => units.named().iter().map(|(n, _)| *n).collect(),
            false => Vec::new(),
        };
        let (held, keys) = old.successor_in(&numbers).map_err(not_held)?;
        let mut summary = RekeySummary {
            key_version: keys.version(),
            ..RekeySummary::default()
        };

        // 3. Every envelope, re-sealed with associated data carrying the new key version.
        // Every row, from the smallest id a row can have (`from` is inclusive).
        let mut from = Some(i64::MIN);
        while let Some(start) = from {
            let batch = tx.contact_envelopes(start, BATCH)?;
            let Some(last) = batch.last() else { break };
            from = last.id.checked_add(1);
            for c in &batch {
                let unit = units.of_user(c.created_by);
                let attrs_ad = Place::ContactAttributes(c.id);
                let note_ad = Place::ContactNote(c.id);
                let attrs = open_in_at(old, unit, attrs_ad, &c.attributes)?;
                let note = open_in_at(old, unit, note_ad, &c.note)?;
                tx.update_contact_envelopes(&ContactEnvelopes {
                    id: c.id,
                    created_by: c.created_by,
                    attributes: keys.seal_in(unit, attrs_ad, &attrs).map_err(not_held)?,
                    note: keys.seal_in(unit, note_ad, &note).map_err(not_held)?,
                })?;
            }
            summary.contacts += batch.len() as u64;
            crate::progress::add(batch.len() as u64);
        }
        let mut from = Some(i64::MIN);
        while let Some(start) = from {
            let batch = tx.field_night_envelopes(start, BATCH)?;
            let Some(last) = batch.last() else { break };
            from = last.0.checked_add(1);
            for (id, created_by, details) in &batch {
                let unit = units.of_user(*created_by);
                let ad = Place::FieldNightDetails(*id);
                let plain = open_in_at(old, unit, ad, details)?;
                let sealed = keys.seal_in(unit, ad, &plain).map_err(not_held)?;
                tx.update_field_night_details(*id, &sealed)?;
            }
            summary.field_nights += batch.len() as u64;
        }
        for p in tx.projects()? {
            let ad = Place::ProjectDetails(p.id);
            let plain = open_at(old, ad, &p.details)?;
            tx.update_project_details(p.id, &keys.seal(ad, &plain).map_err(not_held)?)?;
        }
        for a in tx.activities(None, None)? {
            let unit = units.of_user(a.created_by);
            let (details_ad, note_ad) = (Place::ActivityDetails(a.id), Place::ActivityNote(a.id));
            let details = open_in_at(old, unit, details_ad, &a.details)?;
            let note = open_in_at(old, unit, note_ad, &a.note)?;
            tx.update_activity_envelopes(
                a.id,
                &keys.seal_in(unit, details_ad, &details).map_err(not_held)?,
                &keys.seal_in(unit, note_ad, &note).map_err(not_held)?,
            )?;
        }

        // 4. Pseudonyms keyed once more: new = HMAC(new pseudonym key, old pseudonym).
        let mut from = Some(i64::MIN);
        while let Some(start) = from {
            let mut batch: Vec<(i64, Vec<u8>)> = Vec::new();
            tx.scan_persons(start, &mut |id, p| {
                batch.push((id, p.to_vec()));
                if batch.len() as i64 >= BATCH {
                    STOP
                } else {
                    NEXT
                }
            })?;
            let Some(last) = batch.last() else { break };
            from = last.0.checked_add(1);
            for (id, pseudonym) in &batch {
                tx.update_pseudonym(*id, &keys.rekey_pseudonym(pseudonym).map_err(not_held)?)?;
            }
            summary.persons += batch.len() as u64;
        }
        tx.replace_pseudonym_chain(&keys.sealed_pseudonym_chain().map_err(not_held)?)?;
        // The same cell key secret under the new keys: never a new one, so every cell is
        // perturbed as it was before the rekey.
        super::cellkey::reseal(tx, old, &keys)?;

        // 5. User seals under the new record key. (The log is signed, not keyed: it stays as it
        // is, and its checkpoints with it.)
        summary.audit_entries = audit_rows.len() as u64;
        for u in &users {
            let mut row = u.clone();
            row.mac = keys
                .record_mac(&user_record_bytes(u.id, &u.name, &u.role, u.disabled))
                .to_vec();
            tx.update_user(&row)?;
            summary.users += 1;
        }

        // 6. The new master key sealed to every active user and to the recovery key.
        // An auditor's wrap holds the new categories key only; under keys per unit each user
        // gets their share of the units' keys (as the log grants their role and unit).
        for w in &wraps {
            let role = users
                .iter()
                .find(|u| u.id == w.user_id)
                .and_then(|u| u.role.parse::<StaffRole>().ok())
                .ok_or_else(|| damaged_value("users", w.user_id))?;
            let share = super::share(role, units.of_user(w.user_id), keys.scheme());
            tx.put_master_wrap(&MasterWrapRow {
                user_id: w.user_id,
                public_key: w.public_key.clone(),
                wrapped_master: held
                    .seal_to_user(&w.public_key, w.user_id, share)
                    .map_err(|_| damaged_value("master_wraps", w.user_id))?,
            })?;
            summary.slots += 1;
        }
        // The recovery key only if the log grants it (an upgrade without it gave it up).
        if let Some(r) = tx.recovery_key()?.filter(|r| {
            authority
                .recovery_enc()
                .is_some_and(|e| e[..] == r.public_key[..])
        }) {
            tx.put_recovery_key(&RecoveryRow {
                wrapped_master: held
                    .seal_to_recovery(&r.public_key, r.id)
                    .map_err(|_| damaged_value("recovery_keys", r.id))?,
                ..r
            })?;
            summary.recovery_key = true;
        }
        tx.set_meta("key_version", &keys.version().to_string())?;
        tx.set_meta("key_scheme", keys.scheme().as_str())?;
        // The key file moves on a generation too: a copy of the database from before the
        // rekey no longer opens with the key file (nor the key file from before with it).
        save_key_file_sealed(change, &mut load_key_file(change)?, &keys)?;
        // A snapshot: every contact as re-sealed, which is all the walk of the content
        // commitments needs from here back (everything before was checked above).
        let content = content_snapshot(tx, &keys, &units)?;
        change.log(
            Action::Rekey,
            "database",
            &format!(
                "key_version={} contacts={} persons={} slots={} {content}",
                summary.key_version, summary.contacts, summary.persons, summary.slots,
            ),
        )?;
        Ok((held, keys, summary))
    }
}

/// Checks every contact against the signed entries that wrote it (`audit_log::verify_content`),
/// before a change that vouches for all of them (a rekey's or a purge's snapshot); refuses,
/// naming the first record, if one was changed outside uppsok.
fn content_as_committed<R: Reads + ?Sized>(
    reads: &R,
    keys: &Keys,
    audit_rows: &[AuditRow],
    what: Refusing,
) -> Result<()> {
    let live = live_contact_hashes(reads)?;
    let mut findings = audit_log::verify_content(live, audit_rows).findings;
    findings.extend(audit_log::verify_nights(live_nights(reads)?, audit_rows));
    findings.extend(audit_log::verify_merges(&reads.merges()?, audit_rows));
    findings.extend(audit_log::verify_districts(
        reads.meta("districts")?.as_deref(),
        audit_rows,
    ));
    findings.extend(audit_log::verify_cellkey(
        super::cellkey::state(reads, keys)?,
        audit_rows,
    ));
    let grants = audit_log::grants(|visit| reads.scan_audit_log(visit))?;
    let may = super::work::signer_may(&grants, Permission::ManageProjects);
    findings.extend(audit_log::verify_projects(
        &reads.projects()?,
        audit_rows,
        &may,
    ));
    let may = super::work::signer_may(&grants, Permission::LogActivities);
    findings.extend(audit_log::verify_activities(
        &reads.activities(None, None)?,
        audit_rows,
        &may,
        &grants.units(),
    ));
    findings.extend(super::config::verify(reads, audit_rows, &grants)?);
    if let Some(f) = findings.first() {
        return Err(Error::Failed(Msg::RecordNotAsLogged {
            record: f.record.to_string(),
            kind: f.kind.to_string(),
            what,
        }));
    }
    Ok(())
}

/// Checks the declared merges against the last signed entry that committed to them, before a
/// change whose entry commits to all of them again (a merge, an unmerge, a forget): an entry
/// made from a table someone changed outside uppsok would sign that change in, and the audit,
/// which compares the table with the last entry only, would no longer see it (red team round
/// 7: a merge of another unit's persons written on the server, then signed in by the unit's
/// lead's next merge). Refuses, naming the record, if they are not as logged.
pub(super) fn merges_as_committed<R: Reads + ?Sized>(reads: &R, what: Refusing) -> Result<()> {
    let mut rows = Vec::new();
    reads.scan_audit_log(&mut |r| {
        // Only the entries that commit to the merges matter (the last one of them).
        if r.detail.contains("merges=") {
            rows.push(r);
        }
        NEXT
    })?;
    if let Some(f) = audit_log::verify_merges(&reads.merges()?, &rows) {
        return Err(Error::Failed(Msg::RecordNotAsLogged {
            record: f.record.to_string(),
            kind: f.kind.to_string(),
            what,
        }));
    }
    Ok(())
}

/// A snapshot's commitment to the activities: all of them, or in a database of several units
/// (as the log grants them, a `unit_add` of the snapshot's own transaction included) each
/// unit's.
fn activities_snapshot<R: Reads + ?Sized>(reads: &R, units: &Units) -> Result<String> {
    let activities = reads.activities(None, None)?;
    if !units.several() {
        return Ok(audit_log::activities_detail(&activities));
    }
    let details: Vec<String> = units
        .named()
        .iter()
        .map(|(unit, _)| {
            let own: Vec<_> = activities
                .iter()
                .filter(|a| units.of_user(a.created_by) == *unit)
                .cloned()
                .collect();
            audit_log::unit_activities_detail(*unit, &own)
        })
        .collect();
    Ok(details.join(" "))
}

/// The running hash over every contact as stored, in id order, and then (` nights=`) over
/// every field night, the small tables, the district list, (`cellkey=`, opened with `keys`)
/// the cell key secret and (`publish_method=`, when set) the unit's default disclosure-control
/// method: a snapshot entry's commitment, as its detail's tokens.
pub(super) fn content_snapshot<R: Reads + ?Sized>(
    reads: &R,
    keys: &Keys,
    units: &Units,
) -> Result<String> {
    let mut running = audit_log::Running::default();
    for (id, h) in live_contact_hashes(reads)? {
        running.push(id, &h);
    }
    let mut nights = audit_log::Running::default();
    for (id, h) in live_nights(reads)? {
        nights.push(id, &h);
    }
    let mut out = format!(
        "{} {} {} {} {} {}",
        audit_log::content::content_detail(&running.finish()),
        audit_log::content::nights_detail(&nights.finish()),
        audit_log::merges_detail(&reads.merges()?),
        audit_log::districts_detail(reads.meta("districts")?.as_deref()),
        audit_log::projects_detail(&reads.projects()?),
        activities_snapshot(reads, units)?,
    );
    if let Some(cellkey) = super::cellkey::snapshot_detail(reads, keys)? {
        out.push(' ');
        out.push_str(&cellkey);
    }
    if let Some(method) = super::config::snapshot_detail(reads)? {
        out.push(' ');
        out.push_str(&method);
    }
    Ok(out)
}

/// Every contact's hash as stored (with its person's pseudonym), by id.
pub(super) fn live_contact_hashes<R: Reads + ?Sized>(
    reads: &R,
) -> Result<std::collections::BTreeMap<i64, [u8; 32]>> {
    let mut pseudonyms: std::collections::HashMap<i64, Vec<u8>> = Default::default();
    reads.scan_persons(i64::MIN, &mut |id, p| {
        pseudonyms.insert(id, p.to_vec());
        NEXT
    })?;
    let mut live = std::collections::BTreeMap::new();
    reads.scan_stored_contacts(&mut |c| {
        let pseudonym = c.person_id.and_then(|p| pseudonyms.get(&p)).map(|p| &p[..]);
        live.insert(c.id, audit_log::contact_hash(&c, pseudonym));
        NEXT
    })?;
    Ok(live)
}

/// Every field night's hash as stored, by id.
pub(super) fn live_nights<R: Reads + ?Sized>(
    reads: &R,
) -> Result<std::collections::BTreeMap<i64, [u8; 32]>> {
    Ok(reads
        .field_nights(i64::MAX)?
        .iter()
        .map(|n| (n.id, audit_log::night_hash(n)))
        .collect())
}

/// Seals the master key (in the database) and the page key (in the key file) to the recovery
/// key's public key.
fn put_recovery(tx: &Change<'_>, recovery: &RecoveryKey) -> Result<()> {
    let public = recovery.public();
    tx.put_recovery_key(&RecoveryRow {
        id: 1,
        public_key: public.to_vec(),
        // Everything an administrator holds: the master key, and every unit's key in a city.
        wrapped_master: tx
            .held
            .seal_to_recovery(&public, 1)
            .map_err(cannot_protect)?,
        created_at: now_timestamp(),
    })?;
    let mut file = load_key_file(tx)?;
    file.set_recovery(public, tx.page_keys)
        .map_err(cannot_protect)?;
    save_key_file(tx, &mut file)
}

impl Lifecycle<'_> {
    /// `rekey` (admin only): a new master key and every value, pseudonym, user seal, audit
    /// link and key wrap rewritten under it, in one transaction.
    pub fn rekey(&mut self) -> Result<RekeySummary> {
        self.0.require(Permission::Administer)?;
        let tx = self.0.change()?;
        // Counted in contacts, the bulk of what is rewritten.
        let total = tx.contact_count()?.max(0) as u64;
        let _progress = crate::progress::begin(crate::progress::Task::Rekey, Some(total));
        let (held, keys, mut summary) = Vault::rekey_in(&tx, tx.keys)?;
        tx.commit()?;
        self.0.held = held;
        self.0.keys = keys;
        summary.pages_rekeyed = self.0.change_page_key()?;
        Ok(summary)
    }

    /// What `rekey` would rewrite (admin only), after the checks a rekey makes first; reads
    /// counts only, writes and decrypts nothing.
    pub fn plan_rekey(&mut self) -> Result<RekeySummary> {
        self.0.require(Permission::Administer)?;
        rekey_plan(&*self.0.store.read()?, &self.0.keys, None)
    }

    /// What `forget --code C` would erase (admin only): every contact and pseudonym of the
    /// person the code names and of everyone declared one person with them. Keys the code but
    /// decrypts nothing and writes nothing (not even an audit entry: nothing was read but ids).
    pub fn plan_forget(&mut self, code: &PersonCode) -> Result<ForgetPlan> {
        self.0.require(Permission::Administer)?;
        let reads = self.0.store.read()?;
        let person = person_of_code(&*reads, &self.0.keys, code)?;
        ForgetPlan::of(&*reads, person)
    }

    /// `forget` (admin only): erases what `plan` names (every contact of every pseudonym
    /// declared one person with the code, those pseudonyms and the merges between them), in
    /// one transaction, or nothing if the person's contacts or merges changed since the plan
    /// was made. The audit entry names the deleted contact ids and the number of codes, never
    /// a code. Returns how many contacts were erased, and whether the deleted rows' bytes are
    /// gone from the database's storage too (false on a server as a role that does not own the
    /// tables: its owner must vacuum them, docs/deploy.md "Erasing for real").
    pub fn forget(&mut self, plan: &ForgetPlan) -> Result<(usize, bool)> {
        self.0.require(Permission::Administer)?;
        let tx = self.0.change()?;
        if ForgetPlan::of(&*tx, plan.person)? != *plan {
            return Err(Error::Failed(Msg::ForgetRaced));
        }
        merges_as_committed(&*tx, Refusing::Forget)?;
        // What the entry commits to: the rows it deletes, as they were.
        let mut gone: Vec<(i64, [u8; 32])> = tx
            .contacts_of_persons(&plan.persons)?
            .iter()
            .map(|c| (c.id, audit_log::contact_hash(c, c.pseudonym.as_deref())))
            .collect();
        gone.sort_unstable_by_key(|(id, _)| *id);
        let mut deleted = 0;
        for p in &plan.persons {
            deleted += tx.delete_person(*p)?;
        }
        tx.log(
            Action::Forget,
            &contact_objects(&plan.contacts),
            &format!(
                "count={deleted} codes={} {} {}",
                plan.persons.len(),
                audit_log::content::deleted_detail(&gone),
                audit_log::merges_detail(&tx.merges()?)
            ),
        )?;
        tx.commit()?;
        let erased = self.0.store.erase_deleted()?;
        Ok((deleted, erased))
    }

    /// How many contacts are dated before `before` (admin only): the notes a purge would
    /// replace by the empty note (those that hold text are emptied, the others stay empty).
    /// Counts dates only: decrypts nothing and writes nothing.
    pub fn plan_purge(&mut self, before: &str) -> Result<u64> {
        self.0.require(Permission::Administer)?;
        let mut n = 0u64;
        self.0.store.read()?.scan_contact_index(&mut |_, date, _| {
            if date < before {
                n += 1;
            }
            NEXT
        })?;
        Ok(n)
    }

    /// `purge --notes-before D` (admin only): replaces the note of every contact dated before
    /// `before` (exclusive) by the empty note and then rekeys, in one transaction; dates,
    /// persons and categories stay. The rekey means a note envelope from before the purge
    /// (from a copy someone kept, with the keys of then) copied back into the file no longer
    /// opens: the purge cannot be undone by replaying old ciphertext. Then rebuilds the file
    /// (VACUUM) so no old ciphertext stays in a free page. Returns how many notes had text and
    /// were emptied.
    /// Returns how many notes were emptied, whether the file was re-encrypted under a new
    /// page key as well (false when another process had it open: a later sign-in does it), and
    /// whether the old row versions were rewritten away (false on a server as a role that does
    /// not own the tables: its owner must, docs/deploy.md "Erasing for real").
    pub fn purge_notes(&mut self, before: &str) -> Result<(u64, bool, bool)> {
        self.0.require(Permission::Administer)?;
        let tx = self.0.change()?;
        // Counted in contacts: the notes before the date read here, then every contact
        // rewritten by the rekey.
        let mut before_date = 0u64;
        tx.scan_contact_index(&mut |_, date, _| {
            if date < before {
                before_date += 1;
            }
            NEXT
        })?;
        let total = before_date + tx.contact_count()?.max(0) as u64;
        let _progress = crate::progress::begin(crate::progress::Task::Purge, Some(total));
        // The purge's entry is a snapshot of the contacts it leaves (it changes too many to list
        // them): first, every contact must be as the signed entries say.
        let mut audit_rows = Vec::new();
        tx.scan_audit_log(&mut |r| {
            audit_rows.push(r);
            NEXT
        })?;
        content_as_committed(&*tx, tx.keys, &audit_rows, Refusing::Purge)?;
        drop(audit_rows);
        let mut purged = 0u64;
        let mut from = Some(i64::MIN);
        while let Some(start) = from {
            let batch = tx.notes_before(before, start, BATCH)?;
            let Some(last) = batch.last() else { break };
            from = last.0.checked_add(1);
            crate::progress::add(batch.len() as u64);
            for (id, author, note) in &batch {
                let unit = tx.unit_of(*author);
                let ad = Place::ContactNote(*id);
                let plain = open_in_at(tx.keys, unit, ad, note)?;
                let text = decode_note(&plain).ok_or_else(|| damaged_value("contacts", *id))?;
                if text.is_empty() {
                    continue;
                }
                let sealed = tx
                    .keys
                    .seal_in(unit, ad, &encode_note(""))
                    .map_err(not_held)?;
                tx.update_note(*id, &sealed)?;
                purged += 1;
            }
        }
        let units = read_grants(&*tx)?.units();
        let content = content_snapshot(&*tx, tx.keys, &units)?;
        tx.log(
            Action::Purge,
            "notes",
            &format!("before={before} count={purged} {content}"),
        )?;
        let (held, keys, _) = Vault::rekey_in(&tx, tx.keys)?;
        tx.commit()?;
        self.0.held = held;
        self.0.keys = keys;
        let compacted = self.0.store.compact()?;
        let pages = self.0.change_page_key()?;
        Ok((purged, pages, compacted))
    }
}

#[cfg(test)]
mod tests {
    use super::contact_objects;

    #[test]
    fn deleted_contacts_are_named_as_runs() {
        assert_eq!(contact_objects(&[]), "");
        assert_eq!(contact_objects(&[4]), "contact:4");
        assert_eq!(
            contact_objects(&[1, 2, 3, 7, 9, 10]),
            "contacts:1-3,contact:7,contacts:9-10"
        );
    }
}
