//! Snapshots of every screen of the interface at 80×24, in English and Swedish, including
//! error states. The app is driven through the same path as the terminal: key events →
//! `event::action_for` → `App::update`, drawn with `TestBackend`.

mod common;

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use zeroize::Zeroizing;

use uppsok::crypto::Passphrase;
use uppsok::domain::{
    parse_date, AgeBand, Attributes, ContactType, Counterpart, District, FieldNightDetails,
    FieldNightKind, Gender, NewContact, PersonCode, Referrals, Role,
};
use uppsok::i18n::Lang;
use uppsok::tui::app::{App, Change, Confirm, Popup, ScreenId};
use uppsok::tui::{event, ui};
use uppsok::vault::{StatsPurpose, Vault};

const PASS: &str = "correct horse battery staple";

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn attrs(role: Role, gender: Gender, age: AgeBand, district: &str) -> Attributes {
    Attributes {
        role,
        gender,
        age_band: age,
        counterpart: Counterpart::Men,
        district: District::new(district).unwrap(),
        contact_type: ContactType::Outreach,
        referrals: Referrals::none(),
        trafficking: false,
        concern: None,
        projects: uppsok::domain::ProjectSet::none(),
    }
}

/// A database with a few contacts in 2025 and 2026 and two field nights.
fn fixture() -> Fixture {
    std::env::set_var("UPPSOK_INSECURE_TEST_KDF", "1");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uppsok.db");
    let mut v = Vault::create(&path, "admin", &Passphrase::new(PASS.into())).unwrap();
    let night = |d: &str, kind, district: &str, staff| {
        (
            parse_date(d).unwrap(),
            FieldNightDetails {
                kind,
                district: District::new(district).unwrap(),
                staff,
                project: None,
            },
        )
    };
    for (d, details) in [
        night("2026-05-20", FieldNightKind::Street, "sodermalm", 3),
        night("2026-06-10", FieldNightKind::Online, "online", 2),
    ] {
        v.contacts().add_night(d, &details).unwrap();
    }
    let add = |v: &mut Vault, date: &str, code: Option<&str>, a: Attributes| {
        v.contacts()
            .add(
                NewContact {
                    date: parse_date(date).unwrap(),
                    code: code.and_then(PersonCode::normalise),
                    attributes: a,
                    note: Zeroizing::new(String::new()),
                    field_night: None,
                },
                false,
            )
            .unwrap();
    };
    let woman = || attrs(Role::Sells, Gender::Woman, AgeBand::From25To34, "sodermalm");
    add(&mut v, "2025-03-02", Some("ab85"), woman());
    add(&mut v, "2025-04-12", Some("cd12"), woman());
    add(&mut v, "2026-01-15", Some("ab85"), woman());
    add(&mut v, "2026-02-03", None, woman());
    add(
        &mut v,
        "2026-03-09",
        Some("ef77"),
        attrs(Role::Buys, Gender::Man, AgeBand::From45To54, "norrmalm"),
    );
    add(
        &mut v,
        "2026-05-20",
        Some("ab85"),
        attrs(Role::Sells, Gender::Woman, AgeBand::From35To44, "farsta"),
    );
    Fixture { _dir: dir, path }
}

fn today() -> uppsok::domain::Date {
    parse_date("2026-06-15").unwrap()
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn press(app: &mut App, ev: Event) {
    if let Some(a) = event::action_for(app, &ev) {
        app.update(a);
    }
}

fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, key(KeyCode::Char(c)));
    }
}

fn signed_in(f: &Fixture, lang: Lang) -> App {
    let v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    App::signed_in(lang, f.path.clone(), v, today())
}

fn render(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|fr| ui::draw(fr, app)).unwrap();
    format!("{}", t.backend())
}

/// The screen as it is, then in Swedish: only for screens drawn from state that holds no
/// words (a form keeps its language's labels, a message its text).
fn snap_both(name: &str, app: &mut App) {
    snap(name, app.lang, app);
    let was = app.lang;
    app.lang = Lang::Sv;
    snap(name, Lang::Sv, app);
    app.lang = was;
}

fn snap(name: &str, lang: Lang, app: &App) {
    let l = match lang {
        Lang::En => "en",
        Lang::Sv => "sv",
    };
    // A release build ignores the cheap test key settings by design, so the audit's
    // encryption check passes there where a debug build warns about them: the one difference
    // between the two builds' screens, shown as the debug build draws it.
    let mut drawn = render(app);
    if !cfg!(debug_assertions) {
        drawn = drawn.replace("encryption   PASS", "encryption   WARN");
        drawn = drawn.replace("encryption   OK     ", "encryption   VARNING");
    }
    insta::with_settings!({snapshot_path => "../src/tui/snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(format!("{name}_{l}"), drawn);
    });
}

const LANGS: [Lang; 2] = [Lang::En, Lang::Sv];

#[test]
fn unlock_screens() {
    let f = fixture();
    for lang in LANGS {
        let mut app = App::new(lang, f.path.clone(), None, today());
        snap("unlock", lang, &app);
        typ(&mut app, "admin");
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "not it");
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(app.screen.id(), ScreenId::Unlock);
        assert!(app.session.is_none());
        snap("unlock_wrong", lang, &app);
        typ(&mut app, PASS);
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(app.screen.id(), ScreenId::Overview);
        app.lock();
        snap("unlock_locked", lang, &app);
    }
}

#[test]
fn overview_and_help() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        snap("overview", lang, &app);
        press(&mut app, key(KeyCode::Char('?')));
        snap("overview_help", lang, &app);
        press(&mut app, key(KeyCode::Esc));
        assert!(app.popup.is_none());
        press(&mut app, key(KeyCode::Char('q')));
        assert!(app.quit, "q quits at once when nothing is unsaved");
    }
}

#[test]
fn field_nights_and_night_form() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('f')));
        assert_eq!(app.screen.id(), ScreenId::Nights);
        snap("nights", lang, &app);
        press(&mut app, key(KeyCode::Char('n')));
        assert_eq!(app.screen.id(), ScreenId::NightForm);
        typ(&mut app, "s");
        snap("night_form_ambiguous", lang, &app);
        typ(&mut app, "od");
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Backspace));
        typ(&mut app, "x");
        snap("night_form_error", lang, &app);
        press(&mut app, key(KeyCode::Esc));
        assert!(
            matches!(app.popup, Some(Popup::Confirm(Confirm::Discard))),
            "typed input is not dropped without a question"
        );
        press(&mut app, key(KeyCode::Char('y')));
        assert_eq!(app.screen.id(), ScreenId::Overview);
        // Opened and left untouched: Esc closes at once, and q does not ask.
        press(&mut app, key(KeyCode::Char('n')));
        press(&mut app, key(KeyCode::Esc));
        assert_eq!(app.screen.id(), ScreenId::Overview);
    }
}

#[test]
fn contact_form_states() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('f')));
        press(&mut app, key(KeyCode::Down));
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(app.screen.id(), ScreenId::Contact);
        snap("contact_empty", lang, &app);
        // A known code: how often, when, and prefill.
        typ(&mut app, "AB-85");
        snap("contact_known_person", lang, &app);
        press(&mut app, ctrl('p'));
        press(&mut app, key(KeyCode::Tab));
        snap("contact_prefilled", lang, &app);
        // Errors beside the fields.
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, key(KeyCode::BackTab));
        for _ in 0..10 {
            press(&mut app, key(KeyCode::Backspace));
        }
        typ(&mut app, "2026-13-01");
        press(&mut app, key(KeyCode::BackTab));
        typ(&mut app, "ring 070-123 45 67");
        snap("contact_errors", lang, &app);
        press(&mut app, ctrl('s'));
        snap("contact_save_refused", lang, &app);
        press(&mut app, key(KeyCode::Esc));
        snap("contact_discard_question", lang, &app);
        press(&mut app, key(KeyCode::Char('n')));
        assert_eq!(app.screen.id(), ScreenId::Contact);
        press(&mut app, ctrl('q'));
        snap("quit_question", lang, &app);
        press(&mut app, key(KeyCode::Char('n')));
        assert!(!app.quit);
    }
}

