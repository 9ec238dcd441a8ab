//! Strings shown to people, one table per language. English is the default; Swedish is chosen
//! by `--lang sv`, `UPPSOK_LANG=sv`, or a `LANG` starting with `sv`.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Sv,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "en" => Ok(Lang::En),
            "sv" => Ok(Lang::Sv),
            _ => Err(format!(
                "'{s}' is not a language uppsok speaks; use sv or en"
            )),
        }
    }
}

impl Lang {
    /// The language from the environment: `UPPSOK_LANG`, then `LANG` (sv_* gives Swedish).
    pub fn from_env() -> Lang {
        if let Ok(v) = std::env::var("UPPSOK_LANG") {
            if let Ok(l) = v.parse() {
                return l;
            }
        }
        match std::env::var("LANG") {
            Ok(v) if v.starts_with("sv") => Lang::Sv,
            _ => Lang::En,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Sv => &SV,
        }
    }

    /// A count with thousands grouped: `12,345` in English, `12 345` in Swedish.
    pub fn number(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::En => ',',
            Lang::Sv => '\u{a0}',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }
}

/// Every string of one language.
pub struct Text {
    pub period: &'static str,
    pub all_time: &'static str,
    pub contacts: &'static str,
    pub individuals: &'static str,
    pub new_individuals: &'static str,
    pub unidentified_contacts: &'static str,
    pub field_nights: &'static str,
    pub no_contacts: &'static str,
    pub role: &'static str,
    pub gender: &'static str,
    pub age_band: &'static str,
    pub counterpart: &'static str,
    pub district: &'static str,
    pub contact_type: &'static str,
    pub referral: &'static str,
    pub trafficking: &'static str,
    pub year: &'static str,
    pub month: &'static str,
}

pub static EN: Text = Text {
    period: "Period",
    all_time: "all time",
    contacts: "Contacts",
    individuals: "Individuals",
    new_individuals: "New individuals",
    unidentified_contacts: "Unidentified contacts",
    field_nights: "Field nights",
    no_contacts: "No contacts match.",
    role: "Role",
    gender: "Gender",
    age_band: "Age band",
    counterpart: "Counterpart",
    district: "District",
    contact_type: "Contact type",
    referral: "Referral",
    trafficking: "Trafficking",
    year: "Year",
    month: "Month",
};

pub static SV: Text = Text {
    period: "Period",
    all_time: "all tid",
    contacts: "Kontakter",
    individuals: "Individer",
    new_individuals: "Nya individer",
    unidentified_contacts: "Oidentifierade kontakter",
    field_nights: "Uppsökarkvällar",
    no_contacts: "Inga kontakter matchar.",
    role: "Roll",
    gender: "Kön",
    age_band: "Åldersgrupp",
    counterpart: "Motpart",
    district: "Stadsdel",
    contact_type: "Kontakttyp",
    referral: "Hänvisning",
    trafficking: "Människohandel",
    year: "År",
    month: "Månad",
};

impl Text {
    pub fn dimension(&self, d: crate::stats::Dimension) -> &'static str {
        use crate::stats::Dimension::*;
        match d {
            Role => self.role,
            Gender => self.gender,
            AgeBand => self.age_band,
            Counterpart => self.counterpart,
            District => self.district,
            ContactType => self.contact_type,
            Referral => self.referral,
            Trafficking => self.trafficking,
            Year => self.year,
            Month => self.month,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_per_language() {
        assert_eq!(Lang::En.number(1234567), "1,234,567");
        assert_eq!(Lang::Sv.number(1234), "1\u{a0}234");
        assert_eq!(Lang::Sv.number(999), "999");
        assert_eq!(Lang::En.number(0), "0");
    }
}
