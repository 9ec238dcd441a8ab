//! Form state without drawing: the contact form and the field-night form. Pure logic on text
//! inputs (tui-input), so the state tests need neither a terminal nor a database.

use tui_input::{Input, InputRequest};

use crate::domain::{
    check_note_length, parse_contact_date, AgeBand, Attributes, ConcernReport, ContactType,
    Counterpart, Date, District, Districts, FieldNightDetails, FieldNightKind, Gender, PersonCode,
    Referral, Referrals, Role,
};
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
    Trafficking,
    Note,
}

impl Field {
    pub const ALL: [Field; 12] = [
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
}

/// The value a typed text picks from `choices`: an exact value, or the one value it is the
/// start of. Several candidates are a [`Problem::Ambiguous`].
pub fn pick<'a>(text: &str, choices: &[&'a str]) -> Result<&'a str, Problem> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Err(Problem::Required);
    }
    // One key each for the values that share their first letters with another: `<` for
    // `under18` (which `u` would share with `unknown`, and the under-18 routine must never
    // hang on a guess) and `?` for `unknown`, in every field that has them.
    for (alias, value) in ALIASES {
        if t == *alias {
            if let Some(c) = choices.iter().find(|c| **c == *value) {
                return Ok(c);
            }
        }
    }
    if let Some(c) = choices.iter().find(|c| **c == t) {
        return Ok(c);
    }
    let starts: Vec<&str> = choices
        .iter()
        .copied()
        .filter(|c| c.starts_with(t.as_str()))
        .collect();
    match starts.len() {
        0 => Err(Problem::NotAValue),
        1 => Ok(starts[0]),
        _ => Err(Problem::Ambiguous(
            starts.iter().map(|s| s.to_string()).collect(),
        )),
    }
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

/// The values of an enumerated field.
pub fn choices(field: Field, districts: &Districts) -> Vec<&str> {
    fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    match field {
        Field::Role => names(Role::ALL, Role::as_str),
        Field::Gender => names(Gender::ALL, Gender::as_str),
        Field::AgeBand => names(AgeBand::ALL, AgeBand::as_str),
        Field::Concern => names(ConcernReport::ALL, ConcernReport::as_str),
        Field::Counterpart => names(Counterpart::ALL, Counterpart::as_str),
        Field::ContactType => names(ContactType::ALL, ContactType::as_str),
        Field::Referrals => names(Referral::ALL, Referral::as_str),
        Field::Trafficking => vec!["no", "yes"],
        Field::District => districts.all().iter().map(|d| d.as_str()).collect(),
        Field::Date | Field::Code | Field::Note => Vec::new(),
    }
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
        }
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
                Field::Date | Field::Code | Field::Note | Field::Referrals
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
        let bands: Vec<&str> = AgeBand::ALL.iter().map(|a| a.as_str()).collect();
        pick(self.text(Field::AgeBand), &bands) == Ok(AgeBand::Under18.as_str())
    }

    /// Moves focus to the next field (Tab), completing a picked value's text. The
    /// report-of-concern field is skipped unless the age band is under 18.
    pub fn next(&mut self, districts: &Districts) {
        self.step(districts, 1);
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
        let ch = choices(f, districts);
        if ch.is_empty() {
            return;
        }
        if f == Field::Referrals {
            if let Ok(list) = self.referrals_completed() {
                if list != self.text(f) {
                    self.inputs[f.index()] = Input::new(list);
                }
            }
            return;
        }
        if let Ok(v) = pick(self.text(f), &ch) {
            if v != self.text(f) {
                let v = v.to_string();
                self.inputs[f.index()] = Input::new(v);
            }
        }
    }

    /// Steps the focused list field to the next (`forward`) or previous value.
    pub fn cycle(&mut self, districts: &Districts, forward: bool) {
        let f = self.focus;
        if f == Field::Referrals {
            return;
        }
        let ch = choices(f, districts);
        if ch.is_empty() {
            return;
        }
        let cur = ch.iter().position(|c| *c == self.text(f).trim());
        let n = ch.len();
        let i = match (cur, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        let v = ch[i].to_string();
        self.set(f, &v);
    }

    fn referrals_completed(&self) -> Result<String, Problem> {
        let ch: Vec<&str> = Referral::ALL.iter().map(|r| r.as_str()).collect();
        let mut out = Vec::new();
        for part in self.text(Field::Referrals).split([';', ',', ' ']) {
            if part.trim().is_empty() {
                continue;
            }
            out.push(pick(part, &ch)?);
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
            Field::Concern if !self.under18() => None,
            _ => pick(t, &choices(f, districts)).err(),
        }
    }

    /// The value the field's text picks (for enumerated fields), for showing beside it.
    pub fn picked(&self, f: Field, districts: &Districts) -> Option<String> {
        match f {
            Field::Referrals => self.referrals_completed().ok().filter(|s| !s.is_empty()),
            Field::Date | Field::Code | Field::Note => None,
            _ => pick(self.text(f), &choices(f, districts))
                .ok()
                .map(str::to_string),
        }
    }

    pub fn problems(&self, districts: &Districts) -> Vec<(Field, Problem)> {
        Field::ALL
            .iter()
            .filter_map(|f| self.problem(*f, districts).map(|p| (*f, p)))
            .collect()
    }

    /// The date, attributes and under-18 answer the form holds, if every field is valid.
    pub fn values(
        &self,
        districts: &Districts,
    ) -> Option<(Date, Attributes, Option<ConcernReport>)> {
        if !self.problems(districts).is_empty() {
            return None;
        }
        let p = |f| self.picked(f, districts).unwrap_or_default();
        let date = parse_contact_date(self.text(Field::Date).trim(), self.today).ok()?;
        let concern = if self.under18() {
            Some(p(Field::Concern).parse().ok()?)
        } else {
            None
        };
        Some((
            date,
            Attributes {
                role: p(Field::Role).parse().ok()?,
                gender: p(Field::Gender).parse().ok()?,
                age_band: p(Field::AgeBand).parse().ok()?,
                counterpart: p(Field::Counterpart).parse().ok()?,
                district: districts.parse(&p(Field::District)).ok()?,
                contact_type: p(Field::ContactType).parse().ok()?,
                referrals: self.referrals_completed().ok()?.parse::<Referrals>().ok()?,
                trafficking: p(Field::Trafficking) == "yes",
                concern,
            },
            concern,
        ))
    }

    /// Prefills role, gender, age band and counterpart from a person's latest contact.
    pub fn prefill(&mut self, a: &Attributes) {
        self.set(Field::Role, a.role.as_str());
        self.set(Field::Gender, a.gender.as_str());
        self.set(Field::AgeBand, a.age_band.as_str());
        self.set(Field::Counterpart, a.counterpart.as_str());
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
        ContactForm::new(self.today, date, district.as_deref(), ct, self.field_night)
    }
}