#[test]
fn did_you_mean() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        // Seen: neighbours were offered while the code was still being typed, and one
        // Ctrl-D filed a new person under someone else. Now: only once the code field is
        // left, each with its person's latest contact, Ctrl-D cycling.
        typ(&mut app, "ab8");
        assert!(
            app.contact().unwrap().suggestions.is_none(),
            "nothing offered while typing"
        );
        typ(&mut app, "6");
        assert!(
            app.contact().unwrap().suggestions.is_none(),
            "nothing offered while typing"
        );
        assert_eq!(
            app.contact().unwrap().person,
            uppsok::tui::app::PersonInfo::New
        );
        press(&mut app, key(KeyCode::Tab));
        let sg = app
            .contact()
            .unwrap()
            .suggestions
            .clone()
            .expect("offered once the code is complete");
        assert_eq!(sg.list.len(), 1);
        assert_eq!(sg.list[0].0.as_str(), "ab85");
        let latest = match lang {
            Lang::En => "sells, woman, 35-44",
            Lang::Sv => "säljer, kvinna, 35-44",
        };
        assert!(render(&app).contains(latest), "{}", render(&app));
        snap("contact_did_you_mean", lang, &app);
        press(&mut app, ctrl('d'));
        assert!(matches!(
            app.contact().unwrap().person,
            uppsok::tui::app::PersonInfo::Known(_)
        ));
        let code = |app: &App| {
            app.form()
                .unwrap()
                .text(uppsok::tui::form::Field::Code)
                .to_string()
        };
        assert_eq!(code(&app), "ab85");
        // Past the last suggestion, the code as typed comes back.
        press(&mut app, ctrl('d'));
        assert_eq!(code(&app), "ab86");
        assert_eq!(
            app.contact().unwrap().person,
            uppsok::tui::app::PersonInfo::New
        );
        press(&mut app, key(KeyCode::BackTab));
        typ(&mut app, "zz");
        assert!(app.contact().unwrap().suggestions.is_none());
        snap("contact_new_person", lang, &app);
    }
}

#[test]
fn statistics_screen() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('s')));
        assert_eq!(app.screen.id(), ScreenId::Statistics);
        snap("statistics", lang, &app);
        // Group by role and gender, all time.
        press(&mut app, key(KeyCode::Char(' ')));
        press(&mut app, key(KeyCode::Right));
        press(&mut app, key(KeyCode::Char(' ')));
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, key(KeyCode::Char('a')));
        snap("statistics_stale", lang, &app);
        press(&mut app, key(KeyCode::Enter));
        let v = app.stats().unwrap();
        let r = v.result.as_ref().unwrap();
        assert_eq!(r.totals.contacts, 6, "all time");
        assert_eq!(r.groups.len(), 2, "sells/woman and buys/man");
        snap("statistics_by", lang, &app);
        press(&mut app, key(KeyCode::Char('p')));
        let shown = app.stats().unwrap().shown.as_ref().unwrap();
        assert!(shown.totals.contacts.value().is_none() || shown.any_hidden());
        snap("statistics_published", lang, &app);
        // A filter: role = buys.
        press(&mut app, key(KeyCode::Char('p')));
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Right));
        press(&mut app, key(KeyCode::Char(' ')));
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(
            app.stats()
                .unwrap()
                .result
                .as_ref()
                .unwrap()
                .totals
                .contacts,
            1
        );
        snap("statistics_filtered", lang, &app);
    }
}

#[test]
fn under_18_asks_about_a_report_of_concern_and_records_the_answer() {
    let f = fixture();
    let mut saved = Vec::new();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        // The starts a worker types in each language (`<` is under 18 in both).
        let (role, gender, concern, counterpart, district, ct) = match lang {
            Lang::En => ("s", "w", "will", "m", "sod", "out"),
            Lang::Sv => ("sä", "kv", "komm", "m", "sö", "upp"),
        };
        for text in ["", role, gender, "<"] {
            typ(&mut app, text);
            press(&mut app, key(KeyCode::Tab));
        }
        assert_eq!(
            app.form().unwrap().focus,
            uppsok::tui::form::Field::Concern,
            "under18 asks the question next"
        );
        snap("contact_under18", lang, &app);
        press(&mut app, ctrl('s'));
        assert!(app.form().unwrap().dirty, "no answer, no save");
        typ(&mut app, concern);
        for text in [counterpart, district] {
            press(&mut app, key(KeyCode::Tab));
            typ(&mut app, text);
        }
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, ct);
        snap("contact_under18_answered", lang, &app);
        press(&mut app, ctrl('s'));
        assert_eq!(app.contact().unwrap().saved_count, 1, "{:?}", app.message);
        saved.push(app.contact().unwrap().last_saved.unwrap());
    }
    // The answer is in the sealed attributes of the two contacts saved.
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    for id in saved {
        let d = v.contacts().details(id).unwrap();
        assert_eq!(d.contact.attributes.age_band, AgeBand::Under18);
        assert_eq!(d.concern, Some(uppsok::domain::ConcernReport::WillBeMade));
    }
}

#[test]
fn a_code_that_is_an_identifier_is_refused_beside_the_field_and_never_saved() {
    let f = fixture();
    for lang in LANGS {
        let before = audit_len(&f);
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        typ(&mut app, "19850214-2386");
        for text in ["s", "w", "25", "m", "sod"] {
            press(&mut app, key(KeyCode::Tab));
            typ(&mut app, text);
        }
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "out");
        assert!(
            matches!(
                app.contact().unwrap().person,
                uppsok::tui::app::PersonInfo::None
            ),
            "a code that is an identifier is not looked up"
        );
        snap("contact_code_identifier", lang, &app);
        press(&mut app, ctrl('s'));
        assert_eq!(
            app.contact().unwrap().saved_count,
            0,
            "saved a personnummer as a code"
        );
        assert!(app.message.is_some(), "the refusal is shown");
        drop(app);
        // Nothing about contacts or persons was written (a contact is logged in the same
        // transaction as its `contact_add` entry).
        let written = audit_since(&f, before);
        assert!(
            written
                .iter()
                .all(|(action, _, _)| !action.starts_with("contact")
                    && !action.starts_with("person")),
            "{written:?}"
        );
    }
}

/// The audit log's (action, objects, detail) entries after the `n`th.
fn audit_since(f: &Fixture, n: usize) -> Vec<(String, String, String)> {
    let key = common::page_key(&f.path, "admin", PASS);
    let (store, _) = uppsok::storage::open(&f.path)
        .unwrap()
        .open(&[&key])
        .unwrap();
    let mut out = Vec::new();
    store
        .read()
        .unwrap()
        .scan_audit_log(&mut |r| {
            out.push((r.action, r.objects, r.detail));
            uppsok::storage::NEXT
        })
        .unwrap();
    out.split_off(n.min(out.len()))
}

fn audit_len(f: &Fixture) -> usize {
    audit_since(f, 0).len()
}

