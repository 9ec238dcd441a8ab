//! How long disclosure control takes on tables already counted (bench/run.py prints it): the
//! suppression of a table with all its linked tables (`publish_linked`) and the cell key
//! method (`publish_cellkey`), for tables of one to four dimensions over synthetic contacts; and
//! once, suppression with the attacker's check (`publish_checked`) and its verdict.
//!
//! Usage: publish_speed CONTACTS REPEAT; prints one JSON object of milliseconds per table
//! (median of REPEAT runs).

use std::collections::HashMap;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uppsok::crypto::RecordKeys;
use uppsok::domain::{
    AgeBand, Attributes, ContactType, Counterpart, Districts, Gender, ProjectSet, Referrals, Role,
};
use uppsok::stats::cellkey::publish_cellkey;
use uppsok::stats::publish::{
    linked_groupings, publish_checked, publish_linked, sibling_groupings,
};
use uppsok::stats::{date_code, Accumulator, Dimension, Query, StatsResult};

fn main() {
    let mut args = std::env::args().skip(1);
    let contacts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let repeat: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let districts = Districts::default();
    let all_districts = districts.all().to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let pick = |rng: &mut ChaCha8Rng, n: usize| ((rng.gen::<f64>().powi(2)) * n as f64) as usize;
    let recs: Vec<(i64, String, Option<i64>, Attributes)> = (0..contacts as i64)
        .map(|id| {
            let date = format!(
                "{}-{:02}-{:02}",
                rng.gen_range(2015..=2024),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28)
            );
            let person = Some(rng.gen_range(0..(contacts as i64 / 6).max(1)));
            let a = Attributes {
                role: [Role::Sells, Role::Buys, Role::Other][pick(&mut rng, 3)],
                gender: [Gender::Woman, Gender::Man, Gender::Trans, Gender::Unknown]
                    [pick(&mut rng, 4)],
                age_band: [AgeBand::From18To24, AgeBand::From25To34, AgeBand::Unknown]
                    [pick(&mut rng, 3)],
                counterpart: Counterpart::Men,
                district: all_districts[pick(&mut rng, all_districts.len())].clone(),
                contact_type: [ContactType::Outreach, ContactType::Online][pick(&mut rng, 2)],
                referrals: "".parse::<Referrals>().unwrap(),
                trafficking: false,
                concern: None,
                projects: ProjectSet::none(),
            };
            (id, date, person, a)
        })
        .collect();
    let mut first: HashMap<i64, u32> = HashMap::new();
    for (_, d, p, _) in &recs {
        if let Some(p) = p {
            let e = first.entry(*p).or_insert(date_code(d));
            *e = (*e).min(date_code(d));
        }
    }
    let keys = RecordKeys::from_secret_bytes(&[3; 32]);
    let count = |by: &[Dimension]| -> StatsResult {
        let q = Query {
            from: uppsok::domain::parse_date("2024-01-01").ok(),
            to: uppsok::domain::parse_date("2024-12-31").ok(),
            by: by.to_vec(),
            filters: Vec::new(),
        };
        let mut acc = Accumulator::new(&q, &districts);
        for (id, d, p, a) in &recs {
            acc.add_keyed(d, *p, a, keys.contact(*id));
        }
        acc.finish_keyed(&first, 0, None, &|p| keys.person(p))
    };
    let tables: [(&str, Vec<Dimension>); 4] = [
        ("district", vec![Dimension::District]),
        ("role,district", vec![Dimension::Role, Dimension::District]),
        (
            "role,gender,district",
            vec![Dimension::Role, Dimension::Gender, Dimension::District],
        ),
        (
            "role,gender,age_band,district",
            vec![
                Dimension::Role,
                Dimension::Gender,
                Dimension::AgeBand,
                Dimension::District,
            ],
        ),
    ];
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let mut out = Vec::new();
    for (name, by) in &tables {
        let family: Vec<StatsResult> = linked_groupings(by).iter().map(|g| count(g)).collect();
        // The tables sharing its margins, which the check takes it together with.
        let mut others: Vec<StatsResult> = Vec::new();
        for g in sibling_groupings(by) {
            for l in linked_groupings(&g) {
                if !family.iter().chain(&others).any(|r| r.by == l) {
                    others.push(count(&l));
                }
            }
        }
        let table = family.last().unwrap().clone();
        let mut suppress = Vec::new();
        let mut cellkey = Vec::new();
        for _ in 0..repeat {
            let t = Instant::now();
            std::hint::black_box(publish_linked(&family, 5));
            suppress.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            std::hint::black_box(publish_cellkey(&table));
            cellkey.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        // The attacker's check as `stats --publish` runs it (once: up to seconds).
        let t = Instant::now();
        let verdict = match publish_checked(&family, &others, by, 5) {
            Ok(_) => "published".to_string(),
            Err(e) => format!("{:?}", e.verdict),
        };
        let checked = t.elapsed().as_secs_f64() * 1000.0;
        out.push(format!(
            "\"{name}\":{{\"groups\":{},\"suppress_ms\":{:.3},\"cellkey_ms\":{:.3},\"checked_ms\":{:.1},\"verdict\":\"{verdict}\"}}",
            table.groups.len(),
            median(suppress),
            median(cellkey),
            checked
        ));
    }
    println!("{{{}}}", out.join(","));
}
