//! Form state without drawing: the contact form and the field-night form. Pure logic on text
//! inputs (tui-input), so the state tests need neither a terminal nor a database.

use tui_input::{Input, InputRequest};

use crate::domain::{
    check_note_length, fold, parse_contact_date, AgeBand, Attributes, ConcernAnswer, ConcernReport,
    ContactInput, ContactType, Counterpart, Date, Districts, FieldNightDetails, FieldNightInput,
    FieldNightKind, Gender, NewContact, PersonCode, Projects, Referral, Role,
};
use crate::i18n::Lang;
use crate::pii::{find_identifiers, IdentifierKind};

/// The contact form's fields, in the CSV's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Date,
    Code,
    Role,
    Gender,
    AgeBand,
    /// Only for `under18`: has a report of concern been made, or will one be?
    Concern,
    Counterpart,
    District,
    ContactType,
    Referrals,
    /// The funded projects the contact belongs to: `;`-separated names of projects whose
    /// period covers the form's date, empty for none.
    Projects,
    Trafficking,
    Note,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Date,
        Field::Code,
        Field::Role,
        Field::Gender,
        Field::AgeBand,
        Field::Concern,
        Field::Counterpart,
        Field::District,
        Field::ContactType,
        Field::Referrals,
        Field::Projects,
        Field::Trafficking,
        Field::Note,
    ];
    pub fn index(self) -> usize {
        Field::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

/// Why a field's text is not (yet) a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    /// Not the start of any value; the values are listed beside.
    NotAValue,
    /// The start of several values: these.
    Ambiguous(Vec<String>),
    BadDate,
    FutureDate,
    BadStaff,
    NoteIdentifier(IdentifierKind),
    NoteTooLong,
    /// The person code looks like an identifier of this kind (never saved).
    CodeIdentifier(IdentifierKind),
    /// One of the unit's projects, but its period does not cover the form's date.
    ProjectNotOnDate,
    /// More projects than a contact may belong to.
    TooManyProjects,
    /// Not a number of participants (1 to 100,000).
    BadParticipants,
}

/// A value of a list field: its one spelling (CSV, command line) and what the interface shows
/// for it in the chosen language (`sells` is shown as "säljer" in Swedish).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Lower case without spaces and hyphens, accents kept: how a start typed with `å ä ö` is
/// compared (`ö` picks Östermalm, not `okänt`).
fn squash(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc()
        .flat_map(char::to_lowercase)
        .filter(|c| !matches!(c, ' ' | '-' | '\u{2013}'))
        .collect()
}

/// The choice a typed text picks: an alias, a value's exact spelling or label, or the one
/// label it is the start of. A start typed without accents matches accented labels (`sa` picks
/// "säljer"); a start typed with them matches only those (`ö` is Östermalm). Several
/// candidates are a [`Problem::Ambiguous`], listed by label.
pub fn pick_choice<'a>(text: &str, choices: &'a [Choice]) -> Result<&'a Choice, Problem> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Err(Problem::Required);
    }
    // One key each for the values that share their first letters with another: `<` for
    // `under18` (which `u` would share with `unknown`, and the under-18 routine must never
    // hang on a guess) and `?` for `unknown`, in every field that has them.
    for (alias, value) in ALIASES {
        if t == *alias {
            if let Some(c) = choices.iter().find(|c| c.value == *value) {
                return Ok(c);
            }
        }
    }
    let folded = fold(&t);
    if let Some(c) = choices
        .iter()
        .find(|c| c.value == t || c.label.to_lowercase() == t)
        .or_else(|| choices.iter().find(|c| fold(&c.label) == folded))
    {
        return Ok(c);
    }
    let starts: Vec<&Choice> = if t.is_ascii() {
        choices
            .iter()
            .filter(|c| !folded.is_empty() && fold(&c.label).starts_with(folded.as_str()))
            .collect()
    } else {
        let sq = squash(&t);
        choices
            .iter()
            .filter(|c| squash(&c.label).starts_with(sq.as_str()))
            .collect()
    };
    match starts.len() {
        0 => Err(Problem::NotAValue),
        1 => Ok(starts[0]),
        _ => Err(Problem::Ambiguous(
            starts.iter().map(|c| c.label.clone()).collect(),
        )),
    }
}

