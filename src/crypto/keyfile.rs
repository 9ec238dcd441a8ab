//! The key file: what opens the encrypted database, kept beside it (`uppsok.db.keys`).
//!
//! The database file is encrypted whole (SQLCipher) under a random **page key**. Nothing inside
//! it can be read before that key is known, so what opens it lives in this small file:
//!
//! ```text
//! passphrase --Argon2id(salt = HMAC(name salt, user name))--> slot key
//!     slot key --AES-256-GCM--> user secret (X25519)
//!     user secret --X25519 + HKDF + AES-256-GCM--> page key
//! recovery key --X25519 + HKDF + AES-256-GCM--> page key
//! ```
//!
//! The file holds no user name, no role and no user id: a slot's Argon2 salt is derived from
//! the name and a random per-file salt, so one key derivation finds the user's slot by trial
//! (an AES-GCM tag per slot), and its associated data binds the slot to that name. The whole
//! file is authenticated by an HMAC under a key derived from the page key (the oldest it offers:
//! the one the database is under until it changes key), so nobody without a key can change a
//! byte of it; the database (inside its encryption) records the file's id and
//! the generation it was last written at, so a file of another database or an older copy of
//! this one is refused.
//!
//! The page key is sealed to public keys, not to passphrases, so it can be sealed anew to every
//! active user without anyone's passphrase (the `sealed` lists hold one entry per page key,
//! newest first, so a file can offer a new and an old page key while a database changes key).
//!
//! Layout (little endian):
//!
//! ```text
//! magic "uppsok-keys\0" | format u8 = 1 | file id [16] | generation u64 | name salt [16]
//! page keys u8 (1..=4) | slots u16 (<= 1024)
//! slot:     kind u8 (0: salt from the name; 1: carried over from format 1, with its own
//!           salt and user id) | [kind 1: salt len u8, salt | user id i64]
//!           | public key [32] | memory KiB u32 | passes u32 | lanes u32
//!           | len u16, wrapped user secret | (len u16, sealed page key) per page key
//! recovery: u8 0 or 1 | public key [32] | (len u16, sealed page key) per page key
//! mac [32]
//! ```

use aes_gcm::aead::KeyInit;
use aes_gcm::Aes256Gcm;
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::envelope::{self, AssociatedData};
use super::slots::{open_sealed_bytes, seal_bytes_to};
use super::{hmac, verify_hmac, CryptoError, KdfParams, Passphrase, Place, RecoveryKey};
use super::{UserSecret, ENVELOPE_OVERHEAD};

const MAGIC: &[u8; 12] = b"uppsok-keys\0";
const FORMAT: u8 = 1;
/// At most this many slots (far more than a unit has staff): bounds what a parse allocates.
const MAX_SLOTS: usize = 1024;
/// At most this many page keys offered at once.
const MAX_PAGE_KEYS: usize = 4;
/// At most this many distinct Argon2 settings are tried at an unlock.
const MAX_KDF_TRIALS: usize = 4;
/// The largest key file this build reads.
pub const MAX_KEY_FILE_BYTES: usize = 1 << 20;

/// The key that encrypts the database's pages. 32 random bytes, zeroized on drop (each copy).
#[derive(Clone)]
pub struct PageKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl PartialEq for PageKey {
    fn eq(&self, other: &PageKey) -> bool {
        use subtle_eq::ct_eq;
        ct_eq(&self.bytes, &other.bytes)
    }
}

mod subtle_eq {
    /// Compares two keys without an early exit.
    pub fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for PageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageKey(<redacted>)")
    }
}

impl PageKey {
    pub fn generate() -> PageKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        PageKey { bytes }
    }

    /// The key's bytes, for the storage layer that keys the database file with them. Never
    /// printed, logged or stored in the clear.
    pub fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }

    fn from_bytes(bytes: &[u8]) -> Result<PageKey, CryptoError> {
        let mut out = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(CryptoError::Malformed);
        }
        out.copy_from_slice(bytes);
        Ok(PageKey { bytes: out })
    }

    fn mac_key(&self) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(Some(b"uppsok key file v1"), self.bytes.as_ref());
        let mut okm = Zeroizing::new([0u8; 32]);
        hk.expand(b"mac", okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        okm
    }
}

