//! An unlocked database: who is signed in, with which role and keys. Every read and write of
//! domain data goes through here: this is where roles are enforced, where values are sealed
//! and opened, and where every change and every decrypting read is written to the audit log in
//! the same transaction.

use std::collections::HashMap;
use std::path::Path;

use zeroize::Zeroizing;

use crate::audit_log::{self, Action};
use crate::crypto::{AssociatedData, KdfParams, Keys, MasterKey, Passphrase, Pseudonym};
use crate::domain::{
    Attributes, Contact, Date, District, Districts, FieldNight, FieldNightDetails, NewContact,
    PersonCode, StaffRole,
};
use crate::error::{Error, Result};
use crate::pii::{self, IdentifierKind};
use crate::storage::{
    ContactReads, ContactRow, FieldNightRow, KeySlotRow, Read, Store, Tx, UserReads, UserRow,
};

/// What a role may do (CONTRACT.md, "Roles and what each may do").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Add, import and edit contacts; see contact details and notes.
    WriteContacts,
    /// `stats`, `estimate`.
    Stats,
    /// Export decrypted records.
    Export,
    /// `audit`.
    Audit,
    /// `report`.
    Report,
    /// User administration, backup, forget, purge, rekey.
    Administer,
}

impl Permission {
    pub fn allowed(self, role: StaffRole) -> bool {
        use Permission::*;
        use StaffRole::*;
        match self {
            WriteContacts => matches!(role, Outreach | Lead | Admin),
            Stats => true,
            Export => matches!(role, Lead | Admin),
            Audit | Report => matches!(role, Lead | Auditor | Admin),
            Administer => role == Admin,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Permission::WriteContacts => "log or read contacts",
            Permission::Stats => "see statistics",
            Permission::Export => "export decrypted records",
            Permission::Audit => "run the audit",
            Permission::Report => "make reports",
            Permission::Administer => "administer users and the database",
        }
    }

    fn who_may(self) -> &'static str {
        match self {
            Permission::WriteContacts => "outreach, lead and admin",
            Permission::Stats => "every role",
            Permission::Export => "lead and admin",
            Permission::Audit | Permission::Report => "lead, auditor and admin",
            Permission::Administer => "admin",
        }
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: StaffRole,
}

/// A staff account as listed to an administrator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserInfo {
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

/// The current time as stored in timestamps: UTC, seconds, RFC 3339.
pub fn now_timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time in seconds since 1970 (UTC), as contacts store it.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Minimum length of a passphrase (the demo's `demo` is exempt).
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Checks a user name: 1 to 32 of a-z, 0-9, `.`, `_`, `-`, starting with a letter.
pub fn check_user_name(name: &str) -> Result<()> {
    let ok = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "'{name}' is not a valid user name; use 1 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter."
        )))
    }
}

/// Checks a new passphrase against the minimum length.
pub fn check_new_passphrase(p: &Passphrase) -> Result<()> {
    if p.chars() < MIN_PASSPHRASE_CHARS {
        return Err(Error::Input(format!(
            "the new passphrase is too short; use at least {MIN_PASSPHRASE_CHARS} characters (a few words are easy to remember)."
        )));
    }
    Ok(())
}

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

/// From this many expected rows on, an import rebuilds the contact indexes instead of
/// updating them row by row (see [`Vault::import`]).
const BULK_IMPORT_MIN_ROWS: u64 = 20_000;

/// Notes are padded to a multiple of this many bytes before encryption, so the ciphertext
/// length tells little about the note.
const NOTE_PADDING: usize = 32;

fn encode_note(note: &str) -> Zeroizing<Vec<u8>> {
    let body = 4 + note.len();
    let padded = body.div_ceil(NOTE_PADDING) * NOTE_PADDING;
    let mut out = Zeroizing::new(Vec::with_capacity(padded));
    out.extend_from_slice(&(note.len() as u32).to_le_bytes());
    out.extend_from_slice(note.as_bytes());
    out.resize(padded, 0);
    out
}

fn decode_note(b: &[u8]) -> Option<Zeroizing<String>> {
    let len = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let text = std::str::from_utf8(b.get(4..4 + len)?).ok()?;
    Some(Zeroizing::new(text.to_string()))
}

/// The pseudonym text written to exports: 64 lower-case hex digits.
pub fn pseudonym_hex(p: &[u8]) -> String {
    p.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_pseudonym_hex(s: &[u8]) -> Option<Pseudonym> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let hex = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        out[i] = hex(pair[0])? << 4 | hex(pair[1])?;
    }
    Some(out)
}

/// A contact decoded for statistics.
pub struct StatContact<'a> {
    pub id: i64,
    pub date: &'a str,
    /// The person, after merges (the id of the person it was declared to be), if identified.
    pub person: Option<i64>,
    pub attributes: Attributes,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub new_persons: usize,
    pub dry_run: bool,
}