/// [`pick_choice`] over values that are their own labels.
pub fn pick<'a>(text: &str, values: &[&'a str]) -> Result<&'a str, Problem> {
    let ch: Vec<Choice> = values
        .iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: v.to_string(),
        })
        .collect();
    let i = pick_choice(text, &ch).map(|c| ch.iter().position(|x| x == c).unwrap_or(0))?;
    Ok(values[i])
}

/// Short forms typed for a value: `<` (or `<18`) is `under18`, `?` is `unknown`.
pub const ALIASES: &[(&str, &str)] = &[("<", "under18"), ("<18", "under18"), ("?", "unknown")];

/// A paste as one line: its lines joined with a space (a line break inside a paste never
/// moves on or saves), tabs as spaces.
pub fn pasted_line(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\t', " ")
}

/// The values of an enumerated field, labelled in `lang`.
pub fn choices(field: Field, districts: &Districts, lang: Lang) -> Vec<Choice> {
    fn names<T: Copy>(
        all: &[T],
        value: fn(T) -> &'static str,
        label: fn(T, Lang) -> &'static str,
        lang: Lang,
    ) -> Vec<Choice> {
        all.iter()
            .map(|v| Choice {
                value: value(*v).to_string(),
                label: label(*v, lang).to_string(),
            })
            .collect()
    }
    match field {
        Field::Role => names(Role::ALL, Role::as_str, Role::label, lang),
        Field::Gender => names(Gender::ALL, Gender::as_str, Gender::label, lang),
        Field::AgeBand => names(AgeBand::ALL, AgeBand::as_str, AgeBand::label, lang),
        Field::Concern => names(
            ConcernReport::ALL,
            ConcernReport::as_str,
            ConcernReport::label,
            lang,
        ),
        Field::Counterpart => names(
            Counterpart::ALL,
            Counterpart::as_str,
            Counterpart::label,
            lang,
        ),
        Field::ContactType => names(
            ContactType::ALL,
            ContactType::as_str,
            ContactType::label,
            lang,
        ),
        Field::Referrals => names(Referral::ALL, Referral::as_str, Referral::label, lang),
        Field::Trafficking => [false, true]
            .iter()
            .map(|b| Choice {
                value: crate::domain::yes_no(*b).to_string(),
                label: crate::domain::yes_no_label(*b, lang).to_string(),
            })
            .collect(),
        Field::District => district_choices(districts, lang),
        // The projects depend on the form's date: see [`ContactForm::choices_of`].
        Field::Date | Field::Code | Field::Note | Field::Projects => Vec::new(),
    }
}

/// The projects open on `date` (every project when there is no date), by name: a name is
/// the same in both languages.
pub fn project_choices(projects: &Projects, date: Option<Date>) -> Vec<Choice> {
    projects
        .all()
        .iter()
        .filter(|p| date.is_none_or(|d| p.details.covers(d)))
        .map(|p| Choice {
            value: p.details.name.to_string(),
            label: p.details.name.to_string(),
        })
        .collect()
}

fn district_choices(districts: &Districts, lang: Lang) -> Vec<Choice> {
    districts
        .all()
        .iter()
        .map(|d| Choice {
            value: d.as_str().to_string(),
            label: d.label(lang),
        })
        .collect()
}

/// The labels of choices, for listing them.
pub fn labels(choices: &[Choice]) -> Vec<&str> {
    choices.iter().map(|c| c.label.as_str()).collect()
}

/// The contact form.
#[derive(Debug, Clone)]
pub struct ContactForm {
    pub inputs: Vec<Input>,
    pub focus: Field,
    pub field_night: Option<i64>,
    /// Set by any edit since the form was opened or last saved.
    pub dirty: bool,
    pub today: Date,
    /// The field night's district and contact type, which every next contact of the night
    /// starts from (not the last contact's: an online contact on a street night stays one).
    night_defaults: Option<(Option<String>, Option<ContactType>)>,
    /// The focused field holds a whole value put there (carried over, completed, stepped to):
    /// the first character typed replaces it instead of being added to it.
    replace_on_type: bool,
    /// The language values are shown, and typed, in.
    pub lang: Lang,
    /// The unit's projects, which the projects field picks from (those covering the date).
    pub projects: Projects,
    /// The field night's project, which every next contact of the night starts in.
    night_project: Option<String>,
}

