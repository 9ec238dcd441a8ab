//! `uppsok stats` against an independent, naive reference implementation of CONTRACT.md,
//! "Statistics": plain scans over the generated records, no code shared with `src/stats`.
//!
//! One generated data set (a few thousand contacts, 2015–2024, returning persons written in
//! several spellings, unidentified contacts, every category) is imported once through the
//! binary; many queries are then compared figure by figure.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use common::{stdout, Db, HEADER};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

const ROLES: [&str; 4] = ["sells", "buys", "other", "unknown"];
const GENDERS: [&str; 5] = ["woman", "man", "trans", "nonbinary", "unknown"];
const AGE_BANDS: [&str; 7] = [
    "under18", "18-24", "25-34", "35-44", "45-54", "55+", "unknown",
];
const COUNTERPARTS: [&str; 4] = ["men", "women", "both", "unknown"];
const DISTRICTS: [&str; 16] = [
    "bromma",
    "enskede-arsta-vantor",
    "farsta",
    "hagersten-alvsjo",
    "hasselby-vallingby",
    "kungsholmen",
    "norrmalm",
    "rinkeby-kista",
    "skarholmen",
    "skarpnack",
    "spanga-tensta",
    "sodermalm",
    "ostermalm",
    "online",
    "outside",
    "unknown",
];
const CONTACT_TYPES: [&str; 6] = [
    "outreach",
    "online",
    "counselling",
    "medical",
    "police",
    "other",
];
const REFERRALS: [&str; 8] = [
    "health",
    "addiction",
    "housing",
    "police",
    "migration",
    "legal",
    "shelter",
    "other",
];
const DIMENSIONS: [&str; 10] = [
    "role",
    "gender",
    "age_band",
    "counterpart",
    "district",
    "contact_type",
    "referral",
    "trafficking",
    "year",
    "month",
];

/// One contact as written to the CSV, with what the reference needs to know.
#[derive(Debug, Clone)]
struct Rec {
    date: String,
    /// The code material exactly as written in the CSV.
    code: String,
    role: &'static str,
    gender: &'static str,
    age_band: &'static str,
    counterpart: &'static str,
    district: &'static str,
    contact_type: &'static str,
    referrals: Vec<&'static str>,
    trafficking: bool,
}

/// The reference's own code normalisation (CONTRACT.md): trimmed, lower-cased, white space
/// and `-` removed; `None` when nothing is left.
fn normalise(code: &str) -> Option<String> {
    let s: String = code
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(|c| c.to_lowercase())
        .collect();
    (!s.is_empty()).then_some(s)
}

/// A data set: the records, the declared merges (normalised code → the one it counts as) and
/// the field-night dates.
struct Data {
    recs: Vec<Rec>,
    merges: HashMap<String, String>,
    nights: Vec<String>,
}

impl Data {
    fn person(&self, r: &Rec) -> Option<String> {
        let mut p = normalise(&r.code)?;
        while let Some(next) = self.merges.get(&p) {
            if *next == p {
                break;
            }
            p = next.clone();
        }
        Some(p)
    }

    fn csv(&self) -> String {
        let mut s = String::from(HEADER);
        for r in &self.recs {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},\n",
                r.date,
                r.code,
                r.role,
                r.gender,
                r.age_band,
                r.counterpart,
                r.district,
                r.contact_type,
                r.referrals.join(";"),
                if r.trafficking { "yes" } else { "no" },
            ));
        }
        s
    }
}

fn rec(date: &str, code: &str) -> Rec {
    Rec {
        date: date.into(),
        code: code.into(),
        role: "sells",
        gender: "woman",
        age_band: "25-34",
        counterpart: "men",
        district: "norrmalm",
        contact_type: "outreach",
        referrals: vec![],
        trafficking: false,
    }
}

