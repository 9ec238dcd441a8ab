//! `demo`: build (or reuse) a demo database of synthetic contacts and show how to use it.

use std::path::{Path, PathBuf};

use clap::Args;
use zeroize::Zeroizing;

use super::default_data_dir;
use crate::cli::Global;
use crate::crypto::Passphrase;
use crate::demo::{self, DemoData};
use crate::domain::{today, ContactType, Counterpart, Gender, NewContact, PersonCode, Role};
use crate::error::{Error, Result};
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
            path: path.to_path_buf(),
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
    let existed = path.exists();
    let mut vault = if existed {
        reuse(&path, &pass)?
    } else {
        Vault::create(&path, demo::USER, &pass)?
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

    let db = shell_path(&path);
    match built {
        Some(_) if existed => println!(
            "Filled the empty demo database {} with synthetic contacts (seed {}).",
            path.display(),
            a.seed
        ),
        Some(_) => println!(
            "Built a demo database of synthetic contacts at {} (seed {}).",
            path.display(),
            a.seed
        ),
        None => println!(
            "Reusing the demo database at {}; its data was built before and --seed does not change it (remove the file to build it anew).",
            path.display()
        ),
    }
    println!("  user:       {}", demo::USER);
    println!("  passphrase: {}", demo::PASSPHRASE);
    println!("  role:       admin");
    println!();
    let t = &s.all.totals;
    println!(
        "Synthetic data, {} to {}:",
        s.all.from.as_deref().unwrap_or("-"),
        s.all.to.as_deref().unwrap_or("-")
    );
    println!(
        "  contacts:     {} ({} unidentified)",
        t.contacts, t.unidentified_contacts
    );
    println!("  individuals:  {}", t.individuals);
    println!("  field nights: {}", s.all.field_nights);
    println!("  years:        {}", s.years);
    let (cf, ct) = demo::calibration_period();
    let c = &s.counselling;
    println!();
    println!(
        "Counselling {cf} to {ct}, calibrated to the 2009 report (\"just over 400 individuals\"):"
    );
    println!(
        "  individuals:                       {}",
        c.totals.individuals
    );
    println!(
        "  women who sold sex to men:         {}",
        individuals(c, Role::Sells, Gender::Woman, Counterpart::Men)
    );
    println!(
        "  men who sold sex to men:           {}",
        individuals(c, Role::Sells, Gender::Man, Counterpart::Men)
    );
    println!(
        "  men who bought sex from women:     {}",
        individuals(c, Role::Buys, Gender::Man, Counterpart::Women)
    );
    println!();
    println!(
        "Open the terminal interface with `uppsok demo` at a terminal, or explore the data with the commands (give the passphrase {} when asked, or set UPPSOK_PASSPHRASE={}):",
        demo::PASSPHRASE,
        demo::PASSPHRASE
    );
    let u = demo::USER;
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
        println!("  uppsok --db {db} --user {u} {cmd}");
    }
    if !a.no_tui && super::tui::require_terminal().is_ok() {
        return super::tui::run_signed_in(g, path, vault);
    }
    Ok(())
}