impl ContactForm {
    /// An empty form dated `date` (today, or the field night's date), with the district and
    /// contact type given.
    pub fn new(
        today: Date,
        date: Date,
        district: Option<&str>,
        contact_type: Option<ContactType>,
        field_night: Option<i64>,
    ) -> Self {
        let mut inputs: Vec<Input> = Field::ALL.iter().map(|_| Input::default()).collect();
        inputs[Field::Date.index()] = Input::new(date.format("%Y-%m-%d").to_string());
        if let Some(d) = district {
            inputs[Field::District.index()] = Input::new(d.to_string());
        }
        if let Some(t) = contact_type {
            inputs[Field::ContactType.index()] = Input::new(t.as_str().to_string());
        }
        inputs[Field::Trafficking.index()] = Input::new("no".into());
        ContactForm {
            inputs,
            focus: Field::Code,
            field_night,
            dirty: false,
            today,
            night_defaults: field_night.map(|_| (district.map(str::to_string), contact_type)),
            replace_on_type: false,
            lang: Lang::En,
            projects: Projects::default(),
            night_project: None,
        }
    }

    /// The form starting in the field night's project (by name), as every next contact of
    /// the night will.
    pub fn with_night_project(mut self, name: Option<String>) -> Self {
        if let Some(n) = &name {
            self.inputs[Field::Projects.index()] = Input::new(n.clone());
        }
        self.night_project = name;
        self
    }

    /// The form picking projects from the unit's `projects`.
    pub fn with_projects(mut self, projects: &Projects) -> Self {
        self.projects = projects.clone();
        self
    }

    /// The values of a field, labelled in the form's language; for the projects, those
    /// whose period covers the form's date.
    pub fn choices_of(&self, f: Field, districts: &Districts) -> Vec<Choice> {
        if f == Field::Projects {
            let date = parse_contact_date(self.text(Field::Date).trim(), self.today).ok();
            return project_choices(&self.projects, date);
        }
        choices(f, districts, self.lang)
    }

    /// The form with its values shown, and typed, in `lang`: what it holds already is
    /// written out as that language's labels.
    pub fn in_lang(mut self, lang: Lang, districts: &Districts) -> Self {
        self.lang = lang;
        for f in Field::ALL {
            if let Some(v) = self.picked(f, districts) {
                let shown = self.label_of(f, &v, districts);
                self.inputs[f.index()] = Input::new(shown);
            }
        }
        self
    }

    /// The label of a field's value (for the referrals, of each of the `;`-separated values).
    fn label_of(&self, f: Field, value: &str, districts: &Districts) -> String {
        let ch = self.choices_of(f, districts);
        let one = |v: &str| {
            ch.iter()
                .find(|c| c.value == v)
                .map_or_else(|| v.to_string(), |c| c.label.clone())
        };
        if matches!(f, Field::Referrals | Field::Projects) {
            value
                .split(';')
                .filter(|v| !v.is_empty())
                .map(one)
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            one(value)
        }
    }

    /// Puts a value (its one spelling, e.g. from a stored contact) into a field, shown as its
    /// label.
    pub fn set_value(&mut self, f: Field, value: &str, districts: &Districts) {
        let shown = self.label_of(f, value, districts);
        self.set(f, &shown);
    }

    pub fn text(&self, f: Field) -> &str {
        self.inputs[f.index()].value()
    }

    pub fn input(&self, f: Field) -> &Input {
        &self.inputs[f.index()]
    }

    pub fn set(&mut self, f: Field, value: &str) {
        self.inputs[f.index()] = Input::new(value.to_string());
        self.dirty = true;
        if f == self.focus {
            self.replace_on_type = true;
        }
    }

    /// Whether typing into the focused field replaces a whole value it holds: a list field
    /// of one value (not the referrals, a list of several).
    fn replaces(&self) -> bool {
        self.replace_on_type
            && !matches!(
                self.focus,
                Field::Date | Field::Code | Field::Note | Field::Referrals | Field::Projects
            )
    }

    /// Applies an editing request to the focused field.
    pub fn edit(&mut self, req: InputRequest) -> bool {
        if matches!(req, InputRequest::InsertChar(_)) && self.replaces() {
            self.inputs[self.focus.index()] = Input::default();
        }
        self.replace_on_type = false;
        let changed = self.inputs[self.focus.index()]
            .handle(req)
            .is_some_and(|r| r.value);
        if changed {
            self.dirty = true;
        }
        changed
    }

    /// Puts pasted text into the focused field as typed, on one line ([`pasted_line`]).
    pub fn paste(&mut self, text: &str) -> bool {
        let mut changed = false;
        for c in pasted_line(text).chars() {
            changed |= self.edit(InputRequest::InsertChar(c));
        }
        changed
    }