/// Seeded synthetic contacts from 2015 to 2024.
fn generate(seed: u64, n: usize) -> Vec<Rec> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
    let days = (NaiveDate::from_ymd_opt(2024, 12, 31).unwrap() - start).num_days();
    // Returning persons: a base code and the spellings it is written in.
    let mut pool: Vec<Vec<String>> = vec![
        vec![
            "AB 85".into(),
            "ab85".into(),
            "A-B85".into(),
            " ab 8 5 ".into(),
        ],
        vec!["ab 86".into()],
        vec!["ab_85".into()],
    ];
    let letters: Vec<char> = "cdefghjkmnprstuvwxyz".chars().collect();
    let mut seen = BTreeSet::new();
    while pool.len() < 350 {
        let a = *letters.choose(&mut rng).unwrap();
        let b = *letters.choose(&mut rng).unwrap();
        let num: u32 = rng.gen_range(10..100);
        let base = format!("{a}{b}{num}");
        if !seen.insert(base.clone()) {
            continue;
        }
        let upper = base.to_uppercase();
        pool.push(vec![
            base.clone(),
            format!("{} {}", &upper[..2], &upper[2..]),
            format!("{}-{}", &base[..1], &base[1..]),
            format!(" {a}{b} {num} "),
        ]);
    }
    // Some persons come often, most rarely: a skewed pick.
    (0..n)
        .map(|_| {
            let date = (start + Duration::days(rng.gen_range(0..=days)))
                .format("%Y-%m-%d")
                .to_string();
            let code = if rng.gen_bool(0.2) {
                String::new()
            } else {
                let i = (rng.gen::<f64>().powi(2) * pool.len() as f64) as usize;
                pool[i].choose(&mut rng).unwrap().clone()
            };
            let k = rng.gen_range(0..=3);
            let mut referrals: Vec<&'static str> =
                REFERRALS.choose_multiple(&mut rng, k).copied().collect();
            referrals.sort_unstable_by_key(|r| REFERRALS.iter().position(|x| x == r));
            Rec {
                date,
                code,
                role: ROLES.choose(&mut rng).unwrap(),
                gender: GENDERS.choose(&mut rng).unwrap(),
                age_band: AGE_BANDS.choose(&mut rng).unwrap(),
                counterpart: COUNTERPARTS.choose(&mut rng).unwrap(),
                district: DISTRICTS.choose(&mut rng).unwrap(),
                contact_type: CONTACT_TYPES.choose(&mut rng).unwrap(),
                referrals,
                trafficking: rng.gen_bool(0.15),
            }
        })
        .collect()
}

/// A stats query, turned into arguments for the binary and evaluated by the reference.
#[derive(Debug, Clone, Default)]
struct Q {
    year: Option<i32>,
    from: Option<&'static str>,
    to: Option<&'static str>,
    by: Vec<&'static str>,
    filters: Vec<&'static str>,
}

impl Q {
    fn all() -> Q {
        Q::default()
    }
    fn year(y: i32) -> Q {
        Q {
            year: Some(y),
            ..Q::default()
        }
    }
    fn period(from: Option<&'static str>, to: Option<&'static str>) -> Q {
        Q {
            from,
            to,
            ..Q::default()
        }
    }
    fn by(mut self, dims: &[&'static str]) -> Q {
        self.by = dims.to_vec();
        self
    }
    fn filter(mut self, f: &'static str) -> Q {
        self.filters.push(f);
        self
    }

    fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(y) = self.year {
            a.extend(["--year".to_string(), y.to_string()]);
        }
        if let Some(f) = self.from {
            a.extend(["--from".to_string(), f.to_string()]);
        }
        if let Some(t) = self.to {
            a.extend(["--to".to_string(), t.to_string()]);
        }
        if !self.by.is_empty() {
            a.extend(["--by".to_string(), self.by.join(",")]);
        }
        for f in &self.filters {
            a.extend(["--filter".to_string(), f.to_string()]);
        }
        a
    }
}

/// The counted figures of the totals or of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Fig {
    contacts: u64,
    individuals: u64,
    new_individuals: u64,
}

/// Everything `stats --format json` says, in a comparable shape.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    from: Option<String>,
    to: Option<String>,
    totals: Fig,
    unidentified_contacts: u64,
    field_nights: u64,
    /// Present with `--by`: group key (values in `--by` order) → figures.
    groups: Option<BTreeMap<Vec<String>, Fig>>,
}

