//! The field nights to pick from: log contacts for one, see its contacts, start a new one.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Paragraph, Row, TableState};
use ratatui::Frame;

use super::Screen;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Go, Message};
use crate::tui::keys::{h, help_key, quit, when, Help, Key::*};

pub static HELP: &[Help<Nights>] = &[
    when(&[Up, Down], Does::ChooseNight, |_, app| {
        app.session.as_ref().is_some_and(|s| s.nights.len() > 1)
    }),
    h(&[Enter], Does::LogNight),
    h(&[Char('e'), Ctrl('o')], Does::NightContacts),
    h(&[Char('n')], Does::NewNight),
    h(&[Char('c')], Does::NewContact),
    h(&[Char('s')], Does::Statistics),
    h(&[Char('o'), Esc], Does::Overview),
    help_key(),
    quit(),
];

/// The list of field nights (the session's, newest first) and the one chosen.
#[derive(Debug, Default)]
pub struct Nights {
    pub selected: usize,
}

/// The field nights, for the roles that log contacts.
pub fn open(app: &mut App) -> Go {
    if !app.may_log() {
        app.refuse();
        return Go::Stay;
    }
    Go::To(Screen::Nights(Nights::default()))
}

impl Nights {
    fn chosen(&self, app: &App) -> Option<crate::domain::FieldNight> {
        app.session
            .as_ref()
            .and_then(|s| s.nights.get(self.selected).cloned())
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let n = app.session.as_ref().map_or(0, |s| s.nights.len());
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < n => self.selected += 1,
            // The contact form goes over the list: closing it comes back to this night.
            Action::Submit => {
                if let Some(night) = self.chosen(app) {
                    return over(super::contact::open(app, Some(&night)));
                }
            }
            Action::OpenPerson | Action::EditContact => {
                if let Some(night) = self.chosen(app) {
                    let go = super::history::open_night(app, night.id);
                    if matches!(go, Go::Stay) && app.message.is_none() {
                        app.message = Some(Message::Info(app.text().night_empty.into()));
                    }
                    return go;
                }
            }
            Action::NewNight => return super::night_form::open(app),
            Action::NewContact => return over(super::contact::open(app, None)),
            Action::GoStatistics => return super::statistics::open(app),
            Action::Back | Action::GoOverview => return Go::To(super::overview::open(app)),
            _ => {}
        }
        Go::Stay
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let l = app.lang.text();
        let [list, hint] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
        let nights = app
            .session
            .as_ref()
            .map(|s| s.nights.as_slice())
            .unwrap_or_default();
        let rows: Vec<Row> = nights
            .iter()
            .map(|n| {
                Row::new(vec![
                    n.date.format("%Y-%m-%d").to_string(),
                    n.details.kind.label(app.lang).to_string(),
                    n.details.district.label(app.lang),
                    n.details.staff.to_string(),
                ])
            })
            .collect();
        let mut state = TableState::default().with_selected(Some(self.selected));
        let table = crate::tui::ui::pick_table(
            rows,
            [
                Constraint::Length(11),
                Constraint::Length(8),
                Constraint::Length(22),
                Constraint::Length(9),
            ],
            vec![t.date, t.night_kind, l.district, t.staff],
            t.nights_title,
        );
        if nights.is_empty() {
            frame.render_widget(
                Paragraph::new(t.no_nights).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(format!(" {} ", t.nights_title)),
                ),
                list,
            );
        } else {
            frame.render_stateful_widget(table, list, &mut state);
        }
        crate::tui::ui::draw_hint(frame, t.night_pick_hint, hint);
    }
}

/// A screen opened from the list goes over it (closing it comes back to the night chosen).
fn over(go: Go) -> Go {
    match go {
        Go::To(s) => Go::Over(s),
        go => go,
    }
}
