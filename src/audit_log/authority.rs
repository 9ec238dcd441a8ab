//! Who may sign what: the users, their roles and their signing keys, as the log itself grants
//! them. Replayed from the first signed entry on; no table of the database is trusted for it.
//!
//! | entry | signed by | grants |
//! | --- | --- | --- |
//! | `init` (`user:ID`, `name=N role=admin signing=K enc=E`) | K itself: the root | the first administrator |
//! | `upgrade` to format 3 (`user=ID:NAME:ROLE:STATE:KEY:ENC` per user, `recovery=K recovery_enc=E` if the recovery key was given) | the administrator who ran it, listed with their key: the root | every user as the database held them; `KEY` is `-` for a user who gets a key at their next sign-in |
//! | `user_add` (`user:ID`, `role=R name=N signing=K enc=E [unit=U]`) | an active administrator | a new user with signing key K and X25519 key E, in unit U (the first unit when absent); U must be a unit the log has named, or the first |
//! | `unit_add` (`unit:U`, `name=N`) | an active administrator | U named N: the first unit (1) while it has no name, else the number after the last; N a unit name no other unit has |
//! | `unit_role` (`unit:U`, `role=R`) | an active administrator | on a server, the database role R is unit U's (granted only U's own tables); U a unit the log has named, R a role name |
//! | `user_disable` (`user:ID`) | an active administrator | the user may sign nothing more |
//! | `passwd` (`user:ID`, `signing=K enc=E`) | the user, with the key they held until then | their new keys |
//! | `key_slot_upgrade` (`user:ID`, `signing=K`) | K itself, only for a user who holds no key yet | that user's first key |
//! | `recovery_key` (`created signing=K enc=E`) | an active administrator | the recovery key's signing key K and X25519 key E |
//! | `recover` (`user:ID`, `signing=K enc=E name=N`) | the recovery key | ID an active administrator with those keys |
//!
//! Every other entry must be signed by its author's current key, and its author must be an
//! active user. The root's key, with the database's id, is the database's fingerprint. The
//! X25519 keys (`enc`) are the only ones the data keys and the page key may be sealed to (a
//! red-team run redirected another user's wrap to an auditor's key, which the next rekey then
//! sealed the master key to).

use std::collections::BTreeMap;

use super::chain::SIGNATURE_DOMAIN;
use crate::crypto::{parse_public_hex, verify};
use crate::domain::FIRST_UNIT;
use crate::storage::AuditRow;

/// What the log grants one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub name: String,
    pub role: String,
    pub disabled: bool,
    /// None until the user's first sign-in after an upgrade to format 3.
    pub signing: Option<[u8; 32]>,
    /// The X25519 public key their slot holds, which the data keys are sealed to (none for a
    /// disabled user listed by an upgrade).
    pub enc: Option<[u8; 32]>,
    /// The unit they belong to (every user granted before units were known: the first).
    pub unit: i64,
    /// When the log granted them (the time of the `init`, `user_add` or `recover` entry that
    /// made them): none for the users an upgrade to format 3 listed, made before the log was
    /// signed.
    pub since: Option<String>,
}

/// Why an entry is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    BadSignature,
    /// The author is not a user the log knows.
    UnknownAuthor,
    /// The author was disabled before this entry.
    Disabled,
    /// The author holds no signing key yet (and this entry does not give them their first).
    NoKey,
    /// Only an administrator may make this entry.
    NotAdmin,
    /// The entry's grant is malformed, or grants what it may not (an id already taken, a key
    /// for someone else, a first key for a user who has one).
    BadGrant,
    /// Signed by the recovery key, but there is none, or the entry is not a `recover`.
    NotRecovery,
    /// The first signed entry is not the root (`init`, or the `upgrade` to format 3).
    NoRoot,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::BadSignature => "its signature does not verify",
            Refusal::UnknownAuthor => "its author is not a user the log knows",
            Refusal::Disabled => "its author was disabled before it",
            Refusal::NoKey => "its author held no signing key",
            Refusal::NotAdmin => "only an administrator may make it, and its author is not one",
            Refusal::BadGrant => "it grants a role or key it may not",
            Refusal::NotRecovery => "it claims the recovery key, which may not make it",
            Refusal::NoRoot => "the log does not begin with its first administrator",
        })
    }
}

/// The state the log has granted so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authority {
    users: BTreeMap<i64, Grant>,
    recovery: Option<[u8; 32]>,
    /// The recovery key's X25519 public key, as granted.
    recovery_enc: Option<[u8; 32]>,
    root: Option<[u8; 32]>,
    /// The named units: number → name.
    units: BTreeMap<i64, String>,
    /// A server's units' database roles: role name → unit.
    unit_roles: BTreeMap<String, i64>,
}

fn detail_value<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    detail
        .split(' ')
        .find_map(|t| t.strip_prefix(key)?.strip_prefix('='))
}

