//! Drawing, without logic: the frame around the screens (title, status line, popups) and the
//! pieces the screens draw with. Each screen draws its own body (`draw(&self)` in
//! `screens/`). Nothing here changes state or reads the database; what is shown comes from
//! the screens' state and the caches in `app`. Nothing depends on colour alone: focus,
//! selection and errors also carry a mark or a word.

mod help;
mod reason;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Confirm, Message, Popup};
use super::form::Problem;

/// The smallest window every screen fits in whole.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the whole frame.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        // Below this, lines of the screens would silently go missing: say so instead.
        let text = format!(
            "{} {}×{} ({}×{}).",
            app.text().window_too_small,
            MIN_SIZE.0,
            MIN_SIZE.1,
            area.width,
            area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .style(Style::new().add_modifier(Modifier::BOLD)),
            area,
        );
        return;
    }
    let status_lines = status_height(app, area.width);
    let [title, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_lines),
    ])
    .areas(area);
    draw_title(frame, app, title);
    app.screen.draw(frame, app, body);
    draw_status(frame, app, status);
    match &app.popup {
        Some(Popup::Help) => help::draw(frame, app),
        Some(Popup::Confirm(c)) => confirm(frame, app, question(app, c)),
        Some(Popup::Reason { change, selected }) => reason::draw(frame, app, change, *selected),
        None => {}
    }
}

/// The words of a question.
fn question(app: &App, c: &Confirm) -> &'static str {
    let t = app.text();
    match c {
        Confirm::Quit => t.quit_question,
        Confirm::Discard => t.discard_question,
        Confirm::Disable { .. } => t.disable_question,
        Confirm::Merge { .. } => t.merge_question,
        Confirm::DuplicateNight { .. } => t.duplicate_night_question,
        Confirm::Unmerge { .. } => t.unmerge_question,
    }
}

fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let line = Line::from(vec![
        Span::styled(" uppsok ", Style::new().add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::styled(
            app.screen.title(app.text()),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw("   F1 ?"),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The status line's text, as one string (for measuring).
fn status_text(app: &App) -> String {
    let spans = status_spans(app);
    spans.iter().map(|s| s.content.as_ref()).collect()
}

/// How many lines the status needs at this width: a long message wraps onto up to three
/// lines rather than being cut mid-word.
fn status_height(app: &App, width: u16) -> u16 {
    let chars = status_text(app).chars().count() as u16;
    chars.div_ceil(width.max(1)).clamp(1, 3)
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    frame.render_widget(
        Paragraph::new(Line::from(status_spans(app)))
            .wrap(Wrap { trim: false })
            .style(Style::new().add_modifier(Modifier::REVERSED)),
        area,
    );
}

fn status_spans(app: &App) -> Vec<Span<'static>> {
    let t = app.text();
    let mut spans = Vec::new();
    if let Some(s) = &app.session {
        let u = s.vault.user();
        spans.push(Span::raw(format!(
            " {} ({}) ",
            u.name,
            u.role.label(app.lang)
        )));
    }
    let db = app
        .db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    spans.push(Span::raw(format!("│ {db} ")));
    let state = if app.unsaved() {
        t.unsaved
    } else {
        t.saved_state
    };
    spans.push(Span::styled(
        format!("│ {state} "),
        if app.unsaved() {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        },
    ));
    match &app.message {
        Some(Message::Info(m)) => spans.push(Span::raw(format!("│ {m}"))),
        Some(Message::Error(m)) => spans.push(Span::styled(
            format!("│ {}: {m}", t.error),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        None => {}
    }
    spans
}

/// A one-line hint below a screen's content, dimmed.
pub fn draw_hint(frame: &mut Frame, text: &str, area: Rect) {
    frame.render_widget(
        Paragraph::new(Span::styled(text, Style::new().add_modifier(Modifier::DIM))),
        area,
    );
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn confirm(frame: &mut Frame, app: &App, question: &str) {
    let area = centered(frame.area(), 56, 6);
    frame.render_widget(Clear, area);
    let text = vec![
        Line::from(question.to_string()),
        Line::from(""),
        Line::from(Span::styled(
            app.text().yes_no_keys,
            Style::new().add_modifier(Modifier::BOLD),
        )),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" ? ")),
        area,
    );
}

/// A label and a one-line text input; `focused` puts the terminal cursor in it.
pub fn input_line<'a>(
    label: &str,
    label_width: usize,
    value: &str,
    focused: bool,
    extra: Vec<Span<'a>>,
) -> Line<'a> {
    let mark = if focused { "›" } else { " " };
    let label_style = if focused {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    let mut spans = vec![
        Span::styled(format!("{mark} {label:<label_width$} "), label_style),
        Span::styled(
            format!("[{value}]"),
            if focused {
                Style::new().add_modifier(Modifier::UNDERLINED)
            } else {
                Style::new()
            },
        ),
        Span::raw(" "),
    ];
    spans.extend(extra);
    Line::from(spans)
}

/// The visible part of an input that is `width` wide, and the cursor's column in it.
pub fn visible(input: &tui_input::Input, width: usize) -> (String, usize) {
    let scroll = input.visual_scroll(width);
    let shown: String = input.value().chars().skip(scroll).take(width).collect();
    (shown, input.visual_cursor().saturating_sub(scroll))
}

/// "known person: 3 earlier contacts, last 2026-05-20": what the forms say of a known code.
pub fn known_person(app: &App, p: &crate::vault::PersonSummary) -> String {
    let t = app.lang.text().tui;
    format!(
        "{}: {} {}, {} {}",
        t.person_known,
        app.lang.number(p.earlier),
        if p.earlier == 1 {
            t.person_earlier_one
        } else {
            t.person_earlier
        },
        t.person_last,
        p.last
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    )
}

/// A problem in words.
pub fn describe(app: &App, p: &Problem, choices: &[&str]) -> String {
    let t = app.text();
    match p {
        Problem::Required => t.required.to_string(),
        Problem::NotAValue if choices.is_empty() => t.not_a_value_unlisted.to_string(),
        Problem::NotAValue => {
            let list = choices.join(" · ");
            format!("{} {list}", t.not_a_value)
        }
        Problem::Ambiguous(c) => format!("{}?", c.join(" / ")),
        Problem::BadDate => t.bad_date.to_string(),
        Problem::FutureDate => t.future_date.to_string(),
        Problem::BadStaff => t.bad_staff.to_string(),
        Problem::NoteIdentifier(k) | Problem::CodeIdentifier(k) => {
            format!("{} {}", t.note_looks_like, k.label(app.lang))
        }
        Problem::NoteTooLong => t.note_too_long.to_string(),
        Problem::ProjectNotOnDate => t.project_not_on_date.to_string(),
        Problem::TooManyProjects => t.too_many_projects.to_string(),
        Problem::BadParticipants => t.bad_participants.to_string(),
    }
}

/// A list to pick from: a bold header, the selected row marked and reversed, a titled frame.
pub fn pick_table<'a>(
    rows: Vec<ratatui::widgets::Row<'a>>,
    widths: impl IntoIterator<Item = Constraint>,
    header: Vec<&'a str>,
    title: &str,
) -> ratatui::widgets::Table<'a> {
    ratatui::widgets::Table::new(rows, widths)
        .header(ratatui::widgets::Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} ")),
        )
}

