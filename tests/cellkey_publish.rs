//! The cell key method as published (issue 16; docs/statistics.md, "The cell key method"):
//! the perturbation table's parameters hold over many draws, the same contacts are published
//! the same way in every table and every run, overlapping periods difference only to noise, and
//! the binary marks perturbed figures.

mod common;

use std::collections::{BTreeMap, HashMap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uppsok::crypto::RecordKeys;
use uppsok::domain::{
    AgeBand, Attributes, ContactType, Counterpart, District, Districts, Gender, Referrals, Role,
};
use uppsok::stats::cellkey::{perturb, publish_cellkey, row, MAX_DEVIATION, STEADY_FROM, VARIANCE};
use uppsok::stats::publish::Cell;
use uppsok::stats::{date_code, Accumulator, Dimension, Query, StatsResult};

/// Over many uniform cell keys, each count's published values keep the documented
/// parameters: within 2, never 1 or 2, unbiased, variance 1 from 5 on.
#[test]
fn the_perturbation_tables_parameters_hold_over_many_draws() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let draws = 200_000;
    for count in 0..=12u64 {
        let (mut sum, mut sq) = (0f64, 0f64);
        for _ in 0..draws {
            let out = perturb(count, rng.gen());
            let d = out as f64 - count as f64;
            assert!(d.abs() <= MAX_DEVIATION as f64, "{count} → {out}");
            assert!(out != 1 && out != 2, "{count} published as {out}");
            if count == 0 {
                assert_eq!(out, 0, "zero stays zero");
            }
            sum += d;
            sq += d * d;
        }
        let mean = sum / draws as f64;
        let var = sq / draws as f64 - mean * mean;
        assert!(mean.abs() < 0.02, "count {count}: mean deviation {mean}");
        let expected: f64 = row(count)
            .iter()
            .map(|&(d, p)| (d * d) as f64 * p as f64 / 48.0)
            .sum();
        assert!(
            (var - expected).abs() < 0.03,
            "count {count}: {var} vs {expected}"
        );
        if count >= STEADY_FROM {
            assert!(
                (var - VARIANCE).abs() < 0.03,
                "count {count}: variance {var}"
            );
        }
    }
}

fn attrs(rng: &mut ChaCha8Rng) -> Attributes {
    let pick = |rng: &mut ChaCha8Rng, n: usize| ((rng.gen::<f64>().powi(2)) * n as f64) as usize;
    Attributes {
        role: [Role::Sells, Role::Buys, Role::Other][pick(rng, 3)],
        gender: [Gender::Woman, Gender::Man, Gender::Trans][pick(rng, 3)],
        age_band: AgeBand::Unknown,
        counterpart: Counterpart::Unknown,
        district: District::new("norrmalm").unwrap(),
        contact_type: [
            ContactType::Outreach,
            ContactType::Online,
            ContactType::Counselling,
        ][pick(rng, 3)],
        referrals: "".parse::<Referrals>().unwrap(),
        trafficking: false,
        concern: None,
        projects: uppsok::domain::ProjectSet::none(),
    }
}

type Record = (i64, String, Option<i64>, Attributes);

fn records(seed: u64, n: usize) -> Vec<Record> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n as i64)
        .map(|id| {
            let date = format!(
                "2020-{:02}-{:02}",
                rng.gen_range(1..=12),
                rng.gen_range(1..=28)
            );
            let person = Some(rng.gen_range(0..(n as i64 / 2).max(1)));
            (id, date, person, attrs(&mut rng))
        })
        .collect()
}

/// Counts with record keys, as the vault does (contact keys fed per contact, person keys at
/// the end).
fn count(recs: &[Record], q: &Query, keys: &RecordKeys) -> StatsResult {
    let districts = Districts::default();
    let mut first: HashMap<i64, u32> = HashMap::new();
    for (_, d, p, _) in recs {
        if let Some(p) = p {
            let e = first.entry(*p).or_insert(date_code(d));
            *e = (*e).min(date_code(d));
        }
    }
    let mut acc = Accumulator::new(q, &districts);
    for (id, d, p, a) in recs {
        acc.add_keyed(d, *p, a, keys.contact(*id));
    }
    acc.finish_keyed(&first, 0, None, &|p| keys.person(p))
}

