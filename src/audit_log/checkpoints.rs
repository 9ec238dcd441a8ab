//! Checkpoints: anchors for the log kept outside the file (a council report, a printed sheet),
//! so that a log rolled back, cut or rewritten shows against them.

use super::chain::Mark;
use crate::storage::AuditRow;

/// A checkpoint: a log entry's number and the first 16 bytes of the running hash after it
/// (`SEQ-HEX`, 32 hex digits), which commits to that entry and every one before it. Made of
/// the entries' content only, so it survives rekeys; a log with any entry up to SEQ deleted,
/// changed, reordered or cut, or a whole file rolled back to before SEQ, does not reach it.
///
/// Checkpoints printed before format 3 (16 hex digits) named one entry's own hash; they are
/// still read, and checked against that one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    prefix: Vec<u8>,
}

impl Checkpoint {
    /// The checkpoint at an entry as stored (its running hash); None for an entry whose mark
    /// is not one.
    pub fn of(r: &AuditRow) -> Option<Checkpoint> {
        let mark = Mark::parse(&r.mac)?;
        Some(Checkpoint {
            seq: r.seq,
            prefix: mark.hash[..16].to_vec(),
        })
    }

    /// Whether the entry with this checkpoint's number, whose running hash (recomputed over
    /// the log from its first entry) is `hash`, is the one the checkpoint names.
    pub fn holds_at(&self, r: &AuditRow, hash: &[u8; 32]) -> bool {
        if r.seq != self.seq {
            return false;
        }
        match self.prefix.len() {
            16 => hash[..16] == self.prefix[..],
            _ => legacy_hash(r)[..8] == self.prefix[..],
        }
    }

    /// Whether this is a checkpoint of the form before format 3 (one entry only).
    pub fn is_legacy(&self) -> bool {
        self.prefix.len() != 16
    }

    /// Parses `SEQ-HEX` (32 hex digits, or 16 for a checkpoint from before format 3); `None`
    /// if it is not one.
    pub fn parse(s: &str) -> Option<Checkpoint> {
        let (seq, hex) = s.trim().split_once('-')?;
        let seq: i64 = seq.parse().ok().filter(|&n| n > 0)?;
        if !matches!(hex.len(), 16 | 32) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let prefix = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Checkpoint { seq, prefix })
    }
}

/// The hash a checkpoint from before format 3 took of its one entry.
fn legacy_hash(r: &AuditRow) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"uppsok/checkpoint/1");
    h.update(super::entry_bytes(
        r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail,
    ));
    h.finalize().into()
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-", self.seq)?;
        for b in &self.prefix {
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
        let s = format!("42-{}", "ab".repeat(16));
        let cp = Checkpoint::parse(&s).unwrap();
        assert_eq!(cp.seq, 42);
        assert!(!cp.is_legacy());
        assert_eq!(cp.to_string(), s);
        let old = Checkpoint::parse("42-abababababababab").unwrap();
        assert!(old.is_legacy());
        assert_eq!(old.to_string(), "42-abababababababab");
        for junk in [
            "",
            "42",
            "42-abab",
            "x-abababababababab",
            "0-abababababababab",
            "42-zzzzzzzzzzzzzzzz",
            "42-+a+a+a+a+a+a+a+a",
            "42-ababababababababab",
        ] {
            assert_eq!(Checkpoint::parse(junk), None, "{junk}");
        }
    }
}
