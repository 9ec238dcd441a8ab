//! The record keys of the cell key method (docs/statistics.md, docs/security.md).
//!
//! Each database has one random 32-byte **cell key secret**, sealed under the categories key in
//! `meta.cellkey_secret` ([`super::Place::CellKeySecret`]). A record's key is derived from it,
//! never stored: the first four bytes (little-endian) of HMAC-SHA256(secret, tag || id), with
//! the tag `uppsok cellkey contact` for a contact and `uppsok cellkey person` for a person (its
//! merged, canonical id). To anyone without the secret the keys are independent uniform
//! numbers, as stored random keys would be; they cost no byte per row, and every contact made
//! before the secret existed has one too. A rekey re-seals the same secret (it never makes a
//! new one), so the same cell is perturbed the same way before and after.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::CryptoError;

type HmacSha256 = Hmac<Sha256>;

const CONTACT_TAG: &[u8] = b"uppsok cellkey contact";
const PERSON_TAG: &[u8] = b"uppsok cellkey person";
const DIGEST_TAG: &[u8] = b"uppsok publication digest";

/// The cell key secret of one database: 32 random bytes, zeroized on drop, never printed.
pub struct CellKeySecret {
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for CellKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CellKeySecret(<redacted>)")
    }
}

impl CellKeySecret {
    /// A fresh secret from the operating system's generator.
    pub fn generate() -> CellKeySecret {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        CellKeySecret { bytes }
    }

    /// A secret from its 32 bytes (as it opens from its envelope; tests make their own).
    pub fn from_bytes(bytes: &[u8]) -> Result<CellKeySecret, CryptoError> {
        let b: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(CellKeySecret {
            bytes: Zeroizing::new(b),
        })
    }

    /// The bytes, to be sealed (crate-internal: nothing outside crypto and the vault's
    /// sealing sees them).
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// What the log commits to: SHA-256 of a domain tag and the secret. The secret is 32
    /// random bytes, so the hash lets no one test guesses; it survives a rekey's re-seal (the
    /// plaintext stays), and any other secret gives another hash.
    pub fn commitment(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"uppsok/cellkey-secret/1");
        h.update(self.bytes.as_ref());
        h.finalize().into()
    }

    /// The keyed digest of what a publication under suppression shows (the publication
    /// register, docs/statistics.md): an HMAC under the secret, so that it outlives a rekey as
    /// the cell keys do and tells nothing to whoever lacks the secret. Feed it the period's
    /// contacts and finalise.
    pub fn publication_digest(&self) -> Hmac<Sha256> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.bytes.as_ref())
            .expect("HMAC takes a key of any length");
        mac.update(DIGEST_TAG);
        mac
    }

    /// The record keys this secret gives.
    pub fn record_keys(&self) -> RecordKeys {
        let keyed = <HmacSha256 as Mac>::new_from_slice(self.bytes.as_ref())
            .expect("HMAC takes a key of any length");
        let mut contact = keyed.clone();
        contact.update(CONTACT_TAG);
        let mut person = keyed;
        person.update(PERSON_TAG);
        RecordKeys { contact, person }
    }
}

/// Derives record keys: the HMAC state keyed with the secret and its tag already absorbed,
/// cloned for each record rather than keyed anew. Holds key-derived state: never printed.
#[derive(Clone)]
pub struct RecordKeys {
    contact: HmacSha256,
    person: HmacSha256,
}

impl fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordKeys(<redacted>)")
    }
}

impl RecordKeys {
    /// The record keys of a secret given as bytes: for tests and property tests (the vault
    /// opens the database's own secret).
    pub fn from_secret_bytes(bytes: &[u8; 32]) -> RecordKeys {
        CellKeySecret {
            bytes: Zeroizing::new(*bytes),
        }
        .record_keys()
    }

    /// A contact's record key, by contact id: a fraction of 2^32.
    pub fn contact(&self, id: i64) -> u32 {
        first_u32(self.contact.clone(), id)
    }

    /// A person's record key, by the person's (merged, canonical) id.
    pub fn person(&self, id: i64) -> u32 {
        first_u32(self.person.clone(), id)
    }
}

