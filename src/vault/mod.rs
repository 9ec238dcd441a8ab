//! An unlocked database: who is signed in, with which role and keys. Every read and write of
//! domain data goes through here: this is where roles are enforced, where values are sealed
//! and opened, and where every change and every decrypting read is written to the audit log in
//! the same transaction.

mod audit;
mod bulk;
mod cellkey;
mod config;
mod contact_changes;
mod contacts;
mod lifecycle;
mod merges;
mod migrate;
mod person;
mod register;
#[cfg(test)]
mod room_tests;
mod statistics;
mod upgrade;
mod work;
mod writer;

pub use crate::audit_log::Checkpoint;
pub use audit::{AccessEntry, AccessFilter};
pub use contact_changes::{ChangeReason, ContactDetails};
pub use contacts::{pseudonym_hex, ImportSummary};
pub use lifecycle::{ForgetPlan, RekeySummary};
pub use migrate::Migrated;
pub use person::{PersonIndex, PersonSummary};
pub use statistics::{StatsDoor, StatsPurpose};
pub use upgrade::{RecoveryChoice, UpgradeSummary};
pub use work::NewProject;

use std::path::Path;

use zeroize::Zeroizing;

use crate::audit_log::{self, Action};
use crate::crypto::{
    CryptoError, Held, KeyFile, KeyFileError, KeyScheme, Keys, MasterKey, PageKey, Passphrase,
    Place, Share, ShareUnits, Signer,
};
pub use crate::domain::{now_timestamp, now_unix};
use crate::domain::{District, Districts, Projects, StaffRole, Units};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::storage::prelude::*;
use crate::storage::{
    AuditRow, ContactEnvelopes, ContactRow, EnvelopeColumn, FieldNightRow, Locked, MasterWrapRow,
    MergeRow, RecoveryRow, Sequence, StorageError, UserRow, NEXT, STOP,
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
    /// `uppsok log`: read the access and change log.
    AccessLog,
    /// Declare two pseudonyms to be one person, or undo it.
    MergePersons,
    /// Add, close and list funded projects.
    ManageProjects,
    /// Log and list information and training activities.
    LogActivities,
    /// Change the unit's settings (its default disclosure-control method).
    Configure,
    /// Count the whole city: every unit's contacts (`stats --city`, `report --city`). An
    /// administrator's only: a unit's staff know their own unit's contacts exactly and can add
    /// their own, and from that and any table of the city's read another unit's (two red teams,
    /// docs/units.md).
    CityFigures,
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
            AccessLog => matches!(role, Auditor | Admin),
            MergePersons => matches!(role, Lead | Admin),
            ManageProjects => matches!(role, Lead | Admin),
            LogActivities => matches!(role, Outreach | Lead | Admin),
            Configure => matches!(role, Lead | Admin),
            CityFigures => role == Admin,
        }
    }

    /// What the permission lets a role do, in English and in Swedish.
    fn describe(self) -> [&'static str; 2] {
        match self {
            Permission::WriteContacts => ["log or read contacts", "logga eller läsa kontakter"],
            Permission::Stats => ["see statistics", "se statistik"],
            Permission::Export => [
                "export decrypted records",
                "exportera dekrypterade uppgifter",
            ],
            Permission::Audit => ["run the audit", "köra granskningen"],
            Permission::Report => ["make reports", "göra rapporter"],
            Permission::Administer => [
                "administer users and the database",
                "administrera användare och databasen",
            ],
            Permission::AccessLog => ["read the access log", "läsa åtkomstloggen"],
            Permission::MergePersons => [
                "declare two pseudonyms to be one person, or undo it",
                "ange att två pseudonymer är en person, eller ångra det",
            ],
            Permission::ManageProjects => ["manage projects", "hantera projekt"],
            Permission::LogActivities => [
                "log or list information and training activities",
                "registrera eller lista informations- och utbildningsinsatser",
            ],
            Permission::Configure => ["change the unit's settings", "ändra enhetens inställningar"],
            Permission::CityFigures => [
                "see the figures of the whole city",
                "se hela stadens siffror",
            ],
        }
    }

    /// The roles that may, derived from [`Permission::allowed`].
    fn who_may(self) -> Vec<StaffRole> {
        StaffRole::ALL
            .iter()
            .copied()
            .filter(|r| self.allowed(*r))
            .collect()
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: StaffRole,
    /// The unit they belong to, as the log grants it.
    pub unit: i64,
}

/// A staff account as listed to an administrator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserInfo {
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
    /// The name of their unit (`None`: the first unit, before it is named).
    pub unit: Option<String>,
}

/// A unit of the city as listed to an administrator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitInfo {
    pub number: i64,
    pub name: String,
    /// Its active users.
    pub users: usize,
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
        Err(Error::Input(Msg::BadUserName {
            name: name.to_string(),
        }))
    }
}

/// Checks a new passphrase against the minimum length.
pub fn check_new_passphrase(p: &Passphrase) -> Result<()> {
    if p.chars() < MIN_PASSPHRASE_CHARS {
        return Err(Error::Input(Msg::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        }));
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

/// One change to the database: a write transaction together with the keys and the author it
/// is made with. Every write of the vault goes through one, and so do its log entries
/// ([`Change::log`]): they commit or roll back together. Dropped without [`Change::commit`], it
/// leaves nothing behind.
struct Change<'v> {
    tx: Box<dyn Transaction + 'v>,
    /// What the author's wrap gave them: the master key, or (an auditor) the categories key.
    held: &'v Held,
    keys: &'v Keys,
    /// The page keys the key file offers, newest first (one, but while the database changes
    /// key): the key file this change writes seals them all, and is authenticated under the
    /// newest, which nobody who knew only an older one can forge.
    page_keys: &'v [PageKey],
    districts: &'v Districts,
    /// Who makes the change (none when the recovery key acts), and the key that signs its log
    /// entries (none until the author is known: `init` and `recover` sign with
    /// [`Change::log_as`]).
    author: Option<i64>,
    signer: Option<&'v Signer>,
    /// Made beside other changes ([`crate::storage::Backend::write_beside`]): ids are taken
    /// one by one, never read then moved on.
    beside: bool,
    /// The units as the author signed in with them (none for `init`, `recover` and upgrades,
    /// which seal nothing of a unit's): whose key seals a contact or a night (keys per unit).
    units: Option<&'v Units>,
}

