//! The unit's work besides contacts: funded projects (a contact may belong to some), and
//! information and training activities (talks to schools, training for other services), which
//! are never contacts with a person and never mix with contact figures.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use super::{
    date_number, fold, parse_contact_date, parse_date, Date, Expected, FieldError, InvalidValue,
};
use crate::i18n::Lang;

category!(
    /// What kind of information or training work an activity was.
    ActivityKind {
        Lecture = 1: "lecture" ["lecture", "föreläsning"],
        Training = 2: "training" ["training", "utbildning"],
        Consultation = 3: "consultation" ["consultation", "konsultation"],
        Media = 4: "media" ["media", "media"],
        Other = 5: "other" ["other", "annat"]
    }
);
category!(
    /// Whom an activity was for.
    Audience {
        School = 1: "school" ["school", "skola"],
        SocialServices = 2: "social-services" ["social services", "socialtjänst"],
        HealthCare = 3: "health-care" ["health care", "hälso- och sjukvård"],
        Police = 4: "police" ["police", "polis"],
        Other = 5: "other" ["other", "annan"]
    }
);

/// The most participants one activity may count (a lecture hall, a conference).
pub const MAX_PARTICIPANTS: u32 = 100_000;

/// The longest project name or funder, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// The most bytes a name or funder takes in the sealed encoding (60 characters of up to 4
/// bytes each would not fit; a name of that many multi-byte characters is refused).
const NAME_BYTES: usize = 120;

