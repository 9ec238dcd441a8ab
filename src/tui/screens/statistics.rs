//! The statistics screen: period, `--by` dimensions and filters chosen from lists on top,
//! the table and a bar chart of contacts below. The figures are computed through the vault's
//! statistics door when asked (Enter), never per key; the choices (`tui::statistics`) stay
//! while another screen is up.

use crate::domain::Lists;
use crate::stats::publish::LinkedQueries;
use chrono::Datelike;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Cell as TableCell, Paragraph, Row, Table,
};
use ratatui::Frame;

use crate::stats::publish::Cell;
use crate::stats::render::cell_text;
use crate::tui::statistics::{filter_dimensions, values_of, Period, Zone};

use super::Screen;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Go, Message};
use crate::tui::keys::{h, help_key, needs, quit, Help, Key::*};
use crate::tui::statistics::{year_of, StatsView, YearTyped};
use crate::vault::{Permission, StatsPurpose};

pub static HELP: &[Help<Statistics>] = &[
    h(&[Tab, BackTab], Does::StatsRow),
    h(&[Left, Right], Does::StatsLeftRight),
    h(&[Digits], Does::StatsYear),
    h(&[Char('a')], Does::StatsAllTime),
    h(&[Space], Does::StatsToggle),
    h(&[Up, Down], Does::StatsUpDown),
    h(&[Enter, Ctrl('s'), F(2)], Does::StatsCompute),
    h(&[Char('p')], Does::StatsPublished),
    needs(&[Char('f')], Does::Nights, Permission::WriteContacts),
    h(&[Char('o'), Esc], Does::Overview),
    help_key(),
    quit(),
];

/// The screen's own keys: `a` for all time and a year's digits.
pub fn key(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('a') => Some(Action::AllTime),
        KeyCode::Char(c @ '0'..='9') => Some(Action::Digit(c)),
        _ => None,
    }
}

pub struct Statistics {
    /// Boxed: the choices and figures are the largest screen state, moved with the screen.
    pub view: Box<StatsView>,
}

/// Opens the statistics screen: with the choices it had when it was left, or the first time
/// with this year's figures.
pub fn open(app: &mut App) -> Go {
    let Some(s) = app.session.as_mut() else {
        return Go::Stay;
    };
    let view = match s.statistics.take() {
        Some(v) => v,
        None => {
            let range = match s.vault.stats().date_range() {
                Ok(r) => r,
                Err(e) => {
                    app.error(&e);
                    return Go::Stay;
                }
            };
            let (first, last) = match &range {
                Some((f, l)) => (year_of(f), year_of(l)),
                None => (None, None),
            };
            Box::new(StatsView::new(first, last, app.today.year()))
        }
    };
    let mut screen = Statistics { view };
    if screen.view.result.is_none() {
        screen.compute(app);
    }
    Go::To(Screen::Statistics(screen))
}

impl Statistics {
    /// Computes the chosen figures (Enter) through the vault's statistics door, as `uppsok
    /// stats` does; logged as the statistics screen's read.
    fn compute(&mut self, app: &mut App) {
        let Some(s) = app.session.as_mut() else {
            return;
        };
        let v = &mut self.view;
        let q = match v.query(Lists::new(s.vault.districts(), s.vault.projects())) {
            Ok(q) => q,
            Err(e) => {
                app.message = Some(Message::Error(e));
                return;
            }
        };
        let asked = [q];
        let linked = LinkedQueries::new(&asked);
        let result = s
            .vault
            .stats()
            .open(StatsPurpose::Screen)
            .and_then(|door| door.count_linked(&asked, &linked, &mut []));
        match result {
            Ok(r) => v.set_result(
                linked.families(&r).swap_remove(0),
                linked.others(&r).swap_remove(0),
                &asked[0].by,
            ),
            Err(e) => app.error(&e),
        }
    }

    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let Some((districts, projects)) = app
            .session
            .as_ref()
            .map(|s| (s.vault.districts().clone(), s.vault.projects().clone()))
        else {
            return Go::Stay;
        };
        let v = &mut self.view;
        if !matches!(action, Action::Digit(_)) {
            v.year_typed.clear();
        }
        match action {
            Action::Digit(d) => {
                if let YearTyped::NotAPeriod(y) = v.type_digit(d) {
                    let t = app.text();
                    let years = v
                        .years()
                        .map(|(a, b)| format!(" {} {a}–{b}.", t.stats_years))
                        .unwrap_or_default();
                    app.message = Some(Message::Error(format!("{} {y}.{years}", t.stats_no_year)));
                }
            }
            Action::AllTime => v.all_time(),
            Action::NextField => v.next_zone(true),
            Action::PreviousField => v.next_zone(false),
            Action::Left => v.left_right(Lists::new(&districts, &projects), false),
            Action::Right => v.left_right(Lists::new(&districts, &projects), true),
            Action::Up => v.up_down(false),
            Action::Down => v.up_down(true),
            Action::Toggle => v.toggle(Lists::new(&districts, &projects)),
            Action::TogglePublished => v.toggle_published(),
            Action::Submit | Action::Save => self.compute(app),
            Action::Back | Action::GoOverview => return Go::To(super::overview::open(app)),
            Action::GoNights => return super::nights::open(app),
            _ => {}
        }
        Go::Stay
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let l = app.lang.text();
        let (v, Some(s)) = (&self.view, app.session.as_ref()) else {
            return;
        };
        let lists = Lists::new(s.vault.districts(), s.vault.projects());
        let [controls, results, hint] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(body);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let focus = |z: Zone| if v.zone == z { bold } else { Style::new() };