impl<'v> Change<'v> {
    fn begin(
        store: &'v mut dyn Backend,
        (held, keys, page_keys): (&'v Held, &'v Keys, &'v [PageKey]),
        districts: &'v Districts,
        (author, signer): (Option<i64>, Option<&'v Signer>),
    ) -> Result<Change<'v>> {
        Ok(Change {
            tx: store.write()?,
            held,
            keys,
            page_keys,
            districts,
            author,
            signer,
            beside: false,
            units: None,
        })
    }

    /// The unit of a contact or night logged by `author` (the unit whose key seals it).
    fn unit_of(&self, author: i64) -> i64 {
        self.units
            .map_or(crate::domain::FIRST_UNIT, |u| u.of_user(author))
    }

    /// Whether the database has several units (as the author signed in with them).
    fn several_units(&self) -> bool {
        self.units.is_some_and(|u| u.several())
    }

    /// Appends an entry to the access and change log, in this change, signed by the change's
    /// author. Returns its number.
    fn log(&self, action: Action, objects: &str, detail: &str) -> Result<i64> {
        Ok(self.log_row(action, objects, detail)?.seq)
    }

    /// [`Change::log`], returning the entry as written.
    fn log_row(&self, action: Action, objects: &str, detail: &str) -> Result<AuditRow> {
        let signer = self.signer.ok_or(Error::Failed(Msg::UnsignedChange))?;
        self.log_as(signer, self.author, action, objects, detail)
    }

    /// Appends an entry signed by `signer` for `author` (the first administrator's `init`, the
    /// recovery key's `recover`).
    fn log_as(
        &self,
        signer: &Signer,
        author: Option<i64>,
        action: Action,
        objects: &str,
        detail: &str,
    ) -> Result<AuditRow> {
        Ok(audit_log::append(
            &*self.tx, signer, author, action, objects, detail,
        )?)
    }

    fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}

impl<'v> std::ops::Deref for Change<'v> {
    type Target = dyn Transaction + 'v;
    fn deref(&self) -> &Self::Target {
        &*self.tx
    }
}

impl Vault {
    /// Begins a change made by the signed-in user.
    fn change(&mut self) -> Result<Change<'_>> {
        let version = self.held.version();
        let tx = Change::begin(
            &mut *self.store,
            (&self.held, &self.keys, &self.offered),
            &self.districts,
            (Some(self.user.id), Some(&self.signer)),
        )?;
        let tx = Change {
            units: Some(&self.units),
            ..tx
        };
        keys_still_current(&*tx, version)?;
        Ok(tx)
    }

    /// Begins a change made by the signed-in user that may run beside other such changes
    /// (a new contact): it takes ids one by one, and writes its log entries last, since from
    /// the log head's read to its end it is the only writer of the log.
    fn change_beside(&mut self) -> Result<Change<'_>> {
        Ok(Change {
            tx: self.store.write_beside()?,
            held: &self.held,
            keys: &self.keys,
            page_keys: &self.offered,
            districts: &self.districts,
            author: Some(self.user.id),
            signer: Some(&self.signer),
            beside: true,
            units: Some(&self.units),
        })
        .and_then(|tx| {
            keys_still_current(&*tx, self.held.version())?;
            Ok(tx)
        })
    }
}

/// Whether a sign-in's refusal may be another administrator's key change committing while it
/// read (see [`Vault::unlock`]).
fn key_change_race(e: &Error) -> bool {
    matches!(
        e,
        Error::Refused(Msg::KeyFileGeneration { .. } | Msg::KeysChangedSinceSignIn)
            | Error::Storage(StorageError::Changed(_) | StorageError::WrongKey(_))
            | Error::Failed(Msg::KeyVersion { .. })
    )
}

/// Refuses a change when the database's master key is no longer the one this sign-in holds:
/// another administrator rekeyed it (`rekey`, `user disable`, `purge`) since. What this
/// sign-in would seal now, nobody could open; so nothing is written, and the user signs in
/// again. Read inside the change's transaction, which no rekey can come between.
fn keys_still_current(tx: &dyn Transaction, held: u32) -> Result<()> {
    if tx.meta("key_version")?.as_deref() != Some(held.to_string().as_str()) {
        return Err(Error::Refused(Msg::KeysChangedSinceSignIn));
    }
    Ok(())
}

