//! The words of the domain: contacts, persons' code material, categories and dates.
//!
//! Every enumerated value has one spelling (CONTRACT.md), parsed and printed here and nowhere
//! else; the CSV, the command line, statistics and the interface all use these types, so an
//! invalid value cannot be represented.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::{IsNormalized, UnicodeNormalization};
use zeroize::Zeroizing;

use crate::i18n::Lang;
use crate::pii::{find_identifiers, IdentifierKind};

/// A value that is not one of the allowed spellings. Carries no value itself, so it can never
/// leak one; the caller knows what was typed and decides whether it may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// What was expected, e.g. one of sells, buys, other, unknown.
    pub expected: Expected,
}

/// What a value should have been, told in either language by [`InvalidValue::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// One of these values: their one spelling and their Swedish label.
    OneOf(&'static [(&'static str, &'static str)]),
    /// A `;`-separated list of referrals (empty for none).
    ReferralList,
    YesNo,
    DistrictId,
    /// One of the configured districts: identifiers and Swedish names.
    ConfiguredDistrict(Vec<(String, String)>),
    Date,
    DateNotFuture(Date),
    DateFrom1900,
    NoteAtMost(usize),
    Staff(u8),
    /// A project's name or funder (see [`Name`]), at most this many characters.
    Name(usize),
    /// A number of participants, at most this many.
    Participants(u32),
}

impl InvalidValue {
    fn of(expected: Expected) -> Self {
        InvalidValue { expected }
    }

    /// "expected one of sells, buys, other, unknown" in `lang` (the Swedish one lists the
    /// Swedish labels, which are accepted as well).
    pub fn text(&self, lang: Lang) -> String {
        let list = |pairs: &mut dyn Iterator<Item = (&str, &str)>| -> String {
            pairs
                .map(|(en, sv)| if lang == Lang::Sv { sv } else { en })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sv = lang == Lang::Sv;
        match &self.expected {
            Expected::OneOf(values) if sv => {
                format!("måste vara en av {}", list(&mut values.iter().copied()))
            }
            Expected::OneOf(values) => {
                format!("expected one of {}", list(&mut values.iter().copied()))
            }
            Expected::ReferralList if sv => format!(
                "måste vara en lista med ; mellan av {} (tom för ingen)",
                list(&mut Referral::CHOICES.iter().copied())
            ),
            Expected::ReferralList => format!(
                "expected a ;-separated list of {} (empty for none)",
                list(&mut Referral::CHOICES.iter().copied())
            ),
            Expected::YesNo if sv => "måste vara ja eller nej".into(),
            Expected::YesNo => "expected yes or no".into(),
            Expected::DistrictId if sv => {
                "måste vara en stadsdels identifierare med gemener (a-z, 0-9, -)".into()
            }
            Expected::DistrictId => {
                "expected a lower-case district identifier (a-z, 0-9, -)".into()
            }
            Expected::ConfiguredDistrict(ds) if sv => format!(
                "måste vara en av databasens stadsdelar ({})",
                list(&mut ds.iter().map(|(a, b)| (a.as_str(), b.as_str())))
            ),
            Expected::ConfiguredDistrict(ds) => format!(
                "expected one of the configured districts ({})",
                list(&mut ds.iter().map(|(a, b)| (a.as_str(), b.as_str())))
            ),
            Expected::Date if sv => "måste vara ett datum som ÅÅÅÅ-MM-DD".into(),
            Expected::Date => "expected a date as YYYY-MM-DD".into(),
            Expected::DateNotFuture(today) if sv => {
                format!("måste vara ett datum som inte ligger i framtiden (i dag är det {today})")
            }
            Expected::DateNotFuture(today) => {
                format!("expected a date not in the future (today is {today})")
            }
            Expected::DateFrom1900 if sv => "måste vara ett datum från 1900 och framåt".into(),
            Expected::DateFrom1900 => "expected a date from 1900 on".into(),
            Expected::NoteAtMost(n) if sv => {
                format!(
                    "en anteckning får ha högst {} tecken",
                    lang.number(*n as u64)
                )
            }
            Expected::NoteAtMost(n) => format!("expected a note of at most {n} characters"),
            Expected::Staff(max) if sv => format!("måste vara ett tal från 1 till {max}"),
            Expected::Staff(max) => format!("expected a number from 1 to {max}"),
            Expected::Name(max) if sv => format!(
                "måste vara ett namn på 1 till {max} tecken, på en rad, utan ; och utan personuppgifter"
            ),
            Expected::Name(max) => format!(
                "expected a name of 1 to {max} characters on one line, without ; or personal identifiers"
            ),
            Expected::Participants(max) if sv => format!(
                "måste vara ett heltal från 1 till {}",
                lang.number(u64::from(*max))
            ),
            Expected::Participants(max) => format!("expected a whole number from 1 to {max}"),
        }
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// A word for comparing what a person typed with a value: lower case, without accents
/// (`å ä` → `a`, `ö` → `o`, `é` → `e`), spaces and hyphens. `Södermalm`, `sodermalm` and
/// `SÖDER-MALM` fold alike; so do `non-binary` and `nonbinary`.
pub fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| !matches!(c, ' ' | '-' | '\u{2013}' | '\u{a0}' | '_'))
        .collect()
}

/// Declares a closed set of values with their one spelling and a stable code for the encrypted
/// encoding (codes must never change once released: they are inside stored ciphertexts).
macro_rules! category {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal : $text:literal [$en:literal, $sv:literal]),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the documented order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The one spelling used in CSV, JSON, the command line and statistics.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value as a person reads it in `lang` (the interface, the report, text
            /// output); files and scripts keep [`Self::as_str`].
            pub fn label(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::En => match self { $($name::$variant => $en),+ },
                    Lang::Sv => match self { $($name::$variant => $sv),+ },
                }
            }

            /// The value whose one spelling, or whose label in either language, `s` is,
            /// exactly as written (`säljer`, `non-binary`): a file or a flag is as strict
            /// about a label as about a spelling, so `Sells`, `saljer` or ` sells` are not
            /// values (the interface's type-ahead is the forgiving one).
            pub fn from_any(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| {
                    v.as_str() == s || v.label(Lang::En) == s || v.label(Lang::Sv) == s
                })
            }

            /// The byte stored inside the encrypted attributes.
            pub fn code(self) -> u8 {
                match self { $($name::$variant => $code),+ }
            }

            /// The value for a stored byte, if it is one.
            pub fn from_code(code: u8) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Every value's one spelling and Swedish label, for messages.
            pub const CHOICES: &'static [(&'static str, &'static str)] = &[$(($text, $sv)),+];

            /// "one of a, b, c" for error messages.
            pub fn expected() -> Expected {
                Expected::OneOf(Self::CHOICES)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                Self::from_any(s).ok_or_else(|| InvalidValue::of(Self::expected()))
            }
        }
    };
}

