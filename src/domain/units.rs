//! The units of a city: the prostitution units, the buyers' programmes, the clinics that share
//! one database (docs/units.md). A unit is a number and a name; every user belongs to one, and
//! a contact or a field night to the unit of the user who logged it.
//!
//! A database begins as one unit without a name (number 1): every user and contact of a
//! database made before units were known is in it. The first `unit add` names it; each
//! further one adds a unit. The units and who belongs to which are granted by the log
//! (`unit_add`, `user_add ... unit=N`, signed by an administrator), not read from a table.

use std::collections::HashMap;

/// The unit every user belongs to unless the log says otherwise: the database's first.
pub const FIRST_UNIT: i64 = 1;

/// The longest unit name.
pub const UNIT_NAME_MAX: usize = 40;

/// Whether `name` may name a unit's database role on a server (`uppsok unit role`): a
/// PostgreSQL identifier that needs no quoting, lower-case ASCII letters, digits and `_`,
/// starting with a letter or `_`, at most 63 bytes (the server's limit).
pub fn is_database_role(name: &str) -> bool {
    name.len() <= 63
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` may name a unit: 1 to [`UNIT_NAME_MAX`] characters, the letters `a` to `z`
/// and `å`, `ä`, `ö`, digits, `-` and `_`, beginning with a letter or a digit. (It is written
/// into the log's entries and read as a statistics value, so it holds no space, `=`, `,` or
/// `:`; and no letter of another alphabet that looks like one of these, so two units cannot
/// look the same: a red team added `gotebоrg` with a Cyrillic `о` beside `goteborg`.)
pub fn is_unit_name(name: &str) -> bool {
    let letter = |c: char| c.is_ascii_lowercase() || matches!(c, 'å' | 'ä' | 'ö');
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| letter(c) || c.is_ascii_digit());
    first_ok
        && name.chars().count() <= UNIT_NAME_MAX
        && name
            .chars()
            .all(|c| letter(c) || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The units as the log grants them, and the unit of every user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    /// (number, name), by number. Empty until the first unit is named.
    named: Vec<(i64, String)>,
    /// Each user's unit (a user not listed is in [`FIRST_UNIT`]).
    of_user: HashMap<i64, i64>,
}

impl Units {
    pub fn new(named: Vec<(i64, String)>, of_user: HashMap<i64, i64>) -> Units {
        let mut named = named;
        named.sort();
        Units { named, of_user }
    }

    /// The named units, by number.
    pub fn named(&self) -> &[(i64, String)] {
        &self.named
    }

    /// Whether the database holds more than one unit (then figures are a unit's unless the
    /// city's are asked for).
    pub fn several(&self) -> bool {
        self.named.len() > 1
    }

    /// The unit a user belongs to.
    pub fn of_user(&self, user: i64) -> i64 {
        self.of_user.get(&user).copied().unwrap_or(FIRST_UNIT)
    }

    /// A unit's name; `None` for the first unit before it is named.
    pub fn name(&self, unit: i64) -> Option<&str> {
        self.named
            .iter()
            .find(|(id, _)| *id == unit)
            .map(|(_, n)| n.as_str())
    }

    /// The unit of that name (names are lower case; the name is compared as given).
    pub fn by_name(&self, name: &str) -> Option<i64> {
        self.named
            .iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| *id)
    }

    /// The number the next `unit add` names or makes: the first unit while it has no name.
    pub fn next_number(&self) -> i64 {
        self.named.last().map_or(FIRST_UNIT, |(id, _)| id + 1)
    }

    /// The users of one unit, as the log grants them (only those listed: see
    /// [`Units::of_user`] for everyone else, who is in the first).
    pub fn members(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.of_user.iter().map(|(u, n)| (*u, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_are_identifiers_that_a_log_entry_and_a_filter_can_hold() {
        for ok in [
            "stockholm",
            "mika-goteborg",
            "malmö_2",
            "1177",
            "å",
            "västerås",
        ] {
            assert!(is_unit_name(ok), "{ok}");
        }
        let long = "a".repeat(UNIT_NAME_MAX + 1);
        for bad in [
            "",
            "Stockholm",
            "two words",
            "a=b",
            "a,b",
            "a:b",
            "-leading",
            "gotebоrg",
            "ｇｏｔｅｂｏｒｇ",
            "ⅰ",
            "müller",
            long.as_str(),
        ] {
            assert!(!is_unit_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_first_unit_holds_everyone_until_told_otherwise_and_is_named_first() {
        let none = Units::default();
        assert_eq!(none.of_user(7), FIRST_UNIT);
        assert_eq!(none.next_number(), FIRST_UNIT);
        assert!(!none.several());
        let two = Units::new(
            vec![(2, "malmo".into()), (1, "stockholm".into())],
            HashMap::from([(7, 2)]),
        );
        assert_eq!(two.of_user(7), 2);
        assert_eq!(two.of_user(8), FIRST_UNIT);
        assert_eq!(two.by_name("malmo"), Some(2));
        assert_eq!(two.name(1), Some("stockholm"));
        assert_eq!(two.next_number(), 3);
        assert!(two.several());
    }
}
