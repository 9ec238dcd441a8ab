//! Information and training activities (outreach, lead, admin): this year's, and a form to
//! log one (date, kind, audience, participants, note), saved as `uppsok activity add` saves
//! it. They are never contacts; the yearly report counts them in tables of their own.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::Screen;
use crate::domain::Activity;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Confirm, Go, Message, Popup};
use crate::tui::form::{labels, ActivityForm};
use crate::tui::keys::{clear, h, help_key, help_typing, quit, quit_typing, Help, Key::*};
use crate::tui::ui::{describe, input_line, visible};
use crate::vault::Permission;

static HELP: &[Help<Activities>] = &[
    h(&[Char('a')], Does::AddActivity),
    h(&[Char('o'), Esc], Does::Overview),
    help_key(),
    quit(),
];

static HELP_FORM: &[Help<Activities>] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicksActivity),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter], Does::EnterNextOrSaveActivity),
    h(&[Ctrl('s'), F(2)], Does::SaveActivity),
    clear(),
    h(&[Esc], Does::CloseForm),
    help_typing(),
    quit_typing(),
];

pub struct Activities {
    /// This year's activities, oldest first.
    pub list: Vec<Activity>,
    /// The form logging one, when open.
    pub adding: Option<ActivityForm>,
}

/// This year's activities, read (and logged as a view) by the vault.
fn load(app: &mut App) -> Option<Vec<Activity>> {
    use chrono::Datelike;
    let year = app.today.year();
    let from = crate::domain::Date::from_ymd_opt(year, 1, 1)?;
    let to = crate::domain::Date::from_ymd_opt(year, 12, 31)?;
    let s = app.session.as_mut()?;
    match s.vault.work().activities(Some(from), Some(to)) {
        Ok(list) => Some(list),
        Err(e) => {
            app.error(&e);
            None
        }
    }
}

/// The activities screen, for the roles that log activities.
pub fn open(app: &mut App) -> Go {
    if !app
        .role()
        .is_some_and(|r| Permission::LogActivities.allowed(r))
    {
        app.refuse();
        return Go::Stay;
    }
    match load(app) {
        Some(list) => Go::To(Screen::Activities(Activities { list, adding: None })),
        None => Go::Stay,
    }
}

impl Activities {
    /// The screen's own key: `a` logs an activity (when no form is open, where it is typed).
    pub fn key(&self, key: &KeyEvent) -> Option<Action> {
        match key.code {
            KeyCode::Char('a') if self.adding.is_none() => Some(Action::NewActivity),
            _ => None,
        }
    }

