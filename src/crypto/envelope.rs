//! The encrypted envelope: `version (1) | key version (4, LE) | nonce (12) | ciphertext | tag (16)`.
//!
//! Associated data binds the ciphertext to the table, column and row it is stored in and to
//! the key version, so a value copied to another row or column no longer authenticates.

use aes_gcm::aead::{Aead, AeadInPlace, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use zeroize::Zeroizing;

use super::CryptoError;

/// The envelope format this build writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;
const HEADER: usize = 1 + 4 + 12;
/// Bytes an envelope adds to its plaintext.
pub const ENVELOPE_OVERHEAD: usize = HEADER + 16;

/// Where a sealed value is stored. These are the only spellings of associated data: a value
/// sealed for one place does not open at another, so a ciphertext copied to another row, column
/// or table no longer authenticates.
///
/// The names each place maps to (see [`Place::names`]) are part of every stored envelope's
/// associated data: they must never change, or every value sealed before stops opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// A contact's categories (`contacts.attributes`), by contact id.
    ContactAttributes(i64),
    /// A contact's note (`contacts.note`), by contact id.
    ContactNote(i64),
    /// A field night's kind, district and staff count (`field_nights.details`), by night id.
    FieldNightDetails(i64),
    /// A project's name, funder and period (`projects.details`), by project id.
    ProjectDetails(i64),
    /// An activity's kind, audience and participants (`activities.details`), by activity id.
    ActivityDetails(i64),
    /// An activity's note (`activities.note`), by activity id: under the notes key.
    ActivityNote(i64),
    /// A user's key slot (`key_slots.wrapped_key`), by user id.
    KeySlot(i64),
    /// The master key sealed to a user's public key (`master_wraps.wrapped_master`), by user id.
    MasterWrap(i64),
    /// The categories key alone sealed to an auditor's public key (`master_wraps`, same
    /// column: what an auditor's wrap holds), by user id.
    CategoryWrap(i64),
    /// The master key sealed to the recovery key (`recovery_keys.wrapped_master`), by its id.
    RecoveryWrap(i64),
    /// An earlier key version's pseudonym key (`pseudonym_keys.sealed_key`), by version.
    PseudonymKey(u32),
    /// A user's slot in the key file beside the database, by the first 8 bytes of its
    /// name-derived salt (the slot is bound to the user name without naming it).
    FileSlot(i64),
    /// The database's page key sealed to a user's or the recovery key's public key, in the
    /// key file.
    FilePageKey,
    /// The filters of a statistics run, in its log entry (they hold category values).
    LogFilters,
    /// The cell key secret (`meta.cellkey_secret`): under the categories key.
    CellKeySecret,
}

impl Place {
    /// (table, column, row) as stored; frozen (see the type's documentation).
    pub fn names(self) -> (&'static str, &'static str, i64) {
        match self {
            Place::ContactAttributes(id) => ("contacts", "attributes", id),
            Place::ContactNote(id) => ("contacts", "note", id),
            Place::FieldNightDetails(id) => ("field_nights", "details", id),
            Place::ProjectDetails(id) => ("projects", "details", id),
            Place::ActivityDetails(id) => ("activities", "details", id),
            Place::ActivityNote(id) => ("activities", "note", id),
            Place::KeySlot(id) => ("key_slots", "wrapped_key", id),
            Place::MasterWrap(id) => ("master_wraps", "wrapped_master", id),
            Place::CategoryWrap(id) => ("master_wraps", "wrapped_categories", id),
            Place::RecoveryWrap(id) => ("recovery_keys", "wrapped_master", id),
            Place::PseudonymKey(version) => ("pseudonym_keys", "sealed_key", i64::from(version)),
            Place::FileSlot(row) => ("key_file", "slot", row),
            Place::FilePageKey => ("key_file", "page_key", 0),
            Place::LogFilters => ("audit_log", "filters", 0),
            Place::CellKeySecret => ("meta", "cellkey_secret", 0),
        }
    }

    /// The row id of the place.
    pub fn row(self) -> i64 {
        self.names().2
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (table, column, row) = self.names();
        write!(f, "{table} record {row} ({column})")
    }
}

/// The associated data of a place: private to the crypto module, built only from a [`Place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AssociatedData {
    table: &'static str,
    column: &'static str,
    row_id: i64,
}

impl From<Place> for AssociatedData {
    fn from(place: Place) -> Self {
        let (table, column, row_id) = place.names();
        debug_assert!(table.len() <= NAME_MAX && column.len() <= NAME_MAX);
        AssociatedData {
            table,
            column,
            row_id,
        }
    }
}

impl AssociatedData {
    /// The bytes authenticated with the value: a fixed prefix, table, column, row id and key
    /// version, each unambiguously delimited.
    fn bytes(&self, key_version: u32) -> AdBytes {
        let mut out = AdBytes {
            buf: [0; AD_MAX],
            len: 0,
        };
        for part in [
            &b"uppsok/ad/1\0"[..],
            self.table.as_bytes(),
            b"\0",
            self.column.as_bytes(),
            b"\0",
            &self.row_id.to_le_bytes(),
            &key_version.to_le_bytes(),
        ] {
            out.buf[out.len..out.len + part.len()].copy_from_slice(part);
            out.len += part.len();
        }
        out
    }
}

const NAME_MAX: usize = 24;
const AD_MAX: usize = 12 + NAME_MAX + 1 + NAME_MAX + 1 + 8 + 4;

/// Associated data on the stack: built for every value, so no allocation.
struct AdBytes {
    buf: [u8; AD_MAX],
    len: usize,
}

impl std::ops::Deref for AdBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

pub(super) fn seal(
    cipher: &Aes256Gcm,
    key_version: u32,
    ad: &AssociatedData,
    plain: &[u8],
) -> Vec<u8> {
    let mut nonce = [0u8; 12];
    // A fresh random nonce from the thread's CSPRNG (ChaCha, seeded and periodically reseeded
    // from the operating system): 2^-32 collision odds only after 2^32 values per key.
    rand::thread_rng().fill_bytes(&mut nonce);
    let aad = ad.bytes(key_version);
    // Encrypted where it is stored (no second buffer of ciphertext to copy from).
    let mut out = Vec::with_capacity(ENVELOPE_OVERHEAD + plain.len());
    out.push(ENVELOPE_VERSION);
    out.extend_from_slice(&key_version.to_le_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plain);
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut out[HEADER..])
        .expect("AES-GCM encryption of an in-memory value cannot fail");
    out.extend_from_slice(&tag);
    out
}

/// The key version an envelope claims, if it is an envelope at all.
pub fn key_version(envelope: &[u8]) -> Option<u32> {
    if envelope.len() < ENVELOPE_OVERHEAD || envelope[0] != ENVELOPE_VERSION {
        return None;
    }
    Some(u32::from_le_bytes(envelope[1..5].try_into().ok()?))
}

/// The nonce of an envelope, if it is an envelope at all (the audit looks for reuse).
pub fn nonce(envelope: &[u8]) -> Option<[u8; 12]> {
    key_version(envelope)?;
    envelope[5..HEADER].try_into().ok()
}

pub(super) fn open(
    cipher: &Aes256Gcm,
    ad: &AssociatedData,
    envelope: &[u8],
) -> Result<(u32, Zeroizing<Vec<u8>>), CryptoError> {
    let version = key_version(envelope).ok_or(CryptoError::Malformed)?;
    let aad = ad.bytes(version);
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&envelope[5..HEADER]),
            Payload {
                msg: &envelope[HEADER..],
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Authentication)?;
    Ok((version, Zeroizing::new(plain)))
}
