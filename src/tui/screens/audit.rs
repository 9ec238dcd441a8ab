//! The audit screen (lead, auditor, admin): the checks and findings of `uppsok audit`, never
//! a note, a code or a value.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

use super::Screen;
use crate::audit::{run_checks, AuditReport, Status};
use crate::i18n::Does;
use crate::tui::app::{Action, App, Go, Message};
use crate::tui::keys::{h, help_key, quit, when, Help, Key::*};
use crate::vault::Permission;

pub static HELP: &[Help<Audit>] = &[
    h(&[Char('r'), Enter, Ctrl('s')], Does::AuditRun),
    when(&[Up, Down], Does::AuditScroll, |a, _| {
        a.report.findings.len() > 1
    }),
    h(&[Char('o'), Esc], Does::Overview),
    help_key(),
    quit(),
];

/// The screen's own key: `r` runs the checks again.
pub fn key(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('r') => Some(Action::Submit),
        _ => None,
    }
}

pub struct Audit {
    pub report: AuditReport,
    /// The first finding shown.
    pub scroll: usize,
}

/// Runs every check, like `uppsok audit` (and logged like it).
fn run(app: &mut App) -> Option<AuditReport> {
    let s = app.session.as_mut()?;
    let result = s.vault.audit().facts(None, None).and_then(|facts| {
        let report = run_checks(&facts);
        drop(facts);
        // A failed report is shown even when its run cannot be logged (a log whose last entry
        // is not its recorded head is not appended to).
        match s.vault.audit().log_run(report.ok) {
            Err(e) if report.ok => return Err(e),
            _ => {}
        }
        Ok(report)
    });
    match result {
        Ok(r) => Some(r),
        Err(e) => {
            app.error(&e);
            None
        }
    }
}

/// The audit screen with the checks run, for the roles that audit.
pub fn open(app: &mut App) -> Go {
    if !app.role().is_some_and(|r| Permission::Audit.allowed(r)) {
        app.refuse();
        return Go::Stay;
    }
    match run(app) {
        Some(report) => Go::To(Screen::Audit(Audit { report, scroll: 0 })),
        None => Go::Stay,
    }
}

impl Audit {
    pub fn update(&mut self, app: &mut App, action: Action) -> Go {
        let n = self.report.findings.len();
        match action {
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down if self.scroll + 1 < n => self.scroll += 1,
            Action::Submit | Action::Save => {
                if let Some(report) = run(app) {
                    *self = Audit { report, scroll: 0 };
                    // The same figures again look like nothing happened: say it ran.
                    if app.message.is_none() {
                        app.message = Some(Message::Info(app.text().audit_ran.into()));
                    }
                }
            }
            Action::Back | Action::GoOverview => return Go::To(super::overview::open(app)),
            _ => {}
        }
        Go::Stay
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, body: Rect) {
        let t = app.text();
        let l = app.lang.text();
        let r = &self.report;
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
                    c.counts.text(app.lang),
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
                    // As wide as the widest status word of the language (`VARNING`).
                    Constraint::Length(
                        [l.audit_pass, l.audit_warn, l.audit_fail, t.audit_status]
                            .iter()
                            .map(|w| w.chars().count() as u16)
                            .max()
                            .unwrap_or(6),
                    ),
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
                .skip(self.scroll)
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
        crate::tui::ui::draw_hint(frame, t.audit_hint, hint);
    }
}
