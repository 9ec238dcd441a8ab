//! The audit screen (checks and findings; never a note) and the users screen.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::{centered, input_line, visible};
use crate::audit::Status;
use crate::tui::app::App;

pub fn draw_audit(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let l = app.lang.text();
    let Some(r) = app.audit.as_ref() else {
        return;
    };
    let [checks, findings, hint] = Layout::vertical([
        Constraint::Length(r.checks.len() as u16 + 3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(body);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let rows: Vec<Row> = r
        .checks
        .iter()
        .map(|c| {
            let status = match c.status {
                Status::Pass => l.audit_pass,
                Status::Warn => l.audit_warn,
                Status::Fail => l.audit_fail,
            };
            let row = Row::new(vec![
                c.id.to_string(),
                status.to_string(),
                c.summary.clone(),
            ]);
            if c.status == Status::Pass {
                row
            } else {
                row.style(bold)
            }
        })
        .collect();
    let verdict = if r.ok { l.audit_ok } else { l.audit_not_ok };
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Length(6),
                Constraint::Min(20),
            ],
        )
        .header(Row::new(vec![t.audit_check, t.audit_status, t.audit_summary]).style(bold))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} · {verdict} ", t.audit_title)),
        ),
        checks,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", l.audit_findings));
    if r.findings.is_empty() {
        frame.render_widget(Paragraph::new(t.audit_no_findings).block(block), findings);
    } else {
        let rows: Vec<Row> = r
            .findings
            .iter()
            .skip(app.audit_scroll)
            .map(|f| Row::new(vec![f.check.to_string(), f.record.clone(), f.kind.clone()]))
            .collect();
        frame.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(12),
                    Constraint::Length(20),
                    Constraint::Min(10),
                ],
            )
            .header(Row::new(vec![t.audit_check, t.audit_record, t.audit_kind]).style(bold))
            .block(block),
            findings,
        );
    }
    super::draw_hint(frame, t.audit_hint, hint);
}

pub fn draw_users(frame: &mut Frame, app: &App, body: Rect) {
    let t = app.text();
    let Some(u) = app.users.as_ref() else {
        return;
    };
    let [list, hint] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(body);
    let rows: Vec<Row> = u
        .list
        .iter()
        .map(|x| {
            Row::new(vec![
                x.name.clone(),
                x.role
                    .parse::<crate::domain::StaffRole>()
                    .map_or_else(|_| x.role.clone(), |r| r.label(app.lang).to_string()),
                if x.disabled {
                    t.user_is_disabled
                } else {
                    t.user_active
                }
                .to_string(),
            ])
        })
        .collect();
    let mut state = TableState::default().with_selected(Some(u.selected));
    frame.render_stateful_widget(
        super::pick_table(
            rows,
            [
                Constraint::Length(20),
                Constraint::Length(10),
                Constraint::Min(10),
            ],
            vec![t.user_name, t.user_role, t.user_state],
            t.users_title,
        ),
        list,
        &mut state,
    );
    super::draw_hint(frame, t.users_hint, hint);
    if let Some(inputs) = u.adding.as_ref() {
        let area = centered(frame.area(), 60, 10);
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", t.user_new_title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let labels = [t.user_name, t.user_role, t.passphrase, t.user_again];
        let lw = labels.iter().map(|s| s.chars().count()).max().unwrap_or(8);
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, label) in labels.iter().enumerate() {
            let (shown, col) = if i >= 2 {
                let n = inputs[i].value().chars().count().min(24);
                ("•".repeat(n), n)
            } else {
                visible(&inputs[i], 24)
            };
            if u.focus == i {
                cursor = Some((lw + 4 + col, i));
            }
            let extra = if i == 1 {
                vec![Span::styled(
                    "outreach lead auditor admin",
                    Style::new().add_modifier(Modifier::DIM),
                )]
            } else {
                vec![]
            };
            lines.push(input_line(label, lw, &shown, u.focus == i, extra));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            t.user_form_hint,
            Style::new().add_modifier(Modifier::DIM),
        )));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let (Some((x, y)), None) = (cursor, &app.popup) {
            frame.set_cursor_position((inner.x + x as u16, inner.y + y as u16));
        }
    }
}
