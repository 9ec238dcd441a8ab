//! What the audit and the access log need from an unlocked database: every envelope opened
//! where it sits, the log's chain verified, SQLite's own checks run. Only outcomes, counts,
//! ids and kinds leave this module; no plaintext does.

use crate::msg::Msg;
use std::collections::HashMap;

use super::*;
use crate::audit::{
    AuditFacts, CheckpointState, EncryptionFacts, EnvelopeProblem, HeadState, IntegrityFacts,
    LogEntryFact, LogFacts, PersonAttributes, PseudonymFacts, SlotFact,
};
use crate::audit_log::{self, Action, Checkpoint, HEAD_META_KEY};
use crate::crypto::{key_version, KdfParams};
use crate::domain::{Attributes, FieldNightDetails};

/// One entry of the access log as shown to an auditor: who, when, what, to which record ids.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessEntry {
    pub seq: i64,
    pub at: String,
    pub user: Option<String>,
    pub action: String,
    pub objects: String,
    pub detail: String,
}

/// Which entries of the access log to show.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    /// Inclusive dates, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    pub user: Option<String>,
}

/// `YYYY-MM-DD` as a sortable number; 0 if it is not a date.
fn date_number(s: &str) -> i32 {
    crate::domain::date_number(s) as i32
}

impl Vault {
    fn integrity_facts(&self) -> Result<IntegrityFacts> {
        let users = self.store.read()?.users()?;
        let backend = self.store.integrity()?;
        let users_bad_seal = users
            .iter()
            .filter(|u| {
                !self.keys.verify_record_mac(
                    &user_record_bytes(u.id, &u.name, &u.role, u.disabled),
                    &u.mac,
                )
            })
            .map(|u| u.id)
            .collect();
        Ok(IntegrityFacts {
            integrity_check: if backend.problems.is_empty() {
                vec!["ok".to_string()]
            } else {
                backend.problems
            },
            foreign_keys: backend
                .dangling
                .into_iter()
                .map(|p| (p.table, p.row, p.parent))
                .collect(),
            users_checked: users.len(),
            users_bad_seal,
        })
    }

