//! The access and change log: what happened, when, by whom, to which record ids; never a code,
//! a note or a category value. Each entry's MAC chains it to the one before it:
//! `mac_n = HMAC(audit key, mac_{n-1} || entry_n)`, with 32 zero bytes before the first, so an
//! entry edited, removed or reordered behind uppsok's back breaks the chain.

use crate::crypto::Keys;
use crate::storage::prelude::*;
use crate::storage::AuditRow;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Init,
    UserAdd,
    UserDisable,
    Passwd,
    ContactAdd,
    Import,
    IdentifierOverride,
    FieldNightAdd,
    Export,
    Stats,
    Backup,
    Refused,
    Rekey,
    Forget,
    Purge,
    Recover,
    RecoveryKey,
    KeySlotUpgrade,
    Audit,
    AccessLog,
    Estimate,
    Report,
    /// The interface showed a person's contacts with notes, or one contact to edit.
    PersonView,
    ContactEdit,
    ContactDelete,
    PersonMerge,
    PersonUnmerge,
    /// A user signed in to the terminal interface (commands log their own action instead).
    Unlock,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Init => "init",
            Action::UserAdd => "user_add",
            Action::UserDisable => "user_disable",
            Action::Passwd => "passwd",
            Action::ContactAdd => "contact_add",
            Action::Import => "import",
            Action::IdentifierOverride => "identifier_override",
            Action::FieldNightAdd => "field_night_add",
            Action::Export => "export",
            Action::Stats => "stats",
            Action::Backup => "backup",
            Action::Refused => "refused",
            Action::Rekey => "rekey",
            Action::Forget => "forget",
            Action::Purge => "purge",
            Action::Recover => "recover",
            Action::RecoveryKey => "recovery_key",
            Action::KeySlotUpgrade => "key_slot_upgrade",
            Action::Audit => "audit",
            Action::AccessLog => "access_log",
            Action::Estimate => "estimate",
            Action::Report => "report",
            Action::PersonView => "person_view",
            Action::ContactEdit => "contact_edit",
            Action::ContactDelete => "contact_delete",
            Action::PersonMerge => "person_merge",
            Action::PersonUnmerge => "person_unmerge",
            Action::Unlock => "unlock",
        }
    }
}

/// The bytes an entry's MAC covers: every field, length-prefixed so that none can bleed into
/// another.
pub fn entry_bytes(
    seq: i64,
    at: &str,
    user_id: Option<i64>,
    action: &str,
    objects: &str,
    detail: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + objects.len() + detail.len());
    out.extend_from_slice(b"uppsok/audit/1");
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&user_id.unwrap_or(-1).to_le_bytes());
    for field in [at, action, objects, detail] {
        out.extend_from_slice(&(field.len() as u64).to_le_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// Appends an entry inside the caller's transaction, so it commits or rolls back with the
/// change it records.
pub fn append(
    tx: &dyn Transaction,
    keys: &Keys,
    user_id: Option<i64>,
    action: Action,
    objects: &str,
    detail: &str,
) -> crate::storage::Result<i64> {
    let (seq, previous) = match tx.audit_head()? {
        Some((seq, mac)) => (seq + 1, mac),
        None => (1, vec![0u8; 32]),
    };
    let at = crate::vault::now_timestamp();
    let entry = entry_bytes(seq, &at, user_id, action.as_str(), objects, detail);
    let mac = keys.audit_mac(&previous, &entry).to_vec();
    tx.insert_audit(&AuditRow {
        seq,
        at,
        user_id,
        action: action.as_str().to_string(),
        objects: objects.to_string(),
        detail: detail.to_string(),
        mac: mac.clone(),
    })?;
    // The sealed head: a log cut at the end no longer matches it (see `head_seal`).
    tx.set_meta(HEAD_META_KEY, &head_seal(keys, seq, &mac))?;
    Ok(seq)
}

/// The meta key under which [`append`] keeps the sealed head of the log.
pub const HEAD_META_KEY: &str = "audit_head";

/// The sealed head of the log: `SEQ:HEX` with HEX = HMAC(audit key, "uppsok/audit-head/1" ||
/// seq || mac of that entry). Written with every entry, so deleting entries from the end
/// leaves a head that no longer matches the last entry, and only someone with the key can
/// seal an older head. It does not catch the whole file rolled back to an older copy (its
/// head is consistent): checkpoints (`uppsok audit --checkpoint`) are for that.
pub fn head_seal(keys: &Keys, seq: i64, mac: &[u8]) -> String {
    let mut entry = seq.to_le_bytes().to_vec();
    entry.extend_from_slice(mac);
    let seal = keys.audit_mac(b"uppsok/audit-head/1", &entry);
    let hex: String = seal.iter().map(|b| format!("{b:02x}")).collect();
    format!("{seq}:{hex}")
}

/// Actions whose entries create contacts: their objects (`contact:ID`, `contacts:FIRST-LAST`)
/// name the contacts they created. The audit's `audit_log` check requires every existing
/// contact to be named by one of these.
pub fn creates_contacts(action: &str) -> bool {
    matches!(action, "contact_add" | "import")
}

/// THE CONVENTION FOR DELETIONS (read by the audit's `audit_log` check): an action listed here
/// deletes every contact its entry's objects name (`contact:ID` or `contacts:FIRST-LAST`,
/// comma-separated), and the entry is appended in the transaction that deletes them. A contact
/// that was logged as created must either still exist or be named by one of these actions;
/// if it exists, it must not be named by one. So whoever adds an action that removes contacts
/// (`forget`, a deletion in the interface, a merge that drops rows, ...) adds its name here and
/// names the removed contacts' ids in its objects, never a code or a note. Actions that only
/// change contacts (edit, purge of note text, rekey) are not listed.
pub fn deletes_contacts(action: &str) -> bool {
    matches!(action, "contact_delete" | "forget")
}

/// Where the chain first breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Sequence numbers are not 1, 2, 3, ...: an entry was removed or inserted.
    Gap { expected: i64, found: i64 },
    /// An entry's MAC does not verify: it was changed, or one before it was.
    BadMac { seq: i64 },
}

/// Verifies the whole chain; returns the number of entries, or where it breaks.
pub fn verify_chain(
    rows: impl IntoIterator<Item = AuditRow>,
    keys: &Keys,
) -> Result<i64, ChainBreak> {
    let mut previous = vec![0u8; 32];
    let mut expected = 1;
    for r in rows {
        if r.seq != expected {
            return Err(ChainBreak::Gap {
                expected,
                found: r.seq,
            });
        }
        let entry = entry_bytes(r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail);
        if !keys.verify_audit_mac(&previous, &entry, &r.mac) {
            return Err(ChainBreak::BadMac { seq: r.seq });
        }
        previous = r.mac;
        expected += 1;
    }
    Ok(expected - 1)
}