    /// Whether the age band picks `under18` (so the report-of-concern question is asked).
    pub fn under18(&self) -> bool {
        let bands = choices(Field::AgeBand, &Districts::new(Vec::new()), self.lang);
        pick_choice(self.text(Field::AgeBand), &bands)
            .is_ok_and(|c| c.value == AgeBand::Under18.as_str())
    }

    /// Moves focus to the next field (Tab), completing a picked value's text. The
    /// report-of-concern field is skipped unless the age band is under 18.
    pub fn next(&mut self, districts: &Districts) {
        self.step(districts, 1);
    }

    /// Moves focus straight to `to` (Ctrl-T, Ctrl-R, Ctrl-N), completing the field left as
    /// `Tab` does: the fields a worker changes only now and then are one key away.
    pub fn jump(&mut self, districts: &Districts, to: Field) {
        self.complete(districts);
        if to == Field::Concern && !self.under18() {
            return;
        }
        self.focus = to;
        self.replace_on_type = true;
    }

    pub fn previous(&mut self, districts: &Districts) {
        self.step(districts, Field::ALL.len() - 1);
    }

    fn step(&mut self, districts: &Districts, by: usize) {
        self.complete(districts);
        let n = Field::ALL.len();
        let mut i = (self.focus.index() + by) % n;
        if Field::ALL[i] == Field::Concern && !self.under18() {
            i = (i + by) % n;
        }
        self.focus = Field::ALL[i];
        self.replace_on_type = true;
    }

    /// Writes out the value the focused field's text picks (`so` stays `so` when ambiguous).
    fn complete(&mut self, districts: &Districts) {
        let f = self.focus;
        if let Some(v) = self.picked(f, districts) {
            let shown = self.label_of(f, &v, districts);
            if shown != self.text(f) {
                self.inputs[f.index()] = Input::new(shown);
            }
        }
    }