fn object_user(objects: &str) -> Option<i64> {
    objects.strip_prefix("user:")?.parse().ok()
}

/// The unit an entry names (`unit:N`).
fn object_unit(objects: &str) -> Option<i64> {
    objects.strip_prefix("unit:")?.parse().ok()
}

/// The actions only an active administrator may sign: they grant users, units, a unit's
/// database role and the recovery key.
const ADMINISTRATORS_GRANTS: [&str; 5] = [
    "user_add",
    "unit_add",
    "unit_role",
    "user_disable",
    "recovery_key",
];

fn key_in(detail: &str) -> Option<[u8; 32]> {
    parse_public_hex(detail_value(detail, "signing")?)
}

/// The X25519 public key an entry grants (`enc=HEX`).
fn enc_in(detail: &str) -> Option<[u8; 32]> {
    parse_public_hex(detail_value(detail, "enc")?)
}

fn is_role(role: &str) -> bool {
    crate::domain::StaffRole::ALL
        .iter()
        .any(|r| r.as_str() == role)
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([' ', ':', ','])
}

impl Authority {
    /// Whether an entry grants or changes a role or a key (what a sign-in replays).
    pub fn grants_something(r: &AuditRow) -> bool {
        match r.action.as_str() {
            "init" | "user_add" | "user_disable" | "passwd" | "recover" | "recovery_key"
            | "unit_add" | "unit_role" => true,
            "upgrade" => detail_value(&r.detail, "format") == Some("3"),
            "key_slot_upgrade" => detail_value(&r.detail, "signing").is_some(),
            _ => false,
        }
    }

    /// The users as granted.
    pub fn users(&self) -> &BTreeMap<i64, Grant> {
        &self.users
    }

    /// The units the log has named, and the unit of every user it grants.
    pub fn units(&self) -> crate::domain::Units {
        crate::domain::Units::new(
            self.units
                .iter()
                .map(|(n, name)| (*n, name.clone()))
                .collect(),
            self.users.iter().map(|(id, g)| (*id, g.unit)).collect(),
        )
    }

    /// A server's units' database roles as granted: role name → unit.
    pub fn unit_roles(&self) -> &BTreeMap<String, i64> {
        &self.unit_roles
    }

    /// The root: the first administrator's key (or the upgrading one's).
    pub fn root(&self) -> Option<[u8; 32]> {
        self.root
    }

    /// The recovery key's signing key, as granted.
    pub fn recovery(&self) -> Option<[u8; 32]> {
        self.recovery
    }

    /// The recovery key's X25519 public key, as granted.
    pub fn recovery_enc(&self) -> Option<[u8; 32]> {
        self.recovery_enc
    }

    /// Whether `public` is the X25519 key the log grants an active user, or the recovery key:
    /// the only keys a rekey or a new page key may be sealed to.
    pub fn may_receive_keys(&self, public: &[u8]) -> bool {
        self.users
            .values()
            .any(|g| !g.disabled && g.enc.is_some_and(|e| e[..] == *public))
            || self.recovery_enc.is_some_and(|e| e[..] == *public)
    }

    /// The key that signs for `user_id` now.
    pub fn key_of(&self, user_id: i64) -> Option<[u8; 32]> {
        self.users.get(&user_id).and_then(|g| g.signing)
    }

    fn active_admin(&self, author: Option<i64>) -> Result<&Grant, Refusal> {
        let g = self.active(author)?;
        if g.role != "admin" {
            return Err(Refusal::NotAdmin);
        }
        Ok(g)
    }

    fn active(&self, author: Option<i64>) -> Result<&Grant, Refusal> {
        let g = author
            .and_then(|id| self.users.get(&id))
            .ok_or(Refusal::UnknownAuthor)?;
        if g.disabled {
            return Err(Refusal::Disabled);
        }
        Ok(g)
    }

    /// A `user_disable` that did not verify, applied all the same at a sign-in: disabling fails
    /// safe (docs/security.md, "Signatures").
    pub fn disable_unverified(&mut self, r: &AuditRow) {
        if r.action == "user_disable" {
            if let Some(g) = object_user(&r.objects).and_then(|id| self.users.get_mut(&id)) {
                g.disabled = true;
            }
        }
    }