    pub fn help(&self) -> &'static [Help<Activities>] {
        if self.adding.is_some() {
            HELP_FORM
        } else {
            HELP
        }
    }

    pub fn unsaved(&self) -> bool {
        self.adding.as_ref().is_some_and(ActivityForm::dirty)
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        if let Some(f) = self.adding.as_mut() {
            match action {
                Action::Edit(req) => f.edit(req),
                Action::Paste(text) => f.paste(&text),
                Action::NextField => f.next(true),
                Action::PreviousField => f.next(false),
                Action::Up => f.cycle(false),
                Action::Down => f.cycle(true),
                Action::Back if f.dirty() => {
                    app.popup = Some(Popup::Confirm(Confirm::Discard));
                }
                Action::Back => self.adding = None,
                Action::Submit if f.focus != ActivityForm::NOTE => f.next(true),
                Action::Submit | Action::Save => self.save(app),
                _ => {}
            }
            return Go::Stay;
        }
        match action {
            Action::NewActivity => self.adding = Some(ActivityForm::new(app.today, app.lang)),
            Action::Back | Action::GoOverview => return Go::To(super::overview::open(app)),
            _ => {}
        }
        Go::Stay
    }

    /// "Yes" to throwing away the form's input.
    pub fn confirmed(&mut self, _app: &mut App, c: Confirm) -> Go {
        if let Confirm::Discard = c {
            self.adding = None;
        }
        Go::Stay
    }

    /// Saves the form's activity; nothing is saved while a field is marked.
    fn save(&mut self, app: &mut App) {
        let Some(f) = self.adding.as_ref() else {
            return;
        };
        let Some((date, details)) = f.values() else {
            app.message = Some(Message::Error(app.text().fix_first.into()));
            return;
        };
        let Some(s) = app.session.as_mut() else {
            return;
        };
        match s.vault.work().add_activity(date, details, f.note()) {
            Ok(_) => {
                app.message = Some(Message::Info(app.text().activity_saved.into()));
                self.adding = None;
                if let Some(list) = load(app) {
                    self.list = list;
                }
            }
            Err(e) => app.error(&e),
        }
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let [main, hint] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
        if let Some(f) = self.adding.as_ref() {
            self.draw_form(frame, app, f, main);
            crate::tui::ui::draw_hint(frame, t.activity_form_hint, hint);
            return;
        }
        crate::tui::ui::draw_hint(frame, t.activities_hint, hint);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.activities_title));
        if self.list.is_empty() {
            frame.render_widget(Paragraph::new(t.activities_none).block(block), main);
            return;
        }
        let notes = self.list.iter().any(|a| a.note.is_some());
        let rows: Vec<Row> = self
            .list
            .iter()
            .map(|a| {
                let mut cells = vec![
                    a.date.format("%Y-%m-%d").to_string(),
                    a.details.kind.label(app.lang).to_string(),
                    a.details.audience.label(app.lang).to_string(),
                    format!("{:>8}", app.lang.number(u64::from(a.details.participants))),
                ];
                if notes {
                    cells.push(a.note.as_ref().map(|n| n.to_string()).unwrap_or_default());
                }
                Row::new(cells)
            })
            .collect();
        let mut header = vec![t.date, t.activity_kind, t.audience, t.participants];
        let mut widths = vec![
            Constraint::Length(10),
            Constraint::Length(14),
            Constraint::Length(20),
            Constraint::Length(10),
        ];
        if notes {
            header.push(t.note);
            widths.push(Constraint::Min(10));
        }
        frame.render_widget(
            Table::new(rows, widths)
                .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
                .block(block),
            main,
        );
    }

    fn draw_form(&self, frame: &mut Frame, app: &App, f: &ActivityForm, area: Rect) {
        let t = app.text();
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.activity_new_title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let names = [t.date, t.activity_kind, t.audience, t.participants, t.note];
        let lw = names.iter().map(|s| s.chars().count()).max().unwrap_or(8);
        let width = 24;
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, name) in names.iter().enumerate() {
            let w = if i == ActivityForm::NOTE {
                (inner.width as usize).saturating_sub(lw + 6).max(10)
            } else {
                width
            };
            let (shown, col) = visible(&f.inputs[i], w);
            let focused = f.focus == i;
            if focused {
                cursor = Some((lw + 4 + col, lines.len()));
            }
            let mut extra = Vec::new();
            if let Some(p) = f.problem(i) {
                // "Required" only once the form holds input, or on the field being typed in.
                if !(p == crate::tui::form::Problem::Required && !focused && !f.dirty()) {
                    // The values are listed for the field being typed in only.
                    let ch = if focused { f.choices(i) } else { Vec::new() };
                    extra.push(Span::styled(
                        format!("✗ {}", describe(app, &p, &labels(&ch))),
                        Style::new().add_modifier(Modifier::BOLD),
                    ));
                }
            } else if let Some(v) = f.picked_label(i) {
                if v != f.inputs[i].value() {
                    extra.push(Span::raw(format!("→ {v}")));
                }
            }
            let shown = if i == ActivityForm::NOTE {
                shown
            } else {
                format!("{shown:<width$}")
            };
            // A problem that does not fit beside its field goes on a line of its own.
            let beside =
                lw + 6 + shown.chars().count() + extra.iter().map(|s| s.width()).sum::<usize>();
            let below = if beside > inner.width as usize {
                std::mem::take(&mut extra)
            } else {
                Vec::new()
            };
            lines.push(input_line(name, lw, &shown, focused, extra));
            if !below.is_empty() {
                let mut spans = vec![Span::raw(" ".repeat(lw + 4))];
                spans.extend(below);
                lines.push(Line::from(spans));
            }
        }
        let ch = f.choices(f.focus);
        if !ch.is_empty() {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("  {}: {}", t.choices, labels(&ch).join(" · ")),
                Style::new().add_modifier(Modifier::DIM),
            )));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let (Some((x, y)), None) = (cursor, &app.popup) {
            frame.set_cursor_position((inner.x + x as u16, inner.y + y as u16));
        }
    }
}
