//! The contact form: every field of the CSV, problems beside each as you type, what the
//! typed code says about the person ("did you mean" for a complete new code), the values of
//! the focused list field. It logs contacts (for a field night or on its own), or edits a
//! logged one (over the history it came from).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zeroize::Zeroizing;

use super::Screen;
use crate::domain::{FieldNight, PersonCode, MAX_NOTE_CHARS};
use crate::i18n::Does;
use crate::tui::app::{Action, App, Change, Confirm, Go, Message, Popup};
use crate::tui::form::{contact_type_for, ContactForm, Field, Problem};
use crate::tui::keys::{clear, h, help_typing, quit_typing, Help, Key::*};
use crate::tui::ui::{input_line, visible, wrap_ranges, wrap_window};
use crate::vault::{ChangeReason, PersonSummary};

static HELP: &[Help<Contact>] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter], Does::EnterNextOrSave),
    h(&[Ctrl('s'), F(2)], Does::SaveContact),
    clear(),
    h(&[Ctrl('p')], Does::Prefill),
    h(&[Ctrl('d')], Does::DidYouMean),
    h(&[Ctrl('t'), Ctrl('r'), Ctrl('n')], Does::JumpToField),
    h(&[Ctrl('g')], Does::JumpToProjects),
    h(&[Ctrl('o')], Does::History),
    h(&[Esc], Does::CloseForm),
    help_typing(),
    quit_typing(),
];

/// The form editing a logged contact: saving asks why, and there is no history to open.
static HELP_EDIT: &[Help<Contact>] = &[
    h(&[Tab, BackTab], Does::NextPreviousField),
    h(&[Typing], Does::TypePicks),
    h(&[Up, Down], Does::StepValues),
    h(&[Enter], Does::EnterNext),
    h(&[Ctrl('s'), F(2)], Does::SaveEdit),
    clear(),
    h(&[Ctrl('p')], Does::Prefill),
    h(&[Ctrl('d')], Does::DidYouMean),
    h(&[Ctrl('t'), Ctrl('r'), Ctrl('n')], Does::JumpToField),
    h(&[Ctrl('g')], Does::JumpToProjects),
    h(&[Esc], Does::CloseForm),
    help_typing(),
    quit_typing(),
];

/// The form's own keys: the fields that change only now and then, one key away (also while
/// typing).
pub fn key(key: &KeyEvent) -> Option<Action> {
    if !key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    match key.code {
        KeyCode::Char('t') => Some(Action::Jump(Field::ContactType)),
        KeyCode::Char('r') => Some(Action::Jump(Field::Referrals)),
        KeyCode::Char('g') => Some(Action::Jump(Field::Projects)),
        KeyCode::Char('n') => Some(Action::Jump(Field::Note)),
        _ => None,
    }
}

/// What the code field knows about the typed code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PersonInfo {
    #[default]
    None,
    New,
    Known(PersonSummary),
}

/// Known codes one edit away from a new code, offered once the code is complete (when the
/// code field is left), each with what its person's latest contact says, so that `Ctrl-D`
/// never files a new person under someone else unseen.
#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    /// The code as typed, which `Ctrl-D` comes back to after the last suggestion.
    pub typed: Zeroizing<String>,
    pub list: Vec<(Zeroizing<String>, Option<PersonSummary>)>,
    /// The suggestion in the code field now, if any.
    pub at: Option<usize>,
}

pub struct Contact {
    pub form: ContactForm,
    pub person: PersonInfo,
    /// "Did you mean" for a complete new code.
    pub suggestions: Option<Suggestions>,
    /// Contacts saved since the form was opened.
    pub saved_count: u32,
    /// The contacts the form's field night held when the form was opened.
    pub night_base: usize,
    /// The id of the contact saved last.
    pub last_saved: Option<i64>,
    /// The contact the form edits (instead of logging a new one).
    pub editing: Option<i64>,
}