/// The values a contact has in a dimension (several for referral, `none` for no referral).
fn values(r: &Rec, dim: &str) -> Vec<String> {
    let one = |s: &str| vec![s.to_string()];
    match dim {
        "role" => one(r.role),
        "gender" => one(r.gender),
        "age_band" => one(r.age_band),
        "counterpart" => one(r.counterpart),
        "district" => one(r.district),
        "contact_type" => one(r.contact_type),
        "referral" if r.referrals.is_empty() => one("none"),
        "referral" => r.referrals.iter().map(|s| s.to_string()).collect(),
        "trafficking" => one(if r.trafficking { "yes" } else { "no" }),
        "year" => one(&r.date[..4]),
        "month" => one(&r.date[..7]),
        _ => panic!("unknown dimension {dim}"),
    }
}

/// The reference: CONTRACT.md, "Statistics", computed by brute force.
///
/// Referral rule (as documented in docs/statistics.md): every filter, a referral filter too,
/// must be met (a contact meets `referral=a,b` when one of its referrals is `a` or `b`); when
/// the result is also grouped by referral, a contact counts only in the groups of the
/// referral values that the referral filters name.
fn reference(data: &Data, q: &Q) -> Expected {
    let (lo, hi): (Option<String>, Option<String>) = match q.year {
        Some(y) => (Some(format!("{y:04}-01-01")), Some(format!("{y:04}-12-31"))),
        None => (q.from.map(String::from), q.to.map(String::from)),
    };
    let in_period =
        |d: &str| lo.as_deref().is_none_or(|l| d >= l) && hi.as_deref().is_none_or(|h| d <= h);
    // First contact ever of every person: all time, any type, no filter.
    let mut first: HashMap<String, String> = HashMap::new();
    for r in &data.recs {
        if let Some(p) = data.person(r) {
            let e = first.entry(p).or_insert_with(|| r.date.clone());
            if r.date < *e {
                *e = r.date.clone();
            }
        }
    }
    let filters: Vec<(&str, Vec<&str>)> = q
        .filters
        .iter()
        .map(|f| {
            let (d, v) = f.split_once('=').unwrap();
            (d, v.split(',').collect())
        })
        .collect();
    let referral_named: Option<BTreeSet<String>> = {
        let named: BTreeSet<String> = filters
            .iter()
            .filter(|(d, _)| *d == "referral")
            .flat_map(|(_, v)| v.iter().map(|s| s.to_string()))
            .collect();
        (!named.is_empty()).then_some(named)
    };
    let selected: Vec<&Rec> = data
        .recs
        .iter()
        .filter(|r| in_period(&r.date))
        .filter(|r| {
            filters
                .iter()
                .all(|(d, vs)| values(r, d).iter().any(|v| vs.contains(&v.as_str())))
        })
        .collect();
    let new_in = |p: &String, key_year: Option<&str>, key_month: Option<&str>| {
        let f = &first[p];
        in_period(f)
            && key_year.is_none_or(|y| f.starts_with(y))
            && key_month.is_none_or(|m| f.starts_with(m))
    };
    let figures = |rs: &[&Rec], key_year: Option<&str>, key_month: Option<&str>| {
        let persons: BTreeSet<String> = rs.iter().filter_map(|r| data.person(r)).collect();
        Fig {
            contacts: rs.len() as u64,
            individuals: persons.len() as u64,
            new_individuals: persons
                .iter()
                .filter(|p| new_in(p, key_year, key_month))
                .count() as u64,
        }
    };
    let totals = figures(&selected, None, None);
    let unidentified = selected.iter().filter(|r| data.person(r).is_none()).count() as u64;
    let groups = (!q.by.is_empty()).then(|| {
        let mut members: BTreeMap<Vec<String>, Vec<&Rec>> = BTreeMap::new();
        for r in &selected {
            let mut keys: Vec<Vec<String>> = vec![vec![]];
            for d in &q.by {
                let mut vs = values(r, d);
                if *d == "referral" {
                    if let Some(named) = &referral_named {
                        vs.retain(|v| named.contains(v));
                    }
                }
                keys = keys
                    .into_iter()
                    .flat_map(|k| {
                        vs.iter().map(move |v| {
                            let mut k = k.clone();
                            k.push(v.clone());
                            k
                        })
                    })
                    .collect();
            }
            for k in keys {
                members.entry(k).or_default().push(r);
            }
        }
        members
            .into_iter()
            .map(|(k, rs)| {
                let pos = |dim: &str| q.by.iter().position(|d| *d == dim).map(|i| k[i].as_str());
                let f = figures(&rs, pos("year"), pos("month"));
                (k.clone(), f)
            })
            .collect()
    });
    let min = data.recs.iter().map(|r| r.date.clone()).min();
    let max = data.recs.iter().map(|r| r.date.clone()).max();
    let field_nights = data.nights.iter().filter(|d| in_period(d)).count() as u64;
    Expected {
        from: lo.or(min),
        to: hi.or(max),
        totals,
        unidentified_contacts: unidentified,
        field_nights,
        groups,
    }
}