/// Why a key file does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("it is not an uppsok key file, or it is damaged")]
    Malformed,
    #[error("it is an uppsok key file of a newer format")]
    Format,
    #[error("no key slot opens with this name and passphrase")]
    NoSlotOpens,
    #[error("the only key slots use key-derivation settings outside the accepted bounds")]
    KdfParams,
    #[error("the key slots use key-derivation settings below the minimum this build accepts")]
    BelowMinimum,
    #[error("the key derivation needs more memory than this computer can give")]
    OutOfMemory,
    #[error("the recovery key does not open it")]
    Recovery,
}

/// A slot carried over from a database of format 1 by `uppsok upgrade`: the user's secret as
/// their passphrase wrapped it then (its own random salt, associated data naming the user id),
/// until their first sign-in rewrites it as a slot of today's kind.
#[derive(Clone, PartialEq, Eq)]
struct Carried {
    salt: Vec<u8>,
    user_id: i64,
}

/// At most this many carried-over slots are tried at a sign-in (each costs a key derivation).
const MAX_CARRIED_TRIALS: usize = 64;

/// One user's slot.
#[derive(Clone, PartialEq, Eq)]
struct Slot {
    carried: Option<Carried>,
    public: [u8; 32],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    wrapped: Vec<u8>,
    sealed: Vec<Vec<u8>>,
}

/// What the audit sees of a slot: its public key and Argon2 settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSettings {
    /// Carried over from format 1 (rewritten at the user's next sign-in).
    pub carried: bool,
    pub public: [u8; 32],
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Clone, PartialEq, Eq)]
struct RecoveryEntry {
    public: [u8; 32],
    sealed: Vec<Vec<u8>>,
}

/// A parsed key file. Its MAC is checked with [`KeyFile::authenticate`] once a page key is
/// known; until then nothing in it is trusted beyond what a slot's own AES-GCM tag proves.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyFile {
    file_id: [u8; 16],
    generation: u64,
    name_salt: [u8; 16],
    page_keys: u8,
    slots: Vec<Slot>,
    recovery: Option<RecoveryEntry>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyFile(generation {}, {} slots, recovery {})",
            self.generation,
            self.slots.len(),
            self.recovery.is_some()
        )
    }
}

/// What a user's slot opened to.
pub struct OpenedSlot {
    pub secret: UserSecret,
    /// The page keys offered, newest first.
    pub page_keys: Vec<PageKey>,
    /// The slot's Argon2 settings (to raise them if they are below today's).
    pub params: KdfParams,
    /// The user id a slot carried over from format 1 names; it is rewritten as a slot of
    /// today's kind at this sign-in.
    pub carried_user: Option<i64>,
}

impl std::fmt::Debug for OpenedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenedSlot(<redacted>)")
    }
}

