//! The users screen (admin): the staff accounts, a form to add one (the passphrase typed
//! twice, masked), and disabling one after a question that names them.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, TableState, Wrap};
use ratatui::Frame;
use tui_input::Input;

use super::Screen;
use crate::crypto::Passphrase;
use crate::domain::StaffRole;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Confirm, Go, Message, Popup};
use crate::tui::keys::{clear, h, help_key, help_typing, quit, quit_typing, when, Help, Key::*};
use crate::tui::ui::{centered, input_line, visible};
use crate::vault::{Permission, UserInfo};

static HELP: &[Help<Users>] = &[
    when(&[Up, Down], Does::ChooseUser, |u, _| u.list.len() > 1),
    h(&[Char('a')], Does::AddUser),
    when(&[Char('x')], Does::DisableUser, |u, _| {
        u.list.get(u.selected).is_some_and(|x| !x.disabled)
    }),
    h(&[Char('o'), Esc], Does::Overview),
    help_key(),
    quit(),
];

static HELP_FORM: &[Help<Users>] = &[
    h(&[Tab, BackTab, Up, Down], Does::NextPreviousField),
    h(&[Enter], Does::EnterNextOrAdd),
    h(&[Ctrl('s'), F(2)], Does::SaveUser),
    clear(),
    h(&[Esc], Does::CloseForm),
    help_typing(),
    quit_typing(),
];

pub struct Users {
    pub list: Vec<UserInfo>,
    pub selected: usize,
    /// The new-user form: name, role, passphrase, passphrase again.
    pub adding: Option<[Input; 4]>,
    pub focus: usize,
}

impl Drop for Users {
    fn drop(&mut self) {
        if let Some(inputs) = self.adding.as_mut() {
            for i in inputs {
                i.reset();
            }
        }
    }
}

/// The staff accounts, with the `selected` one chosen.
fn load(app: &mut App, selected: usize) -> Option<Users> {
    let s = app.session.as_mut()?;
    match s.vault.staff().list() {
        Ok(list) => {
            let selected = selected.min(list.len().saturating_sub(1));
            Some(Users {
                list,
                selected,
                adding: None,
                focus: 0,
            })
        }
        Err(e) => {
            app.error(&e);
            None
        }
    }
}

/// The users screen, for admins.
pub fn open(app: &mut App) -> Go {
    if !app
        .role()
        .is_some_and(|r| Permission::Administer.allowed(r))
    {
        app.refuse();
        return Go::Stay;
    }
    match load(app, 0) {
        Some(u) => Go::To(Screen::Users(u)),
        None => Go::Stay,
    }
}

impl Users {
    /// The screen's own key: `a` adds a user (when no form is open, where it is typed).
    pub fn key(&self, key: &KeyEvent) -> Option<Action> {
        match key.code {
            KeyCode::Char('a') if self.adding.is_none() => Some(Action::NewUser),
            _ => None,
        }
    }