#[test]
fn person_history_edit_and_delete_with_a_reason() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        typ(&mut app, "cd12");
        let before = audit_len(&f);
        press(&mut app, ctrl('o'));
        assert_eq!(app.screen.id(), ScreenId::Person);
        let views = audit_since(&f, before);
        assert_eq!(views.len(), 1, "every view is logged: {views:?}");
        assert_eq!(views[0].0, "person_view");
        assert!(views[0].1.starts_with("person:"));
        snap("person_history", lang, &app);
        // Edit: the form, then a reason.
        press(&mut app, key(KeyCode::Char('e')));
        assert_eq!(app.screen.id(), ScreenId::Contact);
        assert!(app.contact().unwrap().editing.is_some());
        snap("contact_edit", lang, &app);
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        for _ in 0..6 {
            press(&mut app, key(KeyCode::Backspace));
        }
        // Each language's pass changes the band anew (an edit that changes nothing writes
        // nothing).
        let (typed, band) = match lang {
            Lang::En => ("55", AgeBand::From55),
            Lang::Sv => ("35", AgeBand::From35To44),
        };
        typ(&mut app, typed);
        press(&mut app, ctrl('s'));
        snap("reason_popup", lang, &app);
        let before = audit_len(&f);
        press(&mut app, key(KeyCode::Down));
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(app.screen.id(), ScreenId::Person, "{:?}", app.message);
        let h = app.history().unwrap();
        assert_eq!(
            h.items[0].contact.attributes.age_band, band,
            "the edit is stored"
        );
        let log = audit_since(&f, before);
        assert!(
            log.iter().any(|(a, o, d)| a == "contact_edit"
                && o.starts_with("contact:")
                && d.starts_with("reason=wrong-person before=")),
            "{log:?}"
        );
        // Back to the form: the one under the edit is still there.
        press(&mut app, key(KeyCode::Esc));
        assert_eq!(app.screen.id(), ScreenId::Contact);
        assert_eq!(
            app.form().unwrap().text(uppsok::tui::form::Field::Code),
            "cd12"
        );
    }
    // Delete the only contact of cd12: asked why, logged, gone.
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "cd12");
    press(&mut app, ctrl('o'));
    press(&mut app, key(KeyCode::Char('d')));
    // The question carries the contact it is about: the one selected.
    let selected = app.history().map(|h| h.items[h.selected].contact.id);
    assert!(matches!(
        app.popup,
        Some(Popup::Reason { change: Change::Delete { id, .. }, .. }) if Some(id) == selected
    ));
    let before = audit_len(&f);
    press(&mut app, key(KeyCode::Enter));
    let log = audit_since(&f, before);
    assert!(
        log.iter()
            .any(|(a, _, d)| a == "contact_delete" && d.starts_with("reason=typo before=2:")),
        "{log:?}"
    );
    assert_eq!(
        app.screen.id(),
        ScreenId::Contact,
        "no contacts left to show"
    );
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    let all = v
        .stats()
        .count(StatsPurpose::Screen, &[Default::default()], &mut [])
        .unwrap()
        .remove(0);
    assert_eq!(all.totals.contacts, 5);
}

#[test]
fn a_lead_declares_two_codes_one_person_and_undoes_it() {
    let f = fixture();
    let individuals = |f: &Fixture| {
        let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
        v.stats()
            .count(StatsPurpose::Screen, &[Default::default()], &mut [])
            .unwrap()[0]
            .totals
            .individuals
    };
    assert_eq!(individuals(&f), 3);
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('m')));
        assert_eq!(app.screen.id(), ScreenId::Merge);
        typ(&mut app, "ab85");
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "cd12");
        snap("merge", lang, &app);
        // Seen: declaring and undoing ran without a question. Now each asks; "no" changes
        // nothing.
        press(&mut app, ctrl('s'));
        assert!(matches!(
            app.popup,
            Some(Popup::Confirm(Confirm::Merge { .. }))
        ));
        snap("merge_question", lang, &app);
        press(&mut app, key(KeyCode::Char('n')));
        assert_eq!(individuals(&f), 3);
        press(&mut app, ctrl('s'));
        press(&mut app, key(KeyCode::Char('y')));
        assert_eq!(individuals(&f), 2, "{:?}", app.message);
        snap("merge_done", lang, &app);
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "cd12");
        // Ctrl-U is "clear the field" here too (seen: it meant "undo merge" on this screen).
        press(&mut app, ctrl('u'));
        assert_eq!(individuals(&f), 2);
        assert_eq!(app.merge().unwrap().inputs[1].value(), "");
        typ(&mut app, "cd12");
        press(&mut app, ctrl('z'));
        assert!(matches!(
            app.popup,
            Some(Popup::Confirm(Confirm::Unmerge { .. }))
        ));
        press(&mut app, key(KeyCode::Char('y')));
        assert_eq!(individuals(&f), 3, "{:?}", app.message);
    }
    let log = audit_since(&f, 0);
    let count = |a: &str| log.iter().filter(|e| e.0 == a).count();
    assert_eq!(count("person_merge"), 2);
    assert_eq!(count("person_unmerge"), 2);
}

#[test]
fn outreach_may_not_merge_and_an_auditor_never_sees_a_form() {
    let f = fixture();
    {
        let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
        for (name, role) in [
            ("ola", uppsok::domain::StaffRole::Outreach),
            ("aud", uppsok::domain::StaffRole::Auditor),
        ] {
            v.staff()
                .add(name, role, &Passphrase::new(PASS.into()))
                .unwrap();
        }
    }
    let as_user = |name: &str| {
        let v = Vault::unlock(&f.path, name, &Passphrase::new(PASS.into())).unwrap();
        App::signed_in(Lang::En, f.path.clone(), v, today())
    };
    let mut app = as_user("ola");
    press(&mut app, key(KeyCode::Char('m')));
    assert_eq!(app.screen.id(), ScreenId::Overview);
    snap("merge_refused", Lang::En, &app);
    let mut app = as_user("aud");
    for k in ['c', 'f', 'n'] {
        press(&mut app, key(KeyCode::Char(k)));
        assert_eq!(app.screen.id(), ScreenId::Overview, "{k}");
        assert!(app.form().is_none());
    }
    snap("auditor_overview", Lang::En, &app);
}

#[test]
fn audit_and_users_screens() {
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('a')));
        assert_eq!(app.screen.id(), ScreenId::Audit, "{:?}", app.message);
        assert!(app.audit().unwrap().report.ok);
        snap("audit", lang, &app);
        press(&mut app, key(KeyCode::Esc));
        press(&mut app, key(KeyCode::Char('u')));
        assert_eq!(app.screen.id(), ScreenId::Users);
        press(&mut app, key(KeyCode::Char('a')));
        let name = match lang {
            Lang::En => "kim",
            Lang::Sv => "sara",
        };
        typ(&mut app, name);
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "outreach");
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, PASS);
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "not the same");
        press(&mut app, ctrl('s'));
        snap("users_add_mismatch", lang, &app);
        typ(&mut app, PASS);
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, PASS);
        press(&mut app, ctrl('s'));
        let u = app.users().unwrap();
        assert!(u.adding.is_none(), "{:?}", app.message);
        assert!(u.list.iter().any(|x| x.name == name && !x.disabled));
        let at = u.list.iter().position(|x| x.name == name).unwrap();
        while app.users().unwrap().selected < at {
            press(&mut app, key(KeyCode::Down));
        }
        press(&mut app, key(KeyCode::Char('x')));
        // The question carries whom it disables: "yes" disables exactly that user.
        assert!(
            matches!(&app.popup, Some(Popup::Confirm(Confirm::Disable { name: n })) if n == name)
        );
        snap("users_disable_question", lang, &app);
        press(&mut app, key(KeyCode::Char('y')));
        let u = app.users().unwrap();
        assert!(
            u.list.iter().any(|x| x.name == name && x.disabled),
            "{:?}",
            app.message
        );
        snap("users", lang, &app);
    }
    // An auditor sees the audit, never a form or a note.
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    v.staff()
        .add(
            "aud",
            uppsok::domain::StaffRole::Auditor,
            &Passphrase::new(PASS.into()),
        )
        .unwrap();
    drop(v);
    let v = Vault::unlock(&f.path, "aud", &Passphrase::new(PASS.into())).unwrap();
    let mut app = App::signed_in(Lang::Sv, f.path.clone(), v, today());
    press(&mut app, key(KeyCode::Char('a')));
    assert_eq!(app.screen.id(), ScreenId::Audit);
    press(&mut app, key(KeyCode::Esc));
    press(&mut app, key(KeyCode::Char('u')));
    assert_eq!(app.screen.id(), ScreenId::Overview, "users are for admins");
}