/// The rooms of an unlocked database: each groups what one kind of work needs, and every
/// method checks the signed-in user's role itself (see [`Permission`]).
macro_rules! rooms {
    ($($(#[$doc:meta])* $method:ident => $room:ident;)*) => {
        $(
            $(#[$doc])*
            pub struct $room<'v>(&'v mut Vault);
        )*
        impl Vault {
            $(
                $(#[$doc])*
                pub fn $method(&mut self) -> $room<'_> {
                    $room(self)
                }
            )*
        }
    };
}

rooms! {
    /// Contacts and field nights: logging, importing, correcting, exporting.
    contacts => Contacts;
    /// Persons behind the pseudonyms: recognising a returning person, their history, merges.
    persons => Persons;
    /// Statistics: the one door through which every figure is counted and logged.
    stats => Statistics;
    /// Staff accounts and passphrases.
    staff => Staff;
    /// The database over the years: backups, rekeys, forgetting a person, retention.
    lifecycle => Lifecycle;
    /// The audit: facts for the checks, the access log, the log's chain.
    audit => Audit;
    /// The unit's other work: funded projects, information and training activities.
    work => Work;
    /// The unit's settings: its default disclosure-control method.
    config => Config;
}

/// An unlocked database.
pub struct Vault {
    store: Box<dyn Backend>,
    /// The key the database's pages are encrypted under.
    page_key: PageKey,
    /// The page keys the key file offers, newest first: `[page_key]`, but while the database
    /// changes key ([`Vault::change_page_key`]).
    offered: Vec<PageKey>,
    /// What the user's wrap gave them: the master key, or (an auditor) the categories key.
    held: Held,
    keys: Keys,
    user: User,
    /// The signed-in user's signing key: every log entry they cause is signed with it.
    signer: Signer,
    districts: Districts,
    /// The unit's projects, read at sign-in and after each change of them.
    projects: Projects,
    /// The city's units and who belongs to which, as the log grants them: replayed at
    /// sign-in and after each change of them.
    units: crate::domain::Units,
    /// The persons the interface has shown in this sign-in (each lookup is logged once).
    shown: std::collections::HashSet<i64>,
    /// The unit whose rows alone the connection reads (a server's unit role), if it is one.
    scope: Option<i64>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("location", &self.store.location())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn load_districts(store: &dyn Reads) -> Result<Districts> {
    match store.meta("districts")? {
        None => Ok(Districts::default()),
        Some(json) => {
            let names: Vec<String> =
                serde_json::from_str(&json).map_err(|_| Error::Failed(Msg::DistrictsDamaged))?;
            let list = names
                .iter()
                .map(|n| District::new(n))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| Error::Failed(Msg::DistrictsDamaged))?;
            Ok(Districts::new(list))
        }
    }
}

impl Vault {
    /// Creates a new database with its first user, role admin: the database file encrypted
    /// under a new page key, and the key file beside it. On any failure the half-made files
    /// are removed.
    pub fn create(path: &Path, admin: &str, passphrase: &Passphrase) -> Result<Vault> {
        check_user_name(admin)?;
        Self::create_in(|key| crate::storage::create(path, key), admin, passphrase)
    }

    /// Sets up a new, empty database with its first user, role admin. `make` creates the
    /// empty database under the page key it is given. On any failure the half-made database
    /// is discarded.
    pub fn create_in(
        make: impl FnOnce(&[u8; 32]) -> std::result::Result<Box<dyn Backend>, StorageError>,
        admin: &str,
        passphrase: &Passphrase,
    ) -> Result<Vault> {
        check_user_name(admin)?;
        let page_key = PageKey::generate();
        let mut store = make(page_key.expose())?;
        match Self::initialise(&mut *store, &page_key, admin, passphrase) {
            Ok((held, keys, (user, signer), districts)) => Ok(Vault {
                store,
                offered: vec![page_key.clone()],
                page_key,
                held,
                keys,
                user,
                signer,
                districts,
                projects: Projects::default(),
                units: Default::default(),
                shown: Default::default(),
                scope: None,
            }),
            Err(e) => {
                store.discard();
                Err(e)
            }
        }
    }

    fn initialise(
        store: &mut dyn Backend,
        page_key: &PageKey,
        admin: &str,
        passphrase: &Passphrase,
    ) -> Result<(Held, Keys, (User, Signer), Districts)> {
        let held = Held::master_key(MasterKey::generate(1));
        let keys = held.derive(KeyScheme::PerCapability);
        let districts = Districts::default();
        let (user, signer);
        {
            // The first entry is the new administrator's own, signed with the key it grants:
            // the root of every signature in the log (and of the database's fingerprint).
            let offered = std::slice::from_ref(page_key);
            let tx = Change::begin(store, (&held, &keys, offered), &districts, (None, None))?;
            // A version-4 UUID from the operating system's generator, the one every key
            // comes from (uuid's own `v4` would pull in a second copy of getrandom).
            let mut random = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
            let id = uuid::Builder::from_random_bytes(random).into_uuid();
            tx.set_meta("format", crate::storage::FORMAT_VERSION)?;
            tx.set_meta("database_id", &id.to_string())?;
            tx.set_meta("created_at", &now_timestamp())?;
            tx.set_meta("key_version", &held.version().to_string())?;
            tx.set_meta("key_scheme", KeyScheme::PerCapability.as_str())?;
            let names: Vec<&str> = districts.all().iter().map(|d| d.as_str()).collect();
            let list = serde_json::to_string(&names).expect("strings serialise");
            tx.set_meta("districts", &list)?;
            lifecycle::save_key_file(&tx, &mut KeyFile::new(*id.as_bytes()))?;
            // The cell key secret, made once here and kept for good (rekeys re-seal it).
            let cellkey = cellkey::create(&*tx, &keys)?;
            let granted;
            (user, granted) = Self::insert_user(
                &tx,
                admin,
                (StaffRole::Admin, crate::domain::FIRST_UNIT),
                passphrase,
            )?;
            tx.log_as(
                &granted.signer,
                Some(user.id),
                Action::Init,
                &format!("user:{}", user.id),
                &format!(
                    "name={admin} role=admin {} {} {cellkey}",
                    granted.grant,
                    audit_log::districts_detail(Some(&list))
                ),
            )?;
            signer = granted.signer;
            tx.commit()?;
        }
        Ok((held, keys, (user, signer), districts))
    }

    /// Adds a user: their record, their key slot (with a new signing key, returned) and their
    /// master wrap. The caller logs the grant.
    fn insert_user(
        tx: &Change<'_>,
        name: &str,
        (role, unit): (StaffRole, i64),
        passphrase: &Passphrase,
    ) -> Result<(User, lifecycle::NewKeys)> {
        let id = tx.take_id(Sequence::Users)?;
        let mac = tx
            .keys
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
        let granted = lifecycle::write_user_keys(tx, id, name, passphrase, (role, unit))?;
        Ok((
            User {
                id,
                name: name.to_string(),
                role,
                unit,
            },
            granted,
        ))
    }

    /// Unlocks the database as `name`. Refuses an unknown or disabled user, a wrong passphrase,
    /// a key file that is not this database's (or older than it), or a tampered user record,
    /// and writes nothing when it does.
    pub fn unlock(path: &Path, name: &str, passphrase: &Passphrase) -> Result<Vault> {
        // On a server, the key file (a row) and the database's record of it are read in two
        // transactions, so another administrator's key change committed between them reads
        // like a key file put back from another copy: read both again, a few times, before
        // saying so (a real mismatch stays one).
        let server = crate::storage::is_server(path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::unlock_in(crate::storage::open(path)?, name, passphrase) {
                Err(e) if server && attempt < 4 && key_change_race(&e) => {
                    std::thread::sleep(std::time::Duration::from_millis(100 * attempt));
                }
                done => return done,
            }
        }
    }

    /// Unlocks a database found but not yet opened as `name` (see [`Vault::unlock`]).
    pub fn unlock_in(
        locked: Box<dyn Locked>,
        name: &str,
        passphrase: &Passphrase,
    ) -> Result<Vault> {
        let opened = lifecycle::open_database(locked, |file| {
            let opened = file
                .open_user(name, passphrase)
                .map_err(|e| lifecycle::slot_error(e, name))?;
            Ok((
                opened.page_keys,
                (opened.secret, opened.params, opened.carried_user),
            ))
        })?;
        let (store, page_key, offered) = (opened.store, opened.page_key, opened.offered);
        let (secret, params, carried) = opened.value;
        let key_file = opened.key_file;
        // One read session for everything the unlock reads: the user, their wrap, the
        // pseudonym chain, the data the keys must open and the district list all come from
        // one committed state.
        let reads = store.read()?;
        lifecycle::current_format(&*reads, &store.location())?;
        let row = reads.user_by_name(name)?.ok_or_else(|| {
            Error::Refused(Msg::SlotWithoutUser {
                name: name.to_string(),
            })
        })?;
        if row.disabled {
            return Err(Error::UserDisabled {
                name: name.to_string(),
            });
        }
        if carried.is_some_and(|id| id != row.id) {
            return Err(tampered_user(name));
        }
        let role: StaffRole = row.role.parse().map_err(|_| tampered_user(name))?;
        let scheme = key_scheme(&*reads)?;
        let held = lifecycle::open_held(
            &*reads,
            &secret,
            row.id,
            name,
            categories_only(role, scheme),
        )?;
        key_version_matches(&*reads, held.version())?;
        let mut keys = held.derive(scheme);
        lifecycle::load_chain(&*reads, &mut keys)?;
        let authority = lifecycle::read_grants(&*reads)?;
        keys_open_the_data(&*reads, &keys, &authority.units(), name)?;
        // The key file's seal, under the record key: also what catches a master key sealed to
        // a user behind uppsok's back in a database that holds no data yet.
        lifecycle::key_file_sealed(&*reads, &keys, &key_file)?;
        if !keys.verify_record_mac(
            &user_record_bytes(row.id, &row.name, &row.role, row.disabled),
            &row.mac,
        ) {
            return Err(tampered_user(name));
        }
        // The role and the signing key the log grants this user (signed by an administrator,
        // or by the user with the key they held before): a role raised, or a slot written for
        // them, by anyone else is refused here.
        let grant = authority
            .users()
            .get(&row.id)
            .filter(|g| g.name == row.name && g.role == row.role && g.disabled == row.disabled)
            .ok_or_else(|| tampered_user(name))?;
        // The slot's X25519 key must be the one the log grants: a wrap redirected to another
        // key, or a slot written for this user with a key of someone else's, is refused.
        if grant.enc != Some(secret.public()) {
            return Err(slot_not_granted(name));
        }
        let mut secret = secret;
        let enrolling = match (secret.signer().map(|s| s.public()), grant.signing) {
            (Some(held), Some(granted)) if held == granted => false,
            // A user upgraded from format 2 takes their first signing key now.
            (None, None) => true,
            (None, Some(_)) => return Err(key_granted_to_another(name)),
            _ => return Err(slot_not_granted(name)),
        };
        if enrolling {
            secret.set_signer(Signer::generate());
        }
        let signer = secret.signer().expect("held or just made").clone();
        let unit = grant.unit;
        let units = authority.units();
        // A unit's role reads only its own unit's rows: signed in on another unit's, a user
        // would see none of their own (and write none: the server refuses it).
        let scope = reads.row_scope()?;
        if let Some(connection) = scope.filter(|s| *s != unit) {
            return Err(Error::Refused(Msg::ConnectionOfAnotherUnit {
                name: name.to_string(),
                connection: unit_label(&units, connection),
                own: unit_label(&units, unit),
            }));
        }
        let districts = load_districts(&*reads)?;
        let projects = work::load_projects(&*reads, &keys)?;
        drop(reads);
        let mut vault = Vault {
            store,
            page_key,
            offered,
            held,
            keys,
            user: User {
                id: row.id,
                name: row.name,
                role,
                unit,
            },
            signer,
            districts,
            projects,
            units,
            shown: Default::default(),
            scope,
        };
        vault.finish_page_key_change()?;
        vault.maintain_slot(secret, params, carried.is_some(), enrolling, passphrase)?;
        vault.ensure_cell_key_secret()?;
        Ok(vault)
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn districts(&self) -> &Districts {
        &self.districts
    }

    /// The unit's projects (every one, open or closed).
    pub fn projects(&self) -> &Projects {
        &self.projects
    }

    /// The city's units, and the unit of every user.
    pub fn units(&self) -> &crate::domain::Units {
        &self.units
    }

    /// Whether a contact or night logged by `author` is of the signed-in user's unit (always,
    /// in a database of one unit). A unit's staff see, change and export only their own
    /// unit's contacts; the city's figures are counted by the statistics door.
    pub(super) fn own_unit(&self, author: i64) -> bool {
        !self.units.several() || self.units.of_user(author) == self.user.unit
    }

    /// Who may add and close projects: leads and administrators; in a database of several
    /// units, whose projects are the city's, administrators only (closing one is refused while
    /// a contact of it lies after the day, which would tell a unit's lead another unit's
    /// contact dates).
    pub(super) fn projects_permission(&self) -> Permission {
        match self.units.several() {
            false => Permission::ManageProjects,
            true => Permission::Administer,
        }
    }

    /// Reads the units and the signed-in user's unit from the log again (after a change).
    fn reload_units(&mut self) -> Result<()> {
        let reads = self.store.read()?;
        let authority = lifecycle::read_grants(&*reads)?;
        self.units = authority.units();
        self.user.unit = self.units.of_user(self.user.id);
        Ok(())
    }

    /// The unit's districts and projects: what reads a value by name needs.
    pub fn lists(&self) -> crate::domain::Lists<'_> {
        crate::domain::Lists::new(&self.districts, &self.projects).with_units(&self.units)
    }

    /// Where the database is, for messages.
    pub fn location(&self) -> String {
        self.store.location()
    }

    /// The files that hold the database (none for a server): nothing may be written over them.
    pub fn database_files(&self) -> Vec<std::path::PathBuf> {
        self.store.files()
    }

    /// Checks the signed-in user's role. A refusal is written to the audit log (and nothing
    /// else), then returned as an error.
    pub fn require(&mut self, permission: Permission) -> Result<()> {
        if permission.allowed(self.user.role) {
            return self.whole_view(permission);
        }
        let tx = self.change()?;
        tx.log(Action::Refused, "", &format!("{permission:?}"))?;
        tx.commit()?;
        Err(Error::RoleMayNot {
            name: self.user.name.clone(),
            role: self.user.role,
            what: permission.describe(),
            allowed: permission.who_may(),
        })
    }

    /// Refuses what must read every unit's rows (the audit, administration, the city's
    /// figures) on a connection that reads only one unit's: it would see part of the city
    /// and take it for the whole (a rekey re-sealing only what it sees, an audit of part).
    fn whole_view(&self, permission: Permission) -> Result<()> {
        use Permission::*;
        match (permission, self.scope) {
            (Audit | Administer | CityFigures, Some(unit)) => {
                Err(Error::Refused(Msg::NeedsCityConnection {
                    what: permission.describe(),
                    unit: unit_label(&self.units, unit),
                }))
            }
            _ => Ok(()),
        }
    }

    /// Records in the access log that the user signed in to the terminal interface (`uppsok
    /// log` shows who was signed in, and when).
    pub fn record_sign_in(&mut self) -> Result<()> {
        self.log_read(Action::Unlock, "session", "interface")
    }

    /// Logs that persons were shown (a code looked up, codes suggested), by id and once per
    /// sign-in each, never a code.
    pub(super) fn log_persons_shown(&mut self, persons: &[i64], how: &str) -> Result<()> {
        let new: Vec<String> = persons
            .iter()
            .filter(|p| self.shown.insert(**p))
            .map(|p| format!("person:{}", self.keys.person_handle(*p)))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        self.log_read(Action::PersonLookup, &new.join(","), how)
    }

    /// Writes an audit entry for a read (statistics, export) in a transaction of its own.
    pub(super) fn log_read(&mut self, action: Action, objects: &str, detail: &str) -> Result<()> {
        let tx = self.change()?;
        tx.log(action, objects, detail)?;
        tx.commit()?;
        Ok(())
    }

    // ----- staff accounts -------------------------------------------------------------
}

/// A unit as a message names it: its name, or its number before it has one.
fn unit_label(units: &Units, unit: i64) -> String {
    units
        .name(unit)
        .map_or_else(|| unit.to_string(), str::to_string)
}

/// Whose unit's key seals a value of an encrypted column written by `author`: the unit of a
/// contact's, a night's or an activity's author; none for the city's (projects).
pub(super) fn unit_of_column(column: EnvelopeColumn, author: i64, units: &Units) -> Option<i64> {
    match column {
        EnvelopeColumn::ContactAttributes
        | EnvelopeColumn::ContactNote
        | EnvelopeColumn::FieldNightDetails
        | EnvelopeColumn::ActivityDetails
        | EnvelopeColumn::ActivityNote => Some(units.of_user(author)),
        EnvelopeColumn::ProjectDetails => None,
    }
}

/// Opens a value of an encrypted column where it sits, under its unit's key if it has one.
pub(super) fn open_column(
    keys: &Keys,
    units: &Units,
    (column, row, author): (EnvelopeColumn, i64, i64),
    envelope: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, CryptoError> {
    let place = place_of(column, row);
    match unit_of_column(column, author, units) {
        Some(unit) => keys.open_in(unit, place, envelope),
        None => keys.open(place, envelope),
    }
}

/// Where a value of an encrypted column sits, as the crypto module names it.
pub(super) fn place_of(column: EnvelopeColumn, row: i64) -> Place {
    match column {
        EnvelopeColumn::ContactAttributes => Place::ContactAttributes(row),
        EnvelopeColumn::ContactNote => Place::ContactNote(row),
        EnvelopeColumn::FieldNightDetails => Place::FieldNightDetails(row),
        EnvelopeColumn::ProjectDetails => Place::ProjectDetails(row),
        EnvelopeColumn::ActivityDetails => Place::ActivityDetails(row),
        EnvelopeColumn::ActivityNote => Place::ActivityNote(row),
    }
}

/// Checks, at unlock, that the keys the user's slot gave are the database's: that stored
/// envelopes open with them (one of the first few
/// contacts' categories or field nights' details: a single value changed behind uppsok's back
/// must not lock everyone out, since `audit` has to run to name it). A master key sealed to the
/// user behind uppsok's back (by an insider: the public keys are inside the file's encryption)
/// opens none of them, and is refused; otherwise everything the user logged afterwards would be
/// readable by whoever chose it. A database that holds no envelope yet has nothing to check
/// here; the key file's seal ([`lifecycle::key_file_sealed`]) catches it there.
fn keys_open_the_data(reads: &dyn Reads, keys: &Keys, units: &Units, name: &str) -> Result<()> {
    const SAMPLE: usize = 64;
    let substituted = || {
        Error::Failed(Msg::DataKeyMismatch {
            name: name.to_string(),
        })
    };
    // An envelope opens only under the key version its header names, so this also checks the
    // version; `meta.key_version` itself is left to the audit (which must be able to run to
    // report it).
    let (mut tried, mut opened) = (0usize, false);
    for column in [
        EnvelopeColumn::ContactAttributes,
        EnvelopeColumn::FieldNightDetails,
    ] {
        let mut seen = 0usize;
        reads.scan_envelopes(column, &mut |row, author, env| {
            // Another unit's value, whose key this role does not hold, tells nothing.
            let unit = units.of_user(author);
            if !keys.holds_categories_of(unit) {
                return NEXT;
            }
            seen += 1;
            if open_column(keys, units, (column, row, author), env).is_ok() {
                opened = true;
                return STOP;
            }
            if seen >= SAMPLE {
                STOP
            } else {
                NEXT
            }
        })?;
        tried += seen;
        if opened {
            return Ok(());
        }
    }
    if tried > 0 {
        return Err(substituted());
    }
    Ok(())
}

/// Checks, at unlock, that the master key a slot gave is of the key version the database
/// says it is under: a master key of another version (an older one kept from a copy, sealed
/// back to a user) is refused, however the data looks.
pub(super) fn key_version_matches(reads: &dyn Reads, version: u32) -> Result<()> {
    let stored = reads.meta("key_version")?;
    if stored.as_deref() != Some(version.to_string().as_str()) {
        return Err(Error::Failed(Msg::KeyVersion {
            opened: version,
            stored,
        }));
    }
    Ok(())
}

/// How the database's working keys derive from its master key (`meta.key_scheme`).
pub(super) fn key_scheme(reads: &dyn Reads) -> Result<KeyScheme> {
    KeyScheme::parse(reads.meta("key_scheme")?.as_deref()).ok_or_else(|| {
        Error::Storage(StorageError::Changed(
            "the key scheme stored in the database".into(),
        ))
    })
}

/// Whether a user of `role` holds the categories key only: an auditor, once keys per
/// capability are in force.
pub(super) fn categories_only(role: StaffRole, scheme: KeyScheme) -> bool {
    role == StaffRole::Auditor && scheme != KeyScheme::Shared
}

/// What of the keys a user of `role` in `unit` is sealed under `scheme` (the table in
/// crypto::held): under keys per unit, their own unit's key (an administrator every unit's; an
/// auditor their own unit's categories key only).
pub(super) fn share(role: StaffRole, unit: i64, scheme: KeyScheme) -> Share {
    let master = !categories_only(role, scheme);
    if scheme != KeyScheme::PerUnit {
        return Share {
            master,
            units: ShareUnits::None,
            categories: ShareUnits::None,
        };
    }
    let (units, categories) = match role {
        StaffRole::Outreach | StaffRole::Lead => (ShareUnits::One(unit), ShareUnits::None),
        StaffRole::Auditor => (ShareUnits::None, ShareUnits::One(unit)),
        StaffRole::Admin => (ShareUnits::Every, ShareUnits::None),
    };
    Share {
        master,
        units,
        categories,
    }
}

pub(super) fn unknown_district(d: &District) -> Error {
    Error::Input(Msg::UnknownDistrict {
        district: d.to_string(),
    })
}

/// A key slot whose Argon2 parameters are outside [`KdfParams::MAXIMUM`]'s bounds (or zero):
/// refused before anything is derived.
pub(super) fn kdf_out_of_bounds(name: &str) -> Error {
    Error::Failed(Msg::KdfOutOfBounds {
        name: name.to_string(),
    })
}

/// A slot whose signing key is not the one the log grants its user: written for them by
/// someone else.
pub(super) fn slot_not_granted(name: &str) -> Error {
    Error::Refused(Msg::UngrantedSlotKey {
        name: name.to_string(),
    })
}

/// A signing key granted in a user's name that their slot does not hold.
fn key_granted_to_another(name: &str) -> Error {
    Error::Refused(Msg::ForgedSigningGrant {
        name: name.to_string(),
    })
}

/// A key the signed-in role does not hold (an auditor, and a note or a code), or a value that
/// could not be sealed.
pub(super) fn not_held(e: CryptoError) -> Error {
    match e {
        CryptoError::NotHeld => Error::Refused(Msg::RoleHoldsNoKey),
        e => Error::Failed(Msg::CannotSeal {
            error: e.to_string(),
        }),
    }
}

pub(super) fn tampered_user(name: &str) -> Error {
    Error::Refused(Msg::UserRecordChanged {
        name: name.to_string(),
    })
}

/// Opens a sealed value where it sits; an error names the record, never the value.
pub(super) fn open_at(keys: &Keys, place: Place, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    keys.open(place, envelope).map_err(|e| not_opened(place, e))
}

/// Opens a sealed value of a unit's (a contact's note or categories, a field night's details)
/// where it sits, under the unit's key (keys per unit; else the database's).
pub(super) fn open_in_at(
    keys: &Keys,
    unit: i64,
    place: Place,
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    keys.open_in(unit, place, envelope)
        .map_err(|e| not_opened(place, e))
}

fn not_opened(place: Place, e: CryptoError) -> Error {
    {
        if e == CryptoError::NotHeld {
            return not_held(e);
        }
        let (table, _, id) = place.names();
        Error::Failed(Msg::ValueNotAuthentic {
            table,
            id,
            error: e.to_string(),
        })
    }
}

pub(super) fn damaged_value(table: &'static str, id: i64) -> Error {
    Error::Failed(Msg::ValueUnknownFormat { table, id })
}

impl Audit<'_> {
    /// Verifies the audit log: every running hash and every signature, each by a key the log
    /// granted its author. The number of entries, or where it first breaks.
    pub fn verify_chain(&self) -> Result<std::result::Result<i64, audit_log::ChainBreak>> {
        let mut rows = Vec::new();
        self.0.store.read()?.scan_audit_log(&mut |r| {
            rows.push(r);
            NEXT
        })?;
        Ok(audit_log::verify_log(rows).map(|v| v.entries))
    }
}

/// The user `user disable NAME` would disable, or why it may not.
fn disable_target<'u>(users: &'u [UserRow], name: &str) -> Result<&'u UserRow> {
    let target = users.iter().find(|u| u.name == name).ok_or_else(|| {
        Error::Input(Msg::NoSuchUser {
            name: name.to_string(),
        })
    })?;
    if target.disabled {
        return Err(Error::Input(Msg::AlreadyDisabled {
            name: name.to_string(),
        }));
    }
    let active_admins = users
        .iter()
        .filter(|u| !u.disabled && u.role == StaffRole::Admin.as_str())
        .count();
    if target.role == StaffRole::Admin.as_str() && active_admins <= 1 {
        return Err(Error::Input(Msg::LastAdmin {
            name: name.to_string(),
        }));
    }
    Ok(target)
}