category!(
    /// Whether the person sells or buys sexual services.
    Role {
        Sells = 1: "sells" ["sells", "säljer"], Buys = 2: "buys" ["buys", "köper"],
        Other = 3: "other" ["other", "annan"], Unknown = 4: "unknown" ["unknown", "okänt"]
    }
);
category!(
    /// The person's gender as they present it or tell it.
    Gender {
        Woman = 1: "woman" ["woman", "kvinna"], Man = 2: "man" ["man", "man"],
        Trans = 3: "trans" ["trans", "transperson"],
        Nonbinary = 4: "nonbinary" ["non-binary", "icke-binär"],
        Unknown = 5: "unknown" ["unknown", "okänt"]
    }
);
category!(
    /// Age band; `under18` triggers the report-of-concern routine.
    AgeBand {
        Under18 = 1: "under18" ["under 18", "under 18"], From18To24 = 2: "18-24" ["18-24", "18-24"],
        From25To34 = 3: "25-34" ["25-34", "25-34"], From35To44 = 4: "35-44" ["35-44", "35-44"],
        From45To54 = 5: "45-54" ["45-54", "45-54"], From55 = 6: "55+" ["55+", "55+"],
        Unknown = 7: "unknown" ["unknown", "okänt"]
    }
);
category!(
    /// Gender of those the person sells to or buys from.
    Counterpart {
        Men = 1: "men" ["men", "män"], Women = 2: "women" ["women", "kvinnor"],
        Both = 3: "both" ["both", "båda"], Unknown = 4: "unknown" ["unknown", "okänt"]
    }
);
category!(
    /// How the contact came about.
    ContactType {
        Outreach = 1: "outreach" ["outreach", "uppsökande"], Online = 2: "online" ["online", "internet"],
        Counselling = 3: "counselling" ["counselling", "samtalsstöd"],
        Medical = 4: "medical" ["medical", "medicinsk rådgivning"],
        Police = 5: "police" ["police operation", "polisinsats"], Other = 6: "other" ["other", "annan"]
    }
);
category!(
    /// Where the person was referred on to. A contact may have several.
    Referral {
        Health = 0: "health" ["health care", "hälso- och sjukvård"],
        Addiction = 1: "addiction" ["addiction care", "beroendevård"],
        Housing = 2: "housing" ["housing", "boende"], Police = 3: "police" ["police", "polis"],
        Migration = 4: "migration" ["migration", "migration"], Legal = 5: "legal" ["legal aid", "juridiskt stöd"],
        Shelter = 6: "shelter" ["shelter", "skyddat boende"], Other = 7: "other" ["other", "annat"]
    }
);
category!(
    /// The kind of field night.
    FieldNightKind {
        Street = 1: "street" ["street", "gata"], Online = 2: "online" ["online", "internet"],
        Police = 3: "police" ["police operation", "polisinsats"]
    }
);
category!(
    /// The answer to the under-18 question: has a report of concern (orosanmälan) to social
    /// services been made, or will one be?
    ConcernReport {
        Made = 1: "made" ["made", "gjord"], WillBeMade = 2: "will-be-made" ["will be made", "kommer att göras"],
        NotMade = 3: "not-made" ["not made", "inte gjord"]
    }
);
category!(
    /// Staff roles (CONTRACT.md, "Roles and what each may do").
    StaffRole {
        Outreach = 1: "outreach" ["outreach worker", "uppsökare"], Lead = 2: "lead" ["unit lead", "enhetsledare"],
        Auditor = 3: "auditor" ["auditor", "granskare"], Admin = 4: "admin" ["administrator", "administratör"]
    }
);

mod units;
mod work;
pub use units::*;
pub use work::*;

/// A set of referrals, stored as a bit mask (bit = `Referral::code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Referrals(u8);