    fn encryption_facts(
        &self,
        latest_contacts: &std::collections::HashSet<i64>,
        persons: &mut Vec<PersonAttributes>,
        notes_scanned: &mut u64,
        notes_with_identifiers: &mut Vec<(i64, Vec<crate::pii::IdentifierKind>)>,
    ) -> Result<EncryptionFacts> {
        let keys = &self.keys;
        let districts = &self.districts;
        let current = keys.version();
        let mut f = EncryptionFacts {
            key_version: current,
            meta_key_version: self.store.read()?.meta("key_version")?,
            columns: EnvelopeColumn::ALL.iter().map(|c| c.names()).collect(),
            shared_scheme: keys.scheme() == crate::crypto::KeyScheme::Shared,
            test_kdf_tolerated: cfg!(debug_assertions)
                && std::env::var_os("UPPSOK_INSECURE_TEST_KDF").is_some_and(|v| v == "1"),
            ..EncryptionFacts::default()
        };
        // Nonce reuse is looked for in two passes, so memory stays at 8 bytes an envelope: first
        // the first 8 bytes of every nonce; then, only for prefixes seen twice (almost never),
        // the full nonces and where they sit, for the check to compare.
        let mut prefixes: Vec<u64> = Vec::new();
        let reads = self.store.read()?;
        for envelopes in EnvelopeColumn::ALL {
            let (table, column) = envelopes.names();
            let problems = &mut f.problems;
            let prefixes = &mut prefixes;
            let opened = &mut f.opened;
            let not_held = &mut f.not_held;
            let units = &self.units;
            reads.scan_envelopes(envelopes, &mut |row, author, env| {
                let (Some(version), Some(nonce)) = (key_version(env), crate::crypto::nonce(env))
                else {
                    problems.push((table, column, row, EnvelopeProblem::Malformed));
                    return NEXT;
                };
                prefixes.push(nonce_prefix(&nonce));
                if version != current {
                    problems.push((table, column, row, EnvelopeProblem::OldKeyVersion));
                    return NEXT;
                }
                let note_column = matches!(
                    envelopes,
                    EnvelopeColumn::ContactNote | EnvelopeColumn::ActivityNote
                );
                let unit = super::unit_of_column(envelopes, author, units);
                let held = match (unit, note_column) {
                    (Some(unit), true) => keys.holds_notes_of(unit),
                    (Some(unit), false) => keys.holds_categories_of(unit),
                    (None, true) => keys.holds_notes(),
                    (None, false) => true,
                };
                if !held {
                    // An auditor holds no note key, a lead no other unit's: the note's page is
                    // authenticated by SQLCipher, its envelope only by whoever can open it.
                    *not_held += 1;
                    return NEXT;
                }
                let Ok(plain) = super::open_column(keys, units, (envelopes, row, author), env)
                else {
                    problems.push((table, column, row, EnvelopeProblem::NotAuthentic));
                    return NEXT;
                };
                let decoded = match envelopes {
                    EnvelopeColumn::ContactNote => match super::contacts::decode_note(&plain) {
                        Some(note) => {
                            *notes_scanned += 1;
                            let found = crate::pii::find_identifiers(&note);
                            if !found.is_empty() {
                                notes_with_identifiers.push((row, found));
                            }
                            true
                        }
                        None => false,
                    },
                    EnvelopeColumn::ContactAttributes => {
                        match Attributes::decode(&plain, districts) {
                            Some(a) => {
                                if latest_contacts.contains(&row) {
                                    persons.push(PersonAttributes {
                                        gender: a.gender,
                                        age_band: a.age_band,
                                        role: a.role,
                                        district: a.district,
                                    });
                                }
                                true
                            }
                            None => false,
                        }
                    }
                    EnvelopeColumn::FieldNightDetails => {
                        FieldNightDetails::decode(&plain, districts).is_some()
                    }
                    EnvelopeColumn::ProjectDetails => {
                        crate::domain::ProjectDetails::decode(&plain).is_some()
                    }
                    EnvelopeColumn::ActivityDetails => {
                        crate::domain::ActivityDetails::decode(&plain).is_some()
                    }
                    EnvelopeColumn::ActivityNote => super::contacts::decode_note(&plain).is_some(),
                };
                if decoded {
                    *opened += 1;
                } else {
                    problems.push((table, column, row, EnvelopeProblem::Undecodable));
                }
                NEXT
            })?;
        }
        prefixes.sort_unstable();
        let repeated: std::collections::HashSet<u64> = prefixes
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        drop(prefixes);
        if !repeated.is_empty() {
            for (index, place) in EnvelopeColumn::ALL.into_iter().enumerate() {
                let nonces = &mut f.nonces;
                reads.scan_envelopes(place, &mut |row, _, env| {
                    if let Some(nonce) = crate::crypto::nonce(env) {
                        if repeated.contains(&nonce_prefix(&nonce)) {
                            nonces.push((nonce, index as u8, row));
                        }
                    }
                    NEXT
                })?;
            }
        }
        // The key file's slots (authenticated at unlock, and here again), each named by the
        // user whose public key it holds.
        let file = reads
            .key_file()
            .ok()
            .filter(|b| crate::crypto::KeyFile::authenticate(b, &self.offered[0]))
            .filter(|b| super::lifecycle::key_file_sealed(&*reads, &self.keys, b).is_ok())
            .and_then(|b| crate::crypto::KeyFile::parse(&b).ok());
        f.key_file_authentic = file.is_some();
        f.active_users = reads
            .users()?
            .iter()
            .filter(|u| !u.disabled)
            .map(|u| u.id)
            .collect();
        let owners: Vec<(Vec<u8>, i64)> = reads
            .users()?
            .iter()
            .filter(|u| !u.disabled)
            .filter_map(|u| reads.master_wrap(u.id).ok().flatten())
            .map(|w| (w.public_key, w.user_id))
            .collect();
        f.slots = file
            .map(|file| file.slots())
            .unwrap_or_default()
            .into_iter()
            .map(|s| SlotFact {
                user_id: owners
                    .iter()
                    .find(|(public, _)| public[..] == s.public[..])
                    .map(|(_, id)| *id),
                kdf_is_argon2id: true,
                params: KdfParams::from_stored(
                    s.memory_kib.into(),
                    s.iterations.into(),
                    s.parallelism.into(),
                ),
                wrapped_key_version: Some(0),
                salt_len: 16,
            })
            .collect();
        Ok(f)
    }

