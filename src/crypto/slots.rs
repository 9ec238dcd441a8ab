//! Key slots over time: per-user key pairs, the master key sealed to each of them, the
//! recovery key, and the pseudonym key chain of a rekeyed database.
//!
//! The hierarchy (docs/security.md, "Key hierarchy"):
//!
//! ```text
//! passphrase --Argon2id--> slot key --AES-GCM--> user secret (X25519, stable per user)
//!                                                   | X25519 + HKDF + AES-GCM
//!                                                   v
//!                                        master key (per key version)
//! ```
//!
//! A rekey seals the new master key to every active user's *public* key, so it needs nobody's
//! passphrase, and nothing it writes can be opened with a disabled user's secret: their
//! public key is no longer among the recipients, and no user secret is ever stored under the
//! master key (which a departed user knew).

use aes_gcm::aead::KeyInit;
use aes_gcm::Aes256Gcm;
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::envelope;
use super::{AssociatedData, CryptoError, KdfParams, Keys, MasterKey, Passphrase, Place};

/// A user's long-term secret: an X25519 key, wrapped in their key slot under their passphrase,
/// and beside it their Ed25519 signing key. The master key of every key version is sealed to
/// the X25519 public half; every change the user makes is signed with the signing key.
///
/// A slot written before signing keys existed (format 2) holds the X25519 key alone: such a
/// user gets a signing key at their next sign-in.
pub struct UserSecret {
    secret: StaticSecret,
    signer: Option<super::Signer>,
}

impl std::fmt::Debug for UserSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserSecret(<redacted>)")
    }
}

impl UserSecret {
    /// A fresh X25519 key and a fresh signing key.
    pub fn generate() -> UserSecret {
        UserSecret {
            secret: StaticSecret::random_from_rng(OsRng),
            signer: Some(super::Signer::generate()),
        }
    }

    /// A fresh X25519 key with the given signing key (or none: tests of older slots).
    pub fn generate_with(signer: Option<super::Signer>) -> UserSecret {
        UserSecret {
            secret: StaticSecret::random_from_rng(OsRng),
            signer,
        }
    }

    /// The signing key the slot holds (none in a slot from before signing keys).
    pub fn signer(&self) -> Option<&super::Signer> {
        self.signer.as_ref()
    }

    /// Takes the signing key out (the secret keeps none).
    pub fn take_signer(&mut self) -> Option<super::Signer> {
        self.signer.take()
    }

    /// Gives the secret a signing key (a slot from before signing keys, upgraded).
    pub fn set_signer(&mut self, signer: super::Signer) {
        self.signer = Some(signer);
    }

    /// The public half, stored in the clear (it opens nothing).
    pub fn public(&self) -> [u8; 32] {
        PublicKey::from(&self.secret).to_bytes()
    }

