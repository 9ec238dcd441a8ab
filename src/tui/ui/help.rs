//! The help popup: the keys of the screen that is up, then the keys that work everywhere.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::centered;
use crate::tui::app::App;

pub fn draw(frame: &mut Frame, app: &App) {
    let t = app.text();
    let help = crate::tui::keys::help(app);
    let label = |h: &crate::tui::keys::HelpLine| {
        h.keys
            .iter()
            .map(|k| k.label(t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let kw = help
        .iter()
        .map(|h| label(h).chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for h in help {
        let keys = label(&h);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{keys:<kw$} "),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw((t.does)(h.does)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        t.help_close,
        Style::new().add_modifier(Modifier::DIM),
    )));
    let area = centered(frame.area(), 78, lines.len() as u16 + 2);
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