    pub fn help(&self) -> &'static [Help<Users>] {
        if self.adding.is_some() {
            HELP_FORM
        } else {
            HELP
        }
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        if let Some(inputs) = self.adding.as_mut() {
            match action {
                Action::Edit(req) => {
                    inputs[self.focus].handle(req);
                }
                Action::NextField | Action::Down => self.focus = (self.focus + 1) % 4,
                Action::PreviousField | Action::Up => self.focus = (self.focus + 3) % 4,
                Action::Back => self.adding = None,
                Action::Submit if self.focus < 3 => self.focus += 1,
                Action::Submit | Action::Save => self.add(app),
                _ => {}
            }
            return Go::Stay;
        }
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < self.list.len() => self.selected += 1,
            Action::NewUser => {
                self.adding = Some(Default::default());
                self.focus = 0;
            }
            Action::DisableUser => {
                if let Some(x) = self.list.get(self.selected).filter(|x| !x.disabled) {
                    app.popup = Some(Popup::Confirm(Confirm::Disable {
                        name: x.name.clone(),
                    }))
                }
            }
            Action::Back | Action::GoOverview => return Go::To(super::overview::open(app)),
            _ => {}
        }
        Go::Stay
    }

    fn add(&mut self, app: &mut App) {
        let t = app.text();
        let Some(inputs) = self.adding.as_mut() else {
            return;
        };
        let name = inputs[0].value().trim().to_string();
        let Ok(role) = inputs[1].value().trim().parse::<StaffRole>() else {
            app.message = Some(Message::Error(t.user_bad_role.into()));
            return;
        };
        if inputs[2].value() != inputs[3].value() {
            app.message = Some(Message::Error(t.user_passphrases_differ.into()));
            inputs[2].reset();
            inputs[3].reset();
            self.focus = 2;
            return;
        }
        let Some(s) = app.session.as_mut() else {
            return;
        };
        let pass = Passphrase::new(inputs[2].value().to_string());
        let checked = crate::vault::check_new_passphrase(&pass);
        let result = checked.and_then(|_| s.vault.staff().add(&name, role, &pass));
        match result {
            Ok(()) => {
                app.message = Some(Message::Info(t.user_added.into()));
                self.reload(app);
            }
            Err(e) => app.error(&e),
        }
    }

    /// Reads the list again, the same line chosen (the form closed).
    fn reload(&mut self, app: &mut App) {
        if let Some(u) = load(app, self.selected) {
            *self = u;
        }
    }

    /// Disables the user the question named.
    pub fn confirmed(&mut self, app: &mut App, c: Confirm) -> Go {
        let Confirm::Disable { name } = c else {
            return Go::Stay;
        };
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        match s.vault.staff().disable(&name) {
            Ok(_) => {
                app.message = Some(Message::Info(app.text().user_disabled.into()));
                self.reload(app);
            }
            Err(e) => app.error(&e),
        }
        Go::Stay
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let u = self;
        let [list, hint] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
        // Each user's unit, once the city's units have names (docs/units.md).
        let units = u.list.iter().any(|x| x.unit.is_some());
        let rows: Vec<Row> = u
            .list
            .iter()
            .map(|x| {
                let mut cells = vec![
                    x.name.clone(),
                    x.role
                        .parse::<crate::domain::StaffRole>()
                        .map_or_else(|_| x.role.clone(), |r| r.label(app.lang).to_string()),
                ];
                if units {
                    cells.push(x.unit.clone().unwrap_or_default());
                }
                cells.push(
                    if x.disabled {
                        t.user_is_disabled
                    } else {
                        t.user_active
                    }
                    .to_string(),
                );
                Row::new(cells)
            })
            .collect();
        let mut state = TableState::default().with_selected(Some(u.selected));
        let (widths, header) = if units {
            (
                vec![
                    Constraint::Length(20),
                    Constraint::Length(16),
                    Constraint::Length(16),
                    Constraint::Min(10),
                ],
                vec![t.user_name, t.user_role, t.user_unit, t.user_state],
            )
        } else {
            (
                vec![
                    Constraint::Length(20),
                    Constraint::Length(10),
                    Constraint::Min(10),
                ],
                vec![t.user_name, t.user_role, t.user_state],
            )
        };
        frame.render_stateful_widget(
            crate::tui::ui::pick_table(rows, widths, header, t.users_title),
            list,
            &mut state,
        );
        crate::tui::ui::draw_hint(frame, t.users_hint, hint);
        if let Some(inputs) = u.adding.as_ref() {
            let area = centered(frame.area(), 60, 10);
            frame.render_widget(Clear, area);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", t.user_new_title));
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let labels = [t.user_name, t.user_role, t.passphrase, t.user_again];
            let lw = labels.iter().map(|s| s.chars().count()).max().unwrap_or(8);
            let mut lines = Vec::new();
            let mut cursor = None;
            for (i, label) in labels.iter().enumerate() {
                let (shown, col) = if i >= 2 {
                    let n = inputs[i].value().chars().count().min(24);
                    ("•".repeat(n), n)
                } else {
                    visible(&inputs[i], 24)
                };
                if u.focus == i {
                    cursor = Some((lw + 4 + col, i));
                }
                let extra = if i == 1 {
                    vec![Span::styled(
                        "outreach lead auditor admin",
                        Style::new().add_modifier(Modifier::DIM),
                    )]
                } else {
                    vec![]
                };
                lines.push(input_line(label, lw, &shown, u.focus == i, extra));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                t.user_form_hint,
                Style::new().add_modifier(Modifier::DIM),
            )));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
            if let (Some((x, y)), None) = (cursor, &app.popup) {
                frame.set_cursor_position((inner.x + x as u16, inner.y + y as u16));
            }
        }
    }
}
