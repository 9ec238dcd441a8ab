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
    pub audit_pass: &'static str,
    pub audit_warn: &'static str,
    pub audit_fail: &'static str,
    pub audit_findings: &'static str,
    pub audit_ok: &'static str,
    pub audit_not_ok: &'static str,
    pub audit_checkpoint: &'static str,
    pub audit_checkpoint_hint: &'static str,
    pub log_empty: &'static str,
    pub log_header: [&'static str; 6],
    /// The terminal interface's strings (below).
    pub tui: &'static TuiText,
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
    tui: &TUI_EN,
    audit_pass: "PASS",
    audit_warn: "WARN",
    audit_fail: "FAIL",
    audit_findings: "Findings (check, record, kind):",
    audit_ok: "Audit passed: no check failed.",
    audit_not_ok: "Audit FAILED: at least one check failed; see the findings above.",
    audit_checkpoint: "Checkpoint:",
    audit_checkpoint_hint: "Keep it outside the database (in the yearly report, say); `uppsok audit --since-checkpoint` with it later proves the log was not cut or rolled back.",
    log_empty: "No log entries match.",
    log_header: ["#", "When (UTC)", "User", "Action", "Records", "Detail"],
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
    tui: &TUI_SV,
    audit_pass: "OK",
    audit_warn: "VARN",
    audit_fail: "FEL",
    audit_findings: "Fynd (kontroll, post, slag):",
    audit_ok: "Granskningen godkänd: ingen kontroll föll.",
    audit_not_ok: "Granskningen UNDERKÄND: minst en kontroll föll; se fynden ovan.",
    audit_checkpoint: "Kontrollpunkt:",
    audit_checkpoint_hint: "Spara den utanför databasen (till exempel i årsrapporten); `uppsok audit --since-checkpoint` med den senare visar att loggen inte kortats eller rullats tillbaka.",
    log_empty: "Inga loggposter matchar.",
    log_header: ["#", "När (UTC)", "Användare", "Händelse", "Poster", "Detalj"],
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

/// Every string of the terminal interface in one language. `{}`-free: values are put beside
/// the words, never spliced into them, so both languages read naturally.
pub struct TuiText {
    pub unlock_title: &'static str,
    pub user: &'static str,
    pub passphrase: &'static str,
    pub unlock_hint: &'static str,
    pub unlock_wrong: &'static str,
    pub unlock_locked: &'static str,
    pub unlock_empty: &'static str,
    pub database: &'static str,
    pub overview: &'static str,
    pub this_year: &'static str,
    pub last_year: &'static str,
    pub per_month: &'static str,
    pub latest_nights: &'static str,
    pub no_nights: &'static str,
    pub months: [&'static str; 12],
    pub night_kind: &'static str,
    pub staff: &'static str,
    pub date: &'static str,
    pub person_code: &'static str,
    pub referrals: &'static str,
    pub note: &'static str,
    pub unsaved: &'static str,
    pub saved_state: &'static str,
    pub help_title: &'static str,
    pub help_close: &'static str,
    pub quit_question: &'static str,
    pub discard_question: &'static str,
    pub yes_no_keys: &'static str,
    pub nights_title: &'static str,
    pub night_new_title: &'static str,
    pub night_pick_hint: &'static str,
    pub night_form_hint: &'static str,
    pub night_created: &'static str,
    pub contact_title: &'static str,
    pub contact_hint: &'static str,
    pub contact_saved: &'static str,
    pub contacts_this_night: &'static str,
    pub night: &'static str,
    pub required: &'static str,
    pub not_a_value: &'static str,
    pub bad_date: &'static str,
    pub future_date: &'static str,
    pub bad_staff: &'static str,
    pub note_looks_like: &'static str,
    pub note_too_long: &'static str,
    pub fix_first: &'static str,
    pub person_new: &'static str,
    pub person_known: &'static str,
    pub person_earlier: &'static str,
    pub person_last: &'static str,
    pub person_prefill: &'static str,
    pub did_you_mean: &'static str,
    pub unidentified: &'static str,
    pub not_allowed: &'static str,
    pub error: &'static str,
    pub choices: &'static str,
    /// Key and what it does, per screen.
    pub keys_global: &'static [(&'static str, &'static str)],
    pub keys_overview: &'static [(&'static str, &'static str)],
    pub keys_nights: &'static [(&'static str, &'static str)],
    pub keys_contact: &'static [(&'static str, &'static str)],
    pub keys_unlock: &'static [(&'static str, &'static str)],
    pub stats_title: &'static str,
    pub stats_by: &'static str,
    pub stats_filter: &'static str,
    pub stats_exact: &'static str,
    pub stats_published: &'static str,
    pub stats_stale: &'static str,
    pub stats_hint: &'static str,
    pub stats_none: &'static str,
    pub keys_stats: &'static [(&'static str, &'static str)],
    pub concern: &'static str,
    pub concern_not_asked: &'static str,
    pub under18_routine: &'static str,
    pub contact_edited: &'static str,
    pub contact_deleted: &'static str,
    pub merge_need_two: &'static str,
    pub merged: &'static str,
    pub unmerged: &'static str,
    pub person_title: &'static str,
    pub person_hint: &'static str,
    pub no_note: &'static str,
    pub edit_title: &'static str,
    pub reason_title: &'static str,
    /// One per `vault::ChangeReason::ALL`, in that order.
    pub reasons: [&'static str; 5],
    pub merge_title: &'static str,
    pub merge_code: &'static str,
    pub merge_same_as: &'static str,
    pub merge_hint: &'static str,
    pub merge_explain: &'static str,
    pub keys_person: &'static [(&'static str, &'static str)],
    pub keys_merge: &'static [(&'static str, &'static str)],
    pub person_kept: &'static str,
    pub nights_hidden: &'static str,
}

pub static TUI_EN: TuiText = TuiText {
    unlock_title: "Unlock",
    user: "User",
    passphrase: "Passphrase",
    unlock_hint: "Enter unlock · Tab next field · Ctrl-Q quit · F1 help",
    unlock_wrong: "Wrong user name or passphrase, or the user is disabled. Try again.",
    unlock_locked: "Locked after a while without a key press. Unlock to go on.",
    unlock_empty: "Give a user name and a passphrase.",
    database: "Database",
    overview: "Overview",
    this_year: "This year",
    last_year: "Same dates",
    per_month: "Contacts per month, this year",
    latest_nights: "Latest field nights",
    no_nights: "No field nights yet: press n to start one.",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    night_kind: "Kind",
    staff: "Staff",
    date: "Date",
    person_code: "Person code",
    referrals: "Referrals",
    note: "Note",
    unsaved: "unsaved",
    saved_state: "saved",
    help_title: "Keys",
    help_close: "Esc or ? closes this help",
    quit_question: "Unsaved input will be lost. Quit anyway?",
    discard_question: "Discard the unsaved contact?",
    yes_no_keys: "y yes · n no",
    nights_title: "Field nights",
    night_new_title: "New field night",
    night_pick_hint: "↑↓ choose · Enter log contacts · n new night · Esc back",
    night_form_hint: "Tab next · Shift-Tab back · Enter or Ctrl-S save · Esc cancel",
    night_created: "Field night saved",
    contact_title: "Contact",
    contact_hint: "Tab next · Shift-Tab back · ↑↓ pick · Ctrl-S save · Esc close",
    contact_saved: "Contact saved",
    contacts_this_night: "logged",
    night: "field night",
    required: "required",
    not_a_value: "not one of",
    bad_date: "write the date as YYYY-MM-DD",
    future_date: "the date is in the future",
    bad_staff: "a number from 1 to 99",
    note_looks_like: "looks like a",
    note_too_long: "too long",
    fix_first: "Fix the marked fields first.",
    person_new: "new person: no earlier contacts",
    person_known: "known person",
    person_earlier: "earlier contacts",
    person_last: "last",
    person_prefill: "Ctrl-P prefill · Ctrl-O history",
    did_you_mean: "unknown code; did you mean",
    unidentified: "no code: an unidentified contact",
    not_allowed: "Your role may not do this.",
    error: "Error",
    choices: "choices",
    keys_global: &[
        ("F1 / ?", "this help (? only outside text fields)"),
        ("Esc", "close a form or popup, go back"),
        (
            "q / Ctrl-Q",
            "quit (q outside text fields); asks first if input is unsaved",
        ),
        ("o", "overview"),
        ("f", "field nights: start or pick one, then log contacts"),
    ],
    keys_overview: &[
        ("n", "start a new field night"),
        ("f", "pick a field night and log its contacts"),
        ("c", "log a contact without a field night"),
        ("s", "statistics"),
        ("m", "declare two codes one person (lead, admin)"),
    ],
    keys_nights: &[
        ("↑ ↓", "choose a field night"),
        ("Enter", "log contacts for the chosen night"),
        ("n", "start a new field night"),
    ],
    keys_contact: &[
        ("Tab / Shift-Tab", "next / previous field"),
        ("type", "the start of a value picks it (so → sodermalm)"),
        ("↑ ↓", "step through the values of a list field"),
        ("Ctrl-S", "save the contact (Enter on the note too)"),
        ("Ctrl-P", "prefill from the person's latest contact"),
        ("Ctrl-D", "take the first 'did you mean' code"),
        ("Ctrl-O", "open the known person's history (notes; logged)"),
        ("Esc", "close the form (asks if input is unsaved)"),
    ],
    keys_unlock: &[
        ("Tab", "between user and passphrase"),
        ("Enter", "unlock"),
        ("Ctrl-Q", "quit"),
    ],
    stats_title: "Statistics",
    stats_by: "By",
    stats_filter: "Filter",
    stats_exact: "exact figures, not for publication",
    stats_published: "published view: small counts hidden",
    stats_stale: "choices changed: Enter computes",
    stats_hint: "Tab row · ←→ choose · Space pick · Enter compute · p published · ? keys",
    stats_none: "none",
    keys_stats: &[
        ("Tab / Shift-Tab", "period, group by, filter, table"),
        ("← →", "choose a period, a dimension or a filter value"),
        ("Space", "add or remove the dimension or filter value"),
        ("↑ ↓", "choose the filter's dimension; scroll the table"),
        ("Enter", "compute (the same computation as uppsok stats)"),
        ("p", "published view (disclosure control) on or off"),
    ],
    concern: "Report of concern",
    concern_not_asked: "asked for under18 only",
    contact_edited: "Contact changed",
    contact_deleted: "Contact deleted",
    merge_need_two: "Type both codes.",
    merged: "Declared one person: statistics count them once",
    unmerged: "Undone: the second code is a person of its own again",
    person_title: "Person",
    person_hint: "↑↓ choose · e edit · d delete · Esc back",
    no_note: "(no note)",
    edit_title: "Edit contact",
    reason_title: "Why? (written to the audit log)",
    reasons: [
        "a value was typed wrong",
        "logged under the wrong person",
        "logged twice",
        "should not have been logged",
        "the person asked",
    ],
    merge_title: "One person, two codes",
    merge_code: "Code",
    merge_same_as: "Same person as",
    merge_hint: "Tab next · Ctrl-S declare one person · Ctrl-U undo for the second code · Esc back",
    merge_explain: "A lead can declare that two known codes are one person (a typo in a code, say). Statistics then count them once. Both the declaration and its undoing go to the audit log.",
    keys_person: &[
        ("↑ ↓", "choose a contact"),
        ("e / Enter", "edit the contact (asks why)"),
        ("d", "delete the contact (asks why)"),
        ("Esc", "back to the form"),
    ],
    keys_merge: &[
        ("Tab", "between the two codes"),
        ("Ctrl-S", "declare the two codes one person"),
        ("Ctrl-U", "undo: the second code is its own person again"),
    ],
    person_kept: "the person stays",
    nights_hidden: "Field nights are shown to the roles that log contacts.",
    under18_routine: "Under 18: the unit's routine is a report of concern (orosanmälan) to social services the same night or the next working day, and telling the lead. Record here whether it is made; never the person's identity.",
};

pub static TUI_SV: TuiText = TuiText {
    unlock_title: "Lås upp",
    user: "Användare",
    passphrase: "Lösenfras",
    unlock_hint: "Enter lås upp · Tab nästa fält · Ctrl-Q avsluta · F1 hjälp",
    unlock_wrong: "Fel användarnamn eller lösenfras, eller så är användaren avstängd. Försök igen.",
    unlock_locked: "Låst efter en stund utan tangenttryckning. Lås upp för att fortsätta.",
    unlock_empty: "Ange användarnamn och lösenfras.",
    database: "Databas",
    overview: "Översikt",
    this_year: "I år",
    last_year: "Samma datum",
    per_month: "Kontakter per månad i år",
    latest_nights: "Senaste uppsökarkvällarna",
    no_nights: "Inga uppsökarkvällar än: tryck n för att starta en.",
    months: [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ],
    night_kind: "Typ",
    staff: "Personal",
    date: "Datum",
    person_code: "Personkod",
    referrals: "Hänvisningar",
    note: "Anteckning",
    unsaved: "osparat",
    saved_state: "sparat",
    help_title: "Tangenter",
    help_close: "Esc eller ? stänger hjälpen",
    quit_question: "Osparad inmatning går förlorad. Avsluta ändå?",
    discard_question: "Kasta den osparade kontakten?",
    yes_no_keys: "j ja · n nej",
    nights_title: "Uppsökarkvällar",
    night_new_title: "Ny uppsökarkväll",
    night_pick_hint: "↑↓ välj · Enter logga kontakter · n ny kväll · Esc tillbaka",
    night_form_hint: "Tab nästa · Shift-Tab bakåt · Enter eller Ctrl-S spara · Esc avbryt",
    night_created: "Uppsökarkvällen sparad",
    contact_title: "Kontakt",
    contact_hint: "Tab nästa · Shift-Tab bakåt · ↑↓ välj · Ctrl-S spara · Esc stäng",
    contact_saved: "Kontakten sparad",
    contacts_this_night: "loggade",
    night: "uppsökarkväll",
    required: "måste fyllas i",
    not_a_value: "inte en av",
    bad_date: "skriv datumet som ÅÅÅÅ-MM-DD",
    future_date: "datumet ligger i framtiden",
    bad_staff: "ett tal från 1 till 99",
    note_looks_like: "ser ut som",
    note_too_long: "för lång",
    fix_first: "Rätta de markerade fälten först.",
    person_new: "ny person: inga tidigare kontakter",
    person_known: "känd person",
    person_earlier: "tidigare kontakter",
    person_last: "senast",
    person_prefill: "Ctrl-P fyll i · Ctrl-O historik",
    did_you_mean: "okänd kod; menade du",
    unidentified: "ingen kod: en oidentifierad kontakt",
    not_allowed: "Din roll får inte göra detta.",
    error: "Fel",
    choices: "val",
    keys_global: &[
        ("F1 / ?", "den här hjälpen (? utanför textfält)"),
        ("Esc", "stäng formulär eller ruta, gå tillbaka"),
        (
            "q / Ctrl-Q",
            "avsluta (q utanför textfält); frågar först om något är osparat",
        ),
        ("o", "översikt"),
        (
            "f",
            "uppsökarkvällar: starta eller välj en, logga sedan kontakter",
        ),
    ],
    keys_overview: &[
        ("n", "starta en ny uppsökarkväll"),
        ("f", "välj en uppsökarkväll och logga dess kontakter"),
        ("c", "logga en kontakt utan uppsökarkväll"),
        ("s", "statistik"),
        ("m", "ange att två koder är en person (ledare, admin)"),
    ],
    keys_nights: &[
        ("↑ ↓", "välj uppsökarkväll"),
        ("Enter", "logga kontakter för den valda kvällen"),
        ("n", "starta en ny uppsökarkväll"),
    ],
    keys_contact: &[
        ("Tab / Shift-Tab", "nästa / föregående fält"),
        ("skriv", "början av ett värde väljer det (so → sodermalm)"),
        ("↑ ↓", "stega genom värdena i ett listfält"),
        ("Ctrl-S", "spara kontakten (även Enter i anteckningen)"),
        ("Ctrl-P", "fyll i från personens senaste kontakt"),
        ("Ctrl-D", "ta den första koden under 'menade du'"),
        ("Ctrl-O", "öppna den kända personens historik (anteckningar; loggas)"),
        ("Esc", "stäng formuläret (frågar om något är osparat)"),
    ],
    keys_unlock: &[
        ("Tab", "mellan användare och lösenfras"),
        ("Enter", "lås upp"),
        ("Ctrl-Q", "avsluta"),
    ],
    stats_title: "Statistik",
    stats_by: "Per",
    stats_filter: "Filter",
    stats_exact: "exakta siffror, inte för publicering",
    stats_published: "publicerbar vy: små tal dolda",
    stats_stale: "valen ändrade: Enter räknar",
    stats_hint: "Tab rad · ←→ välj · Mellanslag markera · Enter räkna · p publicerbar · ? hjälp",
    stats_none: "inga",
    keys_stats: &[
        ("Tab / Shift-Tab", "period, gruppera per, filter, tabell"),
        ("← →", "välj period, dimension eller filtervärde"),
        (
            "Mellanslag",
            "lägg till eller ta bort dimensionen eller filtervärdet",
        ),
        ("↑ ↓", "välj filtrets dimension; rulla tabellen"),
        ("Enter", "räkna (samma beräkning som uppsok stats)"),
        ("p", "publicerbar vy (röjandekontroll) av eller på"),
    ],
    concern: "Orosanmälan",
    concern_not_asked: "frågas bara för under18",
    contact_edited: "Kontakten ändrad",
    contact_deleted: "Kontakten borttagen",
    merge_need_two: "Skriv båda koderna.",
    merged: "En person: statistiken räknar dem en gång",
    unmerged: "Ångrat: den andra koden är en egen person igen",
    person_title: "Person",
    person_hint: "↑↓ välj · e ändra · d ta bort · Esc tillbaka",
    no_note: "(ingen anteckning)",
    edit_title: "Ändra kontakt",
    reason_title: "Varför? (skrivs i granskningsloggen)",
    reasons: [
        "ett värde skrevs fel",
        "loggad på fel person",
        "loggad två gånger",
        "skulle inte ha loggats",
        "personen bad om det",
    ],
    merge_title: "En person, två koder",
    merge_code: "Kod",
    merge_same_as: "Samma person som",
    merge_hint: "Tab nästa · Ctrl-S en person · Ctrl-U ångra för den andra koden · Esc tillbaka",
    merge_explain: "En enhetsledare kan ange att två kända koder är samma person (till exempel en felskriven kod). Statistiken räknar dem då en gång. Både beslutet och ångrandet skrivs i granskningsloggen.",
    keys_person: &[
        ("↑ ↓", "välj kontakt"),
        ("e / Enter", "ändra kontakten (frågar varför)"),
        ("d", "ta bort kontakten (frågar varför)"),
        ("Esc", "tillbaka till formuläret"),
    ],
    keys_merge: &[
        ("Tab", "mellan de två koderna"),
        ("Ctrl-S", "ange att koderna är en person"),
        ("Ctrl-U", "ångra: den andra koden blir en egen person igen"),
    ],
    person_kept: "personen är densamma",
    nights_hidden: "Uppsökarkvällar visas för roller som loggar kontakter.",
    under18_routine: "Under 18: enhetens rutin är orosanmälan till socialtjänsten samma natt eller nästa vardag, och att berätta för enhetsledaren. Ange här om den görs; aldrig personens identitet.",
};

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
