//! Keys and ciphers: the only module that touches key material.
//!
//! The hierarchy (docs/security.md): a random 256-bit data master key per database; each user's
//! key slot wraps it under a key derived from their passphrase with Argon2id; HKDF-SHA256 derives
//! from the master key a field-encryption key (AES-256-GCM), a pseudonym key (HMAC-SHA256), an
//! audit-log MAC key and a record MAC key. Every secret lives in a zeroizing type and no type
//! here prints a byte of one.

mod cellkey;
mod envelope;
mod held;
mod kdf;
mod keyfile;
mod signing;
mod slots;

pub use cellkey::{CellKeySecret, RecordKeys};
use envelope::AssociatedData;
pub use envelope::{key_version, nonce, Place, ENVELOPE_OVERHEAD, ENVELOPE_VERSION};
pub use held::{Held, Share, ShareUnits, UnitCategoryKey, UnitKey};
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
    /// The signed-in role holds no key of this kind (an auditor and notes or codes).
    #[error("this role holds no key for that kind of value")]
    NotHeld,
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

    /// The working keys derived from this master key under `scheme`.
    pub fn derive(&self, scheme: KeyScheme) -> Keys {
        let sub = hkdf_expander(self.bytes.as_ref(), b"uppsok key hierarchy v1");
        match scheme {
            KeyScheme::Shared => {
                let field = sub(b"field encryption");
                Keys {
                    version: self.version,
                    scheme,
                    categories: aes(&field),
                    record: sub(b"record mac"),
                    notes: Some(aes(&field)),
                    pseudonym: Some(sub(b"pseudonyms")),
                    chain: Vec::new(),
                    chain_seal: Some(aes(&field)),
                    audit: Some(sub(b"audit log mac")),
                    units: Vec::new(),
                }
            }
            KeyScheme::PerCapability | KeyScheme::PerUnit => {
                let pseudonym = sub(b"pseudonyms");
                let chain_seal = hkdf_expander(pseudonym.as_ref(), b"uppsok pseudonym chain v1")(
                    b"pseudonym chain",
                );
                let mut keys = self.categories().derive();
                keys.notes = Some(aes(&sub(b"notes")));
                keys.pseudonym = Some(pseudonym);
                keys.chain_seal = Some(aes(&chain_seal));
                keys.scheme = scheme;
                keys
            }
        }
    }

    /// The categories key of this master key (keys per capability): what an auditor holds.
    pub fn categories(&self) -> CategoryKey {
        let sub = hkdf_expander(self.bytes.as_ref(), b"uppsok key hierarchy v1");
        CategoryKey {
            bytes: sub(b"categories"),
            version: self.version,
        }
    }
}

/// How the working keys derive from the master key (`meta.key_scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScheme {
    /// Before keys per capability (formats 1 and 2, and a format-3 database upgraded from them
    /// until its first rekey): one field key for notes and categories, and every role holds
    /// the master key.
    Shared,
    /// Keys per capability: a notes key, a pseudonym key and a categories key; an auditor holds
    /// the categories key only.
    PerCapability,
    /// Keys per capability and per unit (a database of several units): each unit's notes and
    /// categories under the unit's own key (crypto::held).
    PerUnit,
}

impl KeyScheme {
    /// As `meta.key_scheme` stores it; no entry means [`KeyScheme::Shared`].
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScheme::Shared => "1",
            KeyScheme::PerCapability => "2",
            KeyScheme::PerUnit => "3",
        }
    }

    pub fn parse(stored: Option<&str>) -> Option<KeyScheme> {
        match stored {
            None | Some("1") => Some(KeyScheme::Shared),
            Some("2") => Some(KeyScheme::PerCapability),
            Some("3") => Some(KeyScheme::PerUnit),
            Some(_) => None,
        }
    }
}

