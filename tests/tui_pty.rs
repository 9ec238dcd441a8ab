//! The main path, end to end, in a real pseudo-terminal: the real binary draws with crossterm
//! into a pty, a vt100 parser reads the screen back, and keys are typed as bytes. Builds the
//! demo, starts a field night, logs three contacts (a new person, the same person returning
//! with prefill, an unidentified under-18 contact), quits, then checks that `uppsok stats` and
//! `uppsok export` see exactly those three.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Db;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use serde_json::Value;

struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn spawn(db: &Db, args: &[&str]) -> Pty {
        Self::spawn_with(db, args, &[])
    }

    fn spawn_with(db: &Db, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_uppsok"));
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", db.dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C");
        cmd.env("UPPSOK_INSECURE_TEST_KDF", "1");
        cmd.env("UPPSOK_DB", &db.path);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args);
        let child = pty.slave.spawn_command(cmd).expect("spawn uppsok");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let writer: Arc<Mutex<Box<dyn Write + Send>>> =
            Arc::new(Mutex::new(pty.master.take_writer().expect("writer")));
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let (s, w) = (screen.clone(), writer.clone());
        std::thread::spawn(move || {
            // Keeps the master open as long as the reader runs.
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let chunk = &buf[..n];
                        // The terminal may be asked where the cursor is: answer as a terminal would.
                        if chunk.windows(4).any(|x| x == b"\x1b[6n") {
                            let mut w = w.lock().unwrap();
                            let _ = w.write_all(b"\x1b[1;1R");
                            let _ = w.flush();
                        }
                        s.lock().unwrap().process(chunk);
                    }
                }
            }
        });
        Pty {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the screen never showed {text:?}; it shows:\n{}",
            self.contents()
        );
    }

    fn send(&self, bytes: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes.as_bytes()).unwrap();
        w.flush().unwrap();
        drop(w);
        // A lone Esc must not run into the next key (it would read as Alt+key).
        std::thread::sleep(Duration::from_millis(120));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!(
            "uppsok did not exit; the screen shows:\n{}",
            self.contents()
        );
    }
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_S: &str = "\x13";
const CTRL_P: &str = "\x10";

