//! Signing keys: every change is signed by its author (docs/security.md, "Signatures").
//!
//! Each user holds an Ed25519 signing key in their key slot (beside their X25519 secret, under
//! their passphrase); the recovery key derives one of its own. Only public keys are stored in
//! the database (in the log entries that grant them), so whoever can write the file, with every
//! other key, still cannot sign in another user's name.

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::rngs::OsRng;
use zeroize::Zeroizing;

/// A signing key. The secret half is zeroized on drop (every copy) and never printed.
pub struct Signer {
    key: SigningKey,
}

impl Clone for Signer {
    fn clone(&self) -> Signer {
        Signer::from_seed(&self.seed())
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signer(public {}, <redacted>)",
            public_hex(&self.public())
        )
    }
}

/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;

impl Signer {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Signer {
        Signer {
            key: SigningKey::generate(&mut OsRng),
        }
    }

    /// The key of a 32-byte seed (crypto module only: seeds come out of slots).
    pub(super) fn from_seed(seed: &[u8; 32]) -> Signer {
        Signer {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The 32-byte seed, for a key slot (crypto module only).
    pub(super) fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The public half: what the log grants and verifies against.
    pub fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Signs `message` under a domain label, so that a signature made for one purpose is
    /// never valid for another.
    pub fn sign(&self, domain: &[u8], message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.key.sign(&labelled(domain, message)).to_bytes()
    }
}

/// Checks a signature made by [`Signer::sign`] with the same domain label. Strict: rejects
/// non-canonical and small-order keys and signatures.
pub fn verify(public: &[u8; 32], domain: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(&labelled(domain, message), &sig).is_ok()
}

fn labelled(domain: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len() + message.len() + 9);
    out.extend_from_slice(&(domain.len() as u64).to_le_bytes());
    out.extend_from_slice(domain);
    out.push(0);
    out.extend_from_slice(message);
    out
}

/// A public key as the log writes it: 64 lower-case hex digits.
pub fn public_hex(public: &[u8; 32]) -> String {
    super::pseudonym_hex(public)
}

/// Reads a public key written by [`public_hex`].
pub fn parse_public_hex(s: &str) -> Option<[u8; 32]> {
    super::parse_pseudonym_hex(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_key_domain_and_message() {
        let a = Signer::generate();
        let b = Signer::generate();
        let sig = a.sign(b"log", b"entry 1");
        assert!(verify(&a.public(), b"log", b"entry 1", &sig));
        assert!(!verify(&b.public(), b"log", b"entry 1", &sig), "other key");
        assert!(
            !verify(&a.public(), b"head", b"entry 1", &sig),
            "other domain"
        );
        assert!(
            !verify(&a.public(), b"log", b"entry 2", &sig),
            "other message"
        );
        for i in 0..sig.len() {
            let mut s = sig;
            s[i] ^= 1;
            assert!(!verify(&a.public(), b"log", b"entry 1", &s), "byte {i}");
        }
        assert!(!verify(&a.public(), b"log", b"entry 1", &sig[..63]));
        assert!(!verify(&[0u8; 32], b"log", b"entry 1", &sig));
    }

    #[test]
    fn seeds_round_trip_and_debug_shows_no_secret() {
        let a = Signer::generate();
        let b = Signer::from_seed(&a.seed());
        assert_eq!(a.public(), b.public());
        let shown = format!("{a:?}");
        assert!(shown.contains(&public_hex(&a.public())));
        assert!(!shown.contains(&public_hex(&a.seed())));
        assert_eq!(parse_public_hex(&public_hex(&a.public())), Some(a.public()));
    }
}