/// A project's name or its funder, as people write it: 1 to [`MAX_NAME_CHARS`] characters,
/// trimmed, no line break or other control character, no `;` (the CSV's separator between
/// projects), and no personal identifier (a name is shown in every list and report).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    pub fn new(s: &str) -> Result<Name, InvalidValue> {
        let t = s.trim();
        let bad = || InvalidValue::of(Expected::Name(MAX_NAME_CHARS));
        if t.is_empty()
            || t.chars().count() > MAX_NAME_CHARS
            || t.len() > NAME_BYTES
            || t.chars().any(|c| c.is_control() || c == ';')
            || !crate::pii::find_identifiers(t).is_empty()
        {
            return Err(bad());
        }
        Ok(Name(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as compared: two projects whose names fold alike ([`fold`]: case, accents,
    /// spaces and hyphens aside) are the same name, and so are two that only look alike
    /// ([`name_key`]: a Cyrillic `о` for a Latin `o`, an invisible character, a Unicode dash).
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// Cyrillic and Greek letters that look like Latin ones in common fonts, with the Latin letter
/// each is read as (issue 17's red team registered `Rоsa bussen` with a Cyrillic `о` beside
/// `Rosa bussen`: two projects a reader cannot tell apart, and contacts split between them).
const LOOK_ALIKES: &[(char, char)] = &[
    // Cyrillic capitals and small letters.
    ('А', 'a'),
    ('В', 'b'),
    ('Е', 'e'),
    ('К', 'k'),
    ('М', 'm'),
    ('Н', 'h'),
    ('О', 'o'),
    ('Р', 'p'),
    ('С', 'c'),
    ('Т', 't'),
    ('У', 'y'),
    ('Х', 'x'),
    ('І', 'i'),
    ('Ј', 'j'),
    ('Ѕ', 's'),
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('ԁ', 'd'),
    ('һ', 'h'),
    ('ӏ', 'l'),
    // Greek capitals and small letters.
    ('Α', 'a'),
    ('Β', 'b'),
    ('Ε', 'e'),
    ('Ζ', 'z'),
    ('Η', 'h'),
    ('Ι', 'i'),
    ('Κ', 'k'),
    ('Μ', 'm'),
    ('Ν', 'n'),
    ('Ο', 'o'),
    ('Ρ', 'p'),
    ('Τ', 't'),
    ('Υ', 'y'),
    ('Χ', 'x'),
    ('ο', 'o'),
    ('ν', 'v'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('ρ', 'p'),
    ('υ', 'u'),
    ('χ', 'x'),
    ('α', 'a'),
];

/// A project name as compared: [`fold`] after every look-alike letter is read as the Latin one
/// it looks like, invisible characters (zero-width spaces and joiners, a soft hyphen, a word
/// joiner, a byte order mark) dropped, and every Unicode dash read as a hyphen (which [`fold`]
/// drops).
pub fn name_key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Decomposed first, so that `ё` is `е` and a mark, and full-width letters are Latin.
    let seen: String = s
        .nfkd()
        .filter(|c| {
            !matches!(
                c,
                '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            )
        })
        .map(|c| {
            if crate::pii::is_dash(c) {
                return '-';
            }
            LOOK_ALIKES
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect();
    fold(&seen)
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A project's name is not a secret of a person, but it is sealed like a category:
        // debug output (panics, logs) does not carry it.
        f.write_str("Name(..)")
    }
}

/// What is sealed as a project's `details`: its name, its funder and its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDetails {
    pub name: Name,
    pub funder: Name,
    pub from: Date,
    /// The last day; `None` while the project runs on.
    pub to: Option<Date>,
}

/// Length of the sealed encoding: fixed, so a ciphertext's length says nothing of a name.
pub const PROJECT_DETAILS_LEN: usize = 1 + 4 + 4 + 1 + NAME_BYTES + 1 + NAME_BYTES;

fn date_of_number(n: u32) -> Option<Date> {
    Date::from_ymd_opt((n / 10_000) as i32, (n / 100) % 100, n % 100)
}

impl ProjectDetails {
    /// Whether `date` lies in the project's period.
    pub fn covers(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|t| date <= t)
    }

    /// Fixed-length encoding: format byte 1, first and last day as YYYYMMDD (0 for open),
    /// then name and funder, each a length byte and its bytes padded with zeros.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![0u8; PROJECT_DETAILS_LEN]);
        out[0] = 1;
        let day = |d: Date| date_number(&d.format("%Y-%m-%d").to_string());
        out[1..5].copy_from_slice(&day(self.from).to_le_bytes());
        out[5..9].copy_from_slice(&self.to.map_or(0, day).to_le_bytes());
        let mut at = 9;
        for name in [&self.name, &self.funder] {
            let b = name.0.as_bytes();
            out[at] = b.len() as u8;
            out[at + 1..at + 1 + b.len()].copy_from_slice(b);
            at += 1 + NAME_BYTES;
        }
        out
    }

    /// Decodes what [`ProjectDetails::encode`] wrote; `None` for anything else.
    pub fn decode(b: &[u8]) -> Option<ProjectDetails> {
        if b.len() != PROJECT_DETAILS_LEN || b[0] != 1 {
            return None;
        }
        let num = |r: std::ops::Range<usize>| u32::from_le_bytes(b[r].try_into().unwrap());
        let from = date_of_number(num(1..5))?;
        let to = match num(5..9) {
            0 => None,
            n => Some(date_of_number(n)?),
        };
        let mut names = Vec::with_capacity(2);
        let mut at = 9;
        for _ in 0..2 {
            let len = usize::from(b[at]);
            if len > NAME_BYTES || b[at + 1 + len..at + 1 + NAME_BYTES].iter().any(|&x| x != 0) {
                return None;
            }
            let text = std::str::from_utf8(&b[at + 1..at + 1 + len]).ok()?;
            names.push(Name::new(text).ok().filter(|n| n.0 == text)?);
            at += 1 + NAME_BYTES;
        }
        let funder = names.pop()?;
        let name = names.pop()?;
        if to.is_some_and(|t| t < from) {
            return None;
        }
        Some(ProjectDetails {
            name,
            funder,
            from,
            to,
        })
    }
}

/// A stored project, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub details: ProjectDetails,
}

/// The unit's projects, decrypted (the vault reads them at sign-in, as it does the districts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projects(Vec<Project>);

impl Projects {
    pub fn new(mut list: Vec<Project>) -> Projects {
        list.sort_by_key(|p| p.id);
        Projects(list)
    }

    /// Every project, in the order they were added.
    pub fn all(&self) -> &[Project] {
        &self.0
    }

    pub fn by_id(&self, id: i64) -> Option<&Project> {
        self.0.iter().find(|p| p.id == id)
    }

    /// The project of this name (names compare as [`Name::key`] does).
    pub fn by_name(&self, name: &str) -> Option<&Project> {
        let key = name_key(name.trim());
        self.0.iter().find(|p| p.details.name.key() == key)
    }

    /// The projects whose period covers `date`: what a contact of that day may belong to.
    pub fn open_on(&self, date: Date) -> impl Iterator<Item = &Project> {
        self.0.iter().filter(move |p| p.details.covers(date))
    }

    /// The set a `;`-separated list of names (empty for none) gives a contact of `date`: every
    /// name one of the unit's projects, each covering the date.
    pub fn resolve(&self, list: &str, date: Date) -> Result<ProjectSet, FieldError> {
        let mut ids = Vec::new();
        for (i, name) in list
            .split(';')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .enumerate()
        {
            let p = self
                .by_name(name)
                .ok_or(FieldError::ProjectUnknown(i + 1))?;
            if !p.details.covers(date) {
                return Err(FieldError::ProjectNotOnDate(i + 1));
            }
            ids.push(p.id);
        }
        ProjectSet::of(ids).ok_or(FieldError::TooManyProjects)
    }

    /// A contact's projects by name, in id order. An id no project has (a database changed
    /// outside uppsok) is written as `#ID`.
    pub fn name_list(&self, set: &ProjectSet) -> Vec<String> {
        set.ids()
            .map(|id| match self.by_id(id) {
                Some(p) => p.details.name.to_string(),
                None => format!("#{id}"),
            })
            .collect()
    }

    /// A contact's projects as the CSV writes them: names joined by `;`, in id order.
    pub fn names(&self, set: &ProjectSet) -> String {
        self.name_list(set).join(";")
    }
}

/// What reads a value by name needs of the unit's own lists: its districts and its projects.
#[derive(Debug, Clone, Copy)]
pub struct Lists<'a> {
    pub districts: &'a super::Districts,
    pub projects: &'a Projects,
    /// The city's units (none named: a database of one unit).
    pub units: &'a super::Units,
}

