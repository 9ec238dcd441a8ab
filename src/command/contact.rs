//! `contact show|edit|delete ID`: any one contact, also an unidentified one (which no person
//! code reaches), with the same rules and log entries as the interface's edit and delete.

use crate::cli::Values;
use clap::{Args, Subcommand, ValueEnum};

use super::contacts::{code_and_note, read_piped, refused};
use super::{lang, require_private_stdout, unlock};
use crate::cli::Global;
use crate::domain::{
    today, yes_no_label, AgeBand, ConcernAnswer, ConcernReport, ContactInput, ContactType,
    Counterpart, Gender, PersonCode, Role,
};
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::i18n::Lang;
use crate::msg::{Msg, NotDone};
use crate::vault::{ChangeReason, ContactDetails, Permission};

#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Show one contact with its note (written to the audit log as a view)
    Show(ShowArgs),
    /// Correct one contact: give only the fields that change, and why (logged)
    #[command(after_help = "\
Fields not given keep their value. `--code C` moves the contact to the person of code C \
(a contact logged under the wrong code, or an unidentified one that was someone known); \
`--code -` and `--note -` read the value from standard input, as for `uppsok add`. \
An edit that changes nothing writes nothing, not even a log entry.

  uppsok contact edit 812 --age-band 25-34 --reason typo
  uppsok contact edit 812 --note - --reason typo < corrected-note.txt")]
    Edit(Box<EditArgs>),
    /// Delete one contact, with a reason (logged; the other contacts of its person stay)
    Delete(DeleteArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The contact's number (as `add`, `import`, the interface and `audit` findings give it)
    pub id: i64,
    /// text or json
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: ShowFormat,
}

/// Why a contact is changed or deleted: the interface's fixed list, so that the log can say
/// why without free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Reason {
    /// A value was typed wrong
    Typo,
    /// Logged under the wrong person's code
    WrongPerson,
    /// The same contact was logged twice
    Duplicate,
    /// Should not have been logged at all
    LoggedByMistake,
    /// The person asked for it
    PersonAsked,
}

impl From<Reason> for ChangeReason {
    fn from(r: Reason) -> ChangeReason {
        match r {
            Reason::Typo => ChangeReason::Typo,
            Reason::WrongPerson => ChangeReason::WrongPerson,
            Reason::Duplicate => ChangeReason::Duplicate,
            Reason::LoggedByMistake => ChangeReason::LoggedByMistake,
            Reason::PersonAsked => ChangeReason::PersonAsked,
        }
    }
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The contact's number
    pub id: i64,
    /// Why (written to the audit log)
    #[arg(long, value_enum)]
    pub reason: Reason,
    /// Contact date, YYYY-MM-DD (not in the future)
    #[arg(long)]
    pub date: Option<String>,
    /// Move the contact to the person of this code (`-`: read from standard input)
    #[arg(long)]
    pub code: Option<String>,
    /// Whether the person sells or buys
    #[arg(long, value_parser = Values(Role::CHOICES))]
    pub role: Option<String>,
    /// The person's gender
    #[arg(long, value_parser = Values(Gender::CHOICES))]
    pub gender: Option<String>,
    /// Age band
    #[arg(long, value_parser = Values(AgeBand::CHOICES))]
    pub age_band: Option<String>,
    /// Gender of those they sell to or buy from
    #[arg(long, value_parser = Values(Counterpart::CHOICES))]
    pub counterpart: Option<String>,
    /// A district from the configured list
    #[arg(long)]
    pub district: Option<String>,
    /// How the contact was made
    #[arg(long, value_parser = Values(ContactType::CHOICES))]
    pub contact_type: Option<String>,
    /// ;-separated referrals, or `none`
    #[arg(long)]
    pub referrals: Option<String>,
    /// Trafficking indicators observed
    #[arg(long, value_parser = Values(crate::cli::YES_NO))]
    pub trafficking: Option<String>,
    /// Report of concern for an under-18 contact (kept while the contact stays under 18;
    /// required when the edit makes it under 18)
    #[arg(long, value_parser = Values(ConcernReport::CHOICES))]
    pub concern: Option<String>,
    /// The new note (replaces the whole note; `-`: read from standard input)
    #[arg(long)]
    pub note: Option<String>,
    /// ;-separated project names, or `none` (each must cover the contact's date)
    #[arg(long)]
    pub projects: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The contact's number
    pub id: i64,
    /// Why (written to the audit log)
    #[arg(long, value_enum)]
    pub reason: Reason,
}

