//! What the command line prints for people, one table per language: fixed words in
//! [`CliText`] (`EN`, `SV`), sentences with numbers or names in [`Says`] and the plans a
//! confirm question states in [`Plan`], each put into words by one `en` and one `sv`
//! function. Machine formats (CSV, JSON) never come from here; values shown in text use their
//! labels (`Role::label` and the like), given to these sentences already in the language.
//! Error messages are not here (see `Error::message`).

use super::Lang;
use crate::stats::publish::Method;

/// The fixed words of the command line in one language.
pub struct CliText {
    /// `contact show`: the heading word and the label of each line, in order: date, person,
    /// field night, role, gender, age band, counterpart, district, contact type, referrals,
    /// signs of trafficking, report of concern, note.
    pub show_contact: &'static str,
    pub show_labels: [&'static str; 13],
    pub show_known_code: &'static str,
    pub show_unidentified: &'static str,
    pub show_none: &'static str,
    /// No field night (`show_none` is for the referrals).
    pub show_no_night: &'static str,
    pub show_concern_unanswered: &'static str,
    pub show_no_note: &'static str,
    /// `night list` column headers: id, date, kind, district, staff.
    pub night_header: [&'static str; 6],
    /// `project list` column headers: id, name, funder, from, to; and the last day of one
    /// that runs on.
    pub project_header: [&'static str; 5],
    pub project_running: &'static str,
    /// `activity list` column headers: id, date, kind, audience, participants, note.
    pub activity_header: [&'static str; 6],
    /// `user list` column headers: name, role, state, created; and the two states.
    pub user_header: [&'static str; 5],
    pub unit_header: [&'static str; 3],
    pub unit_none: &'static str,
    pub user_active: &'static str,
    pub user_disabled: &'static str,
    /// Confirm questions.
    pub dry_run_done: &'static str,
    pub continue_question: &'static str,
    /// Prompts at a terminal.
    pub prompt_user: &'static str,
    pub prompt_repeat: &'static str,
    pub prompt_code: &'static str,
    pub prompt_recovery_key: &'static str,
    /// On stderr while another process writes.
    pub waiting: &'static str,
    /// After a rekey that could not re-encrypt the file itself yet.
    pub pages_later: &'static str,
    /// `upgrade`, when the key scheme and the recovery key need more.
    pub upgrade_shared_keys: &'static str,
    pub upgrade_recovery_lost: &'static str,
    /// `demo`: the sign-in lines and the labels of its summary.
    pub demo_user: &'static str,
    pub demo_passphrase: &'static str,
    pub demo_role: &'static str,
    pub demo_contacts: &'static str,
    pub demo_individuals: &'static str,
    pub demo_field_nights: &'static str,
    pub demo_years: &'static str,
    pub demo_individuals_calibrated: &'static str,
    pub demo_women_sold_to_men: &'static str,
    pub demo_men_sold_to_men: &'static str,
    pub demo_men_bought_from_women: &'static str,
}

pub static EN: CliText = CliText {
    show_contact: "Contact",
    show_labels: [
        "date",
        "person",
        "field night",
        "role",
        "gender",
        "age band",
        "counterpart",
        "district",
        "contact type",
        "referrals",
        "trafficking",
        "concern",
        "note",
    ],
    show_known_code: "known code",
    show_unidentified: "unidentified",
    show_none: "none",
    show_no_night: "none",
    show_concern_unanswered: "not answered",
    show_no_note: "(none)",
    night_header: ["id", "date", "kind", "district", "staff", "project"],
    project_header: ["id", "name", "funder", "from", "to"],
    project_running: "(running)",
    activity_header: ["id", "date", "kind", "audience", "participants", "note"],
    user_header: ["name", "role", "unit", "state", "created"],
    unit_header: ["number", "unit", "active users"],
    unit_none: "The database is one unit without a name yet: everyone is in it. `uppsok unit add NAME` names it; each further `unit add` adds a unit to the city.",
    user_active: "active",
    user_disabled: "disabled",
    dry_run_done: "Dry run: nothing was changed.",
    continue_question: "Continue? [y/N] ",
    prompt_user: "User: ",
    prompt_repeat: "Repeat it: ",
    prompt_code: "Code (not shown): ",
    prompt_recovery_key: "Recovery key: ",
    waiting: "uppsok: another uppsok process is writing to this database; waiting for it (up to 15 seconds)...",
    pages_later: "Another uppsok has the database open, so the file itself could not be re-encrypted under a new page key yet; that happens at the next sign-in when no other uppsok has it open.",
    upgrade_shared_keys: "Every role still holds every key (an auditor could read notes outside uppsok) until `uppsok rekey`: run it once every user has signed in since this upgrade.",
    upgrade_recovery_lost: "The recovery key, if the database had one, restores no administrator from now on.",
    demo_user: "  user:       ",
    demo_passphrase: "  passphrase: ",
    demo_role: "  role:       admin",
    demo_contacts: "  contacts:     ",
    demo_individuals: "  individuals:  ",
    demo_field_nights: "  field nights: ",
    demo_years: "  years:        ",
    demo_individuals_calibrated: "  individuals:                       ",
    demo_women_sold_to_men: "  women who sold sex to men:         ",
    demo_men_sold_to_men: "  men who sold sex to men:           ",
    demo_men_bought_from_women: "  men who bought sex from women:     ",
};

pub static SV: CliText = CliText {
    show_contact: "Kontakt",
    show_labels: [
        "datum",
        "person",
        "uppsökarkväll",
        "roll",
        "kön",
        "åldersgrupp",
        "motpart",
        "stadsdel",
        "kontakttyp",
        "hänvisningar",
        "tecken på människohandel",
        "orosanmälan",
        "anteckning",
    ],
    show_known_code: "känd kod",
    show_unidentified: "oidentifierad",
    show_none: "inga",
    show_no_night: "ingen",
    show_concern_unanswered: "inte besvarad",
    show_no_note: "(ingen)",
    night_header: ["nr", "datum", "typ", "stadsdel", "personal", "projekt"],
    project_header: ["nr", "namn", "finansiär", "från", "till"],
    project_running: "(pågår)",
    activity_header: ["nr", "datum", "typ", "målgrupp", "deltagare", "anteckning"],
    user_header: ["namn", "roll", "enhet", "status", "skapad"],
    unit_header: ["nummer", "enhet", "aktiva användare"],
    unit_none: "Databasen är en enhet som ännu saknar namn: alla hör till den. `uppsok unit add NAMN` namnger den; varje ytterligare `unit add` lägger till en enhet i staden.",
    user_active: "aktiv",
    user_disabled: "avstängd",
    dry_run_done: "Provkörning: inget ändrades.",
    continue_question: "Fortsätta? [j/N] ",
    prompt_user: "Användare: ",
    prompt_repeat: "Skriv den igen: ",
    prompt_code: "Kod (visas inte): ",
    prompt_recovery_key: "Återställningsnyckel: ",
    waiting: "uppsok: en annan uppsok-process skriver till databasen; väntar på den (högst 15 sekunder)...",
    pages_later: "En annan uppsok har databasen öppen, så själva filen kunde inte krypteras om med en ny sidnyckel än; det sker vid nästa inloggning när ingen annan uppsok har den öppen.",
    upgrade_shared_keys: "Alla roller har fortfarande alla nycklar (en granskare skulle kunna läsa anteckningar utanför uppsok) tills `uppsok rekey` körs: kör det när alla användare har loggat in sedan den här uppgraderingen.",
    upgrade_recovery_lost: "Återställningsnyckeln, om databasen hade någon, återställer ingen administratör från och med nu.",
    demo_user: "  användare:  ",
    demo_passphrase: "  lösenfras:  ",
    demo_role: "  roll:       administratör (admin)",
    demo_contacts: "  kontakter:       ",
    demo_individuals: "  individer:       ",
    demo_field_nights: "  uppsökarkvällar: ",
    demo_years: "  år:              ",
    demo_individuals_calibrated: "  individer:                         ",
    demo_women_sold_to_men: "  kvinnor som sålt sex till män:     ",
    demo_men_sold_to_men: "  män som sålt sex till män:         ",
    demo_men_bought_from_women: "  män som köpt sex av kvinnor:       ",
};

impl Lang {
    /// The command line's fixed words in this language.
    pub fn cli(self) -> &'static CliText {
        match self {
            Lang::En => &EN,
            Lang::Sv => &SV,
        }
    }

    /// A sentence of the command line in this language.
    pub fn says(self, s: Says<'_>) -> String {
        match self {
            Lang::En => en(s),
            Lang::Sv => sv(s),
        }
    }
}

pub use crate::msg::Piped;

/// What a rekey rewrites (`vault::RekeySummary` as counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rekeyed {
    pub key_version: u32,
    pub contacts: u64,
    pub field_nights: u64,
    pub persons: u64,
    pub users: u64,
    pub audit_entries: u64,
    pub slots: u64,
    pub recovery_key: bool,
}

/// A sentence the command line prints, with its numbers and names. Names and paths are
/// printed as given; values are labels in the language already.
#[derive(Debug, Clone, Copy)]
pub enum Says<'a> {
    /// `add`: the new contact's number.
    Logged {
        id: i64,
    },
    /// `import --dry-run`: rows checked.
    /// `separator` is the one read from the file's header.
    ImportChecked {
        rows: u64,
        separator: u8,
    },
    Imported {
        rows: u64,
        /// `None` in a database of several units (it would tell which codes another met).
        new_persons: Option<u64>,
        separator: u8,
    },
    /// Asks for values from standard input at a terminal.
    TypeThenCtrlD {
        what: Piped,
    },
    /// `contact edit` and `delete`; the reason as the `--reason` flag spells it and as a
    /// person reads it.
    ContactChanged {
        id: i64,
        reason: &'a str,
        reason_label: &'a str,
    },
    ContactUnchanged {
        id: i64,
    },
    ContactDeleted {
        id: i64,
        reason: &'a str,
        reason_label: &'a str,
    },
    NightRecorded {
        id: i64,
    },
    ProjectAdded {
        id: i64,
    },
    ProjectClosed {
        id: i64,
        to: &'a str,
    },
    ActivityRecorded {
        id: i64,
    },
    /// `config publish-method`: the unit's default disclosure-control method.
    PublishMethodIs {
        method: Method,
    },
    /// `config publish-method VALUE`: set, or (`changed` false) already so.
    PublishMethodSet {
        method: Method,
        changed: bool,
    },
    PassphraseFor {
        user: &'a str,
    },
    NewPassphraseFor {
        user: &'a str,
    },
    /// `init`: the database, its key file and first administrator; the recovery key (shown
    /// only now, by design); the fingerprint.
    Created {
        db: &'a str,
        keys: &'a str,
        admin: &'a str,
    },
    CreatedOnServer {
        db: &'a str,
        admin: &'a str,
    },
    RecoveryKey {
        key: &'a str,
    },
    Fingerprint {
        fingerprint: &'a str,
    },
    UserAdded {
        name: &'a str,
        role: &'a str,
    },
    UnitAdded {
        name: &'a str,
        /// It named the first unit (everyone so far is in it).
        first: bool,
    },
    UnitRoleSet {
        unit: &'a str,
        role: &'a str,
    },
    UserDisabled {
        name: &'a str,
    },
    PassphraseChanged {
        name: &'a str,
    },
    BackupWritten {
        file: &'a str,
        keys: &'a str,
    },
    Migrated {
        to: &'a str,
        users: u64,
        persons: u64,
        contacts: u64,
        nights: u64,
        entries: u64,
    },
    /// `export --out`: where the decrypted records went.
    ExportWritten {
        file: &'a str,
    },
    /// `report --out`: where the report went, and whether it is private.
    ReportWritten {
        file: &'a str,
        private: bool,
    },
    BackupCheckpoint {
        checkpoint: &'a str,
    },
    /// `upgrade`.
    UpgradedFrom1 {
        db: &'a str,
        to: &'a str,
        keys: &'a str,
        users: u64,
        carried: u64,
    },
    Upgraded {
        db: &'a str,
        from: &'a str,
        to: &'a str,
    },
    UpgradeSigningKeys {
        pending: u64,
    },
    UpgradeFingerprint {
        fingerprint: &'a str,
    },
    UpgradeKept {
        backup: &'a str,
    },
    Rekeyed(Rekeyed),
    /// `forget`: contacts erased, how many codes were declared one person, and whether the
    /// deleted rows' bytes are gone from storage too (false on a server as a role that does not
    /// own the tables).
    Erased {
        contacts: u64,
        codes: u64,
        erased: bool,
    },
    /// `purge`; `compacted`: the old row versions rewritten away (false on a server as a role
    /// that does not own the tables).
    NotesPurged {
        contacts: u64,
        before: &'a str,
        compacted: bool,
    },
    Recovered {
        name: &'a str,
    },
    /// `audit --rescan-notes`.
    Rescanned {
        scanned: u64,
        flagged: u64,
    },
    /// `demo`.
    DemoBuilt {
        db: &'a str,
        seed: u64,
    },
    DemoFilled {
        db: &'a str,
        seed: u64,
    },
    DemoReused {
        db: &'a str,
    },
    DemoPeriod {
        from: &'a str,
        to: &'a str,
    },
    DemoContacts {
        contacts: u64,
        unidentified: u64,
    },
    DemoCalibration {
        from: &'a str,
        to: &'a str,
    },
    DemoExplore {
        passphrase: &'a str,
    },
}

/// Whether a plan is said as what will happen or as what would (`--dry-run`, and the
/// refusal without a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Will,
    Would,
}

/// What a command that erases or rewrites is about to do, for its confirm question.
#[derive(Debug, Clone, Copy)]
pub enum Plan<'a> {
    Rekey(Rekeyed),
    DisableUser {
        name: &'a str,
        rekey: Rekeyed,
    },
    /// `forget`: contacts and codes (more than one: codes declared one person).
    Forget {
        contacts: u64,
        codes: u64,
    },
    PurgeNotes {
        contacts: u64,
        before: &'a str,
    },
}

impl Plan<'_> {
    /// The plan in one sentence.
    pub fn say(&self, lang: Lang, mood: Mood) -> String {
        match lang {
            Lang::En => plan_en(self, mood),
            Lang::Sv => plan_sv(self, mood),
        }
    }
}