fn num(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} is not an exact count in {v}"))
}

/// The binary's JSON in the reference's shape, checking the JSON's form on the way.
fn from_json(v: &Value, q: &Q) -> Expected {
    let date = |f: &str| match &v[f] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => panic!("{f} is neither a date nor null: {other}"),
    };
    let groups = match v.get("groups") {
        None => {
            assert!(q.by.is_empty(), "no groups for --by {:?}", q.by);
            None
        }
        Some(gs) => {
            assert!(!q.by.is_empty(), "groups without --by: {v}");
            let gs = gs.as_array().expect("groups is an array");
            let mut out = BTreeMap::new();
            for g in gs {
                let o = g.as_object().expect("a group is an object");
                assert_eq!(o.len(), q.by.len() + 3, "group fields: {g}");
                let key: Vec<String> = q
                    .by
                    .iter()
                    .map(|d| {
                        g[*d]
                            .as_str()
                            .unwrap_or_else(|| panic!("group value of {d} is not a string: {g}"))
                            .to_string()
                    })
                    .collect();
                let f = Fig {
                    contacts: num(g, "contacts"),
                    individuals: num(g, "individuals"),
                    new_individuals: num(g, "new_individuals"),
                };
                assert!(f.contacts > 0, "a group without contacts: {g}");
                assert!(out.insert(key, f).is_none(), "a group twice: {g}");
            }
            Some(out)
        }
    };
    Expected {
        from: date("from"),
        to: date("to"),
        totals: Fig {
            contacts: num(v, "contacts"),
            individuals: num(v, "individuals"),
            new_individuals: num(v, "new_individuals"),
        },
        unidentified_contacts: num(v, "unidentified_contacts"),
        field_nights: num(v, "field_nights"),
        groups,
    }
}

fn check(db: &Db, data: &Data, q: &Q) -> Expected {
    let args = q.args();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let got = from_json(&db.stats_json(&argv), q);
    let want = reference(data, q);
    if got != want {
        // Name the first differing group, which is easier to read than two whole dumps.
        if let (Some(g), Some(w)) = (&got.groups, &want.groups) {
            for k in g.keys().chain(w.keys()) {
                assert_eq!(
                    g.get(k),
                    w.get(k),
                    "stats {argv:?}: group {k:?} (left: binary)"
                );
            }
        }
        assert_eq!(got, want, "stats {argv:?} (left: binary, right: reference)");
    }
    want
}

/// Imports the data and records the field nights through the binary.
fn load(data: &Data) -> Db {
    let db = Db::new();
    let out = db.import(&data.csv());
    assert!(
        out.status.success(),
        "import failed: {}",
        common::stderr(&out)
    );
    for d in &data.nights {
        db.cmd()
            .args(["night", "add", "--date", d, "--kind", "street"])
            .args(["--district", "norrmalm", "--staff", "2"])
            .assert()
            .success();
    }
    db
}