    /// Wraps this secret for a key slot: AES-256-GCM under the passphrase-derived key, bound
    /// to the user id. Returns (salt, envelope).
    pub fn wrap(
        &self,
        passphrase: &Passphrase,
        params: KdfParams,
        user_id: i64,
    ) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let ad = AssociatedData::from(Place::KeySlot(user_id));
        let bytes = self.to_bytes();
        super::kdf::seal_under_passphrase(passphrase, params, &ad, 0, bytes.as_ref())
    }

    /// Opens a key slot. A wrong passphrase and a tampered slot both give `Authentication`.
    pub fn unwrap(
        passphrase: &Passphrase,
        params: KdfParams,
        salt: &[u8],
        wrapped: &[u8],
        user_id: i64,
    ) -> Result<UserSecret, CryptoError> {
        let ad = AssociatedData::from(Place::KeySlot(user_id));
        let (_, plain) = super::kdf::open_under_passphrase(passphrase, params, salt, wrapped, &ad)?;
        UserSecret::from_bytes(&plain)
    }

    /// The secret's bytes, for the key file's slot (crypto module only): the X25519 key, then
    /// the signing key's seed if there is one (32 or 64 bytes).
    pub(super) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64));
        out.extend_from_slice(self.secret.as_bytes());
        if let Some(s) = &self.signer {
            out.extend_from_slice(s.seed().as_ref());
        }
        out
    }

    /// Reads what [`UserSecret::to_bytes`] wrote: 32 bytes (no signing key) or 64.
    pub(super) fn from_bytes(bytes: &[u8]) -> Result<UserSecret, CryptoError> {
        let (x, seed) = match bytes.len() {
            32 => (bytes, None),
            64 => (&bytes[..32], Some(&bytes[32..])),
            _ => return Err(CryptoError::Malformed),
        };
        let x: Zeroizing<[u8; 32]> =
            Zeroizing::new(x.try_into().map_err(|_| CryptoError::Malformed)?);
        let signer = match seed {
            None => None,
            Some(seed) => {
                let seed: Zeroizing<[u8; 32]> =
                    Zeroizing::new(seed.try_into().map_err(|_| CryptoError::Malformed)?);
                Some(super::Signer::from_seed(&seed))
            }
        };
        Ok(UserSecret {
            secret: StaticSecret::from(*x),
            signer,
        })
    }

    pub(super) fn static_secret(&self) -> &StaticSecret {
        &self.secret
    }

    /// Opens the master key sealed to this user.
    pub fn open_master(&self, sealed: &[u8], user_id: i64) -> Result<MasterKey, CryptoError> {
        open_sealed(
            &self.secret,
            sealed,
            AssociatedData::from(Place::MasterWrap(user_id)),
        )
    }

    /// Opens what is sealed to this user: the master key (or, `categories_only`, an auditor's
    /// categories key), with the unit keys of their share in a database of several units.
    pub fn open_held(
        &self,
        sealed: &[u8],
        user_id: i64,
        categories_only: bool,
    ) -> Result<super::Held, CryptoError> {
        let place = match categories_only {
            true => Place::CategoryWrap(user_id),
            false => Place::MasterWrap(user_id),
        };
        let (version, plain) = open_sealed_bytes(&self.secret, sealed, place.into())?;
        super::Held::from_portion(&plain, version, categories_only)
    }

    /// Opens the categories key sealed to this user (an auditor's wrap).
    pub fn open_categories(
        &self,
        sealed: &[u8],
        user_id: i64,
    ) -> Result<super::CategoryKey, CryptoError> {
        let (version, plain) = open_sealed_bytes(
            &self.secret,
            sealed,
            AssociatedData::from(Place::CategoryWrap(user_id)),
        )?;
        super::CategoryKey::from_parts(&plain, version)
    }
}

impl super::CategoryKey {
    /// Seals this key to an auditor's public key.
    pub fn seal_to_user(&self, public: &[u8], user_id: i64) -> Result<Vec<u8>, CryptoError> {
        seal_bytes_to(
            self.bytes().as_ref(),
            self.version(),
            public,
            AssociatedData::from(Place::CategoryWrap(user_id)),
        )
    }
}

impl MasterKey {
    /// Seals this key to a user's public key (ephemeral X25519, HKDF-SHA256, AES-256-GCM):
    /// only the holder of the user's secret can open it.
    pub fn seal_to_user(&self, public: &[u8], user_id: i64) -> Result<Vec<u8>, CryptoError> {
        seal_to(
            self,
            public,
            AssociatedData::from(Place::MasterWrap(user_id)),
        )
    }

    /// Seals this key to the recovery key's public key.
    pub fn seal_to_recovery(&self, public: &[u8], id: i64) -> Result<Vec<u8>, CryptoError> {
        seal_to(self, public, AssociatedData::from(Place::RecoveryWrap(id)))
    }

    pub(super) fn from_parts(bytes: &[u8], version: u32) -> Result<MasterKey, CryptoError> {
        let mut out = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(CryptoError::Malformed);
        }
        out.copy_from_slice(bytes);
        Ok(MasterKey {
            bytes: out,
            version,
        })
    }
}