/// The categories key of one key version: opens and seals categories (contacts' attributes,
/// field nights' details) and makes the record MACs; opens no note and keys no code. 32 bytes,
/// zeroized on drop.
pub struct CategoryKey {
    bytes: Zeroizing<[u8; 32]>,
    version: u32,
}

impl fmt::Debug for CategoryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CategoryKey(version {}, <redacted>)", self.version)
    }
}

impl CategoryKey {
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The working keys of someone who holds this key only: categories and record MACs.
    pub fn derive(&self) -> Keys {
        let sub = hkdf_expander(self.bytes.as_ref(), b"uppsok categories v1");
        Keys {
            version: self.version,
            scheme: KeyScheme::PerCapability,
            categories: aes(&sub(b"category encryption")),
            record: sub(b"record mac"),
            notes: None,
            pseudonym: None,
            chain: Vec::new(),
            chain_seal: None,
            audit: None,
            units: Vec::new(),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    pub(crate) fn from_parts(bytes: &[u8], version: u32) -> Result<CategoryKey, CryptoError> {
        let b: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(CategoryKey {
            bytes: Zeroizing::new(b),
            version,
        })
    }
}

fn hkdf_expander<'a>(ikm: &'a [u8], salt: &'a [u8]) -> impl Fn(&[u8]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    move |info: &[u8]| {
        let mut okm = Zeroizing::new([0u8; 32]);
        hk.expand(info, okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        okm
    }
}

fn aes(key: &Zeroizing<[u8; 32]>) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(key.as_ref()).expect("32 bytes is a valid AES-256 key")
}

/// The working keys of an unlocked database: what the signed-in user's role holds.
pub struct Keys {
    version: u32,
    scheme: KeyScheme,
    /// Seals and opens categories (contacts' attributes, field nights' details).
    categories: Aes256Gcm,
    /// MACs over records kept in the clear (user records, the key file's seal).
    record: Zeroizing<[u8; 32]>,
    /// Seals and opens notes; none for an auditor.
    notes: Option<Aes256Gcm>,
    /// Keys codes; none for an auditor.
    pseudonym: Option<Zeroizing<[u8; 32]>>,
    /// The pseudonym keys of earlier key versions, oldest first (empty until a rekey).
    chain: Vec<Zeroizing<[u8; 32]>>,
    /// Seals the chain (in the database); none for an auditor.
    chain_seal: Option<Aes256Gcm>,
    /// The MAC key of the log before format 3 (shared scheme only; an upgrade verifies it).
    audit: Option<Zeroizing<[u8; 32]>>,
    /// Keys per unit: the ciphers of every unit this role holds something of, by unit (empty
    /// in a database of one unit, whose notes and categories are under the keys above).
    units: Vec<held::UnitCiphers>,
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

/// Reads bytes written as hex digits by [`pseudonym_hex`] (any length): `None` unless every
/// pair is a hex number.
pub fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
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

    pub fn scheme(&self) -> KeyScheme {
        self.scheme
    }

    /// Whether these keys open notes (not an auditor's).
    pub fn holds_notes(&self) -> bool {
        self.notes.is_some()
    }

    /// Whether these keys key codes (not an auditor's).
    pub fn holds_pseudonyms(&self) -> bool {
        self.pseudonym.is_some()
    }

    /// Keys per unit from here on, with these units' ciphers.
    fn set_units(&mut self, units: Vec<held::UnitCiphers>) {
        self.scheme = KeyScheme::PerUnit;
        self.units = units;
    }

    /// Whether these keys open a unit's notes (or, in a database of one unit, any notes).
    pub fn holds_notes_of(&self, unit: i64) -> bool {
        match self.scheme {
            KeyScheme::PerUnit => self
                .units
                .iter()
                .any(|u| u.unit == unit && u.notes.is_some()),
            _ => self.notes.is_some(),
        }
    }

    /// Whether these keys open a unit's categories (or, in a database of one unit, any).
    pub fn holds_categories_of(&self, unit: i64) -> bool {
        match self.scheme {
            KeyScheme::PerUnit => self.units.iter().any(|u| u.unit == unit),
            _ => true,
        }
    }