/// The generated data set: imported once, checked for person identity and merges, then
/// compared with the reference over many queries.
#[test]
fn stats_match_the_reference_on_generated_data() {
    let mut data = Data {
        recs: generate(20_240_611, 3000),
        merges: HashMap::new(),
        nights: [
            "2015-01-01",
            "2016-06-15",
            "2019-12-31",
            "2020-01-01",
            "2020-03-14",
            "2020-07-01",
            "2024-12-31",
        ]
        .map(String::from)
        .to_vec(),
    };
    let db = load(&data);

    // Contacts are stored in file order: check who is the same person as the reference sees it.
    let person_ids: Vec<Option<i64>> = db
        .sql_rows("SELECT date, person_id FROM contacts ORDER BY id")
        .into_iter()
        .zip(&data.recs)
        .map(|(row, r)| {
            assert_eq!(row[0], r.date, "contacts are stored in file order");
            row[1].parse().ok()
        })
        .collect();
    assert_eq!(person_ids.len(), data.recs.len());
    let mut id_of: HashMap<String, i64> = HashMap::new();
    let mut code_of: HashMap<i64, String> = HashMap::new();
    for (r, p) in data.recs.iter().zip(&person_ids) {
        match (normalise(&r.code), p) {
            (None, None) => {}
            (Some(code), Some(p)) => {
                assert_eq!(*id_of.entry(code.clone()).or_insert(*p), *p, "{:?}", r.code);
                assert_eq!(*code_of.entry(*p).or_insert(code.clone()), code);
            }
            (c, p) => panic!("code {:?} ({c:?}) stored as person {p:?}", r.code),
        }
    }
    // `AB 85`, `ab85`, `A-B85` and ` ab 8 5 ` were one person above; `ab 86` and `ab_85` are
    // others.
    let specials: BTreeSet<i64> = ["ab85", "ab86", "ab_85"]
        .iter()
        .map(|c| *id_of.get(*c).unwrap_or_else(|| panic!("{c} in the data")))
        .collect();
    assert_eq!(specials.len(), 3);
    for spelling in ["AB 85", "ab85", "A-B85", " ab 8 5 "] {
        assert!(data.recs.iter().any(|r| r.code == spelling), "{spelling}");
    }

    // Queries before any merge.
    check(&db, &data, &Q::all());
    check(&db, &data, &Q::year(2020).by(&["year"]));

    // A lead declares some pseudonyms one person (a chain too); written behind uppsok's back,
    // as there is no command for it yet.
    let mut codes: Vec<String> = id_of
        .keys()
        .filter(|c| !c.starts_with("ab"))
        .cloned()
        .collect();
    codes.sort();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    codes.shuffle(&mut rng);
    let pairs = [
        (codes[0].clone(), codes[1].clone()),
        (codes[1].clone(), codes[2].clone()),
        (codes[3].clone(), codes[4].clone()),
        (codes[5].clone(), codes[6].clone()),
        ("ab_85".to_string(), "ab85".to_string()),
    ];
    for (from, into) in &pairs {
        db.sql_rows(&format!(
            "INSERT INTO person_merges (person_id, merged_into, merged_by, merged_at)
             VALUES ({}, {}, (SELECT min(id) FROM users), '2025-01-01T00:00:00Z')",
            id_of[from], id_of[into]
        ));
        data.merges.insert(from.clone(), into.clone());
    }
    let mut queries = vec![
        Q::all(),
        Q::year(2015),
        Q::year(2020),
        Q::year(2024),
        Q::year(2010),
        Q::period(Some("2019-07-15"), None),
        Q::period(None, Some("2017-03-31")),
        Q::period(Some("2018-05-10"), Some("2021-02-20")),
        Q::period(Some("2020-03-14"), Some("2020-03-14")),
    ];
    for d in DIMENSIONS {
        queries.push(Q::all().by(&[d]));
    }
    queries.extend([
        Q::year(2020).by(&["referral"]),
        Q::year(2021).by(&["month"]),
        Q::period(Some("2018-05-10"), Some("2021-02-20")).by(&["year"]),
        Q::period(Some("2018-05-10"), Some("2021-02-20")).by(&["month"]),
        Q::period(Some("2019-07-15"), None).by(&["year", "role"]),
        Q::all().by(&["year", "role"]),
        Q::all().by(&["referral", "gender"]),
        Q::all().by(&["month", "district"]),
        Q::period(None, Some("2019-06-30")).by(&["gender", "month"]),
        Q::all().by(&["trafficking", "referral", "year"]),
        Q::period(Some("2016-02-29"), Some("2023-10-01")).by(&["year", "month"]),
        Q::all().by(&DIMENSIONS[..6]),
        Q::all().filter("role=sells"),
        Q::all().filter("role=sells,buys").filter("gender=woman"),
        Q::all().filter("district=norrmalm,sodermalm,online"),
        Q::all().filter("referral=none"),
        Q::all().filter("referral=health"),
        Q::all().filter("referral=health,housing"),
        Q::all().filter("referral=health,none").by(&["referral"]),
        Q::all()
            .filter("referral=health,housing")
            .by(&["referral", "year"]),
        Q::all().filter("referral=shelter").by(&["role"]),
        Q::all()
            .filter("referral=health")
            .filter("referral=housing"),
        Q::all()
            .filter("referral=health,legal")
            .filter("referral=housing,legal")
            .by(&["referral"]),
        Q::all().filter("trafficking=yes").by(&["referral"]),
        Q::all().filter("year=2016"),
        Q::all().filter("year=2016,2022").by(&["year"]),
        Q::all()
            .filter("month=2020-03")
            .by(&["month", "contact_type"]),
        Q::year(2020).filter("year=2021"),
        Q::year(2019)
            .by(&["month", "role"])
            .filter("role=sells,buys")
            .filter("gender=woman,trans"),
        Q::period(Some("2017-02-01"), Some("2022-11-30"))
            .by(&["year", "age_band"])
            .filter("contact_type=outreach,online"),
        Q::period(Some("2016-06-15"), None)
            .by(&["counterpart"])
            .filter("age_band=under18,18-24")
            .filter("district=rinkeby-kista,farsta,skarholmen"),
        Q::period(None, Some("2023-08-08"))
            .by(&["contact_type", "trafficking"])
            .filter("referral=none,police"),
        Q::all()
            .by(&["gender"])
            .filter("role=unknown")
            .filter("gender=nonbinary")
            .filter("age_band=55+")
            .filter("counterpart=both"),
    ]);
    for q in &queries {
        check(&db, &data, q);
    }

    // Sanity of the data set itself: the queries above are not trivial.
    let all = check(&db, &data, &Q::all());
    assert_eq!(all.totals.contacts, 3000);
    assert!(all.unidentified_contacts > 300 && all.totals.individuals > 200);
    let by_year = check(&db, &data, &Q::all().by(&["year"]));
    let groups = by_year.groups.unwrap();
    assert_eq!(groups.len(), 10);
    let sum: u64 = groups.values().map(|f| f.individuals).sum();
    assert!(sum > all.totals.individuals, "persons return across years");
    let new_sum: u64 = groups.values().map(|f| f.new_individuals).sum();
    assert_eq!(new_sum, all.totals.new_individuals, "each is new once");
    assert_eq!(all.totals.new_individuals, all.totals.individuals);
    assert!(check(&db, &data, &Q::year(2020)).totals.new_individuals > 0);

    formats_render_the_same_numbers(&db, &data);
}

