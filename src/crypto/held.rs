//! What a user's wrap gives them, and keys per unit.
//!
//! A database of one unit seals to each user the master key (outreach, lead, administrator) or
//! the categories key alone (an auditor): 32 bytes, as before units existed. Once a database
//! holds several units (a city's, docs/units.md) each unit has a key of its own, random and new
//! at every key version, under which its contacts' notes and categories and its field nights'
//! details are sealed. A wrap is then a *key ring*:
//!
//! | role | the city's keys | unit keys | unit categories keys |
//! | --- | --- | --- | --- |
//! | outreach, lead | master key | their own unit's | (in it) |
//! | auditor | categories key | none | their own unit's |
//! | administrator | master key | every unit's | (in them) |
//!
//! The master key keys codes (one pseudonym key for the city, so a person met by two units is
//! one person) and makes the record MACs; it opens no unit's note nor category. A unit's
//! categories key is derived from its unit key, so whoever holds a unit key holds its
//! categories key, never the other way round.
//!
//! A ring is sealed like a master key (X25519, HKDF, AES-256-GCM bound to the user's row): its
//! plaintext is `"R1" | top kind (1 master, 2 categories) | 32 bytes | count (2, LE) | count ×
//! (kind (1 unit key, 2 unit categories key) | unit (8, LE) | 32 bytes)`, never 32 bytes long,
//! so it is told apart from a single key.

use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use super::{aes, hkdf_expander, CategoryKey, CryptoError, KeyScheme, Keys, MasterKey};

/// The most units a ring may hold (a bound on what is read from a wrap).
pub const MAX_UNITS: usize = 4096;

/// One unit's key of one key version: 32 random bytes, zeroized on drop. It seals the unit's
/// notes and (through the categories key derived from it) its categories.
pub struct UnitKey {
    unit: i64,
    version: u32,
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for UnitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UnitKey(unit {}, version {}, <redacted>)",
            self.unit, self.version
        )
    }
}

impl UnitKey {
    /// A fresh random key for a unit.
    pub fn generate(unit: i64, version: u32) -> UnitKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        UnitKey {
            unit,
            version,
            bytes,
        }
    }

    pub fn unit(&self) -> i64 {
        self.unit
    }

    /// The unit's categories key (what a lead of another unit and an auditor hold).
    pub fn categories(&self) -> UnitCategoryKey {
        let sub = hkdf_expander(self.bytes.as_ref(), b"uppsok unit key v1");
        UnitCategoryKey {
            unit: self.unit,
            version: self.version,
            bytes: sub(&info(b"categories", self.unit)),
        }
    }

    fn notes(&self) -> Zeroizing<[u8; 32]> {
        hkdf_expander(self.bytes.as_ref(), b"uppsok unit key v1")(&info(b"notes", self.unit))
    }
}

/// One unit's categories key: opens and seals the unit's contacts' categories and its field
/// nights' details; opens no note.
pub struct UnitCategoryKey {
    unit: i64,
    version: u32,
    bytes: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for UnitCategoryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UnitCategoryKey(unit {}, version {}, <redacted>)",
            self.unit, self.version
        )
    }
}

impl UnitCategoryKey {
    pub fn unit(&self) -> i64 {
        self.unit
    }

    fn cipher_key(&self) -> Zeroizing<[u8; 32]> {
        hkdf_expander(self.bytes.as_ref(), b"uppsok unit categories v1")(&info(
            b"category encryption",
            self.unit,
        ))
    }
}

fn info(label: &[u8], unit: i64) -> Vec<u8> {
    let mut out = label.to_vec();
    out.extend_from_slice(&unit.to_le_bytes());
    out
}

/// The keys of one unit as a role holds them: its categories cipher, and its notes cipher for
/// the unit's own staff and administrators.
pub(super) struct UnitCiphers {
    pub(super) unit: i64,
    pub(super) categories: aes_gcm::Aes256Gcm,
    pub(super) notes: Option<aes_gcm::Aes256Gcm>,
}

/// What of the keys a recipient gets (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// The master key (else the categories key alone: an auditor).
    pub master: bool,
    /// Which units' keys.
    pub units: ShareUnits,
    /// Which units' categories keys besides (an auditor: their own unit's).
    pub categories: ShareUnits,
}

/// Which units' keys a share holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareUnits {
    None,
    One(i64),
    Every,
}

impl Share {
    /// Whether this share is a ring (holds anything of a unit's) rather than one key.
    fn is_ring(&self) -> bool {
        self.units != ShareUnits::None || self.categories != ShareUnits::None
    }
}

/// What a user's wrap gave them: the master key or (an auditor) the categories key, and in a
/// database of several units the unit keys and unit categories keys of their share.
pub struct Held {
    top: Top,
    units: Vec<UnitKey>,
    unit_categories: Vec<UnitCategoryKey>,
}