        let period = match v.periods.get(v.period) {
            _ if !v.year_typed.is_empty() => format!("{}_", v.year_typed),
            Some(Period::Year(y)) => y.to_string(),
            _ => l.all_time.to_string(),
        };
        let by_chosen = if v.by.is_empty() {
            t.stats_none.to_string()
        } else {
            v.by.iter()
                .map(|d| l.dimension(*d).to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let cursor_dim = crate::tui::statistics::by_dimensions()[v.by_cursor];
        let fdim = filter_dimensions()[v.filter_dim];
        let fvalues = values_of(fdim, lists);
        let fvalue = fvalues.get(v.filter_value).cloned().unwrap_or_default();
        let fchosen = v.filters.get(&fdim).is_some_and(|l| l.contains(&fvalue));
        let active = if v.filters.is_empty() {
            t.stats_none.to_string()
        } else {
            v.filters
                .iter()
                .map(|(d, vals)| {
                    let vals: Vec<String> = vals
                        .iter()
                        .map(|v| crate::stats::value_label(*d, v, app.lang))
                        .collect();
                    format!("{}={}", l.dimension(*d).to_lowercase(), vals.join(","))
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let state = match (v.stale, v.published) {
            (true, _) => t.stats_stale,
            (false, true) if v.withheld => t.stats_withheld,
            (false, true) => t.stats_published,
            (false, false) => t.stats_exact,
        };
        let mut lines = vec![
            Line::from(vec![
                Span::styled(
                    format!("{} {:<8}", mark(v.zone == Zone::Period), l.period),
                    focus(Zone::Period),
                ),
                Span::raw(format!("‹ {period} ›   ")),
                Span::styled(format!("[{state}]"), bold),
            ]),
            Line::from(vec![
                Span::styled(
                    format!("{} {:<8}", mark(v.zone == Zone::By), t.stats_by),
                    focus(Zone::By),
                ),
                Span::raw(format!(
                    "{by_chosen}  ‹ {}{} ›",
                    l.dimension(cursor_dim).to_lowercase(),
                    if v.by.contains(&cursor_dim) {
                        " ✓"
                    } else {
                        ""
                    }
                )),
            ]),
            Line::from(vec![
                Span::styled(
                    format!("{} {:<8}", mark(v.zone == Zone::Filter), t.stats_filter),
                    focus(Zone::Filter),
                ),
                Span::raw(format!(
                    "{} = ‹ {}{} ›   {active}",
                    l.dimension(fdim).to_lowercase(),
                    crate::stats::value_label(fdim, &fvalue, app.lang),
                    if fchosen { " ✓" } else { "" }
                )),
            ]),
        ];
        // Beside the totals of the table: what the groups do not show.
        if let Some(shown) = v.shown.as_ref() {
            lines.push(Line::from(format!(
                "  Σ {}: {} · {}: {}",
                l.unidentified_contacts,
                cell_text(
                    shown.totals.unidentified_contacts,
                    shown.threshold,
                    app.lang
                ),
                l.field_nights,
                app.lang.number(shown.field_nights)
            )));
        }
        frame.render_widget(Paragraph::new(lines), controls);

        let Some(shown) = v.shown.as_ref() else {
            frame.render_widget(Paragraph::new(t.stats_stale), results);
            return;
        };
        let cell = |c: Cell| cell_text(c, shown.threshold, app.lang);
        let mut header: Vec<String> = shown
            .by
            .iter()
            .map(|d| l.dimension(*d).to_string())
            .collect();
        header.extend([
            l.contacts.to_string(),
            l.individuals.to_string(),
            l.new_individuals.to_string(),
        ]);
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut total = vec![String::new(); shown.by.len()];
        if let Some(first) = total.first_mut() {
            *first = "Σ".into();
        }
        total.extend([
            cell(shown.totals.contacts),
            cell(shown.totals.individuals),
            cell(shown.totals.new_individuals),
        ]);
        rows.push(total);
        for g in &shown.groups {
            let mut r = key_labels(&shown.by, &g.key, app.lang);
            r.extend([
                cell(g.figures.contacts),
                cell(g.figures.individuals),
                cell(g.figures.new_individuals),
            ]);
            rows.push(r);
        }
        // Each column as wide as its longest value or the longest word of its header, which
        // wraps at spaces: headers are whole words in either language.
        let longest_word = |h: &str| h.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([longest_word(h), 4])
                    .max()
                    .unwrap_or(4)
            })
            .collect();
        let header_cells: Vec<Vec<String>> = header
            .iter()
            .zip(&widths)
            .map(|(h, w)| {
                let chars: Vec<char> = h.chars().collect();
                crate::tui::ui::wrap_ranges(h, *w)
                    .into_iter()
                    .filter(|(a, b)| b > a)
                    .map(|(a, b)| chars[a..b].iter().collect())
                    .collect()
            })
            .collect();
        let header_height = header_cells.iter().map(Vec::len).max().unwrap_or(1);
        // The table takes what it needs; the chart the rest, up to 26 columns, and is left out
        // when fewer than 16 are left.
        let table_width = widths.iter().sum::<usize>() + widths.len().saturating_sub(1) + 2;
        let chart_width = (results.width as usize).saturating_sub(table_width).min(26);
        let chart_width = if chart_width < 16 { 0 } else { chart_width };
        let [table_area, chart_area] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(chart_width as u16)])
                .areas(results);
        let title = format!(
            " {} · {} {} ",
            l.period,
            shown.from.as_deref().unwrap_or("–"),
            shown.to.as_deref().unwrap_or("–")
        );
        let mut table_rows = Vec::new();
        for (i, r) in rows.into_iter().enumerate() {
            // The totals stay on top; the groups below them scroll.
            if i == 0 {
                table_rows.push(Row::new(r).style(bold));
            } else if i > v.scroll {
                table_rows.push(Row::new(r));
            }
        }
        let header_row = Row::new(header_cells.into_iter().map(|lines| {
            TableCell::from(Text::from(
                lines.into_iter().map(Line::from).collect::<Vec<_>>(),
            ))
        }))
        .height(header_height as u16)
        .style(bold);
        frame.render_widget(
            Table::new(
                table_rows,
                widths.iter().map(|w| Constraint::Length(*w as u16)),
            )
            .header(header_row)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .title_style(focus(Zone::Table)),
            ),
            table_area,
        );
        if chart_width == 0 {
            crate::tui::ui::draw_hint(frame, t.stats_hint, hint);
            return;
        }