/// The key that an ephemeral/static X25519 exchange agrees on, bound to both public keys.
fn agreed_key(shared: &[u8; 32], ephemeral: &[u8], recipient: &[u8]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(Some(b"uppsok master key seal v1"), shared);
    let mut okm = Zeroizing::new([0u8; 32]);
    hk.expand_multi_info(&[ephemeral, recipient], okm.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    okm
}

fn seal_to(master: &MasterKey, public: &[u8], ad: AssociatedData) -> Result<Vec<u8>, CryptoError> {
    seal_bytes_to(master.bytes.as_ref(), master.version, public, ad)
}

/// Seals 32 key bytes to an X25519 public key: ephemeral key agreement, HKDF-SHA256 bound to
/// both public keys, AES-256-GCM bound to `ad`. `version` is the envelope's key version.
pub(super) fn seal_bytes_to(
    plain: &[u8],
    version: u32,
    public: &[u8],
    ad: AssociatedData,
) -> Result<Vec<u8>, CryptoError> {
    let recipient: [u8; 32] = public.try_into().map_err(|_| CryptoError::Malformed)?;
    let recipient = PublicKey::from(recipient);
    let ephemeral = StaticSecret::random_from_rng(OsRng);
    let epk = PublicKey::from(&ephemeral);
    let shared = Zeroizing::new(ephemeral.diffie_hellman(&recipient).to_bytes());
    let key = agreed_key(&shared, epk.as_bytes(), recipient.as_bytes());
    let cipher = Aes256Gcm::new_from_slice(key.as_ref()).map_err(|_| CryptoError::Malformed)?;
    let mut out = epk.as_bytes().to_vec();
    out.extend(envelope::seal(&cipher, version, &ad, plain));
    Ok(out)
}

fn open_sealed(
    secret: &StaticSecret,
    sealed: &[u8],
    ad: AssociatedData,
) -> Result<MasterKey, CryptoError> {
    let (version, plain) = open_sealed_bytes(secret, sealed, ad)?;
    MasterKey::from_parts(&plain, version)
}

/// Opens what [`seal_bytes_to`] sealed to this secret's public key: (version, bytes).
pub(super) fn open_sealed_bytes(
    secret: &StaticSecret,
    sealed: &[u8],
    ad: AssociatedData,
) -> Result<(u32, Zeroizing<Vec<u8>>), CryptoError> {
    if sealed.len() < 32 {
        return Err(CryptoError::Malformed);
    }
    let (epk, env) = sealed.split_at(32);
    let epk: [u8; 32] = epk.try_into().map_err(|_| CryptoError::Malformed)?;
    let own = PublicKey::from(secret);
    let shared = Zeroizing::new(secret.diffie_hellman(&PublicKey::from(epk)).to_bytes());
    let key = agreed_key(&shared, &epk, own.as_bytes());
    let cipher = Aes256Gcm::new_from_slice(key.as_ref()).map_err(|_| CryptoError::Malformed)?;
    envelope::open(&cipher, &ad, env)
}

// ----- the recovery key ----------------------------------------------------------------

/// The recovery key: 32 random bytes, shown once at `init` as 55 base32 characters (with a
/// 2-byte checksum, so a typo is told apart from a wrong key). It derives an X25519 secret
/// to which the master key of every key version is sealed.
pub struct RecoveryKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl RecoveryKey {
    pub fn generate() -> RecoveryKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        RecoveryKey { bytes }
    }

    fn secret(&self) -> StaticSecret {
        let hk = Hkdf::<Sha256>::new(Some(b"uppsok recovery key v1"), self.bytes.as_ref());
        let mut okm = Zeroizing::new([0u8; 32]);
        hk.expand(b"x25519", okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        StaticSecret::from(*okm)
    }

    pub fn public(&self) -> [u8; 32] {
        PublicKey::from(&self.secret()).to_bytes()
    }

    /// The recovery key's signing key (derived from it, so it is on the same sheet of paper):
    /// what signs the entries of a `recover`.
    pub fn signer(&self) -> super::Signer {
        let hk = Hkdf::<Sha256>::new(Some(b"uppsok recovery key v1"), self.bytes.as_ref());
        let mut okm = Zeroizing::new([0u8; 32]);
        hk.expand(b"ed25519", okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        super::Signer::from_seed(&okm)
    }

    pub(super) fn static_secret(&self) -> StaticSecret {
        self.secret()
    }

    /// Opens everything sealed to the recovery key: the master key, and every unit's key in a
    /// database of several units.
    pub fn open_held(&self, sealed: &[u8], id: i64) -> Result<super::Held, CryptoError> {
        let (version, plain) = open_sealed_bytes(
            &self.secret(),
            sealed,
            AssociatedData::from(Place::RecoveryWrap(id)),
        )?;
        super::Held::from_portion(&plain, version, false)
    }

    /// Opens the master key sealed to the recovery key.
    pub fn open_master(&self, sealed: &[u8], id: i64) -> Result<MasterKey, CryptoError> {
        open_sealed(
            &self.secret(),
            sealed,
            AssociatedData::from(Place::RecoveryWrap(id)),
        )
    }

    /// The key as people write it down: base32 in groups of five, separated by `-`.
    pub fn display(&self) -> Zeroizing<String> {
        let mut data = Zeroizing::new(self.bytes.to_vec());
        let check = Sha256::digest(self.bytes.as_ref());
        data.extend_from_slice(&check[..2]);
        let mut out = Zeroizing::new(String::with_capacity(70));
        let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
        let mut push = |c: u8, out: &mut String| {
            if n > 0 && n % 5 == 0 {
                out.push('-');
            }
            out.push(c as char);
            n += 1;
        };
        for &b in data.iter() {
            acc = ((acc << 8) | u32::from(b)) & 0xffff;
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                push(BASE32[((acc >> bits) & 31) as usize], &mut out);
            }
        }
        if bits > 0 {
            push(BASE32[((acc << (5 - bits)) & 31) as usize], &mut out);
        }
        out
    }

    /// Parses a recovery key as written down: case, spaces and `-` do not matter.
    pub fn parse(text: &str) -> Result<RecoveryKey, RecoveryKeyError> {
        let mut data = Zeroizing::new(Vec::with_capacity(34));
        let (mut acc, mut bits) = (0u32, 0u32);
        let mut chars = 0;
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let up = c.to_ascii_uppercase() as u32;
            let v = BASE32
                .iter()
                .position(|&b| u32::from(b) == up)
                .ok_or(RecoveryKeyError::Characters)? as u32;
            chars += 1;
            acc = ((acc << 5) | v) & 0xffff;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                data.push((acc >> bits) as u8);
            }
        }
        if chars != 55 || data.len() != 34 {
            return Err(RecoveryKeyError::Length);
        }
        let check = Sha256::digest(&data[..32]);
        if check[..2] != data[32..] {
            return Err(RecoveryKeyError::Checksum);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&data[..32]);
        Ok(RecoveryKey { bytes })
    }
}

