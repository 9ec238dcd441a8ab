//! The chain: every entry's running hash commits to every entry before it, and every entry is
//! signed by its author over that hash.
//!
//! ```text
//! hash_n      = SHA-256("uppsok/log-hash/1" || hash_{n-1} || entry_n)     hash_0 = 32 zero bytes
//! signature_n = Ed25519(author's signing key, "uppsok/log-signature/1" || hash_n)
//! mark_n      = signature_n || hash_n   (stored in the entry's `mac` column, 96 bytes)
//! ```
//!
//! Entries written before format 3 (when the chain was an HMAC under a key every user held)
//! keep their running hash only (32 bytes): they are covered by the signature of the `upgrade`
//! entry that follows them, whose administrator verified their old chain first.
//!
//! A checkpoint is (n, hash_n): it commits to the whole log up to n, whoever signed it, and
//! survives rekeys (nothing here depends on the database's keys).

use sha2::{Digest, Sha256};

use super::authority::{Authority, Refusal};
use super::entries::{entry_bytes, Action};
use crate::crypto::{Signer, SIGNATURE_LEN};
use crate::storage::prelude::*;
use crate::storage::{AuditRow, Visit, NEXT};

/// The domain label of an entry's signature.
pub const SIGNATURE_DOMAIN: &[u8] = b"uppsok/log-signature/1";

/// The running hash after `entry` (the bytes of [`entry_bytes`]).
pub fn link(previous: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"uppsok/log-hash/1");
    h.update(previous);
    h.update(entry);
    h.finalize().into()
}

/// The running hash of a row as stored, recomputed from `previous`.
pub fn link_row(previous: &[u8; 32], r: &AuditRow) -> [u8; 32] {
    link(
        previous,
        &entry_bytes(r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail),
    )
}

/// What an entry's `mac` column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// None for an entry from before format 3.
    pub signature: Option<[u8; SIGNATURE_LEN]>,
    pub hash: [u8; 32],
}

impl Mark {
    /// Reads a stored mark: 96 bytes (signature, hash) or 32 (hash only); else None.
    pub fn parse(bytes: &[u8]) -> Option<Mark> {
        match bytes.len() {
            32 => Some(Mark {
                signature: None,
                hash: bytes.try_into().ok()?,
            }),
            96 => Some(Mark {
                signature: Some(bytes[..64].try_into().ok()?),
                hash: bytes[64..].try_into().ok()?,
            }),
            _ => None,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        if let Some(s) = &self.signature {
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&self.hash);
        out
    }
}

/// Appends an entry signed by `signer` inside the caller's transaction, so it commits or rolls
/// back with the change it records. `user_id` is the author (none: the recovery key).
pub fn append(
    tx: &dyn Transaction,
    signer: &Signer,
    user_id: Option<i64>,
    action: Action,
    objects: &str,
    detail: &str,
) -> crate::storage::Result<AuditRow> {
    let changed = crate::storage::StorageError::Changed;
    let head = tx.audit_head()?;
    // The entry built on must be the head the last append recorded: an entry inserted past it
    // behind uppsok's back (on a server the application's database password is enough) would
    // otherwise be chained to, and the log broken for good; refused, the log goes on from its
    // real head once the entry is removed. (A log older than the recorded head has none.)
    if let Some(recorded) = tx.meta(HEAD_META_KEY)? {
        let last = head
            .as_ref()
            .and_then(|(seq, mac)| Some(head_text(*seq, &Mark::parse(mac)?.hash)));
        if last.as_deref() != Some(recorded.as_str()) {
            let seq = head.as_ref().map_or(0, |(seq, _)| *seq);
            return Err(changed(format!(
                "log entry {seq} is not the head the log recorded"
            )));
        }
    }
    let (seq, previous) = match head {
        Some((seq, mac)) => (
            seq.checked_add(1)
                .ok_or_else(|| changed(format!("the number of log entry {seq}")))?,
            Mark::parse(&mac)
                .map(|m| m.hash)
                .ok_or_else(|| changed(format!("the mark of log entry {seq}")))?,
        ),
        None => (1, [0u8; 32]),
    };
    let at = crate::domain::now_timestamp();
    let hash = link(
        &previous,
        &entry_bytes(seq, &at, user_id, action.as_str(), objects, detail),
    );
    let mark = Mark {
        signature: Some(signer.sign(SIGNATURE_DOMAIN, &hash)),
        hash,
    };
    let row = AuditRow {
        seq,
        at,
        user_id,
        action: action.as_str().to_string(),
        objects: objects.to_string(),
        detail: detail.to_string(),
        mac: mark.to_bytes(),
    };
    tx.insert_audit(&row)?;
    tx.set_meta(HEAD_META_KEY, &head_text(seq, &hash))?;
    Ok(row)
}

/// The meta key under which [`append`] records the head of the log.
pub const HEAD_META_KEY: &str = "audit_head";

/// The recorded head: `SEQ:HEX` with the running hash of the last entry. Entries cut from the
/// end by someone who does not also rewrite it leave it pointing past the end (someone who
/// holds a user's keys can rewrite it: checkpoints kept outside the file are for that).
pub fn head_text(seq: i64, hash: &[u8; 32]) -> String {
    format!("{seq}:{}", crate::crypto::pseudonym_hex(hash))
}

/// Where the chain first breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Sequence numbers are not 1, 2, 3, ...: an entry was removed or inserted.
    Gap { expected: i64, found: i64 },
    /// An entry's stored hash is not the hash of its content and the one before: it was
    /// changed, or one before it was.
    BadHash { seq: i64 },
    /// An entry's signature does not verify under its author's key.
    BadSignature { seq: i64 },
    /// The author may not have made this entry (not an administrator, disabled, unknown, or
    /// granting a key that is not theirs to grant).
    NotAllowed { seq: i64, why: Refusal },
    /// An entry without a signature after the first signed one, or a log that never reaches a
    /// signed entry.
    Unsigned { seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap { expected, found } => {
                write!(f, "entry {expected} is missing (the next is {found})")
            }
            ChainBreak::BadHash { seq } => write!(
                f,
                "entry {seq} does not hash to what the log recorded (it or one before it was changed)"
            ),
            ChainBreak::BadSignature { seq } => {
                write!(f, "entry {seq} is not signed by its author")
            }
            ChainBreak::NotAllowed { seq, why } => write!(f, "entry {seq}: {why}"),
            ChainBreak::Unsigned { seq } => write!(f, "entry {seq} carries no signature"),
        }
    }
}

