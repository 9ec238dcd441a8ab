//! The unlock screen: user name and masked passphrase.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, input_line, visible};
use crate::tui::app::{App, Message};

pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let area = centered(body, 64, 11);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", t.unlock_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lw = t.user.chars().count().max(t.passphrase.chars().count());
    let width = (inner.width as usize).saturating_sub(lw + 6).max(1);
    let (user, user_cursor) = visible(&app.user, width);
    let masked: String = "•".repeat(app.pass.value().chars().count().min(width));
    let mut lines = vec![
        Line::from(format!(
            "  {}: {}",
            t.database,
            app.db
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        )),
        Line::from(""),
        input_line(t.user, lw, &user, app.unlock_focus == 0, vec![]),
        input_line(t.passphrase, lw, &masked, app.unlock_focus == 1, vec![]),
        Line::from(""),
    ];
    match &app.message {
        Some(Message::Error(m)) => lines.push(Line::from(Span::styled(
            format!("  {}: {m}", t.error),
            Style::new().add_modifier(Modifier::BOLD),
        ))),
        Some(Message::Info(m)) => lines.push(Line::from(format!("  {m}"))),
        None => lines.push(Line::from("")),
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("  {}", t.unlock_hint),
        Style::new().add_modifier(Modifier::DIM),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if app.popup.is_none() {
        let (row, col) = if app.unlock_focus == 0 {
            (2, user_cursor)
        } else {
            (3, app.pass.value().chars().count().min(width))
        };
        frame.set_cursor_position((inner.x + (lw + 4 + col) as u16, inner.y + row));
    }
}
