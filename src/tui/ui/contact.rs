//! The contact form: every field of the CSV, problems beside each as you type, what the
//! typed code says about the person, the values of the focused list field.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{input_line, visible, wrap_ranges, wrap_window};
use crate::domain::MAX_NOTE_CHARS;
use crate::tui::app::{App, PersonInfo};
use crate::tui::form::{choices, Field, Problem};

fn label(app: &App, f: Field) -> &'static str {
    let t = app.text();
    let l = app.lang.text();
    match f {
        Field::Date => t.date,
        Field::Code => t.person_code,
        Field::Role => l.role,
        Field::Gender => l.gender,
        Field::AgeBand => l.age_band,
        Field::Concern => t.concern,
        Field::Counterpart => l.counterpart,
        Field::District => l.district,
        Field::ContactType => l.contact_type,
        Field::Referrals => t.referrals,
        Field::Trafficking => l.trafficking,
        Field::Note => t.note,
    }
}

/// A problem in words.
pub fn describe(app: &App, p: &Problem, choices: &[&str]) -> String {
    let t = app.text();
    match p {
        Problem::Required => t.required.to_string(),
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
    }
}

/// How many lines of a long note are shown; the part around the cursor.
const NOTE_ROWS: usize = 4;

/// From this length on, the note shows its length against the limit.
const NOTE_COUNT_FROM: usize = 3_500;

