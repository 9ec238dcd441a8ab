//! `demo`: build (or reuse) a demo database of synthetic contacts and show how to use it.

use std::path::{Path, PathBuf};

use clap::Args;
use zeroize::Zeroizing;

use super::{default_data_dir, lang};
use crate::cli::Global;
use crate::crypto::Passphrase;
use crate::demo::{self, DemoData};
use crate::domain::{today, ContactType, Counterpart, Gender, NewContact, PersonCode, Role};
use crate::error::{Error, Result};
use crate::i18n::cli::Says;
use crate::msg::Msg;
use crate::stats::{Dimension, Filter, Query, StatsResult};
use crate::vault::{StatsPurpose, Vault};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the synthetic data: the same seed on the same day gives the same data
    #[arg(long, default_value_t = demo::DEFAULT_SEED, value_name = "N")]
    pub seed: u64,
    /// Only build the database and print how to use it; do not open the interface
    #[arg(long)]
    pub no_tui: bool,
}

/// The demo database: `--db`, `UPPSOK_DB`, or `demo.db` in the platform data directory (never
/// the real `uppsok.db`).
fn demo_path(g: &Global) -> Result<PathBuf> {
    if let Some(p) = &g.db {
        return Ok(p.clone());
    }
    default_data_dir()
        .map(|d| d.join("demo.db"))
        .ok_or(Error::Input(Msg::DemoNoDataDir))
}

/// Opens an existing demo database as the demo user, or explains why it is not one.
fn reuse(path: &Path, pass: &Passphrase) -> Result<Vault> {
    let not_demo = || {
        Error::Input(Msg::NotADemo {
            path: crate::storage::shown_location(path).into(),
        })
    };
    let vault = Vault::unlock(path, demo::USER, pass).map_err(|_| not_demo())?;
    if vault.user().role != crate::domain::StaffRole::Admin {
        return Err(not_demo());
    }
    Ok(vault)
}

/// Turns the generated data into what the vault stores.
fn fill(vault: &mut Vault, data: DemoData) -> Result<(usize, usize)> {
    let _progress = crate::progress::begin(crate::progress::Task::Demo, None);
    let nights: Vec<_> = data
        .nights
        .into_iter()
        .map(|n| (n.date, n.details))
        .collect();
    let contacts = data.contacts.into_iter().map(|c| {
        (
            NewContact {
                date: c.date,
                code: c.code.as_deref().and_then(PersonCode::normalise),
                attributes: c.attributes,
                note: Zeroizing::new(c.note),
                field_night: None,
            },
            c.night,
        )
    });
    vault.contacts().load(&nights, contacts)
}

/// A path as it can be pasted into a shell.
fn shell_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:,=@%".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The figures the summary shows, computed from the database like `uppsok stats` does.
struct Summary {
    all: StatsResult,
    years: usize,
    counselling: StatsResult,
}

fn summarise(vault: &mut Vault) -> Result<Summary> {
    let door = vault.stats().open(StatsPurpose::DemoSummary)?;
    let (from, to) = demo::calibration_period();
    let filter = Filter::parse("contact_type=counselling", door.districts())
        .map_err(Msg::Filter)
        .map_err(Error::Failed)?;
    let queries = [
        Query::default(),
        Query {
            by: vec![Dimension::Year],
            ..Query::default()
        },
        Query {
            from: Some(from),
            to: Some(to),
            by: vec![Dimension::Role, Dimension::Gender, Dimension::Counterpart],
            filters: vec![filter],
        },
    ];
    // One pass for the three: decrypting is what takes time.
    let [all, years, counselling]: [StatsResult; 3] = door
        .count(&queries, &mut [])?
        .try_into()
        .map_err(|_| Error::Failed(Msg::DemoSummary))?;
    Ok(Summary {
        all,
        years: years.groups.len(),
        counselling,
    })
}

/// Individuals of the group with this role, gender and counterpart (0 when absent).
fn individuals(r: &StatsResult, role: Role, gender: Gender, counterpart: Counterpart) -> u64 {
    let key = [role.as_str(), gender.as_str(), counterpart.as_str()];
    r.groups
        .iter()
        .find(|g| g.key.iter().map(String::as_str).eq(key))
        .map_or(0, |g| g.figures.individuals)
}