fn day(s: &str) -> Option<uppsok::domain::Date> {
    Some(uppsok::domain::parse_date(s).unwrap())
}

/// The same contacts are one cell wherever they appear: the group `woman` of a table by
/// gender, the total of a table filtered to women, the margin of gender × role. Their
/// published value is the same in every table and every run.
#[test]
fn the_same_cell_is_published_the_same_way_in_every_table() {
    let keys = RecordKeys::from_secret_bytes(&[7; 32]);
    let recs = records(1, 400);
    let districts = Districts::default();
    let by_gender = count(
        &recs,
        &Query {
            by: vec![Dimension::Gender],
            ..Query::default()
        },
        &keys,
    );
    let women = count(
        &recs,
        &Query {
            filters: vec![uppsok::stats::Filter::parse("gender=woman", &districts).unwrap()],
            ..Query::default()
        },
        &keys,
    );
    let p1 = publish_cellkey(&by_gender);
    let p2 = publish_cellkey(&women);
    let g = p1.groups.iter().find(|g| g.key == ["woman"]).unwrap();
    assert_eq!(g.figures.contacts, p2.totals.contacts);
    assert_eq!(g.figures.individuals, p2.totals.individuals);
    // Again, the same.
    assert_eq!(publish_cellkey(&by_gender), p1);
    // Another database (another secret) perturbs differently somewhere.
    let other = RecordKeys::from_secret_bytes(&[8; 32]);
    let q = Query {
        by: vec![Dimension::Gender, Dimension::Role],
        ..Query::default()
    };
    assert_ne!(
        publish_cellkey(&count(&recs, &q, &keys)),
        publish_cellkey(&count(&recs, &q, &other))
    );
}

/// A year and the same year minus its last day differ by the contacts of that day. Published
/// exactly (or suppressed, where both totals are shown), the difference gives that day's count
/// exactly. By the cell key method the two totals are different cells with independent keys,
/// so the published difference equals the true one only by chance (the chance that two draws
/// from the table's row are equal, 27 % for large counts), and is off by up to 4 otherwise.
#[test]
fn overlapping_periods_difference_only_to_noise() {
    let mut equal = 0;
    let mut off = BTreeMap::new();
    let trials = 600;
    for seed in 0..trials {
        let keys = RecordKeys::from_secret_bytes(&[seed as u8; 32]);
        let mut recs = records(1000 + seed, 120);
        // Exactly one contact on the last day.
        recs.retain(|r| r.1 != "2020-12-31");
        let mut last = recs[0].clone();
        last.0 = 10_000;
        last.1 = "2020-12-31".into();
        recs.push(last);
        let year = count(
            &recs,
            &Query {
                from: day("2020-01-01"),
                to: day("2020-12-31"),
                ..Query::default()
            },
            &keys,
        );
        let less = count(
            &recs,
            &Query {
                from: day("2020-01-01"),
                to: day("2020-12-30"),
                ..Query::default()
            },
            &keys,
        );
        assert_eq!(year.totals.contacts - less.totals.contacts, 1);
        let (Cell::Shown(a), Cell::Shown(b)) = (
            publish_cellkey(&year).totals.contacts,
            publish_cellkey(&less).totals.contacts,
        ) else {
            panic!("cell key figures are shown");
        };
        let d = a as i64 - b as i64;
        assert!((d - 1).abs() <= 4, "{d}");
        if d == 1 {
            equal += 1;
        }
        *off.entry(d).or_insert(0) += 1;
    }
    let share = equal as f64 / trials as f64;
    // Σ p² of the steady row: (3² + 12² + 18² + 12² + 3²) / 48² ≈ 0.27.
    assert!(
        (0.18..0.36).contains(&share),
        "the true difference came out {share} of the time: {off:?}"
    );
    assert!(off.len() >= 5, "{off:?}");
}