        // The bars' scale and labels are those of the whole result, not of the rows in view, so
        // a bar keeps its length while the table scrolls.
        let max = shown
            .groups
            .iter()
            .filter_map(|g| g.figures.contacts.value())
            .max()
            .unwrap_or(0);
        let label_width = shown
            .groups
            .iter()
            .map(|g| {
                key_labels(&shown.by, &g.key, app.lang)
                    .join(" ")
                    .chars()
                    .count()
            })
            .max()
            .unwrap_or(0)
            .min(chart_width / 2);
        let bars: Vec<Bar> = shown
            .groups
            .iter()
            .skip(v.scroll)
            .take(chart_area.height.saturating_sub(2) as usize)
            .map(|g| {
                let label: String = key_labels(&shown.by, &g.key, app.lang)
                    .join(" ")
                    .chars()
                    .take(label_width)
                    .collect();
                Bar::default()
                    .value(g.figures.contacts.value().unwrap_or(0))
                    .label(Line::from(format!("{label:<label_width$}")))
                    .text_value(cell(g.figures.contacts))
            })
            .collect();
        frame.render_widget(
            BarChart::default()
                .direction(Direction::Horizontal)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(format!(" {} ", l.contacts)),
                )
                .data(BarGroup::default().bars(&bars))
                .max(max)
                .bar_width(1)
                .bar_gap(0),
            chart_area,
        );
        crate::tui::ui::draw_hint(frame, t.stats_hint, hint);
    }
}

/// A group's values as a person reads them, in the screen's language.
fn key_labels(
    by: &[crate::stats::Dimension],
    key: &[String],
    lang: crate::i18n::Lang,
) -> Vec<String> {
    key.iter()
        .zip(by)
        .map(|(v, d)| crate::stats::value_label(*d, v, lang))
        .collect()
}

fn mark(on: bool) -> &'static str {
    if on {
        "›"
    } else {
        " "
    }
}
