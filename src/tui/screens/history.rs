//! A person's history or a field night's contacts (notes shown; the vault logged the view):
//! each contact open to edit (the form goes over this screen) or to delete with a reason.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;
use zeroize::Zeroizing;

use super::contact::Contact;
use super::Screen;
use crate::domain::PersonCode;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Change, Go, Message, Popup};
use crate::tui::form::{ContactForm, Field};
use crate::tui::keys::{h, help_key, quit, when, Help, Key::*};
use crate::vault::{ChangeReason, ContactDetails};

pub static HELP: &[Help<History>] = &[
    when(&[Up, Down], Does::ChooseContact, |h, _| h.items.len() > 1),
    h(&[Char('e'), Enter], Does::EditContact),
    h(&[Char('d')], Does::DeleteContact),
    h(&[Esc], Does::Back),
    help_key(),
    quit(),
];

/// Whose contacts a history screen lists.
#[derive(Clone)]
pub enum HistoryOf {
    /// A person's, newest first: the code as typed, to reload after a change (zeroized when
    /// dropped).
    Person(Zeroizing<String>),
    /// A field night's, in the order they were logged: the way to a contact without a code.
    Night(i64),
}

/// The history screen: a person's or a field night's contacts, each open to edit or delete.
pub struct History {
    pub of: HistoryOf,
    pub items: Vec<ContactDetails>,
    pub selected: usize,
}

/// What reading a history found.
enum Loaded {
    Found(History),
    /// No contact (left): the code is not known, or the last one was deleted.
    Empty,
    /// Reading failed (the message says why).
    Failed,
}

/// Reads the contacts (the vault logs the view), keeping the selection where it can.
fn load(app: &mut App, of: HistoryOf, selected: usize) -> Loaded {
    let Some(s) = app.session.as_mut() else {
        return Loaded::Failed;
    };
    let found = match &of {
        HistoryOf::Person(code_text) => match PersonCode::normalise(code_text) {
            Some(code) => s.vault.persons().history(&code),
            None => return Loaded::Empty,
        },
        HistoryOf::Night(id) => s.vault.contacts().of_night(*id).map(Some),
    };
    match found {
        Ok(Some(items)) if !items.is_empty() => {
            let selected = selected.min(items.len().saturating_sub(1));
            Loaded::Found(History {
                of,
                items,
                selected,
            })
        }
        Ok(_) => Loaded::Empty,
        Err(e) => {
            app.error(&e);
            Loaded::Failed
        }
    }
}

/// Ctrl-O in the contact form: the known person's history, with notes, over the form.
pub fn open_person(app: &mut App, code_text: &str) -> Option<Go> {
    match load(
        app,
        HistoryOf::Person(Zeroizing::new(code_text.to_string())),
        0,
    ) {
        Loaded::Found(h) => Some(Go::Over(Screen::Person(h))),
        Loaded::Empty => None,
        Loaded::Failed => Some(Go::Stay),
    }
}

/// `e` on the field nights' list: the night's contacts, over the list (nothing when it has
/// none).
pub fn open_night(app: &mut App, night: i64) -> Go {
    match load(app, HistoryOf::Night(night), 0) {
        Loaded::Found(h) => Go::Over(Screen::Person(h)),
        _ => Go::Stay,
    }
}