    fn log_facts(
        &self,
        contact_ids: Vec<i64>,
        checkpoint: Option<Checkpoint>,
        expected_fingerprint: Option<String>,
    ) -> Result<LogFacts> {
        let reads = self.store.read()?;
        let mut rows: Vec<AuditRow> = Vec::new();
        reads.scan_audit_log(&mut |r| {
            rows.push(r);
            NEXT
        })?;
        let entries = rows
            .iter()
            .filter(|r| {
                audit_log::creates_contacts(&r.action) || audit_log::deletes_contacts(&r.action)
            })
            .map(|r| LogEntryFact {
                seq: r.seq,
                action: r.action.clone(),
                objects: r.objects.clone(),
            })
            .collect();
        let head = match (rows.last(), reads.meta(HEAD_META_KEY)?) {
            (None, None) => HeadState::EmptyLog,
            (None, Some(_)) => HeadState::Mismatch,
            (Some(_), None) => HeadState::Missing,
            (Some(last), Some(stored)) => match audit_log::Mark::parse(&last.mac) {
                Some(m) if audit_log::head_text(last.seq, &m.hash) == stored => HeadState::Matches,
                _ => HeadState::Mismatch,
            },
        };
        // The running hash recomputed from the first entry, at the checkpoint's.
        let checkpoint = checkpoint.map(|cp| {
            let mut hash = [0u8; 32];
            for r in &rows {
                hash = audit_log::link_row(&hash, r);
                if r.seq == cp.seq {
                    return if cp.holds_at(r, &hash) {
                        CheckpointState::Holds { seq: cp.seq }
                    } else {
                        CheckpointState::Differs { seq: cp.seq }
                    };
                }
            }
            CheckpointState::Missing { seq: cp.seq }
        });
        // Every contact's content against the signed entries that wrote it.
        let live = lifecycle::live_contact_hashes(&*reads)?;
        let content = audit_log::verify_content(live, &rows);
        let mut nights = audit_log::verify_nights(lifecycle::live_nights(&*reads)?, &rows);
        nights.extend(audit_log::verify_merges(&reads.merges()?, &rows));
        nights.extend(audit_log::verify_districts(
            reads.meta("districts")?.as_deref(),
            &rows,
        ));
        nights.extend(audit_log::verify_cellkey(
            super::cellkey::state(&*reads, &self.keys)?,
            &rows,
        ));
        {
            // Projects and activities: as their last entries left them, each entry signed by
            // one whose role may make it (the grants as far as the log verifies).
            let grants = audit_log::grants(|visit| reads.scan_audit_log(visit))?;
            let (projects, activities) = (reads.projects()?, reads.activities(None, None)?);
            let may = super::work::signer_may(&grants, Permission::ManageProjects);
            nights.extend(audit_log::verify_projects(&projects, &rows, &may));
            let may = super::work::signer_may(&grants, Permission::LogActivities);
            nights.extend(audit_log::verify_activities(
                &activities,
                &rows,
                &may,
                &grants.units(),
            ));
            // The unit's default disclosure-control method, likewise.
            nights.extend(super::config::verify(&*reads, &rows, &grants)?);
        }
        let verified = audit_log::verify_log(rows);
        // The users as the log grants them (as far as it verifies) against their records.
        let authority = match &verified {
            Ok(v) => v.authority.clone(),
            Err(_) => audit_log::grants(|visit| reads.scan_audit_log(visit))?,
        };
        let mut users = Vec::new();
        let records = reads.users()?;
        for u in &records {
            let granted = authority
                .users()
                .get(&u.id)
                .is_some_and(|g| g.name == u.name && g.role == u.role && g.disabled == u.disabled);
            if !granted {
                users.push((u.id, "user_not_granted"));
            }
        }
        for id in authority.users().keys() {
            if !records.iter().any(|u| u.id == *id) {
                users.push((*id, "user_record_missing"));
            }
        }
        // On a server, the unit each user is in as its row-level guards read it must be the one
        // the log grants (a user not listed is in the first unit): a user moved there would
        // let a unit's role write another unit's rows, or keep its own from it.
        if let Some(listed) = reads.user_units()? {
            let listed: HashMap<i64, i64> = listed.into_iter().collect();
            for (id, g) in authority.users() {
                if listed.get(id).copied().unwrap_or(1) != g.unit {
                    users.push((*id, "unit_not_granted"));
                }
            }
            for id in listed.keys() {
                if !authority.users().contains_key(id) {
                    users.push((*id, "unit_not_granted"));
                }
            }
        }
        // The key each active user's data keys are sealed to must be the one the log grants
        // them: a wrap redirected to another key would hand the next rekey's key to its holder.
        for u in records.iter().filter(|u| !u.disabled) {
            let sealed_to = reads.master_wrap(u.id)?.map(|w| w.public_key);
            let granted = authority.users().get(&u.id).and_then(|g| g.enc);
            let matches = match (&sealed_to, granted) {
                (Some(p), Some(g)) => p[..] == g[..],
                _ => false,
            };
            if !matches {
                users.push((u.id, "key_not_granted"));
            }
        }
        // The recovery key likewise: the one the log grants, or none. A row removed, or sealed
        // to another key, would quietly take away the way back in after a lost passphrase.
        let recovery = reads.recovery_key()?;
        let recovery_kind = match (authority.recovery_enc(), &recovery) {
            (Some(granted), Some(r)) if r.public_key[..] == granted[..] => None,
            (None, None) => None,
            (Some(_), None) => Some("recovery_key_missing"),
            _ => Some("key_not_granted"),
        };
        if let Some(kind) = recovery_kind {
            nights.push(audit_log::content::ContentFinding {
                record: "recovery_key".into(),
                kind,
                entry: None,
            });
        }
        // On a server, the units' database roles (each granted its unit's own tables) must be
        // the ones the log grants: the owner moving a unit's role to another unit would show
        // it that unit's rows, and taking it off the list would make it a city role.
        if let Some(listed) = reads.unit_roles()? {
            let granted = authority.unit_roles();
            for (role, unit) in &listed {
                if granted.get(role) != Some(unit) {
                    nights.push(audit_log::content::ContentFinding {
                        record: format!("unit_role:{role}"),
                        kind: "role_not_granted",
                        entry: None,
                    });
                }
            }
            for role in granted.keys() {
                if !listed.iter().any(|(r, _)| r == role) {
                    nights.push(audit_log::content::ContentFinding {
                        record: format!("unit_role:{role}"),
                        kind: "role_missing",
                        entry: None,
                    });
                }
            }
        }
        let pending_keys = authority
            .users()
            .iter()
            .filter(|(_, g)| !g.disabled && g.signing.is_none())
            .map(|(id, _)| *id)
            .collect();
        let fingerprint = match (authority.root(), database_id(&*reads)?) {
            (Some(root), Some(id)) => Some(audit_log::fingerprint(&id, &root)),
            _ => None,
        };
        Ok(LogFacts {
            chain: verified.map(|v| v.entries),
            head,
            entries,
            contact_ids,
            checkpoint,
            users,
            pending_keys,
            fingerprint,
            expected_fingerprint,
            content: content
                .findings
                .into_iter()
                .chain(nights)
                .map(|f| (f.record, f.kind))
                .collect(),
            content_rows: content.rows,
        })
    }
}