fn first_u32(mut mac: HmacSha256, id: i64) -> u32 {
    mac.update(&id.to_le_bytes());
    let out = mac.finalize().into_bytes();
    u32::from_le_bytes([out[0], out[1], out[2], out[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn independent(secret: &[u8; 32], tag: &[u8], id: i64) -> u32 {
        let mut m = <HmacSha256 as Mac>::new_from_slice(secret).unwrap();
        m.update(tag);
        m.update(&id.to_le_bytes());
        let b = m.finalize().into_bytes();
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    #[test]
    fn record_keys_are_the_documented_hmac_and_deterministic() {
        let bytes = [7u8; 32];
        let k = RecordKeys::from_secret_bytes(&bytes);
        for id in [0, 1, 2, 1000, i64::MAX] {
            assert_eq!(k.contact(id), independent(&bytes, CONTACT_TAG, id));
            assert_eq!(k.person(id), independent(&bytes, PERSON_TAG, id));
            assert_eq!(k.contact(id), k.contact(id));
        }
        // Contacts and persons of the same id get unrelated keys.
        assert_ne!(k.contact(1), k.person(1));
        let again = CellKeySecret::from_bytes(&bytes).unwrap().record_keys();
        assert_eq!(again.contact(42), k.contact(42));
    }

    #[test]
    fn record_keys_differ_between_ids_and_between_databases() {
        let (a, b) = (CellKeySecret::generate(), CellKeySecret::generate());
        assert_ne!(a.commitment(), b.commitment());
        let (ka, kb) = (a.record_keys(), b.record_keys());
        let n = 10_000i64;
        let same_db: std::collections::HashSet<u32> = (1..=n).map(|i| ka.contact(i)).collect();
        // 10,000 draws from 2^32: a collision or two at most (expected 0.01).
        assert!(same_db.len() as i64 >= n - 2, "{}", same_db.len());
        let equal = (1..=n).filter(|i| ka.contact(*i) == kb.contact(*i)).count();
        assert!(equal <= 1, "{equal} ids with the same key in two databases");
        let equal = (1..=n).filter(|i| ka.person(*i) == kb.person(*i)).count();
        assert!(equal <= 1, "{equal}");
    }

    /// 100,000 ids in 64 buckets: chi-square with 63 degrees of freedom, whose 99.99th
    /// percentile is about 116 (a correct implementation fails once in 10,000 runs). Also
    /// the low bits alone and the sum modulo 2^32 of pairs, which the cell key method uses.
    #[test]
    fn record_keys_look_uniform() {
        let k = CellKeySecret::generate().record_keys();
        let n = 100_000i64;
        let chi = |values: &mut dyn Iterator<Item = u32>, bucket: &dyn Fn(u32) -> usize| {
            let mut counts = [0u64; 64];
            let mut total = 0u64;
            for v in values {
                counts[bucket(v)] += 1;
                total += 1;
            }
            let expected = total as f64 / 64.0;
            counts
                .iter()
                .map(|&c| (c as f64 - expected).powi(2) / expected)
                .sum::<f64>()
        };
        let high = |v: u32| (v >> 26) as usize;
        let low = |v: u32| (v & 63) as usize;
        for (what, x) in [
            (
                "contact, high bits",
                chi(&mut (1..=n).map(|i| k.contact(i)), &high),
            ),
            (
                "contact, low bits",
                chi(&mut (1..=n).map(|i| k.contact(i)), &low),
            ),
            (
                "person, high bits",
                chi(&mut (1..=n).map(|i| k.person(i)), &high),
            ),
            (
                "pair sums",
                chi(
                    &mut (1..=n).map(|i| k.contact(i).wrapping_add(k.contact(i + 1))),
                    &high,
                ),
            ),
        ] {
            assert!(
                x < 116.0,
                "{what}: chi-square {x:.1} over 63 degrees of freedom"
            );
        }
        // And a constant function fails the same test (the test can fail).
        assert!(chi(&mut (1..=n).map(|_| 5u32 << 26), &high) > 116.0);
    }

    #[test]
    fn nothing_prints_a_byte_of_the_secret() {
        let s = CellKeySecret::from_bytes(&[0xab; 32]).unwrap();
        assert_eq!(format!("{s:?}"), "CellKeySecret(<redacted>)");
        assert_eq!(format!("{:?}", s.record_keys()), "RecordKeys(<redacted>)");
        assert!(CellKeySecret::from_bytes(&[1; 31]).is_err());
    }
}