impl History {
    pub fn of_night(&self) -> bool {
        matches!(self.of, HistoryOf::Night(_))
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < self.items.len() => self.selected += 1,
            Action::EditContact | Action::Submit => return self.edit_selected(app),
            Action::DeleteContact => {
                if let Some(d) = self.items.get(self.selected) {
                    app.popup = Some(Popup::Reason {
                        change: Change::Delete {
                            id: d.contact.id,
                            date: d.contact.date,
                            attributes: d.contact.attributes.clone(),
                        },
                        selected: 0,
                    })
                }
            }
            Action::Back => return Go::Back,
            _ => {}
        }
        Go::Stay
    }

    /// Opens the selected contact in the form, to edit, over this screen (and so over the
    /// logging form under it, which comes back when the edit is done).
    fn edit_selected(&self, app: &mut App) -> Go {
        let Some(d) = self.items.get(self.selected) else {
            return Go::Stay;
        };
        let c = &d.contact;
        let mut f = ContactForm::new(app.today, c.date, None, None, c.field_night);
        let a = &c.attributes;
        // The contact's projects, by name, as the unit wrote them.
        if let Some(s) = app.session.as_ref() {
            f = f.with_projects(s.vault.projects());
            f.set(Field::Projects, &s.vault.projects().names(&a.projects));
        }
        f.set(Field::Role, a.role.as_str());
        f.set(Field::Gender, a.gender.as_str());
        f.set(Field::AgeBand, a.age_band.as_str());
        if let Some(k) = d.concern {
            f.set(Field::Concern, k.as_str());
        }
        f.set(Field::Counterpart, a.counterpart.as_str());
        f.set(Field::District, a.district.as_str());
        f.set(Field::ContactType, a.contact_type.as_str());
        f.set(Field::Referrals, &a.referrals.to_csv());
        f.set(Field::Trafficking, crate::domain::yes_no(a.trafficking));
        f.set(Field::Note, &c.note);
        let districts = app
            .session
            .as_ref()
            .map(|s| s.vault.districts().clone())
            .unwrap_or_default();
        let mut f = f.in_lang(app.lang, &districts);
        f.dirty = false;
        f.focus = Field::Role;
        Go::Over(Screen::Contact(Contact::editing(f, c.id)))
    }

    /// Reads the contacts again after a change: back when none is left.
    pub fn reload(&mut self, app: &mut App) -> Go {
        match load(app, self.of.clone(), self.selected) {
            Loaded::Found(h) => {
                *self = h;
                Go::Stay
            }
            Loaded::Empty => Go::Back,
            Loaded::Failed => Go::Stay,
        }
    }

    /// Deletes the contact the question named, with the reason chosen.
    pub fn change(&mut self, app: &mut App, change: Change, reason: ChangeReason) -> Go {
        let Change::Delete { id, .. } = change else {
            return Go::Stay;
        };
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        match s.vault.contacts().delete(id, reason) {
            Ok(()) => {
                s.overview = None;
                app.message = Some(Message::Info(app.text().contact_deleted.into()));
                self.reload(app)
            }
            Err(e) => {
                app.error(&e);
                Go::Stay
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let l = app.lang.text();
        let h = self;
        let [list, note, hint] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(6),
            Constraint::Length(1),
        ])
        .areas(body);
        // A night's contacts say which have a code: the ones without are reached only here.
        let of_night = matches!(h.of, HistoryOf::Night(_));
        let rows: Vec<Row> = h
            .items
            .iter()
            .map(|d| {
                let a = &d.contact.attributes;
                let code = match d.contact.pseudonym {
                    Some(_) => t.code_given,
                    None => t.code_none,
                };
                let first = of_night.then(|| code.to_string());
                Row::new(
                    first.into_iter().chain([
                        d.contact.date.format("%Y-%m-%d").to_string(),
                        a.role.label(app.lang).to_string(),
                        a.gender.label(app.lang).to_string(),
                        a.age_band.label(app.lang).to_string(),
                        a.district.label(app.lang),
                        a.contact_type.label(app.lang).to_string(),
                        d.concern
                            .map(|c| c.label(app.lang).to_string())
                            .unwrap_or_default(),
                    ]),
                )
            })
            .collect();
        let first = of_night.then_some(t.code_column);
        let header = Row::new(first.into_iter().chain([
            t.date,
            l.role,
            l.gender,
            l.age_band,
            l.district,
            l.contact_type,
            t.concern,
        ]))
        .style(Style::new().add_modifier(Modifier::BOLD));
        let mut state = TableState::default().with_selected(Some(h.selected));
        let what = match h.of {
            HistoryOf::Person(_) => t.person_title.to_string(),
            HistoryOf::Night(id) => {
                match app
                    .session
                    .as_ref()
                    .and_then(|s| s.nights.iter().find(|n| n.id == id))
                {
                    Some(n) => format!(
                        "{} {} {}",
                        t.night_capital,
                        n.date.format("%Y-%m-%d"),
                        n.details.district.label(app.lang)
                    ),
                    None => format!("{} {id}", t.night_capital),
                }
            }
        };
        let title = format!(
            " {} · {} {} ",
            what,
            app.lang.number(h.items.len() as u64),
            if h.items.len() == 1 {
                t.contact_one
            } else {
                t.contacts_many
            }
        );
        frame.render_stateful_widget(
            Table::new(
                rows,
                of_night
                    .then_some(Constraint::Length(5))
                    .into_iter()
                    .chain([
                        Constraint::Length(10),
                        Constraint::Length(7),
                        Constraint::Length(9),
                        Constraint::Length(8),
                        Constraint::Length(12),
                        Constraint::Length(11),
                        Constraint::Min(6),
                    ]),
            )
            .header(header)
            .highlight_symbol("▶ ")
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .block(Block::default().borders(Borders::ALL).title(title)),
            list,
            &mut state,
        );
        let text = h
            .items
            .get(h.selected)
            .map(|d| {
                if d.contact.note.is_empty() {
                    t.no_note.to_string()
                } else {
                    d.contact.note.to_string()
                }
            })
            .unwrap_or_default();
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", t.note)),
            ),
            note,
        );
        crate::tui::ui::draw_hint(frame, t.person_hint, hint);
    }
}