#[test]
fn the_screen_locks_when_idle_and_keeps_a_half_typed_contact_for_the_same_user() {
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "xy12");
    app.tick(std::time::Instant::now());
    assert!(app.session.is_some(), "not idle yet");
    app.lock_after = std::time::Duration::ZERO;
    app.tick(std::time::Instant::now());
    assert!(app.session.is_none(), "the vault and its keys are dropped");
    assert_eq!(app.screen.id(), ScreenId::Unlock);
    app.lock_after = uppsok::tui::app::DEFAULT_LOCK_AFTER;
    typ(&mut app, PASS);
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Contact, "{:?}", app.message);
    assert_eq!(
        app.form().unwrap().text(uppsok::tui::form::Field::Code),
        "xy12"
    );
}

/// Draws at several sizes, from roomy to far too small: nothing may panic.
fn render_sizes(app: &App) {
    for (w, h) in [(120, 40), (80, 24), (60, 16), (40, 10), (20, 5), (1, 1)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|fr| ui::draw(fr, app)).unwrap();
    }
}

#[test]
fn every_screen_draws_at_any_size() {
    let f = fixture();
    let mut app = App::new(Lang::Sv, f.path.clone(), None, today());
    render_sizes(&app);
    let mut app2 = signed_in(&f, Lang::Sv);
    let mut seen = Vec::new();
    seen.push(app2.screen.id());
    render_sizes(&app2);
    press(&mut app2, key(KeyCode::Char('?')));
    render_sizes(&app2);
    press(&mut app2, key(KeyCode::Esc));
    for k in ['f', 'n'] {
        press(&mut app2, key(KeyCode::Char(k)));
        seen.push(app2.screen.id());
        render_sizes(&app2);
    }
    press(&mut app2, key(KeyCode::Esc));
    press(&mut app2, key(KeyCode::Char('c')));
    typ(&mut app2, "ab85");
    seen.push(app2.screen.id());
    render_sizes(&app2);
    press(&mut app2, ctrl('o'));
    seen.push(app2.screen.id());
    render_sizes(&app2);
    press(&mut app2, key(KeyCode::Char('d')));
    seen.push(app2.screen.id());
    render_sizes(&app2);
    press(&mut app2, key(KeyCode::Esc));
    press(&mut app2, key(KeyCode::Esc));
    press(&mut app2, ctrl('q'));
    seen.push(app2.screen.id());
    render_sizes(&app2);
    press(&mut app2, key(KeyCode::Char('n')));
    press(&mut app2, key(KeyCode::Esc));
    press(&mut app2, key(KeyCode::Char('y')));
    for k in ['s', 'm'] {
        press(&mut app2, key(KeyCode::Esc));
        press(&mut app2, key(KeyCode::Char('o')));
        press(&mut app2, key(KeyCode::Char(k)));
        seen.push(app2.screen.id());
        render_sizes(&app2);
    }
    for k in ['a', 'u'] {
        press(&mut app2, key(KeyCode::Esc));
        press(&mut app2, key(KeyCode::Char(k)));
        seen.push(app2.screen.id());
        render_sizes(&app2);
    }
    press(&mut app2, key(KeyCode::Char('a')));
    seen.push(app2.screen.id());
    render_sizes(&app2);
    app.lock();
    render_sizes(&app);
    for s in [
        ScreenId::Overview,
        ScreenId::Nights,
        ScreenId::NightForm,
        ScreenId::Contact,
        ScreenId::Person,
        ScreenId::Statistics,
        ScreenId::Merge,
        ScreenId::Audit,
        ScreenId::Users,
    ] {
        assert!(seen.contains(&s), "{s:?} not reached: {seen:?}");
    }
}

#[test]
fn the_main_loop_runs_on_any_backend_until_quit() {
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    let mut events: std::collections::VecDeque<Option<Event>> = [
        Some(key(KeyCode::Char('c'))),
        None, // a second without a key: the idle check runs
        Some(key(KeyCode::Char('a'))),
        Some(key(KeyCode::Char('b'))),
        Some(key(KeyCode::Char('8'))),
        Some(key(KeyCode::Char('5'))),
        Some(ctrl('p')),
        Some(key(KeyCode::Esc)),
        Some(key(KeyCode::Char('y'))),
        Some(key(KeyCode::Esc)),
        Some(key(KeyCode::Char('q'))),
    ]
    .into_iter()
    .collect();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut frames = 0;
    uppsok::tui::run_loop(&mut terminal, &mut app, |_| {
        frames += 1;
        Ok(events
            .pop_front()
            .expect("the loop asked for more events than it needed"))
    })
    .unwrap();
    assert!(app.quit);
    assert!(events.is_empty());
    assert_eq!(frames, 11);
    assert!(app.form().is_none(), "the discarded form is gone");
    let shown = format!("{}", terminal.backend());
    assert!(shown.contains("Overview"), "{shown}");
}

#[test]
fn a_contact_logged_under_the_wrong_code_moves_to_the_right_person() {
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "ef77");
    press(&mut app, ctrl('o'));
    press(&mut app, key(KeyCode::Char('e')));
    press(&mut app, key(KeyCode::BackTab));
    typ(&mut app, "cd12");
    snap("contact_edit_new_code", Lang::En, &app);
    press(&mut app, ctrl('s'));
    press(&mut app, key(KeyCode::Down));
    let before = audit_len(&f);
    press(&mut app, key(KeyCode::Enter));
    let log = audit_since(&f, before);
    assert!(
        log.iter().any(|(a, _, d)| a == "contact_edit"
            && d.starts_with("reason=wrong-person;person_changed before=")),
        "{log:?}"
    );
    // ef77 has no contact left; cd12 has two.
    assert_eq!(app.screen.id(), ScreenId::Contact);
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    let cd = v
        .persons()
        .lookup(&PersonCode::normalise("cd12").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(cd.earlier, 2);
    let ef = v
        .persons()
        .lookup(&PersonCode::normalise("ef77").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(ef.earlier, 0);
}

#[test]
fn below_80_by_24_the_window_asks_to_be_made_larger() {
    // Seen: below 80×24 some lines silently vanished.
    let f = fixture();
    for lang in LANGS {
        let app = signed_in(&f, lang);
        for (w, h) in [(79, 24), (80, 23), (60, 16)] {
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|fr| ui::draw(fr, &app)).unwrap();
            let shown = format!("{}", t.backend());
            let needle = match lang {
                Lang::En => "Make the window larger",
                Lang::Sv => "Gör fönstret större",
            };
            assert!(shown.contains(needle), "{w}×{h}: {shown}");
            assert!(shown.contains(&format!("({w}×{h})")), "{shown}");
        }
        assert!(!render(&app).contains("larger"));
    }
}

#[test]
fn a_paste_into_the_contact_form_never_saves() {
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    let before = audit_len(&f);
    press(&mut app, Event::Paste("ab85\nsecond line".into()));
    assert_eq!(app.screen.id(), ScreenId::Contact);
    assert_eq!(
        app.form().unwrap().text(uppsok::tui::form::Field::Code),
        "ab85 second line"
    );
    assert_eq!(app.contact().unwrap().last_saved, None, "nothing was saved");
    assert!(audit_since(&f, before)
        .iter()
        .all(|(a, _, _)| a != "contact_add"));
}

