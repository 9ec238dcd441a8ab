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
use crate::crypto::{CryptoError, KdfParams, MasterKey, Place, RecoveryKey, UserSecret};
use crate::domain::PersonCode;
use crate::error::{Error, Result};

/// Rows rewritten per batch in a rekey or purge: memory stays flat whatever the size.
const BATCH: i64 = 4096;

/// What a key slot opened to, and what should be done to it now that it is open.
pub(super) struct OpenedSlot {
    secret: Option<UserSecret>,
    params: KdfParams,
}

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
}

/// Writes a user's key material: a fresh X25519 secret wrapped under the passphrase (their key
/// slot, at the parameters new slots get) and the current master key sealed to its public key.
pub(super) fn write_user_keys(
    tx: &dyn Transaction,
    master: &MasterKey,
    user_id: i64,
    passphrase: &Passphrase,
) -> Result<()> {
    let secret = UserSecret::generate();
    let params = KdfParams::for_new_slot();
    put_slot(tx, &secret, params, user_id, passphrase)?;
    tx.put_master_wrap(&MasterWrapRow {
        user_id,
        public_key: secret.public().to_vec(),
        wrapped_master: master
            .seal_to_user(&secret.public(), user_id)
            .map_err(|e| Error::Failed(format!("cannot protect the key: {e}.")))?,
    })?;
    Ok(())
}

fn put_slot(
    tx: &dyn Transaction,
    secret: &UserSecret,
    params: KdfParams,
    user_id: i64,
    passphrase: &Passphrase,
) -> Result<()> {
    let (salt, wrapped_key) = secret
        .wrap(passphrase, params, user_id)
        .map_err(|e| Error::Failed(format!("cannot protect the key: {e}.")))?;
    tx.put_key_slot(&KeySlotRow {
        user_id,
        memory_kib: params.memory_kib.into(),
        iterations: params.iterations.into(),
        parallelism: params.parallelism.into(),
        salt,
        wrapped_key,
    })?;
    Ok(())
}

fn wrong_passphrase(name: &str) -> Error {
    Error::Refused(format!(
        "wrong passphrase for user '{name}' (or the key slot was changed); nothing was done. Try again."
    ))
}

/// Why a key slot did not open: a wrong passphrase (or a changed slot), settings Argon2
/// refuses, or not enough memory for them.
fn slot_error(e: CryptoError, name: &str) -> Error {
    match e {
        CryptoError::KdfParams => kdf_out_of_bounds(name),
        CryptoError::OutOfMemory => Error::Failed(format!(
            "the key slot of user '{name}' needs more memory to open than this computer can give; nothing was done. Close other programs and try again, or open the database on a computer with more memory."
        )),
        _ => wrong_passphrase(name),
    }
}

/// Opens a user's key slot to the master key. A slot made by an earlier version of uppsok
/// (the master key wrapped directly under the passphrase) still opens; it is upgraded by
/// [`Vault::maintain_slot`] once the user record is verified.
pub(super) fn open_slot(
    store: &dyn Reads,
    slot: &KeySlotRow,
    params: KdfParams,
    passphrase: &Passphrase,
    user_id: i64,
    name: &str,
) -> Result<(MasterKey, OpenedSlot)> {
    match store.master_wrap(user_id)? {
        Some(wrap) => {
            let secret =
                UserSecret::unwrap(passphrase, params, &slot.salt, &slot.wrapped_key, user_id)
                    .map_err(|e| slot_error(e, name))?;
            let master = secret
                .open_master(&wrap.wrapped_master, user_id)
                .map_err(|_| {
                    Error::Refused(format!(
                        "the key slot of user '{name}' opens, but the database key sealed to it does not (it was changed outside uppsok, or written by a rekey that never finished); nothing was done. Run `uppsok audit`, or restore from a backup."
                    ))
                })?;
            Ok((
                master,
                OpenedSlot {
                    secret: Some(secret),
                    params,
                },
            ))
        }
        None => {
            let master =
                MasterKey::unwrap(passphrase, params, &slot.salt, &slot.wrapped_key, user_id)
                    .map_err(|e| slot_error(e, name))?;
            Ok((
                master,
                OpenedSlot {
                    secret: None,
                    params,
                },
            ))
        }
    }
}