    /// Accepts an entry whose running hash is `hash` and whose signature is `signature`, and
    /// applies what it grants; or says why not (then nothing is applied).
    pub fn admit(
        &mut self,
        r: &AuditRow,
        hash: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), Refusal> {
        let signed_by = |key: &[u8; 32]| {
            if verify(key, SIGNATURE_DOMAIN, hash, signature) {
                Ok(())
            } else {
                Err(Refusal::BadSignature)
            }
        };
        if self.root.is_none() {
            return self.admit_root(r, &signed_by);
        }
        let target = object_user(&r.objects);
        // What grants users, units and the recovery key is an active administrator's, signed
        // with their own key.
        if ADMINISTRATORS_GRANTS.contains(&r.action.as_str()) {
            let admin = self
                .active_admin(r.user_id)?
                .signing
                .ok_or(Refusal::NoKey)?;
            signed_by(&admin)?;
        }
        match r.action.as_str() {
            "init" => Err(Refusal::BadGrant),
            "user_add" => {
                let (id, key) = (target.ok_or(Refusal::BadGrant)?, key_in(&r.detail));
                let role = detail_value(&r.detail, "role").filter(|r| is_role(r));
                let name = detail_value(&r.detail, "name").filter(|n| is_name(n));
                // A unit the log has named (or the first, which every database has).
                let unit = match detail_value(&r.detail, "unit") {
                    None => Some(FIRST_UNIT),
                    Some(u) => u
                        .parse::<i64>()
                        .ok()
                        .filter(|u| *u == FIRST_UNIT || self.units.contains_key(u)),
                };
                match (key, enc_in(&r.detail), role, name, unit) {
                    (Some(key), Some(enc), Some(role), Some(name), Some(unit))
                        if !self.users.contains_key(&id) =>
                    {
                        self.users.insert(
                            id,
                            Grant {
                                name: name.into(),
                                role: role.into(),
                                disabled: false,
                                signing: Some(key),
                                enc: Some(enc),
                                unit,
                                since: Some(r.at.clone()),
                            },
                        );
                        Ok(())
                    }
                    _ => Err(Refusal::BadGrant),
                }
            }
            "unit_add" => {
                let number = object_unit(&r.objects).ok_or(Refusal::BadGrant)?;
                let next = self.units.keys().last().map_or(FIRST_UNIT, |n| n + 1);
                let name = detail_value(&r.detail, "name")
                    .filter(|n| crate::domain::is_unit_name(n))
                    .filter(|n| !self.units.values().any(|taken| taken == n))
                    .ok_or(Refusal::BadGrant)?;
                if number != next {
                    return Err(Refusal::BadGrant);
                }
                self.units.insert(number, name.into());
                Ok(())
            }
            "unit_role" => {
                let unit = object_unit(&r.objects)
                    .filter(|n| self.units.contains_key(n))
                    .ok_or(Refusal::BadGrant)?;
                let role = detail_value(&r.detail, "role")
                    .filter(|n| crate::domain::is_database_role(n))
                    .ok_or(Refusal::BadGrant)?;
                self.unit_roles.insert(role.into(), unit);
                Ok(())
            }
            "user_disable" => {
                let g = target
                    .and_then(|id| self.users.get_mut(&id))
                    .filter(|g| !g.disabled)
                    .ok_or(Refusal::BadGrant)?;
                g.disabled = true;
                Ok(())
            }
            "passwd" => {
                let old = self.active(r.user_id)?.signing.ok_or(Refusal::NoKey)?;
                signed_by(&old)?;
                let new = key_in(&r.detail).ok_or(Refusal::BadGrant)?;
                let enc = enc_in(&r.detail).ok_or(Refusal::BadGrant)?;
                if target != r.user_id {
                    return Err(Refusal::BadGrant);
                }
                let g = self
                    .users
                    .get_mut(&target.expect("checked"))
                    .expect("active");
                (g.signing, g.enc) = (Some(new), Some(enc));
                Ok(())
            }
            "key_slot_upgrade" if key_in(&r.detail).is_some() => {
                let g = self.active(r.user_id)?;
                if g.signing.is_some() || target != r.user_id {
                    return Err(Refusal::BadGrant);
                }
                let first = key_in(&r.detail).expect("guarded");
                signed_by(&first)?;
                let g = self
                    .users
                    .get_mut(&target.expect("checked"))
                    .expect("active");
                // The X25519 key stays the one the upgrade listed.
                if enc_in(&r.detail).is_some_and(|e| g.enc.is_some_and(|g| g != e)) {
                    return Err(Refusal::BadGrant);
                }
                g.signing = Some(first);
                Ok(())
            }
            "recovery_key" => {
                self.recovery = Some(key_in(&r.detail).ok_or(Refusal::BadGrant)?);
                self.recovery_enc = Some(enc_in(&r.detail).ok_or(Refusal::BadGrant)?);
                Ok(())
            }
            "recover" => {
                if r.user_id.is_some() {
                    return Err(Refusal::BadGrant);
                }
                let recovery = self.recovery.ok_or(Refusal::NotRecovery)?;
                signed_by(&recovery)?;
                let id = target.ok_or(Refusal::BadGrant)?;
                let key = key_in(&r.detail).ok_or(Refusal::BadGrant)?;
                let enc = enc_in(&r.detail).ok_or(Refusal::BadGrant)?;
                let name = detail_value(&r.detail, "name")
                    .filter(|n| is_name(n))
                    .ok_or(Refusal::BadGrant)?;
                match self.users.get_mut(&id) {
                    Some(g) if g.name == name && g.role == "admin" && !g.disabled => {
                        (g.signing, g.enc) = (Some(key), Some(enc));
                    }
                    Some(_) => return Err(Refusal::BadGrant),
                    None => {
                        self.users.insert(
                            id,
                            Grant {
                                name: name.into(),
                                role: "admin".into(),
                                disabled: false,
                                signing: Some(key),
                                enc: Some(enc),
                                unit: FIRST_UNIT,
                                since: Some(r.at.clone()),
                            },
                        );
                    }
                }
                Ok(())
            }
            _ => match r.user_id {
                None => Err(Refusal::NotRecovery),
                Some(_) => {
                    let key = self.active(r.user_id)?.signing.ok_or(Refusal::NoKey)?;
                    signed_by(&key)
                }
            },
        }
    }

