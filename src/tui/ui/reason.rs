//! The reason popup for edits and deletions: what is changed, named, and the reasons to
//! choose from.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::centered;
use crate::tui::app::{App, Change};

pub fn draw(frame: &mut Frame, app: &App, change: &Change, selected: usize) {
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