/// Loads the pseudonym key chain of a rekeyed database into `keys`.
pub(super) fn load_chain(store: &dyn Reads, keys: &mut Keys) -> Result<()> {
    let chain = store.pseudonym_chain()?;
    keys.load_pseudonym_chain(&chain).map_err(|_| {
        Error::Failed(
            "the pseudonym key chain stored in the database does not open with its key; the file was changed outside uppsok. Run `uppsok audit` and restore from a backup."
                .into(),
        )
    })
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
    let keyed = keys.pseudonym(code.as_bytes());
    let mut person = reads.person_by_pseudonym(&keyed)?;
    if person.is_none() {
        // A pseudonym as `export` writes it (64 hex digits) names that person directly.
        if let Some(exported) = parse_pseudonym_hex(code.as_bytes()) {
            person = reads.person_by_pseudonym(&exported)?;
        }
    }
    person.ok_or_else(|| {
        Error::Failed(
            "no contact has this code (after normalising it); nothing was erased. Check the code as the person gives it."
                .into(),
        )
    })
}

/// What a rekey needs and checks before it writes anything: the audit chain and every user
/// seal verify under the old keys, and every active user has a master wrap a rekey can
/// rewrap. Read-only, so `rekey --dry-run` and `user disable --dry-run` run it too.
struct Preflight {
    audit_rows: Vec<AuditRow>,
    users: Vec<UserRow>,
    wraps: Vec<MasterWrapRow>,
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
        if let Err(b) = audit_log::verify_chain(audit_rows.iter().cloned(), old) {
            return Err(Error::Failed(format!(
                "the audit log's chain is broken ({b:?}); rekey refused, nothing was changed. Run `uppsok audit` and restore from a backup."
            )));
        }
        let users = reads.users()?;
        for u in &users {
            if !old.verify_record_mac(
                &user_record_bytes(u.id, &u.name, &u.role, u.disabled),
                &u.mac,
            ) {
                return Err(Error::Failed(format!(
                    "the record of user '{}' was changed outside uppsok; rekey refused, nothing was changed. Run `uppsok audit`.",
                    u.name
                )));
            }
        }
        let (mut wraps, mut missing) = reads.active_master_wraps()?;
        if let Some((id, name)) = disabled {
            wraps.retain(|w| w.user_id != id);
            missing.retain(|m| m != name);
        }
        if !missing.is_empty() {
            return Err(Error::Failed(format!(
                "user(s) {} have a key slot from an earlier version of uppsok, which a rekey cannot rewrap; each must sign in once (any command) to upgrade it, or be disabled. Nothing was changed.",
                missing.join(", ")
            )));
        }
        Ok(Preflight {
            audit_rows,
            users,
            wraps,
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
    reads.scan_persons(0, &mut |_, _| {
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
    })
}

impl Vault {
    /// After an unlock: upgrades a slot made by an earlier version to the current key layout,
    /// and raises a slot's Argon2 parameters when the configured ones have grown. Both rewrap
    /// only this user's slot (the passphrase is at hand now) and are written to the audit log.
    pub(super) fn maintain_slot(
        &mut self,
        opened: OpenedSlot,
        passphrase: &Passphrase,
    ) -> Result<()> {
        match opened.secret {
            None => {
                let user_id = self.user.id;
                let tx = self.change()?;
                tx.upgrade_schema()?;
                write_user_keys(&*tx, tx.master, user_id, passphrase)?;
                tx.log(
                    Action::KeySlotUpgrade,
                    &format!("user:{}", user_id),
                    "layout=2",
                )?;
                tx.commit()?;
            }
            Some(secret) => {
                let Some(raised) = opened.params.raise_target() else {
                    return Ok(());
                };
                let user_id = self.user.id;
                let tx = self.change()?;
                put_slot(&*tx, &secret, raised, user_id, passphrase)?;
                tx.log(
                    Action::KeySlotUpgrade,
                    &format!("user:{}", user_id),
                    &format!(
                        "kdf m={} t={} p={}",
                        raised.memory_kib, raised.iterations, raised.parallelism
                    ),
                )?;
                tx.commit()?;
            }
        }
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
            put_recovery(&*tx, tx.master, &recovery)?;
            tx.log(Action::RecoveryKey, "recovery_key", "created")?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = written {
            drop(vault);
            for suffix in ["", "-wal", "-shm"] {
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
        let mut store = crate::storage::open(path)?;
        let reads = store.read()?;
        let row = reads.recovery_key()?.ok_or_else(|| {
            Error::Refused(
                "this database has no recovery key (it was made before recovery keys existed, or by `demo`); nothing was done."
                    .into(),
            )
        })?;
        let master = recovery
            .open_master(&row.wrapped_master, row.id)
            .map_err(|_| {
                Error::Refused(
                    "this recovery key does not open this database (it belongs to another one, or the key sealed to it was changed); nothing was done."
                        .into(),
                )
            })?;
        let mut keys = master.derive();
        load_chain(&*reads, &mut keys)?;
        let districts = super::load_districts(&*reads)?;
        drop(reads);
        let user;
        {
            // No signed-in user: the recovery key acts, and the entry says so.
            let tx = Change::begin(&mut *store, &master, &keys, &districts, None)?;
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
                        return Err(Error::Input(format!(
                            "user '{name}' is not an active administrator; the recovery key restores administrators only. Give a new name to create a new administrator."
                        )));
                    }
                    write_user_keys(&*tx, tx.master, u.id, new_passphrase)?;
                    user = User {
                        id: u.id,
                        name: u.name,
                        role: StaffRole::Admin,
                    };
                }
                None => {
                    user = Self::insert_user(&tx, name, StaffRole::Admin, new_passphrase)?;
                }
            }
            tx.log(
                Action::Recover,
                &format!("user:{}", user.id),
                "recovery key",
            )?;
            tx.commit()?;
        }
        Ok(Vault {
            store,
            master,
            keys,
            user,
            districts,
        })
    }

    /// The rekey itself, inside the caller's transaction (`rekey`, and `user disable`, which
    /// removes a slot and rekeys in one transaction). Verifies the audit chain and every user
    /// seal with the old keys first, and refuses if any is broken: a rekey must not re-seal a
    /// change made behind uppsok's back. Appends the `rekey` entry under the new keys.
    pub(super) fn rekey_in(
        tx: &dyn Transaction,
        old: &Keys,
        actor: i64,
    ) -> Result<(MasterKey, Keys, RekeySummary)> {
        // 1. Everything sealed under the old keys must verify.
        let Preflight {
            audit_rows,
            users,
            wraps,
        } = Preflight::check(tx, old, None)?;

        // 2. The new keys: the old pseudonym key joins the chain.
        let (master, keys) = old.successor();
        let mut summary = RekeySummary {
            key_version: keys.version(),
            ..RekeySummary::default()
        };

        // 3. Every envelope, re-sealed with associated data carrying the new key version.
        let mut after = 0;
        loop {
            let batch = tx.contact_envelopes(after, BATCH)?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for c in &batch {
                let attrs_ad = Place::ContactAttributes(c.id);
                let note_ad = Place::ContactNote(c.id);
                let attrs = open_at(old, attrs_ad, &c.attributes)?;
                let note = open_at(old, note_ad, &c.note)?;
                tx.update_contact_envelopes(&ContactEnvelopes {
                    id: c.id,
                    attributes: keys.seal(attrs_ad, &attrs),
                    note: keys.seal(note_ad, &note),
                })?;
            }
            summary.contacts += batch.len() as u64;
        }
        let mut after = 0;
        loop {
            let batch = tx.field_night_envelopes(after, BATCH)?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, details) in &batch {
                let ad = Place::FieldNightDetails(*id);
                let plain = open_at(old, ad, details)?;
                tx.update_field_night_details(*id, &keys.seal(ad, &plain))?;
            }
            summary.field_nights += batch.len() as u64;
        }

        // 4. Pseudonyms keyed once more: new = HMAC(new pseudonym key, old pseudonym).
        let mut after = 0;
        loop {
            let mut batch: Vec<(i64, Vec<u8>)> = Vec::new();
            tx.scan_persons(after, &mut |id, p| {
                batch.push((id, p.to_vec()));
                if batch.len() as i64 >= BATCH {
                    STOP
                } else {
                    NEXT
                }
            })?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, pseudonym) in &batch {
                tx.update_pseudonym(*id, &keys.rekey_pseudonym(pseudonym))?;
            }
            summary.persons += batch.len() as u64;
        }
        tx.replace_pseudonym_chain(&keys.sealed_pseudonym_chain())?;

