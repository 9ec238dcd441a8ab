//! Keys and ciphers: the only module that touches key material.
//!
//! The hierarchy (docs/security.md): a random 256-bit data master key per database; each user's
//! key slot wraps it under a key derived from their passphrase with Argon2id; HKDF-SHA256 derives
//! from the master key a field-encryption key (AES-256-GCM), a pseudonym key (HMAC-SHA256), an
//! audit-log MAC key and a record MAC key. Every secret lives in a zeroizing type and no type
//! here prints a byte of one.

mod envelope;
mod kdf;
mod keyfile;
mod signing;
mod slots;

use envelope::AssociatedData;
pub use envelope::{key_version, nonce, Place, ENVELOPE_OVERHEAD, ENVELOPE_VERSION};
pub use kdf::{KdfParams, Passphrase};
pub use keyfile::{
    KeyFile, KeyFileError, OpenedSlot as OpenedFileSlot, PageKey, SlotSettings, MAX_KEY_FILE_BYTES,
};
pub use signing::{parse_public_hex, public_hex, verify, Signer, SIGNATURE_LEN};
pub use slots::{RecoveryKey, RecoveryKeyError, UserSecret};

use std::fmt;

use aes_gcm::aead::KeyInit;
use aes_gcm::Aes256Gcm;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// Why a cryptographic operation failed. Carries no secret and no plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The ciphertext does not authenticate: wrong key, tampered bytes, or moved to another
    /// row or column.
    #[error("a value does not authenticate (wrong key, changed bytes, or moved to another place)")]
    Authentication,
    /// The bytes are not an envelope this version understands.
    #[error("a value is not a valid encrypted envelope")]
    Malformed,
    /// Argon2 refused the parameters.
    #[error("the key-derivation parameters are not usable")]
    KdfParams,
    /// The machine could not give the memory the key derivation asks for.
    #[error("the key derivation needs more memory than this computer can give")]
    OutOfMemory,
}

/// The data master key of one database. 32 random bytes, zeroized on drop.
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
    version: u32,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(version {}, <redacted>)", self.version)
    }
}

impl MasterKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate(version: u32) -> MasterKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        MasterKey { bytes, version }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// Wraps this key directly under the passphrase-derived key, bound to the slot's user id:
    /// the key slots of databases made before the X25519 wraps (which `unwrap` still opens, to
    /// upgrade them). Only tests make such slots now. Returns (salt, envelope).
    #[cfg(test)]
    pub fn wrap(
        &self,
        passphrase: &Passphrase,
        params: KdfParams,
        user_id: i64,
    ) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let ad = AssociatedData::from(Place::KeySlot(user_id));
        kdf::seal_under_passphrase(passphrase, params, &ad, self.version, self.bytes.as_ref())
    }

    /// Opens a key slot. A wrong passphrase and a tampered slot both give `Authentication`.
    pub fn unwrap(
        passphrase: &Passphrase,
        params: KdfParams,
        salt: &[u8],
        wrapped: &[u8],
        user_id: i64,
    ) -> Result<MasterKey, CryptoError> {
        let ad = AssociatedData::from(Place::KeySlot(user_id));
        let (version, plain) = kdf::open_under_passphrase(passphrase, params, salt, wrapped, &ad)?;
        if plain.len() != 32 {
            return Err(CryptoError::Malformed);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&plain);
        Ok(MasterKey { bytes, version })
    }

    /// The working keys derived from this master key.
    pub fn derive(&self) -> Keys {
        let hk = Hkdf::<Sha256>::new(Some(b"uppsok key hierarchy v1"), self.bytes.as_ref());
        let sub = |info: &[u8]| {
            let mut okm = Zeroizing::new([0u8; 32]);
            hk.expand(info, okm.as_mut())
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            okm
        };
        let field_key = sub(b"field encryption");
        Keys {
            version: self.version,
            field: Aes256Gcm::new_from_slice(field_key.as_ref())
                .expect("32 bytes is a valid AES-256 key"),
            pseudonym: sub(b"pseudonyms"),
            chain: Vec::new(),
            audit: sub(b"audit log mac"),
            record: sub(b"record mac"),
        }
    }
}

/// The working keys of an unlocked database.
pub struct Keys {
    version: u32,
    field: Aes256Gcm,
    pseudonym: Zeroizing<[u8; 32]>,
    /// The pseudonym keys of earlier key versions, oldest first (empty until a rekey).
    chain: Vec<Zeroizing<[u8; 32]>>,
    audit: Zeroizing<[u8; 32]>,
    record: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keys(version {}, <redacted>)", self.version)
    }
}

/// A keyed pseudonym: HMAC-SHA256 of normalised code material.
pub type Pseudonym = [u8; 32];