    /// The first signed entry: `init` or the `upgrade` to format 3.
    fn admit_root(
        &mut self,
        r: &AuditRow,
        signed_by: &dyn Fn(&[u8; 32]) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        let author = r.user_id.ok_or(Refusal::NoRoot)?;
        match r.action.as_str() {
            "init" => {
                let key = key_in(&r.detail).ok_or(Refusal::NoRoot)?;
                let name = detail_value(&r.detail, "name").filter(|n| is_name(n));
                if object_user(&r.objects) != Some(author)
                    || detail_value(&r.detail, "role") != Some("admin")
                {
                    return Err(Refusal::NoRoot);
                }
                signed_by(&key)?;
                self.users.insert(
                    author,
                    Grant {
                        name: name.ok_or(Refusal::NoRoot)?.into(),
                        role: "admin".into(),
                        disabled: false,
                        signing: Some(key),
                        enc: Some(enc_in(&r.detail).ok_or(Refusal::NoRoot)?),
                        unit: FIRST_UNIT,
                        since: Some(r.at.clone()),
                    },
                );
                self.root = Some(key);
                Ok(())
            }
            "upgrade" if detail_value(&r.detail, "format") == Some("3") => {
                let mut users = BTreeMap::new();
                for token in r.detail.split(' ').filter_map(|t| t.strip_prefix("user=")) {
                    let parts: Vec<&str> = token.split(':').collect();
                    let [id, name, role, state, key, enc] = parts[..] else {
                        return Err(Refusal::NoRoot);
                    };
                    let id: i64 = id.parse().map_err(|_| Refusal::NoRoot)?;
                    let hex_or_none = |k: &str| match k {
                        "-" => Ok(None),
                        k => parse_public_hex(k).map(Some).ok_or(Refusal::NoRoot),
                    };
                    let (signing, enc) = (hex_or_none(key)?, hex_or_none(enc)?);
                    let disabled = match state {
                        "active" => false,
                        "disabled" => true,
                        _ => return Err(Refusal::NoRoot),
                    };
                    if !is_name(name) || !is_role(role) {
                        return Err(Refusal::NoRoot);
                    }
                    users.insert(
                        id,
                        Grant {
                            name: name.into(),
                            role: role.into(),
                            disabled,
                            signing,
                            enc,
                            unit: FIRST_UNIT,
                            since: None,
                        },
                    );
                }
                let me = users.get(&author).ok_or(Refusal::NoRoot)?;
                let key = me.signing.ok_or(Refusal::NoRoot)?;
                if me.role != "admin" || me.disabled {
                    return Err(Refusal::NoRoot);
                }
                signed_by(&key)?;
                self.recovery = detail_value(&r.detail, "recovery").and_then(parse_public_hex);
                self.recovery_enc =
                    detail_value(&r.detail, "recovery_enc").and_then(parse_public_hex);
                self.users = users;
                self.root = Some(key);
                Ok(())
            }
            _ => Err(Refusal::NoRoot),
        }
    }
}

/// The database's fingerprint: the first 16 bytes of SHA-256 over the database id and the
/// root's signing key, as 32 hex digits in groups of four. Printed by `init` (with the
/// recovery key) and by `audit`; whoever keeps it can tell this database, and its first
/// administrator, from any other, however the file was rewritten.
pub fn fingerprint(database_id: &[u8; 16], root: &[u8; 32]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"uppsok/fingerprint/1");
    h.update(database_id);
    h.update(root);
    let d = h.finalize();
    let hex = crate::crypto::pseudonym_hex(&d[..16]);
    hex.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Reads a fingerprint as a person may type it: hex digits, with or without `-` or spaces, any
/// case. None unless it is 32 hex digits.
pub fn normalise_fingerprint(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(
        hex.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
            .collect::<Vec<_>>()
            .join("-"),
    )
}
