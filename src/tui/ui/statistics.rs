//! The statistics screen: the choices on top, the table and a bar chart of contacts below.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use crate::stats::publish::Cell;
use crate::stats::render::cell_text;
use crate::tui::app::App;
use crate::tui::statistics::{filter_dimensions, values_of, Period, Zone};

fn mark(on: bool) -> &'static str {
    if on {
        "›"
    } else {
        " "
    }
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let (Some(v), Some(s)) = (app.stats.as_ref(), app.session.as_ref()) else {
        return;
    };
    let districts = s.vault.districts();
    let [controls, results, hint] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(body);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let focus = |z: Zone| if v.zone == z { bold } else { Style::new() };

    let period = match v.periods.get(v.period) {
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
    let cursor_dim = crate::stats::Dimension::ALL[v.by_cursor];
    let fdim = filter_dimensions()[v.filter_dim];
    let fvalues = values_of(fdim, districts);
    let fvalue = fvalues.get(v.filter_value).cloned().unwrap_or_default();
    let fchosen = v.filters.get(&fdim).is_some_and(|l| l.contains(&fvalue));
    let active = if v.filters.is_empty() {
        t.stats_none.to_string()
    } else {
        v.filters
            .iter()
            .map(|(d, vals)| format!("{d}={}", vals.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let state = match (v.stale, v.published) {
        (true, _) => t.stats_stale,
        (false, true) => t.stats_published,
        (false, false) => t.stats_exact,
    };
    let lines = vec![
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
                "{} = ‹ {fvalue}{} ›   {active}",
                l.dimension(fdim).to_lowercase(),
                if fchosen { " ✓" } else { "" }
            )),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), controls);

    let Some(shown) = v.shown.as_ref() else {
        frame.render_widget(Paragraph::new(t.stats_stale), results);
        return;
    };
    let cell = |c: Cell| cell_text(c, shown.threshold, app.lang);
    let [table_area, chart_area] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(26)]).areas(results);
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
    let mut rows: Vec<Row> = Vec::new();
    let total_label = |n: usize| {
        let mut v = vec![String::new(); n];
        if let Some(first) = v.first_mut() {
            *first = "Σ".into();
        }
        v
    };
    let mut total = total_label(shown.by.len());
    total.extend([
        cell(shown.totals.contacts),
        cell(shown.totals.individuals),
        cell(shown.totals.new_individuals),
    ]);
    rows.push(Row::new(total).style(bold));
    for g in shown.groups.iter().skip(v.scroll) {
        let mut r = g.key.clone();
        r.extend([
            cell(g.figures.contacts),
            cell(g.figures.individuals),
            cell(g.figures.new_individuals),
        ]);
        rows.push(Row::new(r));
    }
    let widths: Vec<Constraint> = (0..header.len())
        .map(|i| {
            if i < shown.by.len() {
                Constraint::Min(8)
            } else {
                Constraint::Length(12)
            }
        })
        .collect();
    let title = format!(
        " {} · {} {} ",
        l.period,
        shown.from.as_deref().unwrap_or("–"),
        shown.to.as_deref().unwrap_or("–")
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(bold))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .title_style(focus(Zone::Table)),
            ),
        table_area,
    );

    let bars: Vec<Bar> = shown
        .groups
        .iter()
        .skip(v.scroll)
        .take(chart_area.height.saturating_sub(2) as usize)
        .map(|g| {
            Bar::default()
                .value(g.figures.contacts.value().unwrap_or(0))
                .label(Line::from(g.key.join(" ")))
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
            .bar_width(1)
            .bar_gap(0),
        chart_area,
    );
    super::draw_hint(frame, t.stats_hint, hint);
}