pub fn run(g: &Global, c: ContactCommand) -> Result<()> {
    match c {
        ContactCommand::Show(a) => show(g, a),
        ContactCommand::Edit(a) => edit(g, *a),
        ContactCommand::Delete(a) => delete(g, a),
    }
}

fn show(g: &Global, a: ShowArgs) -> Result<()> {
    require_private_stdout("contact")?;
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let d = vault.contacts().details(a.id)?;
    let c = &d.contact;
    let at = &c.attributes;
    let referrals = if at.referrals.is_empty() {
        "none".to_string()
    } else {
        at.referrals.to_csv()
    };
    let trafficking = if at.trafficking { "yes" } else { "no" };
    let concern = d.concern.map(|r| r.as_str());
    match a.format {
        ShowFormat::Json => {
            let v = serde_json::json!({
                "id": c.id,
                "date": c.date.format("%Y-%m-%d").to_string(),
                "identified": c.pseudonym.is_some(),
                "field_night": c.field_night,
                "role": at.role.as_str(),
                "gender": at.gender.as_str(),
                "age_band": at.age_band.as_str(),
                "counterpart": at.counterpart.as_str(),
                "district": at.district.as_str(),
                "contact_type": at.contact_type.as_str(),
                "referrals": referrals,
                "trafficking": trafficking,
                "concern": concern,
                "note": c.note.as_str(),
            });
            println!("{v}");
        }
        ShowFormat::Text => print!("{}", show_text(&d, lang(g))),
    }
    Ok(())
}

