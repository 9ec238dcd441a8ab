//! State for a person's history (with notes; every view audit-logged by the vault), editing
//! and deleting a contact with a reason, and declaring two pseudonyms to be one person.
//! No drawing here.

use tui_input::Input;
use zeroize::Zeroizing;

use super::app::{Action, App, Change, Confirm, Message, PersonInfo, Popup, Screen};
use super::form::{ContactForm, Field};
use crate::domain::PersonCode;
use crate::vault::{ChangeReason, ContactDetails, PersonSummary};

/// Whose contacts a history screen lists.
#[derive(Clone)]
pub enum HistoryOf {
    /// A person's, newest first: the code as typed, to reload after a change (zeroized when
    /// dropped).
    Person(Zeroizing<String>),
    /// A field night's, in the order they were logged: the way to a contact without a code.
    Night(i64),
}

/// The history screen: a person's or a field night's contacts, each open to edit or delete.
pub struct History {
    pub of: HistoryOf,
    pub items: Vec<ContactDetails>,
    pub selected: usize,
}

/// Two codes to declare one person (or to undo that for the first).
#[derive(Default)]
pub struct MergeForm {
    pub inputs: [Input; 2],
    pub focus: usize,
    pub found: [Option<PersonSummary>; 2],
}

impl MergeForm {
    /// Types into the focused code and looks it up.
    fn edit(&mut self, req: tui_input::InputRequest, vault: &mut crate::vault::Vault) {
        let i = self.focus;
        if self.inputs[i].handle(req).is_some_and(|r| r.value) {
            self.found[i] = match PersonCode::normalise(self.inputs[i].value()) {
                Some(code) => vault.persons().lookup(&code).ok().flatten(),
                None => None,
            };
        }
    }

    pub fn dirty(&self) -> bool {
        self.inputs.iter().any(|i| !i.value().is_empty())
    }
}

impl Drop for MergeForm {
    fn drop(&mut self) {
        for i in &mut self.inputs {
            i.reset();
        }
    }
}

impl App {
    /// Ctrl-O in the contact form: the known person's history, with notes.
    pub(super) fn open_person(&mut self) {
        let Some(code_text) = self.form.as_ref().map(|f| f.text(Field::Code).to_string()) else {
            return;
        };
        if !matches!(self.person, PersonInfo::Known(_)) {
            return;
        }
        self.load_history(HistoryOf::Person(Zeroizing::new(code_text)), 0);
    }

    /// `Enter` on the field nights' list with `l`: the night's contacts.
    pub(super) fn open_night_contacts(&mut self, night: i64) {
        self.load_history(HistoryOf::Night(night), 0);
        if self.history.is_none() && self.message.is_none() {
            self.message = Some(Message::Info(self.text().night_empty.into()));
            self.screen = Screen::Nights;
        }
    }