pub fn run(g: &Global, a: DemoArgs) -> Result<()> {
    let path = demo_path(g)?;
    let pass = Passphrase::new(demo::PASSPHRASE.to_string());
    // A file is there or not; a database on a server is there when making it is refused.
    let existed = path.exists();
    let (mut vault, existed) = match existed {
        true => (reuse(&path, &pass)?, true),
        false => match Vault::create(&path, demo::USER, &pass) {
            Ok(v) => (v, false),
            Err(Error::Storage(crate::storage::StorageError::AlreadyExists(_)))
                if crate::storage::is_server(&path) =>
            {
                (reuse(&path, &pass)?, true)
            }
            Err(e) => return Err(e),
        },
    };
    let end = today();
    let built = if vault.contacts().count()? == 0 {
        let data = demo::generate(a.seed, end);
        let (nights, contacts) = fill(&mut vault, data)?;
        Some((nights, contacts))
    } else {
        None
    };
    let s = summarise(&mut vault)?;

    // A server's address is shown without its password (which belongs in UPPSOK_DB, never on
    // a command line that `ps` shows).
    let shown = crate::storage::shown_location(&path);
    let db = shell_path(Path::new(&shown));
    let l = lang(g);
    let t = l.cli();
    let said = match built {
        Some(_) if existed => Says::DemoFilled {
            db: &shown,
            seed: a.seed,
        },
        Some(_) => Says::DemoBuilt {
            db: &shown,
            seed: a.seed,
        },
        None => Says::DemoReused { db: &shown },
    };
    println!("{}", l.says(said));
    println!("{}{}", t.demo_user, demo::USER);
    println!("{}{}", t.demo_passphrase, demo::PASSPHRASE);
    println!("{}", t.demo_role);
    println!();
    let totals = &s.all.totals;
    println!(
        "{}",
        l.says(Says::DemoPeriod {
            from: s.all.from.as_deref().unwrap_or("-"),
            to: s.all.to.as_deref().unwrap_or("-"),
        })
    );
    println!(
        "{}{}",
        t.demo_contacts,
        l.says(Says::DemoContacts {
            contacts: totals.contacts,
            unidentified: totals.unidentified_contacts,
        })
    );
    println!("{}{}", t.demo_individuals, l.number(totals.individuals));
    println!("{}{}", t.demo_field_nights, l.number(s.all.field_nights));
    println!("{}{}", t.demo_years, l.number(s.years as u64));
    let (cf, ct) = demo::calibration_period();
    let c = &s.counselling;
    println!();
    println!(
        "{}",
        l.says(Says::DemoCalibration {
            from: &cf.to_string(),
            to: &ct.to_string()
        })
    );
    println!(
        "{}{}",
        t.demo_individuals_calibrated,
        l.number(c.totals.individuals)
    );
    for (label, role, gender, counterpart) in [
        (
            t.demo_women_sold_to_men,
            Role::Sells,
            Gender::Woman,
            Counterpart::Men,
        ),
        (
            t.demo_men_sold_to_men,
            Role::Sells,
            Gender::Man,
            Counterpart::Men,
        ),
        (
            t.demo_men_bought_from_women,
            Role::Buys,
            Gender::Man,
            Counterpart::Women,
        ),
    ] {
        println!(
            "{label}{}",
            l.number(individuals(c, role, gender, counterpart))
        );
    }
    println!();
    println!(
        "{}",
        l.says(Says::DemoExplore {
            passphrase: demo::PASSPHRASE
        })
    );
    let u = demo::USER;
    // The commands print in the language this one did.
    let lang_flag = if l == crate::i18n::Lang::Sv {
        " --lang sv"
    } else {
        ""
    };
    for cmd in [
        "stats --by year".to_string(),
        format!(
            "stats --from {cf} --to {ct} --filter contact_type={} --by role,gender,counterpart",
            ContactType::Counselling
        ),
        "stats --by contact_type,trafficking --format md".to_string(),
        "night list".to_string(),
        "export --format csv --out demo.csv".to_string(),
    ] {
        println!("  uppsok --db {db} --user {u}{lang_flag} {cmd}");
    }
    if !a.no_tui && super::tui::require_terminal().is_ok() {
        return super::tui::run_signed_in(g, path, vault);
    }
    Ok(())
}
