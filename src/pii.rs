//! The identifier detector: finds Swedish personal identity numbers (personnummer),
//! co-ordination numbers (samordningsnummer), possible ones (a date of birth and a serial number
//! whose check digit is wrong: a misheard or mistyped number still points at a person), phone
//! numbers and e-mail addresses in free text.
//!
//! Used by `add`, `import`, the interface and the audit. It reports only the kind of what it
//! found, never the text.

use std::borrow::Cow;
use std::fmt;

/// The kind of identifier found in a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    Personnummer,
    Samordningsnummer,
    /// Shaped like a personnummer or samordningsnummer (10 or 12 digits whose date part is a
    /// real date, the day + 60 for a samordningsnummer), but its check digit is wrong. Refused
    /// and reported like the others: a number misheard by one digit still names a date of
    /// birth and narrows the person down to a handful.
    PossiblePersonnummer,
    Phone,
    Email,
}

/// The detector's version, recorded with every rescan (`audit --rescan-notes`): raised when
/// what it finds changes, so that an auditor can tell a record of an older detector.
/// Version 2 finds possible personnummer (a real date part, a wrong check digit), which
/// version 1 let pass. Version 3 reads look-alike dashes and digits as what they look like
/// (`811218‐9876` with a Unicode hyphen, full-width or Arabic-Indic digits), which version 2
/// let pass.
pub const DETECTOR_VERSION: u32 = 3;

impl IdentifierKind {
    /// Every kind, in the order of [`IdentifierKind::as_str`].
    pub const ALL: [IdentifierKind; 5] = [
        IdentifierKind::Personnummer,
        IdentifierKind::Samordningsnummer,
        IdentifierKind::PossiblePersonnummer,
        IdentifierKind::Phone,
        IdentifierKind::Email,
    ];

    /// Reads what [`IdentifierKind::as_str`] wrote.
    pub fn parse(s: &str) -> Option<IdentifierKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a person is told the text looks like, with its article ("a phone number",
    /// "ett telefonnummer").
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::Lang;
        match (lang, self) {
            (Lang::En, IdentifierKind::Personnummer) => "a personnummer",
            (Lang::En, IdentifierKind::Samordningsnummer) => "a samordningsnummer",
            (Lang::En, IdentifierKind::PossiblePersonnummer) => {
                "a personnummer with a wrong check digit"
            }
            (Lang::En, IdentifierKind::Phone) => "a phone number",
            (Lang::En, IdentifierKind::Email) => "an e-mail address",
            (Lang::Sv, IdentifierKind::Personnummer) => "ett personnummer",
            (Lang::Sv, IdentifierKind::Samordningsnummer) => "ett samordningsnummer",
            (Lang::Sv, IdentifierKind::PossiblePersonnummer) => {
                "ett personnummer med fel kontrollsiffra"
            }
            (Lang::Sv, IdentifierKind::Phone) => "ett telefonnummer",
            (Lang::Sv, IdentifierKind::Email) => "en e-postadress",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Personnummer => "personnummer",
            IdentifierKind::Samordningsnummer => "samordningsnummer",
            IdentifierKind::PossiblePersonnummer => "possible_personnummer",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
        }
    }
}

