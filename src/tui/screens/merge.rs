//! The form that declares two codes one person (lead, admin), or undoes that for a code.
//! Both ask first, naming what they do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use tui_input::Input;

use super::Screen;
use crate::domain::{PersonCode, StaffRole};
use crate::i18n::Does;
use crate::tui::app::{Action, App, Confirm, Go, Message, Popup};
use crate::tui::keys::{clear, h, help_typing, quit_typing, Help, Key::*};
use crate::tui::ui::{input_line, visible};
use crate::vault::PersonSummary;

pub static HELP: &[Help<Merge>] = &[
    h(&[Tab, BackTab, Up, Down], Does::MergeSwitch),
    h(&[Ctrl('s'), F(2), Enter], Does::MergeDeclare),
    h(&[Ctrl('z')], Does::MergeUndo),
    clear(),
    h(&[Esc], Does::Back),
    help_typing(),
    quit_typing(),
];

/// The screen's own key: undo has one key, Ctrl-Z, and one meaning; Ctrl-U stays "clear the
/// field" as in every text field.
pub fn key(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('z') if key.modifiers.contains(KeyModifiers::CONTROL) => Some(Action::Undo),
        _ => None,
    }
}

/// Two codes to declare one person (or to undo that for the second).
#[derive(Default)]
pub struct Merge {
    pub inputs: [Input; 2],
    pub focus: usize,
    pub found: [Option<PersonSummary>; 2],
}

impl Drop for Merge {
    fn drop(&mut self) {
        for i in &mut self.inputs {
            i.reset();
        }
    }
}

/// The merge form, for leads and admins.
pub fn open(app: &mut App) -> Go {
    if !matches!(app.role(), Some(StaffRole::Lead | StaffRole::Admin)) {
        app.refuse();
        return Go::Stay;
    }
    Go::To(Screen::Merge(Merge::default()))
}

impl Merge {
    /// Types into the focused code and looks it up.
    fn edit(&mut self, req: tui_input::InputRequest, vault: &mut crate::vault::Vault) {
        let i = self.focus;
        if self.inputs[i].handle(req).is_some_and(|r| r.value) {
            self.found[i] = match PersonCode::normalise(self.inputs[i].value()) {
                Some(code) => vault.persons().lookup(&code).ok().flatten(),
                None => None,
            };
        }
    }

    pub fn dirty(&self) -> bool {
        self.inputs.iter().any(|i| !i.value().is_empty())
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        match action {
            Action::Edit(req) => self.edit(req, &mut s.vault),
            Action::NextField | Action::PreviousField | Action::Up | Action::Down => {
                self.focus = 1 - self.focus
            }
            Action::Save | Action::Submit => {
                if let (Some(a), Some(b)) = (
                    PersonCode::normalise(self.inputs[0].value()),
                    PersonCode::normalise(self.inputs[1].value()),
                ) {
                    app.popup = Some(Popup::Confirm(Confirm::Merge { a, b }));
                } else {
                    app.message = Some(Message::Error(app.text().merge_need_two.into()));
                }
            }
            Action::Undo => {
                if let Some(code) = PersonCode::normalise(self.inputs[1].value()) {
                    app.popup = Some(Popup::Confirm(Confirm::Unmerge { code }));
                } else {
                    app.message = Some(Message::Error(app.text().merge_need_two.into()));
                }
            }
            Action::Back => return Go::To(super::overview::open(app)),
            _ => {}
        }
        Go::Stay
    }

    /// Declares the two codes the question named one person, or undoes that for the code it
    /// named.
    pub fn confirmed(&mut self, app: &mut App, c: Confirm) -> Go {
        let t = app.text();
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        let (result, done) = match &c {
            Confirm::Merge { a, b } => (s.vault.persons().merge(a, b), t.merged),
            Confirm::Unmerge { code } => (s.vault.persons().unmerge(code), t.unmerged),
            _ => return Go::Stay,
        };
        match result {
            Ok(()) => {
                // Counts of persons change: the figures are computed again when next shown.
                s.overview = None;
                s.statistics = None;
                *self = Merge::default();
                app.message = Some(Message::Info(done.into()));
            }
            Err(e) => app.error(&e),
        }
        Go::Stay
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let m = self;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.merge_title));
        let inner = block.inner(body);
        frame.render_widget(block, body);
        let labels = [t.merge_code, t.merge_same_as];
        let lw = labels.iter().map(|s| s.chars().count()).max().unwrap_or(8);
        let mut lines = vec![Line::from(t.merge_explain), Line::from("")];
        let mut cursor = None;
        for (i, label) in labels.iter().enumerate() {
            let (shown, col) = visible(&m.inputs[i], 24);
            if m.focus == i {
                cursor = Some((lw + 4 + col, lines.len()));
            }
            let about = match (&m.found[i], m.inputs[i].value().trim().is_empty()) {
                (_, true) => String::new(),
                (Some(p), false) => crate::tui::ui::known_person(app, p),
                (None, false) => t.person_new.to_string(),
            };
            lines.push(input_line(
                label,
                lw,
                &format!("{shown:<24}"),
                m.focus == i,
                vec![Span::raw(about)],
            ));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            t.merge_hint,
            Style::new().add_modifier(Modifier::DIM),
        )));
        // The explanation wraps; the inputs are placed after it.
        let explain_rows = (t.merge_explain.chars().count() as u16).div_ceil(inner.width.max(1));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let (Some((x, y)), None) = (cursor, &app.popup) {
            frame.set_cursor_position((
                inner.x + x as u16,
                inner.y + y as u16 + explain_rows.saturating_sub(1),
            ));
        }
    }
}