    /// Steps the focused list field to the next (`forward`) or previous value.
    pub fn cycle(&mut self, districts: &Districts, forward: bool) {
        let f = self.focus;
        if matches!(f, Field::Referrals | Field::Projects) {
            return;
        }
        let ch = self.choices_of(f, districts);
        if ch.is_empty() {
            return;
        }
        let typed = self.text(f).trim().to_lowercase();
        let cur = ch
            .iter()
            .position(|c| c.label.to_lowercase() == typed || c.value == typed);
        let n = ch.len();
        let i = match (cur, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        let v = ch[i].label.clone();
        self.set(f, &v);
    }

    /// The referrals the field's text picks, as `health;housing`. Values are separated by `;`
    /// or `,`; a part that is no value as a whole is read as words separated by spaces (`h b`),
    /// so labels of several words ("skyddat boende") and quick starts both work.
    fn referrals_completed(&self) -> Result<String, Problem> {
        let ch = choices(Field::Referrals, &Districts::new(Vec::new()), self.lang);
        let mut out: Vec<&str> = Vec::new();
        let mut add = |c: &Choice| {
            let v = Referral::ALL
                .iter()
                .find(|r| r.as_str() == c.value)
                .map_or("", |r| r.as_str());
            if !out.contains(&v) {
                out.push(v);
            }
        };
        for part in self.text(Field::Referrals).split([';', ',']) {
            if part.trim().is_empty() {
                continue;
            }
            match pick_choice(part, &ch) {
                Ok(c) => add(c),
                Err(whole) => {
                    let words: Vec<&str> = part.split_whitespace().collect();
                    if words.len() < 2 {
                        return Err(whole);
                    }
                    for w in words {
                        add(pick_choice(w, &ch)?);
                    }
                }
            }
        }
        Ok(out.join(";"))
    }

    /// The projects the field's text names, as `A;B` (the names as the unit wrote them):
    /// each `;`-separated part the start of a project covering the form's date. A part that
    /// names a project of another period is [`Problem::ProjectNotOnDate`].
    fn projects_completed(&self) -> Result<String, Problem> {
        let ch = self.choices_of(Field::Projects, &Districts::new(Vec::new()));
        let mut out: Vec<&str> = Vec::new();
        for part in self.text(Field::Projects).split(';') {
            if part.trim().is_empty() {
                continue;
            }
            match pick_choice(part, &ch) {
                Ok(c) => {
                    if !out.contains(&c.value.as_str()) {
                        out.push(&c.value);
                    }
                }
                Err(Problem::NotAValue) if self.projects.by_name(part).is_some() => {
                    return Err(Problem::ProjectNotOnDate)
                }
                Err(e) => return Err(e),
            }
        }
        if out.len() > crate::domain::MAX_PROJECTS_PER_CONTACT {
            return Err(Problem::TooManyProjects);
        }
        Ok(out.join(";"))
    }

    /// What is wrong with a field's text, if anything.
    pub fn problem(&self, f: Field, districts: &Districts) -> Option<Problem> {
        let t = self.text(f);
        match f {
            Field::Date => match parse_contact_date(t.trim(), self.today) {
                Ok(_) => None,
                Err(_) if crate::domain::parse_date(t.trim()).is_ok() => Some(Problem::FutureDate),
                Err(_) => Some(Problem::BadDate),
            },
            Field::Code => PersonCode::identifier_in(t).map(Problem::CodeIdentifier),
            Field::Note => {
                if check_note_length(t).is_err() {
                    return Some(Problem::NoteTooLong);
                }
                find_identifiers(t)
                    .first()
                    .map(|k| Problem::NoteIdentifier(*k))
            }
            Field::Referrals => self.referrals_completed().err(),
            Field::Projects => self.projects_completed().err(),
            Field::Concern if !self.under18() => None,
            _ => pick_choice(t, &choices(f, districts, self.lang)).err(),
        }
    }

    /// The value the field's text picks (for enumerated fields): its one spelling.
    pub fn picked(&self, f: Field, districts: &Districts) -> Option<String> {
        match f {
            Field::Referrals => self.referrals_completed().ok().filter(|s| !s.is_empty()),
            Field::Projects => self.projects_completed().ok().filter(|s| !s.is_empty()),
            Field::Date | Field::Code | Field::Note => None,
            _ => pick_choice(self.text(f), &choices(f, districts, self.lang))
                .ok()
                .map(|c| c.value.clone()),
        }
    }

    /// The value the field's text picks, as shown beside it (in the form's language).
    pub fn picked_label(&self, f: Field, districts: &Districts) -> Option<String> {
        self.picked(f, districts)
            .map(|v| self.label_of(f, &v, districts))
    }

    pub fn problems(&self, districts: &Districts) -> Vec<(Field, Problem)> {
        Field::ALL
            .iter()
            .filter_map(|f| self.problem(*f, districts).map(|p| (*f, p)))
            .collect()
    }

    /// The contact the form holds, if every field is valid: the values the fields pick,
    /// parsed by the same [`ContactInput::parse`] as `add` and `import` (the under-18 answer
    /// required, as on the command line).
    pub fn values(&self, districts: &Districts) -> Option<NewContact> {
        if !self.problems(districts).is_empty() {
            return None;
        }
        let p = |f| self.picked(f, districts).unwrap_or_default();
        let (role, gender, age_band, counterpart) = (
            p(Field::Role),
            p(Field::Gender),
            p(Field::AgeBand),
            p(Field::Counterpart),
        );
        let (district, contact_type, trafficking) = (
            p(Field::District),
            p(Field::ContactType),
            p(Field::Trafficking),
        );
        let referrals = self.referrals_completed().ok()?;
        let projects = self.projects_completed().ok()?;
        let concern = if self.under18() {
            p(Field::Concern)
        } else {
            String::new()
        };
        ContactInput {
            date: self.text(Field::Date).trim(),
            code: self.text(Field::Code),
            role: &role,
            gender: &gender,
            age_band: &age_band,
            counterpart: &counterpart,
            district: &district,
            contact_type: &contact_type,
            referrals: &referrals,
            trafficking: &trafficking,
            note: self.text(Field::Note),
            concern: &concern,
            projects: &projects,
            field_night: self.field_night,
        }
        .parse(
            (districts, &self.projects),
            self.today,
            ConcernAnswer::Required,
        )
        .ok()
    }

    /// Prefills role, gender, age band and counterpart from a person's latest contact.
    pub fn prefill(&mut self, a: &Attributes) {
        let none = Districts::new(Vec::new());
        self.set_value(Field::Role, a.role.as_str(), &none);
        self.set_value(Field::Gender, a.gender.as_str(), &none);
        self.set_value(Field::AgeBand, a.age_band.as_str(), &none);
        self.set_value(Field::Counterpart, a.counterpart.as_str(), &none);
    }

    /// The form for the next contact: date, district and contact type carried over, the rest
    /// empty, focus on the code.
    pub fn carried_over(&self, districts: &Districts) -> ContactForm {
        let date =
            parse_contact_date(self.text(Field::Date).trim(), self.today).unwrap_or(self.today);
        let (district, ct) = match &self.night_defaults {
            Some((district, ct)) => (district.clone(), *ct),
            None => (
                self.picked(Field::District, districts),
                self.picked(Field::ContactType, districts)
                    .and_then(|t| t.parse().ok()),
            ),
        };
        let mut next =
            ContactForm::new(self.today, date, district.as_deref(), ct, self.field_night)
                .with_projects(&self.projects)
                .with_night_project(self.night_project.clone());
        // Without a field night, the next contact starts in the last one's projects.
        if self.night_defaults.is_none() {
            if let Some(p) = self.picked(Field::Projects, districts) {
                next.inputs[Field::Projects.index()] = Input::new(p);
            }
        }
        next.in_lang(self.lang, districts)
    }
}

/// The field-night form: date, kind, district, staff count, and an optional project.
#[derive(Debug, Clone)]
pub struct NightForm {
    pub inputs: [Input; 5],
    pub focus: usize,
    pub today: Date,
    /// Set by any edit since the form was opened.
    pub dirty: bool,
    /// As the contact form's: the first character typed into a list field holding a whole
    /// value replaces it.
    replace_on_type: bool,
    /// The language values are shown, and typed, in.
    pub lang: Lang,
    /// The unit's projects, which the project field picks from (those covering the date).
    pub projects: Projects,
}

impl NightForm {
    pub const DATE: usize = 0;
    pub const KIND: usize = 1;
    pub const DISTRICT: usize = 2;
    pub const STAFF: usize = 3;
    /// Optional: the project the night's contacts start in.
    pub const PROJECT: usize = 4;
    const FIELDS: usize = 5;