enum Top {
    Master(MasterKey),
    Categories(CategoryKey),
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.top {
            Top::Master(m) => m.fmt(f)?,
            Top::Categories(c) => c.fmt(f)?,
        }
        write!(
            f,
            " + {} unit keys, {} unit categories keys",
            self.units.len(),
            self.unit_categories.len()
        )
    }
}

impl Held {
    /// The master key alone (a database of one unit).
    pub fn master_key(master: MasterKey) -> Held {
        Held {
            top: Top::Master(master),
            units: Vec::new(),
            unit_categories: Vec::new(),
        }
    }

    /// The categories key alone (an auditor of a database of one unit).
    pub fn categories_key(categories: CategoryKey) -> Held {
        Held {
            top: Top::Categories(categories),
            units: Vec::new(),
            unit_categories: Vec::new(),
        }
    }

    /// A fresh master key and a fresh key for each of `units` (a rekey of a database of several
    /// units), at `version`.
    pub fn generate(version: u32, units: &[i64]) -> Held {
        Held {
            top: Top::Master(MasterKey::generate(version)),
            units: units
                .iter()
                .map(|u| UnitKey::generate(*u, version))
                .collect(),
            unit_categories: Vec::new(),
        }
    }

    /// The master key of this (a rekey's fresh one, with fresh unit keys beside it).
    pub(super) fn replace_master(&mut self, master: MasterKey) {
        self.top = Top::Master(master);
    }

    pub fn version(&self) -> u32 {
        match &self.top {
            Top::Master(m) => m.version(),
            Top::Categories(c) => c.version(),
        }
    }

    /// The master key, if this holds it.
    pub fn master(&self) -> Option<&MasterKey> {
        match &self.top {
            Top::Master(m) => Some(m),
            Top::Categories(_) => None,
        }
    }