/// What a verified log gives.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The number of entries.
    pub entries: i64,
    /// Who holds which role and key, as the log grants them.
    pub authority: Authority,
    /// The running hash after the last entry (zeros for an empty log).
    pub head: [u8; 32],
}

/// Verifies the whole log: sequence numbers, every running hash, every signature under the
/// key its author held at that point, and that the author was allowed to make the entry. Legacy
/// entries (no signature) may only come before the first signed one, which must be the root
/// (`init`, or the `upgrade` to format 3).
pub fn verify_log(rows: impl IntoIterator<Item = AuditRow>) -> Result<Verified, ChainBreak> {
    let mut authority = Authority::default();
    let mut previous = [0u8; 32];
    let mut expected = 1;
    let mut signed_seen = false;
    for r in rows {
        if r.seq != expected {
            return Err(ChainBreak::Gap {
                expected,
                found: r.seq,
            });
        }
        let Some(mark) = Mark::parse(&r.mac) else {
            return Err(ChainBreak::BadHash { seq: r.seq });
        };
        let hash = link_row(&previous, &r);
        if hash != mark.hash {
            return Err(ChainBreak::BadHash { seq: r.seq });
        }
        match mark.signature {
            None if signed_seen => return Err(ChainBreak::Unsigned { seq: r.seq }),
            None => {}
            Some(sig) => {
                signed_seen = true;
                authority.admit(&r, &hash, &sig).map_err(|why| match why {
                    Refusal::BadSignature => ChainBreak::BadSignature { seq: r.seq },
                    why => ChainBreak::NotAllowed { seq: r.seq, why },
                })?;
            }
        }
        previous = hash;
        expected += 1;
    }
    if expected > 1 && !signed_seen {
        return Err(ChainBreak::Unsigned { seq: expected - 1 });
    }
    Ok(Verified {
        entries: expected - 1,
        authority,
        head: previous,
    })
}

