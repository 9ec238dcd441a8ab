//! Passphrases and Argon2id.

use std::fmt;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::CryptoError;

/// A passphrase, held in zeroizing memory and never printed.
pub struct Passphrase(SecretString);

impl Passphrase {
    /// Takes the passphrase out of `s`: copied once into an exact-size secret buffer, and the
    /// original wiped, so no copy outlives it in freed memory.
    pub fn new(mut s: String) -> Self {
        use zeroize::Zeroize;
        let exact: Box<str> = Box::from(s.as_str());
        s.zeroize();
        Passphrase(SecretString::from(exact))
    }
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
    /// Length in characters.
    pub fn chars(&self) -> usize {
        self.expose().chars().count()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// Argon2id parameters of a key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// The documented minimum (docs/security.md): 64 MiB, 3 passes, 1 lane. A build users run
    /// never creates a slot below it and never opens one below it.
    pub const MINIMUM: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// The most a key slot may ask for: 4 GiB of memory, 64 passes, 16 lanes. Parameters read
    /// from the file are checked against these bounds before any derivation is attempted: a
    /// slot changed outside uppsok could otherwise ask for terabytes and abort the process.
    pub const MAXIMUM: KdfParams = KdfParams {
        memory_kib: 4 * 1024 * 1024,
        iterations: 64,
        parallelism: 16,
    };

    /// Parameters as stored in a key slot, if each is between 1 and [`KdfParams::MAXIMUM`]
    /// (`None` for a slot changed outside uppsok: it must not be opened).
    pub fn from_stored(memory_kib: i64, iterations: i64, parallelism: i64) -> Option<KdfParams> {
        let params = KdfParams {
            memory_kib: u32::try_from(memory_kib).ok()?,
            iterations: u32::try_from(iterations).ok()?,
            parallelism: u32::try_from(parallelism).ok()?,
        };
        params.within_bounds().then_some(params)
    }

    /// Whether every parameter is at least 1 and at most [`KdfParams::MAXIMUM`]'s, and the
    /// memory at least Argon2's own floor of 8 KiB per lane (below it Argon2 refuses to run, so
    /// unlock and the audit would otherwise disagree about such a slot).
    pub fn within_bounds(&self) -> bool {
        let max = Self::MAXIMUM;
        (1..=max.memory_kib).contains(&self.memory_kib)
            && (1..=max.iterations).contains(&self.iterations)
            && (1..=max.parallelism).contains(&self.parallelism)
            && u64::from(self.memory_kib) >= 8 * u64::from(self.parallelism)
    }

    /// Whether these parameters are at or above the minimum.
    pub fn meets_minimum(&self) -> bool {
        self.memory_kib >= Self::MINIMUM.memory_kib
            && self.iterations >= Self::MINIMUM.iterations
            && self.parallelism >= Self::MINIMUM.parallelism
    }

    /// Cheap parameters for unit tests of this crate only.
    #[cfg(test)]
    pub fn for_tests() -> KdfParams {
        KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    /// The parameters for a new key slot.
    ///
    /// Debug builds (the ones `cargo test` runs) honour `UPPSOK_INSECURE_TEST_KDF=1` to make
    /// the many slots of the test suite cheap. The code is compiled out of release builds, so
    /// a binary users run cannot take this path.
    #[cfg(not(test))]
    pub fn for_new_slot() -> KdfParams {
        #[cfg(debug_assertions)]
        if let Some(v) = std::env::var_os("UPPSOK_INSECURE_TEST_KDF") {
            // "2" stands for a raised configured minimum, so tests can see slots raised.
            if v == "1" || v == "2" {
                let raised = v == "2";
                return KdfParams {
                    memory_kib: if raised { 128 } else { 64 },
                    iterations: if raised { 2 } else { 1 },
                    parallelism: 1,
                };
            }
        }
        Self::MINIMUM
    }

    /// The crate's own unit tests (the vault on the in-memory store) make cheap slots; a
    /// `cfg(test)` build is never one users run.
    #[cfg(test)]
    pub fn for_new_slot() -> KdfParams {
        Self::for_tests()
    }

    /// Whether a slot with these parameters is weaker, in any of them, than `target` (the
    /// parameters new slots get), and so should be raised at its next unlock.
    pub fn below(&self, target: KdfParams) -> bool {
        self.memory_kib < target.memory_kib
            || self.iterations < target.iterations
            || self.parallelism < target.parallelism
    }

    /// The parameters this slot should be raised to at its next unlock, if any: each at least
    /// as high as those new slots get. A cheap test slot (debug builds only) opened by a
    /// process without the test switch is left alone: raising it would only make it slow.
    pub fn raise_target(&self) -> Option<KdfParams> {
        let target = Self::for_new_slot();
        if !self.below(target) {
            return None;
        }
        let test_switch = cfg!(debug_assertions)
            && std::env::var_os("UPPSOK_INSECURE_TEST_KDF").is_some_and(|v| v == "1" || v == "2");
        if !self.meets_minimum() && !test_switch {
            return None;
        }
        Some(self.raised_to(target))
    }

    /// Each parameter at least as high as in `target`.
    pub fn raised_to(&self, target: KdfParams) -> KdfParams {
        KdfParams {
            memory_kib: self.memory_kib.max(target.memory_kib),
            iterations: self.iterations.max(target.iterations),
            parallelism: self.parallelism.max(target.parallelism),
        }
    }

    /// Whether a slot with these parameters may be opened by this build: a release build users
    /// run opens only slots at the minimum; debug builds and the crate's own unit tests (cheap
    /// slots, `cfg(test)`, never a binary users run) open any.
    pub fn may_open(&self) -> bool {
        if cfg!(debug_assertions) || cfg!(test) {
            true
        } else {
            self.meets_minimum()
        }
    }

    pub(super) fn derive(
        &self,
        passphrase: &Passphrase,
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
        if !self.within_bounds() {
            return Err(CryptoError::KdfParams);
        }
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|_| CryptoError::KdfParams)?;
        // The memory is asked for here, so that a machine without enough of it gives an error
        // instead of aborting the process (as `hash_password_into`'s own allocation would).
        let mut blocks: Vec<Block> = Vec::new();
        blocks
            .try_reserve_exact(params.block_count())
            .map_err(|_| CryptoError::OutOfMemory)?;
        blocks.resize(params.block_count(), Block::default());
        derive_in(params, passphrase, salt, &mut blocks)
    }
}

/// Argon2id of `passphrase` and `salt` in `blocks`, which are wiped afterwards, whatever the
/// outcome: the last block of each lane gives the key (the crate wipes its own copies of it,
/// not the caller's memory), and freed memory may be paged out or handed out again.
fn derive_in(
    params: Params,
    passphrase: &Passphrase,
    salt: &[u8],
    blocks: &mut [Block],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    use zeroize::Zeroize;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    let hashed = argon.hash_password_into_with_memory(
        passphrase.expose().as_bytes(),
        salt,
        out.as_mut(),
        &mut *blocks,
    );
    blocks.iter_mut().for_each(Zeroize::zeroize);
    hashed.map_err(|_| CryptoError::KdfParams)?;
    Ok(out)
}

/// Seals `plain` under a key derived from `passphrase` (a fresh random salt) with AES-256-GCM:
/// how a key slot protects what it holds. Returns (salt, envelope).
pub(super) fn seal_under_passphrase(
    passphrase: &Passphrase,
    params: KdfParams,
    ad: &super::AssociatedData,
    key_version: u32,
    plain: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    use aes_gcm::aead::KeyInit;
    use rand::RngCore;
    let mut salt = vec![0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let kek = params.derive(passphrase, &salt)?;
    let cipher =
        aes_gcm::Aes256Gcm::new_from_slice(kek.as_ref()).map_err(|_| CryptoError::Malformed)?;
    Ok((salt, super::envelope::seal(&cipher, key_version, ad, plain)))
}

/// Opens what [`seal_under_passphrase`] sealed. A wrong passphrase and a changed or moved
/// envelope both give `Authentication`. Returns (key version, plaintext).
pub(super) fn open_under_passphrase(
    passphrase: &Passphrase,
    params: KdfParams,
    salt: &[u8],
    envelope: &[u8],
    ad: &super::AssociatedData,
) -> Result<(u32, Zeroizing<Vec<u8>>), CryptoError> {
    use aes_gcm::aead::KeyInit;
    let kek = params.derive(passphrase, salt)?;
    let cipher =
        aes_gcm::Aes256Gcm::new_from_slice(kek.as_ref()).map_err(|_| CryptoError::Malformed)?;
    super::envelope::open(&cipher, ad, envelope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derivations_memory_is_wiped_after_it() {
        let params = Params::new(64, 1, 1, Some(32)).unwrap();
        let mut blocks = vec![Block::default(); params.block_count()];
        let pass = Passphrase::new("correct horse battery staple".into());
        let key = derive_in(params.clone(), &pass, b"saltsaltsaltsalt", &mut blocks).unwrap();
        let zero = Block::default();
        assert!(blocks.iter().all(|b| b.as_ref() == zero.as_ref()));
        // The same key as the crate's own allocation gives.
        let mut expected = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pass.expose().as_bytes(), b"saltsaltsaltsalt", &mut expected)
            .unwrap();
        assert_eq!(*key, expected);
    }

    #[test]
    fn stored_parameters_outside_the_bounds_are_refused_and_never_derived() {
        let max = KdfParams::MAXIMUM;
        assert_eq!(max.memory_kib, 4_194_304);
        assert_eq!(
            KdfParams::from_stored(4_194_304, 64, 16),
            Some(KdfParams::MAXIMUM)
        );
        assert_eq!(
            KdfParams::from_stored(65_536, 3, 1),
            Some(KdfParams::MINIMUM)
        );
        for (m, t, p) in [
            (4_194_305, 3, 1),
            (1 << 31, 3, 1),
            (1 << 40, 3, 1),
            (-1, 3, 1),
            (0, 3, 1),
            (65_536, 65, 1),
            (65_536, 0, 1),
            (65_536, 3, 17),
            (65_536, 3, 0),
            // Below Argon2's own floor of 8 KiB a lane: unlock and audit must agree on these.
            (1, 3, 1),
            (7, 3, 1),
            (64, 3, 16),
            (16, 3, 4),
        ] {
            assert_eq!(KdfParams::from_stored(m, t, p), None, "m={m} t={t} p={p}");
        }
        // Even when built directly, out-of-bounds parameters derive nothing (no allocation).
        let huge = KdfParams {
            memory_kib: u32::MAX,
            iterations: 3,
            parallelism: 1,
        };
        let pass = Passphrase::new("right horse battery".into());
        assert_eq!(
            huge.derive(&pass, &[0; 16]).unwrap_err(),
            CryptoError::KdfParams
        );
        assert!(KdfParams::for_tests().derive(&pass, &[0; 16]).is_ok());
    }
}
