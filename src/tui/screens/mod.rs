//! The screens, one file each, as gitui's components: each screen owns its state, what its
//! keys do (`update`, returning where to go), its drawing (`draw(&self)`: no logic, nothing
//! changed) and the keys its help lists (`HELP`, data that `tests/tui_snapshots.rs` presses
//! one by one). [`Screen`] has one variant per screen, owning that screen's state; this file
//! only routes to them.
//!
//! A new screen is one file here (state, `open`, `update`, `draw`, `HELP`), one variant of
//! [`Screen`] and [`ScreenId`] with a line in each `match` below, and its strings in
//! `src/i18n.rs`.

pub mod activities;
pub mod audit;
pub mod contact;
pub mod history;
pub mod merge;
pub mod night_form;
pub mod nights;
pub mod overview;
pub mod statistics;
pub mod unlock;
pub mod users;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::app::{Action, App, Change, Confirm, Go};
use super::keys::HelpLine;
use crate::i18n::TuiText;
use crate::vault::ChangeReason;

/// The screen that is up, with its state.
pub enum Screen {
    Unlock(unlock::Unlock),
    Overview,
    Nights(nights::Nights),
    NightForm(night_form::NewNight),
    Contact(contact::Contact),
    Statistics(statistics::Statistics),
    /// A person's or a field night's contacts.
    Person(history::History),
    Merge(merge::Merge),
    Audit(audit::Audit),
    Users(users::Users),
    Activities(activities::Activities),
}

/// Which screen, without its state (to compare and to name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenId {
    Unlock,
    Overview,
    Nights,
    NightForm,
    Contact,
    Statistics,
    Person,
    Merge,
    Audit,
    Users,
    Activities,
}

impl Screen {
    pub fn id(&self) -> ScreenId {
        match self {
            Screen::Unlock(_) => ScreenId::Unlock,
            Screen::Overview => ScreenId::Overview,
            Screen::Nights(_) => ScreenId::Nights,
            Screen::NightForm(_) => ScreenId::NightForm,
            Screen::Contact(_) => ScreenId::Contact,
            Screen::Statistics(_) => ScreenId::Statistics,
            Screen::Person(_) => ScreenId::Person,
            Screen::Merge(_) => ScreenId::Merge,
            Screen::Audit(_) => ScreenId::Audit,
            Screen::Users(_) => ScreenId::Users,
            Screen::Activities(_) => ScreenId::Activities,
        }
    }

    /// What the screen's action does; where to go next.
    pub(super) fn update(&mut self, app: &mut App, action: Action) -> Go {
        match self {
            Screen::Unlock(s) => s.update(app, action),
            Screen::Overview => overview::update(app, action),
            Screen::Nights(s) => s.update(app, action),
            Screen::NightForm(s) => s.update(app, action),
            Screen::Contact(s) => s.update(app, action),
            Screen::Statistics(s) => s.update(app, action),
            Screen::Person(s) => s.update(app, action),
            Screen::Merge(s) => s.update(app, action),
            Screen::Audit(s) => s.update(app, action),
            Screen::Users(s) => s.update(app, action),
            Screen::Activities(s) => s.update(app, action),
        }
    }

    /// "Yes" to the question this screen asked: exactly what the question carries.
    pub(super) fn confirmed(&mut self, app: &mut App, c: Confirm) -> Go {
        match self {
            Screen::NightForm(s) => s.confirmed(app, c),
            Screen::Contact(s) => s.confirmed(app, c),
            Screen::Merge(s) => s.confirmed(app, c),
            Screen::Users(s) => s.confirmed(app, c),
            Screen::Activities(s) => s.confirmed(app, c),
            _ => Go::Stay,
        }
    }

    /// A change to a logged contact, with the reason chosen.
    pub(super) fn change(&mut self, app: &mut App, change: Change, reason: ChangeReason) -> Go {
        match self {
            Screen::Contact(s) => s.change(app, change, reason),
            Screen::Person(s) => s.change(app, change, reason),
            _ => Go::Stay,
        }
    }

    /// The screen is up again, after the one over it went; `changed` if that one saved a
    /// change.
    pub(super) fn resume(&mut self, app: &mut App, changed: bool) -> Go {
        match self {
            Screen::Contact(s) => {
                s.look_up_code(app);
                Go::Stay
            }
            Screen::Person(s) if changed => s.reload(app),
            _ => Go::Stay,
        }
    }

