//! Passphrases and Argon2id.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::CryptoError;

/// A passphrase, held in zeroizing memory and never printed.
pub struct Passphrase(SecretString);

impl Passphrase {
    pub fn new(s: String) -> Self {
        Passphrase(SecretString::from(s))
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
    pub fn for_new_slot() -> KdfParams {
        #[cfg(debug_assertions)]
        if std::env::var_os("UPPSOK_INSECURE_TEST_KDF").is_some_and(|v| v == "1") {
            return KdfParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            };
        }
        Self::MINIMUM
    }

    /// Whether a slot with these parameters may be opened by this build.
    pub fn may_open(&self) -> bool {
        if cfg!(debug_assertions) {
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
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|_| CryptoError::KdfParams)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
            .map_err(|_| CryptoError::KdfParams)?;
        Ok(out)
    }
}