/// CSV, table and Markdown carry the JSON's numbers; Swedish groups thousands.
fn formats_render_the_same_numbers(db: &Db, data: &Data) {
    let run = |args: &[&str]| {
        let out = db.cmd().arg("stats").args(args).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        stdout(&out)
    };
    let en = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };

    // CSV without --by: one total row.
    let want = reference(data, &Q::year(2020));
    let text = run(&["--year", "2020", "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let cell = |name: &str| {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"));
        rows[0][i].to_string()
    };
    assert_eq!(cell("contacts"), want.totals.contacts.to_string());
    assert_eq!(cell("individuals"), want.totals.individuals.to_string());
    assert_eq!(
        cell("new_individuals"),
        want.totals.new_individuals.to_string()
    );
    assert_eq!(
        cell("unidentified_contacts"),
        want.unidentified_contacts.to_string()
    );
    assert_eq!(cell("field_nights"), want.field_nights.to_string());
    assert_eq!(cell("from"), "2020-01-01");
    assert_eq!(cell("to"), "2020-12-31");

    // CSV with --by: one row per group, the same groups as the reference.
    let q = Q::all().by(&["referral", "gender"]);
    let want = reference(data, &q).groups.unwrap();
    let text = run(&["--by", "referral,gender", "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "referral",
            "gender",
            "contacts",
            "individuals",
            "new_individuals",
            "from",
            "to"
        ]
    );
    let mut got = BTreeMap::new();
    let mut records: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    // Seen: with --by the totals and the period vanished. The last row holds the totals.
    let total = records.pop().unwrap();
    let whole = reference(data, &Q::all());
    assert_eq!(&total[0], "total");
    assert_eq!(&total[1], "total");
    assert_eq!(total[2].parse::<u64>().unwrap(), whole.totals.contacts);
    assert_eq!(total[3].parse::<u64>().unwrap(), whole.totals.individuals);
    assert_eq!(
        total[4].parse::<u64>().unwrap(),
        whole.totals.new_individuals
    );
    for row in records {
        let n = |i: usize| row[i].parse::<u64>().unwrap();
        got.insert(
            vec![row[0].to_string(), row[1].to_string()],
            Fig {
                contacts: n(2),
                individuals: n(3),
                new_individuals: n(4),
            },
        );
    }
    assert_eq!(got, want);

    // Table and Markdown: every figure, in English grouping.
    let q = Q::all().by(&["year"]);
    let want = reference(data, &q);
    assert!(want.totals.contacts >= 1000, "thousands to group");
    for format in ["table", "md"] {
        let text = run(&["--by", "year", "--format", format]);
        for (label, n) in [
            ("Contacts", want.totals.contacts),
            ("Individuals", want.totals.individuals),
            ("New individuals", want.totals.new_individuals),
            ("Unidentified contacts", want.unidentified_contacts),
            ("Field nights", want.field_nights),
        ] {
            let line = text
                .lines()
                .find(|l| l.trim_start_matches(['|', ' ']).starts_with(label))
                .unwrap_or_else(|| panic!("{label} in {format}:\n{text}"));
            assert!(
                line.split(['|', ' ']).any(|w| w == en(n)),
                "{label} = {} in {format} line {line:?}",
                en(n)
            );
        }
        for (key, f) in want.groups.as_ref().unwrap() {
            let line = text
                .lines()
                .find(|l| {
                    l.trim_start_matches(['|', ' '])
                        .starts_with(key[0].as_str())
                })
                .unwrap_or_else(|| panic!("group {key:?} in {format}:\n{text}"));
            let words: Vec<&str> = line.split(['|', ' ']).filter(|w| !w.is_empty()).collect();
            assert_eq!(
                words,
                [
                    key[0].clone(),
                    en(f.contacts),
                    en(f.individuals),
                    en(f.new_individuals)
                ],
                "{format}"
            );
        }
    }

    // Swedish: headings in Swedish, thousands grouped with a no-break space.
    let text = run(&["--lang", "sv", "--by", "year"]);
    for heading in [
        "Kontakter",
        "Individer",
        "Nya individer",
        "Uppsökarkvällar",
        "År",
    ] {
        assert!(text.contains(heading), "{heading} in:\n{text}");
    }
    let c = want.totals.contacts.to_string();
    let sv = format!("{}\u{a0}{}", &c[..c.len() - 3], &c[c.len() - 3..]);
    let line = text.lines().find(|l| l.starts_with("Kontakter")).unwrap();
    assert!(line.ends_with(&sv), "{line:?} ends with {sv:?}");
    assert!(
        !text.contains(&en(want.totals.contacts)),
        "no English grouping in Swedish"
    );
}

