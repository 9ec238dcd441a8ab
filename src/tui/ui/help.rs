//! The help popup: the keys of the screen that is up, then the keys that work everywhere.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::centered;
use crate::tui::app::{App, Screen};

pub fn draw(frame: &mut Frame, app: &App) {
    let t = app.text();
    let screen_keys: &[(&str, &str)] = match app.screen {
        Screen::Unlock => t.keys_unlock,
        Screen::Overview => t.keys_overview,
        Screen::Nights => t.keys_nights,
        Screen::NightForm | Screen::Contact => t.keys_contact,
        Screen::Statistics => t.keys_stats,
        Screen::Person => t.keys_person,
        Screen::Merge => t.keys_merge,
        Screen::Audit => t.keys_audit,
        Screen::Users => t.keys_users,
    };
    let mut lines = Vec::new();
    let kw = 16;
    for (k, what) in screen_keys.iter().chain(t.keys_global.iter()) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{k:<kw$}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(what.to_string()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        t.help_close,
        Style::new().add_modifier(Modifier::DIM),
    )));
    let area = centered(frame.area(), 76, lines.len() as u16 + 2);
    let area = Rect {
        height: area.height.min(frame.area().height),
        ..area
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", t.help_title)),
        ),
        area,
    );
}