    pub fn new(today: Date) -> Self {
        NightForm {
            inputs: [
                Input::new(today.format("%Y-%m-%d").to_string()),
                Input::new("street".into()),
                Input::default(),
                Input::new("2".into()),
                Input::default(),
            ],
            focus: Self::DISTRICT,
            today,
            dirty: false,
            replace_on_type: false,
            lang: Lang::En,
            projects: Projects::default(),
        }
    }

    /// The form picking its project from the unit's `projects`.
    pub fn with_projects(mut self, projects: &Projects) -> Self {
        self.projects = projects.clone();
        self
    }

    /// The form with its values shown, and typed, in `lang`.
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self.inputs[Self::KIND] = Input::new(FieldNightKind::Street.label(lang).to_string());
        self
    }

    /// The values of field `i`, labelled in the form's language.
    pub fn choices(&self, i: usize, districts: &Districts) -> Vec<Choice> {
        match i {
            Self::KIND => FieldNightKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.as_str().to_string(),
                    label: k.label(self.lang).to_string(),
                })
                .collect(),
            Self::DISTRICT => district_choices(districts, self.lang),
            Self::PROJECT => {
                let date =
                    parse_contact_date(self.inputs[Self::DATE].value().trim(), self.today).ok();
                project_choices(&self.projects, date)
            }
            _ => Vec::new(),
        }
    }

    pub fn edit(&mut self, req: InputRequest) {
        if matches!(req, InputRequest::InsertChar(_))
            && self.replace_on_type
            && matches!(self.focus, Self::KIND | Self::DISTRICT | Self::PROJECT)
        {
            self.inputs[self.focus] = Input::default();
        }
        self.replace_on_type = false;
        if self.inputs[self.focus].handle(req).is_some_and(|r| r.value) {
            self.dirty = true;
        }
    }

    /// Puts pasted text into the focused field as typed, on one line.
    pub fn paste(&mut self, text: &str) {
        for c in pasted_line(text).chars() {
            self.edit(InputRequest::InsertChar(c));
        }
    }

    pub fn next(&mut self, districts: &Districts, forward: bool) {
        let ch = self.choices(self.focus, districts);
        if !ch.is_empty() {
            if let Ok(c) = pick_choice(self.inputs[self.focus].value(), &ch) {
                self.inputs[self.focus] = Input::new(c.label.clone());
            }
        }
        self.focus = if forward {
            (self.focus + 1) % Self::FIELDS
        } else {
            (self.focus + Self::FIELDS - 1) % Self::FIELDS
        };
        self.replace_on_type = true;
    }

    pub fn cycle(&mut self, districts: &Districts, forward: bool) {
        let ch = self.choices(self.focus, districts);
        if ch.is_empty() {
            return;
        }
        let typed = self.inputs[self.focus].value().trim().to_lowercase();
        let cur = ch
            .iter()
            .position(|c| c.label.to_lowercase() == typed || c.value == typed);
        let n = ch.len();
        self.dirty = true;
        let i = match (cur, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.inputs[self.focus] = Input::new(ch[i].label.clone());
        self.replace_on_type = true;
    }

    pub fn problem(&self, i: usize, districts: &Districts) -> Option<Problem> {
        let t = self.inputs[i].value().trim();
        match i {
            Self::DATE => match parse_contact_date(t, self.today) {
                Ok(_) => None,
                Err(_) if crate::domain::parse_date(t).is_ok() => Some(Problem::FutureDate),
                Err(_) => Some(Problem::BadDate),
            },
            Self::STAFF => crate::domain::parse_staff(t)
                .err()
                .map(|_| Problem::BadStaff),
            // Empty: no project. A project of another period is named as such.
            Self::PROJECT if t.is_empty() => None,
            Self::PROJECT => match pick_choice(t, &self.choices(i, districts)) {
                Err(Problem::NotAValue) if self.projects.by_name(t).is_some() => {
                    Some(Problem::ProjectNotOnDate)
                }
                r => r.err(),
            },
            _ => pick_choice(t, &self.choices(i, districts)).err(),
        }
    }

    /// The value field `i` picks: its one spelling.
    pub fn picked(&self, i: usize, districts: &Districts) -> Option<String> {
        pick_choice(self.inputs[i].value(), &self.choices(i, districts))
            .ok()
            .map(|c| c.value.clone())
    }

    /// The value field `i` picks, as shown beside it.
    pub fn picked_label(&self, i: usize, districts: &Districts) -> Option<String> {
        pick_choice(self.inputs[i].value(), &self.choices(i, districts))
            .ok()
            .map(|c| c.label.clone())
    }

    /// The field night the form holds, if every field is valid, parsed by the same
    /// [`FieldNightInput::parse`] as `uppsok night add`.
    pub fn values(&self, districts: &Districts) -> Option<(Date, FieldNightDetails)> {
        if (0..Self::FIELDS).any(|i| self.problem(i, districts).is_some()) {
            return None;
        }
        let project = match self.picked(Self::PROJECT, districts) {
            Some(name) => Some(self.projects.by_name(&name)?.id),
            None => None,
        };
        FieldNightInput {
            date: self.inputs[Self::DATE].value().trim(),
            kind: &self.picked(Self::KIND, districts)?,
            district: &self.picked(Self::DISTRICT, districts)?,
            staff: self.inputs[Self::STAFF].value().trim(),
        }
        .parse(districts, self.today)
        .ok()
        .map(|(date, details)| (date, FieldNightDetails { project, ..details }))
    }
}

