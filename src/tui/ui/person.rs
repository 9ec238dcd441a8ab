//! A person's history (notes shown; the vault logged the view), the reason popup for edits and
//! deletions, and the form that declares two codes one person.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::{centered, input_line, visible};
use crate::tui::app::{App, Change};

pub fn draw_history(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let Some(h) = app.history.as_ref() else {
        return;
    };
    let [list, note, hint] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(6),
        Constraint::Length(1),
    ])
    .areas(body);
    // A night's contacts say which have a code: the ones without are reached only here.
    let of_night = matches!(h.of, crate::tui::person::HistoryOf::Night(_));
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
        crate::tui::person::HistoryOf::Person(_) => t.person_title.to_string(),
        crate::tui::person::HistoryOf::Night(id) => {
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
    super::draw_hint(frame, t.person_hint, hint);
}

pub fn draw_reason(frame: &mut Frame, app: &App, change: &Change, selected: usize) {
    let t = app.text();
    // What is asked about, named: the deletion and its contact, or the edit.
    let what = match change {
        Change::Delete {
            id,
            date,
            attributes: a,
        } => format!(
            "{} {} ({}, {}, {}, {}).",
            t.delete_contact,
            id,
            date.format("%Y-%m-%d"),
            a.role.label(app.lang),
            a.gender.label(app.lang),
            a.age_band.label(app.lang)
        ),
        Change::Edit { id, .. } => format!("{} {id}.", t.save_edit_of),
    };
    let width = 60u16;
    let what_lines = (what.chars().count() as u16).div_ceil(width - 4).max(1);
    let area = centered(frame.area(), width, t.reasons.len() as u16 + 5 + what_lines);
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line> = vec![
        Line::from(Span::styled(
            what,
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
    ];
    lines.extend(t.reasons.iter().enumerate().map(|(i, r)| {
        if i == selected {
            Line::from(Span::styled(
                format!("▶ {r}"),
                Style::new().add_modifier(Modifier::REVERSED),
            ))
        } else {
            Line::from(format!("  {r}"))
        }
    }));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "↑↓ · Enter · Esc",
        Style::new().add_modifier(Modifier::DIM),
    )));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", t.reason_title)),
        ),
        area,
    );
}

pub fn draw_merge(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let Some(m) = app.merge.as_ref() else {
        return;
    };
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
            (Some(p), false) => super::known_person(app, p),
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
