//! The overview: this year against the same dates last year, contacts per month, the latest
//! field nights; and the keys to every other screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::Screen;
use crate::i18n::Does;
use crate::tui::app::{Action, App, Go};
use crate::tui::keys::{h, help_key, needs, quit, Help, Key::*};
use crate::vault::Permission;

pub static HELP: &[Help<()>] = &[
    needs(&[Char('n')], Does::NewNight, Permission::WriteContacts),
    needs(&[Char('f')], Does::Nights, Permission::WriteContacts),
    needs(&[Char('c')], Does::NewContact, Permission::WriteContacts),
    needs(&[Char('i')], Does::Activities, Permission::LogActivities),
    h(&[Char('s')], Does::Statistics),
    needs(&[Char('m')], Does::Merge, Permission::MergePersons),
    needs(&[Char('a')], Does::Audit, Permission::Audit),
    needs(&[Char('u')], Does::Users, Permission::Administer),
    help_key(),
    quit(),
];

/// The overview, its figures recomputed first if a change made them stale.
pub fn open(app: &mut App) -> Screen {
    let stale = app.session.as_ref().is_some_and(|s| s.overview.is_none());
    if stale {
        app.refresh();
    }
    Screen::Overview
}

pub fn update(app: &mut App, action: Action) -> Go {
    match action {
        Action::GoNights => super::nights::open(app),
        Action::NewNight => super::night_form::open(app),
        Action::NewContact => super::contact::open(app, None),
        Action::GoStatistics => super::statistics::open(app),
        Action::GoMerge => super::merge::open(app),
        Action::GoAudit => super::audit::open(app),
        Action::GoUsers => super::users::open(app),
        Action::GoActivities => super::activities::open(app),
        _ => Go::Stay,
    }
}

pub fn draw(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let Some(o) = app.session.as_ref().and_then(|s| s.overview.as_ref()) else {
        frame.render_widget(Paragraph::new(l.no_contacts), body);
        return;
    };
    let [top, chart, hint] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(body);
    // The first screen a newcomer sees says what to do next, for the role signed in.
    let may_log = app
        .role()
        .is_some_and(|r| Permission::WriteContacts.allowed(r));
    crate::tui::ui::draw_hint(
        frame,
        if may_log {
            t.overview_hint
        } else {
            t.overview_hint_reader
        },
        hint,
    );
    let [figures, nights] =
        Layout::horizontal([Constraint::Length(52), Constraint::Min(20)]).areas(top);
    let n = |v: u64| app.lang.number(v);
    let header = Row::new(vec![
        String::new(),
        format!("{} {}", t.this_year, o.year),
        format!("{} {}", t.last_year, o.year - 1),
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let rows = vec![
        Row::new(vec![
            l.contacts.to_string(),
            n(o.this_year.contacts),
            n(o.last_year.contacts),
        ]),
        Row::new(vec![
            l.individuals.to_string(),
            n(o.this_year.individuals),
            n(o.last_year.individuals),
        ]),
        Row::new(vec![
            l.new_individuals.to_string(),
            n(o.this_year.new_individuals),
            n(o.last_year.new_individuals),
        ]),
        Row::new(vec![
            l.field_nights.to_string(),
            n(o.nights_this_year),
            n(o.nights_last_year),
        ]),
    ];
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(18),
                Constraint::Length(14),
                Constraint::Length(16),
            ],
        )
        .header(header)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", t.overview)),
        ),
        figures,
    );

    let mut lines = Vec::new();
    if o.latest_nights.is_empty() {
        let may_log = app
            .role()
            .is_some_and(|r| Permission::WriteContacts.allowed(r));
        lines.push(Line::from(if may_log {
            t.no_nights
        } else {
            t.nights_hidden
        }));
    }
    for night in &o.latest_nights {
        lines.push(Line::from(format!(
            "{}  {:<9} {}",
            night.date.format("%Y-%m-%d"),
            night.details.kind.label(app.lang),
            night.details.district.label(app.lang)
        )));
    }
    let list = Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.latest_nights)),
    );
    // The hint wraps; a night is one line, cut at the edge.
    let list = if o.latest_nights.is_empty() {
        list.wrap(ratatui::widgets::Wrap { trim: true })
    } else {
        list
    };
    frame.render_widget(list, nights);

    let bars: Vec<Bar> = o
        .per_month
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Bar::default()
                .value(*v)
                .label(Line::from(t.months[i]))
                .text_value(n(*v))
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", t.per_month)),
            )
            .data(BarGroup::default().bars(&bars))
            .bar_width(5)
            .bar_gap(1),
        chart,
    );
}