/// Opens the contact form, for a field night or on its own.
pub fn open(app: &mut App, night: Option<&FieldNight>) -> Go {
    if !app.may_log() {
        app.refuse();
        return Go::Stay;
    }
    let form = match night {
        Some(n) => ContactForm::new(
            app.today,
            n.date,
            Some(n.details.district.as_str()),
            Some(contact_type_for(n.details.kind)),
            Some(n.id),
        ),
        None => ContactForm::new(app.today, app.today, None, None, None),
    };
    let night_base = match (night, app.session.as_mut()) {
        (Some(n), Some(s)) => match s.vault.contacts().night_count(n.id) {
            Ok(count) => count,
            Err(e) => {
                app.error(&e);
                0
            }
        },
        _ => 0,
    };
    let (districts, projects) = app
        .session
        .as_ref()
        .map(|s| (s.vault.districts().clone(), s.vault.projects().clone()))
        .unwrap_or_default();
    Go::To(Screen::Contact(Contact {
        form: form
            .with_projects(&projects)
            .with_night_project(
                night
                    .and_then(|n| n.details.project)
                    .and_then(|id| projects.by_id(id))
                    .map(|p| p.details.name.to_string()),
            )
            .in_lang(app.lang, &districts),
        person: PersonInfo::None,
        suggestions: None,
        saved_count: 0,
        night_base,
        last_saved: None,
        editing: None,
    }))
}

impl Contact {
    /// The form editing logged contact `id`.
    pub fn editing(form: ContactForm, id: i64) -> Contact {
        Contact {
            form,
            person: PersonInfo::None,
            suggestions: None,
            saved_count: 0,
            night_base: 0,
            last_saved: None,
            editing: Some(id),
        }
    }