impl Referrals {
    pub fn none() -> Self {
        Referrals(0)
    }
    pub fn from_bits(bits: u8) -> Self {
        Referrals(bits)
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn insert(&mut self, r: Referral) {
        self.0 |= 1 << r.code();
    }
    pub fn contains(self, r: Referral) -> bool {
        self.0 & (1 << r.code()) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The referrals in documented order.
    pub fn iter(self) -> impl Iterator<Item = Referral> {
        Referral::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }
    /// `health;housing`, or empty for none.
    pub fn to_csv(self) -> String {
        self.iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

impl FromStr for Referrals {
    type Err = InvalidValue;
    /// `;`-separated; empty means none. Surrounding spaces around each item are tolerated,
    /// an empty item (`health;;legal`) or an unknown one is not.
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        let mut set = Referrals::none();
        if s.trim().is_empty() {
            return Ok(set);
        }
        for part in s.split(';') {
            let r: Referral = part
                .trim()
                .parse()
                .map_err(|_| InvalidValue::of(Expected::ReferralList))?;
            set.insert(r);
        }
        Ok(set)
    }
}

/// `yes`/`no`, for the trafficking indicators flag; the labels of either language (`ja`,
/// `nej`) are accepted as well.
pub fn parse_yes_no(s: &str) -> Result<bool, InvalidValue> {
    match s {
        "yes" => return Ok(true),
        "no" => return Ok(false),
        _ => {}
    }
    match s {
        "yes" | "ja" => Ok(true),
        "no" | "nej" => Ok(false),
        _ => Err(InvalidValue::of(Expected::YesNo)),
    }
}

/// `yes`/`no` as a person reads it in `lang`.
pub fn yes_no_label(b: bool, lang: Lang) -> &'static str {
    match (lang, b) {
        (Lang::En, true) => "yes",
        (Lang::En, false) => "no",
        (Lang::Sv, true) => "ja",
        (Lang::Sv, false) => "nej",
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A city district: a lower-case identifier from the database's configured list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct District(String);

/// Longest district identifier; the encrypted attributes have room for this many bytes.
pub const DISTRICT_MAX_LEN: usize = 40;

impl District {
    /// A district identifier: 1 to 40 characters of a-z, 0-9 and `-`. Whether it is in the
    /// configured list is checked by [`Districts::parse`].
    pub fn new(s: &str) -> Result<Self, InvalidValue> {
        let ok = !s.is_empty()
            && s.len() <= DISTRICT_MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(District(s.to_string()))
        } else {
            Err(InvalidValue::of(Expected::DistrictId))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl District {
    /// The district as a person reads it: its proper name with å, ä and ö for Stockholm's
    /// districts (`hagersten-alvsjo` is Hägersten-Älvsjö), a word in `lang` for the three that
    /// every list has, and the identifier itself for a district a unit configured.
    pub fn label(&self, lang: Lang) -> String {
        district_label(self.as_str(), lang).map_or_else(|| self.0.clone(), str::to_string)
    }

    /// Whether `s` is this district, exactly as written: its identifier or its label in either
    /// language (what `label` gives, without making it).
    fn is_written(&self, s: &str) -> bool {
        self.as_str() == s
            || [Lang::En, Lang::Sv]
                .into_iter()
                .any(|lang| district_label(self.as_str(), lang) == Some(s))
    }
}

/// The readable name of a district identifier of the default list.
fn district_label(id: &str, lang: Lang) -> Option<&'static str> {
    let sv = lang == Lang::Sv;
    let s = match id {
        "bromma" => "Bromma",
        "enskede-arsta-vantor" => "Enskede-Årsta-Vantör",
        "farsta" => "Farsta",
        "hagersten-alvsjo" => "Hägersten-Älvsjö",
        "hasselby-vallingby" => "Hässelby-Vällingby",
        "kungsholmen" => "Kungsholmen",
        "norrmalm" => "Norrmalm",
        "rinkeby-kista" => "Rinkeby-Kista",
        "skarholmen" => "Skärholmen",
        "skarpnack" => "Skarpnäck",
        "spanga-tensta" => "Spånga-Tensta",
        "sodermalm" => "Södermalm",
        "ostermalm" => "Östermalm",
        "online" if sv => "internet",
        "online" => "online",
        "outside" if sv => "utanför staden",
        "outside" => "outside the city",
        "unknown" if sv => "okänt",
        "unknown" => "unknown",
        _ => return None,
    };
    Some(s)
}

impl fmt::Display for District {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stockholm's 13 district areas, then the three that every list has.
pub const DEFAULT_DISTRICTS: &[&str] = &[
    "bromma",
    "enskede-arsta-vantor",
    "farsta",
    "hagersten-alvsjo",
    "hasselby-vallingby",
    "kungsholmen",
    "norrmalm",
    "rinkeby-kista",
    "skarholmen",
    "skarpnack",
    "spanga-tensta",
    "sodermalm",
    "ostermalm",
    "online",
    "outside",
    "unknown",
];

/// The configured list of districts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Districts(Vec<District>);

impl Default for Districts {
    fn default() -> Self {
        Districts(
            DEFAULT_DISTRICTS
                .iter()
                .map(|d| District(d.to_string()))
                .collect(),
        )
    }
}

impl Districts {
    pub fn new(list: Vec<District>) -> Self {
        Districts(list)
    }
    pub fn all(&self) -> &[District] {
        &self.0
    }
    /// The stable one-byte code of a district: its place in the list. The list is only ever
    /// appended to, so a code stored inside a ciphertext keeps its meaning.
    pub fn code_of(&self, d: &District) -> Option<u8> {
        self.0
            .iter()
            .position(|x| x == d)
            .and_then(|i| u8::try_from(i).ok())
    }
    /// The district with this code.
    pub fn by_code(&self, code: u8) -> Option<&District> {
        self.0.get(usize::from(code))
    }
    /// A value from this list (its identifier, or its name in either language: `Södermalm`),
    /// or an error that names the list.
    pub fn parse(&self, s: &str) -> Result<District, InvalidValue> {
        // An identifier as written (what files hold) before any label.
        self.0
            .iter()
            .find(|d| d.as_str() == s)
            .or_else(|| self.0.iter().find(|d| d.is_written(s)))
            .cloned()
            .ok_or_else(|| {
                InvalidValue::of(Expected::ConfiguredDistrict(
                    self.0
                        .iter()
                        .map(|d| (d.as_str().to_string(), d.label(Lang::Sv)))
                        .collect(),
                ))
            })
    }
}

/// A calendar date.
pub type Date = NaiveDate;

/// Parses `YYYY-MM-DD` strictly (exactly that shape, a real date).
pub fn parse_date(s: &str) -> Result<Date, InvalidValue> {
    let err = || InvalidValue::of(Expected::Date);
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    // Read by hand (an import parses a million of them): digits only, then a real date.
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(err());
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(err)
}

/// Parses a contact date: `YYYY-MM-DD`, not after `today`.
pub fn parse_contact_date(s: &str, today: Date) -> Result<Date, InvalidValue> {
    let d = parse_date(s)?;
    if d > today {
        return Err(InvalidValue::of(Expected::DateNotFuture(today)));
    }
    if d.year() < 1900 {
        return Err(InvalidValue::of(Expected::DateFrom1900));
    }
    Ok(d)
}

/// Today's local date.
pub fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// The current time as stored in timestamps: UTC, seconds, RFC 3339.
pub fn now_timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time in seconds since 1970 (UTC), as contacts store it.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A date as `YYYY-MM-DD`, what `to_string` gives, without the formatting machinery (an import
/// writes a million of them).
pub fn date_text(date: Date) -> String {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&y) {
        return date.to_string();
    }
    let mut out = String::with_capacity(10);
    for (n, width) in [(y as u32, 4), (m, 2), (d, 2)] {
        if width == 2 {
            out.push('-');
        }
        for place in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
    }
    out
}

/// `YYYY-MM-DD` as the sortable number YYYYMMDD; 0 for anything else (another length, no `-`
/// in its place, a character that is not a digit). Also reads the date at the start of a
/// timestamp cut to its first 10 characters.
pub fn date_number(s: &str) -> u32 {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return 0;
    }
    let mut n = 0u32;
    for (i, &c) in b.iter().enumerate() {
        if i == 4 || i == 7 {
            continue;
        }
        if !c.is_ascii_digit() {
            return 0;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    n
}

/// Code material a person gave, normalised (CONTRACT.md): trimmed, Unicode-lowercased, every
/// white space and `-` removed, and composed to Unicode NFC so that `å` typed as one character
/// or as `a` plus a ring is the same code. Held in zeroizing memory, never printed.
pub struct PersonCode(Zeroizing<String>);

/// The shortest run of digits taken for a phone number in code material (no code needs seven
/// digits in a row); [`PersonCode::identifier_in`]'s fast path relies on it too.
const PHONE_DIGITS: usize = 7;

impl PersonCode {
    /// `None` for an empty code (an unidentified contact).
    pub fn normalise(raw: &str) -> Option<PersonCode> {
        let raw = raw.trim();
        let mut out = Zeroizing::new(String::with_capacity(raw.len()));
        // ASCII is its own NFC (a composition needs a combining mark, none of which is
        // ASCII), and so is text the quick check finds composed: most codes skip the
        // composition, a tenth of an import's time. ASCII is read a byte at a time (an
        // ASCII letter's lower case is one ASCII letter).
        if raw.is_ascii() {
            for c in raw.bytes().map(char::from) {
                if !(c.is_whitespace() || c == '-') {
                    out.push(c.to_ascii_lowercase());
                }
            }
            return Some(PersonCode(out)).filter(|code| !code.0.is_empty());
        }
        PersonCode::compose_into(raw, &mut out);
        // Removing a `-` or a space can bring two combining marks together that composition
        // orders by their class, and a lower-case letter can compose where its capital did
        // not: the result is normalised again until it stays as it is, so a normalised code
        // is its own normalisation. A code the first pass leaves stable (every code seen in
        // practice) keeps the pseudonym it always had. (`out` holds no white space or `-`,
        // so a pass leaves it as it is exactly when it is composed and in lower case: checked
        // without making the pass.)
        if unicode_normalization::is_nfc_quick(out.chars()) == IsNormalized::Yes
            && out.chars().all(|c| c.to_lowercase().eq(std::iter::once(c)))
        {
            return Some(PersonCode(out)).filter(|code| !code.0.is_empty());
        }
        let mut next = Zeroizing::new(String::with_capacity(out.len()));
        for _ in 0..8 {
            next.clear();
            PersonCode::compose_into(&out, &mut next);
            if *next == *out {
                break;
            }
            std::mem::swap(&mut out, &mut next);
        }
        Some(PersonCode(out)).filter(|code| !code.0.is_empty())
    }

    /// One pass of the normalisation of non-ASCII code material: composed (NFC), white space
    /// and `-` removed, lower-cased, appended to `out`.
    fn compose_into(raw: &str, out: &mut String) {
        let mut keep = |c: char| {
            if !(c.is_whitespace() || c == '-') {
                out.extend(c.to_lowercase());
            }
        };
        match unicode_normalization::is_nfc_quick(raw.chars()) == IsNormalized::Yes {
            true => raw.chars().for_each(&mut keep),
            false => raw.nfc().for_each(&mut keep),
        }
    }
    /// The normalised bytes that are keyed into a pseudonym.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The kind of identifier code material is, if it looks like one (a personnummer,
    /// samordningsnummer, phone number or e-mail address), checked as typed and as normalised.
    /// Such a code is refused: its pseudonym could be found by keying every personnummer.
    /// An exported pseudonym (64 hex digits, what `export` writes and `import` reads back) is
    /// not code material and is not checked: hex has digit runs that look like phone numbers.
    pub fn identifier_in(raw: &str) -> Option<IdentifierKind> {
        // Most codes (initials and a birth year) are ASCII with a few digits and no `@`,
        // `(` or `[` (an address's marks, also as `(at)`): nothing below can find a number
        // (seven digits at least) or an address in them, and no copy of them is made.
        if raw.is_ascii()
            && raw.bytes().filter(u8::is_ascii_digit).count() < PHONE_DIGITS
            && !raw.contains(['@', '(', '['])
        {
            return None;
        }
        PersonCode::identifier_in_any(raw)
    }

    /// [`PersonCode::identifier_in`] for any text.
    fn identifier_in_any(raw: &str) -> Option<IdentifierKind> {
        let normalised = PersonCode::normalise(raw)?;
        if crate::crypto::parse_pseudonym_hex(normalised.as_bytes()).is_some() {
            return None;
        }
        let typed = find_identifiers(raw.trim());
        let joined = std::str::from_utf8(normalised.as_bytes())
            .map(find_identifiers)
            .unwrap_or_default();
        // Look-alike spellings: compatibility forms folded (fullwidth and mathematical digits,
        // `＠`, `＋`), then every character that is neither a letter, a digit, `@` nor `+`
        // dropped (dots, slashes, underscores, any Unicode dash or space, zero-width
        // characters), so every spelling of a number becomes one run of digits.
        // (ASCII is its own NFKC: no ASCII character has a compatibility form.)
        let wanted = |c: &char| c.is_alphanumeric() || *c == '@' || *c == '+';
        let folded: String = match raw.is_ascii()
            || unicode_normalization::is_nfkc_quick(raw.chars()) == IsNormalized::Yes
        {
            true => raw.chars().filter(wanted).collect(),
            false => raw.nfkc().filter(wanted).collect(),
        };
        let looks = find_identifiers(&folded);
        // What the detector's shapes cannot see: an address however it is written, and a long
        // run of digits of any script (no code material needs seven digits in a row).
        let at = folded.contains('@').then_some(IdentifierKind::Email);
        let longest_run = folded
            .split(|c: char| !c.is_numeric())
            .map(|run| run.chars().count())
            .max()
            .unwrap_or(0);
        let digits = match longest_run {
            10 | 12 => Some(IdentifierKind::Personnummer),
            n if n >= PHONE_DIGITS => Some(IdentifierKind::Phone),
            _ => None,
        };
        typed
            .into_iter()
            .chain(joined)
            .chain(looks)
            .min()
            .or(at)
            .or(digits)
    }
}

impl fmt::Debug for PersonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonCode(<redacted>)")
    }
}

/// What a contact says about the person and the meeting: everything that is encrypted as the
/// contact's `attributes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attributes {
    pub role: Role,
    pub gender: Gender,
    pub age_band: AgeBand,
    pub counterpart: Counterpart,
    pub district: District,
    pub contact_type: ContactType,
    pub referrals: Referrals,
    pub trafficking: bool,
    /// The answer to the under-18 question (a report of concern made, to be made, not made);
    /// `None` when not asked (any other age band) or not answered (older records). Only an
    /// `under18` contact carries one: [`Attributes::encode`] stores `None` for any other.
    pub concern: Option<ConcernReport>,
    /// The funded projects the contact belongs to (ids of stored projects).
    pub projects: ProjectSet,
}

/// Length of format 1 of the encoded attributes (written by versions before the under-18
/// answer was a category; still read): fixed, so the ciphertext length says nothing.
pub const ATTRIBUTES_LEN: usize = 9;
const ATTRIBUTES_FORMAT: u8 = 1;
/// Format 2, written before contacts named projects: format 1's bytes with byte 0 = 2, then
/// one more byte, the answer to the under-18 question ([`ConcernReport::code`], 0 for none).
pub const ATTRIBUTES_V2_LEN: usize = 10;
const ATTRIBUTES_FORMAT_V2: u8 = 2;
/// Format 3, what every contact is written in: format 2's bytes with byte 0 = 3, then the
/// contact's projects ([`ProjectSet::encode`], 16 bytes). Fixed length whatever the answer and
/// however many projects, so the ciphertext length tells neither who was asked nor which
/// contacts a project reached.
pub const ATTRIBUTES_V3_LEN: usize = 26;
const ATTRIBUTES_FORMAT_V3: u8 = 3;

impl Attributes {
    /// Fixed-length binary encoding (format 3, [`ATTRIBUTES_V3_LEN`]): format byte, one byte
    /// per category (the district as its code in the configured list), referral bits, flags,
    /// the under-18 answer (kept only for the age band `under18`), the projects. `None` if the
    /// district is not in the list.
    pub fn encode(&self, districts: &Districts) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; ATTRIBUTES_V3_LEN]);
        out[0] = ATTRIBUTES_FORMAT_V3;
        out[1] = self.role.code();
        out[2] = self.gender.code();
        out[3] = self.age_band.code();
        out[4] = self.counterpart.code();
        out[5] = self.contact_type.code();
        out[6] = self.referrals.bits();
        out[7] = u8::from(self.trafficking);
        out[8] = districts.code_of(&self.district)?;
        out[9] = self.concern().map_or(0, ConcernReport::code);
        self.projects.encode(&mut out[10..]);
        Some(out)
    }

    /// The under-18 answer as stored: only an `under18` contact has one.
    pub fn concern(&self) -> Option<ConcernReport> {
        self.concern.filter(|_| self.age_band == AgeBand::Under18)
    }

    /// Decodes what [`Attributes::encode`] wrote, or format 1 (no under-18 answer) or 2 (no
    /// projects); `None` if the bytes are not such an encoding.
    pub fn decode(b: &[u8], districts: &Districts) -> Option<Attributes> {
        let concern = |c: u8| match c {
            0 => Some(None),
            c => ConcernReport::from_code(c).map(Some),
        };
        let (concern, projects) = match (b.len(), b.first()) {
            (ATTRIBUTES_LEN, Some(&ATTRIBUTES_FORMAT)) => (None, ProjectSet::none()),
            (ATTRIBUTES_V2_LEN, Some(&ATTRIBUTES_FORMAT_V2)) => {
                (concern(b[9])?, ProjectSet::none())
            }
            (ATTRIBUTES_V3_LEN, Some(&ATTRIBUTES_FORMAT_V3)) => {
                (concern(b[9])?, ProjectSet::decode(&b[10..])?)
            }
            _ => return None,
        };
        if b[7] > 1 {
            return None;
        }
        let a = Attributes {
            role: Role::from_code(b[1])?,
            gender: Gender::from_code(b[2])?,
            age_band: AgeBand::from_code(b[3])?,
            counterpart: Counterpart::from_code(b[4])?,
            contact_type: ContactType::from_code(b[5])?,
            referrals: Referrals::from_bits(b[6]),
            trafficking: b[7] == 1,
            district: districts.by_code(b[8])?.clone(),
            concern,
            projects,
        };
        Some(a)
    }
}

/// The longest note, in characters. Notes are for a few sentences, not case files.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Checks a note's length.
pub fn check_note_length(note: &str) -> Result<(), InvalidValue> {
    // A character is a byte or more: a note of no more bytes than that is not counted.
    if note.len() > MAX_NOTE_CHARS && note.chars().count() > MAX_NOTE_CHARS {
        return Err(InvalidValue::of(Expected::NoteAtMost(MAX_NOTE_CHARS)));
    }
    Ok(())
}

/// A contact about to be logged: the code material is still here, the pseudonym not yet.
#[derive(Debug)]
pub struct NewContact {
    pub date: Date,
    pub code: Option<PersonCode>,
    pub attributes: Attributes,
    pub note: Zeroizing<String>,
    pub field_night: Option<i64>,
}

/// A field of a contact as people give it: the CSV names its column, the command line its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Date,
    /// The person code (never shown in a message, like the note).
    Code,
    Role,
    Gender,
    AgeBand,
    Counterpart,
    District,
    ContactType,
    Referrals,
    Trafficking,
    Note,
    /// The answer to the under-18 question (report of concern).
    Concern,
    /// The funded projects the contact belongs to (`;`-separated names).
    Projects,
}