#[test]
fn a_field_night_lists_its_contacts_and_its_real_count_and_any_of_them_can_be_corrected() {
    // Seen: an unidentified contact could not be reached to correct or delete it, and the
    // form's header said "0 logged" for a night that held 10.
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('f')));
    assert_eq!(app.screen.id(), ScreenId::Nights);
    // A night without contacts says so.
    press(&mut app, key(KeyCode::Char('e')));
    assert_eq!(app.screen.id(), ScreenId::Nights);
    assert!(app.message.is_some());
    let log_two = |app: &mut App| {
        for _ in 0..2 {
            press(app, key(KeyCode::Tab));
            for text in ["s", "w", "25", "m"] {
                typ(app, text);
                press(app, key(KeyCode::Tab));
            }
            press(app, ctrl('s'));
            assert!(
                matches!(app.message, Some(uppsok::tui::app::Message::Info(_))),
                "{:?}",
                app.message
            );
        }
    };
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Contact);
    log_two(&mut app);
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen.id(), ScreenId::Nights);
    // Opened again, the header counts what the night holds, not what this form saved.
    press(&mut app, key(KeyCode::Enter));
    assert!(render(&app).contains("2 logged"), "{}", render(&app));
    press(&mut app, key(KeyCode::Esc));
    // The night's contacts: both unidentified, reached by the night.
    let before = audit_len(&f);
    press(&mut app, key(KeyCode::Char('e')));
    assert_eq!(app.screen.id(), ScreenId::Person);
    let h = app.history().unwrap();
    assert_eq!(h.items.len(), 2);
    assert!(h.items.iter().all(|d| d.contact.pseudonym.is_none()));
    let views = audit_since(&f, before);
    assert!(
        views.iter().any(|(a, o, d)| a == "person_view"
            && o.starts_with("field_night:")
            && d == "contacts=2"),
        "{views:?}"
    );
    snap_both("night_contacts", &mut app);
    // Delete one, with a reason: the question names the deletion and the contact (seen: it
    // asked only "Why?"). One is left, and Esc goes back to the nights.
    press(&mut app, key(KeyCode::Char('d')));
    assert!(render(&app).contains("Delete contact"), "{}", render(&app));
    snap_both("delete_reason", &mut app);
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.history().unwrap().items.len(), 1);
    press(&mut app, key(KeyCode::Char('e')));
    assert_eq!(app.screen.id(), ScreenId::Contact);
    assert!(app.contact().unwrap().editing.is_some());
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen.id(), ScreenId::Person);
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen.id(), ScreenId::Nights);
}

#[test]
fn a_half_typed_contact_waits_for_its_user_while_another_signs_in_and_out() {
    // Seen: a half-typed contact was lost when another user unlocked and locked in between.
    let f = fixture();
    {
        let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
        v.staff()
            .add(
                "olle",
                uppsok::domain::StaffRole::Outreach,
                &Passphrase::new(PASS.into()),
            )
            .unwrap();
    }
    let code = |app: &App| {
        app.form()
            .map(|f| f.text(uppsok::tui::form::Field::Code).to_string())
    };
    let sign_in_as = |app: &mut App, name: &str| {
        app.lock();
        assert_eq!(app.screen.id(), ScreenId::Unlock);
        // The user name field: cleared, then the name; then the passphrase.
        press(app, key(KeyCode::Up));
        press(app, ctrl('u'));
        typ(app, name);
        press(app, key(KeyCode::Tab));
        typ(app, PASS);
        press(app, key(KeyCode::Enter));
        assert!(app.session.is_some(), "{:?}", app.message);
        assert_eq!(app.session.as_ref().unwrap().vault.user().name, name);
    };
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "xy12");
    sign_in_as(&mut app, "olle");
    assert_eq!(
        app.screen.id(),
        ScreenId::Overview,
        "olle does not see the admin's form"
    );
    assert_eq!(code(&app), None);
    assert!(app.unsaved(), "quitting would ask: a draft is kept");
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "olle1");
    sign_in_as(&mut app, "admin");
    assert_eq!(app.screen.id(), ScreenId::Contact);
    assert_eq!(code(&app).as_deref(), Some("xy12"));
    sign_in_as(&mut app, "olle");
    assert_eq!(code(&app).as_deref(), Some("olle1"));
}

#[test]
fn wrong_passphrases_are_counted_and_slowed_down_after_a_few() {
    // Seen: six wrong passphrases showed the same message, at full speed.
    assert_eq!(uppsok::tui::app::unlock_delay(3), std::time::Duration::ZERO);
    assert_eq!(uppsok::tui::app::unlock_delay(4).as_secs(), 2);
    assert_eq!(uppsok::tui::app::unlock_delay(5).as_secs(), 4);
    assert_eq!(uppsok::tui::app::unlock_delay(40).as_secs(), 60);
    let f = fixture();
    let mut app = App::new(Lang::En, f.path.clone(), Some("admin".into()), today());
    for n in 1..=4 {
        typ(&mut app, "not the passphrase");
        press(&mut app, key(KeyCode::Enter));
        let shown = format!("{:?}", app.message);
        assert!(shown.contains(&format!("attempt {n}")), "{shown}");
    }
    assert!(format!("{:?}", app.message).contains("next try can be made in 2 s"));
    // Right away, even the right passphrase waits (and stays typed).
    typ(&mut app, PASS);
    press(&mut app, key(KeyCode::Enter));
    assert!(app.session.is_none());
    assert_eq!(app.unlock().unwrap().failed, 4, "no try was made");
    assert!(format!("{:?}", app.message).contains("next try can be made in"));
    assert_eq!(app.unlock().unwrap().pass.value(), PASS);
    // Once the wait is over it signs in, and the count starts again.
    app.unlock_mut().unwrap().not_before = Some(std::time::Instant::now());
    press(&mut app, key(KeyCode::Enter));
    assert!(app.session.is_some(), "{:?}", app.message);
    assert!(
        app.unlock().is_none(),
        "the unlock screen and its count are gone"
    );
    // Locked again, a wrong passphrase is the first attempt, and no wait.
    app.lock();
    assert_eq!(app.unlock().unwrap().failed, 0);
    typ(&mut app, "not the passphrase");
    press(&mut app, key(KeyCode::Enter));
    let shown = format!("{:?}", app.message);
    assert!(
        shown.contains("attempt 1") && !shown.contains("next try"),
        "{shown}"
    );
}

#[test]
fn a_second_field_night_of_the_same_date_kind_and_district_is_asked_about() {
    // Seen: a duplicate field night was accepted silently.
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    let nights = |app: &App| app.session.as_ref().unwrap().nights.len();
    let before = nights(&app);
    let start_night = |app: &mut App| {
        press(app, key(KeyCode::Char('n')));
        // Date: 2026-06-10 (an online night in the fixture), kind online, district online.
        press(app, key(KeyCode::Tab)); // staff
        press(app, key(KeyCode::Tab)); // project
        press(app, key(KeyCode::Tab)); // date
        for _ in 0..10 {
            press(app, key(KeyCode::Backspace));
        }
        typ(app, "2026-06-10");
        press(app, key(KeyCode::Tab));
        typ(app, "on");
        press(app, key(KeyCode::Tab));
        typ(app, "online");
        press(app, ctrl('s'));
    };
    start_night(&mut app);
    assert!(
        matches!(
            app.popup,
            Some(Popup::Confirm(Confirm::DuplicateNight { .. }))
        ),
        "{:?}",
        app.message
    );
    snap("night_duplicate_question", Lang::En, &app);
    press(&mut app, key(KeyCode::Char('n')));
    assert_eq!(nights(&app), before, "no: nothing saved");
    assert_eq!(app.screen.id(), ScreenId::NightForm);
    press(&mut app, ctrl('s'));
    press(&mut app, key(KeyCode::Char('y')));
    assert_eq!(nights(&app), before + 1, "yes: saved");
    assert_eq!(app.screen.id(), ScreenId::Contact);
}

/// A note of `n` characters made of words (so it wraps at spaces).
fn long_note(n: usize) -> String {
    let words = "we talked about housing and the night shelter near the station ";
    words.chars().cycle().take(n).collect()
}