/// Why a recovery key as typed is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryKeyError {
    #[error("a recovery key has only the letters A-Z and the digits 2-7")]
    Characters,
    #[error("a recovery key has 55 letters and digits (in groups of five)")]
    Length,
    #[error("the recovery key has a typo (its checksum does not match)")]
    Checksum,
}

// ----- the pseudonym key chain -----------------------------------------------------------

impl Keys {
    /// Adds the pseudonym keys of earlier key versions, as stored (`(version, envelope)`,
    /// sealed under this key version), oldest first. After a rekey a stored pseudonym is
    /// `HMAC(k_n, ... HMAC(k_2, HMAC(k_1, code)))`, and [`Keys::pseudonym`] computes the same.
    pub fn load_pseudonym_chain(&mut self, sealed: &[(u32, Vec<u8>)]) -> Result<(), CryptoError> {
        // Version v holds the pseudonym key of key version v: exactly 1 .. current - 1.
        if sealed.len() as u64 + 1 != u64::from(self.version) {
            return Err(CryptoError::Malformed);
        }
        let mut chain = Vec::with_capacity(sealed.len());
        for ((version, env), expected) in sealed.iter().zip(1u32..) {
            if *version != expected {
                return Err(CryptoError::Malformed);
            }
            let plain = self.open(Place::PseudonymKey(*version), env)?;
            let key: [u8; 32] = plain
                .as_slice()
                .try_into()
                .map_err(|_| CryptoError::Malformed)?;
            chain.push(Zeroizing::new(key));
        }
        self.chain = chain;
        Ok(())
    }

    /// The keys of the next key version: a fresh master key, keys per capability derived from
    /// it, and this version's pseudonym key appended to the chain. `NotHeld` without the
    /// pseudonym key (an auditor's keys).
    pub fn successor(&self) -> Result<(MasterKey, Keys), CryptoError> {
        let current = self.pseudonym.as_ref().ok_or(CryptoError::NotHeld)?;
        let master = MasterKey::generate(self.version + 1);
        let mut keys = master.derive(super::KeyScheme::PerCapability);
        keys.chain = self.chain.clone();
        keys.chain.push(current.clone());
        Ok((master, keys))
    }

    /// As [`Keys::successor`], and under keys per unit (`units` not empty) a fresh key for each
    /// unit: what a rekey seals to every user (their share of it).
    pub fn successor_in(&self, units: &[i64]) -> Result<(super::Held, Keys), CryptoError> {
        let (master, mut keys) = self.successor()?;
        if units.is_empty() {
            return Ok((super::Held::master_key(master), keys));
        }
        let mut held = super::Held::generate(keys.version, units);
        held.replace_master(master);
        keys.set_units(held.unit_ciphers());
        Ok((held, keys))
    }

    /// The pseudonym chain as it is stored under this key version: `(version, envelope)`.
    /// Version `v` holds the pseudonym key of key version `v`.
    pub fn sealed_pseudonym_chain(&self) -> Result<Vec<(u32, Vec<u8>)>, CryptoError> {
        self.chain
            .iter()
            .zip(1u32..)
            .map(|(k, v)| Ok((v, self.seal(Place::PseudonymKey(v), k.as_ref())?)))
            .collect()
    }