    pub fn help(&self) -> &'static [Help<Contact>] {
        if self.editing.is_some() {
            HELP_EDIT
        } else {
            HELP
        }
    }

    /// Forgets what was looked up for the code (another user signs in to this form).
    pub fn forget_person(&mut self) {
        self.person = PersonInfo::None;
        self.suggestions = None;
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let Some(districts) = app.session.as_ref().map(|s| s.vault.districts().clone()) else {
            return Go::Stay;
        };
        let f = &mut self.form;
        match action {
            Action::Edit(req) => {
                let changed = f.edit(req);
                if changed && f.focus == Field::Code {
                    self.suggestions = None;
                    self.look_up_code(app);
                }
            }
            Action::Paste(text) => {
                let changed = f.paste(&text);
                if changed && f.focus == Field::Code {
                    self.suggestions = None;
                    self.look_up_code(app);
                }
            }
            Action::NextField | Action::PreviousField | Action::Submit | Action::Jump(_)
                if f.focus == Field::Code =>
            {
                // The code is complete when its field is left: only now are neighbours offered.
                match action {
                    Action::PreviousField => f.previous(&districts),
                    Action::Jump(to) => f.jump(&districts, to),
                    _ => f.next(&districts),
                }
                self.suggest(app);
            }
            Action::Jump(to) => f.jump(&districts, to),
            Action::NextField => f.next(&districts),
            Action::PreviousField => f.previous(&districts),
            Action::Up => f.cycle(&districts, false),
            Action::Down => f.cycle(&districts, true),
            Action::Submit => {
                if f.focus == Field::Note && self.editing.is_none() {
                    self.save(app);
                } else {
                    f.next(&districts);
                }
            }
            Action::Save => match self.editing {
                Some(id) => {
                    if let Some(contact) = f.values(&districts) {
                        app.popup = Some(Popup::Reason {
                            change: Change::Edit { id, contact },
                            selected: 0,
                        });
                    } else {
                        app.message = Some(Message::Error(app.text().fix_first.into()));
                    }
                }
                None => self.save(app),
            },
            // Not while editing: the logging form is already under the edit.
            Action::OpenPerson if self.editing.is_none() => {
                if matches!(self.person, PersonInfo::Known(_)) {
                    let code = Zeroizing::new(f.text(Field::Code).to_string());
                    match super::history::open_person(app, &code) {
                        Some(go) => return go,
                        // Not known (any more), or no contact left.
                        None => self.look_up_code(app),
                    }
                }
            }
            Action::Prefill => {
                if let PersonInfo::Known(p) = &self.person {
                    if let Some(a) = p.latest.clone() {
                        f.prefill(&a);
                    }
                }
            }
            Action::TakeSuggestion => {
                // Each Ctrl-D puts the next suggestion in; after the last, the code as typed.
                if let Some(sg) = self.suggestions.as_mut() {
                    let at = match sg.at {
                        None => Some(0),
                        Some(i) if i + 1 < sg.list.len() => Some(i + 1),
                        Some(_) => None,
                    };
                    sg.at = at;
                    let code = match at {
                        Some(i) => sg.list[i].0.clone(),
                        None => sg.typed.clone(),
                    };
                    f.set(Field::Code, &code);
                    self.look_up_code(app);
                }
            }
            Action::Back if f.dirty => app.popup = Some(Popup::Confirm(Confirm::Discard)),
            // Back to the list, the history or the form this one came from.
            Action::Back => return Go::Back,
            _ => {}
        }
        Go::Stay
    }

    pub fn confirmed(&mut self, _app: &mut App, c: Confirm) -> Go {
        match c {
            Confirm::Discard => Go::Back,
            _ => Go::Stay,
        }
    }

    /// Stores the edit the question showed, with the reason chosen; back to the history,
    /// read again.
    pub fn change(&mut self, app: &mut App, change: Change, reason: ChangeReason) -> Go {
        let Change::Edit { id, contact: c } = change else {
            return Go::Stay;
        };
        let Some(s) = app.session.as_mut() else {
            return Go::Stay;
        };
        let result = s.vault.contacts().edit(
            id,
            c.date,
            &c.attributes,
            c.attributes.concern,
            &c.note,
            c.code.as_ref(),
            reason,
        );
        match result {
            Ok(changed) => {
                s.overview = None;
                let t = app.text();
                let said = if changed {
                    t.contact_edited
                } else {
                    t.contact_unchanged
                };
                app.message = Some(Message::Info(said.into()));
                Go::BackChanged
            }
            Err(e) => {
                app.error(&e);
                Go::Stay
            }
        }
    }

    /// Looks the typed code up: known (how often, when), new, or close to known ones.
    pub fn look_up_code(&mut self, app: &mut App) {
        let Some(s) = app.session.as_mut() else {
            return;
        };
        let f = &self.form;
        // A code that looks like an identifier is never looked up (nor saved: see the form).
        if PersonCode::identifier_in(f.text(Field::Code)).is_some() {
            self.person = PersonInfo::None;
            return;
        }
        let Some(code) = PersonCode::normalise(f.text(Field::Code)) else {
            self.person = PersonInfo::None;
            return;
        };
        match s.vault.persons().lookup(&code) {
            Ok(Some(p)) => self.person = PersonInfo::Known(p),
            Ok(None) => self.person = PersonInfo::New,
            Err(e) => app.error(&e),
        }
    }

    /// For a complete code that is new: the known codes one edit away, with their persons'
    /// latest contacts.
    fn suggest(&mut self, app: &mut App) {
        self.suggestions = None;
        if self.person != PersonInfo::New {
            return;
        }
        let Some(s) = app.session.as_mut() else {
            return;
        };
        let typed = Zeroizing::new(self.form.text(Field::Code).to_string());
        let Some(code) = PersonCode::normalise(&typed) else {
            return;
        };
        if s.person_index.is_none() {
            match s.vault.persons().index() {
                Ok(i) => s.person_index = Some(i),
                Err(e) => {
                    app.error(&e);
                    return;
                }
            }
        }
        let near = match s.person_index.as_ref() {
            Some(i) => match s.vault.persons().did_you_mean(i, &code, 3) {
                Ok(near) => near,
                Err(e) => {
                    app.error(&e);
                    return;
                }
            },
            None => Vec::new(),
        };
        let mut list = Vec::new();
        for v in near {
            let person =
                PersonCode::normalise(&v).and_then(|c| s.vault.persons().lookup(&c).ok().flatten());
            list.push((v, person));
        }
        if !list.is_empty() {
            self.suggestions = Some(Suggestions {
                typed,
                list,
                at: None,
            });
        }
    }

    /// Logs the form's contact; the form is emptied but for what carries over.
    fn save(&mut self, app: &mut App) {
        let Some(s) = app.session.as_mut() else {
            return;
        };
        let districts = s.vault.districts().clone();
        let f = &self.form;
        let Some(contact) = f.values(&districts) else {
            app.message = Some(Message::Error(app.text().fix_first.into()));
            return;
        };
        let pseudonym = contact
            .code
            .as_ref()
            .and_then(|c| s.vault.persons().pseudonym_of(c).ok());
        let concern = contact.attributes.concern;
        match s.vault.contacts().add_with_concern(contact, concern) {
            Ok(id) => {
                self.last_saved = Some(id);
                if let (Some(p), Some(index)) = (pseudonym, s.person_index.as_mut()) {
                    index.insert(p);
                }
                // The figures are recomputed when the overview is shown next, not per key.
                s.overview = None;
                self.form = f.carried_over(&districts);
                self.person = PersonInfo::None;
                self.suggestions = None;
                self.saved_count += 1;
                app.message = Some(Message::Info(app.text().contact_saved.into()));
            }
            Err(e) => app.error(&e),
        }
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let (f, Some(s)) = (&self.form, app.session.as_ref()) else {
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
                        self.night_base + self.saved_count as usize,
                        t.contacts_this_night
                    ),
                    None => format!(" {} ", t.contact_title),
                }
            }
            None => format!(" {} ", t.contact_title),
        };
        let title = match self.editing {
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
            let kept_hint = field == Field::Code
                && self.editing.is_some()
                && f.text(Field::Code).trim().is_empty();
            if field == Field::Concern && !f.under18() {
                lines.push(Line::from(Span::styled(
                    format!("  {:<lw$} – {}", label(app, field), t.concern_not_asked),
                    dim,
                )));
                continue;
            }
            let focused = f.focus == field;
            let ch = f.choices_of(field, districts);
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
                    format!(
                        "✗ {}",
                        crate::tui::ui::describe(app, p, if focused { &ch } else { &[] })
                    ),
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
        let person = if self.editing.is_some() && f.text(Field::Code).trim().is_empty() {
            &PersonInfo::None
        } else {
            &self.person
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
            PersonInfo::None if self.editing.is_some() => {}
            PersonInfo::None if f.text(Field::Code).trim().is_empty() && f.focus == Field::Code => {
                below.push(Line::from(format!("  {}", t.unidentified)))
            }
            PersonInfo::None => {}
            PersonInfo::New => below.push(Line::from(format!("  {}", t.person_new))),
            PersonInfo::Known(p) => below.push(Line::from(Span::styled(
                format!(
                    "  {} · {}",
                    crate::tui::ui::known_person(app, p),
                    t.person_prefill
                ),
                Style::new().add_modifier(Modifier::BOLD),
            ))),
        }
        if let Some(sg) = self.suggestions.as_ref() {
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
        let ch = f.choices_of(f.focus, districts);
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
        crate::tui::ui::draw_hint(frame, t.contact_hint, hint);
        if let (Some((x, y)), None) = (cursor, &app.popup) {
            frame.set_cursor_position((fields.x + x as u16, fields.y + y as u16));
        }
    }
}

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
        Field::Projects => t.projects,
        Field::Trafficking => l.trafficking,
        Field::Note => t.note,
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