#[test]
fn a_long_note_wraps_and_its_problems_and_its_length_stay_visible() {
    // Seen: with a long note the ✗ was drawn off the screen, so "Fix the marked fields
    // first" pointed at nothing, and nothing said how near the limit the note was.
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        // The form opens on the code; Shift-Tab on the first field goes round to the last.
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, key(KeyCode::BackTab));
        assert_eq!(app.form().unwrap().focus, uppsok::tui::form::Field::Note);
        typ(&mut app, &long_note(150));
        let screen = render(&app);
        assert!(
            screen.lines().filter(|l| l.contains("housing")).count() >= 2,
            "a note longer than one line wraps onto the next:\n{screen}"
        );
        assert!(!screen.contains(" / 4"), "no count far from the limit");
        snap("contact_note_wrapped", lang, &app);

        // Near the limit: the count appears.
        press(&mut app, Event::Paste(long_note(3_400)));
        let count = |n: u64| format!("{} / {}", lang.number(n), lang.number(4_000));
        assert!(render(&app).contains(&count(3_550)), "{}", render(&app));
        // Over it: the count and the problem, on their own line, on the screen.
        press(&mut app, Event::Paste(long_note(462)));
        typ(&mut app, " 070-123 45 67");
        let screen = render(&app);
        assert!(screen.contains(&count(4_026)), "{screen}");
        let too_long = lang.text().tui.note_too_long;
        assert!(screen.contains(&format!("✗ {too_long}")), "{screen}");
        press(&mut app, ctrl('s'));
        assert!(app.contact().unwrap().last_saved.is_none());
        snap("contact_note_over_the_limit", lang, &app);
        // The cursor is on the screen, in the part of the note that is shown.
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|fr| ui::draw(fr, &app)).unwrap();
        let at = t.get_cursor_position().unwrap();
        assert!(at.x < 80 && at.y < 24, "{at:?}");
    }
}

/// The period chosen on the statistics screen.
fn period(app: &App) -> uppsok::tui::statistics::Period {
    let v = app.stats().unwrap();
    v.periods[v.period]
}

#[test]
fn the_statistics_period_is_typed_or_stepped_older_to_the_left() {
    // Seen: 18 presses from all time to 2009, and ← went to newer years.
    use uppsok::tui::statistics::Period;
    let f = fixture();
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('s')));
        press(&mut app, key(KeyCode::BackTab));
        assert_eq!(period(&app), Period::Year(2026));
        press(&mut app, key(KeyCode::Left));
        assert_eq!(period(&app), Period::Year(2025), "← is older");
        press(&mut app, key(KeyCode::Right));
        assert_eq!(period(&app), Period::Year(2026), "→ is newer");
        press(&mut app, key(KeyCode::Char('a')));
        assert_eq!(period(&app), Period::AllTime, "a is all time");
        typ(&mut app, "20");
        assert_eq!(
            period(&app),
            Period::AllTime,
            "a year is chosen once it is whole"
        );
        snap("statistics_year_typed", lang, &app);
        typ(&mut app, "25");
        assert_eq!(period(&app), Period::Year(2025));
        // A year without contacts is not in the list: said so, the period stays.
        typ(&mut app, "2009");
        assert_eq!(period(&app), Period::Year(2025));
        let screen = render(&app);
        assert!(
            screen.contains("2009") && screen.contains("2025–2026"),
            "{screen}"
        );
        snap("statistics_year_missing", lang, &app);
        // Digits typed on another row choose the period too.
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "2026");
        assert_eq!(period(&app), Period::Year(2026));
    }
}

#[test]
fn statistics_show_unidentified_contacts_and_field_nights_and_keep_the_bar_scale() {
    let f = fixture();
    for lang in LANGS {
        let l = lang.text();
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('s')));
        let screen = render(&app);
        for (what, n) in [(l.unidentified_contacts, 1), (l.field_nights, 2)] {
            assert!(
                screen.contains(&format!("{what}: {n}")),
                "{what}:\n{screen}"
            );
        }
        // Headers are whole words, not cut.
        let new = l.new_individuals.split(' ').next_back().unwrap();
        assert!(screen.contains(&format!(" {new} ")), "{screen}");
        // By age band, all time: 25-34 has 4 contacts, 35-44 and 45-54 one each.
        press(&mut app, key(KeyCode::Right));
        press(&mut app, key(KeyCode::Right));
        press(&mut app, key(KeyCode::Char(' ')));
        press(&mut app, key(KeyCode::Char('a')));
        press(&mut app, key(KeyCode::Enter));
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        snap("statistics_by_age_band", lang, &app);
        let bar = |screen: &str, group: &str| {
            screen
                .lines()
                .find(|line| line.contains(group) && line.contains('█'))
                .map(|line| line.matches('█').count())
        };
        let before = render(&app);
        press(&mut app, key(KeyCode::Down));
        let after = render(&app);
        assert_ne!(before, after, "the table scrolled");
        assert_eq!(
            bar(&before, "45-54"),
            bar(&after, "45-54"),
            "the scale stays:\n{before}\n{after}"
        );
    }
}

/// States of every screen, grouped by screen: each key a screen's help lists must do
/// something observable in at least one state of that screen.
/// A way to bring a signed-in (or not) app to a state of a screen.
type State = fn(&Fixture, Lang) -> App;

fn screen_states() -> Vec<(&'static str, State)> {
    fn contact(f: &Fixture, lang: Lang) -> App {
        let mut app = signed_in(f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        app
    }
    vec![
        ("unlock", |f, lang| {
            let mut app = App::new(lang, f.path.clone(), None, today());
            typ(&mut app, "admin");
            app
        }),
        ("overview", signed_in),
        ("nights", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('f')));
            app
        }),
        ("nights", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('f')));
            press(&mut app, key(KeyCode::Down));
            app
        }),
        ("night_form", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('n')));
            app
        }),
        ("night_form", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('n')));
            typ(&mut app, "so");
            app
        }),
        // The code field, empty; then a known code; then a new one with a neighbour, left.
        ("contact", contact),
        ("contact", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            app
        }),
        ("contact", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab86");
            press(&mut app, key(KeyCode::Tab));
            app
        }),
        ("contact", |f, lang| {
            let mut app = contact(f, lang);
            press(&mut app, key(KeyCode::BackTab));
            press(&mut app, key(KeyCode::BackTab));
            app
        }),
        ("person", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            press(&mut app, ctrl('o'));
            app
        }),
        ("person", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            press(&mut app, ctrl('o'));
            press(&mut app, key(KeyCode::Down));
            app
        }),
        ("contact_edit", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            press(&mut app, ctrl('o'));
            press(&mut app, key(KeyCode::Char('e')));
            app
        }),
        ("contact_edit", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            press(&mut app, ctrl('o'));
            press(&mut app, key(KeyCode::Char('e')));
            press(&mut app, key(KeyCode::BackTab));
            typ(&mut app, "cd12");
            app
        }),
        ("contact_edit", |f, lang| {
            let mut app = contact(f, lang);
            typ(&mut app, "ab85");
            press(&mut app, ctrl('o'));
            press(&mut app, key(KeyCode::Char('e')));
            press(&mut app, key(KeyCode::BackTab));
            typ(&mut app, "cd13");
            press(&mut app, key(KeyCode::Tab));
            app
        }),
        ("statistics", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('s')));
            app
        }),
        // Choices changed (so computing shows), grouped (so the table scrolls).
        ("statistics", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('s')));
            press(&mut app, key(KeyCode::Char(' ')));
            app
        }),
        ("statistics", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('s')));
            press(&mut app, key(KeyCode::Char(' ')));
            press(&mut app, key(KeyCode::Enter));
            press(&mut app, key(KeyCode::Tab));
            press(&mut app, key(KeyCode::Tab));
            app
        }),
        ("statistics", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('s')));
            press(&mut app, key(KeyCode::Tab));
            app
        }),
        ("merge", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('m')));
            typ(&mut app, "ab85");
            press(&mut app, key(KeyCode::Tab));
            typ(&mut app, "cd12");
            app
        }),
        ("audit", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('a')));
            app
        }),
        ("users", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('u')));
            app
        }),
        ("user_form", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('u')));
            press(&mut app, key(KeyCode::Char('a')));
            typ(&mut app, "kim");
            app
        }),
        ("activities", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('i')));
            app
        }),
        ("activity_form", |f, lang| {
            let mut app = signed_in(f, lang);
            press(&mut app, key(KeyCode::Char('i')));
            press(&mut app, key(KeyCode::Char('a')));
            typ(&mut app, "l");
            app
        }),
    ]
}