static NO_PROJECTS: Projects = Projects(Vec::new());
static NO_UNITS: std::sync::LazyLock<super::Units> = std::sync::LazyLock::new(Default::default);

impl<'a> Lists<'a> {
    pub fn new(districts: &'a super::Districts, projects: &'a Projects) -> Self {
        Lists {
            districts,
            projects,
            units: &NO_UNITS,
        }
    }

    /// The same lists, with the city's units.
    pub fn with_units(self, units: &'a super::Units) -> Self {
        Lists { units, ..self }
    }
}

/// A unit's districts and no projects (a database without any, a test).
impl<'a> From<&'a super::Districts> for Lists<'a> {
    fn from(districts: &'a super::Districts) -> Self {
        Lists {
            districts,
            projects: &NO_PROJECTS,
            units: &NO_UNITS,
        }
    }
}

/// The most projects one contact may belong to.
pub const MAX_PROJECTS_PER_CONTACT: usize = 4;

/// The projects a contact belongs to: up to [`MAX_PROJECTS_PER_CONTACT`] project ids, kept
/// sorted with the empty slots (0) last, so that equal sets compare and hash alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProjectSet([u32; MAX_PROJECTS_PER_CONTACT]);

impl ProjectSet {
    pub fn none() -> Self {
        ProjectSet::default()
    }

    /// The set of these ids (duplicates count once); `None` if there are more than
    /// [`MAX_PROJECTS_PER_CONTACT`] or an id is not a stored project's (0, negative, too big).
    pub fn of(ids: impl IntoIterator<Item = i64>) -> Option<Self> {
        let mut v: Vec<u32> = Vec::new();
        for id in ids {
            let id = u32::try_from(id).ok().filter(|&i| i > 0)?;
            if !v.contains(&id) {
                v.push(id);
            }
        }
        if v.len() > MAX_PROJECTS_PER_CONTACT {
            return None;
        }
        v.sort_unstable();
        let mut out = [0u32; MAX_PROJECTS_PER_CONTACT];
        out[..v.len()].copy_from_slice(&v);
        Some(ProjectSet(out))
    }

    /// The project ids, smallest first.
    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.0
            .iter()
            .take_while(|&&i| i != 0)
            .map(|&i| i64::from(i))
    }

    pub fn is_empty(&self) -> bool {
        self.0[0] == 0
    }

    pub fn contains(&self, id: i64) -> bool {
        self.ids().any(|i| i == id)
    }

    /// As sealed in a contact's attributes: each id as 4 bytes, little-endian.
    pub fn encode(&self, out: &mut [u8]) {
        for (i, id) in self.0.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&id.to_le_bytes());
        }
    }

    /// What [`ProjectSet::encode`] wrote: sorted, no id twice, empty slots last.
    pub fn decode(b: &[u8]) -> Option<Self> {
        let mut out = [0u32; MAX_PROJECTS_PER_CONTACT];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u32::from_le_bytes(b.get(i * 4..i * 4 + 4)?.try_into().ok()?);
        }
        let set = ProjectSet(out);
        let ids: Vec<i64> = set.ids().collect();
        let canonical = ProjectSet::of(ids.iter().copied())?;
        (canonical == set).then_some(set)
    }
}