/// The contact type a field night of this kind suggests.
pub fn contact_type_for(kind: FieldNightKind) -> ContactType {
    match kind {
        FieldNightKind::Street => ContactType::Outreach,
        FieldNightKind::Online => ContactType::Online,
        FieldNightKind::Police => ContactType::Police,
    }
}

/// The activity form: date, kind, audience, participants, note.
#[derive(Debug, Clone)]
pub struct ActivityForm {
    pub inputs: [Input; 5],
    pub focus: usize,
    pub today: Date,
    /// As the contact form's: the first character typed into a list field holding a whole
    /// value replaces it.
    replace_on_type: bool,
    /// The language values are shown, and typed, in.
    pub lang: Lang,
}

impl ActivityForm {
    pub const DATE: usize = 0;
    pub const KIND: usize = 1;
    pub const AUDIENCE: usize = 2;
    pub const PARTICIPANTS: usize = 3;
    pub const NOTE: usize = 4;
    const FIELDS: usize = 5;

    /// An empty form dated today, its values shown in `lang`.
    pub fn new(today: Date, lang: Lang) -> Self {
        let mut inputs: [Input; 5] = Default::default();
        inputs[Self::DATE] = Input::new(today.format("%Y-%m-%d").to_string());
        ActivityForm {
            inputs,
            focus: Self::KIND,
            today,
            replace_on_type: false,
            lang,
        }
    }