#[test]
fn every_key_the_help_lists_does_something_on_its_screen() {
    // Seen: the help listed keys that did nothing on its screen, `f` twice, and left out
    // Ctrl-U, F2 and Shift-Tab going round. Now the help is `tui::keys` data, and every key
    // it lists is pressed here on its screen.
    use std::collections::{BTreeMap, BTreeSet};
    use uppsok::tui::keys::{help, Key};
    let f = fixture();
    // (screen, key) → whether it did something in some state of that screen.
    let mut listed: BTreeMap<(&str, String), bool> = BTreeMap::new();
    let mut snapped = BTreeSet::new();
    for (name, state) in screen_states() {
        for lang in LANGS {
            let app = state(&f, lang);
            if snapped.insert((name, lang as u8)) {
                let mut shown = state(&f, lang);
                press(&mut shown, key(KeyCode::F(1)));
                assert!(shown.popup.is_some(), "{name}");
                snap(&format!("help_{name}"), lang, &shown);
            }
            let keys: Vec<Key> = help(&app)
                .iter()
                .flat_map(|h| h.keys.iter().copied())
                .collect();
            let mut seen = BTreeSet::new();
            for k in keys {
                assert!(
                    seen.insert(k.label(lang.text().tui)),
                    "{name}: {k:?} listed twice"
                );
                let mut app = state(&f, lang);
                app.message = None;
                let before = (render(&app), app.quit);
                for ev in k.events() {
                    press(&mut app, ev);
                }
                let did = (render(&app), app.quit) != before;
                *listed.entry((name, format!("{k:?}"))).or_default() |= did;
            }
        }
    }
    let idle: Vec<_> = listed
        .iter()
        .filter(|(_, did)| !**did)
        .map(|(k, _)| k)
        .collect();
    assert!(
        idle.is_empty(),
        "listed in the help but did nothing: {idle:?}"
    );
    for screen in [
        "unlock",
        "overview",
        "nights",
        "night_form",
        "contact",
        "contact_edit",
        "person",
        "statistics",
        "merge",
        "audit",
        "users",
        "user_form",
    ] {
        assert!(
            listed.keys().any(|(s, _)| *s == screen),
            "{screen} has a help"
        );
    }
}

#[test]
fn only_a_wrong_name_or_passphrase_counts_as_an_attempt() {
    // The interface told sign-in refusals apart by matching `Refused(_)`: a key file changed
    // outside uppsok was shown as "wrong user name or passphrase" and counted as a guess. Now
    // the error's variant decides: only a wrong name or passphrase counts.
    let f = fixture();
    let other = fixture();
    let key_file = |p: &std::path::Path| uppsok::storage::key_file_path(p);
    std::fs::copy(key_file(&other.path), key_file(&f.path)).unwrap();
    let mut app = App::new(Lang::Sv, f.path.clone(), Some("admin".into()), today());
    typ(&mut app, PASS);
    press(&mut app, key(KeyCode::Enter));
    assert!(app.session.is_none());
    assert_eq!(
        app.unlock().unwrap().failed,
        0,
        "not a guess: {:?}",
        app.message
    );
    let shown = format!("{:?}", app.message);
    assert!(!shown.contains("stämmer inte"), "{shown}");
    // A wrong passphrase is one, and says so in the interface's language.
    let mut app = App::new(Lang::Sv, other.path.clone(), Some("admin".into()), today());
    typ(&mut app, "not it");
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.unlock().unwrap().failed, 1);
    assert!(format!("{:?}", app.message).contains("stämmer inte"));
}

#[test]
fn screens_go_back_to_where_they_came_from() {
    use uppsok::tui::app::Screen;
    let f = fixture();
    // The night chosen is still chosen when its contact form closes (the form went over the
    // list).
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('f')));
    press(&mut app, key(KeyCode::Down));
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Contact);
    press(&mut app, key(KeyCode::Esc));
    assert!(matches!(&app.screen, Screen::Nights(n) if n.selected == 1));

    // An edit kept over a lock: after signing in again, closing it gives back the logging
    // form that was under it (it used to be kept but hidden behind the field nights).
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "cd12");
    press(&mut app, ctrl('o'));
    press(&mut app, key(KeyCode::Char('e')));
    app.lock();
    typ(&mut app, PASS);
    press(&mut app, key(KeyCode::Enter));
    assert_eq!(app.screen.id(), ScreenId::Contact, "{:?}", app.message);
    assert!(app.contact().unwrap().editing.is_some());
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen.id(), ScreenId::Contact);
    assert!(app.contact().unwrap().editing.is_none());
    assert_eq!(
        app.form().unwrap().text(uppsok::tui::form::Field::Code),
        "cd12"
    );

    // After a merge the overview's figures are counted again when it is shown (it used to
    // show "no contacts" until the next change).
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('m')));
    typ(&mut app, "ab85");
    press(&mut app, key(KeyCode::Tab));
    typ(&mut app, "ef77");
    press(&mut app, ctrl('s'));
    press(&mut app, key(KeyCode::Char('y')));
    assert!(app.session.as_ref().unwrap().overview.is_none());
    press(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen.id(), ScreenId::Overview);
    assert!(app.session.as_ref().unwrap().overview.is_some());
    assert!(!render(&app).contains(Lang::En.text().no_contacts));
}

#[test]
fn quitting_while_a_contact_is_edited_asks_when_the_form_under_it_holds_input() {
    // Seen: the half-typed contact waiting under an edit did not count as unsaved, so Ctrl-Q
    // quit at once and it was lost.
    let f = fixture();
    let mut app = signed_in(&f, Lang::En);
    press(&mut app, key(KeyCode::Char('c')));
    typ(&mut app, "cd12");
    press(&mut app, ctrl('o'));
    press(&mut app, key(KeyCode::Char('e')));
    assert!(
        !app.contact().unwrap().form.dirty,
        "the edit itself is untouched"
    );
    assert!(app.unsaved());
    press(&mut app, ctrl('q'));
    assert!(!app.quit);
    assert!(matches!(app.popup, Some(Popup::Confirm(Confirm::Quit))));
}

/// Adds two projects: one running through 2026 (the form's date), one that ended in 2025.
fn add_projects(f: &Fixture) {
    use uppsok::domain::{Name, ProjectDetails};
    use uppsok::vault::NewProject;
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    for (name, from, to) in [
        ("Köparprojektet", "2026-01-01", "2026-12-31"),
        ("Gamla projektet", "2025-01-01", "2025-12-31"),
    ] {
        v.work()
            .add_project(NewProject {
                details: ProjectDetails {
                    name: Name::new(name).unwrap(),
                    funder: Name::new("Socialstyrelsen").unwrap(),
                    from: parse_date(from).unwrap(),
                    to: Some(parse_date(to).unwrap()),
                },
            })
            .unwrap();
    }
}

fn contacts_of(f: &Fixture, code: &str) -> Vec<uppsok::domain::Contact> {
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    let code = PersonCode::normalise(code).unwrap();
    v.persons()
        .history(&code)
        .unwrap()
        .map(|h| h.into_iter().map(|d| d.contact).collect())
        .unwrap_or_default()
}

