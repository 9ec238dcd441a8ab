//! The cell key secret (`crypto::CellKeySecret`): the one secret every record key of the cell
//! key method derives from. Stored sealed under the categories key in `meta.cellkey_secret`
//! (hex of the envelope).
//!
//! - **Made** by `init` in its transaction, by `upgrade` (from formats 1 and 2), and, in a
//!   database of this format made before the cell key method, at the next sign-in of a role
//!   that writes contacts (outreach, lead, admin), in a transaction of its own with a
//!   `cellkey_create` entry. Until then keyed statistics are refused ([`open_record_keys`]);
//!   every other figure is counted as before.
//! - **Never replaced**: a rekey (and so `user disable`, `purge`, the upgrade's rekey) re-seals
//!   the same secret under the new categories key, so that every cell is perturbed the same way
//!   before and after.
//! - **Committed**: the entry that makes it and every snapshot carry `cellkey=H`, a hash of the
//!   plaintext (`audit_log::verify_cellkey` checks them all against `meta`).

use super::*;
use crate::audit_log::CellKeyState;
use crate::crypto::{hex_bytes, CellKeySecret, RecordKeys};

/// The `meta` key the sealed secret is kept under.
pub(super) const META_KEY: &str = "cellkey_secret";

fn not_authentic(error: String) -> Error {
    Error::Failed(Msg::ValueNotAuthentic {
        table: "meta",
        id: 0,
        error,
    })
}

/// The secret, opened; `None` when the database has none. A value that does not open is an
/// error naming `meta` (never the value).
pub(super) fn open_secret<R: Reads + ?Sized>(
    reads: &R,
    keys: &Keys,
) -> Result<Option<CellKeySecret>> {
    let Some(stored) = reads.meta(META_KEY)? else {
        return Ok(None);
    };
    let envelope =
        hex_bytes(&stored).ok_or_else(|| not_authentic(CryptoError::Malformed.to_string()))?;
    keys.open_cell_key_secret(&envelope)
        .map(Some)
        .map_err(|e| not_authentic(e.to_string()))
}

/// The secret as the audit finds it.
pub(super) fn state<R: Reads + ?Sized>(reads: &R, keys: &Keys) -> Result<CellKeyState> {
    if reads.meta(META_KEY)?.is_none() {
        return Ok(CellKeyState::Absent);
    }
    Ok(match open_secret(reads, keys) {
        Ok(Some(s)) => CellKeyState::Opened(s.commitment()),
        Ok(None) => CellKeyState::Absent,
        Err(_) => CellKeyState::NotAuthentic,
    })
}

/// A snapshot's commitment to the secret (`cellkey=H`), or none when the database holds none.
pub(super) fn snapshot_detail<R: Reads + ?Sized>(reads: &R, keys: &Keys) -> Result<Option<String>> {
    Ok(open_secret(reads, keys)?.map(|s| audit_log::cellkey_detail(&s.commitment())))
}

/// Makes a new secret and stores it sealed, in the caller's transaction; returns the entry's
/// commitment to it (`cellkey=H`), which the caller logs in the same transaction.
pub(super) fn create(tx: &dyn Transaction, keys: &Keys) -> Result<String> {
    let secret = CellKeySecret::generate();
    let sealed = keys.seal_cell_key_secret(&secret).map_err(not_held)?;
    tx.set_meta(META_KEY, &crate::crypto::pseudonym_hex(&sealed))?;
    Ok(audit_log::cellkey_detail(&secret.commitment()))
}

/// The same secret re-sealed under `new` (a rekey), if there is one.
pub(super) fn reseal(tx: &dyn Transaction, old: &Keys, new: &Keys) -> Result<()> {
    if let Some(secret) = open_secret(tx, old)? {
        let sealed = new.seal_cell_key_secret(&secret).map_err(not_held)?;
        tx.set_meta(META_KEY, &crate::crypto::pseudonym_hex(&sealed))?;
    }
    Ok(())
}

/// Whether any entry of the log has committed to a secret (one made once must not be made
/// anew: that would replace it).
fn ever_committed<R: Reads + ?Sized>(reads: &R) -> Result<bool> {
    let mut found = false;
    reads.scan_audit_log(&mut |r| {
        if r.detail.split(' ').any(|t| t.starts_with("cellkey=")) {
            found = true;
            STOP
        } else {
            NEXT
        }
    })?;
    Ok(found)
}

/// The record keys of the database's secret, for keyed statistics. Refused, with what to do,
/// when the database has none yet.
pub(super) fn open_record_keys(reads: &dyn Reads, keys: &Keys) -> Result<RecordKeys> {
    Ok(required_secret(reads, keys)?.record_keys())
}

/// The secret, or the refusal of a database that has none yet.
pub(super) fn required_secret(reads: &dyn Reads, keys: &Keys) -> Result<CellKeySecret> {
    open_secret(reads, keys)?.ok_or(Error::Refused(Msg::NoCellKeySecret))
}

impl Vault {
    /// At sign-in: a database of this format made before the cell key method gets its secret
    /// from the first role that writes contacts, in a transaction of its own, with a
    /// `cellkey_create` entry that commits to it. Nothing happens when it has one, for other
    /// roles, or when the log already committed to one (then it was removed outside uppsok:
    /// the audit names it, and making another would hide that).
    pub(super) fn ensure_cell_key_secret(&mut self) -> Result<()> {
        if !Permission::WriteContacts.allowed(self.user.role)
            || self.store.read()?.meta(META_KEY)?.is_some()
        {
            return Ok(());
        }
        let tx = self.change()?;
        // Checked again inside the write transaction: another process may have made it.
        if tx.meta(META_KEY)?.is_some() || ever_committed(&*tx)? {
            return Ok(());
        }
        let detail = create(&*tx, tx.keys)?;
        tx.log(Action::CellKeyCreate, "meta:cellkey_secret", &detail)?;
        tx.commit()
    }
}
