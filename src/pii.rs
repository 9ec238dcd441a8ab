//! The identifier detector: finds Swedish personal identity numbers (personnummer),
//! co-ordination numbers (samordningsnummer), phone numbers and e-mail addresses in free text.
//!
//! Used by `add`, `import`, the interface and the audit. It reports only the kind of what it
//! found, never the text.

use std::fmt;

/// The kind of identifier found in a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    Personnummer,
    Samordningsnummer,
    Phone,
    Email,
}

impl IdentifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Personnummer => "personnummer",
            IdentifierKind::Samordningsnummer => "samordningsnummer",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
        }
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of identifier in `text`, each once, in a fixed order.
pub fn find_identifiers(text: &str) -> Vec<IdentifierKind> {
    let mut found = Vec::new();
    if has_email(text) {
        found.push(IdentifierKind::Email);
    }
    for run in number_runs(text) {
        if let Some(kind) = classify_number(&run) {
            found.push(kind);
        }
    }
    found.sort();
    found.dedup();
    found
}

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

fn has_email(text: &str) -> bool {
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

/// A run of digits with the separators people write inside numbers, as it stood in the text.
struct NumberRun {
    /// The digits only.
    digits: String,
    /// The run as written (digits and separators), trimmed.
    raw: String,
    /// Whether a `+` stood right before the first digit.
    plus: bool,
}

/// Splits text into runs of digits joined by single spaces, `-`, `+`, `/`, `(` `)` or `.`.
fn number_runs(text: &str) -> Vec<NumberRun> {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A digit glued to letters before it (a code like "AB85") starts no number.
        let plus = i > 0 && chars[i - 1] == '+';
        let open_paren = i > 0 && chars[i - 1] == '(';
        let start = i;
        let mut end = i;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                end = j + 1;
                j += 1;
            } else if " -+/().".contains(c) && j + 1 < chars.len() {
                // A separator continues the run only if a digit (maybe after one more
                // separator, as in "070 - 123") follows.
                let next = chars[j + 1];
                let next2 = chars.get(j + 2).copied().unwrap_or('x');
                if next.is_ascii_digit() || (" -()".contains(next) && next2.is_ascii_digit()) {
                    j += 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let raw: String = chars[start..end].iter().collect();
        let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
        let _ = open_paren;
        runs.push(NumberRun { digits, raw, plus });
        i = end.max(i + 1);
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
    sum % 10 == 0
}

fn real_date(yy: u32, mm: u32, dd: u32) -> bool {
    // A two-digit year fits some century; any year is fine for validity of day and month,
    // except 29 February, which is checked against a leap year of that ending.
    let year = 2000 + yy as i32;
    chrono::NaiveDate::from_ymd_opt(year, mm, dd).is_some()
        || chrono::NaiveDate::from_ymd_opt(1900 + yy as i32, mm, dd).is_some()
}

/// Personnummer or samordningsnummer: 10 or 12 digits whose date part is real (day + 60 for a
/// samordningsnummer) and whose last digit is the Luhn check of the ten.
fn identity_number(digits: &str) -> Option<IdentifierKind> {
    let d: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    let ten: &[u8] = match d.len() {
        10 => &d,
        12 => {
            let century = u32::from(d[0]) * 10 + u32::from(d[1]);
            if !(18..=20).contains(&century) {
                return None;
            }
            &d[2..]
        }
        _ => return None,
    };
    let yy = u32::from(ten[0]) * 10 + u32::from(ten[1]);
    let mm = u32::from(ten[2]) * 10 + u32::from(ten[3]);
    let dd = u32::from(ten[4]) * 10 + u32::from(ten[5]);
    if !luhn_ok(ten) {
        return None;
    }
    if real_date(yy, mm, dd) {
        Some(IdentifierKind::Personnummer)
    } else if dd > 60 && real_date(yy, mm, dd - 60) {
        Some(IdentifierKind::Samordningsnummer)
    } else {
        None
    }
}

fn classify_number(run: &NumberRun) -> Option<IdentifierKind> {
    let digits = &run.digits;
    // An identity number written with its usual separators (or none).
    if !run.plus {
        let shape_ok = {
            let r = run.raw.replace(' ', "");
            let groups: Vec<&str> = r.split(['-', '+']).collect();
            groups.len() == 1
                || (groups.len() == 2 && groups[1].len() == 4 && matches!(groups[0].len(), 6 | 8))
        };
        if shape_ok {
            if let Some(kind) = identity_number(digits) {
                return Some(kind);
            }
        }
    }
    // International form: +46..., 0046..., +<country code>...
    if run.plus || digits.starts_with("00") {
        let national = if run.plus {
            digits.as_str()
        } else {
            &digits[2..]
        };
        if (8..=15).contains(&national.len()) {
            return Some(IdentifierKind::Phone);
        }
        return None;
    }
    // Swedish national form: a leading 0, then an area code or mobile prefix, 8 to 10 digits
    // in all. Not a date (2024-05-06 starts with 2) and not a short service number.
    if digits.starts_with('0') && !digits.starts_with("00") && (8..=10).contains(&digits.len()) {
        // Reject times and dates written with dots, like 06.05.2024.
        if run.raw.matches('.').count() >= 2 && !run.raw.contains(' ') {
            return None;
        }
        if digits.starts_with("07") {
            return (digits.len() == 10).then_some(IdentifierKind::Phone);
        }
        return Some(IdentifierKind::Phone);
    }
    None
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

    #[test]
    fn luhn_invalid_and_non_dates_are_not_identity_numbers() {
        assert!(kinds("811218-9875").is_empty());
        assert!(kinds("811318-9876").is_empty());
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