impl ContactField {
    /// The CSV column.
    pub fn column(self) -> &'static str {
        match self {
            ContactField::Date => "date",
            ContactField::Code => "person_code",
            ContactField::Role => "role",
            ContactField::Gender => "gender",
            ContactField::AgeBand => "age_band",
            ContactField::Counterpart => "counterpart",
            ContactField::District => "district",
            ContactField::ContactType => "contact_type",
            ContactField::Referrals => "referrals",
            ContactField::Trafficking => "trafficking",
            ContactField::Note => "note",
            ContactField::Concern => "concern",
            ContactField::Projects => "projects",
        }
    }

    /// The command-line flag, without its dashes.
    pub fn flag(self) -> &'static str {
        match self {
            ContactField::Code => "code",
            ContactField::AgeBand => "age-band",
            ContactField::ContactType => "contact-type",
            other => other.column(),
        }
    }
}

impl ContactField {
    /// Whether what was given for this field may be shown in a message: never the code or the
    /// note.
    pub fn may_show_value(self) -> bool {
        !matches!(self, ContactField::Code | ContactField::Note)
    }
}

/// A field that did not parse, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: ContactField,
    pub error: FieldError,
}

/// Why a field's text is not a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Not one of the values, or not in the expected form.
    Invalid(InvalidValue),
    /// A person code that looks like an identifier of this kind.
    CodeIsIdentifier(IdentifierKind),
    /// An answer to the under-18 question for a contact whose age band is not `under18`.
    ConcernNotUnder18,
    /// No answer to the under-18 question where it is required (the command line, the
    /// interface) for an `under18` contact.
    ConcernMissing,
    /// The project at this place of the list (1 for the first) is none of the unit's. Names
    /// are never echoed: a name typed in the wrong field could be anything.
    ProjectUnknown(usize),
    /// The contact's date lies outside the period of the project at this place of the list.
    ProjectNotOnDate(usize),
    /// More projects than a contact may belong to.
    TooManyProjects,
}

impl FieldError {
    /// Whether a message may show what was given: only when it is no value at all. A valid
    /// value refused for where it stands (an under-18 answer for an adult) is a category, and
    /// categories are never echoed.
    pub fn may_show_value(&self) -> bool {
        matches!(self, FieldError::Invalid(_))
    }
}

impl From<InvalidValue> for FieldError {
    fn from(e: InvalidValue) -> Self {
        FieldError::Invalid(e)
    }
}