        // 5. User seals and the audit chain, under the new record and audit keys.
        for u in &users {
            let mut row = u.clone();
            row.mac = keys
                .record_mac(&user_record_bytes(u.id, &u.name, &u.role, u.disabled))
                .to_vec();
            tx.update_user(&row)?;
            summary.users += 1;
        }
        let mut previous = vec![0u8; 32];
        for r in &audit_rows {
            let entry =
                audit_log::entry_bytes(r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail);
            let mac = keys.audit_mac(&previous, &entry).to_vec();
            tx.update_audit_mac(r.seq, &mac)?;
            previous = mac;
            summary.audit_entries += 1;
        }

        // 6. The new master key sealed to every active user and to the recovery key.
        for w in &wraps {
            tx.put_master_wrap(&MasterWrapRow {
                user_id: w.user_id,
                public_key: w.public_key.clone(),
                wrapped_master: master
                    .seal_to_user(&w.public_key, w.user_id)
                    .map_err(|_| damaged_value("master_wraps", w.user_id))?,
            })?;
            summary.slots += 1;
        }
        if let Some(r) = tx.recovery_key()? {
            tx.put_recovery_key(&RecoveryRow {
                wrapped_master: master
                    .seal_to_recovery(&r.public_key, r.id)
                    .map_err(|_| damaged_value("recovery_keys", r.id))?,
                ..r
            })?;
            summary.recovery_key = true;
        }
        tx.set_meta("key_version", &keys.version().to_string())?;
        audit_log::append(
            tx,
            &keys,
            Some(actor),
            Action::Rekey,
            "database",
            &format!(
                "key_version={} contacts={} persons={} slots={}",
                summary.key_version, summary.contacts, summary.persons, summary.slots
            ),
        )?;
        Ok((master, keys, summary))
    }
}