/// Where a text breaks into lines of at most `width` characters, as char ranges: after the
/// last space that fits (the space itself is not shown), or mid-word for a word longer than a
/// line. The last range is where typing at the end goes: an empty line after a full one.
pub fn wrap_ranges(text: &str, width: usize) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut start = 0;
    while n - start > width {
        let space = (start + 1..=start + width).rev().find(|i| chars[*i] == ' ');
        match space {
            Some(i) => {
                lines.push((start, i));
                start = i + 1;
            }
            None => {
                lines.push((start, start + width));
                start += width;
            }
        }
    }
    if start < n {
        lines.push((start, n));
    }
    if !lines.last().is_some_and(|(s, e)| *e == n && e - s < width) {
        lines.push((n, n));
    }
    lines
}

/// Of the wrapped lines, the `rows` to show so that the line of char `cursor` is among them:
/// from the top while it fits, otherwise ending at the cursor's line. Gives the first line
/// shown and the cursor's (line, column).
pub fn wrap_window(
    lines: &[(usize, usize)],
    cursor: usize,
    rows: usize,
) -> (usize, (usize, usize)) {
    let line = lines.iter().rposition(|(s, _)| *s <= cursor).unwrap_or(0);
    let first = (line + 1).saturating_sub(rows.max(1));
    (first, (line, cursor - lines[line].0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces_and_mid_word_only_when_a_word_is_longer_than_a_line() {
        assert_eq!(wrap_ranges("", 5), vec![(0, 0)]);
        assert_eq!(wrap_ranges("abc", 5), vec![(0, 3)]);
        assert_eq!(wrap_ranges("abc def", 5), vec![(0, 3), (4, 7)]);
        assert_eq!(wrap_ranges("abcdefgh", 5), vec![(0, 5), (5, 8)]);
        // A full last line: the cursor after it goes onto a new line.
        assert_eq!(wrap_ranges("abcde", 5), vec![(0, 5), (5, 5)]);
        assert_eq!(wrap_ranges("abc ", 3), vec![(0, 3), (4, 4)]);
        let lines = wrap_ranges("aa bb cc dd ee", 2);
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert_eq!(wrap_window(&lines, 14, 2), (4, (5, 0)));
        assert_eq!(wrap_window(&lines, 13, 2), (3, (4, 1)));
        assert_eq!(wrap_window(&lines, 0, 2), (0, (0, 0)));
    }
}