/// `contact show` for people: labels of `lang` for the lines and the values.
fn show_text(d: &ContactDetails, l: Lang) -> String {
    let (t, c) = (l.cli(), &d.contact);
    let at = &c.attributes;
    let [date, person, night, role, gender, age_band, counterpart, district, contact_type, referrals, trafficking, concern, note] =
        t.show_labels;
    let mut lines = vec![
        (date, c.date.format("%Y-%m-%d").to_string()),
        (
            person,
            if c.pseudonym.is_some() {
                t.show_known_code
            } else {
                t.show_unidentified
            }
            .to_string(),
        ),
        (
            night,
            c.field_night
                .map_or_else(|| t.show_no_night.to_string(), |n| n.to_string()),
        ),
        (role, at.role.label(l).to_string()),
        (gender, at.gender.label(l).to_string()),
        (age_band, at.age_band.label(l).to_string()),
        (counterpart, at.counterpart.label(l).to_string()),
        (district, at.district.label(l)),
        (contact_type, at.contact_type.label(l).to_string()),
        (
            referrals,
            if at.referrals.is_empty() {
                t.show_none.to_string()
            } else {
                at.referrals
                    .iter()
                    .map(|r| r.label(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        (trafficking, yes_no_label(at.trafficking, l).to_string()),
    ];
    if at.age_band == AgeBand::Under18 {
        let answer = d.concern.map_or(t.show_concern_unanswered, |r| r.label(l));
        lines.push((concern, answer.to_string()));
    }
    // The labels in one column: as wide as the longest, and at least as in English before.
    let w = t
        .show_labels
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let w = w.max(13);
    let mut out = format!("{} {}\n", t.show_contact, c.id);
    for (name, value) in lines {
        out.push_str(&format!("  {name:<w$} {value}\n"));
    }
    if c.note.is_empty() {
        out.push_str(&format!("  {note:<w$} {}\n", t.show_no_note));
    } else {
        out.push_str(&format!("  {note}\n"));
        for line in c.note.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// The contact as text fields, with the flags given put over it.
fn edited<'a>(d: &'a ContactDetails, a: &'a EditArgs, texts: &'a Texts) -> ContactInput<'a> {
    ContactInput {
        date: a.date.as_deref().unwrap_or(&texts.date),
        code: "",
        role: a
            .role
            .as_deref()
            .unwrap_or(d.contact.attributes.role.as_str()),
        gender: a
            .gender
            .as_deref()
            .unwrap_or(d.contact.attributes.gender.as_str()),
        age_band: a
            .age_band
            .as_deref()
            .unwrap_or(d.contact.attributes.age_band.as_str()),
        counterpart: a
            .counterpart
            .as_deref()
            .unwrap_or(d.contact.attributes.counterpart.as_str()),
        district: a
            .district
            .as_deref()
            .unwrap_or(d.contact.attributes.district.as_str()),
        contact_type: a
            .contact_type
            .as_deref()
            .unwrap_or(d.contact.attributes.contact_type.as_str()),
        referrals: match a.referrals.as_deref() {
            Some("none") => "",
            Some(r) => r,
            None => &texts.referrals,
        },
        trafficking: a
            .trafficking
            .as_deref()
            .unwrap_or(if d.contact.attributes.trafficking {
                "yes"
            } else {
                "no"
            }),
        note: "",
        concern: "",
        projects: match a.projects.as_deref() {
            Some("none") => "",
            Some(p) => p,
            None => &texts.projects,
        },
        field_night: d.contact.field_night,
    }
}

/// The stored values that are not plain `&'static str`s, as text.
struct Texts {
    date: String,
    referrals: String,
    projects: String,
}

fn edit(g: &Global, a: EditArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    let (code_flag, note_flag) = (
        a.code.clone().unwrap_or_default(),
        a.note.clone().unwrap_or_default(),
    );
    let piped = read_piped(&code_flag, &note_flag, lang(g))?;
    let (code, note) = code_and_note(&code_flag, &note_flag, &piped)?;
    let d = vault.contacts().details(a.id)?;
    let texts = Texts {
        date: d.contact.date.format("%Y-%m-%d").to_string(),
        referrals: d.contact.attributes.referrals.to_csv(),
        projects: vault.projects().names(&d.contact.attributes.projects),
    };
    let mut input = edited(&d, &a, &texts);
    input.code = code;
    input.note = if a.note.is_some() {
        note
    } else {
        d.contact.note.as_str()
    };
    // The under-18 answer: as given; else the stored one while the contact stays under 18.
    // It is required only of a contact made under 18 by this edit, as for a new one.
    let was_under18 = d.contact.attributes.age_band == AgeBand::Under18;
    let now_under18 = input.age_band.parse::<AgeBand>() == Ok(AgeBand::Under18);
    input.concern = match (&a.concern, now_under18) {
        (Some(given), _) => given.as_str(),
        (None, true) => d.concern.map_or("", |c| c.as_str()),
        (None, false) => "",
    };
    let answer = if now_under18 && !was_under18 {
        ConcernAnswer::Required
    } else {
        ConcernAnswer::Optional
    };
    let not_done = NotDone::NotChanged { id: a.id };
    let parsed = input
        .parse((vault.districts(), vault.projects()), today(), answer)
        .map_err(|problems| refused(&input, &problems, not_done))?;
    let new_code = match &a.code {
        Some(_) => {
            Some(PersonCode::normalise(code).ok_or(Error::Input(Msg::EditCodeEmpty { id: a.id }))?)
        }
        None => None,
    };
    let changed = vault.contacts().edit(
        a.id,
        parsed.date,
        &parsed.attributes,
        parsed.attributes.concern,
        &parsed.note,
        new_code.as_ref(),
        a.reason.into(),
    )?;
    let l = lang(g);
    let (reason, reason_label) = reason_words(a.reason, l);
    let said = if changed {
        Says::ContactChanged {
            id: a.id,
            reason,
            reason_label,
        }
    } else {
        Says::ContactUnchanged { id: a.id }
    };
    println!("{}", l.says(said));
    Ok(())
}

fn delete(g: &Global, a: DeleteArgs) -> Result<()> {
    let mut vault = unlock(g)?;
    vault.require(Permission::WriteContacts)?;
    vault.contacts().delete(a.id, a.reason.into())?;
    let l = lang(g);
    let (reason, reason_label) = reason_words(a.reason, l);
    println!(
        "{}",
        l.says(Says::ContactDeleted {
            id: a.id,
            reason,
            reason_label,
        })
    );
    Ok(())
}

/// A reason as `--reason` spells it, and as a person reads it in `lang` (the interface's
/// words for the same list).
fn reason_words(r: Reason, l: Lang) -> (&'static str, &'static str) {
    let r = ChangeReason::from(r);
    let i = ChangeReason::ALL.iter().position(|x| *x == r).unwrap_or(0);
    (r.as_str(), l.text().tui.reasons[i])
}