fn put_recovery(tx: &dyn Transaction, master: &MasterKey, recovery: &RecoveryKey) -> Result<()> {
    let public = recovery.public();
    tx.put_recovery_key(&RecoveryRow {
        id: 1,
        public_key: public.to_vec(),
        wrapped_master: master
            .seal_to_recovery(&public, 1)
            .map_err(|e| Error::Failed(format!("cannot protect the key: {e}.")))?,
        created_at: now_timestamp(),
    })?;
    Ok(())
}

impl Lifecycle<'_> {
    /// `rekey` (admin only): a new master key and every value, pseudonym, user seal, audit
    /// link and key wrap rewritten under it, in one transaction.
    pub fn rekey(&mut self) -> Result<RekeySummary> {
        self.0.require(Permission::Administer)?;
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        let (master, keys, summary) = Vault::rekey_in(&*tx, tx.keys, user_id)?;
        tx.commit()?;
        self.0.master = master;
        self.0.keys = keys;
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
    /// a code. Returns how many contacts were erased.
    pub fn forget(&mut self, plan: &ForgetPlan) -> Result<usize> {
        self.0.require(Permission::Administer)?;
        let tx = self.0.change()?;
        if ForgetPlan::of(&*tx, plan.person)? != *plan {
            return Err(Error::Failed(
                "this person's contacts or merges changed since you were told what would be erased; nothing was erased. Run forget again."
                    .into(),
            ));
        }
        let mut deleted = 0;
        for p in &plan.persons {
            deleted += tx.delete_person(*p)?;
        }
        tx.log(
            Action::Forget,
            &contact_objects(&plan.contacts),
            &format!("count={deleted} codes={}", plan.persons.len()),
        )?;
        tx.commit()?;
        // The deleted rows were overwritten in place (secure_delete); this empties the WAL of
        // the pages that held them.
        let _ = self.0.store.flush_journal();
        Ok(deleted)
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
    pub fn purge_notes(&mut self, before: &str) -> Result<u64> {
        self.0.require(Permission::Administer)?;
        let user_id = self.0.user.id;
        let tx = self.0.change()?;
        let mut purged = 0u64;
        let mut after = 0;
        loop {
            let batch = tx.notes_before(before, after, BATCH)?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, note) in &batch {
                let ad = Place::ContactNote(*id);
                let plain = open_at(tx.keys, ad, note)?;
                let text = decode_note(&plain).ok_or_else(|| damaged_value("contacts", *id))?;
                if text.is_empty() {
                    continue;
                }
                tx.update_note(*id, &tx.keys.seal(ad, &encode_note("")))?;
                purged += 1;
            }
        }
        tx.log(
            Action::Purge,
            "notes",
            &format!("before={before} count={purged}"),
        )?;
        let (master, keys, _) = Vault::rekey_in(&*tx, tx.keys, user_id)?;
        tx.commit()?;
        self.0.master = master;
        self.0.keys = keys;
        self.0.store.compact()?;
        Ok(purged)
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
