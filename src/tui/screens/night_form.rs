//! The form for a new field night: date, kind, district, staff. Saving it opens the contact
//! form for that night; the same night twice is asked about first.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::Screen;
use crate::domain::{Date, FieldNight, FieldNightDetails};
use crate::i18n::Does;
use crate::tui::app::{Action, App, Confirm, Go, Message, Popup};
use crate::tui::form::NightForm;
use crate::tui::keys::{clear, h, help_typing, quit_typing, Help, Key::*};
use crate::tui::ui::{input_line, visible};

pub static HELP: &[Help<NewNight>] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter, Ctrl('s'), F(2)], Does::SaveNight),
    clear(),
    h(&[Esc], Does::CloseForm),
    help_typing(),
    quit_typing(),
];

pub struct NewNight {
    pub form: NightForm,
}

/// The form for a new field night, for the roles that log contacts.
pub fn open(app: &mut App) -> Go {
    if !app.may_log() {
        app.refuse();
        return Go::Stay;
    }
    let projects = app
        .session
        .as_ref()
        .map(|s| s.vault.projects().clone())
        .unwrap_or_default();
    let form = NightForm::new(app.today)
        .in_lang(app.lang)
        .with_projects(&projects);
    Go::To(Screen::NightForm(NewNight { form }))
}

impl NewNight {
    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        let districts = s.vault.districts().clone();
        let f = &mut self.form;
        match action {
            Action::Edit(req) => f.edit(req),
            Action::Paste(text) => f.paste(&text),
            Action::NextField => f.next(&districts, true),
            Action::PreviousField => f.next(&districts, false),
            Action::Up => f.cycle(&districts, false),
            Action::Down => f.cycle(&districts, true),
            Action::Back if f.dirty => app.popup = Some(Popup::Confirm(Confirm::Discard)),
            Action::Back => return Go::To(super::overview::open(app)),
            Action::Submit | Action::Save => {
                let Some((date, details)) = f.values(&districts) else {
                    app.message = Some(Message::Error(app.text().fix_first.into()));
                    return Go::Stay;
                };
                // The same night twice (same date, kind and district) is asked about first.
                if s.nights.iter().any(|n| {
                    n.date == date
                        && n.details.kind == details.kind
                        && n.details.district == details.district
                }) {
                    app.popup = Some(Popup::Confirm(Confirm::DuplicateNight { date, details }));
                    return Go::Stay;
                }
                return save_night(app, date, details);
            }
            _ => {}
        }
        Go::Stay
    }

    pub fn confirmed(&mut self, app: &mut App, c: Confirm) -> Go {
        match c {
            Confirm::Discard => Go::To(super::overview::open(app)),
            Confirm::DuplicateNight { date, details } => save_night(app, date, details),
            _ => Go::Stay,
        }
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let l = app.lang.text();
        let (f, Some(s)) = (&self.form, app.session.as_ref()) else {
            return;
        };
        let districts = s.vault.districts();
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.night_new_title));
        let inner = block.inner(body);
        frame.render_widget(block, body);
        let labels = [t.date, t.night_kind, l.district, t.staff, l.project];
        let lw = labels.iter().map(|s| s.chars().count()).max().unwrap_or(8);
        let width = 24;
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, label) in labels.iter().enumerate() {
            let (shown, col) = visible(&f.inputs[i], width);
            let focused = f.focus == i;
            if focused {
                cursor = Some((lw + 4 + col, lines.len()));
            }
            let mut extra = Vec::new();
            if let Some(p) = f.problem(i, districts) {
                extra.push(Span::styled(
                    format!(
                        "✗ {}",
                        crate::tui::ui::describe(
                            app,
                            &p,
                            &crate::tui::form::labels(&f.choices(i, districts))
                        )
                    ),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
            } else if let Some(v) = f.picked_label(i, districts) {
                if v != f.inputs[i].value() {
                    extra.push(Span::raw(format!("→ {v}")));
                }
            }
            lines.push(input_line(label, lw, &shown, focused, extra));
            if focused && !matches!(i, NightForm::DATE | NightForm::STAFF) {
                let ch = f.choices(i, districts);
                let ch = crate::tui::form::labels(&ch);
                lines.push(Line::from(Span::styled(
                    format!("    {}: {}", t.choices, ch.join(" · ")),
                    Style::new().add_modifier(Modifier::DIM),
                )));
            }
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            t.night_form_hint,
            Style::new().add_modifier(Modifier::DIM),
        )));
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        if let (Some((x, y)), None) = (cursor, &app.popup) {
            frame.set_cursor_position((inner.x + x as u16, inner.y + y as u16));
        }
    }
}

/// Saves a field night and opens the contact form for it.
fn save_night(app: &mut App, date: Date, details: FieldNightDetails) -> Go {
    let Some(s) = app.session.as_mut() else {
        return Go::Stay;
    };
    match s.vault.contacts().add_night(date, &details) {
        Ok(id) => {
            let night = FieldNight { id, date, details };
            s.overview = None;
            app.message = Some(Message::Info(app.text().night_created.into()));
            app.refresh();
            super::contact::open(app, Some(&night))
        }
        Err(e) => {
            app.error(&e);
            Go::Stay
        }
    }
}