impl Vault {
    /// The database's fingerprint: its id and the key of the log's root (its first
    /// administrator's, or the upgrading one's). Not a secret; anyone signed in may see it.
    pub fn fingerprint(&self) -> Result<String> {
        let reads = self.store.read()?;
        let root = lifecycle::read_grants(&*reads)?.root();
        match (root, database_id(&*reads)?) {
            (Some(root), Some(id)) => Ok(audit_log::fingerprint(&id, &root)),
            _ => Err(Error::Failed(Msg::NoFingerprint)),
        }
    }

    /// The checkpoint of the log as it stands (its last entry): what `report` and `backup`
    /// print, to keep outside the database.
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        let reads = self.store.read()?;
        let Some((seq, _)) = reads.audit_head()? else {
            return Err(Error::Failed(Msg::LogEmpty));
        };
        reads
            .audit_entry(seq)?
            .as_ref()
            .and_then(Checkpoint::of)
            .ok_or(Error::Failed(Msg::EntryUnmarked { seq }))
    }
}

/// The identifier detector's findings as the log records them, for a role that holds no note
/// key: a note is let in with identifiers only by an `identifier_override` entry naming the
/// contact and the kinds; an edit refuses identifiers (its note is clean); a purge empties the
/// notes of contacts dated before its date; `notes_rescan` records every note's findings anew.
/// Returns the contacts still flagged that exist, and the entry of the last rescan.
fn recorded_identifiers(
    rows: &[AuditRow],
    dates: &HashMap<i64, i32>,
) -> (Vec<(i64, Vec<crate::pii::IdentifierKind>)>, Option<i64>) {
    use crate::pii::IdentifierKind;
    let value = |detail: &'_ str, key: &str| -> Option<String> {
        detail
            .split(' ')
            .find_map(|t| t.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    };
    let kinds = |s: &str| -> Vec<IdentifierKind> {
        s.split(';').filter_map(IdentifierKind::parse).collect()
    };
    let mut flagged: std::collections::BTreeMap<i64, Vec<IdentifierKind>> = Default::default();
    let mut last_rescan = None;
    for r in rows {
        let ids = || {
            crate::audit::parse_contact_objects(&r.objects)
                .into_iter()
                .filter(|(a, b)| b - a < 10_000_000)
                .flat_map(|(a, b)| a..=b)
        };
        match r.action.as_str() {
            "identifier_override" => {
                let k = kinds(&value(&r.detail, "kinds").unwrap_or_default());
                for id in ids() {
                    flagged.insert(id, k.clone());
                }
            }
            "contact_edit" => {
                for id in ids() {
                    flagged.remove(&id);
                }
            }
            "purge" => {
                if let Some(before) = value(&r.detail, "before") {
                    let before = date_number(&before);
                    flagged.retain(|id, _| dates.get(id).is_none_or(|d| *d >= before));
                }
            }
            "notes_rescan" => {
                flagged.clear();
                for item in value(&r.detail, "flagged")
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                {
                    if let Some((id, k)) = item.split_once(':') {
                        if let Ok(id) = id.parse() {
                            flagged.insert(id, kinds(k));
                        }
                    }
                }
                last_rescan = Some(r.seq);
            }
            _ => {}
        }
    }
    let found = flagged
        .into_iter()
        .filter(|(id, _)| dates.contains_key(id))
        .collect();
    (found, last_rescan)
}