/// `1 contact`, `2 contacts` (numbers grouped as English writes them).
fn count_en(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", Lang::En.number(n), if n == 1 { one } else { many })
}

/// `1 kontakt`, `2 kontakter` (numbers grouped as Swedish writes them).
fn count_sv(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", Lang::Sv.number(n), if n == 1 { one } else { many })
}

/// What a rekey rewrites, as the end of an English sentence.
fn rekeyed_en(s: &Rekeyed) -> String {
    format!(
        "key version {}; {}, {} and {} re-encrypted, {} re-sealed, {} verified (signed, so they stay as they are), {}{} rewrapped",
        s.key_version,
        count_en(s.contacts, "contact", "contacts"),
        count_en(s.field_nights, "field night", "field nights"),
        count_en(s.persons, "pseudonym", "pseudonyms"),
        count_en(s.users, "user record", "user records"),
        count_en(s.audit_entries, "log entry", "log entries"),
        count_en(s.slots, "key slot", "key slots"),
        if s.recovery_key {
            " and the recovery key"
        } else {
            ""
        }
    )
}

fn rekeyed_sv(s: &Rekeyed) -> String {
    let slots = if s.recovery_key {
        format!(
            "{} och återställningsnyckeln förnyade",
            count_sv(s.slots, "nyckelplats", "nyckelplatser")
        )
    } else {
        count_sv(s.slots, "nyckelplats förnyad", "nyckelplatser förnyade")
    };
    format!(
        "nyckelversion {}; {}, {} och {} omkrypterade, {}, {} (signerade, så de förblir som de är), {slots}",
        s.key_version,
        count_sv(s.contacts, "kontakt", "kontakter"),
        count_sv(s.field_nights, "uppsökarkväll", "uppsökarkvällar"),
        count_sv(s.persons, "pseudonym", "pseudonymer"),
        count_sv(s.users, "användarpost förseglad på nytt", "användarposter förseglade på nytt"),
        count_sv(s.audit_entries, "loggpost verifierad", "loggposter verifierade"),
    )
}