impl FieldError {
    /// Why the field is not a value, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let sv = lang == Lang::Sv;
        match self {
            FieldError::Invalid(e) => e.text(lang),
            FieldError::CodeIsIdentifier(kind) if sv => format!(
                "en personkod får inte vara {}; använd det personen själv ger som kod, till exempel initialer och födelseår eller ett smeknamn",
                kind.label(lang)
            ),
            FieldError::CodeIsIdentifier(kind) => format!(
                "a person code must not be {}; use what the person gives as a code, for example initials and birth year or a nickname",
                kind.described()
            ),
            FieldError::ConcernNotUnder18 if sv => "svaret om orosanmälan gäller bara en kontakt under 18 år (åldersgrupp under18); utelämna det för alla andra åldersgrupper".into(),
            FieldError::ConcernNotUnder18 => "the report-of-concern answer is only for an under-18 contact (age band under18); leave it out for any other age band".into(),
            FieldError::ConcernMissing if sv => format!(
                "en kontakt under 18 år behöver svaret på om en orosanmälan är gjord; svaret {}",
                InvalidValue::of(ConcernReport::expected()).text(lang)
            ),
            FieldError::ConcernMissing => format!(
                "an under-18 contact needs the answer to whether a report of concern (orosanmälan) is {}",
                InvalidValue::of(ConcernReport::expected())
                    .text(lang)
                    .trim_start_matches("expected ")
            ),
            FieldError::ProjectUnknown(n) if sv => format!(
                "projekt {n} i listan är inget av enhetens projekt (se uppsok project list)"
            ),
            FieldError::ProjectUnknown(n) => format!(
                "project {n} of the list is none of the unit's projects (see uppsok project list)"
            ),
            FieldError::ProjectNotOnDate(n) if sv => format!(
                "kontaktens datum ligger utanför perioden för projekt {n} i listan"
            ),
            FieldError::ProjectNotOnDate(n) => format!(
                "the contact's date lies outside the period of project {n} of the list"
            ),
            FieldError::TooManyProjects if sv => format!(
                "en kontakt kan höra till högst {MAX_PROJECTS_PER_CONTACT} projekt"
            ),
            FieldError::TooManyProjects => format!(
                "a contact can belong to at most {MAX_PROJECTS_PER_CONTACT} projects"
            ),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Most staff a field night records: one to this many (the command line and the form alike).
pub const MAX_STAFF: u8 = 99;

/// The staff count of a field night: a whole number from 1 to [`MAX_STAFF`].
pub fn parse_staff(s: &str) -> Result<u8, InvalidValue> {
    s.parse::<u8>()
        .ok()
        .filter(|n| (1..=MAX_STAFF).contains(n))
        .ok_or_else(|| InvalidValue::of(Expected::Staff(MAX_STAFF)))
}

/// A field of a field night.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NightField {
    Date,
    Kind,
    District,
    Staff,
}

impl NightField {
    /// The command-line flag, without its dashes.
    pub fn flag(self) -> &'static str {
        match self {
            NightField::Date => "date",
            NightField::Kind => "kind",
            NightField::District => "district",
            NightField::Staff => "staff",
        }
    }
}

/// A field night's fields as text (the command line's flags, the interface's form) before any
/// is checked; [`FieldNightInput::parse`] is the one place they become a field night.
#[derive(Debug, Clone, Copy)]
pub struct FieldNightInput<'a> {
    pub date: &'a str,
    pub kind: &'a str,
    pub district: &'a str,
    pub staff: &'a str,
}

impl FieldNightInput<'_> {
    /// The text given for a field.
    pub fn raw(&self, field: NightField) -> &str {
        match field {
            NightField::Date => self.date,
            NightField::Kind => self.kind,
            NightField::District => self.district,
            NightField::Staff => self.staff,
        }
    }

    /// Checks every field (the date not in the future, the district in the database's list,
    /// 1 to [`MAX_STAFF`] staff) and gives the field night, or every field that is wrong, in
    /// order.
    pub fn parse(
        &self,
        districts: &Districts,
        today: Date,
    ) -> Result<(Date, FieldNightDetails), Vec<(NightField, InvalidValue)>> {
        let mut problems = Vec::new();
        fn take<T>(
            problems: &mut Vec<(NightField, InvalidValue)>,
            field: NightField,
            r: Result<T, InvalidValue>,
        ) -> Option<T> {
            r.map_err(|e| problems.push((field, e))).ok()
        }
        let p = &mut problems;
        let date = take(p, NightField::Date, parse_contact_date(self.date, today));
        let kind = take(p, NightField::Kind, self.kind.parse::<FieldNightKind>());
        let district = take(p, NightField::District, districts.parse(self.district));
        let staff = take(p, NightField::Staff, parse_staff(self.staff));
        match (date, kind, district, staff) {
            (Some(date), Some(kind), Some(district), Some(staff)) => Ok((
                date,
                FieldNightDetails {
                    kind,
                    district,
                    staff,
                    project: None,
                },
            )),
            _ => Err(problems),
        }
    }
}

/// A contact's fields as text, as typed on the command line or read from a CSV row, before any
/// is checked. [`ContactInput::parse`] is the one place they become a [`NewContact`].
#[derive(Debug, Clone, Copy)]
pub struct ContactInput<'a> {
    pub date: &'a str,
    pub code: &'a str,
    pub role: &'a str,
    pub gender: &'a str,
    pub age_band: &'a str,
    pub counterpart: &'a str,
    pub district: &'a str,
    pub contact_type: &'a str,
    pub referrals: &'a str,
    pub trafficking: &'a str,
    pub note: &'a str,
    /// The under-18 answer: `made`, `will-be-made`, `not-made`, or empty.
    pub concern: &'a str,
    /// The projects: `;`-separated names, or empty for none.
    pub projects: &'a str,
    pub field_night: Option<i64>,
}

/// Whether an `under18` contact must carry the answer to the report-of-concern question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcernAnswer {
    /// Required: the command line (`add`) and the interface, where the person is at hand.
    Required,
    /// May be empty: an import (files of older versions have no `concern` column).
    Optional,
}

impl ContactInput<'_> {
    /// The text given for a field (the code's and the note's are never shown in a message).
    pub fn raw(&self, field: ContactField) -> &str {
        match field {
            ContactField::Date => self.date,
            ContactField::Code => self.code,
            ContactField::Role => self.role,
            ContactField::Gender => self.gender,
            ContactField::AgeBand => self.age_band,
            ContactField::Counterpart => self.counterpart,
            ContactField::District => self.district,
            ContactField::ContactType => self.contact_type,
            ContactField::Referrals => self.referrals,
            ContactField::Trafficking => self.trafficking,
            ContactField::Note => self.note,
            ContactField::Concern => self.concern,
            ContactField::Projects => self.projects,
        }
    }

    /// Checks every field exactly as given (the date not in the future, the district in the
    /// database's list, the code no identifier, the note within its length) and builds the
    /// contact, or names every field that is wrong, in column order. Identifiers in the note
    /// are the caller's to check: whether they may stay depends on where the contact comes
    /// from. A code that is an identifier is always refused ([`PersonCode::identifier_in`]).
    /// The under-18 answer is refused for any other age band, and for `under18` required or
    /// not as `answer` says.
    pub fn parse(
        &self,
        (districts, projects): (&Districts, &Projects),
        today: Date,
        answer: ConcernAnswer,
    ) -> Result<NewContact, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut check = |field: ContactField, r: Result<(), FieldError>| {
            if let Err(error) = r {
                problems.push(FieldProblem { field, error });
            }
        };
        macro_rules! field {
            ($field:expr, $parse:expr) => {{
                let r = $parse;
                check(
                    $field,
                    r.as_ref()
                        .map(|_| ())
                        .map_err(|e| FieldError::from(e.clone())),
                );
                r.ok()
            }};
        }
        let date = field!(ContactField::Date, parse_contact_date(self.date, today));
        check(
            ContactField::Code,
            PersonCode::identifier_in(self.code)
                .map_or(Ok(()), |kind| Err(FieldError::CodeIsIdentifier(kind))),
        );
        let role = field!(ContactField::Role, self.role.parse::<Role>());
        let gender = field!(ContactField::Gender, self.gender.parse::<Gender>());
        let age_band = field!(ContactField::AgeBand, self.age_band.parse::<AgeBand>());
        let counterpart = field!(
            ContactField::Counterpart,
            self.counterpart.parse::<Counterpart>()
        );
        let contact_type = field!(
            ContactField::ContactType,
            self.contact_type.parse::<ContactType>()
        );
        let referrals = field!(ContactField::Referrals, self.referrals.parse::<Referrals>());
        let district = field!(ContactField::District, districts.parse(self.district));
        let trafficking = field!(ContactField::Trafficking, parse_yes_no(self.trafficking));
        check(
            ContactField::Note,
            check_note_length(self.note).map_err(FieldError::from),
        );
        let concern = if self.concern.is_empty() {
            Some(None)
        } else {
            field!(ContactField::Concern, self.concern.parse::<ConcernReport>()).map(Some)
        };
        let concern = match (concern, age_band) {
            (Some(Some(_)), Some(a)) if a != AgeBand::Under18 => {
                check(ContactField::Concern, Err(FieldError::ConcernNotUnder18));
                None
            }
            (Some(None), Some(AgeBand::Under18)) if answer == ConcernAnswer::Required => {
                check(ContactField::Concern, Err(FieldError::ConcernMissing));
                None
            }
            (c, _) => c,
        };
        // Projects are checked against the contact's date, once the date is one.
        let in_projects = date.and_then(|d| match projects.resolve(self.projects, d) {
            Ok(set) => Some(set),
            Err(e) => {
                check(ContactField::Projects, Err(e));
                None
            }
        });
        match (
            date,
            role,
            gender,
            age_band,
            counterpart,
            district,
            contact_type,
            referrals,
            trafficking,
            concern,
            in_projects,
        ) {
            (
                Some(date),
                Some(role),
                Some(gender),
                Some(age_band),
                Some(counterpart),
                Some(district),
                Some(contact_type),
                Some(referrals),
                Some(trafficking),
                Some(concern),
                Some(in_projects),
            ) if problems.is_empty() => Ok(NewContact {
                date,
                code: PersonCode::normalise(self.code),
                attributes: Attributes {
                    role,
                    gender,
                    age_band,
                    counterpart,
                    district,
                    contact_type,
                    referrals,
                    trafficking,
                    concern,
                    projects: in_projects,
                },
                note: Zeroizing::new(self.note.to_string()),
                field_night: self.field_night,
            }),
            _ => Err(problems),
        }
    }
}