    /// The units whose key this holds (an administrator's: every unit's).
    pub fn unit_keys(&self) -> impl Iterator<Item = i64> + '_ {
        self.units.iter().map(|k| k.unit)
    }

    /// The working keys: the master key's under `scheme` (or the categories key's alone), and
    /// under keys per unit the ciphers of every unit this holds something of.
    pub fn derive(&self, scheme: KeyScheme) -> Keys {
        let mut keys = match &self.top {
            Top::Master(m) => m.derive(scheme),
            Top::Categories(c) => c.derive(),
        };
        if scheme == KeyScheme::PerUnit {
            keys.set_units(self.unit_ciphers());
        }
        keys
    }

    /// The ciphers of every unit this holds something of, by unit.
    pub(super) fn unit_ciphers(&self) -> Vec<UnitCiphers> {
        let mut out: Vec<UnitCiphers> = self
            .units
            .iter()
            .map(|k| UnitCiphers {
                unit: k.unit,
                categories: aes(&k.categories().cipher_key()),
                notes: Some(aes(&k.notes())),
            })
            .collect();
        for c in &self.unit_categories {
            if !out.iter().any(|u| u.unit == c.unit) {
                out.push(UnitCiphers {
                    unit: c.unit,
                    categories: aes(&c.cipher_key()),
                    notes: None,
                });
            }
        }
        out.sort_by_key(|u| u.unit);
        out
    }

    /// What a share holds, taken from this: `NotHeld` if this lacks any of it (only an
    /// administrator's keys can give every share).
    fn portion(&self, share: Share) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (kind, top) = match (&self.top, share.master) {
            (Top::Master(m), true) => (1u8, Zeroizing::new(*m.bytes)),
            (Top::Master(m), false) => (2u8, Zeroizing::new(*m.categories().bytes())),
            (Top::Categories(c), false) => (2u8, Zeroizing::new(*c.bytes())),
            (Top::Categories(_), true) => return Err(CryptoError::NotHeld),
        };
        if !share.is_ring() {
            return Ok(Zeroizing::new(top.to_vec()));
        }
        let mut entries: Vec<(u8, i64, Zeroizing<[u8; 32]>)> = Vec::new();
        let full: Vec<&UnitKey> = match share.units {
            ShareUnits::None => Vec::new(),
            ShareUnits::One(u) => {
                vec![self
                    .units
                    .iter()
                    .find(|k| k.unit == u)
                    .ok_or(CryptoError::NotHeld)?]
            }
            ShareUnits::Every => self.units.iter().collect(),
        };
        for k in &full {
            entries.push((1, k.unit, Zeroizing::new(*k.bytes)));
        }
        let categories = self.all_unit_categories();
        let wanted: Vec<&UnitCategoryKey> = match share.categories {
            ShareUnits::None => Vec::new(),
            ShareUnits::One(u) => {
                vec![categories
                    .iter()
                    .find(|c| c.unit == u)
                    .ok_or(CryptoError::NotHeld)?]
            }
            ShareUnits::Every => categories.iter().collect(),
        };
        for c in wanted {
            if !full.iter().any(|k| k.unit == c.unit) {
                entries.push((2, c.unit, Zeroizing::new(*c.bytes)));
            }
        }
        let mut out = Zeroizing::new(Vec::with_capacity(37 + entries.len() * 41));
        out.extend_from_slice(b"R1");
        out.push(kind);
        out.extend_from_slice(top.as_ref());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (kind, unit, bytes) in &entries {
            out.push(*kind);
            out.extend_from_slice(&unit.to_le_bytes());
            out.extend_from_slice(bytes.as_ref());
        }
        Ok(out)
    }

    /// Every unit's categories key this holds, derived from a unit key or held alone.
    fn all_unit_categories(&self) -> Vec<UnitCategoryKey> {
        let mut out: Vec<UnitCategoryKey> = self.units.iter().map(|k| k.categories()).collect();
        for c in &self.unit_categories {
            if !out.iter().any(|o| o.unit == c.unit) {
                out.push(UnitCategoryKey {
                    unit: c.unit,
                    version: c.version,
                    bytes: c.bytes.clone(),
                });
            }
        }
        out
    }

    /// Reads what [`Held::portion`] wrote, sealed at `version`: one key of 32 bytes (the top
    /// kind the caller expects: `categories_only` for an auditor's wrap) or a ring.
    pub(super) fn from_portion(
        plain: &[u8],
        version: u32,
        categories_only: bool,
    ) -> Result<Held, CryptoError> {
        let top_of = |kind: u8, bytes: &[u8]| -> Result<Top, CryptoError> {
            match (kind, categories_only) {
                (1, false) => Ok(Top::Master(MasterKey::from_parts(bytes, version)?)),
                (2, true) => Ok(Top::Categories(CategoryKey::from_parts(bytes, version)?)),
                _ => Err(CryptoError::Malformed),
            }
        };
        if plain.len() == 32 {
            return Ok(Held {
                top: top_of(if categories_only { 2 } else { 1 }, plain)?,
                units: Vec::new(),
                unit_categories: Vec::new(),
            });
        }
        let head = plain.get(..37).ok_or(CryptoError::Malformed)?;
        if &head[..2] != b"R1" {
            return Err(CryptoError::Malformed);
        }
        let top = top_of(head[2], &head[3..35])?;
        let count = usize::from(u16::from_le_bytes([head[35], head[36]]));
        let rest = &plain[37..];
        if count > MAX_UNITS || rest.len() != count * 41 {
            return Err(CryptoError::Malformed);
        }
        let mut held = Held {
            top,
            units: Vec::new(),
            unit_categories: Vec::new(),
        };
        for e in rest.chunks_exact(41) {
            let unit = i64::from_le_bytes(e[1..9].try_into().map_err(|_| CryptoError::Malformed)?);
            let bytes: [u8; 32] = e[9..].try_into().map_err(|_| CryptoError::Malformed)?;
            let known = held.units.iter().any(|k| k.unit == unit)
                || held.unit_categories.iter().any(|k| k.unit == unit);
            if known || unit < 1 {
                return Err(CryptoError::Malformed);
            }
            let bytes = Zeroizing::new(bytes);
            match e[0] {
                1 => held.units.push(UnitKey {
                    unit,
                    version,
                    bytes,
                }),
                2 => held.unit_categories.push(UnitCategoryKey {
                    unit,
                    version,
                    bytes,
                }),
                _ => return Err(CryptoError::Malformed),
            }
        }
        Ok(held)
    }

    /// Seals a share of this to a user's public key (the master wrap; an auditor's share under
    /// the categories wrap's place).
    pub fn seal_to_user(
        &self,
        public: &[u8],
        user_id: i64,
        share: Share,
    ) -> Result<Vec<u8>, CryptoError> {
        let place = match share.master {
            true => super::Place::MasterWrap(user_id),
            false => super::Place::CategoryWrap(user_id),
        };
        let plain = self.portion(share)?;
        super::slots::seal_bytes_to(&plain, self.version(), public, place.into())
    }

    /// Seals all of this (an administrator's share) to the recovery key's public key.
    pub fn seal_to_recovery(&self, public: &[u8], id: i64) -> Result<Vec<u8>, CryptoError> {
        let share = Share {
            master: true,
            units: if self.units.is_empty() {
                ShareUnits::None
            } else {
                ShareUnits::Every
            },
            categories: ShareUnits::None,
        };
        let plain = self.portion(share)?;
        super::slots::seal_bytes_to(
            &plain,
            self.version(),
            public,
            super::Place::RecoveryWrap(id).into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Place, UserSecret};

    fn outreach(unit: i64) -> Share {
        Share {
            master: true,
            units: ShareUnits::One(unit),
            categories: ShareUnits::None,
        }
    }

    #[test]
    fn a_units_key_opens_that_units_notes_and_categories_only() {
        let admin = Held::generate(3, &[1, 2]);
        let all = admin.derive(KeyScheme::PerUnit);
        let note = all.seal_in(1, Place::ContactNote(5), b"n").unwrap();
        let attrs = all.seal_in(1, Place::ContactAttributes(5), b"a").unwrap();

        let sara = UserSecret::generate();
        let sealed = admin.seal_to_user(&sara.public(), 9, outreach(2)).unwrap();
        let held = sara.open_held(&sealed, 9, false).unwrap();
        let unit2 = held.derive(KeyScheme::PerUnit);
        assert_eq!(
            unit2.open_in(1, Place::ContactNote(5), &note),
            Err(CryptoError::NotHeld)
        );
        assert_eq!(
            unit2.open_in(1, Place::ContactAttributes(5), &attrs),
            Err(CryptoError::NotHeld)
        );
        // Not even by pretending the row is the unit's own: the key is another.
        assert_eq!(
            unit2.open_in(2, Place::ContactNote(5), &note),
            Err(CryptoError::Authentication)
        );
        // The city's pseudonym key is the same.
        assert_eq!(unit2.pseudonym(b"ab85"), all.pseudonym(b"ab85"));
        let own = unit2.seal_in(2, Place::ContactNote(6), b"m").unwrap();
        assert_eq!(
            &all.open_in(2, Place::ContactNote(6), &own).unwrap()[..],
            b"m"
        );
        // A unit-owned place sealed without a unit is refused, not sealed under the city's key.
        assert_eq!(
            all.seal(Place::ContactNote(7), b"x"),
            Err(CryptoError::NotHeld)
        );
    }

    #[test]
    fn an_auditor_gets_their_own_units_categories_only_and_no_note() {
        let admin = Held::generate(2, &[1, 2, 3]);
        let all = admin.derive(KeyScheme::PerUnit);
        let note = |u| all.seal_in(u, Place::ContactNote(1), b"n").unwrap();
        let attrs = |u| all.seal_in(u, Place::ContactAttributes(1), b"a").unwrap();
        let s = UserSecret::generate();
        let auditor = Share {
            master: false,
            units: ShareUnits::None,
            categories: ShareUnits::One(3),
        };
        let sealed = admin.seal_to_user(&s.public(), 4, auditor).unwrap();
        let keys = s
            .open_held(&sealed, 4, true)
            .unwrap()
            .derive(KeyScheme::PerUnit);
        assert_eq!(
            &keys
                .open_in(3, Place::ContactAttributes(1), &attrs(3))
                .unwrap()[..],
            b"a"
        );
        assert_eq!(
            keys.open_in(3, Place::ContactNote(1), &note(3)),
            Err(CryptoError::NotHeld)
        );
        assert_eq!(
            keys.open_in(1, Place::ContactAttributes(1), &attrs(1)),
            Err(CryptoError::NotHeld)
        );
        assert_eq!(keys.pseudonym(b"ab85"), Err(CryptoError::NotHeld));
        // Opened as the other kind of wrap, or as another user's, it does not open.
        assert!(s.open_held(&sealed, 4, false).is_err());
        assert!(s.open_held(&sealed, 5, true).is_err());
        // An outreach worker's keys give no more than they hold: no other unit's key, nor
        // another unit's categories for an auditor's share.
        let worker = s
            .open_held(
                &admin.seal_to_user(&s.public(), 4, outreach(1)).unwrap(),
                4,
                false,
            )
            .unwrap();
        assert_eq!(
            worker
                .seal_to_user(&s.public(), 5, outreach(2))
                .unwrap_err(),
            CryptoError::NotHeld
        );
        assert_eq!(
            worker.seal_to_user(&s.public(), 5, auditor).unwrap_err(),
            CryptoError::NotHeld
        );
    }

    #[test]
    fn a_ring_read_from_a_wrap_is_bounded_and_checked() {
        let admin = Held::generate(1, &[1, 2]);
        let plain = admin
            .portion(Share {
                master: true,
                units: ShareUnits::Every,
                categories: ShareUnits::None,
            })
            .unwrap();
        assert!(Held::from_portion(&plain, 1, false).is_ok());
        let mut short = plain.to_vec();
        short.pop();
        assert!(Held::from_portion(&short, 1, false).is_err());
        let mut twice = plain.to_vec();
        let dup = twice[37..78].to_vec();
        twice.extend_from_slice(&dup);
        twice[35] = 3;
        assert!(
            Held::from_portion(&twice, 1, false).is_err(),
            "a unit twice"
        );
        let mut many = plain.to_vec();
        many[35] = 0xff;
        many[36] = 0xff;
        assert!(Held::from_portion(&many, 1, false).is_err());
        assert!(format!("{admin:?}").contains("2 unit keys"));
    }
}