/// The note, wrapped over up to [`NOTE_ROWS`] lines (the part around the cursor), and below
/// it, on a line of its own, its problem and, near the limit, its length. Also where the
/// cursor is: (column in the value, line).
fn note_lines<'a>(
    app: &App,
    input: &tui_input::Input,
    lw: usize,
    w: usize,
    focused: bool,
    problems: Vec<Span<'a>>,
) -> (Vec<Line<'a>>, (usize, usize)) {
    let text: Vec<char> = input.value().chars().collect();
    let ranges = wrap_ranges(input.value(), w);
    let (first, (line, col)) = wrap_window(&ranges, input.cursor(), NOTE_ROWS);
    let shown = &ranges[first..ranges.len().min(first + NOTE_ROWS)];
    let value_style = if focused {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        Style::new()
    };
    let mut out = Vec::new();
    for (i, (s, e)) in shown.iter().enumerate() {
        let part: String = text[*s..*e].iter().collect();
        let last = i + 1 == shown.len();
        if i == 0 {
            if last {
                out.push(input_line(
                    label(app, Field::Note),
                    lw,
                    &part,
                    focused,
                    Vec::new(),
                ));
            } else {
                // The first of several lines: the bracket opens here and closes on the last.
                let line = input_line(label(app, Field::Note), lw, "", focused, Vec::new());
                let mut spans = line.spans;
                spans.truncate(1);
                spans.push(Span::styled(format!("[{part:<w$}"), value_style));
                out.push(Line::from(spans));
            }
            continue;
        }
        // More above or below the part shown: an arrow where the label would be.
        let more = if i == 1 && first > 0 {
            "↑"
        } else if last && first + shown.len() < ranges.len() {
            "↓"
        } else {
            ""
        };
        let close = if last { "]" } else { " " };
        out.push(Line::from(vec![
            Span::raw(format!("  {more:<lw$}  ")),
            Span::styled(format!("{part}{close}"), value_style),
        ]));
    }
    let count = text.len();
    let mut below = problems;
    if count >= NOTE_COUNT_FROM {
        if !below.is_empty() {
            below.push(Span::raw(" · "));
        }
        let over = count > MAX_NOTE_CHARS;
        below.push(Span::styled(
            format!(
                "{} / {}",
                app.lang.number(count as u64),
                app.lang.number(MAX_NOTE_CHARS as u64)
            ),
            if over {
                Style::new().add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            },
        ));
    }
    if !below.is_empty() {
        let mut spans = vec![Span::raw(" ".repeat(lw + 4))];
        spans.extend(below);
        out.push(Line::from(spans));
    }
    (out, (col.min(w), line - first))
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let (Some(f), Some(s)) = (app.form.as_ref(), app.session.as_ref()) else {
        return;
    };
    let districts = s.vault.districts();
    let title = match f.field_night {
        Some(id) => {
            let night = s.nights.iter().find(|n| n.id == id);
            match night {
                Some(n) => format!(
                    " {} · {} {} {} · {} {} ",
                    t.contact_title,
                    t.night,
                    n.date.format("%Y-%m-%d"),
                    n.details.district.label(app.lang),
                    app.night_base + app.saved_count as usize,
                    t.contacts_this_night
                ),
                None => format!(" {} ", t.contact_title),
            }
        }
        None => format!(" {} ", t.contact_title),
    };
    let title = match app.editing {
        Some(id) => format!(" {} {id} ", t.edit_title),
        None => title,
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    // The fields' lines are as wide as the form; their height follows from them.
    let fields = inner;
    let lw = Field::ALL
        .iter()
        .map(|f| label(app, *f).chars().count())
        .max()
        .unwrap_or(10);
    // Where a value starts: the mark, the label, a space and the bracket.
    let value_col = lw + 4;
    let width = 22usize;
    let dim = Style::new().add_modifier(Modifier::DIM);
    let mut lines = Vec::new();
    let mut cursor = None;
    for field in Field::ALL {
        let kept_hint =
            field == Field::Code && app.editing.is_some() && f.text(Field::Code).trim().is_empty();
        if field == Field::Concern && !f.under18() {
            lines.push(Line::from(Span::styled(
                format!("  {:<lw$} – {}", label(app, field), t.concern_not_asked),
                dim,
            )));
            continue;
        }
        let focused = f.focus == field;
        let ch = choices(field, districts, f.lang);
        let ch = crate::tui::form::labels(&ch);
        let mut extra = Vec::new();
        if kept_hint {
            extra.push(Span::styled(t.person_kept, dim));
        }
        let problem = f.problem(field, districts);
        let show_required = f.dirty || focused;
        match &problem {
            Some(Problem::Required) if !show_required => {}
            Some(p) => extra.push(Span::styled(
                format!("✗ {}", describe(app, p, if focused { &ch } else { &[] })),
                Style::new().add_modifier(Modifier::BOLD),
            )),
            _ => {}
        }
        if problem.is_none() {
            if let Some(v) = f.picked_label(field, districts) {
                if v != f.text(field) {
                    extra.push(Span::raw(format!("→ {v}")));
                }
            }
        }
        if field == Field::Note {
            let w = (fields.width as usize)
                .saturating_sub(value_col + 2)
                .max(10);
            let (note_lines, at) = note_lines(app, f.input(field), lw, w, focused, extra);
            if focused {
                cursor = Some((value_col + at.0, lines.len() + at.1));
            }
            lines.extend(note_lines);
            continue;
        }
        let (shown, col) = visible(f.input(field), width);
        if focused {
            cursor = Some((value_col + col, lines.len()));
        }
        // A problem goes beside its field when it fits there, otherwise on a line of its own
        // below it: never off the screen.
        let beside = value_col + width + 2 + extra.iter().map(|s| s.width()).sum::<usize>();
        let below = if beside > fields.width as usize {
            std::mem::take(&mut extra)
        } else {
            Vec::new()
        };
        lines.push(input_line(
            label(app, field),
            lw,
            &format!("{shown:<width$}"),
            focused,
            extra,
        ));
        if !below.is_empty() {
            let mut spans = vec![Span::raw(" ".repeat(value_col))];
            spans.extend(below);
            lines.push(Line::from(spans));
        }
    }
    let [fields, info, hint] = Layout::vertical([
        Constraint::Length(lines.len() as u16),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), fields);

    // Below the fields: the person, or the values of the focused list field.
    let mut below = Vec::new();
    let person = if app.editing.is_some() && f.text(Field::Code).trim().is_empty() {
        &PersonInfo::None
    } else {
        &app.person
    };
    let code_is_identifier = matches!(
        f.problem(Field::Code, districts),
        Some(Problem::CodeIdentifier(_))
    );
    match person {
        _ if code_is_identifier => below.push(Line::from(Span::styled(
            format!("  {}", t.code_is_identifier),
            Style::new().add_modifier(Modifier::BOLD),
        ))),
        PersonInfo::None if app.editing.is_some() => {}
        PersonInfo::None if f.text(Field::Code).trim().is_empty() && f.focus == Field::Code => {
            below.push(Line::from(format!("  {}", t.unidentified)))
        }
        PersonInfo::None => {}
        PersonInfo::New => below.push(Line::from(format!("  {}", t.person_new))),
        PersonInfo::Known(p) => below.push(Line::from(Span::styled(
            format!("  {} · {}", super::known_person(app, p), t.person_prefill),
            Style::new().add_modifier(Modifier::BOLD),
        ))),
    }
    if let Some(sg) = app.suggestions.as_ref() {
        // Each with what its person's latest contact says; the one in the field marked.
        below.push(Line::from(Span::styled(
            format!("  {} (Ctrl-D):", t.did_you_mean),
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for (i, (code, p)) in sg.list.iter().enumerate() {
            let latest = p
                .as_ref()
                .and_then(|p| p.latest.as_ref())
                .map(|a| {
                    format!(
                        "{}, {}, {}, {}",
                        a.role.label(app.lang),
                        a.gender.label(app.lang),
                        a.age_band.label(app.lang),
                        a.counterpart.label(app.lang)
                    )
                })
                .unwrap_or_default();
            let mark = if sg.at == Some(i) { "▶" } else { " " };
            below.push(Line::from(format!("  {mark} {} – {latest}", code.as_str())));
        }
    }
    if f.under18() {
        below.push(Line::from(Span::styled(
            format!("  ⚠ {}", t.under18_routine),
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    let ch = choices(f.focus, districts, f.lang);
    let ch = crate::tui::form::labels(&ch);
    if !ch.is_empty() {
        below.push(Line::from(Span::styled(
            format!("  {}: {}", t.choices, ch.join(" · ")),
            Style::new().add_modifier(Modifier::DIM),
        )));
    }
    frame.render_widget(
        Paragraph::new(below).wrap(ratatui::widgets::Wrap { trim: false }),
        info,
    );
    super::draw_hint(frame, t.contact_hint, hint);
    if let (Some((x, y)), None) = (cursor, &app.popup) {
        frame.set_cursor_position((fields.x + x as u16, fields.y + y as u16));
    }
}