impl IdentifierKind {
    /// The kind in words, with its article, in English ([`IdentifierKind::label`]).
    pub fn described(self) -> &'static str {
        self.label(crate::i18n::Lang::En)
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of identifier in `text`, each once, in a fixed order. Read as it looks: full-width
/// and other compatibility forms folded (NFKC: `８`, `－`, `＠`, a no-break space), every dash
/// and minus sign taken as `-`, and the decimal digits of other scripts as ASCII digits, so that
/// `811218‐9876` with a Unicode hyphen is the personnummer it looks like.
pub fn find_identifiers(text: &str) -> Vec<IdentifierKind> {
    let folded = fold(text);
    let text = &*folded;
    let mut found = Vec::new();
    if has_email(text) {
        found.push(IdentifierKind::Email);
    }
    // Every number the runs are read for has at least `MIN_NUMBER_DIGITS` digits (after
    // folding, every digit is ASCII): text with fewer has none of them (most notes and codes).
    if text.bytes().filter(u8::is_ascii_digit).count() >= MIN_NUMBER_DIGITS {
        for run in number_runs(text) {
            classify_run(&run, &mut found);
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The fewest digits of any number [`classify_window`] finds: a phone number of 8 digits
/// (national, or international after a `+`); identity numbers have 10 or 12, `00` numbers 11
/// or more.
const MIN_NUMBER_DIGITS: usize = 8;

/// The zeros of the decimal digit ranges NFKC leaves alone (Arabic-Indic, Persian, N'Ko,
/// Devanagari and the other Indic scripts, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian); each
/// is followed by the nine other digits.
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810,
];

/// Dashes and minus signs that NFKC does not turn into `-`.
const DASHES: &str = "\u{2010}\u{2011}\u{2012}\u{2013}\u{2014}\u{2015}\u{2043}\u{2212}\u{FE58}";

/// Whether `c` is a dash or minus sign that reads as `-` but is not one (after NFKC or NFKD,
/// which fold the full-width and small forms).
pub fn is_dash(c: char) -> bool {
    DASHES.contains(c)
}

/// `text` as a reader sees it, for finding identifiers (see [`find_identifiers`]): borrowed
/// when that is the text itself (ASCII, and most notes: Swedish text has no character NFKC or
/// [`read_as_seen`] changes), so most rows of an import make no copy.
fn fold(text: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    // ASCII has no compatibility form, no dash but `-` and no digits but its own.
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    // Nor have the letters of Latin-1 (`å`, `ä`, `ö`, `é`, `ü`: canonical compositions), which
    // are most of the rest of Swedish text; the characters before them (no-break space, `²`,
    // `½`) do have compatibility forms and take the longer way.
    if text
        .chars()
        .all(|c| c.is_ascii() || ('\u{c0}'..='\u{ff}').contains(&c))
    {
        return Cow::Borrowed(text);
    }
    // Text already in NFKC (most Swedish text: `å` as one character) is what NFKC gives;
    // the quick check says so without composing (half an import's notes, a tenth of its time).
    match unicode_normalization::is_nfkc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => {
            if text.chars().all(|c| read_as_seen(c) == c) {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(text.chars().map(read_as_seen).collect())
            }
        }
        _ => Cow::Owned(text.nfkc().map(read_as_seen).collect()),
    }
}

/// Below the first character [`read_as_seen`] changes (the Arabic-Indic zero; the dashes come
/// later still): Latin, Greek, Cyrillic, Hebrew and the rest stand as they are.
const FIRST_READ_OTHERWISE: u32 = 0x0660;

/// A character of NFKC text as a reader sees it: any dash as `-`, a decimal digit of another
/// script as the ASCII digit.
fn read_as_seen(c: char) -> char {
    let u = c as u32;
    if u < FIRST_READ_OTHERWISE {
        return c;
    }
    if is_dash(c) {
        return '-';
    }
    DIGIT_ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .and_then(|z| char::from_digit(u - z, 10))
        .unwrap_or(c)
}

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// The ways people write `@` to dodge harvesters or by habit: `(at)`, `[at]`, `(a)`, `[@]`,
/// and `@` with spaces around it.
fn unobfuscate_at(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in [
        ("(at)", "@"),
        ("[at]", "@"),
        ("(AT)", "@"),
        ("[AT]", "@"),
        ("(a)", "@"),
        ("[@]", "@"),
        ("(@)", "@"),
        (" @ ", "@"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

fn has_email(text: &str) -> bool {
    if !text.contains(['@', '(', '[']) {
        return false;
    }
    let text = unobfuscate_at(text);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        let local = chars[..i]
            .iter()
            .rev()
            .take_while(|c| is_email_local(**c))
            .count();
        let domain: String = chars[i + 1..]
            .iter()
            .take_while(|c| is_email_domain(**c))
            .collect();
        let domain = domain.trim_end_matches(['.', '-']);
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels.len() >= 2
            && labels
                .last()
                .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(|c| c.is_alphabetic()))
            && labels.iter().all(|l| !l.is_empty());
        if local > 0 && tld_ok {
            return true;
        }
    }
    false
}

/// Characters that may stand between the digit groups of one number: space, dashes, `+`,
/// `/`, parentheses and `.`.
fn is_separator(c: char) -> bool {
    " -\u{2013}+/().".contains(c)
}

/// A run of digit groups joined by short separators, as it stood in the text: `070-123 45 67`
/// is the groups 070, 123, 45, 67.
#[derive(Debug)]
struct NumberRun {
    groups: Vec<String>,
    /// `seps[i]` stands between `groups[i]` and `groups[i + 1]`.
    seps: Vec<String>,
    /// Whether a `+` stood right before the first group.
    plus: bool,
    /// Whether a case-number word (Dnr, diarienummer, ärende, case, ref) stands right before
    /// the run: then it is a case number, not a phone number.
    case_number: bool,
}

/// Words that introduce case and reference numbers (lower case).
const CASE_WORDS: &[&str] = &[
    "dnr",
    "diarienr",
    "diarienummer",
    "ärende",
    "ärendenr",
    "ärendenummer",
    "case",
    "ref",
    "referens",
    "reference",
    "order",
];

/// Whether the text just before char index `at` ends with a case-number word (allowing `.`,
/// `:`, `#`, "no", "nr" and spaces between).
fn after_case_word(chars: &[char], at: usize) -> bool {
    let from = at.saturating_sub(24);
    let before: String = chars[from..at].iter().collect::<String>().to_lowercase();
    let mut words: Vec<&str> = before
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    while matches!(words.last(), Some(&"no") | Some(&"nr") | Some(&"nummer")) {
        words.pop();
    }
    words.last().is_some_and(|w| CASE_WORDS.contains(w))
}

/// Splits text into runs of digit groups joined by at most three separator characters
/// (`070 - 123`, `+46 (0)70`).
fn number_runs(text: &str) -> Vec<NumberRun> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Vec::new(); // most notes: no number at all
    }
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let plus = i > 0 && chars[i - 1] == '+';
        let mut run = NumberRun {
            groups: Vec::new(),
            seps: Vec::new(),
            plus,
            case_number: after_case_word(&chars, i),
        };
        loop {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            run.groups.push(chars[start..i].iter().collect());
            let mut j = i;
            while j < chars.len() && j - i < 3 && is_separator(chars[j]) {
                j += 1;
            }
            if j > i && j < chars.len() && chars[j].is_ascii_digit() {
                run.seps.push(chars[i..j].iter().collect());
                i = j;
            } else {
                break;
            }
        }
        runs.push(run);
    }
    runs
}