/// The field-night form: date, kind, district, staff count.
#[derive(Debug, Clone)]
pub struct NightForm {
    pub inputs: [Input; 4],
    pub focus: usize,
    pub today: Date,
    /// Set by any edit since the form was opened.
    pub dirty: bool,
    /// As the contact form's: the first character typed into a list field holding a whole
    /// value replaces it.
    replace_on_type: bool,
}

impl NightForm {
    pub const DATE: usize = 0;
    pub const KIND: usize = 1;
    pub const DISTRICT: usize = 2;
    pub const STAFF: usize = 3;

    pub fn new(today: Date) -> Self {
        NightForm {
            inputs: [
                Input::new(today.format("%Y-%m-%d").to_string()),
                Input::new("street".into()),
                Input::default(),
                Input::new("2".into()),
            ],
            focus: Self::DISTRICT,
            today,
            dirty: false,
            replace_on_type: false,
        }
    }

    pub fn choices<'a>(&self, i: usize, districts: &'a Districts) -> Vec<&'a str> {
        match i {
            Self::KIND => FieldNightKind::ALL.iter().map(|k| k.as_str()).collect(),
            Self::DISTRICT => districts.all().iter().map(|d| d.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    pub fn edit(&mut self, req: InputRequest) {
        if matches!(req, InputRequest::InsertChar(_))
            && self.replace_on_type
            && matches!(self.focus, Self::KIND | Self::DISTRICT)
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
            if let Ok(v) = pick(self.inputs[self.focus].value(), &ch) {
                self.inputs[self.focus] = Input::new(v.to_string());
            }
        }
        self.focus = if forward {
            (self.focus + 1) % 4
        } else {
            (self.focus + 3) % 4
        };
        self.replace_on_type = true;
    }

    pub fn cycle(&mut self, districts: &Districts, forward: bool) {
        let ch = self.choices(self.focus, districts);
        if ch.is_empty() {
            return;
        }
        let cur = ch
            .iter()
            .position(|c| *c == self.inputs[self.focus].value().trim());
        let n = ch.len();
        self.dirty = true;
        let i = match (cur, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.inputs[self.focus] = Input::new(ch[i].to_string());
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
            Self::STAFF => match t.parse::<u8>() {
                Ok(1..=99) => None,
                _ => Some(Problem::BadStaff),
            },
            _ => pick(t, &self.choices(i, districts)).err(),
        }
    }

    pub fn picked(&self, i: usize, districts: &Districts) -> Option<String> {
        pick(self.inputs[i].value(), &self.choices(i, districts))
            .ok()
            .map(str::to_string)
    }

    pub fn values(&self, districts: &Districts) -> Option<(Date, FieldNightDetails)> {
        if (0..4).any(|i| self.problem(i, districts).is_some()) {
            return None;
        }
        let date = parse_contact_date(self.inputs[Self::DATE].value().trim(), self.today).ok()?;
        Some((
            date,
            FieldNightDetails {
                kind: self.picked(Self::KIND, districts)?.parse().ok()?,
                district: District::new(&self.picked(Self::DISTRICT, districts)?).ok()?,
                staff: self.inputs[Self::STAFF].value().trim().parse().ok()?,
            },
        ))
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