    /// The screen's own keys, before the common ones (see `event`).
    pub fn key(&self, key: &KeyEvent) -> Option<Action> {
        match self {
            Screen::Contact(_) => contact::key(key),
            Screen::Statistics(_) => statistics::key(key),
            Screen::Merge(_) => merge::key(key),
            Screen::Audit(_) => audit::key(key),
            Screen::Users(s) => s.key(key),
            Screen::Activities(s) => s.key(key),
            _ => None,
        }
    }

    /// Whether a text field of the screen has the keyboard.
    pub fn typing(&self) -> bool {
        match self {
            Screen::Unlock(_) | Screen::NightForm(_) | Screen::Contact(_) | Screen::Merge(_) => {
                true
            }
            Screen::Users(u) => u.adding.is_some(),
            Screen::Activities(a) => a.adding.is_some(),
            _ => false,
        }
    }

    /// The help lines of the screen, for the role signed in: exactly the keys that do
    /// something there.
    pub fn help(&self, app: &App) -> Vec<HelpLine> {
        use super::keys::lines;
        match self {
            Screen::Unlock(s) => lines(unlock::HELP, s, app),
            Screen::Overview => lines(overview::HELP, &(), app),
            Screen::Nights(s) => lines(nights::HELP, s, app),
            Screen::NightForm(s) => lines(night_form::HELP, s, app),
            Screen::Contact(s) => lines(s.help(), s, app),
            Screen::Statistics(s) => lines(statistics::HELP, s, app),
            Screen::Person(s) => lines(history::HELP, s, app),
            Screen::Merge(s) => lines(merge::HELP, s, app),
            Screen::Audit(s) => lines(audit::HELP, s, app),
            Screen::Users(s) => lines(s.help(), s, app),
            Screen::Activities(s) => lines(s.help(), s, app),
        }
    }

    /// The screen's name in the title line.
    pub fn title(&self, t: &'static TuiText) -> &'static str {
        match self {
            Screen::Unlock(_) => t.unlock_title,
            Screen::Overview => t.overview,
            Screen::Nights(_) => t.nights_title,
            Screen::NightForm(_) => t.night_new_title,
            Screen::Contact(s) if s.editing.is_some() => t.edit_title,
            Screen::Contact(_) => t.contact_title,
            Screen::Statistics(_) => t.stats_title,
            Screen::Person(s) if s.of_night() => t.night_capital,
            Screen::Person(_) => t.person_title,
            Screen::Merge(_) => t.merge_title,
            Screen::Audit(_) => t.audit_title,
            Screen::Users(_) => t.users_title,
            Screen::Activities(_) => t.activities_title,
        }
    }

    /// Draws the screen's body.
    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        match self {
            Screen::Unlock(s) => s.draw(frame, app, body),
            Screen::Overview => overview::draw(frame, app, body),
            Screen::Nights(s) => s.draw(frame, app, body),
            Screen::NightForm(s) => s.draw(frame, app, body),
            Screen::Contact(s) => s.draw(frame, app, body),
            Screen::Statistics(s) => s.draw(frame, app, body),
            Screen::Person(s) => s.draw(frame, app, body),
            Screen::Merge(s) => s.draw(frame, app, body),
            Screen::Audit(s) => s.draw(frame, app, body),
            Screen::Users(s) => s.draw(frame, app, body),
            Screen::Activities(s) => s.draw(frame, app, body),
        }
    }

    /// Where going back leads when no screen is under this one: from the contact form, the
    /// field nights (if there are any); from everywhere else, the overview.
    pub(super) fn fallback(&self, app: &mut App) -> Screen {
        let nights = app.session.as_ref().is_some_and(|s| !s.nights.is_empty());
        match self {
            Screen::Contact(_) if nights => Screen::Nights(nights::Nights::default()),
            _ => overview::open(app),
        }
    }

    /// Whether the screen's form holds typed input that is not saved.
    pub fn unsaved(&self) -> bool {
        match self {
            Screen::Contact(c) => c.form.dirty,
            Screen::NightForm(n) => n.form.dirty,
            Screen::Activities(a) => a.unsaved(),
            _ => false,
        }
    }

    /// Whether the screen stays (hidden) when the screen locks: the forms, for the user who
    /// typed them. Everything read with the keys goes with them.
    pub fn kept_over_lock(&self) -> bool {
        matches!(self, Screen::Contact(_) | Screen::NightForm(_))
    }
}