/// What is sealed as an activity's `details` (under the categories key, so that an auditor's
/// statistics count it): kind, audience, participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityDetails {
    pub kind: ActivityKind,
    pub audience: Audience,
    pub participants: u32,
}

impl ActivityDetails {
    /// Fixed-length encoding: format byte 1, kind, audience, participants (4 bytes LE).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![1, self.kind.code(), self.audience.code()]);
        out.extend_from_slice(&self.participants.to_le_bytes());
        out
    }

    pub fn decode(b: &[u8]) -> Option<ActivityDetails> {
        if b.len() != 7 || b[0] != 1 {
            return None;
        }
        let participants = u32::from_le_bytes(b[3..7].try_into().ok()?);
        if participants == 0 || participants > MAX_PARTICIPANTS {
            return None;
        }
        Some(ActivityDetails {
            kind: ActivityKind::from_code(b[1])?,
            audience: Audience::from_code(b[2])?,
            participants,
        })
    }
}

/// Parses a number of participants: a whole number from 1 to [`MAX_PARTICIPANTS`].
pub fn parse_participants(s: &str) -> Result<u32, InvalidValue> {
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PARTICIPANTS).contains(n))
        .ok_or_else(|| InvalidValue::of(Expected::Participants(MAX_PARTICIPANTS)))
}

/// A field of an activity, as the command line names its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityField {
    Date,
    Kind,
    Audience,
    Participants,
}

impl ActivityField {
    /// The command-line flag, without its dashes.
    pub fn flag(self) -> &'static str {
        match self {
            ActivityField::Date => "date",
            ActivityField::Kind => "kind",
            ActivityField::Audience => "audience",
            ActivityField::Participants => "participants",
        }
    }
}

/// An activity's fields as text (the command line, the interface's form) before any is
/// checked; [`ActivityInput::parse`] is the one place they become an activity.
#[derive(Debug, Clone, Copy)]
pub struct ActivityInput<'a> {
    pub date: &'a str,
    pub kind: &'a str,
    pub audience: &'a str,
    pub participants: &'a str,
}

impl ActivityInput<'_> {
    /// The text given for a field.
    pub fn raw(&self, field: ActivityField) -> &str {
        match field {
            ActivityField::Date => self.date,
            ActivityField::Kind => self.kind,
            ActivityField::Audience => self.audience,
            ActivityField::Participants => self.participants,
        }
    }

    /// Checks every field (the date not in the future) and gives the activity, or every field
    /// that is wrong, in order.
    pub fn parse(
        &self,
        today: Date,
    ) -> Result<(Date, ActivityDetails), Vec<(ActivityField, InvalidValue)>> {
        let mut problems = Vec::new();
        let date = parse_contact_date(self.date, today)
            .map_err(|e| problems.push((ActivityField::Date, e)))
            .ok();
        let kind = self.kind.parse::<ActivityKind>();
        let kind = kind
            .map_err(|e| problems.push((ActivityField::Kind, e)))
            .ok();
        let audience = self.audience.parse::<Audience>();
        let audience = audience
            .map_err(|e| problems.push((ActivityField::Audience, e)))
            .ok();
        let participants = parse_participants(self.participants);
        let participants = participants
            .map_err(|e| problems.push((ActivityField::Participants, e)))
            .ok();
        match (date, kind, audience, participants) {
            (Some(date), Some(kind), Some(audience), Some(participants)) => Ok((
                date,
                ActivityDetails {
                    kind,
                    audience,
                    participants,
                },
            )),
            _ => Err(problems),
        }
    }
}

/// A field of a project, as the command line names its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectField {
    Name,
    Funder,
    From,
    To,
}

impl ProjectField {
    /// The command-line flag (`name` is the command's argument, NAME).
    pub fn flag(self) -> &'static str {
        match self {
            ProjectField::Name => "name",
            ProjectField::Funder => "funder",
            ProjectField::From => "from",
            ProjectField::To => "to",
        }
    }

    /// Whether a message may repeat what was given: dates yes, a name no (a name typed in
    /// the wrong place could be anything).
    pub fn may_show_value(self) -> bool {
        matches!(self, ProjectField::From | ProjectField::To)
    }
}

/// A project's fields as text; [`ProjectInput::parse`] checks them all.
#[derive(Debug, Clone, Copy)]
pub struct ProjectInput<'a> {
    pub name: &'a str,
    pub funder: &'a str,
    pub from: &'a str,
    /// Empty while the project runs on.
    pub to: &'a str,
}