/// A slot's Argon2 salt: derived from the file's name salt and the user name, so a sign-in
/// derives one key whatever the number of slots.
fn slot_salt(name_salt: &[u8; 16], name: &str) -> [u8; 16] {
    let full = hmac(name_salt, &[b"uppsok slot salt\0", name.as_bytes()]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn slot_place(salt: &[u8; 16]) -> Place {
    let mut row = [0u8; 8];
    row.copy_from_slice(&salt[..8]);
    Place::FileSlot(i64::from_le_bytes(row))
}

fn cipher_of(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(key).expect("32 bytes is a valid AES-256 key")
}

fn seal_page_keys(keys: &[PageKey], public: &[u8; 32]) -> Result<Vec<Vec<u8>>, CryptoError> {
    keys.iter()
        .zip(0u32..)
        .map(|(k, i)| {
            seal_bytes_to(
                k.bytes.as_ref(),
                i,
                public,
                AssociatedData::from(Place::FilePageKey),
            )
        })
        .collect()
}

fn open_page_keys(
    secret: &x25519_dalek::StaticSecret,
    sealed: &[Vec<u8>],
) -> Result<Vec<PageKey>, CryptoError> {
    sealed
        .iter()
        .zip(0u32..)
        .map(|(s, i)| {
            let (version, bytes) =
                open_sealed_bytes(secret, s, AssociatedData::from(Place::FilePageKey))?;
            if version != i {
                return Err(CryptoError::Authentication);
            }
            PageKey::from_bytes(&bytes)
        })
        .collect()
}

impl KeyFile {
    /// A new, empty key file for the database with this id.
    pub fn new(file_id: [u8; 16]) -> KeyFile {
        let mut name_salt = [0u8; 16];
        OsRng.fill_bytes(&mut name_salt);
        KeyFile {
            file_id,
            generation: 0,
            name_salt,
            page_keys: 1,
            slots: Vec::new(),
            recovery: None,
        }
    }

    pub fn file_id(&self) -> [u8; 16] {
        self.file_id
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Sets the generation the next [`KeyFile::to_bytes`] writes.
    pub fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }

    pub fn has_recovery(&self) -> bool {
        self.recovery.is_some()
    }

    /// The slots' public keys and settings, as stored.
    pub fn slots(&self) -> Vec<SlotSettings> {
        self.slots
            .iter()
            .map(|s| SlotSettings {
                carried: s.carried.is_some(),
                public: s.public,
                memory_kib: s.memory_kib,
                iterations: s.iterations,
                parallelism: s.parallelism,
            })
            .collect()
    }

    /// The recovery key's public key, if the file has a recovery entry.
    pub fn recovery_public(&self) -> Option<[u8; 32]> {
        self.recovery.as_ref().map(|r| r.public)
    }

    /// Opens the slot of `name` with `passphrase`: one key derivation per distinct Argon2
    /// setting (normally one), then a tag check per slot.
    pub fn open_user(
        &self,
        name: &str,
        passphrase: &Passphrase,
    ) -> Result<OpenedSlot, KeyFileError> {
        let salt = slot_salt(&self.name_salt, name);
        let ad = AssociatedData::from(slot_place(&salt));
        let mut settings: Vec<(u32, u32, u32)> = Vec::new();
        for s in self.slots.iter().filter(|s| s.carried.is_none()) {
            let t = (s.memory_kib, s.iterations, s.parallelism);
            if !settings.contains(&t) {
                settings.push(t);
            }
        }
        let mut refused = None;
        let mut tried = 0;
        for (m, t, p) in settings {
            let Some(params) = KdfParams::from_stored(m.into(), t.into(), p.into()) else {
                refused.get_or_insert(KeyFileError::KdfParams);
                continue;
            };
            if !params.may_open() {
                refused = Some(KeyFileError::BelowMinimum);
                continue;
            }
            if tried == MAX_KDF_TRIALS {
                break;
            }
            tried += 1;
            let kek = params.derive(passphrase, &salt).map_err(|e| match e {
                CryptoError::OutOfMemory => KeyFileError::OutOfMemory,
                _ => KeyFileError::KdfParams,
            })?;
            let cipher = cipher_of(&kek);
            for s in self.slots.iter().filter(|s| {
                s.carried.is_none() && (s.memory_kib, s.iterations, s.parallelism) == (m, t, p)
            }) {
                if let Ok((_, plain)) = envelope::open(&cipher, &ad, &s.wrapped) {
                    return s.opened(&plain, params, None);
                }
            }
        }
        // Slots carried over from format 1: one derivation each (their salts are their own).
        for s in self
            .slots
            .iter()
            .filter(|s| s.carried.is_some())
            .take(MAX_CARRIED_TRIALS)
        {
            let carried = s.carried.as_ref().expect("filtered");
            let Some(params) = KdfParams::from_stored(
                s.memory_kib.into(),
                s.iterations.into(),
                s.parallelism.into(),
            ) else {
                refused.get_or_insert(KeyFileError::KdfParams);
                continue;
            };
            if !params.may_open() {
                refused = Some(KeyFileError::BelowMinimum);
                continue;
            }
            let kek = params
                .derive(passphrase, &carried.salt)
                .map_err(|e| match e {
                    CryptoError::OutOfMemory => KeyFileError::OutOfMemory,
                    _ => KeyFileError::KdfParams,
                })?;
            let ad = AssociatedData::from(Place::KeySlot(carried.user_id));
            if let Ok((_, plain)) = envelope::open(&cipher_of(&kek), &ad, &s.wrapped) {
                return s.opened(&plain, params, Some(carried.user_id));
            }
        }
        Err(refused.unwrap_or(KeyFileError::NoSlotOpens))
    }

    /// Writes the slot of a user of a format-1 database as their passphrase wrapped it then
    /// (`salt`, `wrapped`, bound to `user_id`), with the page keys sealed to their public key:
    /// what `uppsok upgrade` does for every user but the administrator running it.
    pub fn put_carried(
        &mut self,
        public: [u8; 32],
        params: (u32, u32, u32),
        salt: &[u8],
        user_id: i64,
        wrapped: &[u8],
        page_keys: &[PageKey],
    ) -> Result<(), CryptoError> {
        self.check_page_keys(page_keys)?;
        if salt.is_empty() || salt.len() > 64 || wrapped.len() < ENVELOPE_OVERHEAD {
            return Err(CryptoError::Malformed);
        }
        let slot = Slot {
            carried: Some(Carried {
                salt: salt.to_vec(),
                user_id,
            }),
            public,
            memory_kib: params.0,
            iterations: params.1,
            parallelism: params.2,
            wrapped: wrapped.to_vec(),
            sealed: seal_page_keys(page_keys, &public)?,
        };
        self.slots.retain(|s| s.public != public);
        self.slots.push(slot);
        Ok(())
    }

    /// Opens the page keys sealed to the recovery key.
    pub fn open_recovery(&self, recovery: &RecoveryKey) -> Result<Vec<PageKey>, KeyFileError> {
        let entry = self.recovery.as_ref().ok_or(KeyFileError::Recovery)?;
        if entry.public != recovery.public() {
            return Err(KeyFileError::Recovery);
        }
        open_page_keys(&recovery.static_secret(), &entry.sealed).map_err(|_| KeyFileError::Recovery)
    }

    /// Writes (or replaces, by public key) the slot of a user: their secret wrapped under a key
    /// derived from `name` and `passphrase`, and the page keys sealed to their public key.
    pub fn put_user(
        &mut self,
        name: &str,
        passphrase: &Passphrase,
        params: KdfParams,
        secret: &UserSecret,
        page_keys: &[PageKey],
    ) -> Result<(), CryptoError> {
        self.check_page_keys(page_keys)?;
        let salt = slot_salt(&self.name_salt, name);
        let kek = params.derive(passphrase, &salt)?;
        let wrapped = envelope::seal(
            &cipher_of(&kek),
            0,
            &AssociatedData::from(slot_place(&salt)),
            secret.to_bytes().as_ref(),
        );
        let public = secret.public();
        let slot = Slot {
            carried: None,
            public,
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: params.parallelism,
            wrapped,
            sealed: seal_page_keys(page_keys, &public)?,
        };
        match self.slots.iter_mut().find(|s| s.public == public) {
            Some(s) => *s = slot,
            None => self.slots.push(slot),
        }
        Ok(())
    }

    /// Removes the slot whose public key this is; false if there is none.
    pub fn remove_user(&mut self, public: &[u8]) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.public[..] != *public);
        self.slots.len() != before
    }

    /// Keeps only the slots (and the recovery entry) whose public key `keep` accepts; returns
    /// how many were dropped. Run before page keys are sealed anew, so that nothing planted in
    /// the file receives them.
    pub fn keep_recipients(&mut self, keep: impl Fn(&[u8; 32]) -> bool) -> usize {
        let before = self.slots.len() + usize::from(self.recovery.is_some());
        self.slots.retain(|s| keep(&s.public));
        if self.recovery.as_ref().is_some_and(|r| !keep(&r.public)) {
            self.recovery = None;
        }
        before - self.slots.len() - usize::from(self.recovery.is_some())
    }

    /// Seals the page keys to the recovery key's public key.
    pub fn set_recovery(
        &mut self,
        public: [u8; 32],
        page_keys: &[PageKey],
    ) -> Result<(), CryptoError> {
        self.check_page_keys(page_keys)?;
        self.recovery = Some(RecoveryEntry {
            public,
            sealed: seal_page_keys(page_keys, &public)?,
        });
        Ok(())
    }

    /// Seals a new set of page keys (newest first) to every slot and the recovery entry, by
    /// their public keys: no passphrase is needed.
    pub fn reseal(&mut self, page_keys: &[PageKey]) -> Result<(), CryptoError> {
        if page_keys.is_empty() || page_keys.len() > MAX_PAGE_KEYS {
            return Err(CryptoError::Malformed);
        }
        self.page_keys = page_keys.len() as u8;
        for s in &mut self.slots {
            s.sealed = seal_page_keys(page_keys, &s.public)?;
        }
        if let Some(r) = &mut self.recovery {
            r.sealed = seal_page_keys(page_keys, &r.public)?;
        }
        Ok(())
    }

    fn check_page_keys(&self, page_keys: &[PageKey]) -> Result<(), CryptoError> {
        if page_keys.len() != usize::from(self.page_keys) {
            return Err(CryptoError::Malformed);
        }
        Ok(())
    }

    /// The file's bytes, authenticated under `mac_key`: the oldest page key the file offers
    /// (the one the database is under until it changes key, and so the one every reader of the
    /// file can check it with).
    pub fn to_bytes(&self, mac_key: &PageKey) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.slots.len() * 256);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT);
        out.extend_from_slice(&self.file_id);
        out.extend_from_slice(&self.generation.to_le_bytes());
        out.extend_from_slice(&self.name_salt);
        out.push(self.page_keys);
        out.extend_from_slice(&(self.slots.len() as u16).to_le_bytes());
        let put = |out: &mut Vec<u8>, bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        for s in &self.slots {
            match &s.carried {
                None => out.push(0),
                Some(c) => {
                    out.push(1);
                    out.push(c.salt.len() as u8);
                    out.extend_from_slice(&c.salt);
                    out.extend_from_slice(&c.user_id.to_le_bytes());
                }
            }
            out.extend_from_slice(&s.public);
            out.extend_from_slice(&s.memory_kib.to_le_bytes());
            out.extend_from_slice(&s.iterations.to_le_bytes());
            out.extend_from_slice(&s.parallelism.to_le_bytes());
            put(&mut out, &s.wrapped);
            for k in &s.sealed {
                put(&mut out, k);
            }
        }
        match &self.recovery {
            None => out.push(0),
            Some(r) => {
                out.push(1);
                out.extend_from_slice(&r.public);
                for k in &r.sealed {
                    put(&mut out, k);
                }
            }
        }
        let mac = hmac(mac_key.mac_key().as_ref(), &[&out]);
        out.extend_from_slice(&mac);
        out
    }

    /// Whether `bytes` (a whole key file) is authenticated by this page key. A file changed by
    /// anyone without a key fails here.
    pub fn authenticate(bytes: &[u8], page_key: &PageKey) -> bool {
        if bytes.len() < 32 {
            return false;
        }
        let (body, mac) = bytes.split_at(bytes.len() - 32);
        verify_hmac(page_key.mac_key().as_ref(), &[body], mac)
    }

    /// Reads the structure of a key file (nothing is trusted yet; see
    /// [`KeyFile::authenticate`]). Every length is bounded before anything is allocated.
    pub fn parse(bytes: &[u8]) -> Result<KeyFile, KeyFileError> {
        if bytes.len() > MAX_KEY_FILE_BYTES {
            return Err(KeyFileError::Malformed);
        }
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(KeyFileError::Malformed);
        }
        if r.u8()? != FORMAT {
            return Err(KeyFileError::Format);
        }
        let file_id = r.array::<16>()?;
        let generation = u64::from_le_bytes(r.array::<8>()?);
        let name_salt = r.array::<16>()?;
        let page_keys = r.u8()?;
        if page_keys == 0 || usize::from(page_keys) > MAX_PAGE_KEYS {
            return Err(KeyFileError::Malformed);
        }
        let count = usize::from(u16::from_le_bytes(r.array::<2>()?));
        if count > MAX_SLOTS {
            return Err(KeyFileError::Malformed);
        }
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let carried = match r.u8()? {
                0 => None,
                1 => {
                    let len = usize::from(r.u8()?);
                    if len == 0 || len > 64 {
                        return Err(KeyFileError::Malformed);
                    }
                    let salt = r.take(len)?.to_vec();
                    let user_id = i64::from_le_bytes(r.array::<8>()?);
                    Some(Carried { salt, user_id })
                }
                _ => return Err(KeyFileError::Malformed),
            };
            let public = r.array::<32>()?;
            let memory_kib = u32::from_le_bytes(r.array::<4>()?);
            let iterations = u32::from_le_bytes(r.array::<4>()?);
            let parallelism = u32::from_le_bytes(r.array::<4>()?);
            let wrapped = r.chunk()?;
            let sealed = (0..page_keys)
                .map(|_| r.chunk())
                .collect::<Result<Vec<_>, _>>()?;
            slots.push(Slot {
                carried,
                public,
                memory_kib,
                iterations,
                parallelism,
                wrapped,
                sealed,
            });
        }
        let recovery = match r.u8()? {
            0 => None,
            1 => {
                let public = r.array::<32>()?;
                let sealed = (0..page_keys)
                    .map(|_| r.chunk())
                    .collect::<Result<Vec<_>, _>>()?;
                Some(RecoveryEntry { public, sealed })
            }
            _ => return Err(KeyFileError::Malformed),
        };
        r.take(32)?;
        if r.at != bytes.len() {
            return Err(KeyFileError::Malformed);
        }
        Ok(KeyFile {
            file_id,
            generation,
            name_salt,
            page_keys,
            slots,
            recovery,
        })
    }
}