fn plan_en(p: &Plan<'_>, mood: Mood) -> String {
    let aux = match mood {
        Mood::Will => "will",
        Mood::Would => "would",
    };
    match *p {
        Plan::Rekey(r) => format!("The database {aux} be rekeyed: {}.", rekeyed_en(&r)),
        Plan::DisableUser { name, rekey } => format!(
            "User '{name}' {aux} be disabled (their key slot removed) and the database rekeyed: {}.",
            rekeyed_en(&rekey)
        ),
        Plan::Forget { contacts, codes } if codes > 1 => format!(
            "{} of {codes} codes declared one person {aux} be erased, with those {codes} pseudonyms and the merges between them.",
            count_en(contacts, "contact", "contacts")
        ),
        Plan::Forget { contacts, .. } => format!(
            "{} of this code {aux} be erased, with its pseudonym.",
            count_en(contacts, "contact", "contacts")
        ),
        Plan::PurgeNotes { contacts, before } => format!(
            "The notes of {} dated before {before} {aux} be emptied (their dates, persons and categories stay), the database rekeyed (so old note ciphertext can never be put back) and the file compacted.",
            count_en(contacts, "contact", "contacts")
        ),
    }
}

fn plan_sv(p: &Plan<'_>, mood: Mood) -> String {
    let aux = match mood {
        Mood::Will => "kommer att",
        Mood::Would => "skulle",
    };
    match *p {
        Plan::Rekey(r) => format!("Databasen {aux} få nya nycklar: {}.", rekeyed_sv(&r)),
        Plan::DisableUser { name, rekey } => format!(
            "Användaren '{name}' {aux} stängas av (nyckelplatsen tas bort) och databasen få nya nycklar: {}.",
            rekeyed_sv(&rekey)
        ),
        Plan::Forget { contacts, codes } if codes > 1 => format!(
            "{} för {codes} koder som angetts vara en person {aux} raderas, med de {codes} pseudonymerna och sammanslagningarna mellan dem.",
            count_sv(contacts, "kontakt", "kontakter")
        ),
        Plan::Forget { contacts, .. } => format!(
            "{} för den här koden {aux} raderas, med dess pseudonym.",
            count_sv(contacts, "kontakt", "kontakter")
        ),
        Plan::PurgeNotes { contacts, before } => format!(
            "Anteckningarna för {} före {before} {aux} tömmas (datum, personer och kategorier finns kvar), databasen få nya nycklar (så att gammal krypterad anteckningstext aldrig kan läggas tillbaka) och filen komprimeras.",
            count_sv(contacts, "kontakt daterad", "kontakter daterade")
        ),
    }
}