/// A stored contact, decrypted.
#[derive(Debug, Clone)]
pub struct Contact {
    pub id: i64,
    pub date: Date,
    /// The keyed pseudonym, or `None` for an unidentified contact.
    pub pseudonym: Option<[u8; 32]>,
    pub field_night: Option<i64>,
    pub attributes: Attributes,
    pub note: Zeroizing<String>,
}

/// The details of a field night (encrypted as its `details`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNightDetails {
    pub kind: FieldNightKind,
    pub district: District,
    pub staff: u8,
    /// The funded project the night's contacts start in (a stored project's id), if any.
    pub project: Option<i64>,
}

/// A stored field night, decrypted.
#[derive(Debug, Clone)]
pub struct FieldNight {
    pub id: i64,
    pub date: Date,
    pub details: FieldNightDetails,
}

impl FieldNightDetails {
    /// Fixed-length encoding, format 2 (8 bytes whether or not the night has a project):
    /// format byte, kind, staff count, district code, project id (u32 LE, 0 for none).
    /// `None` for a district not in the list or a project id no project can have.
    pub fn encode(&self, districts: &Districts) -> Option<Zeroizing<Vec<u8>>> {
        let project = match self.project {
            None => 0,
            Some(id) => u32::try_from(id).ok().filter(|&i| i > 0)?,
        };
        let mut out = Zeroizing::new(vec![
            2,
            self.kind.code(),
            self.staff,
            districts.code_of(&self.district)?,
        ]);
        out.extend_from_slice(&project.to_le_bytes());
        Some(out)
    }