    /// Whether a place belongs to a unit (keys per unit seal it under the unit's key): a
    /// contact's note and categories, a field night's details, an activity's details and note.
    fn of_a_unit(place: Place) -> bool {
        matches!(
            place,
            Place::ContactNote(_)
                | Place::ContactAttributes(_)
                | Place::FieldNightDetails(_)
                | Place::ActivityDetails(_)
                | Place::ActivityNote(_)
        )
    }

    /// The cipher of a place of `unit` (under keys per unit: that unit's; else the database's).
    fn cipher_in(&self, unit: Option<i64>, place: Place) -> Result<&Aes256Gcm, CryptoError> {
        if self.scheme != KeyScheme::PerUnit || !Self::of_a_unit(place) {
            return self.cipher(place);
        }
        // A unit's place is never sealed under the city's keys, nor opened without its unit.
        let held = unit
            .and_then(|unit| self.units.iter().find(|u| u.unit == unit))
            .ok_or(CryptoError::NotHeld)?;
        match place {
            Place::ContactNote(_) | Place::ActivityNote(_) => {
                held.notes.as_ref().ok_or(CryptoError::NotHeld)
            }
            _ => Ok(&held.categories),
        }
    }

    /// Encrypts one value of a unit's (see [`Keys::seal`]): under keys per unit with the unit's
    /// key, `NotHeld` if this role holds none of the unit's keys of its kind.
    pub fn seal_in(
        &self,
        unit: i64,
        place: Place,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        Ok(envelope::seal(
            self.cipher_in(Some(unit), place)?,
            self.version,
            &place.into(),
            plaintext,
        ))
    }

    /// Decrypts one value of a unit's (see [`Keys::open`]).
    pub fn open_in(
        &self,
        unit: i64,
        place: Place,
        envelope: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (version, plain) =
            envelope::open(self.cipher_in(Some(unit), place)?, &place.into(), envelope)?;
        if version != self.version {
            return Err(CryptoError::Authentication);
        }
        Ok(plain)
    }

    /// The cipher of a place, if these keys hold it.
    fn cipher(&self, place: Place) -> Result<&Aes256Gcm, CryptoError> {
        if self.scheme == KeyScheme::PerUnit && Self::of_a_unit(place) {
            return self.cipher_in(None, place);
        }
        match place {
            Place::ContactNote(_) | Place::ActivityNote(_) => {
                self.notes.as_ref().ok_or(CryptoError::NotHeld)
            }
            Place::PseudonymKey(_) => self.chain_seal.as_ref().ok_or(CryptoError::NotHeld),
            _ => Ok(&self.categories),
        }
    }

    /// Encrypts one value with a fresh random nonce, bound to where it will be stored, under
    /// the key of its kind (notes, categories). `NotHeld` if the role holds no such key.
    pub fn seal(&self, place: Place, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(envelope::seal(
            self.cipher(place)?,
            self.version,
            &place.into(),
            plaintext,
        ))
    }

    /// Decrypts one value; fails unless it was sealed with this key for exactly this place
    /// (`NotHeld` if the role holds no key of its kind).
    pub fn open(&self, place: Place, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (version, plain) = envelope::open(self.cipher(place)?, &place.into(), envelope)?;
        if version != self.version {
            return Err(CryptoError::Authentication);
        }
        Ok(plain)
    }

    /// Seals the cell key secret for `meta.cellkey_secret`, under the categories key (every
    /// role holds it).
    pub fn seal_cell_key_secret(&self, secret: &CellKeySecret) -> Result<Vec<u8>, CryptoError> {
        self.seal(Place::CellKeySecret, secret.expose())
    }

    /// Opens the cell key secret from `meta.cellkey_secret`; `Malformed` if it is not 32
    /// bytes.
    pub fn open_cell_key_secret(&self, envelope: &[u8]) -> Result<CellKeySecret, CryptoError> {
        CellKeySecret::from_bytes(&self.open(Place::CellKeySecret, envelope)?)
    }