/// The grants alone, as a sign-in reads them: only the entries that grant or change a role or
/// a key are checked (each signature over the hash recomputed from the stored hash of the entry
/// before it), so a sign-in stays fast whatever the size of the log. A grant that does not
/// verify is left out, and the replay goes on: a forged grant gives nothing, and a log damaged
/// by someone locks no one out (`audit` verifies everything and names it). One exception, to
/// fail safe: a `user_disable` that does not verify still disables.
pub fn grants(
    scan: impl FnOnce(&mut dyn FnMut(AuditRow) -> Visit) -> crate::storage::Result<()>,
) -> crate::storage::Result<Authority> {
    let mut authority = Authority::default();
    let mut previous = [0u8; 32];
    let mut signed_seen = false;
    scan(&mut |r| {
        let mark = Mark::parse(&r.mac);
        let grants = Authority::grants_something(&r);
        let admitted = match mark {
            Some(m) if grants || (authority.root().is_none() && m.signature.is_some()) => {
                // Only these entries are hashed here: the rest is the audit's to verify.
                let hash = link_row(&previous, &r);
                match m.signature {
                    Some(sig) if m.hash == hash => authority.admit(&r, &hash, &sig).is_ok(),
                    // Unsigned before the first signed entry: covered by the root's signature.
                    None if !signed_seen => true,
                    _ => false,
                }
            }
            _ => true,
        };
        if !admitted {
            authority.disable_unverified(&r);
        }
        if let Some(m) = mark {
            signed_seen |= m.signature.is_some();
            previous = m.hash;
        }
        NEXT
    })?;
    Ok(authority)
}