    /// Decodes format 2, and format 1 (4 bytes, written before nights had a project).
    pub fn decode(b: &[u8], districts: &Districts) -> Option<Self> {
        let project = match (b.len(), b.first()) {
            (4, Some(1)) => None,
            (8, Some(2)) => match u32::from_le_bytes(b[4..8].try_into().ok()?) {
                0 => None,
                id => Some(i64::from(id)),
            },
            _ => return None,
        };
        Some(FieldNightDetails {
            kind: FieldNightKind::from_code(b[1])?,
            staff: b[2],
            district: districts.by_code(b[3])?.clone(),
            project,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_night_encodes_as_format_2_and_format_1_still_reads() {
        let districts = Districts::default();
        let district = districts.all()[0].clone();
        for project in [None, Some(7)] {
            let n = FieldNightDetails {
                kind: FieldNightKind::Online,
                district: district.clone(),
                staff: 3,
                project,
            };
            let enc = n.encode(&districts).unwrap();
            assert_eq!(enc.len(), 8, "the same length with or without a project");
            assert_eq!(enc[0], 2);
            assert_eq!(FieldNightDetails::decode(&enc, &districts), Some(n));
        }
        let code = districts.code_of(&district).unwrap();
        let old = [1, FieldNightKind::Street.code(), 2, code];
        let n = FieldNightDetails::decode(&old, &districts).unwrap();
        assert_eq!((n.staff, n.project), (2, None));
        // Another format byte, a wrong length, a project id no project has: not a night.
        assert!(FieldNightDetails::decode(&[2, 1, 2, code], &districts).is_none());
        assert!(FieldNightDetails::decode(&[1, 1, 2, code, 0, 0, 0, 0], &districts).is_none());
        let bad = FieldNightDetails {
            kind: FieldNightKind::Street,
            district,
            staff: 2,
            project: Some(0),
        };
        assert!(bad.encode(&districts).is_none());
    }

    #[test]
    fn dates_parse_by_hand_exactly_as_yyyy_mm_dd_and_print_back() {
        for ok in ["2024-02-29", "1900-01-01", "2009-12-31", "9999-12-31"] {
            assert_eq!(parse_date(ok).unwrap().to_string(), ok);
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-1-01",
            "+024-01-01",
            "2024-01-0a",
            "2024/01/01",
            "20240101",
            "",
            "2024-01-01 ",
            "２０２４-01-01",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_parser_names_every_bad_field_in_column_order() {
        let today = parse_date("2026-01-01").unwrap();
        let good = ContactInput {
            date: "2025-05-01",
            code: "AB 85",
            role: "sells",
            gender: "woman",
            age_band: "25-34",
            counterpart: "men",
            district: "norrmalm",
            contact_type: "outreach",
            referrals: "health;housing",
            trafficking: "no",
            note: "kort",
            concern: "",
            projects: "",
            field_night: Some(3),
        };
        let c = good
            .parse(
                (&Districts::default(), &Projects::default()),
                today,
                ConcernAnswer::Optional,
            )
            .unwrap();
        assert_eq!(c.attributes.role, Role::Sells);
        assert_eq!(c.field_night, Some(3));
        assert_eq!(c.code.unwrap().as_bytes(), b"ab85");
        let bad = ContactInput {
            date: "2027-01-01",
            gender: "female",
            district: "atlantis",
            trafficking: " no",
            ..good
        };
        let fields: Vec<ContactField> = bad
            .parse(
                (&Districts::default(), &Projects::default()),
                today,
                ConcernAnswer::Optional,
            )
            .unwrap_err()
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                ContactField::Date,
                ContactField::Gender,
                ContactField::District,
                ContactField::Trafficking
            ]
        );
        assert_eq!(ContactField::AgeBand.flag(), "age-band");
        assert_eq!(ContactField::AgeBand.column(), "age_band");
    }

    #[test]
    fn the_under18_answer_is_for_under18_only_and_required_where_asked() {
        use ConcernAnswer::{Optional, Required};
        let today = parse_date("2026-01-01").unwrap();
        let districts = Districts::default();
        let young = ContactInput {
            date: "2025-05-01",
            code: "",
            role: "sells",
            gender: "woman",
            age_band: "under18",
            counterpart: "men",
            district: "norrmalm",
            contact_type: "outreach",
            referrals: "",
            trafficking: "no",
            note: "",
            concern: "will-be-made",
            projects: "",
            field_night: None,
        };
        for answer in [Optional, Required] {
            let c = young
                .parse((&districts, &Projects::default()), today, answer)
                .unwrap();
            assert_eq!(c.attributes.concern, Some(ConcernReport::WillBeMade));
        }
        let problem = |input: ContactInput, answer| {
            let p = input
                .parse((&districts, &Projects::default()), today, answer)
                .unwrap_err();
            assert_eq!(p.len(), 1, "{p:?}");
            assert_eq!(p[0].field, ContactField::Concern);
            p[0].error.clone()
        };
        // Not one of the answers.
        let e = problem(
            ContactInput {
                concern: "maybe",
                ..young
            },
            Optional,
        );
        assert!(
            e.to_string().contains("made, will-be-made, not-made"),
            "{e}"
        );
        // An answer for another age band.
        let adult = ContactInput {
            age_band: "25-34",
            ..young
        };
        assert_eq!(problem(adult, Optional), FieldError::ConcernNotUnder18);
        // No answer: fine for an import (older files), not where it is asked.
        let unanswered = ContactInput {
            concern: "",
            ..young
        };
        let c = unanswered
            .parse((&districts, &Projects::default()), today, Optional)
            .unwrap();
        assert_eq!(c.attributes.concern, None);
        assert_eq!(problem(unanswered, Required), FieldError::ConcernMissing);
        let c = ContactInput {
            concern: "",
            ..adult
        }
        .parse((&districts, &Projects::default()), today, Required)
        .unwrap();
        assert_eq!(c.attributes.concern, None);
        assert_eq!(ContactField::Concern.column(), "concern");
        assert_eq!(ContactField::Concern.flag(), "concern");
    }

    #[test]
    fn a_code_that_is_an_identifier_is_refused_by_kind_and_a_pseudonym_is_not_checked() {
        let today = parse_date("2026-01-01").unwrap();
        let input = |code| ContactInput {
            date: "2025-05-01",
            code,
            role: "sells",
            gender: "woman",
            age_band: "25-34",
            counterpart: "men",
            district: "norrmalm",
            contact_type: "outreach",
            referrals: "",
            trafficking: "no",
            note: "",
            concern: "",
            projects: "",
            field_night: None,
        };
        for (code, kind) in [
            ("19850214-2386", IdentifierKind::Personnummer),
            ("8502142386", IdentifierKind::Personnummer),
            ("850274-2383", IdentifierKind::Samordningsnummer),
            ("070-123 45 67", IdentifierKind::Phone),
            ("anna@example.se", IdentifierKind::Email),
        ] {
            assert_eq!(PersonCode::identifier_in(code), Some(kind), "{kind}");
            let problems = input(code)
                .parse(
                    (&Districts::default(), &Projects::default()),
                    today,
                    ConcernAnswer::Optional,
                )
                .unwrap_err();
            assert_eq!(
                problems,
                [FieldProblem {
                    field: ContactField::Code,
                    error: FieldError::CodeIsIdentifier(kind)
                }]
            );
            let text = problems[0].error.to_string();
            assert!(text.starts_with("a person code must not be "), "{text}");
            assert!(!text.contains("2386") && !text.contains("anna"), "{text}");
        }
        // Look-alike spellings a red-team run got through before (2026-12-01): other
        // separators, Unicode dashes and spaces, other scripts' digits, compatibility forms of
        // `@`, international numbers without `+`, quoted or IP-literal addresses.
        for code in [
            "850101.2390",
            "85.01.01-2390",
            "850101/2390",
            "850101_2390",
            "850101:2390",
            "850101,2390",
            "850101~2390",
            "19850101\u{2014}2390",
            "850101\u{2010}2390",
            "850101\u{2212}2390",
            "850101\u{200b}2390",
            "\u{ff18}\u{ff15}\u{ff10}\u{ff11}\u{ff10}\u{ff11}\u{ff12}\u{ff13}\u{ff19}\u{ff10}",
            "\u{668}\u{665}\u{660}\u{661}\u{660}\u{661}\u{662}\u{663}\u{669}\u{660}",
            "\u{1d7d6}\u{1d7d3}\u{1d7ce}\u{1d7cf}\u{1d7ce}\u{1d7cf}\u{1d7d0}\u{1d7d1}\u{1d7d7}\u{1d7ce}",
            "46701234567",
            "447911123456",
            "+46.70.123.45.67",
            "070\u{2014}1234567",
            "070/1234567",
            "\u{ff0b}46701234567",
            "anna\u{ff20}example.se",
            "anna\u{fe6b}example.se",
            "anna@example\u{ff0e}se",
            "anna@example\u{ff61}se",
            "\"anna\"@example.se",
            "anna@[192.168.0.1]",
        ] {
            assert!(
                PersonCode::identifier_in(code).is_some(),
                "{:?}",
                code.escape_unicode().to_string()
            );
        }
        for fine in ["ab85", "AB 1985", "nick77", "p123456", "Ö-85", "maja"] {
            assert_eq!(PersonCode::identifier_in(fine), None, "{fine}");
        }
        assert!(!ContactField::Code.may_show_value());
        assert_eq!(ContactField::Code.column(), "person_code");
        assert_eq!(ContactField::Code.flag(), "code");
        // Codes as people give them, and an exported pseudonym holding a phone-shaped run.
        let hex = format!("0701234567{}", "ab".repeat(27));
        assert!(!find_identifiers(&hex).is_empty());
        for code in ["ab85", "AB 1985", "nick77", "", "  ", hex.as_str()] {
            assert_eq!(PersonCode::identifier_in(code), None, "{code}");
            assert!(input(code)
                .parse(
                    (&Districts::default(), &Projects::default()),
                    today,
                    ConcernAnswer::Optional
                )
                .is_ok());
        }
        // Upper-case hex is still an exported pseudonym once normalised.
        assert_eq!(PersonCode::identifier_in(&hex.to_uppercase()), None);
    }

    fn code(s: &str) -> Vec<u8> {
        PersonCode::normalise(s).unwrap().as_bytes().to_vec()
    }

    #[test]
    fn dates_become_sortable_numbers_and_anything_else_zero() {
        assert_eq!(date_number("2024-05-06"), 20240506);
        assert_eq!(
            date_number("2024-05-06T10:00:00Z".get(..10).unwrap()),
            20240506
        );
        assert!(date_number("2024-05-06") < date_number("2024-12-01"));
        for junk in [
            "",
            "junk",
            "2024-05-6",
            "2024/05/06",
            "2024-0a-06",
            "20240506xx",
        ] {
            assert_eq!(date_number(junk), 0, "{junk}");
        }
    }

    #[test]
    fn a_date_is_written_as_to_string_writes_it() {
        use chrono::Datelike;
        let mut date = NaiveDate::from_ymd_opt(-3, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(10_002, 12, 31).unwrap();
        while date <= last {
            assert_eq!(date_text(date), date.to_string());
            date = match date.year() {
                // Every day of the years around the ends of four digits and of this century,
                // one day a month elsewhere.
                -3..=2 | 1999..=2001 | 2023..=2025 | 9998..=10_002 => date.succ_opt().unwrap(),
                _ => date + chrono::Months::new(1),
            };
        }
    }

    #[test]
    fn codes_normalise_as_the_contract_says() {
        assert_eq!(code("AB 85"), code("ab85"));
        assert_eq!(code("A-B85"), code("ab85"));
        assert_eq!(code("  ab\t85 \n"), code("ab85"));
        assert_eq!(code("ÅSA-79"), code("åsa79"));
        assert_eq!(code("a\u{30a}sa79"), code("åsa79"));
        assert_ne!(code("ab85"), code("ab86"));
        assert_ne!(code("ab85"), code("ab_85"));
        assert_ne!(code("ab85"), code("ab.85"));
        assert!(PersonCode::normalise("  - ").is_none());
        assert!(PersonCode::normalise("").is_none());
        // ASCII skips the composition (its own NFC): every ASCII character gives what the
        // composing path gives, each white space (vertical tab and form feed too) dropped.
        let composed = |raw: &str| -> String {
            raw.trim()
                .nfc()
                .filter(|c| !(c.is_whitespace() || *c == '-'))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let every: String = (0u8..128).map(char::from).collect();
        for raw in [
            every.as_str(),
            "Ab\u{b}85\u{c}X",
            " A-b_8.5 ",
            "ÅSA-79",
            "a\u{30a}sa79",
            "\u{212B}sa79",
            "ｌｉｓａ 5",
            "Öz\u{308}8",
        ] {
            let fast = PersonCode::normalise(raw).map(|c| c.as_bytes().to_vec());
            assert_eq!(
                fast.unwrap_or_default(),
                composed(raw).into_bytes(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn an_ascii_code_with_few_digits_and_no_address_mark_is_no_identifier_as_checked_in_full() {
        use proptest::prelude::*;
        let strategy = proptest::collection::vec(
            prop_oneof![
                proptest::char::range('0', '9'),
                proptest::char::range('a', 'f'),
                Just('@'),
                Just('('),
                Just(')'),
                Just('['),
                Just(' '),
                Just('-'),
                Just('+'),
                Just('.'),
                Just('A'),
                Just('t'),
                proptest::char::range(' ', '~'),
            ],
            0..20,
        );
        proptest!(ProptestConfig::with_cases(2000), |(chars in strategy)| {
            let raw: String = chars.into_iter().collect();
            prop_assert_eq!(PersonCode::identifier_in(&raw), PersonCode::identifier_in_any(&raw));
        });
        for raw in [
            "ab85",
            "AB 1985",
            "p008271",
            "070-12345",
            "x(at)y.se",
            "0701234567",
        ] {
            assert_eq!(
                PersonCode::identifier_in(raw),
                PersonCode::identifier_in_any(raw),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_district_is_read_by_its_identifier_before_any_label() {
        let d = |s: &str| District::new(s).unwrap();
        // `internet` is the Swedish label of `online`, and a unit may name a district so.
        let list = Districts::new(vec![d("online"), d("sodermalm"), d("internet")]);
        assert_eq!(list.parse("internet").unwrap(), d("internet"));
        assert_eq!(list.parse("online").unwrap(), d("online"));
        assert_eq!(list.parse("Södermalm").unwrap(), d("sodermalm"));
        let without = Districts::new(vec![d("online"), d("sodermalm")]);
        assert_eq!(without.parse("internet").unwrap(), d("online"));
        assert!(without.parse("atlantis").is_err());
    }

    #[test]
    fn normalising_a_normalised_code_changes_nothing() {
        // Found by the property test: the dagesh of U+FB43 (which composition splits off) and
        // a virama (U+112E9) meet once the `-` between them is removed, and composition orders
        // two such marks by their class: a code normalised once changed when normalised again.
        for raw in [
            "\u{FB43}-\u{112E9}",
            "\u{FB43} \u{112E9}",
            "a\u{301}-\u{316}",
            "\u{130}-\u{301}",
            "\u{1E9E}-\u{300}",
        ] {
            let once = code(raw);
            let twice = code(std::str::from_utf8(&once).unwrap());
            assert_eq!(twice, once, "{raw:?}");
        }
    }

    #[test]
    fn attributes_round_trip_and_have_one_length() {
        let a = Attributes {
            role: Role::Sells,
            gender: Gender::Woman,
            age_band: AgeBand::From25To34,
            counterpart: Counterpart::Men,
            district: District::new("enskede-arsta-vantor").unwrap(),
            contact_type: ContactType::Counselling,
            referrals: "health;shelter".parse().unwrap(),
            trafficking: true,
            concern: None,
            projects: ProjectSet::none(),
        };
        let districts = Districts::default();
        let enc = a.encode(&districts).unwrap();
        assert_eq!(enc.len(), ATTRIBUTES_V3_LEN);
        assert_eq!(Attributes::decode(&enc, &districts).unwrap(), a);
        let mut bad = enc.to_vec();
        bad[1] = 99;
        assert!(Attributes::decode(&bad, &districts).is_none());
        bad[1] = 1;
        bad[8] = 200;
        assert!(Attributes::decode(&bad, &districts).is_none());
        let mut other = a.clone();
        other.district = District::new("atlantis").unwrap();
        assert!(other.encode(&districts).is_none());

        // The under-18 answer: every answer, and none, in one length; kept only for under18.
        let mut young = a.clone();
        young.age_band = AgeBand::Under18;
        for concern in [
            None,
            Some(ConcernReport::Made),
            Some(ConcernReport::WillBeMade),
            Some(ConcernReport::NotMade),
        ] {
            young.concern = concern;
            let v2 = young.encode(&districts).unwrap();
            assert_eq!(v2.len(), ATTRIBUTES_V3_LEN);
            assert_eq!(Attributes::decode(&v2, &districts), Some(young.clone()));
            let mut older = a.clone();
            older.concern = concern;
            let v2 = older.encode(&districts).unwrap();
            assert_eq!(v2.len(), ATTRIBUTES_V3_LEN);
            assert_eq!(Attributes::decode(&v2, &districts), Some(a.clone()));
        }
        // Projects: none, one, the most a contact may have, in the same length.
        for ids in [&[][..], &[7], &[1, 2, 3, 70_000]] {
            let mut p = a.clone();
            p.projects = ProjectSet::of(ids.iter().copied()).unwrap();
            let v3 = p.encode(&districts).unwrap();
            assert_eq!(v3.len(), ATTRIBUTES_V3_LEN);
            assert_eq!(Attributes::decode(&v3, &districts), Some(p));
        }
        // Format 2 (written before projects) still reads, with none.
        let mut v2 = enc[..ATTRIBUTES_V2_LEN].to_vec();
        v2[0] = ATTRIBUTES_FORMAT_V2;
        assert_eq!(Attributes::decode(&v2, &districts), Some(a.clone()));
        // Format 1 (older versions) still reads, with no answer.
        let mut v1 = enc[..ATTRIBUTES_LEN].to_vec();
        v1[0] = ATTRIBUTES_FORMAT;
        assert_eq!(Attributes::decode(&v1, &districts), Some(a.clone()));
        let mut bad = a.encode(&districts).unwrap().to_vec();
        bad[9] = 9;
        assert!(Attributes::decode(&bad, &districts).is_none());
        bad[9] = 0;
        bad[0] = 1;
        assert!(
            Attributes::decode(&bad, &districts).is_none(),
            "format 1 is 9 bytes"
        );
        // Projects out of their canonical order are not an encoding.
        let mut bad = a.encode(&districts).unwrap().to_vec();
        bad[14] = 1;
        assert!(Attributes::decode(&bad, &districts).is_none());
    }

    #[test]
    fn no_label_names_another_value() {
        // Each label (either language) and each spelling folds to one value only, so a
        // Swedish word can never be read as a different English value.
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            spell: fn(T) -> &'static str,
            label: fn(T, Lang) -> &'static str,
        ) {
            for a in all {
                for b in all {
                    if a == b {
                        continue;
                    }
                    let words = |v: T| [spell(v), label(v, Lang::En), label(v, Lang::Sv)].map(fold);
                    for wa in words(*a) {
                        assert!(!words(*b).contains(&wa), "{a:?} and {b:?} share {wa}");
                    }
                }
            }
        }
        check(Role::ALL, Role::as_str, Role::label);
        check(Gender::ALL, Gender::as_str, Gender::label);
        check(AgeBand::ALL, AgeBand::as_str, AgeBand::label);
        check(Counterpart::ALL, Counterpart::as_str, Counterpart::label);
        check(ContactType::ALL, ContactType::as_str, ContactType::label);
        check(Referral::ALL, Referral::as_str, Referral::label);
        check(
            FieldNightKind::ALL,
            FieldNightKind::as_str,
            FieldNightKind::label,
        );
        check(
            ConcernReport::ALL,
            ConcernReport::as_str,
            ConcernReport::label,
        );
        check(StaffRole::ALL, StaffRole::as_str, StaffRole::label);
    }

    #[test]
    fn values_parse_strictly() {
        assert!("seller".parse::<Role>().is_err());
        assert!(
            "s".parse::<Role>().is_err(),
            "a start is the interface's, not a value"
        );
        // The Swedish labels the interface shows are accepted (CONTRACT.md, Swedish input).
        assert_eq!("säljer".parse::<Role>(), Ok(Role::Sells));
        assert_eq!("kvinna".parse::<Gender>(), Ok(Gender::Woman));
        assert!(
            "Kvinna".parse::<Gender>().is_err(),
            "as strict as a spelling"
        );
        assert!("man".parse::<Counterpart>().is_err(), "män is not man");
        assert_eq!("icke-binär".parse::<Gender>(), Ok(Gender::Nonbinary));
        assert_eq!("non-binary".parse::<Gender>(), Ok(Gender::Nonbinary));
        assert_eq!(
            "kommer att göras".parse::<ConcernReport>(),
            Ok(ConcernReport::WillBeMade)
        );
        assert_eq!(
            "beroendevård;boende".parse::<Referrals>().unwrap().to_csv(),
            "addiction;housing"
        );
        assert_eq!(parse_yes_no("ja"), Ok(true));
        assert_eq!(parse_yes_no("nej"), Ok(false));
        assert!(parse_yes_no("j").is_err());
        let d = Districts::default();
        assert_eq!(d.parse("Södermalm").unwrap().as_str(), "sodermalm");
        assert_eq!(
            d.parse("Hägersten-Älvsjö").unwrap().as_str(),
            "hagersten-alvsjo"
        );
        assert!(d.parse("söder").is_err());
        assert!("55+".parse::<AgeBand>().is_ok());
        assert!("health;;legal".parse::<Referrals>().is_err());
        assert_eq!("".parse::<Referrals>().unwrap(), Referrals::none());
        assert_eq!(
            "shelter;health".parse::<Referrals>().unwrap().to_csv(),
            "health;shelter"
        );
        let today = parse_date("2020-06-01").unwrap();
        assert!(parse_contact_date("2020-06-02", today).is_err());
        assert!(parse_contact_date("2020-6-01", today).is_err());
        assert!(parse_contact_date("2020-02-30", today).is_err());
        assert!(parse_contact_date("2020-06-01", today).is_ok());
    }
}