    /// The keyed pseudonym of normalised code material. After rekeys it is keyed through the
    /// chain of every earlier version's pseudonym key, oldest first, then this version's:
    /// exactly what a rekey did to the stored pseudonyms. `NotHeld` for an auditor.
    pub fn pseudonym(&self, normalised_code: &[u8]) -> Result<Pseudonym, CryptoError> {
        let current = self.pseudonym.as_ref().ok_or(CryptoError::NotHeld)?;
        let mut keys = self.chain.iter().chain(std::iter::once(current));
        let first = keys.next().expect("the current key is always there");
        let mut p = hmac(first.as_ref(), &[normalised_code]);
        for k in keys {
            p = hmac(k.as_ref(), &[&p]);
        }
        Ok(p)
    }

    /// What keys codes as [`Keys::pseudonym`] does, the first key's HMAC made ready once (an
    /// import keys a million codes): half the SHA-256 blocks a code costs. `NotHeld` for an
    /// auditor.
    pub fn pseudonymiser(&self) -> Result<Pseudonymiser, CryptoError> {
        let current = self.pseudonym.as_ref().ok_or(CryptoError::NotHeld)?;
        let mut keys = self.chain.iter().chain(std::iter::once(current));
        let first = keys.next().expect("the current key is always there");
        Ok(Pseudonymiser {
            first: KeyedHmac::new(first),
            rest: keys.cloned().collect(),
        })
    }

    /// How the log names a person: 16 hex digits keyed under this key version's record key,
    /// never the person's id. Every role can make it (to tell which entries name the same
    /// person), and every rekey changes it, so that a key someone kept (a former user) gives no
    /// handle on the persons a later log names.
    pub fn person_handle(&self, person_id: i64) -> String {
        let mac = hmac(
            self.record.as_ref(),
            &[b"uppsok/person-handle/1", &person_id.to_le_bytes()],
        );
        pseudonym_hex(&mac[..8])
    }

    /// A MAC over a record kept in the clear (a user's name, role and state).
    pub fn record_mac(&self, record: &[u8]) -> [u8; 32] {
        hmac(self.record.as_ref(), &[record])
    }

    /// Compares a MAC in constant time.
    pub fn verify_record_mac(&self, record: &[u8], mac: &[u8]) -> bool {
        verify_hmac(self.record.as_ref(), &[record], mac)
    }

