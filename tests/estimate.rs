//! `uppsok estimate` against hand-computed values and against a second, independent
//! implementation of CONTRACT.md, "Population estimate", written here from the formulas.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Db, HEADER};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

fn estimate_json(db: &Db, args: &[&str]) -> Value {
    let out = db
        .cmd()
        .arg("estimate")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The second implementation: straight from the contract's formulas.
fn reference(occasions: &[usize]) -> (u64, u64, u64, f64, f64, f64) {
    let s = occasions.len() as f64;
    let f1 = occasions.iter().filter(|&&k| k == 1).count() as f64;
    let f2 = occasions.iter().filter(|&&k| k == 2).count() as f64;
    let n = s + f1 * (f1 - 1.0) / (2.0 * (f2 + 1.0));
    let var = f1 * (f1 - 1.0) / (2.0 * (f2 + 1.0))
        + f1 * (2.0 * f1 - 1.0) * (2.0 * f1 - 1.0) / (4.0 * (f2 + 1.0) * (f2 + 1.0))
        + f1 * f1 * f2 * (f1 - 1.0) * (f1 - 1.0) / (4.0 * (f2 + 1.0).powi(4));
    let t = n - s;
    let (lo, hi) = if t == 0.0 {
        (s, s)
    } else {
        let k = (1.96 * (1.0 + var / (t * t)).ln().sqrt()).exp();
        (s + t / k, s + t * k)
    };
    (s as u64, f1 as u64, f2 as u64, n, lo, hi)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn row(date: &str, code: &str, contact_type: &str) -> String {
    format!("{date},{code},sells,woman,25-34,men,norrmalm,{contact_type},,no,\n")
}

#[test]
fn hand_computed() {
    let db = Db::new();
    // Persons: a seen on 1 date (twice that day), b on 1, c on 1, d on 2, e on 3; one
    // unidentified contact (not a capture). S = 5, f1 = 3, f2 = 1.
    // N = 5 + 3*2/(2*2) = 6.5; var = 1.5 + 3*25/16 + 9*1*4/(4*16) = 1.5 + 4.6875 + 0.5625 = 6.75
    // K = exp(1.96*sqrt(ln(1 + 6.75/2.25))) = exp(1.96*sqrt(ln 4)); interval [5 + 1.5/K, 5 + 1.5K].
    let mut csv = String::from(HEADER);
    for (d, c) in [
        ("2020-01-01", "a"),
        ("2020-01-01", "a"),
        ("2020-01-02", "b"),
        ("2020-01-03", "c"),
        ("2020-01-04", "d"),
        ("2020-02-04", "d"),
        ("2020-01-05", "e"),
        ("2020-03-05", "e"),
        ("2021-04-05", "e"),
        ("2020-01-06", ""),
    ] {
        csv.push_str(&row(d, c, "outreach"));
    }
    assert!(db.import(&csv).status.success());
    let v = estimate_json(&db, &[]);
    let k = (1.96 * 4f64.ln().sqrt()).exp();
    assert_eq!(v["observed"], 5);
    assert_eq!(v["f1"], 3);
    assert_eq!(v["f2"], 1);
    assert_eq!(v["estimate"].as_f64().unwrap(), 6.5);
    assert_eq!(v["ci95"][0].as_f64().unwrap(), round1(5.0 + 1.5 / k));
    assert_eq!(v["ci95"][1].as_f64().unwrap(), round1(5.0 + 1.5 * k));
    assert_eq!(v["method"], "chao1-bc");
    // 2020 only: e is seen on 2 dates: S = 5, f1 = 3, f2 = 2.
    let v = estimate_json(&db, &["--year", "2020"]);
    assert_eq!(
        (v["observed"].as_u64(), v["f2"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(v["estimate"].as_f64().unwrap(), 6.0);
    // Nobody seen once or twice more than ... T = 0 gives [S, S].
    let v = estimate_json(&db, &["--from", "2021-01-01"]);
    assert_eq!(v["observed"], 1);
    assert_eq!(v["estimate"].as_f64().unwrap(), 1.0);
    assert_eq!(v["ci95"], serde_json::json!([1.0, 1.0]));
    // --by year: one estimate per year, as objects with "year".
    let v = estimate_json(&db, &["--by", "year"]);
    let years: Vec<&str> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["year"].as_str().unwrap())
        .collect();
    assert_eq!(years, ["2020", "2021"]);
    // Text explains in one sentence, in both languages.
    let out = db.cmd().args(["estimate"]).output().unwrap();
    let text = common::stdout(&out);
    assert!(
        text.contains("closed population") && text.contains("equally likely"),
        "{text}"
    );
    let out = db
        .cmd()
        .args(["estimate", "--lang", "sv"])
        .output()
        .unwrap();
    let text = common::stdout(&out);
    assert!(
        text.contains("sluten population") && text.contains("6,5"),
        "{text}"
    );
    // Bad usage: exit 2.
    let out = db
        .cmd()
        .args(["estimate", "--by", "role"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn agrees_with_an_independent_implementation() {
    let db = Db::new();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut csv = String::from(HEADER);
    // (date, code, contact type)
    let mut recs = Vec::new();
    for _ in 0..1500 {
        let date = format!(
            "{}-{:02}-{:02}",
            rng.gen_range(2018..=2022),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        );
        let code = if rng.gen_bool(0.1) {
            String::new()
        } else {
            // Many rare persons, few frequent ones.
            format!("p{}", (rng.gen::<f64>().powi(3) * 700.0) as u32)
        };
        let ct = ["outreach", "online", "counselling"][rng.gen_range(0..3)];
        csv.push_str(&row(&date, &code, ct));
        recs.push((date, code, ct));
    }
    assert!(db.import(&csv).status.success());
    let occ = |keep: &dyn Fn(&(String, String, &str)) -> bool| -> Vec<usize> {
        let mut dates: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in recs.iter().filter(|r| !r.1.is_empty() && keep(r)) {
            dates.entry(&r.1).or_default().insert(&r.0);
        }
        dates.values().map(BTreeSet::len).collect()
    };
    let check = |v: &Value, want: (u64, u64, u64, f64, f64, f64)| {
        assert_eq!(v["observed"].as_u64().unwrap(), want.0);
        assert_eq!(v["f1"].as_u64().unwrap(), want.1);
        assert_eq!(v["f2"].as_u64().unwrap(), want.2);
        assert_eq!(v["estimate"].as_f64().unwrap(), round1(want.3));
        assert_eq!(v["ci95"][0].as_f64().unwrap(), round1(want.4));
        assert_eq!(v["ci95"][1].as_f64().unwrap(), round1(want.5));
    };
    check(&estimate_json(&db, &[]), reference(&occ(&|_| true)));
    check(
        &estimate_json(&db, &["--year", "2020"]),
        reference(&occ(&|r| r.0.starts_with("2020"))),
    );
    check(
        &estimate_json(&db, &["--from", "2019-06-01", "--to", "2021-05-31"]),
        reference(&occ(&|r| {
            r.0.as_str() >= "2019-06-01" && r.0.as_str() <= "2021-05-31"
        })),
    );
    check(
        &estimate_json(&db, &["--filter", "contact_type=online,counselling"]),
        reference(&occ(&|r| r.2 != "outreach")),
    );
    let v = estimate_json(&db, &["--by", "year"]);
    for g in v["groups"].as_array().unwrap() {
        let y = g["year"].as_str().unwrap().to_string();
        check(g, reference(&occ(&|r| r.0.starts_with(&y))));
    }
}

#[test]
fn every_role_may_estimate_and_it_is_logged() {
    let db = Db::new();
    db.add_user("worker", "outreach");
    let out = db
        .cmd_as("worker", common::PASS)
        .args(["estimate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let n = db.sql_i64("SELECT count(*) FROM audit_log WHERE action = 'estimate'");
    assert_eq!(n, 1);
}