fn demo_json(db: &Db, args: &[&str]) -> Value {
    let out = db.cmd_as("demo", "demo").args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn a_field_night_logged_in_the_interface_is_what_stats_and_export_see() {
    let db = Db::empty();
    // Without a terminal `demo` builds, prints and ends (it opens the interface only at one).
    let built = db.bare().arg("demo").output().expect("build the demo");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(String::from_utf8_lossy(&built.stdout).contains("passphrase: demo"));
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let stats_args = [
        "stats", "--from", &today, "--to", &today, "--format", "json",
    ];
    let before = demo_json(&db, &stats_args);
    let nights_before = demo_json(&db, &["export", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field_night"].as_i64())
        .max()
        .unwrap_or(0);

    let mut ui = Pty::spawn(&db, &["demo"]);
    ui.wait_for("Overview");
    ui.wait_for("demo (administrator)");
    // A new field night in Södermalm, today, two staff.
    ui.send("n");
    ui.wait_for("New field night");
    ui.send("sod");
    ui.send(TAB);
    ui.send(ENTER);
    ui.wait_for("field night");
    ui.wait_for("0 logged");
    // 1: a new person.
    ui.send("ZQ-e2e 1");
    ui.wait_for("new person");
    for (text, _field) in [
        ("s", "role"),
        ("w", "gender"),
        ("25", "age band"),
        ("m", "counterpart"),
    ] {
        ui.send(TAB);
        ui.send(text);
    }
    ui.send(CTRL_S);
    ui.wait_for("1 logged");
    // 2: the same person returns; the form says so and prefills.
    ui.send("zqe2e1");
    ui.wait_for("known person: 1 earlier contact,");
    ui.send(CTRL_P);
    ui.send(CTRL_S);
    ui.wait_for("2 logged");
    // 3: no code, under 18: the form asks whether a report of concern is made.
    for text in ["", "s", "w", "und", "will", "m"] {
        ui.send(text);
        ui.send(TAB);
    }
    ui.send(CTRL_S);
    ui.wait_for("3 logged");
    // Leave the form (nothing unsaved, so no question) and quit.
    ui.send(ESC);
    ui.wait_for("Field nights");
    ui.send("q");
    let status = ui.wait_exit();
    assert!(status.success(), "exit status {status:?}");

    let after = demo_json(&db, &stats_args);
    assert_eq!(n(&after, "contacts"), n(&before, "contacts") + 3);
    assert_eq!(
        n(&after, "unidentified_contacts"),
        n(&before, "unidentified_contacts") + 1
    );
    assert_eq!(n(&after, "individuals"), n(&before, "individuals") + 1);
    assert_eq!(
        n(&after, "new_individuals"),
        n(&before, "new_individuals") + 1
    );
    assert_eq!(n(&after, "field_nights"), n(&before, "field_nights") + 1);

    let export = demo_json(&db, &["export", "--format", "json"]);
    let ours: Vec<&Value> = export
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field_night"].as_i64().is_some_and(|f| f > nights_before))
        .collect();
    assert_eq!(ours.len(), 3, "{ours:?}");
    for c in &ours {
        assert_eq!(c["date"], today.as_str());
        assert_eq!(c["district"], "sodermalm");
        assert_eq!(c["contact_type"], "outreach");
        assert_eq!(c["role"], "sells");
        assert_eq!(c["gender"], "woman");
        assert_eq!(c["counterpart"], "men");
    }
    let code = ours[0]["person_code"].as_str().unwrap();
    assert_eq!(code.len(), 64, "a pseudonym, never the code");
    assert_eq!(ours[1]["person_code"], code, "the same person returned");
    assert_eq!(ours[0]["age_band"], "25-34");
    assert_eq!(ours[1]["age_band"], "25-34", "prefilled");
    assert_eq!(ours[2]["person_code"], "");
    assert_eq!(ours[2]["age_band"], "under18");
}

#[test]
fn a_paste_stays_in_its_field_and_a_sigterm_restores_the_terminal() {
    // Seen: a pasted line break saved the contact; killing the process with SIGTERM or SIGHUP
    // left the terminal in the alternate screen.
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let db = Db::new();
        let mut ui = Pty::spawn_with(
            &db,
            &["tui"],
            &[
                ("UPPSOK_USER", common::ADMIN),
                ("UPPSOK_PASSPHRASE", common::PASS),
            ],
        );
        ui.wait_for("Overview");
        assert!(ui.screen.lock().unwrap().screen().alternate_screen());
        assert!(
            ui.screen.lock().unwrap().screen().bracketed_paste(),
            "bracketed paste is on"
        );
        ui.send("c");
        ui.wait_for("Person code");
        // A bracketed paste of two lines into the code field.
        ui.send("\x1b[200~ab85\r\nsecond\x1b[201~");
        ui.wait_for("ab85 second");
        assert!(!ui.contents().contains("Saved"), "{}", ui.contents());
        let pid = ui.child.process_id().expect("a pid") as libc::pid_t;
        // SAFETY: sends a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = ui.wait_exit();
        assert!(!status.success(), "ended by the signal: {status:?}");
        // Give the reader thread a moment to take in the last bytes.
        std::thread::sleep(Duration::from_millis(200));
        let screen = ui.screen.lock().unwrap();
        assert!(
            !screen.screen().alternate_screen(),
            "signal {signal}: the terminal is back on its main screen"
        );
        assert!(!screen.screen().bracketed_paste());
        drop(screen);
        // Nothing was logged by the paste.
        let out = db
            .cmd()
            .args(["stats", "--format", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(n(&v, "contacts"), 0);
    }
}

/// The keys of one contact of the night: what is typed, as the bytes a terminal sends. The
/// note's text is kept apart, because the goal counts keys besides the note.
struct Contact {
    what: &'static str,
    keys: Vec<&'static str>,
}

impl Contact {
    /// Keys pressed: each character typed and each control key is one.
    fn key_count(&self) -> usize {
        self.keys
            .iter()
            .map(|k| match *k {
                // The note's own text is not counted (the goal is "besides the note").
                "NOTE" | "NOTE2" => 0,
                TAB | CTRL_S | CTRL_P | CTRL_D | CTRL_U | CTRL_T | CTRL_R | CTRL_N | BACKTAB => 1,
                k => k.chars().count(),
            })
            .sum()
    }
}

const CTRL_D: &str = "\x04";
const CTRL_T: &str = "\x14";
const CTRL_R: &str = "\x12";
const CTRL_N: &str = "\x0e";
const CTRL_U: &str = "\x15";
const BACKTAB: &str = "\x1b[Z";

#[test]
fn a_night_of_ten_contacts_is_logged_in_swedish_with_few_keys() {
    // Issue 13: ten contacts (new people, returning people, a typo in a code, an under-18, a
    // note with a personnummer, a buyer, an online contact) took about 21 keys each besides the
    // note. Here the same night, typed as a worker would in Swedish, with each contact's keys
    // counted (docs/tui.md lists them); `export` must hold exactly what was meant.
    let db = Db::new();
    // Two people met before.
    for (code, role, gender, age, counterpart) in [
        ("cd77", "sells", "woman", "35-44", "men"),
        ("mk61", "sells", "trans", "45-54", "men"),
    ] {
        let out = db
            .cmd()
            .args([
                "add",
                "--date",
                "2026-01-10",
                "--code",
                code,
                "--role",
                role,
                "--gender",
                gender,
                "--age-band",
                age,
                "--counterpart",
                counterpart,
                "--district",
                "sodermalm",
                "--contact-type",
                "outreach",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let mut ui = Pty::spawn_with(
        &db,
        &["tui", "--lang", "sv"],
        &[
            ("UPPSOK_USER", common::ADMIN),
            ("UPPSOK_PASSPHRASE", common::PASS),
        ],
    );
    ui.wait_for("Översikt");
    // A street night in Södermalm, today.
    ui.send("n");
    ui.wait_for("Ny uppsökarkväll");
    ui.send("sö");
    ui.send(CTRL_S);
    ui.wait_for("0 loggade");
    let night = [
        Contact {
            what: "new person",
            keys: vec!["ab90", TAB, "s", TAB, "k", TAB, "2", TAB, "m", CTRL_S],
        },
        Contact {
            what: "returning person",
            keys: vec!["cd77", CTRL_P, CTRL_S],
        },
        Contact {
            what: "returning person, typo in the code",
            keys: vec!["cd78", TAB, CTRL_D, CTRL_P, CTRL_S],
        },
        Contact {
            what: "under 18, no code",
            keys: vec![TAB, "s", TAB, "k", TAB, "<", TAB, "k", TAB, "m", CTRL_S],
        },
        Contact {
            what: "new person, a personnummer in the note (refused, then corrected)",
            keys: vec![
                "ef85", TAB, "s", TAB, "k", TAB, "1", TAB, "m", CTRL_N, "NOTE", CTRL_S, CTRL_U,
                "NOTE2", CTRL_S,
            ],
        },
        Contact {
            what: "buyer, new person",
            keys: vec!["gh70", TAB, "k", TAB, "m", TAB, "4", TAB, "k", CTRL_S],
        },
        Contact {
            what: "returning person with a note",
            keys: vec!["mk61", CTRL_P, CTRL_N, "NOTE", CTRL_S],
        },
        Contact {
            what: "online contact, new person",
            keys: vec![
                "ij99", TAB, "s", TAB, "k", TAB, "1", TAB, "m", CTRL_T, "i", CTRL_S,
            ],
        },
        Contact {
            what: "returning person (the first of the night)",
            keys: vec!["ab90", CTRL_P, CTRL_S],
        },
        Contact {
            what: "new person, referred to health care",
            keys: vec![
                "pq02", TAB, "s", TAB, "k", TAB, "2", TAB, "m", CTRL_R, "h", CTRL_S,
            ],
        },
    ];
    let notes = [
        ("ef85", "ringer 19850214-2385 imorgon", "ringer imorgon"),
        ("mk61", "vill prata om boende", ""),
    ];
    let mut counts = Vec::new();
    for (i, c) in night.iter().enumerate() {
        for k in &c.keys {
            match *k {
                "NOTE" | "NOTE2" => {
                    let code = c.keys[0];
                    let (_, first, second) = notes.iter().find(|n| n.0 == code).expect("a note");
                    ui.send(if *k == "NOTE" { first } else { second });
                }
                k => ui.send(k),
            }
            if *k == "NOTE" && c.what.contains("personnummer") {
                // The live warning names what the note looks like, before any save.
                ui.wait_for("✗ ser ut som ett per");
            }
        }
        ui.wait_for(&format!("{} loggade", i + 1));
        counts.push((c.what, c.key_count()));
    }
    ui.send(ESC);
    ui.wait_for("Uppsökarkvällar");
    ui.send("q");
    assert!(ui.wait_exit().success());

    // What the night holds, as export sees it.
    let out = db
        .cmd()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<Value> = all
        .into_iter()
        .filter(|r| r["date"] == today.as_str())
        .collect();
    assert_eq!(rows.len(), 10, "{rows:#?}");
    let get = |i: usize, k: &str| rows[i][k].as_str().unwrap_or_default().to_string();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["date"], today.as_str(), "{i}");
        assert_eq!(r["district"], "sodermalm", "{i}");
    }
    // The codes: one pseudonym per person; the typo went to cd77's person.
    assert_eq!(
        get(1, "person_code"),
        get(2, "person_code"),
        "Ctrl-D took cd77"
    );
    assert_eq!(get(0, "person_code"), get(8, "person_code"));
    assert_eq!(get(3, "person_code"), "", "no code");
    let distinct: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r["person_code"].as_str().unwrap().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(distinct.len(), 7, "ab90 cd77 ef85 gh70 mk61 ij99 pq02");
    // Values as meant.
    assert_eq!(get(0, "role"), "sells");
    assert_eq!(get(0, "gender"), "woman");
    assert_eq!(get(0, "age_band"), "25-34");
    assert_eq!(get(0, "counterpart"), "men");
    assert_eq!(get(0, "contact_type"), "outreach");
    assert_eq!(get(1, "age_band"), "35-44", "prefilled from cd77");
    assert_eq!(get(2, "age_band"), "35-44");
    assert_eq!(get(3, "age_band"), "under18");
    assert_eq!(get(3, "concern"), "will-be-made");
    assert_eq!(
        get(4, "note"),
        "ringer imorgon",
        "the personnummer never saved"
    );
    assert_eq!(get(4, "age_band"), "18-24");
    assert_eq!(get(5, "role"), "buys");
    assert_eq!(get(5, "gender"), "man");
    assert_eq!(get(5, "age_band"), "45-54");
    assert_eq!(get(5, "counterpart"), "women");
    assert_eq!(get(6, "gender"), "trans", "prefilled from mk61");
    assert_eq!(get(6, "note"), "vill prata om boende");
    assert_eq!(get(7, "contact_type"), "online");
    assert_eq!(
        get(8, "contact_type"),
        "outreach",
        "the night's type again after the online one"
    );
    assert_eq!(rows[9]["referrals"], serde_json::json!(["health"]));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("19850214"),
        "a personnummer never reaches the file"
    );

    // The goal: a returning person in ≤ 8 keys, a new person in ≤ 15, besides the note.
    for (what, keys) in &counts {
        eprintln!("{keys:>3} keys: {what}");
    }
    for (what, keys) in &counts {
        let goal = if what.starts_with("returning") {
            8
        } else if what.contains("personnummer") {
            15 + 2 // the refused save and Ctrl-U come on top, by design
        } else {
            15
        };
        assert!(*keys <= goal, "{what}: {keys} keys (goal {goal})");
    }
    let total: usize = counts.iter().map(|(_, k)| k).sum();
    eprintln!("{total} keys for the night, besides the notes");
}

#[test]
fn an_activity_logged_in_the_interface_is_counted_in_the_yearly_report() {
    let db = Db::new();
    let year = chrono::Local::now().date_naive().format("%Y").to_string();
    let mut ui = Pty::spawn_with(
        &db,
        &["tui", "--lang", "en"],
        &[
            ("UPPSOK_USER", common::ADMIN),
            ("UPPSOK_PASSPHRASE", common::PASS),
        ],
    );
    ui.wait_for("Overview");
    ui.send("i");
    ui.wait_for("No activities logged this year.");
    ui.send("a");
    ui.wait_for("New activity");
    // Date today; a lecture for a school, 27 participants, a note; Enter on the note saves.
    for text in ["l", "sc", "27"] {
        ui.send(text);
        ui.send(TAB);
    }
    ui.send("class 9, two teachers");
    ui.send(ENTER);
    ui.wait_for("Activity saved.");
    ui.wait_for("lecture");
    ui.send(ESC);
    ui.wait_for("Overview");
    ui.send("q");
    assert!(ui.wait_exit().success());
    let out = db.cmd().args(["report", "--year", &year]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("## Information and training, by kind"),
        "{report}"
    );
    assert!(report.contains("| lecture | 1 | 27 |"), "{report}");
    assert!(report.contains("| school | 1 | 27 |"), "{report}");
    assert!(report.contains("| Total | 1 | 27 |"), "{report}");
}