#[test]
fn the_projects_field_offers_the_projects_of_the_date_and_an_edit_keeps_them() {
    use uppsok::tui::form::Field;
    let f = fixture();
    add_projects(&f);
    for (lang, code) in [(Lang::En, "pr11"), (Lang::Sv, "pr12")] {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('c')));
        typ(&mut app, code);
        for value in ["sells", "woman", "35-44", "men", "sodermalm", "outreach"] {
            press(&mut app, key(KeyCode::Tab));
            typ(&mut app, value);
        }
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        assert_eq!(app.form().unwrap().focus, Field::Projects);
        // A project of another period is a problem beside the field, and nothing is saved.
        typ(&mut app, "Gamla projektet");
        snap("contact_project_not_on_date", lang, &app);
        press(&mut app, ctrl('s'));
        assert_eq!(app.screen.id(), ScreenId::Contact);
        assert!(contacts_of(&f, code).is_empty(), "nothing saved");
        // An unknown one too; the choices are the projects of the date.
        press(&mut app, ctrl('u'));
        typ(&mut app, "x");
        snap("contact_project_unknown", lang, &app);
        press(&mut app, ctrl('s'));
        assert!(contacts_of(&f, code).is_empty(), "nothing saved");
        press(&mut app, ctrl('u'));
        typ(&mut app, "kö");
        snap("contact_project_picked", lang, &app);
        press(&mut app, ctrl('s'));
        let saved = contacts_of(&f, code);
        assert_eq!(saved.len(), 1, "{:?}", app.message);
        assert_eq!(saved[0].attributes.projects.ids().collect::<Vec<_>>(), [1]);
        // The next form starts in the same project; an edit shows and keeps it.
        assert_eq!(app.form().unwrap().text(Field::Projects), "Köparprojektet");
        press(&mut app, ctrl('u'));
        press(&mut app, key(KeyCode::Esc));
        press(&mut app, key(KeyCode::Char('y')));
        press(&mut app, key(KeyCode::Char('c')));
        typ(&mut app, code);
        press(&mut app, ctrl('o'));
        assert_eq!(app.screen.id(), ScreenId::Person);
        press(&mut app, key(KeyCode::Char('e')));
        assert_eq!(app.form().unwrap().text(Field::Projects), "Köparprojektet");
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        for _ in 0..6 {
            press(&mut app, key(KeyCode::Backspace));
        }
        typ(&mut app, "55");
        press(&mut app, ctrl('s'));
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(app.screen.id(), ScreenId::Person, "{:?}", app.message);
        let saved = contacts_of(&f, code);
        assert_eq!(saved[0].attributes.age_band, AgeBand::From55);
        assert_eq!(saved[0].attributes.projects.ids().collect::<Vec<_>>(), [1]);
    }
}

#[test]
fn a_field_nights_project_is_where_its_contacts_start() {
    use uppsok::tui::form::Field;
    let f = fixture();
    add_projects(&f);
    // A district each, so that the second night is no duplicate of the first.
    for (lang, district) in [(Lang::En, "farsta"), (Lang::Sv, "norrmalm")] {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('n')));
        assert_eq!(app.screen.id(), ScreenId::NightForm);
        typ(&mut app, district);
        press(&mut app, key(KeyCode::Tab));
        press(&mut app, key(KeyCode::Tab));
        // A project of another period is a problem beside the field; nothing is saved.
        typ(&mut app, "Gamla projektet");
        press(&mut app, ctrl('s'));
        assert_eq!(app.screen.id(), ScreenId::NightForm);
        press(&mut app, ctrl('u'));
        typ(&mut app, "kö");
        snap("night_form_project", lang, &app);
        press(&mut app, ctrl('s'));
        assert_eq!(app.screen.id(), ScreenId::Contact, "{:?}", app.message);
        assert_eq!(app.form().unwrap().text(Field::Projects), "Köparprojektet");
        // The next contact of the night starts in it again, even if this one was not in it.
        for value in ["sells", "woman", "35-44", "men"] {
            press(&mut app, key(KeyCode::Tab));
            typ(&mut app, value);
        }
        press(&mut app, ctrl('g'));
        press(&mut app, ctrl('u'));
        press(&mut app, ctrl('s'));
        assert_eq!(app.contact().unwrap().saved_count, 1, "{:?}", app.message);
        assert_eq!(app.form().unwrap().text(Field::Projects), "Köparprojektet");
    }
}

#[test]
fn activities_are_listed_and_logged_with_problems_beside_their_fields() {
    let f = fixture();
    let count = || {
        let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
        v.work().activities(None, None).unwrap().len()
    };
    for (lang, kind, audience) in [(Lang::En, "l", "sc"), (Lang::Sv, "u", "so")] {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('i')));
        assert_eq!(app.screen.id(), ScreenId::Activities);
        if lang == Lang::En {
            snap("activities_empty", lang, &app);
        }
        press(&mut app, key(KeyCode::Char('a')));
        let before = count();
        // Bad input: a start that is no kind, no participants, an identifier in the note.
        typ(&mut app, "x");
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, audience);
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "0");
        press(&mut app, key(KeyCode::Tab));
        typ(&mut app, "ring 070-123 45 67");
        press(&mut app, ctrl('s'));
        snap("activity_form_errors", lang, &app);
        assert_eq!(count(), before, "nothing saved");
        // Put right, saved with Enter on the note.
        press(&mut app, ctrl('u'));
        typ(&mut app, "klass 9");
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, ctrl('u'));
        typ(&mut app, "28");
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, key(KeyCode::BackTab));
        press(&mut app, ctrl('u'));
        typ(&mut app, kind);
        snap("activity_form", lang, &app);
        for _ in 0..3 {
            press(&mut app, key(KeyCode::Tab));
        }
        press(&mut app, key(KeyCode::Enter));
        assert_eq!(count(), before + 1, "{:?}", app.message);
        snap("activities", lang, &app);
        // A form with input asks before it is thrown away.
        press(&mut app, key(KeyCode::Char('a')));
        typ(&mut app, "m");
        press(&mut app, key(KeyCode::Esc));
        assert!(matches!(app.popup, Some(Popup::Confirm(Confirm::Discard))));
        press(&mut app, key(KeyCode::Char('y')));
        assert!(app.popup.is_none());
        assert_eq!(count(), before + 1);
        press(&mut app, key(KeyCode::Esc));
        assert_eq!(app.screen.id(), ScreenId::Overview);
    }
    // An auditor gets the usual refusal.
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    v.staff()
        .add(
            "aino",
            uppsok::domain::StaffRole::Auditor,
            &Passphrase::new(PASS.into()),
        )
        .unwrap();
    drop(v);
    let v = Vault::unlock(&f.path, "aino", &Passphrase::new(PASS.into())).unwrap();
    let mut app = App::signed_in(Lang::En, f.path.clone(), v, today());
    press(&mut app, key(KeyCode::Char('i')));
    assert_eq!(app.screen.id(), ScreenId::Overview);
    assert!(matches!(
        app.message,
        Some(uppsok::tui::app::Message::Error(_))
    ));
}

/// A city of two units (docs/units.md): the administrator's users screen shows each user's
/// unit; a user of the second unit sees their own unit's overview (none of the first unit's
/// contacts).
#[test]
fn a_city_of_units_in_the_interface() {
    let f = fixture();
    let mut v = Vault::unlock(&f.path, "admin", &Passphrase::new(PASS.into())).unwrap();
    v.staff().add_unit("stockholm").unwrap();
    let goteborg = v.staff().add_unit("goteborg").unwrap();
    v.staff()
        .add_in(
            "sara",
            uppsok::domain::StaffRole::Outreach,
            goteborg,
            &Passphrase::new(PASS.into()),
        )
        .unwrap();
    drop(v);
    for lang in LANGS {
        let mut app = signed_in(&f, lang);
        press(&mut app, key(KeyCode::Char('u')));
        assert_eq!(app.screen.id(), ScreenId::Users);
        snap("users_city", lang, &app);
        let v = Vault::unlock(&f.path, "sara", &Passphrase::new(PASS.into())).unwrap();
        let app = App::signed_in(lang, f.path.clone(), v, today());
        let drawn = render(&app);
        snap("overview_other_unit", lang, &app);
        // Nothing of the first unit's: no contact this year, no field night.
        assert!(!drawn.contains("2026-05-20"), "{drawn}");
    }
}