/// Hand-made cases the contract spells out, with the figures worked out by hand.
#[test]
fn stats_follow_the_contract_in_small_cases() {
    let empty = Db::new();
    let v = empty.stats_json(&[]);
    assert_eq!(v["from"], Value::Null);
    assert_eq!(v["to"], Value::Null);
    assert_eq!(v["contacts"], 0);
    assert_eq!(v["individuals"], 0);
    assert!(v.get("groups").is_none());
    let v = empty.stats_json(&["--by", "role"]);
    assert_eq!(v["groups"], Value::Array(vec![]));
    let v = empty.stats_json(&["--from", "2020-01-01"]);
    assert_eq!(v["from"], "2020-01-01");
    assert_eq!(v["to"], Value::Null);

    let mut recs = vec![
        rec("2016-03-10", "AB 85"), // ab85 first seen long before 2020
        rec("2020-05-05", "ab85"),
        rec("2020-07-07", "A-B85"),
        rec("2020-02-02", "ab 86"), // ab86: new in 2020
        rec("2020-06-06", "ab_85"), // a third person, new in 2020
        rec("2021-01-15", "ab_85"),
        rec("2020-08-08", ""), // unidentified
        rec("2021-03-03", "cd 12"),
    ];
    recs[1].referrals = vec!["health", "housing"];
    recs[3].referrals = vec!["health"];
    recs[6].referrals = vec!["housing"];
    recs[4].role = "buys";
    let data = Data {
        recs,
        merges: HashMap::new(),
        nights: vec!["2020-03-01".into(), "2021-03-03".into()],
    };
    let db = load(&data);

    // New individuals: first contact before the period is not new.
    let v = db.stats_json(&["--year", "2020"]);
    assert_eq!(
        (
            &v["from"],
            &v["to"],
            &v["contacts"],
            &v["individuals"],
            &v["new_individuals"],
            &v["unidentified_contacts"],
            &v["field_nights"]
        ),
        (
            &Value::from("2020-01-01"),
            &Value::from("2020-12-31"),
            &Value::from(5),
            &Value::from(3),
            &Value::from(2),
            &Value::from(1),
            &Value::from(1)
        )
    );

    // One contact with health;housing counts once in each referral group, once in the totals.
    let v = db.stats_json(&["--year", "2020", "--by", "referral"]);
    assert_eq!(v["contacts"], 5);
    let groups: Vec<(String, u64, u64, u64)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["referral"].as_str().unwrap().to_string(),
                num(g, "contacts"),
                num(g, "individuals"),
                num(g, "new_individuals"),
            )
        })
        .collect();
    let mut sorted = groups.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("health".into(), 2, 2, 1),  // ab85 (not new), ab86 (new)
            ("housing".into(), 2, 1, 0), // ab85, and the unidentified one
            ("none".into(), 2, 2, 1),    // ab85, ab_85 (new)
        ]
    );

    // --by year: new individuals per year; the period's start is also the first date.
    let v = db.stats_json(&["--by", "year"]);
    assert_eq!(v["from"], "2016-03-10");
    assert_eq!(v["to"], "2021-03-03");
    assert_eq!(v["new_individuals"], 4);
    let years: BTreeMap<String, (u64, u64, u64)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["year"].as_str().unwrap().to_string(),
                (
                    num(g, "contacts"),
                    num(g, "individuals"),
                    num(g, "new_individuals"),
                ),
            )
        })
        .collect();
    assert_eq!(
        years,
        BTreeMap::from([
            ("2016".to_string(), (1, 1, 1)),
            ("2020".to_string(), (5, 3, 2)),
            ("2021".to_string(), (2, 2, 1)),
        ])
    );

    // --by month within a period that starts mid-year: only months within the period.
    let v = db.stats_json(&["--from", "2020-06-01", "--by", "month"]);
    assert_eq!(v["to"], "2021-03-03");
    let months: Vec<(String, u64)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["month"].as_str().unwrap().to_string(),
                num(g, "new_individuals"),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2020-06".to_string(), 1),
            ("2020-07".to_string(), 0),
            ("2020-08".to_string(), 0),
            ("2021-01".to_string(), 0),
            ("2021-03".to_string(), 1),
        ]
    );

    // A filter does not change who is new: ab85 was first seen as a seller in 2016; filtered to
    // buyers in 2020 only ab_85 is left, and it is new.
    let v = db.stats_json(&["--year", "2020", "--filter", "role=buys"]);
    assert_eq!((num(&v, "contacts"), num(&v, "new_individuals")), (1, 1));
    // Filtering on contacts after 2016 leaves ab85's contacts in 2020: still not new.
    let v = db.stats_json(&["--from", "2017-01-01", "--filter", "referral=health"]);
    assert_eq!((num(&v, "individuals"), num(&v, "new_individuals")), (2, 1));

    // Every case above agrees with the reference, too.
    for q in [
        Q::year(2020),
        Q::year(2020).by(&["referral"]),
        Q::all().by(&["year"]),
        Q::period(Some("2020-06-01"), None).by(&["month"]),
        Q::all()
            .filter("referral=health")
            .filter("referral=housing"),
        Q::all().filter("referral=health,none").by(&["referral"]),
    ] {
        check(&db, &data, &q);
    }
    // Both referral filters met by the one contact with health and housing.
    let v = db.stats_json(&[
        "--filter",
        "referral=health",
        "--filter",
        "referral=housing",
    ]);
    assert_eq!(num(&v, "contacts"), 1);
}