/// What a disclosure-control method does, in a few words.
fn method_en(m: Method) -> &'static str {
    match m {
        Method::Suppress => "small counts hidden, the figures shown exact",
        Method::Cellkey => "every count moved by at most 2, the same way in every table",
    }
}

fn method_sv(m: Method) -> &'static str {
    match m {
        Method::Suppress => "små antal döljs, de siffror som visas är exakta",
        Method::Cellkey => "varje antal flyttas högst 2, på samma sätt i varje tabell",
    }
}

/// A sentence in English.
fn en(s: Says<'_>) -> String {
    use Says::*;
    match s {
        Logged { id } => format!("Logged contact {id}."),
        ImportChecked { rows, separator } => format!(
            "{}{} checked: all valid. Nothing was imported (--dry-run).",
            count_en(rows, "row", "rows"),
            separated_en(separator)
        ),
        Imported {
            rows,
            new_persons: Some(new_persons),
            separator,
        } => format!(
            "Imported {} ({}){}.",
            count_en(rows, "contact", "contacts"),
            count_en(new_persons, "new person", "new persons"),
            separated_en(separator)
        ),
        Imported {
            rows,
            new_persons: None,
            separator,
        } => format!(
            "Imported {}{}.",
            count_en(rows, "contact", "contacts"),
            separated_en(separator)
        ),
        TypeThenCtrlD { what } => format!(
            "Type {}, then press Ctrl-D on a line of its own to end.",
            what.name(Lang::En)
        ),
        ContactChanged { id, reason, .. } => format!("Changed contact {id} (reason {reason})."),
        ContactUnchanged { id } => {
            format!("Contact {id} is already as given; nothing was changed or logged.")
        }
        ContactDeleted { id, reason, .. } => format!("Deleted contact {id} (reason {reason})."),
        NightRecorded { id } => format!(
            "Recorded field night {id}. Log its contacts with `uppsok add --field-night {id} ...`."
        ),
        ProjectAdded { id } => format!(
            "Added project {id}. Contacts name it with `uppsok add --projects NAME`; its report is `uppsok report --project NAME`."
        ),
        ProjectClosed { id, to } => format!("Project {id} now ends on {to}."),
        ActivityRecorded { id } => format!("Recorded activity {id}."),
        PublishMethodIs { method } => format!(
            "The unit's default disclosure-control method is {} ({}): `stats --publish` and `report` use it unless --method is given.",
            method.as_str(),
            method_en(method)
        ),
        PublishMethodSet {
            method,
            changed: true,
        } => format!(
            "The unit's default disclosure-control method is now {} ({}); the change is logged.",
            method.as_str(),
            method_en(method)
        ),
        PublishMethodSet {
            method,
            changed: false,
        } => format!(
            "The unit's default disclosure-control method is already {}; nothing was changed or logged.",
            method.as_str()
        ),
        PassphraseFor { user } => format!("Passphrase for {user}: "),
        NewPassphraseFor { user } => format!("New passphrase for {user}: "),
        Created { db, keys, admin } => format!(
            "Created {db} with administrator '{admin}', and its key file {keys}: the two belong together (copy, back up and restore them together). Add staff with `uppsok user add NAME --role outreach|lead|auditor|admin`."
        ),
        CreatedOnServer { db, admin } => format!(
            "Created the database at {db} with administrator '{admin}'; its key file is a row of the same database. Back it up with the server's tools (`pg_dump`; docs/deploy.md). Add staff with `uppsok user add NAME --role outreach|lead|auditor|admin`."
        ),
        RecoveryKey { key } => format!(
            "\nRecovery key (shown only now; write it on paper and lock it away; with it, `uppsok recover NAME` restores an administrator when every admin passphrase is lost):\n\n    {key}\n"
        ),
        Fingerprint { fingerprint } => format!(
            "Fingerprint of the database (not a secret; write it beside the recovery key, and give it to whoever audits: `uppsok audit --fingerprint` proves with it that the log was not rewritten from the start):\n\n    {fingerprint}\n"
        ),
        UserAdded { name, role } => format!("Added user '{name}' with role {role}."),
        UnitRoleSet { unit, role } => format!("The database role {role} is now the unit {unit}'s: on it, the server shows only {unit}'s contacts, field nights and activities and refuses writing another unit's. Logged; `uppsok audit` fails if the server's list of unit roles is changed outside uppsok."),
        UnitAdded { name, first: true } => format!("Named the database's unit {name}: every user and contact so far belongs to it. Add further units with `uppsok unit add`."),
        UnitAdded { name, first: false } => format!("Added the unit {name} to the city and rekeyed the database: each unit's notes and categories are now sealed under a key of its own, and every user holds their unit's. Add its staff with `uppsok user add NAME --role ROLE --unit {name}`; they see their own unit's contacts, and `--city` counts everyone's."),
        UserDisabled { name } => format!(
            "Disabled user '{name}' and rekeyed the database: their passphrase, and any copy of their key, opens nothing written from now on."
        ),
        PassphraseChanged { name } => format!("Changed the passphrase of '{name}'."),
        ExportWritten { file } => format!(
            "Wrote the export to {file}, readable by you only; it holds decrypted records: delete it when it has served its purpose."
        ),
        ReportWritten { file, private: false } => format!(
            "Wrote the report to {file}; it holds only published figures and may be handed out."
        ),
        ReportWritten { file, private: true } => {
            format!("Wrote the report to {file}, readable by you only.")
        }
        Migrated { to, users, persons, contacts, nights, entries } => format!(
            "Copied the database to {to}, as stored and still encrypted: {users} users, {persons} persons, {contacts} contacts, {nights} field nights and {entries} log entries; it opens with the same passphrases and recovery key. Grant the application's role its privileges there (docs/deploy.md), run `uppsok audit` on it, and from now on use it instead of this file, which is unchanged."
        ),
        BackupWritten { file, keys } => format!(
            "Wrote a consistent copy to {file} and its key file to {keys}; both are encrypted and open with the same users and passphrases. Keep and restore the two together."
        ),
        BackupCheckpoint { checkpoint } => format!(
            "Checkpoint: {checkpoint}\nKeep it with the backup's label: `uppsok audit --since-checkpoint` proves later that the log up to it was not changed."
        ),
        UpgradedFrom1 { db, to, keys, users, carried } => format!(
            "Upgraded {db} from format 1 to format {to}: the file is now encrypted as a whole, and its key file is {keys}. {users} user(s) have a key slot; {carried} of them get theirs rewritten at their next sign-in."
        ),
        Upgraded { db, from, to } => format!(
            "Upgraded {db} from format {from} to format {to}: every change is now signed by its author."
        ),
        UpgradeSigningKeys { pending } => format!(
            "Your signing key is in your key slot; {pending} other user(s) take theirs at their next sign-in (until then `uppsok audit` warns)."
        ),
        UpgradeFingerprint { fingerprint } => format!(
            "Fingerprint of the database: {fingerprint}\nWrite it down beside the recovery key: `uppsok audit --fingerprint` proves later that the log was not rewritten from the start."
        ),
        UpgradeKept { backup } => format!(
            "The database as it was is kept at {backup}. Once `uppsok audit` passes, delete it (with its key file, if it has one), or keep it where only administrators can read it."
        ),
        Rekeyed(r) => format!("Rekeyed the database: {}.", rekeyed_en(&r)),
        Erased { contacts, codes, erased } => format!(
            "Erased {contacts} contact(s) of this person and {}; the audit log records the erasure without any code.{}",
            if codes > 1 {
                format!("the {codes} pseudonyms declared one person")
            } else {
                "their pseudonym".into()
            },
            if erased {
                ""
            } else {
                " The server keeps the deleted rows on its disk until the database's owner runs VACUUM FULL: ask them to now (docs/deploy.md, \"Erasing for real\")."
            }
        ),
        NotesPurged { contacts, before, compacted } => format!(
            "Deleted the note text of {} dated before {before}; their dates, persons and categories stay. {}",
            count_en(contacts, "contact", "contacts"),
            if compacted {
                "The database was rekeyed and the file compacted, so no old text lingers or can be put back."
            } else {
                "The database was rekeyed, so no old text can be put back; but the server keeps the old row versions on its disk until the database's owner runs VACUUM FULL: ask them to now (docs/deploy.md, \"Erasing for real\")."
            }
        ),
        Recovered { name } => format!(
            "Administrator '{name}' can sign in again with the new passphrase. The recovery key stays valid; keep it locked away."
        ),
        Rescanned { scanned, flagged } => format!(
            "Rescanned {scanned} notes: {flagged} hold what looks like an identifier; the findings (contact ids and kinds) are recorded in the log for the auditor."
        ),
        DemoBuilt { db, seed } => {
            format!("Built a demo database of synthetic contacts at {db} (seed {seed}).")
        }
        DemoFilled { db, seed } => format!(
            "Filled the empty demo database {db} with synthetic contacts (seed {seed})."
        ),
        DemoReused { db } => format!(
            "Reusing the demo database at {db}; its data was built before and --seed does not change it (remove the file to build it anew)."
        ),
        DemoPeriod { from, to } => format!("Synthetic data, {from} to {to}:"),
        DemoContacts {
            contacts,
            unidentified,
        } => format!(
            "{} ({} unidentified)",
            Lang::En.number(contacts),
            Lang::En.number(unidentified)
        ),
        DemoCalibration { from, to } => format!(
            "Counselling {from} to {to}, calibrated to the 2009 report (\"just over 400 individuals\"):"
        ),
        DemoExplore { passphrase } => format!(
            "Open the terminal interface with `uppsok demo` at a terminal, or explore the data with the commands (give the passphrase {passphrase} when asked, or set UPPSOK_PASSPHRASE={passphrase}):"
        ),
    }
}