    /// Compares a link of a log from before format 3 in constant time; false without that key.
    pub fn verify_audit_mac(&self, previous: &[u8], entry: &[u8], mac: &[u8]) -> bool {
        match &self.audit {
            Some(k) => verify_hmac(k.as_ref(), &[previous, entry], mac),
            None => false,
        }
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Keys codes into pseudonyms ([`Keys::pseudonymiser`]). Holds key material: zeroized on
/// drop, never printed.
pub struct Pseudonymiser {
    first: KeyedHmac,
    rest: Vec<Zeroizing<[u8; 32]>>,
}

impl Pseudonymiser {
    /// The keyed pseudonym of normalised code material: [`Keys::pseudonym`]'s.
    pub fn pseudonym(&self, normalised_code: &[u8]) -> Pseudonym {
        let mut p = self.first.mac(normalised_code);
        for k in &self.rest {
            p = hmac(k.as_ref(), &[&p]);
        }
        p
    }
}

/// HMAC-SHA256 (RFC 2104) under one 32-byte key, with the key's two padded blocks compressed
/// once: the states after `key XOR ipad` and `key XOR opad`, in zeroizing memory (they key
/// MACs as the key itself does).
struct KeyedHmac {
    inner: Zeroizing<[u32; 8]>,
    outer: Zeroizing<[u32; 8]>,
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

impl KeyedHmac {
    fn new(key: &[u8; 32]) -> KeyedHmac {
        let state = |pad: u8| {
            let mut block = Zeroizing::new([pad; 64]);
            for (b, k) in block.iter_mut().zip(key) {
                *b ^= k;
            }
            let mut state = Zeroizing::new(SHA256_IV);
            compress(&mut state, &block[..]);
            state
        };
        KeyedHmac {
            inner: state(0x36),
            outer: state(0x5c),
        }
    }

    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let inner = Zeroizing::new(sha256_after_block(&self.inner, message));
        sha256_after_block(&self.outer, &inner[..])
    }
}

/// Compresses whole 64-byte blocks into `state`.
fn compress(state: &mut [u32; 8], blocks: &[u8]) {
    use sha2::digest::generic_array::GenericArray;
    debug_assert!(blocks.len().is_multiple_of(64));
    for block in blocks.chunks_exact(64) {
        sha2::compress256(state, &[*GenericArray::from_slice(block)]);
    }
}

/// The SHA-256 digest of one 64-byte block whose compression gave `state`, then `message`.
fn sha256_after_block(state: &[u32; 8], message: &[u8]) -> [u8; 32] {
    let mut state = Zeroizing::new(*state);
    let whole = message.len() - message.len() % 64;
    compress(&mut state, &message[..whole]);
    // The rest, `0x80`, zeros, and the length in bits of everything hashed (the block before
    // `message` too), in one block or two.
    let rest = &message[whole..];
    let mut last = Zeroizing::new([0u8; 128]);
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] = 0x80;
    let end = if rest.len() < 56 { 64 } else { 128 };
    let bits = (64 + message.len() as u64) * 8;
    last[end - 8..end].copy_from_slice(&bits.to_be_bytes());
    compress(&mut state, &last[..end]);
    let mut out = [0u8; 32];
    for (o, word) in out.chunks_exact_mut(4).zip(state.iter()) {
        o.copy_from_slice(&word.to_be_bytes());
    }
    out
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

    /// The HMAC made ready once gives what the `hmac` crate gives, for every message length
    /// around the block boundaries, and the pseudonymiser what `Keys::pseudonym` gives.
    #[test]
    fn a_ready_made_hmac_is_hmac_sha256() {
        use proptest::prelude::*;
        let mut key = [0u8; 32];
        for (i, k) in key.iter_mut().enumerate() {
            *k = i as u8 * 7 + 1;
        }
        let ready = KeyedHmac::new(&key);
        for len in 0..300 {
            let message: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
            assert_eq!(ready.mac(&message), hmac(&key, &[&message]), "{len} bytes");
        }
        proptest!(|(key in any::<[u8; 32]>(), message in proptest::collection::vec(any::<u8>(), 0..200))| {
            prop_assert_eq!(KeyedHmac::new(&key).mac(&message), hmac(&key, &[&message]));
        });
        // Keyed through a chain of earlier keys (after rekeys) too.
        let mut k = keys();
        for earlier in 0..3 {
            let p = k.pseudonymiser().unwrap();
            for code in [&b"ab85"[..], b"", &[0xc3; 100]] {
                assert_eq!(p.pseudonym(code), k.pseudonym(code).unwrap(), "{earlier}");
            }
            k.chain.push(Zeroizing::new([earlier + 9; 32]));
        }
    }

    fn keys() -> Keys {
        MasterKey::generate(1).derive(KeyScheme::PerCapability)
    }

    #[test]
    fn a_value_opens_only_where_it_was_sealed() {
        let k = keys();
        let here = Place::ContactNote(7);
        let env = k.seal(here, b"hello").unwrap();
        assert_eq!(&k.open(here, &env).unwrap()[..], b"hello");
        for other in [
            Place::ContactNote(8),
            Place::ContactAttributes(7),
            Place::FieldNightDetails(7),
            Place::KeySlot(7),
            Place::MasterWrap(7),
            Place::CategoryWrap(7),
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
            (Place::CellKeySecret, ("meta", "cellkey_secret", 0)),
            (Place::LogFilters, ("audit_log", "filters", 0)),
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
            back.derive(KeyScheme::PerCapability).pseudonym(b"ab85"),
            mk.derive(KeyScheme::PerCapability).pseudonym(b"ab85")
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
        assert_ne!(a.pseudonym(b"ab85").unwrap(), plain);
    }

    #[test]
    fn the_categories_key_opens_categories_only() {
        let master = MasterKey::generate(2);
        let full = master.derive(KeyScheme::PerCapability);
        let auditor = master.categories().derive();
        let attrs = full.seal(Place::ContactAttributes(3), b"cats").unwrap();
        let night = full.seal(Place::FieldNightDetails(3), b"night").unwrap();
        let note = full.seal(Place::ContactNote(3), b"a note").unwrap();
        assert_eq!(
            &auditor.open(Place::ContactAttributes(3), &attrs).unwrap()[..],
            b"cats"
        );
        assert_eq!(
            &auditor.open(Place::FieldNightDetails(3), &night).unwrap()[..],
            b"night"
        );
        assert_eq!(
            auditor.open(Place::ContactNote(3), &note),
            Err(CryptoError::NotHeld)
        );
        assert_eq!(
            auditor.seal(Place::ContactNote(3), b"x"),
            Err(CryptoError::NotHeld)
        );
        assert_eq!(auditor.pseudonym(b"ab85"), Err(CryptoError::NotHeld));
        assert!(auditor.successor().is_err(), "an auditor cannot rekey");
        assert!(!auditor.holds_notes() && !auditor.holds_pseudonyms());
        // The same record MACs (the key file's seal, user records) for everyone.
        assert_eq!(full.record_mac(b"r"), auditor.record_mac(b"r"));
        // Notes and categories are under different keys: a note envelope moved into the
        // attributes column does not open there, even for the full keys.
        let moved = full.seal(Place::ContactNote(3), b"x").unwrap();
        assert!(full.open(Place::ContactAttributes(3), &moved).is_err());
        // The shared scheme of formats 1 and 2: one field key, as before.
        let shared = master.derive(KeyScheme::Shared);
        let old = shared.seal(Place::ContactNote(3), b"old").unwrap();
        assert_eq!(
            &shared.open(Place::ContactNote(3), &old).unwrap()[..],
            b"old"
        );
        assert!(full.open(Place::ContactNote(3), &old).is_err());
    }

    #[test]
    fn the_cell_key_secret_opens_under_the_categories_key_only_where_it_sits() {
        let master = MasterKey::generate(2);
        let full = master.derive(KeyScheme::PerCapability);
        let auditor = master.categories().derive();
        let secret = CellKeySecret::generate();
        let env = full.seal_cell_key_secret(&secret).unwrap();
        // Whoever holds the categories key opens it: an auditor too.
        let opened = auditor.open_cell_key_secret(&env).unwrap();
        assert_eq!(opened.commitment(), secret.commitment());
        // Not as another place, not under another database's key, not a category value
        // moved into its place.
        assert!(full.open(Place::LogFilters, &env).is_err());
        assert!(keys().open_cell_key_secret(&env).is_err());
        let moved = full
            .seal(Place::ContactAttributes(0), secret.expose())
            .unwrap();
        assert!(full.open_cell_key_secret(&moved).is_err());
        let short = full.seal(Place::CellKeySecret, &[1; 16]).unwrap();
        assert_eq!(
            full.open_cell_key_secret(&short).unwrap_err(),
            CryptoError::Malformed
        );
    }

    #[test]
    fn debug_output_shows_no_key_bytes() {
        let mk = MasterKey::generate(1);
        assert_eq!(format!("{mk:?}"), "MasterKey(version 1, <redacted>)");
        assert_eq!(
            format!("{:?}", mk.derive(KeyScheme::PerCapability)),
            "Keys(version 1, <redacted>)"
        );
    }
}