    fn load_history(&mut self, of: HistoryOf, selected: usize) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let found = match &of {
            HistoryOf::Person(code_text) => match PersonCode::normalise(code_text) {
                Some(code) => s.vault.persons().history(&code),
                None => return,
            },
            HistoryOf::Night(id) => s.vault.contacts().of_night(*id).map(Some),
        };
        match found {
            Ok(Some(items)) if !items.is_empty() => {
                let selected = selected.min(items.len().saturating_sub(1));
                self.history = Some(History {
                    of,
                    items,
                    selected,
                });
                self.screen = Screen::Person;
            }
            Ok(_) if matches!(of, HistoryOf::Night(_)) => {
                // The night's last contact was deleted (or it had none).
                self.history = None;
                self.screen = Screen::Nights;
            }
            Ok(_) => {
                // Not known, or no contact left.
                self.history = None;
                self.screen = if self.form.is_some() {
                    Screen::Contact
                } else {
                    Screen::Overview
                };
                self.look_up_code();
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    pub(super) fn update_person(&mut self, action: Action) {
        let Some(h) = self.history.as_mut() else {
            return;
        };
        match action {
            Action::Up => h.selected = h.selected.saturating_sub(1),
            Action::Down if h.selected + 1 < h.items.len() => h.selected += 1,
            Action::EditContact | Action::Submit => self.edit_selected(),
            Action::DeleteContact => {
                if let Some(d) = h.items.get(h.selected) {
                    self.popup = Some(Popup::Reason {
                        change: Change::Delete {
                            id: d.contact.id,
                            date: d.contact.date,
                            attributes: d.contact.attributes.clone(),
                        },
                        selected: 0,
                    })
                }
            }
            Action::Back if matches!(h.of, HistoryOf::Night(_)) => {
                self.history = None;
                self.screen = Screen::Nights;
            }
            Action::Back => {
                self.history = None;
                self.screen = if self.form.is_some() {
                    Screen::Contact
                } else {
                    Screen::Overview
                };
            }
            _ => {}
        }
    }

    /// Opens the selected contact in the form, to edit (the person stays).
    fn edit_selected(&mut self) {
        let Some(d) = self
            .history
            .as_ref()
            .and_then(|h| h.items.get(h.selected).cloned())
        else {
            return;
        };
        // The logging form waits under the edit; it comes back when the edit is done.
        let c = &d.contact;
        let mut f = ContactForm::new(self.today, c.date, None, None, c.field_night);
        let a = &c.attributes;
        f.set(Field::Role, a.role.as_str());
        f.set(Field::Gender, a.gender.as_str());
        f.set(Field::AgeBand, a.age_band.as_str());
        if let Some(k) = d.concern {
            f.set(Field::Concern, k.as_str());
        }
        f.set(Field::Counterpart, a.counterpart.as_str());
        f.set(Field::District, a.district.as_str());
        f.set(Field::ContactType, a.contact_type.as_str());
        f.set(Field::Referrals, &a.referrals.to_csv());
        f.set(Field::Trafficking, crate::domain::yes_no(a.trafficking));
        f.set(Field::Note, &c.note);
        let districts = self
            .session
            .as_ref()
            .map(|s| s.vault.districts().clone())
            .unwrap_or_default();
        let mut f = f.in_lang(self.lang, &districts);
        f.dirty = false;
        f.focus = Field::Role;
        self.person = PersonInfo::None;
        self.suggestions = None;
        self.parked_form = self.form.take();
        self.form = Some(f);
        self.editing = Some(c.id);
        self.screen = Screen::Contact;
    }

    /// Edits or deletes, as the question showed, with the reason chosen.
    pub(super) fn apply_reason(&mut self, change: Change, reason: ChangeReason) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let edit = matches!(change, Change::Edit { .. });
        let result = match change {
            Change::Edit { id, contact: c } => s.vault.contacts().edit(
                id,
                c.date,
                &c.attributes,
                c.attributes.concern,
                &c.note,
                c.code.as_ref(),
                reason,
            ),
            Change::Delete { id, .. } => s.vault.contacts().delete(id, reason).map(|()| true),
        };
        match result {
            Ok(changed) => {
                s.overview = None;
                self.message = Some(Message::Info(
                    match (edit, changed) {
                        (true, false) => self.text().contact_unchanged,
                        (true, true) => self.text().contact_edited,
                        (false, _) => self.text().contact_deleted,
                    }
                    .into(),
                ));
                if edit {
                    self.editing = None;
                    self.form = self.parked_form.take();
                    self.look_up_code();
                }
                let (of, selected) = match self.history.as_ref() {
                    Some(h) => (h.of.clone(), h.selected),
                    None => return,
                };
                let of_person = matches!(of, HistoryOf::Person(_));
                self.load_history(of, selected);
                if self.history.is_none() && of_person {
                    // The person's last contact was deleted.
                    self.screen = if self.form.is_some() {
                        Screen::Contact
                    } else {
                        Screen::Overview
                    };
                }
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    pub(super) fn open_merge(&mut self) {
        if !matches!(
            self.role(),
            Some(crate::domain::StaffRole::Lead | crate::domain::StaffRole::Admin)
        ) {
            return self.refuse();
        }
        self.merge = Some(MergeForm::default());
        self.screen = Screen::Merge;
    }

    pub(super) fn update_merge(&mut self, action: Action) {
        let (Some(m), Some(s)) = (self.merge.as_mut(), self.session.as_mut()) else {
            return;
        };
        match action {
            Action::Edit(req) => m.edit(req, &mut s.vault),
            Action::NextField | Action::PreviousField | Action::Up | Action::Down => {
                m.focus = 1 - m.focus
            }
            Action::Save | Action::Submit => {
                if let (Some(a), Some(b)) = (
                    PersonCode::normalise(m.inputs[0].value()),
                    PersonCode::normalise(m.inputs[1].value()),
                ) {
                    self.popup = Some(Popup::Confirm(Confirm::Merge { a, b }));
                } else {
                    self.message = Some(Message::Error(self.lang.text().tui.merge_need_two.into()));
                }
            }
            Action::Undo => {
                if let Some(code) = PersonCode::normalise(m.inputs[1].value()) {
                    self.popup = Some(Popup::Confirm(Confirm::Unmerge { code }));
                } else {
                    self.message = Some(Message::Error(self.lang.text().tui.merge_need_two.into()));
                }
            }
            Action::Back => {
                self.merge = None;
                self.screen = Screen::Overview;
            }
            _ => {}
        }
    }

    /// Declares two codes one person (after the question that named them).
    pub(super) fn merge_now(&mut self, a: &PersonCode, b: &PersonCode) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.vault.persons().merge(a, b) {
            Ok(()) => {
                s.overview = None;
                self.stats = None;
                self.merge = Some(MergeForm::default());
                self.message = Some(Message::Info(self.lang.text().tui.merged.into()));
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }

    /// Undoes the declaration for a code (after the question that named it).
    pub(super) fn unmerge_now(&mut self, code: &PersonCode) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.vault.persons().unmerge(code) {
            Ok(()) => {
                s.overview = None;
                self.stats = None;
                self.merge = Some(MergeForm::default());
                self.message = Some(Message::Info(self.lang.text().tui.unmerged.into()));
            }
            Err(e) => self.message = Some(Message::Error(e.message(self.lang))),
        }
    }
}