    /// A stored pseudonym keyed once more under this version's pseudonym key (a rekey).
    pub fn rekey_pseudonym(&self, previous: &[u8]) -> Result<super::Pseudonym, CryptoError> {
        let current = self.pseudonym.as_ref().ok_or(CryptoError::NotHeld)?;
        Ok(super::hmac(current.as_ref(), &[previous]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyScheme;

    #[test]
    fn a_master_key_sealed_to_a_user_opens_with_their_secret_only() {
        let master = MasterKey::generate(4);
        let (alice, bob) = (UserSecret::generate(), UserSecret::generate());
        let sealed = master.seal_to_user(&alice.public(), 7).unwrap();
        let back = alice.open_master(&sealed, 7).unwrap();
        assert_eq!(back.version(), 4);
        assert_eq!(
            back.derive(KeyScheme::PerCapability).pseudonym(b"x"),
            master.derive(KeyScheme::PerCapability).pseudonym(b"x")
        );
        assert!(bob.open_master(&sealed, 7).is_err());
        assert!(
            alice.open_master(&sealed, 8).is_err(),
            "moved to another user"
        );
        let mut bad = sealed.clone();
        bad[3] ^= 1;
        assert!(alice.open_master(&bad, 7).is_err());
        assert!(alice.open_master(&[], 7).is_err());
    }

    #[test]
    fn a_user_secret_round_trips_through_its_slot() {
        let s = UserSecret::generate();
        let p = KdfParams::for_tests();
        let pass = Passphrase::new("right horse".into());
        let (salt, w) = s.wrap(&pass, p, 3).unwrap();
        let back = UserSecret::unwrap(&pass, p, &salt, &w, 3).unwrap();
        assert_eq!(back.public(), s.public());
        assert_eq!(
            back.signer().map(|k| k.public()),
            s.signer().map(|k| k.public()),
            "the signing key travels in the slot"
        );
        let old = UserSecret::generate_with(None);
        let (salt2, w2) = old.wrap(&pass, p, 3).unwrap();
        let back = UserSecret::unwrap(&pass, p, &salt2, &w2, 3).unwrap();
        assert!(back.signer().is_none(), "a slot from before signing keys");
        assert!(UserSecret::unwrap(&Passphrase::new("wrong".into()), p, &salt, &w, 3).is_err());
        assert!(UserSecret::unwrap(&pass, p, &salt, &w, 4).is_err());
        assert_eq!(format!("{s:?}"), "UserSecret(<redacted>)");
    }

    #[test]
    fn recovery_keys_print_parse_and_catch_typos() {
        let r = RecoveryKey::generate();
        let text = r.display();
        assert_eq!(text.chars().filter(|c| *c != '-').count(), 55);
        let back = RecoveryKey::parse(&text.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(back.public(), r.public());
        let mut typo: Vec<char> = text.chars().collect();
        typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert_eq!(
            RecoveryKey::parse(&typo).unwrap_err(),
            RecoveryKeyError::Checksum
        );
        assert_eq!(
            RecoveryKey::parse("ABC").unwrap_err(),
            RecoveryKeyError::Length
        );
        assert_eq!(
            RecoveryKey::parse("0000").unwrap_err(),
            RecoveryKeyError::Characters
        );
        let master = MasterKey::generate(1);
        let sealed = master.seal_to_recovery(&r.public(), 1).unwrap();
        assert!(back.open_master(&sealed, 1).is_ok());
        assert!(RecoveryKey::generate().open_master(&sealed, 1).is_err());
    }

    #[test]
    fn the_pseudonym_chain_keys_a_code_as_a_rekey_rekeyed_it() {
        let k1 = MasterKey::generate(1).derive(KeyScheme::PerCapability);
        let stored_v1 = k1.pseudonym(b"ab85").unwrap();
        let (_, k2) = k1.successor().unwrap();
        let stored_v2 = k2.rekey_pseudonym(&stored_v1).unwrap();
        assert_eq!(k2.pseudonym(b"ab85").unwrap(), stored_v2);
        let (m3, k3) = k2.successor().unwrap();
        assert_eq!(k3.pseudonym(b"ab85"), k3.rekey_pseudonym(&stored_v2));
        // As stored and loaded again at unlock.
        let sealed = k3.sealed_pseudonym_chain().unwrap();
        assert_eq!(sealed.len(), 2);
        let mut again = m3.derive(KeyScheme::PerCapability);
        assert_ne!(again.pseudonym(b"ab85"), k3.pseudonym(b"ab85"));
        again.load_pseudonym_chain(&sealed).unwrap();
        assert_eq!(again.pseudonym(b"ab85"), k3.pseudonym(b"ab85"));
        // A chain sealed under another key does not load.
        let mut other = MasterKey::generate(3).derive(KeyScheme::PerCapability);
        assert!(other.load_pseudonym_chain(&sealed).is_err());
    }
}