/// Verifies the HMAC chain of a log from before format 3 with that format's audit key (an
/// upgrade does this before it signs over the old entries).
pub fn verify_legacy_chain(
    rows: &[AuditRow],
    keys: &crate::crypto::Keys,
) -> Result<i64, ChainBreak> {
    let mut previous = vec![0u8; 32];
    let mut expected = 1;
    for r in rows {
        if r.seq != expected {
            return Err(ChainBreak::Gap {
                expected,
                found: r.seq,
            });
        }
        let entry = entry_bytes(r.seq, &r.at, r.user_id, &r.action, &r.objects, &r.detail);
        if !keys.verify_audit_mac(&previous, &entry, &r.mac) {
            return Err(ChainBreak::BadHash { seq: r.seq });
        }
        previous = r.mac.clone();
        expected += 1;
    }
    Ok(expected - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::public_hex;

    /// A log built by hand: entries signed by whom the test says.
    struct Log {
        rows: Vec<AuditRow>,
        head: [u8; 32],
    }

    impl Log {
        fn new() -> Log {
            Log {
                rows: Vec::new(),
                head: [0; 32],
            }
        }

        fn push(
            &mut self,
            by: Option<&Signer>,
            author: Option<i64>,
            action: &str,
            objects: &str,
            detail: &str,
        ) {
            let mut r = AuditRow {
                seq: self.rows.len() as i64 + 1,
                at: "2026-01-01T00:00:00Z".into(),
                user_id: author,
                action: action.into(),
                objects: objects.into(),
                detail: detail.into(),
                mac: Vec::new(),
            };
            let hash = link_row(&self.head, &r);
            r.mac = Mark {
                signature: by.map(|s| s.sign(SIGNATURE_DOMAIN, &hash)),
                hash,
            }
            .to_bytes();
            self.head = hash;
            self.rows.push(r);
        }

        /// A log whose first entry is `admin`'s `init` (user 1, the root).
        fn rooted(admin: &Signer) -> Log {
            let mut log = Log::new();
            log.push(
                Some(admin),
                Some(1),
                "init",
                "user:1",
                &format!("name=admin role=admin signing={} enc={ENC}", hex(admin)),
            );
            log
        }

        fn verify(&self) -> Result<Verified, ChainBreak> {
            verify_log(self.rows.clone())
        }

        fn grants(&self) -> Authority {
            grants(|visit| {
                for r in self.rows.clone() {
                    if visit(r).is_break() {
                        break;
                    }
                }
                Ok(())
            })
            .unwrap()
        }
    }

    /// An X25519 public key for grants (the log only checks that it is one).
    const ENC: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    fn hex(s: &Signer) -> String {
        public_hex(&s.public())
    }

    #[test]
    fn units_are_granted_in_order_by_an_administrator_and_users_only_into_granted_ones() {
        let (admin, sara) = (Signer::generate(), Signer::generate());
        let enc = ENC;
        let mut log = Log::rooted(&admin);
        let a = Some(&admin);
        log.push(a, Some(1), "unit_add", "unit:1", "name=stockholm");
        log.push(a, Some(1), "unit_add", "unit:2", "name=goteborg");
        log.push(
            a,
            Some(1),
            "user_add",
            "user:2",
            &format!(
                "role=outreach name=sara signing={} enc={enc} unit=2",
                hex(&sara)
            ),
        );
        let v = log.verify().unwrap();
        let units = v.authority.units();
        assert_eq!(
            units.named(),
            &[(1, "stockholm".to_string()), (2, "goteborg".to_string())]
        );
        assert_eq!((units.of_user(1), units.of_user(2)), (1, 2));
        assert_eq!(log.grants(), v.authority);
        // A server's database role made Göteborg's, then moved: the last grant holds.
        let mut roles = Log {
            rows: log.rows.clone(),
            head: log.head,
        };
        roles.push(a, Some(1), "unit_role", "unit:2", "role=uppsok_goteborg");
        roles.push(a, Some(1), "unit_role", "unit:1", "role=uppsok_goteborg");
        let granted = roles.verify().unwrap().authority;
        assert_eq!(
            granted.unit_roles().get("uppsok_goteborg").copied(),
            Some(1)
        );
        assert!(v.authority.unit_roles().is_empty());
        // Each of these, appended to that log, is refused: a number out of order, a name
        // taken or not a unit name, a unit added by someone who is not an administrator, a
        // user granted into a unit there is none of; a unit's role granted by someone who is
        // not an administrator, for a unit there is none of, or not a role's name.
        let bad: [(&Signer, i64, &str, &str, String); 9] = [
            (
                &sara,
                2,
                "unit_role",
                "unit:2",
                "role=uppsok_goteborg".into(),
            ),
            (&admin, 1, "unit_role", "unit:3", "role=uppsok_malmo".into()),
            (
                &admin,
                1,
                "unit_role",
                "unit:2",
                "role=Uppsok Göteborg".into(),
            ),
            (&admin, 1, "unit_add", "unit:4", "name=malmo".into()),
            (&admin, 1, "unit_add", "unit:3", "name=goteborg".into()),
            (&admin, 1, "unit_add", "unit:3", "name=Malmo".into()),
            (&admin, 1, "unit_add", "unit:3", "name=".into()),
            (&sara, 2, "unit_add", "unit:3", "name=malmo".into()),
            (
                &admin,
                1,
                "user_add",
                "user:3",
                format!("role=lead name=mia signing={} enc={enc} unit=3", hex(&sara)),
            ),
        ];
        for (by, author, action, objects, detail) in bad {
            let mut forged = Log {
                rows: log.rows.clone(),
                head: log.head,
            };
            forged.push(Some(by), Some(author), action, objects, &detail);
            assert!(
                matches!(forged.verify(), Err(ChainBreak::NotAllowed { seq: 5, .. })),
                "{action} {objects} {detail}"
            );
            assert_eq!(
                forged.grants().units(),
                units,
                "{action} {objects} {detail}"
            );
            assert!(forged.grants().unit_roles().is_empty());
        }
    }

    #[test]
    fn grants_rotations_enrolment_and_recovery_replay_and_forgeries_do_not() {
        let (admin, lena, lena2, recovery, anna) = (
            Signer::generate(),
            Signer::generate(),
            Signer::generate(),
            Signer::generate(),
            Signer::generate(),
        );
        let mut log = Log::rooted(&admin);
        let a = Some(&admin);
        log.push(
            a,
            Some(1),
            "recovery_key",
            "recovery_key",
            &format!("created signing={} enc=1111111111111111111111111111111111111111111111111111111111111111", hex(&recovery)),
        );
        log.push(
            a,
            Some(1),
            "user_add",
            "user:2",
            &format!("role=lead name=lena signing={} enc=1111111111111111111111111111111111111111111111111111111111111111", hex(&lena)),
        );
        log.push(Some(&lena), Some(2), "export", "contacts:all", "");
        log.push(
            Some(&lena),
            Some(2),
            "passwd",
            "user:2",
            &format!(
                "signing={} enc=1111111111111111111111111111111111111111111111111111111111111111",
                hex(&lena2)
            ),
        );
        log.push(Some(&lena2), Some(2), "stats", "contacts", "");
        log.push(
            Some(&recovery),
            None,
            "recover",
            "user:3",
            &format!("recovery key signing={} enc=1111111111111111111111111111111111111111111111111111111111111111 name=anna", hex(&anna)),
        );
        log.push(Some(&anna), Some(3), "user_disable", "user:2", "");
        let v = log.verify().unwrap();
        assert_eq!(v.entries, 8);
        assert_eq!(v.authority.root(), Some(admin.public()));
        assert_eq!(v.authority.key_of(2), Some(lena2.public()));
        assert!(v.authority.users()[&2].disabled);
        assert_eq!(v.authority.users()[&3].role, "admin");
        assert_eq!(log.grants(), v.authority);

        // A disabled user signs nothing more; an old key signs nothing after a passwd.
        let mut late = Log {
            rows: log.rows.clone(),
            head: log.head,
        };
        late.push(Some(&lena2), Some(2), "stats", "contacts", "");
        assert!(matches!(
            late.verify(),
            Err(ChainBreak::NotAllowed {
                seq: 9,
                why: Refusal::Disabled
            })
        ));
        let mut old = Log {
            rows: log.rows[..5].to_vec(),
            head: Mark::parse(&log.rows[4].mac).unwrap().hash,
        };
        old.push(Some(&lena), Some(2), "stats", "contacts", "");
        assert_eq!(
            old.verify().unwrap_err(),
            ChainBreak::BadSignature { seq: 6 }
        );

        // Only an administrator grants; no one grants themselves a first key twice.
        let mut forged = Log {
            rows: log.rows[..6].to_vec(),
            head: Mark::parse(&log.rows[5].mac).unwrap().hash,
        };
        forged.push(
            Some(&lena2),
            Some(2),
            "user_add",
            "user:9",
            &format!("role=admin name=eve signing={} enc=1111111111111111111111111111111111111111111111111111111111111111", hex(&lena2)),
        );
        assert!(matches!(
            forged.verify(),
            Err(ChainBreak::NotAllowed {
                seq: 7,
                why: Refusal::NotAdmin
            })
        ));
        assert!(
            !forged.grants().users().contains_key(&9),
            "a sign-in leaves the forged grant out"
        );
        // A disable that does not verify still disables, at a sign-in (failing safe).
        let mut bad_disable = log.rows.clone();
        bad_disable[7].detail.push(' ');
        let replayed = grants(|visit| {
            for r in bad_disable.clone() {
                let _ = visit(r);
            }
            Ok(())
        })
        .unwrap();
        assert!(replayed.users()[&2].disabled);
        let mut twice = Log {
            rows: log.rows[..6].to_vec(),
            head: Mark::parse(&log.rows[5].mac).unwrap().hash,
        };
        twice.push(
            Some(&anna),
            Some(2),
            "key_slot_upgrade",
            "user:2",
            &format!("signing={}", hex(&anna)),
        );
        assert!(matches!(
            twice.verify(),
            Err(ChainBreak::NotAllowed {
                seq: 7,
                why: Refusal::BadGrant
            })
        ));

        // A grant stripped of its signature after the log became signed.
        let mut stripped = log.rows.clone();
        let m = Mark::parse(&stripped[7].mac).unwrap();
        stripped[7].mac = Mark {
            signature: None,
            ..m
        }
        .to_bytes();
        assert_eq!(
            verify_log(stripped).unwrap_err(),
            ChainBreak::Unsigned { seq: 8 }
        );
    }

    #[test]
    fn an_upgraded_log_is_rooted_in_its_upgrade_entry_and_pending_users_enrol_once() {
        let (admin, olle, eve) = (Signer::generate(), Signer::generate(), Signer::generate());
        let mut log = Log::new();
        log.push(None, Some(1), "init", "user:1", "");
        log.push(None, Some(1), "user_add", "user:2", "role=outreach");
        log.push(
            Some(&admin),
            Some(1),
            "upgrade",
            "database",
            &format!(
                "format=3 from=2 user=1:admin:admin:active:{}:1111111111111111111111111111111111111111111111111111111111111111 user=2:olle:outreach:active:-:1111111111111111111111111111111111111111111111111111111111111111",
                hex(&admin)
            ),
        );
        let v = log.verify().unwrap();
        assert_eq!(v.authority.root(), Some(admin.public()));
        assert_eq!(v.authority.key_of(2), None);
        // Olle signs nothing before he enrols, then enrols once with his own key.
        let mut early = Log {
            rows: log.rows.clone(),
            head: log.head,
        };
        early.push(Some(&olle), Some(2), "stats", "contacts", "");
        assert!(matches!(
            early.verify(),
            Err(ChainBreak::NotAllowed {
                why: Refusal::NoKey,
                ..
            })
        ));
        log.push(
            Some(&olle),
            Some(2),
            "key_slot_upgrade",
            "user:2",
            &format!("layout=4 signing={}", hex(&olle)),
        );
        log.push(Some(&olle), Some(2), "stats", "contacts", "");
        assert_eq!(
            log.verify().unwrap().authority.key_of(2),
            Some(olle.public())
        );
        // Someone else enrolling for him afterwards is refused.
        log.push(
            Some(&eve),
            Some(2),
            "key_slot_upgrade",
            "user:2",
            &format!("signing={}", hex(&eve)),
        );
        assert!(matches!(
            log.verify(),
            Err(ChainBreak::NotAllowed {
                why: Refusal::BadGrant,
                ..
            })
        ));
        // A log that never becomes signed has no root.
        let mut legacy = Log::new();
        legacy.push(None, Some(1), "init", "user:1", "");
        assert_eq!(
            legacy.verify().unwrap_err(),
            ChainBreak::Unsigned { seq: 1 }
        );
    }
}