fn luhn_ok(ten: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in ten.iter().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn real_date(yy: u32, mm: u32, dd: u32) -> bool {
    // A two-digit year fits some century; any year is fine for validity of day and month,
    // except 29 February, which is checked against a leap year of that ending.
    let year = 2000 + yy as i32;
    chrono::NaiveDate::from_ymd_opt(year, mm, dd).is_some()
        || chrono::NaiveDate::from_ymd_opt(1900 + yy as i32, mm, dd).is_some()
}

/// What a digit window that has the shape of an identity number is.
enum IdentityShape {
    /// A valid personnummer or samordningsnummer.
    Valid(IdentifierKind),
    /// A real date part but a wrong check digit: a misheard or mistyped identity number
    /// (a [`IdentifierKind::PossiblePersonnummer`]), or a made-up one.
    LuhnInvalid,
    /// Its date part is no date (day + 60 included): not an identity number at all.
    NotADate,
}

/// Personnummer or samordningsnummer: 10 or 12 digits whose date part is real (day + 60 for a
/// samordningsnummer) and whose last digit is the Luhn check of the ten.
fn identity_number(digits: &str) -> IdentityShape {
    let d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    let ten: &[u8] = match d.len() {
        10 => &d,
        12 => {
            let century = u32::from(d[0]) * 10 + u32::from(d[1]);
            if !(18..=20).contains(&century) {
                return IdentityShape::NotADate;
            }
            &d[2..]
        }
        _ => return IdentityShape::NotADate,
    };
    let yy = u32::from(ten[0]) * 10 + u32::from(ten[1]);
    let mm = u32::from(ten[2]) * 10 + u32::from(ten[3]);
    let dd = u32::from(ten[4]) * 10 + u32::from(ten[5]);
    let kind = if real_date(yy, mm, dd) {
        IdentifierKind::Personnummer
    } else if dd > 60 && real_date(yy, mm, dd - 60) {
        IdentifierKind::Samordningsnummer
    } else {
        return IdentityShape::NotADate;
    };
    if luhn_ok(ten) {
        IdentityShape::Valid(kind)
    } else {
        IdentityShape::LuhnInvalid
    }
}

/// What a window of digit groups is: `Some(Some(kind))` an identifier, `Some(None)` a number
/// that is certainly none (a case number shaped like an identity number but with a wrong check
/// digit), `None` nothing recognised.
fn classify_window(
    groups: &[String],
    seps: &[String],
    plus: bool,
    case_number: bool,
) -> Option<Option<IdentifierKind>> {
    let digits: String = groups.concat();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();

    // Identity numbers: 10 or 12 digits in one group, or date and serial (6 + 4 or 8 + 4)
    // joined by `-`, `+` or spaces.
    let identity_shape = !plus
        && match lens.as_slice() {
            [10] | [12] => true,
            [6, 4] | [8, 4] => matches!(seps[0].trim(), "-" | "\u{2013}" | "+" | ""),
            _ => false,
        };
    if identity_shape {
        match identity_number(&digits) {
            IdentityShape::Valid(kind) => return Some(Some(kind)),
            // A plain 10-digit 07... run is a mobile number more often than a mistyped
            // identity number (and a phone number all the same).
            IdentityShape::LuhnInvalid if lens == [10] && digits.starts_with("07") => {}
            // Right after a case-number word (`Dnr 811218-9875`) a wrong check digit says it
            // is the case number it is introduced as.
            IdentityShape::LuhnInvalid if case_number => return Some(None),
            // A date of birth and a serial number with a wrong check digit: misheard or
            // mistyped, it still points at a person.
            IdentityShape::LuhnInvalid => return Some(Some(IdentifierKind::PossiblePersonnummer)),
            IdentityShape::NotADate => {}
        }
    }

    // Case numbers (Dnr 1.2.3-0456-2024) are no phone numbers.
    if case_number {
        return None;
    }
    // Dates and times written with `/` or with dots between short groups (06.05.2024,
    // 06.30-07.45) are no phone numbers.
    if seps.iter().any(|s| s.contains('/')) {
        return None;
    }
    if seps.iter().any(|s| s.contains('.')) && lens[0] <= 2 {
        return None;
    }

    // International: +<country code>..., 00<country code>...
    if plus {
        return (8..=15)
            .contains(&digits.len())
            .then_some(Some(IdentifierKind::Phone));
    }
    if let Some(national) = digits.strip_prefix("00") {
        let ok = (9..=15).contains(&national.len()) && !national.starts_with('0');
        return ok.then_some(Some(IdentifierKind::Phone));
    }
    // Swedish national form: a leading 0, then an area code or a mobile prefix, 8 to 10
    // digits in all (mobile numbers, 07..., exactly 10).
    if digits.starts_with('0') && (8..=10).contains(&digits.len()) {
        if digits.starts_with("07") && digits.len() != 10 {
            return None;
        }
        return Some(Some(IdentifierKind::Phone));
    }
    None
}

/// Finds identifiers in a run: from each group, the longest window that is one.
fn classify_run(run: &NumberRun, found: &mut Vec<IdentifierKind>) {
    let n = run.groups.len();
    let mut i = 0;
    while i < n {
        let plus = if i == 0 {
            run.plus
        } else {
            run.seps[i - 1].ends_with('+') || run.seps[i - 1].ends_with("+(")
        };
        let mut next = i + 1;
        for j in (i..n).rev() {
            if let Some(kind) =
                classify_window(&run.groups[i..=j], &run.seps[i..j], plus, run.case_number)
            {
                if let Some(kind) = kind {
                    found.push(kind);
                }
                next = j + 1;
                break;
            }
        }
        i = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdentifierKind::*;

    fn kinds(s: &str) -> Vec<IdentifierKind> {
        find_identifiers(s)
    }

    #[test]
    fn finds_identity_numbers_in_common_spellings() {
        for s in [
            "pnr 811218-9876",
            "8112189876",
            "19811218-9876",
            "198112189876",
            "född 811218+9876",
        ] {
            assert_eq!(kinds(s), vec![Personnummer], "{s}");
        }
        assert_eq!(kinds("sam 811278-9873"), vec![Samordningsnummer]);
    }

    /// Issue 17's red team: dashes other than `-` and digits other than ASCII passed.
    #[test]
    fn look_alike_dashes_and_digits_are_read_as_what_they_look_like() {
        for s in [
            "pnr 811218\u{2010}9876",
            "pnr 811218\u{2011}9876",
            "pnr 811218\u{2012}9876",
            "pnr 811218\u{2014}9876",
            "pnr 811218\u{2212}9876",
            "pnr 811218\u{FE63}9876",
            "pnr 811218\u{FF0D}9876",
            "pnr 811218\u{00A0}9876",
            "pnr ８１１２１８-９８７６",
            "pnr ８１１２１８－９８７６",
            "pnr \u{0668}\u{0661}\u{0661}\u{0662}\u{0661}\u{0668}-\u{0669}\u{0668}\u{0667}\u{0666}",
            "pnr \u{06F8}\u{06F1}\u{06F1}\u{06F2}\u{06F1}\u{06F8}-\u{06F9}\u{06F8}\u{06F7}\u{06F6}",
            "pnr 𝟖𝟏𝟏𝟐𝟏𝟖-𝟗𝟖𝟕𝟔",
        ] {
            assert_eq!(kinds(s), vec![Personnummer], "{s:?}");
        }
        assert_eq!(kinds("ring ０７０\u{2010}１２３ ４５ ６７"), vec![Phone]);
        assert_eq!(kinds("anna＠example.se"), vec![Email]);
        // Still nothing where there is nothing.
        assert!(kinds("möttes vid ９ i kväll, två \u{2013} tre personer").is_empty());
    }

    /// The quick check skips composing text that is already NFKC: what it reads is what the
    /// composing path reads, for text in every form (composed, decomposed, compatibility).
    #[test]
    fn no_character_below_the_first_read_otherwise_is_read_otherwise() {
        assert!(DIGIT_ZEROS.iter().all(|&z| z >= FIRST_READ_OTHERWISE));
        assert!(DASHES.chars().all(|c| c as u32 >= FIRST_READ_OTHERWISE));
        // The slow path's answer for every character below it: the character itself.
        for u in 0..FIRST_READ_OTHERWISE {
            let Some(c) = char::from_u32(u) else { continue };
            let slow = if is_dash(c) {
                '-'
            } else {
                DIGIT_ZEROS
                    .iter()
                    .find(|&&z| (z..z + 10).contains(&u))
                    .and_then(|z| char::from_digit(u - z, 10))
                    .unwrap_or(c)
            };
            assert_eq!(read_as_seen(c), slow, "{u:#x}");
        }
        // Text that reads as itself is borrowed, not copied.
        assert!(matches!(fold("följde med, 070"), Cow::Borrowed(_)));
        assert_eq!(fold("ring 070\u{2010}12"), "ring 070-12");
    }

    #[test]
    fn text_already_in_nfkc_is_read_as_the_composing_path_reads_it() {
        use proptest::prelude::*;
        use unicode_normalization::UnicodeNormalization;
        let composed = |text: &str| -> String { text.nfkc().map(read_as_seen).collect() };
        for text in [
            "följde med till mottagningen",
            "fo\u{308}ljde med",
            "pnr ８１１２１８－９８７６",
            "pnr \u{0668}\u{0661}\u{0661}\u{0662}\u{0661}\u{0668}-9876",
            "ring 070\u{2010}123 45 67, ﬁ ² Å Ω",
        ] {
            assert_eq!(fold(text), composed(text), "{text:?}");
        }
        let strategy = proptest::collection::vec(
            prop_oneof![
                proptest::char::range('a', 'z'),
                proptest::char::range('0', '9'),
                Just('å'),
                Just('ö'),
                Just('\u{308}'),
                Just('\u{30a}'),
                Just('\u{2010}'),
                Just('８'),
                Just('\u{0668}'),
                Just('ﬁ'),
                Just('é'),
                Just('Ä'),
                Just('\u{a0}'),
                Just('²'),
                proptest::char::range('\u{a0}', '\u{17f}'),
                Just('\u{212B}'),
                proptest::char::any(),
            ],
            0..24,
        );
        proptest!(|(chars in strategy)| {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(fold(&text), composed(&text));
        });
    }

    /// `find_identifiers` reads number runs only in text with `MIN_NUMBER_DIGITS` digits or
    /// more: in text with fewer, reading them finds nothing (whatever stands between, whatever
    /// stands before: `+`, `00`, a case word), and with more, a number is still found.
    #[test]
    fn text_with_fewer_digits_than_any_number_has_no_number() {
        use proptest::prelude::*;
        let runs_found = |text: &str| {
            let mut found = Vec::new();
            for run in number_runs(&fold(text)) {
                classify_run(&run, &mut found);
            }
            found
        };
        assert_eq!(runs_found("+46 70 12 34"), vec![Phone], "eight digits");
        assert!(runs_found("+46 70 12 3").is_empty(), "seven digits");
        assert_eq!(find_identifiers("08 123 456"), vec![Phone]);
        let strategy = proptest::collection::vec(
            prop_oneof![
                proptest::char::range('0', '9'),
                Just(' '),
                Just('-'),
                Just('+'),
                Just('('),
                Just(')'),
                Just('.'),
                Just('/'),
                Just('\u{2013}'),
                Just('８'),
                Just('\u{0668}'),
                Just('d'),
                Just('n'),
                Just('r'),
                Just('a'),
            ],
            0..40,
        );
        proptest!(|(chars in strategy)| {
            let text: String = chars.into_iter().collect();
            let digits = fold(&text).bytes().filter(u8::is_ascii_digit).count();
            if digits < MIN_NUMBER_DIGITS {
                prop_assert!(runs_found(&text).is_empty(), "{:?}", text);
            } else {
                let mut expected = runs_found(&text);
                if has_email(&fold(&text)) {
                    expected.push(Email);
                }
                expected.sort();
                expected.dedup();
                prop_assert_eq!(find_identifiers(&text), expected);
            }
        });
    }

    #[test]
    fn luhn_invalid_dates_are_possible_identity_numbers_and_non_dates_are_nothing() {
        // A real date with a wrong check digit is a misheard or mistyped personnummer: it
        // still points at a person, so it is flagged (issue 13), as its own kind.
        assert_eq!(kinds("811218-9875"), vec![PossiblePersonnummer]);
        // Month 13: no date, so no identity number of any kind.
        assert!(kinds("811318-9876").is_empty());
    }

    #[test]
    fn a_wrong_check_digit_in_every_spelling_is_a_possible_personnummer() {
        // The numbers of issue 13: 850214-2386 is valid, 2385 is one digit off.
        assert_eq!(kinds("19850214-2386"), vec![Personnummer]);
        for s in [
            "19850214-2385",
            "850214-2385",
            "198502142385",
            "19850214 2385",
            "8502142385",
            "850214 2385",
            "850214+2385",
            "850214 - 2385",
            "19850214\u{2013}2385",
            "pnr 850214-2385, ringer imorgon",
            "born 850214-2385.",
        ] {
            assert_eq!(kinds(s), vec![PossiblePersonnummer], "{s}");
        }
        // A samordningsnummer's date part (day + 60) with a wrong check digit.
        assert_eq!(kinds("sam 811278-9873"), vec![Samordningsnummer]);
        for s in ["811278-9874", "19811278 9874", "198112789874"] {
            assert_eq!(kinds(s), vec![PossiblePersonnummer], "{s}");
        }
        // 29 February only in a leap year of that ending.
        assert_eq!(kinds("19840229-1235"), vec![PossiblePersonnummer]);
    }

    #[test]
    fn digit_runs_that_are_not_date_shaped_stay_quiet_or_stay_what_they_were() {
        for s in [
            // No date: month 13, day 32, day 00, day + 60 beyond the month, month 00.
            "851314-2385",
            "850232-2385",
            "850200-2385",
            "850292-2385",
            "850014-2385",
            // A 12-digit number whose century is no century of birth.
            "30850214-2385",
            "123456789012",
            // Not 6 + 4 or 8 + 4 digits, or joined by what no identity number is written with.
            "85021-42385",
            "850214-238",
            "850214/2385",
            "8502142-385",
            "850214.2385",
            // Amounts, counts, times, order and case numbers.
            "1 250 000 kr",
            "betalade 4500 kr för 2 nätter",
            "kl 22.30-01.00",
            "Dnr 850214-2385",
            "ärende 19850214-2385",
            "order 8502142385",
            "1234567890",
            "9999999999",
        ] {
            assert!(kinds(s).is_empty(), "{s}: {:?}", kinds(s));
        }
        // Phone numbers stay phone numbers, whatever their digits look like.
        for s in [
            "0701234567",
            "070-123 45 67",
            "0850214238",
            "+46 85 021 423 85",
        ] {
            assert_eq!(kinds(s), vec![Phone], "{s}");
        }
    }

    #[test]
    fn finds_phones_and_emails() {
        assert_eq!(kinds("ring 070-123 45 67"), vec![Phone]);
        assert_eq!(kinds("ring 0701234567"), vec![Phone]);
        assert_eq!(kinds("+46 70 123 45 67"), vec![Phone]);
        assert_eq!(kinds("0046701234567"), vec![Phone]);
        assert_eq!(kinds("08-123 456 78"), vec![Phone]);
        assert_eq!(kinds("skriv till anna.s@example.se"), vec![Email]);
    }

    #[test]
    fn finds_the_spellings_people_type() {
        for s in [
            "ring 073 - 761 21 11",
            "ring 070\u{2013}226 66 05",
            "+46 (0)70-123 45 67",
            "(070) 123 45 67",
            "0046 70 123 45 67",
            "+1 (555) 123-4567",
            "kl 22.30 0701234567",
        ] {
            assert_eq!(kinds(s), vec![Phone], "{s}");
        }
        for s in ["991010 - 2046", "19811218\u{2013}9876", "811218 9876"] {
            let k = kinds(s);
            assert!(k == vec![Personnummer] || k.is_empty(), "{s}");
        }
        assert_eq!(kinds("pnr 811218 - 9876"), vec![Personnummer]);
        for s in [
            "anna.s(at)example.se",
            "anna.s[at]example.se",
            "anna.s @ example.se",
            "ANNA@EXAMPLE.COM",
        ] {
            assert_eq!(kinds(s), vec![Email], "{s}");
        }
    }

    #[test]
    fn luhn_invalid_identity_shapes_are_possible_personnummer_not_phones() {
        // Real date parts, wrong check digits, leading zero: not phone numbers (a leading 0
        // and 10 digits would make one) but possible identity numbers. Detector version 1
        // called these nothing at all; a misheard number still points at a person.
        for s in ["050174-8202", "050389 2026", "0008901157", "20050612-1239"] {
            assert_eq!(kinds(s), vec![PossiblePersonnummer], "{s}");
        }
        assert_eq!(kinds("20050612-1235"), vec![Personnummer]);
        // The one exception: a plain 10-digit 07... run is far more often a mobile number.
        assert_eq!(kinds("0703152385"), vec![Phone]);
    }

    #[test]
    fn case_numbers_and_handles_are_quiet() {
        for s in [
            "Dnr 1.2.3-0456-2024",
            "diarienummer 0456-2024",
            "ärende nr 0345 2024",
            "instagram @joy_sthlm",
            "meet @ 10 at the station",
            "Träffades 23/11 kl 22.10-22.40",
            "06.30-07.45",
        ] {
            assert!(kinds(s).is_empty(), "{s}: {:?}", kinds(s));
        }
    }

    #[test]
    fn quiet_on_what_notes_are_full_of() {
        for s in [
            "träffades 2024-05-06 kl 22.30",
            "fick 500 kr, 3 kondomer",
            "Dnr 2023-0456",
            "hänvisad till 1177 och 112",
            "ring 114 14 vid fara",
            "Drottninggatan 45",
            "90000",
            "ca 20 personer",
        ] {
            assert!(kinds(s).is_empty(), "{s}: {:?}", kinds(s));
        }
    }
}
