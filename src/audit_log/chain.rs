//! The chain: appending an entry (its MAC covers the one before it), the sealed head of the
//! log, and verifying the whole chain.

use super::entries::{entry_bytes, Action};
use crate::crypto::Keys;
use crate::storage::prelude::*;
use crate::storage::AuditRow;

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
    let at = crate::domain::now_timestamp();
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
