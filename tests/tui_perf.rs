//! Speed of the interface on a large database (issue 4, "Speed"): the first frame after
//! unlocking, and each key press plus its frame. Ignored in the normal test run; run it in a
//! release build and read the figures it prints (docs/performance.md, "Terminal interface"):
//!
//! ```sh
//! cargo test --release --test tui_perf -- --ignored --nocapture
//! ```
//!
//! `UPPSOK_TUI_BENCH_CONTACTS` sets the size (default 1,000,000); `UPPSOK_TUI_BENCH_DB` names a
//! database file to build once and reuse (it is built when missing).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use zeroize::Zeroizing;

use uppsok::crypto::Passphrase;
use uppsok::domain::{
    today, AgeBand, Attributes, ContactType, Counterpart, Districts, FieldNightDetails,
    FieldNightKind, Gender, NewContact, PersonCode, Referrals, Role,
};
use uppsok::i18n::Lang;
use uppsok::tui::app::App;
use uppsok::tui::{event, ui};
use uppsok::vault::Vault;

const PASS: &str = "bench passphrase, long enough";
const PERSONS: u64 = 100_000;

/// A small deterministic generator (xorshift), so every run builds the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn build(path: &std::path::Path, n: u64) {
    let mut v = Vault::create(path, "bench", &Passphrase::new(PASS.into())).unwrap();
    let districts = Districts::default();
    let end = today();
    let start = uppsok::domain::parse_date("2004-01-01").unwrap();
    let days = (end - start).num_days() as u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let nights: Vec<_> = (0..days / 3)
        .map(|i| {
            (
                start + chrono::Days::new(i * 3),
                FieldNightDetails {
                    kind: FieldNightKind::Street,
                    district: districts.all()[(i % 13) as usize].clone(),
                    staff: 2,
                    project: None,
                },
            )
        })
        .collect();
    let contacts = (0..n).map(move |_| {
        let day = rng.next() % days;
        let code = if rng.next().is_multiple_of(5) {
            None
        } else {
            PersonCode::normalise(&format!("p{}", rng.next() % PERSONS))
        };
        let a = Attributes {
            role: rng.pick(Role::ALL),
            gender: rng.pick(Gender::ALL),
            age_band: rng.pick(&AgeBand::ALL[1..]),
            counterpart: rng.pick(Counterpart::ALL),
            district: districts.all()[(rng.next() % 16) as usize].clone(),
            contact_type: rng.pick(ContactType::ALL),
            referrals: Referrals::from_bits((rng.next() % 4) as u8),
            trafficking: rng.next().is_multiple_of(50),
            concern: None,
            projects: uppsok::domain::ProjectSet::none(),
        };
        (
            NewContact {
                date: start + chrono::Days::new(day),
                code,
                attributes: a,
                note: Zeroizing::new(String::new()),
                field_night: None,
            },
            None,
        )
    });
    v.contacts().load(&nights, contacts).unwrap();
}

fn key(c: KeyCode, m: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(c, m))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "a benchmark: run in a release build with --ignored --nocapture"]
fn first_frame_and_key_presses_on_a_large_database() {
    let n: u64 = std::env::var("UPPSOK_TUI_BENCH_CONTACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("UPPSOK_TUI_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    if !path.exists() {
        let t = Instant::now();
        build(&path, n);
        println!("built {n} contacts in {:.1} s", t.elapsed().as_secs_f64());
    }

    let t = Instant::now();
    let vault = Vault::unlock(&path, "bench", &Passphrase::new(PASS.into())).unwrap();
    let unlock = t.elapsed();
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let t = Instant::now();
    let mut app = App::signed_in(Lang::Sv, path.clone(), vault, today());
    term.draw(|f| ui::draw(f, &app)).unwrap();
    let first_frame = t.elapsed();
    println!(
        "unlock (Argon2id key derivation): {:.0} ms; first frame after unlock: {:.0} ms",
        ms(unlock),
        ms(first_frame)
    );

    let mut press = |app: &mut App, ev: Event| -> Duration {
        let t = Instant::now();
        if let Some(a) = event::action_for(app, &ev) {
            app.update(a);
        }
        term.draw(|f| ui::draw(f, app)).unwrap();
        t.elapsed()
    };
    let none = KeyModifiers::NONE;
    let mut times: Vec<(String, Duration)> = Vec::new();
    times.push((
        "c (open the form)".into(),
        press(&mut app, key(KeyCode::Char('c'), none)),
    ));
    // A known code, typed key by key: every key looks it up (and keys the one-edit variants
    // while it is unknown).
    for (what, text) in [("known code", "p4242"), ("unknown code", "q4242x")] {
        for ch in text.chars() {
            times.push((
                format!("{what}: '{ch}'"),
                press(&mut app, key(KeyCode::Char(ch), none)),
            ));
        }
        for _ in text.chars() {
            times.push((
                format!("{what}: Backspace"),
                press(&mut app, key(KeyCode::Backspace, none)),
            ));
        }
    }
    // The starts a worker types in Swedish (the app's language here).
    for text in [
        "p4242",
        "sä",
        "kv",
        "25",
        "m",
        "sö",
        "upp",
        "",
        "",
        "kaffe och samtal",
    ] {
        for ch in text.chars() {
            times.push((
                format!("field text '{ch}'"),
                press(&mut app, key(KeyCode::Char(ch), none)),
            ));
        }
        times.push(("Tab".into(), press(&mut app, key(KeyCode::Tab, none))));
    }
    let save = press(&mut app, key(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(
        matches!(app.message, Some(uppsok::tui::app::Message::Info(_))),
        "the contact is saved: {:?}",
        app.message
    );
    println!(
        "save a contact (one transaction, synced): {:.1} ms",
        ms(save)
    );
    // Esc closes the form (to the field nights), Esc again goes to the overview, which
    // recomputes the figures once after the save.
    press(&mut app, key(KeyCode::Esc, none));
    let back = press(&mut app, key(KeyCode::Esc, none));
    assert_eq!(app.screen.id(), uppsok::tui::app::ScreenId::Overview);
    println!(
        "overview again after a save (recomputed once): {:.0} ms",
        ms(back)
    );
    let stats_open = press(&mut app, key(KeyCode::Char('s'), none));
    println!(
        "statistics screen opened (this year computed): {:.0} ms",
        ms(stats_open)
    );
    for (what, ev) in [
        ("stats ←", key(KeyCode::Left, none)),
        ("stats Space", key(KeyCode::Char(' '), none)),
        ("stats p", key(KeyCode::Char('p'), none)),
        ("stats p", key(KeyCode::Char('p'), none)),
    ] {
        times.push((what.into(), press(&mut app, ev)));
    }

    let mut all: Vec<Duration> = times.iter().map(|(_, d)| *d).collect();
    all.sort();
    let p = |q: f64| all[((all.len() - 1) as f64 * q) as usize];
    let (worst_what, worst) = times.iter().max_by_key(|(_, d)| *d).unwrap();
    println!(
        "{} key presses, key + frame: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({worst_what})",
        all.len(),
        ms(p(0.5)),
        ms(p(0.95)),
        ms(*worst)
    );
    let unknown: Vec<f64> = times
        .iter()
        .filter(|(w, _)| w.starts_with("unknown code: '"))
        .map(|(_, d)| ms(*d))
        .collect();
    println!("unknown code keys (lookup + did-you-mean + frame), ms: {unknown:.2?}");
    assert!(first_frame < Duration::from_secs(1) || n < 1_000_000 || cfg!(debug_assertions));
}