    /// The values of field `i`, labelled in the form's language.
    pub fn choices(&self, i: usize) -> Vec<Choice> {
        use crate::domain::{ActivityKind, Audience};
        match i {
            Self::KIND => ActivityKind::ALL
                .iter()
                .map(|k| Choice {
                    value: k.as_str().to_string(),
                    label: k.label(self.lang).to_string(),
                })
                .collect(),
            Self::AUDIENCE => Audience::ALL
                .iter()
                .map(|a| Choice {
                    value: a.as_str().to_string(),
                    label: a.label(self.lang).to_string(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn edit(&mut self, req: InputRequest) {
        if matches!(req, InputRequest::InsertChar(_))
            && self.replace_on_type
            && matches!(self.focus, Self::KIND | Self::AUDIENCE)
        {
            self.inputs[self.focus] = Input::default();
        }
        self.replace_on_type = false;
        self.inputs[self.focus].handle(req);
    }

    /// Puts pasted text into the focused field as typed, on one line.
    pub fn paste(&mut self, text: &str) {
        for c in pasted_line(text).chars() {
            self.edit(InputRequest::InsertChar(c));
        }
    }

    /// To the next (`forward`) or previous field, writing out the value a list field picks.
    pub fn next(&mut self, forward: bool) {
        if let Some(v) = self.picked_label(self.focus) {
            self.inputs[self.focus] = Input::new(v);
        }
        self.focus = if forward {
            (self.focus + 1) % Self::FIELDS
        } else {
            (self.focus + Self::FIELDS - 1) % Self::FIELDS
        };
        self.replace_on_type = true;
    }

    /// Steps the focused list field to the next (`forward`) or previous value.
    pub fn cycle(&mut self, forward: bool) {
        let ch = self.choices(self.focus);
        if ch.is_empty() {
            return;
        }
        let typed = self.inputs[self.focus].value().trim().to_lowercase();
        let cur = ch
            .iter()
            .position(|c| c.label.to_lowercase() == typed || c.value == typed);
        let n = ch.len();
        let i = match (cur, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.inputs[self.focus] = Input::new(ch[i].label.clone());
        self.replace_on_type = true;
    }

    /// Whether any field holds input (beyond the date it starts with).
    pub fn dirty(&self) -> bool {
        self.inputs[1..].iter().any(|i| !i.value().is_empty())
    }

    pub fn problem(&self, i: usize) -> Option<Problem> {
        let t = self.inputs[i].value().trim();
        match i {
            Self::DATE => match parse_contact_date(t, self.today) {
                Ok(_) => None,
                Err(_) if crate::domain::parse_date(t).is_ok() => Some(Problem::FutureDate),
                Err(_) => Some(Problem::BadDate),
            },
            Self::PARTICIPANTS if t.is_empty() => Some(Problem::Required),
            Self::PARTICIPANTS => crate::domain::parse_participants(t)
                .err()
                .map(|_| Problem::BadParticipants),
            Self::NOTE => {
                let t = self.inputs[i].value();
                if check_note_length(t).is_err() {
                    return Some(Problem::NoteTooLong);
                }
                find_identifiers(t)
                    .first()
                    .map(|k| Problem::NoteIdentifier(*k))
            }
            _ => pick_choice(t, &self.choices(i)).err(),
        }
    }

    /// The value field `i` picks: its one spelling.
    pub fn picked(&self, i: usize) -> Option<String> {
        pick_choice(self.inputs[i].value(), &self.choices(i))
            .ok()
            .map(|c| c.value.clone())
    }

    /// The value field `i` picks, as shown beside it.
    pub fn picked_label(&self, i: usize) -> Option<String> {
        pick_choice(self.inputs[i].value(), &self.choices(i))
            .ok()
            .map(|c| c.label.clone())
    }

    /// The activity the form holds, if every field is valid, parsed by the same
    /// [`ActivityInput::parse`](crate::domain::ActivityInput::parse) as `uppsok activity add`.
    pub fn values(&self) -> Option<(Date, crate::domain::ActivityDetails)> {
        if (0..Self::FIELDS).any(|i| self.problem(i).is_some()) {
            return None;
        }
        crate::domain::ActivityInput {
            date: self.inputs[Self::DATE].value().trim(),
            kind: &self.picked(Self::KIND)?,
            audience: &self.picked(Self::AUDIENCE)?,
            participants: self.inputs[Self::PARTICIPANTS].value().trim(),
        }
        .parse(self.today)
        .ok()
    }

    pub fn note(&self) -> &str {
        self.inputs[Self::NOTE].value()
    }
}