/// A sentence in Swedish.
fn sv(s: Says<'_>) -> String {
    use Says::*;
    match s {
        Logged { id } => format!("Kontakt {id} loggad."),
        ImportChecked { rows, separator } => format!(
            "{}{}: alla giltiga. Inget importerades (--dry-run).",
            count_sv(rows, "rad kontrollerad", "rader kontrollerade"),
            separated_sv(separator)
        ),
        Imported {
            rows,
            new_persons: Some(new_persons),
            separator,
        } => format!(
            "Importerade {} ({}){}.",
            count_sv(rows, "kontakt", "kontakter"),
            count_sv(new_persons, "ny person", "nya personer"),
            separated_sv(separator)
        ),
        Imported {
            rows,
            new_persons: None,
            separator,
        } => format!(
            "Importerade {}{}.",
            count_sv(rows, "kontakt", "kontakter"),
            separated_sv(separator)
        ),
        TypeThenCtrlD { what } => format!(
            "Skriv {}, tryck sedan Ctrl-D på en egen rad för att avsluta.",
            what.name(Lang::Sv)
        ),
        ContactChanged {
            id, reason_label, ..
        } => format!("Kontakt {id} ändrad (skäl: {reason_label})."),
        ContactUnchanged { id } => {
            format!("Kontakt {id} är redan som angivet; inget ändrades eller loggades.")
        }
        ContactDeleted {
            id, reason_label, ..
        } => format!("Kontakt {id} borttagen (skäl: {reason_label})."),
        NightRecorded { id } => format!(
            "Uppsökarkväll {id} sparad. Logga dess kontakter med `uppsok add --field-night {id} ...`."
        ),
        ProjectAdded { id } => format!(
            "Projekt {id} tillagt. Kontakter anger det med `uppsok add --projects NAMN`; dess rapport är `uppsok report --project NAMN`."
        ),
        ProjectClosed { id, to } => format!("Projekt {id} slutar nu {to}."),
        ActivityRecorded { id } => format!("Insats {id} sparad."),
        PublishMethodIs { method } => format!(
            "Enhetens standardmetod för röjandeskydd är {} ({}): `stats --publish` och `report` använder den om inte --method anges.",
            method.as_str(),
            method_sv(method)
        ),
        PublishMethodSet {
            method,
            changed: true,
        } => format!(
            "Enhetens standardmetod för röjandeskydd är nu {} ({}); ändringen är loggad.",
            method.as_str(),
            method_sv(method)
        ),
        PublishMethodSet {
            method,
            changed: false,
        } => format!(
            "Enhetens standardmetod för röjandeskydd är redan {}; inget ändrades eller loggades.",
            method.as_str()
        ),
        PassphraseFor { user } => format!("Lösenfras för {user}: "),
        NewPassphraseFor { user } => format!("Ny lösenfras för {user}: "),
        Created { db, keys, admin } => format!(
            "Skapade {db} med administratören '{admin}' och dess nyckelfil {keys}: de två hör ihop (kopiera, säkerhetskopiera och återställ dem tillsammans). Lägg till personal med `uppsok user add NAMN --role outreach|lead|auditor|admin`."
        ),
        CreatedOnServer { db, admin } => format!(
            "Skapade databasen på {db} med administratören '{admin}'; dess nyckelfil är en rad i samma databas. Säkerhetskopiera den med serverns verktyg (`pg_dump`; docs/deploy.md). Lägg till personal med `uppsok user add NAMN --role outreach|lead|auditor|admin`."
        ),
        RecoveryKey { key } => format!(
            "\nÅterställningsnyckel (visas bara nu; skriv ner den på papper och lås in den; med den återställer `uppsok recover NAMN` en administratör när alla administratörers lösenfraser har gått förlorade):\n\n    {key}\n"
        ),
        Fingerprint { fingerprint } => format!(
            "Databasens fingeravtryck (ingen hemlighet; skriv det bredvid återställningsnyckeln och ge det till den som granskar: med det visar `uppsok audit --fingerprint` att loggen inte har skrivits om från början):\n\n    {fingerprint}\n"
        ),
        UserAdded { name, role } => format!("Användaren '{name}' tillagd med rollen {role}."),
        UnitRoleSet { unit, role } => format!("Databasrollen {role} är nu enheten {unit}s: med den visar servern bara {unit}s kontakter, fältkvällar och aktiviteter och vägrar skriva en annan enhets. Loggat; `uppsok audit` underkänner om serverns lista över enheternas roller ändras utanför uppsok."),
        UnitAdded { name, first: true } => format!("Databasens enhet heter nu {name}: alla användare och kontakter hittills hör till den. Lägg till fler enheter med `uppsok unit add`."),
        UnitAdded { name, first: false } => format!("Enheten {name} är tillagd i staden och databasen har fått nya nycklar: varje enhets anteckningar och kategorier är nu krypterade med en egen nyckel, och varje användare har sin enhets. Lägg till dess personal med `uppsok user add NAMN --role ROLL --unit {name}`; de ser sin egen enhets kontakter, och `--city` räknar allas."),
        UserDisabled { name } => format!(
            "Användaren '{name}' är avstängd och databasen har fått nya nycklar: hens lösenfras, och varje kopia av hens nyckel, öppnar inget som skrivs från och med nu."
        ),
        PassphraseChanged { name } => format!("Lösenfrasen för '{name}' är ändrad."),
        ExportWritten { file } => format!(
            "Skrev exporten till {file}, som bara du kan läsa; den innehåller dekrypterade uppgifter: radera den när den har gjort sitt."
        ),
        ReportWritten { file, private: false } => format!(
            "Skrev rapporten till {file}; den innehåller bara publicerade siffror och får lämnas ut."
        ),
        ReportWritten { file, private: true } => {
            format!("Skrev rapporten till {file}, som bara du kan läsa.")
        }
        Migrated { to, users, persons, contacts, nights, entries } => format!(
            "Kopierade databasen till {to}, som den är lagrad och fortfarande krypterad: {users} användare, {persons} personer, {contacts} kontakter, {nights} fältkvällar och {entries} loggposter; den öppnas med samma lösenfraser och återställningsnyckel. Ge applikationens roll dess behörigheter där (docs/deploy.md), kör `uppsok audit` på den, och använd den i stället för den här filen från och med nu; filen är oförändrad."
        ),
        BackupWritten { file, keys } => format!(
            "Skrev en konsistent kopia till {file} och dess nyckelfil till {keys}; båda är krypterade och öppnas med samma användare och lösenfraser. Förvara och återställ de två tillsammans."
        ),
        BackupCheckpoint { checkpoint } => format!(
            "Kontrollpunkt: {checkpoint}\nFörvara den med säkerhetskopians etikett: med den visar `uppsok audit --since-checkpoint` senare att loggen fram till den inte har ändrats."
        ),
        UpgradedFrom1 { db, to, keys, users, carried } => format!(
            "Uppgraderade {db} från format 1 till format {to}: filen är nu krypterad som helhet, och dess nyckelfil är {keys}. {} har en nyckelplats; {} av dem får sin omskriven vid nästa inloggning.",
            count_sv(users, "användare", "användare"),
            Lang::Sv.number(carried)
        ),
        Upgraded { db, from, to } => format!(
            "Uppgraderade {db} från format {from} till format {to}: varje ändring signeras nu av den som gör den."
        ),
        UpgradeSigningKeys { pending } => format!(
            "Din signeringsnyckel finns i din nyckelplats; {} får sin vid nästa inloggning (till dess varnar `uppsok audit`).",
            count_sv(pending, "annan användare", "andra användare")
        ),
        UpgradeFingerprint { fingerprint } => format!(
            "Databasens fingeravtryck: {fingerprint}\nSkriv ner det bredvid återställningsnyckeln: med det visar `uppsok audit --fingerprint` senare att loggen inte har skrivits om från början."
        ),
        UpgradeKept { backup } => format!(
            "Databasen som den var finns kvar i {backup}. När `uppsok audit` ger godkänt, ta bort den (med dess nyckelfil, om den har någon), eller förvara den där bara administratörer kan läsa den."
        ),
        Rekeyed(r) => format!("Databasen har fått nya nycklar: {}.", rekeyed_sv(&r)),
        Erased { contacts, codes, erased } => format!(
            "Raderade {} för personen och {}; granskningsloggen registrerar raderingen utan någon kod.{}",
            count_sv(contacts, "kontakt", "kontakter"),
            if codes > 1 {
                format!("de {codes} pseudonymerna som angetts vara en person")
            } else {
                "dess pseudonym".into()
            },
            if erased {
                ""
            } else {
                " Servern har kvar de raderade raderna på sin disk tills databasens ägare kör VACUUM FULL: be ägaren göra det nu (docs/deploy.md, \"Erasing for real\")."
            }
        ),
        NotesPurged { contacts, before, compacted } => format!(
            "Anteckningstexten är borttagen för {} före {before}; datum, personer och kategorier finns kvar. {}",
            count_sv(contacts, "kontakt daterad", "kontakter daterade"),
            if compacted {
                "Databasen har fått nya nycklar och filen har komprimerats, så ingen gammal text finns kvar eller kan läggas tillbaka."
            } else {
                "Databasen har fått nya nycklar, så ingen gammal text kan läggas tillbaka; men servern har kvar de gamla radversionerna på sin disk tills databasens ägare kör VACUUM FULL: be ägaren göra det nu (docs/deploy.md, \"Erasing for real\")."
            }
        ),
        Recovered { name } => format!(
            "Administratören '{name}' kan logga in igen med den nya lösenfrasen. Återställningsnyckeln gäller fortfarande; förvara den inlåst."
        ),
        Rescanned { scanned, flagged } => format!(
            "Genomsökte {}: {} innehåller något som ser ut som en identitetsuppgift; fynden (kontaktnummer och typer) är registrerade i loggen för granskaren.",
            count_sv(scanned, "anteckning", "anteckningar"),
            Lang::Sv.number(flagged)
        ),
        DemoBuilt { db, seed } => {
            format!("Byggde en demodatabas med syntetiska kontakter i {db} (frö {seed}).")
        }
        DemoFilled { db, seed } => format!(
            "Fyllde den tomma demodatabasen {db} med syntetiska kontakter (frö {seed})."
        ),
        DemoReused { db } => format!(
            "Återanvänder demodatabasen i {db}; dess data byggdes tidigare och --seed ändrar den inte (ta bort filen för att bygga den på nytt)."
        ),
        DemoPeriod { from, to } => format!("Syntetiska data, {from} till {to}:"),
        DemoContacts {
            contacts,
            unidentified,
        } => format!(
            "{} ({} oidentifierade)",
            Lang::Sv.number(contacts),
            Lang::Sv.number(unidentified)
        ),
        DemoCalibration { from, to } => format!(
            "Samtalsstöd {from} till {to}, kalibrerat mot rapporten från 2009 (\"drygt 400 individer\"):"
        ),
        DemoExplore { passphrase } => format!(
            "Öppna terminalgränssnittet med `uppsok demo` i en terminal, eller utforska data med kommandona (ange lösenfrasen {passphrase} när du blir tillfrågad, eller sätt UPPSOK_PASSPHRASE={passphrase}):"
        ),
    }
}