/// A log entry's detail with its sealed statistics filters (`filters=HEX`) opened, for those who
/// may read the log: `filters=[gender=woman]`; `filters=[sealed]` if they do not open. A
/// publication's digest (`digest=HEX`, 64 digits) is shown by its first 12.
pub(super) fn open_filters(keys: &Keys, detail: &str) -> String {
    detail
        .split(' ')
        .map(|t| match t.strip_prefix("filters=") {
            // A publication's keyed digest of its period's contacts: its first 12 digits tell
            // a reader whether two publications counted the same contacts.
            None if t.starts_with("digest=") => t.chars().take("digest=".len() + 12).collect(),
            None => t.to_string(),
            Some(hex) => {
                let text = crate::crypto::hex_bytes(hex)
                    .and_then(|b| keys.open(Place::LogFilters, &b).ok())
                    .and_then(|p| String::from_utf8(p.to_vec()).ok())
                    .map(|t| t.trim_end().to_string())
                    .unwrap_or_else(|| "sealed".into());
                format!("filters=[{text}]")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The database's id (`meta.database_id`), if it is one.
pub(super) fn database_id(reads: &dyn Reads) -> Result<Option<[u8; 16]>> {
    Ok(reads
        .meta("database_id")?
        .and_then(|id| uuid::Uuid::parse_str(&id).ok())
        .map(|id| *id.as_bytes()))
}

/// The first 8 bytes of a nonce.
fn nonce_prefix(nonce: &[u8; 12]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&nonce[..8]);
    u64::from_le_bytes(b)
}

impl Audit<'_> {
    /// Gathers everything the audit checks judge (roles lead, auditor, admin). Opens every
    /// encrypted value once; notes are scanned for identifiers and dropped at once.
    pub fn facts(
        &mut self,
        checkpoint: Option<Checkpoint>,
        fingerprint: Option<String>,
    ) -> Result<AuditFacts> {
        self.0.require(Permission::Audit)?;
        let _progress = crate::progress::begin(crate::progress::Task::Audit, None);
        let mut facts = AuditFacts {
            integrity: self.0.integrity_facts()?,
            ..AuditFacts::default()
        };

        // Contacts in the clear: ids, and each individual's latest contact.
        let merges = self.0.merges()?;
        let root = |p: i64| merges.resolve(p);
        let reads = self.0.store.read()?;
        let mut contact_ids = Vec::new();
        let mut dates: HashMap<i64, i32> = HashMap::new();
        let mut latest: HashMap<i64, (i32, i64)> = HashMap::new();
        reads.scan_contact_index(&mut |id, date, person| {
            contact_ids.push(id);
            dates.insert(id, date_number(date));
            if let Some(p) = person {
                let key = (date_number(date), id);
                let e = latest.entry(root(p)).or_insert(key);
                if key > *e {
                    *e = key;
                }
            }
            crate::progress::add(1);
            NEXT
        })?;
        let latest_contacts: std::collections::HashSet<i64> =
            latest.values().map(|&(_, id)| id).collect();
        drop(latest);

        facts.encryption = self.0.encryption_facts(
            &latest_contacts,
            &mut facts.persons,
            &mut facts.notes_scanned,
            &mut facts.notes_with_identifiers,
        )?;

        let mut persons = Vec::new();
        reads.scan_persons(i64::MIN, &mut |id, p| {
            persons.push((id, p.to_vec()));
            NEXT
        })?;
        drop(reads);
        // How many stored pseudonyms are the keyed form of a code of the usual shape: what
        // anyone holding the pseudonym key finds by keying every such code.
        let stored: std::collections::HashSet<&[u8]> =
            persons.iter().map(|(_, p)| p.as_slice()).collect();
        let mut guessable = 0u64;
        let mut keyed = 0u64;
        // Only a role that holds the pseudonym key can measure it (an auditor cannot); its
        // HMAC is made ready once, the same pseudonyms for half the hashing a code.
        let pseudonymiser = self.0.keys.pseudonymiser().ok();
        if let Some(keys) = pseudonymiser.filter(|_| !stored.is_empty()) {
            crate::audit::for_each_sample_code(|code| {
                keyed += 1;
                if stored.contains(&keys.pseudonym(code)[..]) {
                    guessable += 1;
                }
            });
        }
        facts.pseudonyms = PseudonymFacts {
            persons,
            guessable,
            keyed,
        };

        // An auditor holds no note key: the detector's findings come from the signed records.
        if !self.0.keys.holds_notes() {
            let mut rows = Vec::new();
            self.0.store.read()?.scan_audit_log(&mut |r| {
                rows.push(r);
                NEXT
            })?;
            let (found, last_rescan) = recorded_identifiers(&rows, &dates);
            facts.notes_with_identifiers = found;
            facts.pii_source = crate::audit::PiiSource::Records { last_rescan };
        }
        drop(dates);

        contact_ids.sort_unstable();
        facts.log = self.0.log_facts(contact_ids, checkpoint, fingerprint)?;
        Ok(facts)
    }

    /// `audit --rescan-notes` (lead and admin: the roles that hold the note key and may audit):
    /// runs the identifier detector over every note and records its findings, signed, in the
    /// log (contact ids and kinds only), so that an auditor's `pii` check reads today's
    /// detector. Returns (notes scanned, notes with identifiers).
    pub fn rescan_notes(&mut self) -> Result<(u64, usize)> {
        self.0.require(Permission::Audit)?;
        if !self.0.keys.holds_notes() {
            return Err(Error::Refused(Msg::AuditorCannotRescan));
        }
        let (keys, units) = (&self.0.keys, &self.0.units);
        let mut scanned = 0u64;
        let mut flagged: Vec<(i64, Vec<crate::pii::IdentifierKind>)> = Vec::new();
        let mut failed = None;
        self.0.store.read()?.scan_envelopes(
            EnvelopeColumn::ContactNote,
            &mut |row, author, env| {
                // A lead rescans their own unit's notes (the only ones they hold a key of).
                let unit = units.of_user(author);
                if !keys.holds_notes_of(unit) {
                    return NEXT;
                }
                let place = Place::ContactNote(row);
                let note = super::open_in_at(keys, unit, place, env).and_then(|plain| {
                    super::contacts::decode_note(&plain)
                        .ok_or_else(|| damaged_value("contacts", row))
                });
                match note {
                    Ok(note) => {
                        scanned += 1;
                        let found = crate::pii::find_identifiers(&note);
                        if !found.is_empty() {
                            flagged.push((row, found));
                        }
                        NEXT
                    }
                    Err(e) => {
                        failed = Some(e);
                        STOP
                    }
                }
            },
        )?;
        if let Some(e) = failed {
            return Err(e);
        }
        let list: Vec<String> = flagged
            .iter()
            .map(|(id, kinds)| {
                let k: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                format!("{id}:{}", k.join(";"))
            })
            .collect();
        let tx = self.0.change()?;
        tx.log(
            Action::NotesRescan,
            "contacts:all",
            &format!(
                "detector={} scanned={scanned} flagged={}",
                crate::pii::DETECTOR_VERSION,
                list.join(",")
            ),
        )?;
        tx.commit()?;
        Ok((scanned, flagged.len()))
    }

    /// Records that the audit ran (and whether it passed), and returns the checkpoint of the
    /// log's new head: the entry just written.
    pub fn log_run(&mut self, ok: bool) -> Result<Checkpoint> {
        let tx = self.0.change()?;
        let row = tx.log_row(
            Action::Audit,
            "database",
            if ok { "ok=true" } else { "ok=false" },
        )?;
        tx.commit()?;
        Ok(Checkpoint::of(&row).expect("an entry just written carries its mark"))
    }

    /// The access and change log (roles auditor and admin; the viewing is itself logged).
    pub fn access_log(&mut self, filter: &AccessFilter) -> Result<Vec<AccessEntry>> {
        self.0.require(Permission::AccessLog)?;
        let users = self.0.store.read()?.users()?;
        let names: HashMap<i64, String> = users.iter().map(|u| (u.id, u.name.clone())).collect();
        let wanted_user = match &filter.user {
            None => None,
            Some(name) => Some(
                users
                    .iter()
                    .find(|u| &u.name == name)
                    .map(|u| u.id)
                    .ok_or_else(|| {
                        Error::Input(Msg::NoSuchUser {
                            name: name.to_string(),
                        })
                    })?,
            ),
        };
        let from = filter.from.as_deref().map(date_number).unwrap_or(i32::MIN);
        let to = filter.to.as_deref().map(date_number).unwrap_or(i32::MAX);
        let mut out = Vec::new();
        self.0.store.read()?.scan_audit_log(&mut |r| {
            let day = date_number(r.at.get(..10).unwrap_or(""));
            if day < from || day > to {
                return NEXT;
            }
            if wanted_user.is_some() && r.user_id != wanted_user {
                return NEXT;
            }
            // In a city, an auditor reads their own unit's entries (an administrator, whose
            // role is the city's, every entry).
            if self.0.units.several()
                && self.0.user.role != crate::domain::StaffRole::Admin
                && !r.user_id.is_some_and(|u| self.0.own_unit(u))
            {
                return NEXT;
            }
            out.push(AccessEntry {
                seq: r.seq,
                at: r.at,
                user: r.user_id.map(|id| {
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("user:{id}"))
                }),
                action: r.action,
                objects: r.objects,
                detail: open_filters(&self.0.keys, &r.detail),
            });
            NEXT
        })?;
        self.0.log_read(
            Action::AccessLog,
            "audit_log",
            &format!("entries={}", out.len()),
        )?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_compare_as_numbers() {
        assert_eq!(date_number("2024-05-06"), 20240506);
        assert_eq!(date_number("junk"), 0);
        assert!(date_number("2024-05-06") < date_number("2024-12-01"));
    }
}