impl ProjectInput<'_> {
    pub fn raw(&self, field: ProjectField) -> &str {
        match field {
            ProjectField::Name => self.name,
            ProjectField::Funder => self.funder,
            ProjectField::From => self.from,
            ProjectField::To => self.to,
        }
    }

    /// Checks every field and gives the project's details, or every field that is wrong.
    /// (Whether the period runs forwards and the name is free is the vault's to check.)
    pub fn parse(&self) -> Result<ProjectDetails, Vec<(ProjectField, InvalidValue)>> {
        let mut problems = Vec::new();
        let name = Name::new(self.name)
            .map_err(|e| problems.push((ProjectField::Name, e)))
            .ok();
        let funder = Name::new(self.funder)
            .map_err(|e| problems.push((ProjectField::Funder, e)))
            .ok();
        let from = parse_date(self.from)
            .map_err(|e| problems.push((ProjectField::From, e)))
            .ok();
        let to = if self.to.trim().is_empty() {
            Some(None)
        } else {
            parse_date(self.to)
                .map_err(|e| problems.push((ProjectField::To, e)))
                .ok()
                .map(Some)
        };
        match (name, funder, from, to) {
            (Some(name), Some(funder), Some(from), Some(to)) => Ok(ProjectDetails {
                name,
                funder,
                from,
                to,
            }),
            _ => Err(problems),
        }
    }
}

/// A stored activity, decrypted (its note only for a role that holds the notes key).
#[derive(Debug, Clone)]
pub struct Activity {
    pub id: i64,
    pub date: Date,
    pub details: ActivityDetails,
    pub note: Option<Zeroizing<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_only_look_alike_are_the_same_name() {
        let key = name_key("Rosa bussen");
        for alike in [
            "R\u{043E}sa bussen",        // Cyrillic о
            "Rosa bu\u{0455}\u{0455}en", // Cyrillic ѕ
            "R\u{03BF}sa bussen",        // Greek ο
            "ROSA BUSSEN",
            "R\u{041E}SA BU\u{0405}\u{0405}EN", // Cyrillic О, Ѕ
            "Rosa\u{200B} bussen",              // a zero-width space
            "Rosa\u{00AD}bussen",               // a soft hyphen
            "Rosa\u{2011}bussen",               // a non-breaking hyphen
            "Ｒｏｓａ ｂｕｓｓｅｎ",            // full-width
            "Rósa-bussen",
        ] {
            assert_eq!(name_key(alike), key, "{alike:?}");
        }
        // Different names stay different.
        for other in [
            "Rosa bussar",
            "Rosa buss",
            "Rosa bussen 2",
            "\u{0420}\u{0438}\u{0441}",
        ] {
            assert_ne!(name_key(other), key, "{other:?}");
        }
    }

    fn d(s: &str) -> Date {
        super::super::parse_date(s).unwrap()
    }

    #[test]
    fn project_details_round_trip_at_a_fixed_length() {
        for (name, funder, to) in [
            ("Köparprojektet", "Socialstyrelsen", Some("2009-12-31")),
            ("Människohandel", "Länsstyrelsen i Stockholms län", None),
            (&*"å".repeat(60), "x", None),
        ] {
            let p = ProjectDetails {
                name: Name::new(name).unwrap(),
                funder: Name::new(funder).unwrap(),
                from: d("2009-01-01"),
                to: to.map(d),
            };
            let enc = p.encode();
            assert_eq!(enc.len(), PROJECT_DETAILS_LEN);
            assert_eq!(ProjectDetails::decode(&enc), Some(p));
        }
        // A period that ends before it begins, trailing bytes, another format: not a project.
        let p = ProjectDetails {
            name: Name::new("a").unwrap(),
            funder: Name::new("b").unwrap(),
            from: d("2009-01-01"),
            to: Some(d("2009-12-31")),
        };
        let mut enc = p.encode().to_vec();
        enc[5..9].copy_from_slice(&20081231u32.to_le_bytes());
        assert_eq!(ProjectDetails::decode(&enc), None);
        let mut enc = p.encode().to_vec();
        enc[200] = 1;
        assert_eq!(ProjectDetails::decode(&enc), None);
        let mut enc = p.encode().to_vec();
        enc[0] = 2;
        assert_eq!(ProjectDetails::decode(&enc), None);
    }