/// Through the binary: `--publish --method cellkey` marks every figure as perturbed, never
/// shows 1 or 2, stays within 2 of the exact count, and gives the same output twice; the
/// report says which method it used.
#[test]
fn the_binary_marks_perturbed_figures() {
    let db = common::Db::new();
    let mut csv = String::from(common::HEADER);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..150 {
        let role = ["sells", "sells", "buys", "other"][rng.gen_range(0..4)];
        let gender = ["woman", "woman", "man", "trans"][rng.gen_range(0..4)];
        csv.push_str(&format!(
            "2020-0{}-{:02},p{},{role},{gender},25-34,men,norrmalm,outreach,,no,\n",
            rng.gen_range(1..=9),
            rng.gen_range(1..=28),
            rng.gen_range(0..60)
        ));
    }
    assert!(db.import(&csv).status.success());
    // The same data for a unit that publishes under suppression: the publication register
    // refuses one period by both methods.
    let other = db.copy();
    let args = ["--by", "role,gender", "--publish", "--method", "cellkey"];
    let v = db.stats_json(&args);
    let exact = db.stats_json(&["--by", "role,gender"]);
    assert_eq!(v["method"], "cellkey");
    assert_eq!(v["perturbed"], true);
    assert_eq!(v["totals_add_up"], false);
    let close = |p: &serde_json::Value, e: &serde_json::Value| {
        let (p, e) = (p.as_u64().unwrap(), e.as_u64().unwrap());
        assert!(p != 1 && p != 2 && p.abs_diff(e) <= 2, "{p} for {e}");
        if e == 0 {
            assert_eq!(p, 0);
        }
    };
    close(&v["contacts"], &exact["contacts"]);
    close(&v["individuals"], &exact["individuals"]);
    for (g, e) in v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .zip(exact["groups"].as_array().unwrap())
    {
        assert_eq!(g["perturbed"], true);
        for f in ["contacts", "individuals", "new_individuals"] {
            close(&g[f], &e[f]);
        }
    }
    assert_eq!(db.stats_json(&args), v, "the same run, the same figures");
    // The text output says what the figures are, in Swedish too.
    let out = db
        .cmd()
        .args(["stats", "--by", "role", "--publish", "--method", "cellkey"])
        .env("UPPSOK_LANG", "sv")
        .output()
        .unwrap();
    let text = common::stdout(&out);
    assert!(text.contains("cellnyckelmetoden"), "{text}");
    // The report, by either method, explains it.
    for (unit, method, words) in [
        (&db, "cellkey", "cell key method"),
        (&other, "suppress", "Disclosure control: every count"),
    ] {
        let out = unit
            .cmd()
            .args(["report", "--year", "2020", "--method", method])
            .env("UPPSOK_LANG", "en")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let text = common::stdout(&out);
        assert!(text.contains(words), "{method}: {text}");
        if method == "cellkey" {
            assert!(!text.contains("<5"), "{text}");
        }
    }
    // The unit's default decides when --method is not given. Of 2020, the year the report
    // under suppression published (the register refuses an overlapping period).
    let plain = other.stats_json(&["--by", "role,gender", "--publish", "--year", "2020"]);
    assert!(
        plain.get("method").is_none(),
        "suppression by default: {plain}"
    );
    let out = db
        .cmd()
        .args(["config", "publish-method", "cellkey"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(db.stats_json(&["--by", "role,gender", "--publish"]), v);
    let out = db
        .cmd()
        .args(["report", "--year", "2020"])
        .env("UPPSOK_LANG", "en")
        .output()
        .unwrap();
    assert!(common::stdout(&out).contains("cell key method"));
    let out = other
        .cmd()
        .args(["config", "publish-method", "cellkey"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let suppressed = other.stats_json(&[
        "--by",
        "role,gender",
        "--publish",
        "--method",
        "suppress",
        "--year",
        "2020",
    ]);
    assert_eq!(suppressed, plain, "--method overrides the default");
    // --method needs --publish.
    let out = db
        .cmd()
        .args(["stats", "--method", "cellkey"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
