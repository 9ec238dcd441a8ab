//! State for the audit screen (lead, auditor, admin: the checks and findings of `uppsok
//! audit`, never a note) and the users screen (admin: list, add, disable). No drawing here.

use tui_input::Input;

use super::app::{Action, App, Confirm, Message, Popup, Screen};
use crate::audit::{run_checks, AuditReport};
use crate::crypto::Passphrase;
use crate::domain::StaffRole;
use crate::vault::{Permission, UserInfo};

pub struct UsersView {
    pub list: Vec<UserInfo>,
    pub selected: usize,
    /// The new-user form: name, role, passphrase, passphrase again.
    pub adding: Option<[Input; 4]>,
    pub focus: usize,
}

impl Drop for UsersView {
    fn drop(&mut self) {
        if let Some(inputs) = self.adding.as_mut() {
            for i in inputs {
                i.reset();
            }
        }
    }
}

impl App {
    pub(super) fn open_audit(&mut self) {
        if !self.role().is_some_and(|r| Permission::Audit.allowed(r)) {
            return self.refuse();
        }
        self.screen = Screen::Audit;
        self.run_audit();
    }

    /// Runs every check, like `uppsok audit` (and logged like it).
    fn run_audit(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let result = s.vault.audit().facts(None, None).and_then(|facts| {
            let report = run_checks(&facts);
            drop(facts);
            s.vault.audit().log_run(report.ok)?;
            Ok(report)
        });
        match result {
            Ok(r) => {
                self.audit = Some(r);
                self.audit_scroll = 0;
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    pub(super) fn update_audit(&mut self, action: Action) {
        let n = self
            .audit
            .as_ref()
            .map_or(0, |r: &AuditReport| r.findings.len());
        match action {
            Action::Up => self.audit_scroll = self.audit_scroll.saturating_sub(1),
            Action::Down if self.audit_scroll + 1 < n => self.audit_scroll += 1,
            Action::Submit | Action::Save => {
                self.run_audit();
                if self.message.is_none() {
                    // The same figures again look like nothing happened: say it ran.
                    self.message = Some(Message::Info(self.text().audit_ran.into()));
                }
            }
            Action::Back | Action::GoOverview => {
                self.screen = Screen::Overview;
            }
            _ => {}
        }
    }

    pub(super) fn open_users(&mut self) {
        if !self
            .role()
            .is_some_and(|r| Permission::Administer.allowed(r))
        {
            return self.refuse();
        }
        self.reload_users(0);
        if self.users.is_some() {
            self.screen = Screen::Users;
        }
    }

    fn reload_users(&mut self, selected: usize) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.vault.staff().list() {
            Ok(list) => {
                let selected = selected.min(list.len().saturating_sub(1));
                self.users = Some(UsersView {
                    list,
                    selected,
                    adding: None,
                    focus: 0,
                });
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    pub(super) fn update_users(&mut self, action: Action) {
        let Some(u) = self.users.as_mut() else {
            return;
        };
        if let Some(inputs) = u.adding.as_mut() {
            match action {
                Action::Edit(req) => {
                    inputs[u.focus].handle(req);
                }
                Action::NextField | Action::Down => u.focus = (u.focus + 1) % 4,
                Action::PreviousField | Action::Up => u.focus = (u.focus + 3) % 4,
                Action::Back => u.adding = None,
                Action::Submit if u.focus < 3 => u.focus += 1,
                Action::Submit | Action::Save => self.add_user(),
                _ => {}
            }
            return;
        }
        match action {
            Action::Up => u.selected = u.selected.saturating_sub(1),
            Action::Down if u.selected + 1 < u.list.len() => u.selected += 1,
            Action::NewUser => {
                u.adding = Some(Default::default());
                u.focus = 0;
            }
            Action::DisableUser => {
                if let Some(x) = u.list.get(u.selected).filter(|x| !x.disabled) {
                    self.popup = Some(Popup::Confirm(Confirm::Disable {
                        name: x.name.clone(),
                    }))
                }
            }
            Action::Back | Action::GoOverview => {
                self.users = None;
                self.screen = Screen::Overview;
            }
            _ => {}
        }
    }

    fn add_user(&mut self) {
        let (Some(u), Some(s)) = (self.users.as_mut(), self.session.as_mut()) else {
            return;
        };
        let Some(inputs) = u.adding.as_mut() else {
            return;
        };
        let t = self.lang.text().tui;
        let name = inputs[0].value().trim().to_string();
        let Ok(role) = inputs[1].value().trim().parse::<StaffRole>() else {
            self.message = Some(Message::Error(t.user_bad_role.into()));
            return;
        };
        if inputs[2].value() != inputs[3].value() {
            self.message = Some(Message::Error(t.user_passphrases_differ.into()));
            inputs[2].reset();
            inputs[3].reset();
            u.focus = 2;
            return;
        }
        let pass = Passphrase::new(inputs[2].value().to_string());
        let checked = crate::vault::check_new_passphrase(&pass);
        let result = checked.and_then(|_| s.vault.staff().add(&name, role, &pass));
        match result {
            Ok(()) => {
                self.message = Some(Message::Info(t.user_added.into()));
                let selected = u.selected;
                self.reload_users(selected);
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// Disables a user (after the question that named them).
    pub(super) fn disable_user(&mut self, name: &str) {
        let (Some(u), Some(s)) = (self.users.as_ref(), self.session.as_mut()) else {
            return;
        };
        let selected = u.selected;
        match s.vault.staff().disable(name) {
            Ok(_) => {
                self.message = Some(Message::Info(self.lang.text().tui.user_disabled.into()));
                self.reload_users(selected);
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }
}
