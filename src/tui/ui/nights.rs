//! Field nights: the list to pick from, and the form for a new one.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, TableState};
use ratatui::Frame;

use super::{input_line, visible};
use crate::tui::app::App;
use crate::tui::form::NightForm;

pub fn draw_list(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let [list, hint] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
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
    let mut state = TableState::default().with_selected(Some(app.night_selected));
    let table = super::pick_table(
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
    super::draw_hint(frame, t.night_pick_hint, hint);
}

pub fn draw_form(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let (Some(f), Some(s)) = (app.night_form.as_ref(), app.session.as_ref()) else {
        return;
    };
    let districts = s.vault.districts();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", t.night_new_title));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let labels = [t.date, t.night_kind, l.district, t.staff];
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
                    super::contact::describe(
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
        if focused && i != NightForm::DATE && i != NightForm::STAFF {
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