impl Slot {
    /// The secret a slot's wrap opened to, checked against the slot's public key, with the
    /// page keys sealed to it.
    fn opened(
        &self,
        plain: &[u8],
        params: KdfParams,
        carried_user: Option<i64>,
    ) -> Result<OpenedSlot, KeyFileError> {
        let secret = UserSecret::from_bytes(plain).map_err(|_| KeyFileError::Malformed)?;
        if secret.public() != self.public {
            return Err(KeyFileError::Malformed);
        }
        let page_keys = open_page_keys(secret.static_secret(), &self.sealed)
            .map_err(|_| KeyFileError::Malformed)?;
        Ok(OpenedSlot {
            secret,
            page_keys,
            params,
            carried_user,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyFileError> {
        let end = self.at.checked_add(n).ok_or(KeyFileError::Malformed)?;
        let out = self
            .bytes
            .get(self.at..end)
            .ok_or(KeyFileError::Malformed)?;
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, KeyFileError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], KeyFileError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn chunk(&mut self) -> Result<Vec<u8>, KeyFileError> {
        let len = usize::from(u16::from_le_bytes(self.array::<2>()?));
        if len < ENVELOPE_OVERHEAD {
            return Err(KeyFileError::Malformed);
        }
        Ok(self.take(len)?.to_vec())
    }
}

/// The public half of an X25519 secret given as bytes (tests).
#[cfg(test)]
fn public_of(secret: &UserSecret) -> [u8; 32] {
    x25519_dalek::PublicKey::from(secret.static_secret()).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> Passphrase {
        Passphrase::new(s.into())
    }

    fn file_with(names: &[&str]) -> (KeyFile, PageKey, Vec<UserSecret>) {
        let key = PageKey::generate();
        let mut kf = KeyFile::new([7; 16]);
        let mut secrets = Vec::new();
        for n in names {
            let s = UserSecret::generate();
            kf.put_user(
                n,
                &pass(&format!("{n} passphrase")),
                KdfParams::for_tests(),
                &s,
                std::slice::from_ref(&key),
            )
            .unwrap();
            secrets.push(s);
        }
        (kf, key, secrets)
    }

    #[test]
    fn each_user_opens_their_own_slot_with_their_own_passphrase() {
        let (kf, key, secrets) = file_with(&["anna", "bo", "cia"]);
        let bytes = kf.to_bytes(&key);
        let back = KeyFile::parse(&bytes).unwrap();
        assert_eq!(back, kf);
        assert!(KeyFile::authenticate(&bytes, &key));
        for (i, n) in ["anna", "bo", "cia"].iter().enumerate() {
            let opened = back
                .open_user(n, &pass(&format!("{n} passphrase")))
                .unwrap();
            assert_eq!(opened.secret.public(), secrets[i].public());
            assert_eq!(public_of(&opened.secret), secrets[i].public());
            assert_eq!(opened.page_keys[0].expose(), key.expose());
        }
        // Another user's passphrase, or the right one under another name, opens nothing.
        assert_eq!(
            back.open_user("anna", &pass("bo passphrase")).unwrap_err(),
            KeyFileError::NoSlotOpens
        );
        assert_eq!(
            back.open_user("dan", &pass("anna passphrase")).unwrap_err(),
            KeyFileError::NoSlotOpens
        );
    }

    #[test]
    fn the_file_names_no_user_and_every_byte_is_authenticated() {
        let (kf, key, _) = file_with(&["anna.lindqvist", "outreach"]);
        let bytes = kf.to_bytes(&key);
        for word in [&b"anna"[..], b"lindqvist", b"outreach", b"admin"] {
            assert!(!bytes.windows(word.len()).any(|w| w == word));
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assert!(!KeyFile::authenticate(&flipped, &key), "byte {i}");
        }
        assert!(!KeyFile::authenticate(&bytes, &PageKey::generate()));
    }

    #[test]
    fn truncated_or_oversized_files_are_refused_without_panicking() {
        let (kf, key, _) = file_with(&["anna"]);
        let bytes = kf.to_bytes(&key);
        for n in 0..bytes.len() {
            assert!(KeyFile::parse(&bytes[..n]).is_err(), "{n} bytes");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(KeyFile::parse(&long).is_err());
        let mut newer = bytes.clone();
        newer[MAGIC.len()] = 2;
        assert_eq!(KeyFile::parse(&newer).unwrap_err(), KeyFileError::Format);
    }

    #[test]
    fn a_slot_moved_to_another_name_does_not_open() {
        let (mut kf, key, _) = file_with(&["anna"]);
        // The same wrapped secret presented as bo's: its salt and associated data differ.
        let slot = kf.slots[0].clone();
        kf.slots.push(Slot {
            public: [1; 32],
            ..slot
        });
        assert_eq!(
            kf.open_user("bo", &pass("anna passphrase")).unwrap_err(),
            KeyFileError::NoSlotOpens
        );
        let _ = key;
    }

    #[test]
    fn removed_users_and_resealed_keys() {
        let (mut kf, key, secrets) = file_with(&["anna", "bo"]);
        assert!(kf.remove_user(&secrets[1].public()));
        assert!(!kf.remove_user(&secrets[1].public()));
        assert!(kf.open_user("bo", &pass("bo passphrase")).is_err());
        let recovery = RecoveryKey::generate();
        kf.set_recovery(recovery.public(), std::slice::from_ref(&key))
            .unwrap();
        let next = PageKey::generate();
        kf.reseal(&[PageKey::from_bytes(next.expose()).unwrap(), key])
            .unwrap();
        let opened = kf.open_user("anna", &pass("anna passphrase")).unwrap();
        assert_eq!(opened.page_keys.len(), 2);
        assert_eq!(opened.page_keys[0].expose(), next.expose());
        let from_recovery = kf.open_recovery(&recovery).unwrap();
        assert_eq!(from_recovery[0].expose(), next.expose());
        assert_eq!(
            kf.open_recovery(&RecoveryKey::generate()).unwrap_err(),
            KeyFileError::Recovery
        );
        let bytes = kf.to_bytes(&next);
        assert_eq!(KeyFile::parse(&bytes).unwrap(), kf);
    }

    #[test]
    fn a_slot_carried_over_from_format_1_opens_with_its_own_salt_and_user_id() {
        let key = PageKey::generate();
        let secret = UserSecret::generate();
        let p = KdfParams::for_tests();
        let (salt, wrapped) = secret.wrap(&pass("olle passphrase"), p, 7).unwrap();
        let settings = (p.memory_kib, p.iterations, p.parallelism);
        let carried = |user_id: i64| {
            let mut kf = KeyFile::new([3; 16]);
            let keys = std::slice::from_ref(&key);
            kf.put_carried(secret.public(), settings, &salt, user_id, &wrapped, keys)
                .unwrap();
            kf
        };
        let kf = carried(7);
        let back = KeyFile::parse(&kf.to_bytes(&key)).unwrap();
        assert_eq!(back, kf);
        assert!(back.slots()[0].carried);
        let opened = back.open_user("olle", &pass("olle passphrase")).unwrap();
        assert_eq!(opened.carried_user, Some(7));
        assert_eq!(opened.secret.public(), secret.public());
        assert_eq!(opened.page_keys[0].expose(), key.expose());
        assert!(back.open_user("olle", &pass("wrong")).is_err());
        // Bound to its user id: the same wrap under another id does not open.
        let moved = carried(8);
        assert!(moved.open_user("olle", &pass("olle passphrase")).is_err());
    }

    #[test]
    fn out_of_bounds_settings_are_never_derived() {
        let (mut kf, _, _) = file_with(&["anna"]);
        kf.slots[0].memory_kib = u32::MAX;
        assert_eq!(
            kf.open_user("anna", &pass("anna passphrase")).unwrap_err(),
            KeyFileError::KdfParams
        );
    }

    #[test]
    fn debug_output_shows_no_key() {
        let key = PageKey::generate();
        assert_eq!(format!("{key:?}"), "PageKey(<redacted>)");
        let (kf, _, _) = file_with(&["anna"]);
        assert_eq!(
            format!("{kf:?}"),
            "KeyFile(generation 0, 1 slots, recovery false)"
        );
    }
}