/// " from a semicolon-separated file" when the file was not comma-separated.
fn separated_en(separator: u8) -> &'static str {
    match separator {
        b';' => " from a semicolon-separated file",
        b'\t' => " from a tab-separated file",
        _ => "",
    }
}

fn separated_sv(separator: u8) -> &'static str {
    match separator {
        b';' => " från en semikolonseparerad fil",
        b'\t' => " från en tabbseparerad fil",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl CliText {
        /// Every string of the table.
        fn all(&self) -> Vec<&'static str> {
            let mut v = vec![
                self.show_contact,
                self.show_known_code,
                self.show_unidentified,
                self.show_none,
                self.show_no_night,
                self.show_concern_unanswered,
                self.show_no_note,
                self.user_active,
                self.user_disabled,
                self.dry_run_done,
                self.continue_question,
                self.prompt_user,
                self.prompt_repeat,
                self.prompt_code,
                self.prompt_recovery_key,
                self.waiting,
                self.pages_later,
                self.upgrade_shared_keys,
                self.upgrade_recovery_lost,
                self.demo_user,
                self.demo_passphrase,
                self.demo_role,
                self.demo_contacts,
                self.demo_individuals,
                self.demo_field_nights,
                self.demo_years,
                self.demo_individuals_calibrated,
                self.demo_women_sold_to_men,
                self.demo_men_sold_to_men,
                self.demo_men_bought_from_women,
            ];
            v.extend(self.show_labels);
            v.extend(self.night_header);
            v.extend(self.project_header);
            v.push(self.project_running);
            v.extend(self.activity_header);
            v.extend(self.user_header);
            v.extend(self.unit_header);
            v.push(self.unit_none);
            v
        }
    }

    /// Words that are the same in both languages.
    const SAME: &[&str] = &["person"];

    #[test]
    fn every_fixed_text_is_swedish_in_swedish() {
        let (en, sv) = (EN.all(), SV.all());
        assert_eq!(en.len(), sv.len());
        for (e, s) in en.iter().zip(&sv) {
            assert!(!s.is_empty() && !e.is_empty());
            assert!(e != s || SAME.contains(s), "not translated: {e:?}");
        }
    }

    fn rekeyed(n: u64) -> Rekeyed {
        Rekeyed {
            key_version: 2,
            contacts: n,
            field_nights: n,
            persons: n,
            users: n,
            audit_entries: n,
            slots: n,
            recovery_key: n > 1,
        }
    }

    /// One of every sentence.
    fn samples() -> Vec<Says<'static>> {
        use Says::*;
        vec![
            Logged { id: 7 },
            ImportChecked {
                rows: 2,
                separator: b';',
            },
            Imported {
                rows: 2,
                new_persons: Some(1),
                separator: b'\t',
            },
            Imported {
                rows: 2,
                new_persons: None,
                separator: b',',
            },
            TypeThenCtrlD { what: Piped::Code },
            TypeThenCtrlD { what: Piped::Note },
            TypeThenCtrlD {
                what: Piped::CodeAndNote,
            },
            ContactChanged {
                id: 2,
                reason: "typo",
                reason_label: "ett värde skrevs fel",
            },
            ContactUnchanged { id: 2 },
            ContactDeleted {
                id: 2,
                reason: "typo",
                reason_label: "ett värde skrevs fel",
            },
            NightRecorded { id: 1 },
            ProjectAdded { id: 1 },
            ProjectClosed {
                id: 1,
                to: "2009-12-31",
            },
            ActivityRecorded { id: 1 },
            PublishMethodIs {
                method: Method::Suppress,
            },
            PublishMethodIs {
                method: Method::Cellkey,
            },
            PublishMethodSet {
                method: Method::Cellkey,
                changed: true,
            },
            PublishMethodSet {
                method: Method::Suppress,
                changed: false,
            },
            PassphraseFor { user: "olle" },
            NewPassphraseFor { user: "olle" },
            Created {
                db: "u.db",
                keys: "u.db.keys",
                admin: "admin",
            },
            CreatedOnServer {
                db: "postgres://u@h/d",
                admin: "admin",
            },
            RecoveryKey { key: "AAAAA" },
            Fingerprint {
                fingerprint: "17cc",
            },
            UserAdded {
                name: "olle",
                role: "uppsökare",
            },
            UnitAdded {
                name: "malmo",
                first: true,
            },
            UnitAdded {
                name: "malmo",
                first: false,
            },
            UnitRoleSet {
                unit: "malmo",
                role: "uppsok_malmo",
            },
            UserDisabled { name: "olle" },
            PassphraseChanged { name: "olle" },
            BackupWritten {
                file: "b.db",
                keys: "b.db.keys",
            },
            ExportWritten { file: "e.csv" },
            ReportWritten {
                file: "r.html",
                private: false,
            },
            ReportWritten {
                file: "r.html",
                private: true,
            },
            BackupCheckpoint {
                checkpoint: "5-00ff",
            },
            UpgradedFrom1 {
                db: "u.db",
                to: "3",
                keys: "u.db.keys",
                users: 2,
                carried: 1,
            },
            Upgraded {
                db: "u.db",
                from: "2",
                to: "3",
            },
            UpgradeSigningKeys { pending: 1 },
            UpgradeFingerprint {
                fingerprint: "17cc",
            },
            UpgradeKept { backup: "u.db.bak" },
            Rekeyed(rekeyed(1)),
            Rekeyed(rekeyed(2)),
            Erased {
                contacts: 3,
                codes: 2,
                erased: true,
            },
            Erased {
                contacts: 1,
                codes: 1,
                erased: false,
            },
            NotesPurged {
                contacts: 1,
                before: "2025-01-01",
                compacted: true,
            },
            NotesPurged {
                contacts: 2,
                before: "2025-01-01",
                compacted: false,
            },
            Recovered { name: "admin" },
            Rescanned {
                scanned: 3,
                flagged: 1,
            },
            DemoBuilt {
                db: "d.db",
                seed: 1,
            },
            DemoFilled {
                db: "d.db",
                seed: 1,
            },
            DemoReused { db: "d.db" },
            DemoPeriod {
                from: "2004-01-01",
                to: "2025-12-31",
            },
            DemoContacts {
                contacts: 2,
                unidentified: 1,
            },
            DemoCalibration {
                from: "2009-01-01",
                to: "2009-12-31",
            },
            DemoExplore { passphrase: "demo" },
        ]
    }

    #[test]
    fn every_sentence_is_said_in_both_languages() {
        for s in samples() {
            let (en, sv) = (Lang::En.says(s), Lang::Sv.says(s));
            assert!(!en.is_empty() && !sv.is_empty(), "{s:?}");
            assert_ne!(en, sv, "not translated: {s:?}");
        }
        for p in [
            Plan::Rekey(rekeyed(1)),
            Plan::DisableUser {
                name: "olle",
                rekey: rekeyed(2),
            },
            Plan::Forget {
                contacts: 1,
                codes: 1,
            },
            Plan::Forget {
                contacts: 3,
                codes: 2,
            },
            Plan::PurgeNotes {
                contacts: 1,
                before: "2025-01-01",
            },
        ] {
            for mood in [Mood::Will, Mood::Would] {
                assert_ne!(p.say(Lang::En, mood), p.say(Lang::Sv, mood), "{p:?}");
            }
            assert_ne!(p.say(Lang::Sv, Mood::Will), p.say(Lang::Sv, Mood::Would));
        }
    }

    #[test]
    fn plurals_and_numbers_follow_the_language() {
        let one = Says::Imported {
            rows: 1,
            new_persons: Some(1),
            separator: b',',
        };
        assert_eq!(Lang::En.says(one), "Imported 1 contact (1 new person).");
        assert_eq!(Lang::Sv.says(one), "Importerade 1 kontakt (1 ny person).");
        let many = Says::Imported {
            rows: 12_345,
            new_persons: Some(0),
            separator: b';',
        };
        assert_eq!(
            Lang::En.says(many),
            "Imported 12,345 contacts (0 new persons) from a semicolon-separated file."
        );
        assert_eq!(
            Lang::Sv.says(many),
            "Importerade 12\u{a0}345 kontakter (0 nya personer) från en semikolonseparerad fil."
        );
        let purge = |n| Plan::PurgeNotes {
            contacts: n,
            before: "2025-01-01",
        };
        assert!(purge(1)
            .say(Lang::Sv, Mood::Would)
            .starts_with("Anteckningarna för 1 kontakt daterad före 2025-01-01 skulle tömmas"));
        assert!(purge(2).say(Lang::Sv, Mood::Will).starts_with(
            "Anteckningarna för 2 kontakter daterade före 2025-01-01 kommer att tömmas"
        ));
    }
}
