//! Checkpoints: anchors for the log kept outside the file (a council report, a printed sheet),
//! so that a log rolled back or rewritten shows against them.

use crate::storage::AuditRow;

/// A checkpoint: a log entry's number and the first 8 bytes of a SHA-256 of the entry (every
/// field the chain's MAC covers), written `SEQ-HEX`. A hash of the content rather than the MAC:
/// `rekey` (also run when a user is disabled) re-seals the chain under a new key, and a
/// checkpoint kept in last year's report must still hold. The content is stored in the clear,
/// so the hash reveals nothing; a different entry with that number fails to match, and a forged
/// one would not verify in the chain without the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash_prefix: [u8; 8],
}

impl Checkpoint {
    /// The checkpoint of an entry.
    pub fn of(r: &AuditRow) -> Checkpoint {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"uppsok/checkpoint/1");
        h.update(super::entry_bytes(
            r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail,
        ));
        let digest = h.finalize();
        let mut hash_prefix = [0u8; 8];
        hash_prefix.copy_from_slice(&digest[..8]);
        Checkpoint {
            seq: r.seq,
            hash_prefix,
        }
    }

    /// Parses `SEQ-HEX` (16 hex digits); `None` if it is not one.
    pub fn parse(s: &str) -> Option<Checkpoint> {
        let (seq, hex) = s.trim().split_once('-')?;
        let seq: i64 = seq.parse().ok().filter(|&n| n > 0)?;
        if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut hash_prefix = [0u8; 8];
        for (i, b) in hash_prefix.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Checkpoint { seq, hash_prefix })
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-", self.seq)?;
        for b in self.hash_prefix {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_and_refuse_junk() {
        let cp = Checkpoint {
            seq: 42,
            hash_prefix: [0xab; 8],
        };
        let s = cp.to_string();
        assert_eq!(s, "42-abababababababab");
        assert_eq!(Checkpoint::parse(&s), Some(cp));
        for junk in [
            "",
            "42",
            "42-abab",
            "x-abababababababab",
            "0-abababababababab",
            "42-zzzzzzzzzzzzzzzz",
            "42-+a+a+a+a+a+a+a+a",
        ] {
            assert_eq!(Checkpoint::parse(junk), None, "{junk}");
        }
    }
}