impl Staff<'_> {
    /// Adds a staff account (admin only) to the administrator's own unit.
    pub fn add(&mut self, name: &str, role: StaffRole, passphrase: &Passphrase) -> Result<()> {
        let unit = self.0.user.unit;
        self.add_in(name, role, unit, passphrase)
    }

    /// Adds a staff account (admin only) to a unit of the city (by number: see
    /// [`Staff::unit_named`]). The unit is granted in the log with the role.
    pub fn add_in(
        &mut self,
        name: &str,
        role: StaffRole,
        unit: i64,
        passphrase: &Passphrase,
    ) -> Result<()> {
        self.0.require(Permission::Administer)?;
        check_user_name(name)?;
        if unit != crate::domain::FIRST_UNIT && self.0.units.name(unit).is_none() {
            return Err(Error::Input(Msg::NoSuchUnit));
        }
        if self.0.store.read()?.user_by_name(name)?.is_some() {
            return Err(Error::Input(Msg::UserExists {
                name: name.to_string(),
            }));
        }
        let tx = self.0.change()?;
        let (user, granted) = Vault::insert_user(&tx, name, (role, unit), passphrase)?;
        if unit != crate::domain::FIRST_UNIT {
            // For a server's row-level guards (a file keeps nothing): the unit's role may
            // write this user's contacts, and no other unit's may.
            tx.set_user_unit(user.id, unit)?;
        }
        // The grant, signed by this administrator: the new user's role, unit and keys. (The
        // first unit is not written: every grant made before units were known is in it.)
        let in_unit = match unit {
            crate::domain::FIRST_UNIT => String::new(),
            n => format!(" unit={n}"),
        };
        tx.log(
            Action::UserAdd,
            &format!("user:{}", user.id),
            &format!("role={role} name={name} {}{in_unit}", granted.grant),
        )?;
        tx.commit()?;
        self.0.reload_units()
    }

    /// The unit of this name, by number (a lower-case name, as `unit add` gave it).
    pub fn unit_named(&self, name: &str) -> Result<i64> {
        self.0
            .units
            .by_name(name)
            .ok_or(Error::Input(Msg::NoSuchUnit))
    }

    /// Names the first unit, or adds a unit to the city (admin only); returns its number. The
    /// first `unit add` names the unit every user and contact so far belongs to; each further
    /// one makes a new unit, to which `user add --unit` then adds staff.
    pub fn add_unit(&mut self, name: &str) -> Result<i64> {
        self.0.require(Permission::Administer)?;
        if !crate::domain::is_unit_name(name) {
            return Err(Error::Input(Msg::BadUnitName {
                max: crate::domain::UNIT_NAME_MAX,
            }));
        }
        let tx = self.0.change()?;
        // Read again inside the transaction: another administrator may have added one.
        let units = lifecycle::read_grants(&*tx)?.units();
        if units.by_name(name).is_some() {
            return Err(Error::Input(Msg::UnitExists {
                name: name.to_string(),
            }));
        }
        let number = units.next_number();
        // On a server, the unit's own tables (its role, once it has one, reads only those).
        tx.make_unit(number)?;
        tx.log(
            Action::UnitAdd,
            &format!("unit:{number}"),
            &format!("name={name}"),
        )?;
        if number == crate::domain::FIRST_UNIT {
            tx.commit()?;
            self.0.reload_units()?;
            return Ok(number);
        }
        // A unit more: keys per unit. The rekey (in the same transaction) makes a new key for
        // every unit, re-seals each unit's contacts and nights under its own, and seals to each
        // user their share: no unit's staff can open another unit's notes, in uppsok or out.
        let (held, keys, _) = Vault::rekey_in(&tx, tx.keys)?;
        tx.commit()?;
        self.0.held = held;
        self.0.keys = keys;
        self.0.reload_units()?;
        // And a new page key, as after every rekey.
        self.0.change_page_key()?;
        Ok(number)
    }

    /// Makes a database role on the server the unit's (admin only): it is granted only the
    /// unit's own tables, so it reads only the unit's rows, and the server refuses it another
    /// unit's writes. Granted in the log, which `audit` holds the server's `unit_roles` to, so a
    /// mapping changed outside uppsok (a role moved to another unit, or dropped from the list,
    /// which makes it a city role) is named. The connection must be the schema's owner's: no
    /// application role may write the list (docs/deploy.md, "A role per unit").
    pub fn set_unit_role(&mut self, unit: &str, role: &str) -> Result<i64> {
        self.0.require(Permission::Administer)?;
        let number = self.unit_named(unit)?;
        if !crate::domain::is_database_role(role) {
            return Err(Error::Input(Msg::BadDatabaseRole));
        }
        if self.0.store.read()?.unit_roles()?.is_none() {
            return Err(Error::Input(Msg::UnitRoleNeedsServer));
        }
        let tx = self.0.change()?;
        tx.set_unit_role(role, number)?;
        tx.log(
            Action::UnitRole,
            &format!("unit:{number}"),
            &format!("role={role}"),
        )?;
        tx.commit()?;
        Ok(number)
    }

    /// The city's units, with their active users (admin only). Empty while the database's
    /// first unit has no name.
    pub fn units(&mut self) -> Result<Vec<UnitInfo>> {
        self.0.require(Permission::Administer)?;
        let reads = self.0.store.read()?;
        let authority = lifecycle::read_grants(&*reads)?;
        let units = authority.units();
        Ok(units
            .named()
            .iter()
            .map(|(number, name)| UnitInfo {
                number: *number,
                name: name.clone(),
                users: authority
                    .users()
                    .values()
                    .filter(|g| g.unit == *number && !g.disabled)
                    .count(),
            })
            .collect())
    }

    /// Lists staff accounts (admin only): each as the log grants them (name, role, state,
    /// unit, and when they were added: the time of the signed entry that added them), which
    /// nobody changes outside uppsok unseen; a user's row says only who there is. (The users an
    /// upgrade to format 3 listed were added before the log was signed: their time is the
    /// row's.)
    pub fn list(&mut self) -> Result<Vec<UserInfo>> {
        self.0.require(Permission::Administer)?;
        let reads = self.0.store.read()?;
        let authority = lifecycle::read_grants(&*reads)?;
        Ok(reads
            .users()?
            .into_iter()
            .map(|u| {
                let unit = self
                    .0
                    .units
                    .name(self.0.units.of_user(u.id))
                    .map(str::to_string);
                match authority.users().get(&u.id) {
                    Some(g) => UserInfo {
                        unit,
                        name: g.name.clone(),
                        role: g.role.clone(),
                        disabled: g.disabled,
                        created_at: g.since.clone().unwrap_or(u.created_at),
                    },
                    None => UserInfo {
                        unit,
                        name: u.name,
                        role: u.role,
                        disabled: u.disabled,
                        created_at: u.created_at,
                    },
                }
            })
            .collect())
    }

    /// What `user disable NAME` would do (admin only): the same refusals as [`Staff::disable`]
    /// (no such user, already disabled, the last active administrator), then what the rekey
    /// that follows would rewrite, counted. Writes and decrypts nothing.
    pub fn plan_disable(&mut self, name: &str) -> Result<RekeySummary> {
        self.0.require(Permission::Administer)?;
        let reads = self.0.store.read()?;
        let users = reads.users()?;
        let target = disable_target(&users, name)?;
        lifecycle::rekey_plan(&*reads, &self.0.keys, Some((target.id, &target.name)))
    }

    /// Disables a staff account and removes its key slot (admin only), then rekeys the data
    /// and the file. The last active admin cannot be disabled. Returns whether the file was
    /// re-encrypted under a new page key too (false when another process had it open: a later
    /// sign-in does it).
    pub fn disable(&mut self, name: &str) -> Result<bool> {
        self.0.require(Permission::Administer)?;
        let users = self.0.store.read()?.users()?;
        let target = disable_target(&users, name)?;
        let mut row = target.clone();
        row.disabled = true;
        row.mac = self
            .0
            .keys
            .record_mac(&user_record_bytes(row.id, &row.name, &row.role, true))
            .to_vec();
        let tx = self.0.change()?;
        tx.update_user(&row)?;
        lifecycle::remove_user_keys(&tx, row.id)?;
        tx.log(Action::UserDisable, &format!("user:{}", row.id), "")?;
        // A new master key sealed to the remaining users only: what the disabled user may have
        // copied (passphrase, slot, master key) opens nothing written from now on.
        let (held, keys, _) = Vault::rekey_in(&tx, tx.keys)?;
        tx.commit()?;
        self.0.held = held;
        self.0.keys = keys;
        // And a new page key: the one they could take from their old key file opens no later
        // copy of the file.
        self.0.change_page_key()
    }

    /// Rewraps the signed-in user's key slot under a new passphrase.
    pub fn change_passphrase(&mut self, new: &Passphrase) -> Result<()> {
        let (user_id, role, unit) = (self.0.user.id, self.0.user.role, self.0.user.unit);
        let name = self.0.user.name.clone();
        let tx = self.0.change()?;
        // A new signing key too, granted by the one held until now: whoever knew the old
        // passphrase (an administrator who set the first one) cannot sign in this user's name.
        let granted = lifecycle::write_user_keys(&tx, user_id, &name, new, (role, unit))?;
        tx.log(Action::Passwd, &format!("user:{}", user_id), &granted.grant)?;
        tx.commit()?;
        self.0.signer = granted.signer;
        Ok(())
    }
}