    #[test]
    fn names_are_short_single_lines_without_separators_or_identifiers() {
        assert_eq!(
            Name::new("  Köparprojektet ").unwrap().as_str(),
            "Köparprojektet"
        );
        for bad in [
            "",
            "   ",
            "a;b",
            "two\nlines",
            &"x".repeat(61),
            &"😀".repeat(31),
            "Anna 070-123 45 67",
            "811228-9874",
        ] {
            assert!(Name::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Name::new("Köpar-Projektet").unwrap().key(),
            Name::new("köparprojektet").unwrap().key()
        );
        assert_eq!(format!("{:?}", Name::new("secret").unwrap()), "Name(..)");
    }

    #[test]
    fn a_project_covers_its_period_only() {
        let p = ProjectDetails {
            name: Name::new("a").unwrap(),
            funder: Name::new("b").unwrap(),
            from: d("2009-03-01"),
            to: Some(d("2009-12-31")),
        };
        assert!(!p.covers(d("2009-02-28")));
        assert!(p.covers(d("2009-03-01")) && p.covers(d("2009-12-31")));
        assert!(!p.covers(d("2010-01-01")));
        let open = ProjectDetails { to: None, ..p };
        assert!(open.covers(d("2030-01-01")));
    }

    #[test]
    fn a_list_of_names_resolves_against_the_date() {
        let project = |id, name: &str, from, to: Option<&str>| Project {
            id,
            details: ProjectDetails {
                name: Name::new(name).unwrap(),
                funder: Name::new("Socialstyrelsen").unwrap(),
                from: d(from),
                to: to.map(d),
            },
        };
        let ps = Projects::new(vec![
            project(2, "Köparprojektet", "2009-01-01", Some("2009-12-31")),
            project(1, "Människohandel", "2008-01-01", None),
        ]);
        assert_eq!(ps.all()[0].id, 1);
        let set = ps
            .resolve(" köparprojektet ;Människohandel", d("2009-05-01"))
            .unwrap();
        assert_eq!(set.ids().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(ps.names(&set), "Människohandel;Köparprojektet");
        assert_eq!(ps.resolve("", d("2009-05-01")), Ok(ProjectSet::none()));
        assert_eq!(
            ps.resolve("Människohandel;Okänt", d("2009-05-01")),
            Err(FieldError::ProjectUnknown(2))
        );
        assert_eq!(
            ps.resolve("Köparprojektet", d("2010-01-01")),
            Err(FieldError::ProjectNotOnDate(1))
        );
        assert_eq!(
            ps.open_on(d("2010-01-01"))
                .map(|p| p.id)
                .collect::<Vec<_>>(),
            [1]
        );
    }

    #[test]
    fn project_sets_are_canonical() {
        let s = ProjectSet::of([3, 1, 3]).unwrap();
        assert_eq!(s.ids().collect::<Vec<_>>(), [1, 3]);
        assert!(s.contains(3) && !s.contains(2));
        let mut b = [0u8; 16];
        s.encode(&mut b);
        assert_eq!(ProjectSet::decode(&b), Some(s));
        assert!(ProjectSet::of([1, 2, 3, 4, 5]).is_none());
        assert!(ProjectSet::of([0]).is_none());
        assert!(ProjectSet::of([i64::from(u32::MAX) + 1]).is_none());
        // Unsorted, repeated, or a gap before an id: not what encode writes.
        for ids in [[3u32, 1, 0, 0], [1, 1, 0, 0], [0, 1, 0, 0]] {
            let mut b = [0u8; 16];
            for (i, id) in ids.iter().enumerate() {
                b[i * 4..i * 4 + 4].copy_from_slice(&id.to_le_bytes());
            }
            assert_eq!(ProjectSet::decode(&b), None, "{ids:?}");
        }
        assert!(ProjectSet::none().is_empty());
    }

    #[test]
    fn activity_details_round_trip() {
        let a = ActivityDetails {
            kind: ActivityKind::Lecture,
            audience: Audience::School,
            participants: 32,
        };
        assert_eq!(ActivityDetails::decode(&a.encode()), Some(a));
        let zero = ActivityDetails {
            participants: 0,
            ..a
        };
        assert_eq!(ActivityDetails::decode(&zero.encode()), None);
        assert_eq!(parse_participants("32"), Ok(32));
        for bad in ["0", "-1", "100001", "3.5", "", "tio"] {
            assert!(parse_participants(bad).is_err(), "{bad}");
        }
        assert_eq!(
            "föreläsning".parse::<ActivityKind>(),
            Ok(ActivityKind::Lecture)
        );
        assert_eq!(
            "socialtjänst".parse::<Audience>(),
            Ok(Audience::SocialServices)
        );
    }
}