/// The pseudonym text written to exports: 64 lower-case hex digits.
pub fn pseudonym_hex(p: &[u8]) -> String {
    p.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a pseudonym written by [`pseudonym_hex`]: exactly 64 lower-case hex digits, else
/// `None`.
pub fn parse_pseudonym_hex(s: &[u8]) -> Option<Pseudonym> {
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

impl Keys {
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Encrypts one value with a fresh random nonce, bound to where it will be stored.
    pub fn seal(&self, place: Place, plaintext: &[u8]) -> Vec<u8> {
        envelope::seal(&self.field, self.version, &place.into(), plaintext)
    }

    /// Decrypts one value; fails unless it was sealed with this key for exactly this place.
    pub fn open(&self, place: Place, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (version, plain) = envelope::open(&self.field, &place.into(), envelope)?;
        if version != self.version {
            return Err(CryptoError::Authentication);
        }
        Ok(plain)
    }

    /// The keyed pseudonym of normalised code material. After rekeys it is keyed through the
    /// chain of every earlier version's pseudonym key, oldest first, then this version's:
    /// exactly what a rekey did to the stored pseudonyms.
    pub fn pseudonym(&self, normalised_code: &[u8]) -> Pseudonym {
        let mut keys = self.chain.iter().chain(std::iter::once(&self.pseudonym));
        let first = keys.next().expect("the current key is always there");
        let mut p = hmac(first.as_ref(), &[normalised_code]);
        for k in keys {
            p = hmac(k.as_ref(), &[&p]);
        }
        p
    }

    /// A link of the audit-log chain: HMAC(audit key, previous link || entry).
    pub fn audit_mac(&self, previous: &[u8], entry: &[u8]) -> [u8; 32] {
        hmac(self.audit.as_ref(), &[previous, entry])
    }

    /// A MAC over a record kept in the clear (a user's name, role and state).
    pub fn record_mac(&self, record: &[u8]) -> [u8; 32] {
        hmac(self.record.as_ref(), &[record])
    }

    /// Compares a MAC in constant time.
    pub fn verify_record_mac(&self, record: &[u8], mac: &[u8]) -> bool {
        verify_hmac(self.record.as_ref(), &[record], mac)
    }

    /// Compares an audit-chain link in constant time.
    pub fn verify_audit_mac(&self, previous: &[u8], entry: &[u8], mac: &[u8]) -> bool {
        verify_hmac(self.audit.as_ref(), &[previous, entry], mac)
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn verify_hmac(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for p in parts {
        m.update(p);
    }
    m.verify_slice(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        MasterKey::generate(1).derive()
    }

    #[test]
    fn a_value_opens_only_where_it_was_sealed() {
        let k = keys();
        let here = Place::ContactNote(7);
        let env = k.seal(here, b"hello");
        assert_eq!(&k.open(here, &env).unwrap()[..], b"hello");
        for other in [
            Place::ContactNote(8),
            Place::ContactAttributes(7),
            Place::FieldNightDetails(7),
            Place::KeySlot(7),
            Place::MasterWrap(7),
            Place::RecoveryWrap(7),
            Place::PseudonymKey(7),
        ] {
            assert_eq!(k.open(other, &env), Err(CryptoError::Authentication));
        }
        for i in 0..env.len() {
            let mut flipped = env.clone();
            flipped[i] ^= 0x01;
            assert!(k.open(here, &flipped).is_err(), "byte {i}");
        }
        assert!(keys().open(here, &env).is_err(), "another key");
    }

    #[test]
    fn every_place_has_its_own_frozen_associated_data() {
        // These spellings are inside every stored envelope: changing one breaks old files.
        let all = [
            (Place::ContactAttributes(1), ("contacts", "attributes", 1)),
            (Place::ContactNote(1), ("contacts", "note", 1)),
            (Place::FieldNightDetails(1), ("field_nights", "details", 1)),
            (Place::KeySlot(1), ("key_slots", "wrapped_key", 1)),
            (Place::MasterWrap(1), ("master_wraps", "wrapped_master", 1)),
            (
                Place::RecoveryWrap(1),
                ("recovery_keys", "wrapped_master", 1),
            ),
            (Place::PseudonymKey(1), ("pseudonym_keys", "sealed_key", 1)),
        ];
        for (place, names) in all {
            assert_eq!(place.names(), names);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let k = keys();
        let place = Place::ContactNote(1);
        assert_ne!(k.seal(place, b"same"), k.seal(place, b"same"));
    }

    #[test]
    fn key_slots_open_with_the_right_passphrase_only() {
        let mk = MasterKey::generate(3);
        let p = KdfParams::for_tests();
        let (salt, wrapped) = mk
            .wrap(&Passphrase::new("right horse".into()), p, 5)
            .unwrap();
        let back = MasterKey::unwrap(
            &Passphrase::new("right horse".into()),
            p,
            &salt,
            &wrapped,
            5,
        )
        .unwrap();
        assert_eq!(back.version(), 3);
        assert_eq!(
            back.derive().pseudonym(b"ab85"),
            mk.derive().pseudonym(b"ab85")
        );
        assert!(MasterKey::unwrap(
            &Passphrase::new("wrong horse".into()),
            p,
            &salt,
            &wrapped,
            5
        )
        .is_err());
        assert!(
            MasterKey::unwrap(
                &Passphrase::new("right horse".into()),
                p,
                &salt,
                &wrapped,
                6
            )
            .is_err(),
            "a slot moved to another user does not open"
        );
    }

    #[test]
    fn pseudonyms_are_keyed() {
        let (a, b) = (keys(), keys());
        assert_eq!(a.pseudonym(b"ab85"), a.pseudonym(b"ab85"));
        assert_ne!(a.pseudonym(b"ab85"), b.pseudonym(b"ab85"));
        use sha2::Digest;
        let plain: [u8; 32] = Sha256::digest(b"ab85").into();
        assert_ne!(a.pseudonym(b"ab85"), plain);
    }

    #[test]
    fn debug_output_shows_no_key_bytes() {
        let mk = MasterKey::generate(1);
        assert_eq!(format!("{mk:?}"), "MasterKey(version 1, <redacted>)");
        assert_eq!(format!("{:?}", mk.derive()), "Keys(version 1, <redacted>)");
    }
}