/// An unlocked database.
pub struct Vault {
    store: Store,
    master: MasterKey,
    keys: Keys,
    user: User,
    districts: Districts,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.store.path())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn load_districts(store: &impl Read) -> Result<Districts> {
    match store.meta("districts")? {
        None => Ok(Districts::default()),
        Some(json) => {
            let names: Vec<String> = serde_json::from_str(&json).map_err(|_| {
                Error::Failed("the district list stored in the database is damaged.".into())
            })?;
            let list = names
                .iter()
                .map(|n| District::new(n))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| {
                    Error::Failed("the district list stored in the database is damaged.".into())
                })?;
            Ok(Districts::new(list))
        }
    }
}

impl Vault {
    /// Creates a new database with its first user, role admin. On any failure the half-made
    /// file is removed.
    pub fn create(path: &Path, admin: &str, passphrase: &Passphrase) -> Result<Vault> {
        check_user_name(admin)?;
        let store = Store::create(path)?;
        match Self::initialise(store, admin, passphrase) {
            Ok(v) => Ok(v),
            Err(e) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                Err(e)
            }
        }
    }

    fn initialise(mut store: Store, admin: &str, passphrase: &Passphrase) -> Result<Vault> {
        let master = MasterKey::generate(1);
        let keys = master.derive();
        let districts = Districts::default();
        let user;
        {
            let tx = store.transaction()?;
            tx.set_meta("format", crate::storage::FORMAT_VERSION)?;
            tx.set_meta("database_id", &uuid::Uuid::new_v4().to_string())?;
            tx.set_meta("created_at", &now_timestamp())?;
            tx.set_meta("key_version", &master.version().to_string())?;
            let names: Vec<&str> = districts.all().iter().map(|d| d.as_str()).collect();
            tx.set_meta(
                "districts",
                &serde_json::to_string(&names).expect("strings serialise"),
            )?;
            user = Self::insert_user(&tx, &master, &keys, admin, StaffRole::Admin, passphrase)?;
            audit_log::append(
                &tx,
                &keys,
                Some(user.id),
                Action::Init,
                &format!("user:{}", user.id),
                "",
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

    fn insert_user(
        tx: &Tx<'_>,
        master: &MasterKey,
        keys: &Keys,
        name: &str,
        role: StaffRole,
        passphrase: &Passphrase,
    ) -> Result<User> {
        let id = tx.take_id("users")?;
        let mac = keys
            .record_mac(&user_record_bytes(id, name, role.as_str(), false))
            .to_vec();
        tx.insert_user(&UserRow {
            id,
            name: name.to_string(),
            role: role.as_str().to_string(),
            disabled: false,
            created_at: now_timestamp(),
            mac,
        })?;
        Self::write_slot(tx, master, id, passphrase)?;
        Ok(User {
            id,
            name: name.to_string(),
            role,
        })
    }

    fn write_slot(
        tx: &Tx<'_>,
        master: &MasterKey,
        user_id: i64,
        passphrase: &Passphrase,
    ) -> Result<()> {
        let params = KdfParams::for_new_slot();
        let (salt, wrapped_key) = master
            .wrap(passphrase, params, user_id)
            .map_err(|e| Error::Failed(format!("cannot protect the key: {e}.")))?;
        tx.put_key_slot(&KeySlotRow {
            user_id,
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: params.parallelism,
            salt,
            wrapped_key,
        })?;
        Ok(())
    }

    /// Unlocks the database as `name`. Refuses an unknown or disabled user, a wrong passphrase
    /// or a tampered user record, and writes nothing when it does.
    pub fn unlock(path: &Path, name: &str, passphrase: &Passphrase) -> Result<Vault> {
        let store = Store::open(path)?;
        let row = store.user_by_name(name)?.ok_or_else(|| {
            Error::Refused(format!(
                "there is no user '{name}' in this database; check the name, or ask an administrator to add you."
            ))
        })?;
        if row.disabled {
            return Err(Error::Refused(format!(
                "user '{name}' is disabled; ask an administrator if you need access again."
            )));
        }
        let slot = store.key_slot(row.id)?.ok_or_else(|| {
            Error::Refused(format!(
                "user '{name}' has no key slot and cannot unlock; ask an administrator to set a new passphrase."
            ))
        })?;
        let params = KdfParams {
            memory_kib: slot.memory_kib,
            iterations: slot.iterations,
            parallelism: slot.parallelism,
        };
        if !params.may_open() {
            return Err(Error::Refused(format!(
                "the key slot of user '{name}' uses key-derivation settings below the minimum this build accepts; it was made by a test build and cannot be used."
            )));
        }
        let master = MasterKey::unwrap(passphrase, params, &slot.salt, &slot.wrapped_key, row.id)
            .map_err(|_| {
                Error::Refused(format!(
                    "wrong passphrase for user '{name}' (or the key slot was changed); nothing was done. Try again."
                ))
            })?;
        let keys = master.derive();
        let role: StaffRole = row.role.parse().map_err(|_| tampered_user(name))?;
        if !keys.verify_record_mac(
            &user_record_bytes(row.id, &row.name, &row.role, row.disabled),
            &row.mac,
        ) {
            return Err(tampered_user(name));
        }
        let districts = load_districts(&store)?;
        Ok(Vault {
            store,
            master,
            keys,
            user: User {
                id: row.id,
                name: row.name,
                role,
            },
            districts,
        })
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn districts(&self) -> &Districts {
        &self.districts
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Checks the signed-in user's role. A refusal is written to the audit log (and nothing
    /// else), then returned as an error.
    pub fn require(&mut self, permission: Permission) -> Result<()> {
        if permission.allowed(self.user.role) {
            return Ok(());
        }
        let tx = self.store.transaction()?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::Refused,
            "",
            &format!("{permission:?}"),
        )?;
        tx.commit()?;
        Err(Error::Refused(format!(
            "user '{}' has role {} and may not {}; only {} may. Ask a unit lead or an administrator.",
            self.user.name,
            self.user.role,
            permission.describe(),
            permission.who_may()
        )))
    }

    /// Verifies the audit log's MAC chain with this database's keys: the number of entries,
    /// or where the chain first breaks.
    pub fn verify_audit_chain(&self) -> Result<std::result::Result<i64, audit_log::ChainBreak>> {
        use crate::storage::AuditReads;
        let mut rows = Vec::new();
        self.store.for_each_audit_row(|r| rows.push(r))?;
        Ok(audit_log::verify_chain(rows, &self.keys))
    }

    /// Writes an audit entry for a read (statistics, export) in a transaction of its own.
    pub fn log_read(&mut self, action: Action, objects: &str, detail: &str) -> Result<()> {
        let tx = self.store.transaction()?;
        audit_log::append(&tx, &self.keys, Some(self.user.id), action, objects, detail)?;
        tx.commit()?;
        Ok(())
    }

    // ----- staff accounts -------------------------------------------------------------

    /// Adds a staff account (admin only).
    pub fn add_user(&mut self, name: &str, role: StaffRole, passphrase: &Passphrase) -> Result<()> {
        self.require(Permission::Administer)?;
        check_user_name(name)?;
        if self.store.user_by_name(name)?.is_some() {
            return Err(Error::Input(format!(
                "there is already a user '{name}'; choose another name."
            )));
        }
        let tx = self.store.transaction()?;
        let user = Self::insert_user(&tx, &self.master, &self.keys, name, role, passphrase)?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::UserAdd,
            &format!("user:{}", user.id),
            &format!("role={role}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Lists staff accounts (admin only).
    pub fn list_users(&mut self) -> Result<Vec<UserInfo>> {
        self.require(Permission::Administer)?;
        Ok(self
            .store
            .users()?
            .into_iter()
            .map(|u| UserInfo {
                name: u.name,
                role: u.role,
                disabled: u.disabled,
                created_at: u.created_at,
            })
            .collect())
    }

    /// Disables a staff account and removes its key slot (admin only). The last active admin
    /// cannot be disabled.
    pub fn disable_user(&mut self, name: &str) -> Result<()> {
        self.require(Permission::Administer)?;
        let users = self.store.users()?;
        let target = users
            .iter()
            .find(|u| u.name == name)
            .ok_or_else(|| Error::Input(format!("there is no user '{name}'.")))?;
        if target.disabled {
            return Err(Error::Input(format!("user '{name}' is already disabled.")));
        }
        let active_admins = users
            .iter()
            .filter(|u| !u.disabled && u.role == StaffRole::Admin.as_str())
            .count();
        if target.role == StaffRole::Admin.as_str() && active_admins <= 1 {
            return Err(Error::Input(format!(
                "'{name}' is the last active administrator; add another admin first."
            )));
        }
        let mut row = target.clone();
        row.disabled = true;
        row.mac = self
            .keys
            .record_mac(&user_record_bytes(row.id, &row.name, &row.role, true))
            .to_vec();
        let tx = self.store.transaction()?;
        tx.update_user(&row)?;
        tx.delete_key_slot(row.id)?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::UserDisable,
            &format!("user:{}", row.id),
            "",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Rewraps the signed-in user's key slot under a new passphrase.
    pub fn change_passphrase(&mut self, new: &Passphrase) -> Result<()> {
        let tx = self.store.transaction()?;
        Self::write_slot(&tx, &self.master, self.user.id, new)?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::Passwd,
            &format!("user:{}", self.user.id),
            "",
        )?;
        tx.commit()?;
        Ok(())
    }

    // ----- contacts -------------------------------------------------------------------

    /// The person id for a code, creating the person if it is new. A code that is exactly a
    /// pseudonym this database exported (64 hex digits) is that person.
    fn person_for(
        tx: &Tx<'_>,
        keys: &Keys,
        code: &PersonCode,
        cache: &mut HashMap<Pseudonym, i64>,
        next_person: &mut i64,
        created: &mut usize,
    ) -> Result<i64> {
        resolve_person(tx, &person_ref(keys, code), cache, next_person, created)
    }

    /// Checks a note for identifiers; an error names the kind (never the text) unless the
    /// identifiers are allowed.
    pub fn check_note(
        note: &str,
        allow_identifiers: bool,
    ) -> std::result::Result<Vec<IdentifierKind>, IdentifierKind> {
        let found = pii::find_identifiers(note);
        match found.first() {
            Some(&kind) if !allow_identifiers => Err(kind),
            _ => Ok(found),
        }
    }

    /// Logs one contact. Returns its id.
    pub fn add_contact(&mut self, contact: NewContact, allow_identifiers: bool) -> Result<i64> {
        self.require(Permission::WriteContacts)?;
        let found = Self::check_note(&contact.note, allow_identifiers).map_err(|kind| {
            Error::Input(format!(
                "the note contains what looks like a {kind}; notes must not identify anyone. Remove it, or give --allow-identifiers if it is really needed (this is written to the audit log)."
            ))
        })?;
        if let Some(n) = contact.field_night {
            if self.store.field_night(n)?.is_none() {
                return Err(Error::Input(format!(
                    "there is no field night {n}; list them with `uppsok night list`."
                )));
            }
        }
        let tx = self.store.transaction()?;
        let mut next_person = tx.peek_next_id("persons")?;
        let mut created = 0;
        let person_id = match &contact.code {
            Some(code) => Some(Self::person_for(
                &tx,
                &self.keys,
                code,
                &mut HashMap::new(),
                &mut next_person,
                &mut created,
            )?),
            None => None,
        };
        tx.set_next_id("persons", next_person)?;
        let id = tx.take_id("contacts")?;
        let row = seal_contact(
            &self.keys,
            &self.districts,
            self.user.id,
            id,
            person_id,
            &contact,
            now_unix(),
        )?;
        tx.insert_contact(&row)?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::ContactAdd,
            &format!("contact:{id}"),
            "",
        )?;
        if !found.is_empty() {
            audit_log::append(
                &tx,
                &self.keys,
                Some(self.user.id),
                Action::IdentifierOverride,
                &format!("contact:{id}"),
                &kinds_detail(&found),
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Imports contacts, all or nothing. `rows` yields each parsed row or the errors found in
    /// it; rows are written as they come (the file is never held in memory) and the whole
    /// transaction is rolled back if any row is bad or on a dry run.
    ///
    /// `expected_rows` is an estimate of the rows to come. When it is large against what is
    /// stored, the contact indexes are dropped for the import and rebuilt (sorted) before the
    /// commit, inside the same transaction: far faster than a million random index inserts.
    pub fn import<I>(&mut self, rows: I, dry_run: bool, expected_rows: u64) -> Result<ImportSummary>
    where
        I: Iterator<Item = std::result::Result<crate::csv_io::ParsedRow, crate::csv_io::RowError>>
            + Send,
    {
        self.require(Permission::WriteContacts)?;
        let keys = &self.keys;
        let districts = &self.districts;
        let user_id = self.user.id;
        let tx = self.store.transaction()?;
        let bulk = !dry_run
            && expected_rows >= BULK_IMPORT_MIN_ROWS
            && expected_rows >= tx.contact_count()? as u64 / 2;
        if bulk {
            tx.drop_contact_indexes()?;
        }
        let mut errors = crate::csv_io::ImportErrors::default();
        let mut next_person = tx.peek_next_id("persons")?;
        let first_contact = tx.peek_next_id("contacts")?;
        let mut next_contact = first_contact;
        let mut persons = HashMap::new();
        let mut new_persons = 0;
        let mut overrides: Vec<i64> = Vec::new();
        let mut override_kinds: Vec<IdentifierKind> = Vec::new();
        let created_at = now_unix();
        let mut rows_seen = 0;
        // Two stages on two threads: this one writes to the database; the other parses,
        // validates, keys the pseudonyms and seals each row. Batches bound what is in flight.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<ImportItem>>(8);
        std::thread::scope(|scope| -> Result<()> {
            // Owned here, so that returning early drops it and stops the sealing stage.
            let receiver = receiver;
            let sealer = scope.spawn(|| {
                seal_rows(
                    rows,
                    keys,
                    districts,
                    user_id,
                    first_contact,
                    dry_run,
                    created_at,
                    sender,
                )
            });
            for batch in receiver.iter() {
                for item in batch {
                    rows_seen += 1;
                    match item {
                        ImportItem::Bad(e) => errors.push(e),
                        ImportItem::Checked => {}
                        ImportItem::Sealed(sealed) => {
                            if !errors.is_empty() {
                                continue;
                            }
                            let mut row = sealed.row?;
                            if let Some(person) = &sealed.person {
                                row.person_id = Some(resolve_person(
                                    &tx,
                                    person,
                                    &mut persons,
                                    &mut next_person,
                                    &mut new_persons,
                                )?);
                            }
                            if !sealed.identifiers.is_empty() {
                                overrides.push(row.id);
                                override_kinds.extend(sealed.identifiers.iter().copied());
                            }
                            next_contact = row.id + 1;
                            tx.insert_contact(&row)?;
                        }
                    }
                }
            }
            sealer.join().map_err(|_| {
                Error::Failed("the import stopped unexpectedly; nothing was imported.".into())
            })
        })?;
        if !errors.is_empty() {
            drop(tx); // rolls back
            return Err(Error::Import(errors));
        }
        let imported = (next_contact - first_contact) as usize;
        if dry_run {
            drop(tx);
            return Ok(ImportSummary {
                rows: rows_seen,
                new_persons: 0,
                dry_run: true,
            });
        }
        tx.set_next_id("persons", next_person)?;
        tx.set_next_id("contacts", next_contact)?;
        if bulk {
            tx.create_indexes()?;
        }
        if imported > 0 {
            audit_log::append(
                &tx,
                keys,
                Some(user_id),
                Action::Import,
                &format!("contacts:{}-{}", first_contact, next_contact - 1),
                &format!("count={imported}"),
            )?;
        }
        if !overrides.is_empty() {
            override_kinds.sort();
            override_kinds.dedup();
            let ids: Vec<String> = overrides.iter().map(|i| format!("contact:{i}")).collect();
            audit_log::append(
                &tx,
                keys,
                Some(user_id),
                Action::IdentifierOverride,
                &ids.join(","),
                &kinds_detail(&override_kinds),
            )?;
        }
        tx.commit()?;
        Ok(ImportSummary {
            rows: imported,
            new_persons,
            dry_run: false,
        })
    }

    /// Decrypts every contact, in id order, for an export (lead and admin only; logged).
    pub fn export(&mut self, mut f: impl FnMut(&Contact) -> Result<()>) -> Result<usize> {
        self.require(Permission::Export)?;
        let count = self.store.contact_count()?;
        self.log_read(Action::Export, "contacts:all", &format!("count={count}"))?;
        let keys = &self.keys;
        let districts = &self.districts;
        let mut n = 0;
        let mut failure: Option<Error> = None;
        self.store
            .for_each_contact(|row| {
                let contact = open_contact(keys, districts, &row)
                    .map_err(|e| crate::storage::StorageError::Sqlite(e.to_string()));
                match contact {
                    Ok(c) => {
                        if let Err(e) = f(&c) {
                            failure = Some(e);
                            return Err(crate::storage::StorageError::Sqlite("stopped".into()));
                        }
                        n += 1;
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            })
            .map_err(|e| failure.take().unwrap_or(Error::Storage(e)))?;
        Ok(n)
    }

    // ----- field nights ---------------------------------------------------------------

    /// Records a field night. Returns its id.
    pub fn add_field_night(&mut self, date: Date, details: &FieldNightDetails) -> Result<i64> {
        self.require(Permission::WriteContacts)?;
        let tx = self.store.transaction()?;
        let id = tx.take_id("field_nights")?;
        tx.insert_field_night(&FieldNightRow {
            id,
            date: date.format("%Y-%m-%d").to_string(),
            created_by: self.user.id,
            created_at: now_timestamp(),
            details: self.keys.seal(
                &AssociatedData::new("field_nights", "details", id),
                &details
                    .encode(&self.districts)
                    .ok_or_else(|| unknown_district(&details.district))?,
            ),
        })?;
        audit_log::append(
            &tx,
            &self.keys,
            Some(self.user.id),
            Action::FieldNightAdd,
            &format!("field_night:{id}"),
            "",
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The latest field nights, newest first.
    pub fn field_nights(&mut self, limit: i64) -> Result<Vec<FieldNight>> {
        self.require(Permission::WriteContacts)?;
        self.store
            .field_nights(limit)?
            .into_iter()
            .map(|r| {
                let plain = self
                    .keys
                    .open(
                        &AssociatedData::new("field_nights", "details", r.id),
                        &r.details,
                    )
                    .map_err(|e| tampered_value("field_nights", r.id, e))?;
                let details = FieldNightDetails::decode(&plain, &self.districts)
                    .ok_or_else(|| damaged_value("field_nights", r.id))?;
                Ok(FieldNight {
                    id: r.id,
                    date: crate::domain::parse_date(&r.date)
                        .map_err(|_| damaged_value("field_nights", r.id))?,
                    details,
                })
            })
            .collect()
    }

    // ----- statistics -----------------------------------------------------------------

    /// Decrypts what statistics need of every contact in the period and hands it to `f`.
    /// The person is resolved through declared merges.
    pub fn for_each_stat_contact(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        merges: &HashMap<i64, i64>,
        mut f: impl FnMut(StatContact<'_>),
    ) -> Result<()> {
        let keys = &self.keys;
        let districts = &self.districts;
        let mut bad: Option<Error> = None;
        self.store
            .for_each_stat_row(from, to, |row| {
                let attributes = keys
                    .open(
                        &AssociatedData::new("contacts", "attributes", row.id),
                        row.attributes,
                    )
                    .map_err(|e| tampered_value("contacts", row.id, e))
                    .and_then(|plain| {
                        Attributes::decode(&plain, districts)
                            .ok_or_else(|| damaged_value("contacts", row.id))
                    });
                match attributes {
                    Ok(attributes) => {
                        f(StatContact {
                            id: row.id,
                            date: row.date,
                            person: row.person_id.map(|p| resolve(merges, p)),
                            attributes,
                        });
                        Ok(())
                    }
                    Err(e) => {
                        bad = Some(e);
                        Err(crate::storage::StorageError::Sqlite("stopped".into()))
                    }
                }
            })
            .map_err(|e| bad.take().unwrap_or(Error::Storage(e)))
    }

    /// Declared merges as person → the person it counts as (followed to the end of the chain).
    pub fn person_merges(&self) -> Result<HashMap<i64, i64>> {
        let raw: HashMap<i64, i64> = self.store.person_merges()?.into_iter().collect();
        Ok(raw.keys().map(|&p| (p, resolve(&raw, p))).collect())
    }

    /// Every person's first contact date (all time, any type), after merges.
    pub fn first_contacts(&self, merges: &HashMap<i64, i64>) -> Result<HashMap<i64, String>> {
        let mut out: HashMap<i64, String> = HashMap::new();
        self.store.for_each_first_contact(|person, date| {
            let p = resolve(merges, person);
            match out.get_mut(&p) {
                Some(d) if d.as_str() <= date => {}
                Some(d) => *d = date.to_string(),
                None => {
                    out.insert(p, date.to_string());
                }
            }
        })?;
        Ok(out)
    }

    pub fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        Ok(self.store.field_night_count(from, to)?)
    }

    pub fn contact_date_range(&self) -> Result<Option<(String, String)>> {
        Ok(self.store.contact_date_range()?)
    }
}

/// How a row names its person, before the database is asked.
enum PersonRef {
    /// The keyed pseudonym of the code.
    Keyed(Pseudonym),
    /// The code is 64 hex digits: the person with exactly that pseudonym if this database has
    /// one (an export imported back), else the keyed pseudonym of the text.
    ExportedOrKeyed(Pseudonym, Pseudonym),
}

fn person_ref(keys: &Keys, code: &PersonCode) -> PersonRef {
    let keyed = keys.pseudonym(code.as_bytes());
    match parse_pseudonym_hex(code.as_bytes()) {
        Some(exported) => PersonRef::ExportedOrKeyed(exported, keyed),
        None => PersonRef::Keyed(keyed),
    }
}

/// The person id for a reference, creating the person if it is new.
fn resolve_person(
    tx: &Tx<'_>,
    person: &PersonRef,
    cache: &mut HashMap<Pseudonym, i64>,
    next_person: &mut i64,
    created: &mut usize,
) -> Result<i64> {
    let keyed = match person {
        PersonRef::Keyed(p) => p,
        PersonRef::ExportedOrKeyed(exported, keyed) => {
            if let Some(&id) = cache.get(exported) {
                return Ok(id);
            }
            if let Some(id) = tx.person_by_pseudonym(exported)? {
                cache.insert(*exported, id);
                return Ok(id);
            }
            keyed
        }
    };
    if let Some(&id) = cache.get(keyed) {
        return Ok(id);
    }
    let id = match tx.person_by_pseudonym(keyed)? {
        Some(id) => id,
        None => {
            let id = *next_person;
            *next_person += 1;
            tx.insert_person(id, keyed)?;
            *created += 1;
            id
        }
    };
    cache.insert(*keyed, id);
    Ok(id)
}

/// One row on its way from the sealing stage to the writing stage of an import.
enum ImportItem {
    /// A row with problems.
    Bad(crate::csv_io::RowError),
    /// A valid row that will not be written (dry run, or an earlier row was bad).
    Checked,
    /// A valid row, sealed; its person is resolved by the writer.
    Sealed(Box<SealedRow>),
}

struct SealedRow {
    row: Result<ContactRow>,
    person: Option<PersonRef>,
    identifiers: Vec<IdentifierKind>,
}

/// The sealing stage of an import: validates, keys and seals rows in order, numbering the
/// valid ones from `first_id`, and sends them on in batches.
#[allow(clippy::too_many_arguments)]
fn seal_rows<I>(
    rows: I,
    keys: &Keys,
    districts: &Districts,
    user_id: i64,
    first_id: i64,
    dry_run: bool,
    created_at: i64,
    sender: std::sync::mpsc::SyncSender<Vec<ImportItem>>,
) where
    I: Iterator<Item = std::result::Result<crate::csv_io::ParsedRow, crate::csv_io::RowError>>,
{
    const BATCH: usize = 512;
    let mut batch = Vec::with_capacity(BATCH);
    let mut next_id = first_id;
    let mut failed = false;
    for item in rows {
        let out = match item {
            Err(e) => {
                failed = true;
                ImportItem::Bad(e)
            }
            Ok(_) if failed || dry_run => ImportItem::Checked,
            Ok(parsed) => {
                let id = next_id;
                next_id += 1;
                ImportItem::Sealed(Box::new(SealedRow {
                    row: seal_contact(
                        keys,
                        districts,
                        user_id,
                        id,
                        None,
                        &parsed.contact,
                        created_at,
                    ),
                    person: parsed.contact.code.as_ref().map(|c| person_ref(keys, c)),
                    identifiers: parsed.identifiers,
                }))
            }
        };
        batch.push(out);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if sender.send(full).is_err() {
                return; // the writer stopped (an error); it reports why
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.send(batch);
    }
}

/// Seals a new contact into the row that stores it.
fn seal_contact(
    keys: &Keys,
    districts: &Districts,
    user_id: i64,
    id: i64,
    person_id: Option<i64>,
    c: &NewContact,
    created_at: i64,
) -> Result<ContactRow> {
    let attributes = c
        .attributes
        .encode(districts)
        .ok_or_else(|| unknown_district(&c.attributes.district))?;
    Ok(ContactRow {
        id,
        date: c.date.format("%Y-%m-%d").to_string(),
        person_id,
        pseudonym: None,
        field_night_id: c.field_night,
        created_by: user_id,
        created_at,
        attributes: keys.seal(
            &AssociatedData::new("contacts", "attributes", id),
            &attributes,
        ),
        note: keys.seal(
            &AssociatedData::new("contacts", "note", id),
            &encode_note(&c.note),
        ),
    })
}

/// Follows merges to the person a pseudonym counts as (guarding against a cycle).
fn resolve(merges: &HashMap<i64, i64>, mut person: i64) -> i64 {
    for _ in 0..64 {
        match merges.get(&person) {
            Some(&next) if next != person => person = next,
            _ => break,
        }
    }
    person
}

fn kinds_detail(kinds: &[IdentifierKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    format!("kinds={}", names.join(";"))
}

fn unknown_district(d: &District) -> Error {
    Error::Input(format!(
        "the district '{d}' is not in this database's district list."
    ))
}

fn tampered_user(name: &str) -> Error {
    Error::Refused(format!(
        "the record of user '{name}' was changed outside uppsok (its role or state does not match its seal); nothing was done. Run `uppsok audit` and restore from a backup."
    ))
}

fn tampered_value(table: &str, id: i64, e: crate::crypto::CryptoError) -> Error {
    Error::Failed(format!(
        "an encrypted value of {table} record {id} does not authenticate ({e}); the file was changed outside uppsok. Run `uppsok audit` and restore from a backup."
    ))
}

fn damaged_value(table: &str, id: i64) -> Error {
    Error::Failed(format!(
        "an encrypted value of {table} record {id} decrypts but is not in a known format; run `uppsok audit`."
    ))
}

/// Opens both envelopes of a stored contact.
fn open_contact(keys: &Keys, districts: &Districts, row: &ContactRow) -> Result<Contact> {
    let attrs = keys
        .open(
            &AssociatedData::new("contacts", "attributes", row.id),
            &row.attributes,
        )
        .map_err(|e| tampered_value("contacts", row.id, e))?;
    let note = keys
        .open(&AssociatedData::new("contacts", "note", row.id), &row.note)
        .map_err(|e| tampered_value("contacts", row.id, e))?;
    Ok(Contact {
        id: row.id,
        date: crate::domain::parse_date(&row.date)
            .map_err(|_| damaged_value("contacts", row.id))?,
        pseudonym: row
            .pseudonym
            .as_deref()
            .and_then(|p| <[u8; 32]>::try_from(p).ok()),
        field_night: row.field_night_id,
        attributes: Attributes::decode(&attrs, districts)
            .ok_or_else(|| damaged_value("contacts", row.id))?,
        note: decode_note(&note).ok_or_else(|| damaged_value("contacts", row.id))?,
    })
}

impl Vault {
    /// A consistent, still encrypted copy of the live database (admin only; logged).
    pub fn backup(&mut self, dest: &Path) -> Result<()> {
        self.require(Permission::Administer)?;
        self.log_read(Action::Backup, "database", "")?;
        self.store.backup_to(dest).inspect_err(|_| {
            let _ = std::fs::remove_file(dest);
        })?;
        Ok(())
    }
}

impl Vault {
    /// Records field nights and contacts in one transaction (the demo data set, or any bulk
    /// load): every night, then every contact with the index in `nights` of the night it came
    /// from, if any. A note with an identifier refuses the whole load; nothing is written then.
    /// The audit log gets one entry for the nights and one for the contacts, in the same
    /// transaction. Returns how many nights and contacts were written.
    pub fn load_nights_and_contacts<I>(
        &mut self,
        nights: &[(Date, FieldNightDetails)],
        contacts: I,
    ) -> Result<(usize, usize)>
    where
        I: IntoIterator<Item = (NewContact, Option<usize>)>,
    {
        self.require(Permission::WriteContacts)?;
        let keys = &self.keys;
        let user_id = self.user.id;
        let created_at = now_timestamp();
        let tx = self.store.transaction()?;
        let first_night = tx.peek_next_id("field_nights")?;
        let night_ids: Vec<i64> = (first_night..).take(nights.len()).collect();
        for ((date, details), &id) in nights.iter().zip(&night_ids) {
            tx.insert_field_night(&FieldNightRow {
                id,
                date: date.format("%Y-%m-%d").to_string(),
                created_by: user_id,
                created_at: created_at.clone(),
                details: keys.seal(
                    &AssociatedData::new("field_nights", "details", id),
                    &details
                        .encode(&self.districts)
                        .ok_or_else(|| unknown_district(&details.district))?,
                ),
            })?;
        }
        tx.set_next_id("field_nights", first_night + nights.len() as i64)?;
        let mut next_person = tx.peek_next_id("persons")?;
        let first_contact = tx.peek_next_id("contacts")?;
        let mut next_contact = first_contact;
        let mut persons = HashMap::new();
        let mut new_persons = 0;
        for (index, (mut contact, night)) in contacts.into_iter().enumerate() {
            if let Some(kind) = pii::find_identifiers(&contact.note).first() {
                return Err(Error::Input(format!(
                    "the note of contact {} of the load contains what looks like a {kind}; nothing was written.",
                    index + 1
                )));
            }
            contact.field_night = match night {
                None => None,
                Some(n) => Some(*night_ids.get(n).ok_or_else(|| {
                    Error::Failed(format!(
                        "contact {} of the load names a field night that is not in it; nothing was written.",
                        index + 1
                    ))
                })?),
            };
            let person_id = match &contact.code {
                Some(code) => Some(Self::person_for(
                    &tx,
                    keys,
                    code,
                    &mut persons,
                    &mut next_person,
                    &mut new_persons,
                )?),
                None => None,
            };
            let row = seal_contact(
                keys,
                &self.districts,
                user_id,
                next_contact,
                person_id,
                &contact,
                now_unix(),
            )?;
            tx.insert_contact(&row)?;
            next_contact += 1;
        }
        tx.set_next_id("persons", next_person)?;
        tx.set_next_id("contacts", next_contact)?;
        if !nights.is_empty() {
            audit_log::append(
                &tx,
                keys,
                Some(user_id),
                Action::FieldNightAdd,
                &format!(
                    "field_nights:{}-{}",
                    first_night,
                    first_night + nights.len() as i64 - 1
                ),
                &format!("count={}", nights.len()),
            )?;
        }
        let written = (next_contact - first_contact) as usize;
        if written > 0 {
            audit_log::append(
                &tx,
                keys,
                Some(user_id),
                Action::Import,
                &format!("contacts:{}-{}", first_contact, next_contact - 1),
                &format!("count={written}"),
            )?;
        }
        tx.commit()?;
        Ok((nights.len(), written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_pad_to_blocks_and_round_trip() {
        for n in ["", "kort", &"x".repeat(60), &"å".repeat(100)] {
            let enc = encode_note(n);
            assert_eq!(enc.len() % NOTE_PADDING, 0);
            assert_eq!(decode_note(&enc).unwrap().as_str(), n);
        }
        assert_eq!(encode_note("a").len(), encode_note(&"b".repeat(25)).len());
        assert_ne!(encode_note("a").len(), encode_note(&"b".repeat(30)).len());
    }

    #[test]
    fn pseudonym_hex_round_trips() {
        let p = [0xabu8; 32];
        let hex = pseudonym_hex(&p);
        assert_eq!(hex.len(), 64);
        assert_eq!(parse_pseudonym_hex(hex.as_bytes()), Some(p));
        assert_eq!(parse_pseudonym_hex(b"ab85"), None);
    }

    #[test]
    fn roles_follow_the_contract_table() {
        use Permission::*;
        use StaffRole::*;
        let table = [
            (WriteContacts, [true, true, false, true]),
            (Stats, [true, true, true, true]),
            (Export, [false, true, false, true]),
            (Audit, [false, true, true, true]),
            (Administer, [false, false, false, true]),
            (Report, [false, true, true, true]),
        ];
        for (perm, allowed) in table {
            for (role, ok) in [Outreach, Lead, Auditor, Admin].into_iter().zip(allowed) {
                assert_eq!(perm.allowed(role), ok, "{perm:?} {role}");
            }
        }
    }
}