impl Lifecycle<'_> {
    /// A consistent, still encrypted copy of the live database (admin only; logged).
    pub fn backup(&mut self, dest: &Path) -> Result<()> {
        self.0.require(Permission::Administer)?;
        let _progress = crate::progress::begin(crate::progress::Task::Backup, None);
        self.0.log_read(Action::Backup, "database", "")?;
        self.0.store.backup_to(dest).inspect_err(|_| {
            let _ = std::fs::remove_file(dest);
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::contacts::{decode_note, encode_note, parse_pseudonym_hex, NOTE_PADDING};
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
    fn a_refusal_names_exactly_the_roles_that_may_and_whom_to_ask() {
        use crate::i18n::Lang;
        use Permission::*;
        use StaffRole::*;
        assert_eq!(Stats.who_may(), StaffRole::ALL);
        assert_eq!(WriteContacts.who_may(), [Outreach, Lead, Admin]);
        assert_eq!(AccessLog.who_may(), [Auditor, Admin]);
        assert_eq!(MergePersons.who_may(), [Lead, Admin]);
        assert_eq!(Administer.who_may(), [Admin]);
        let refusal = |p: Permission, role| Error::RoleMayNot {
            name: "lena".into(),
            role,
            what: p.describe(),
            allowed: p.who_may(),
        };
        // Seen: an admin-only refusal told a unit lead to "ask a unit lead".
        let e = refusal(Administer, Lead);
        let (en, sv) = (e.message(Lang::En), e.message(Lang::Sv));
        assert!(
            en.contains("only admin may") && en.ends_with("Ask an administrator."),
            "{en}"
        );
        assert!(!en.contains("unit lead"), "{en}");
        assert!(
            sv.contains("har rollen enhetsledare") && sv.ends_with("Be en administratör."),
            "{sv}"
        );
        let e = refusal(Export, Outreach);
        assert!(e
            .message(Lang::En)
            .ends_with("Ask a unit lead or an administrator."));
        assert!(e
            .message(Lang::Sv)
            .contains("får inte exportera dekrypterade uppgifter"));
        let e = refusal(AccessLog, Lead);
        assert!(e
            .message(Lang::En)
            .ends_with("Ask an auditor or an administrator."));
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
            (AccessLog, [false, false, true, true]),
            (MergePersons, [false, true, false, true]),
        ];
        for (perm, allowed) in table {
            for (role, ok) in [Outreach, Lead, Auditor, Admin].into_iter().zip(allowed) {
                assert_eq!(perm.allowed(role), ok, "{perm:?} {role}");
            }
        }
    }
}
