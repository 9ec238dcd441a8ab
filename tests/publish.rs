//! The attacker test for `--publish` (CONTRACT.md, "Statistics"; docs/statistics.md, "Disclosure
//! control"): for many random data sets and groupings, try to recover every hidden count from
//! what is shown, and fail if any can be pinned down.
//!
//! The attacker knows the method: a `<5` lies in 1..=4, a `..` is at least 5, a zero is zero.
//! It also knows every relation that holds between the figures, written out here from their
//! meaning and not taken from `src/stats/publish.rs`:
//! * contacts add up over the groups to the total when the grouping has no referral, and then
//!   also to every margin of a two- or three-way grouping: those the publication would show are
//!   taken as known exactly (as if published elsewhere), the others only as not zero;
//! * new individuals add up the same way when grouped by year and/or month only;
//! * otherwise a group is at most the total and the total at most the sum of the groups;
//! * in every group and the total: new individuals ≤ individuals ≤ contacts, and in the total
//!   individuals ≤ contacts - unidentified contacts.
//!
//! It then bounds each hidden count from below and above with linear programming (microlp, an
//! independent solver) and counts the whole numbers left in between: one is a disclosure.
//! Where both individuals and new individuals of a group are shown, their difference (the
//! returning individuals) must not be a small count either.

mod common;

use std::collections::{BTreeMap, HashMap};

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOutcome, Variable};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uppsok::domain::{
    AgeBand, Attributes, ContactType, Counterpart, District, Districts, Gender, Referrals, Role,
};
use uppsok::stats::attack::{check, Verdict};
use uppsok::stats::publish::{
    linked_groupings, publish_checked, publish_linked, publish_linked_all, sibling_groupings, Cell,
    PublishedResult,
};
use uppsok::stats::{date_code, Accumulator, Dimension, Query, StatsResult};

const T: u64 = 5;
const BIG: f64 = 1.0e7;

/// A random, sparse data set: few persons, few values, so that small counts abound.
fn data(seed: u64) -> Vec<(String, Option<i64>, Attributes)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.gen_range(5..160);
    let persons = rng.gen_range(2..40);
    let roles = [Role::Sells, Role::Buys, Role::Other];
    let genders = [Gender::Woman, Gender::Man, Gender::Trans];
    let types = [
        ContactType::Outreach,
        ContactType::Online,
        ContactType::Counselling,
    ];
    let refs = ["", "health", "housing", "health;housing", "legal"];
    // Skewed choices: some values common, some rare.
    let skew = |rng: &mut ChaCha8Rng, len: usize| -> usize {
        ((rng.gen::<f64>().powi(2)) * len as f64) as usize
    };
    (0..n)
        .map(|_| {
            let date = format!(
                "{}-{:02}-{:02}",
                rng.gen_range(2019..=2021),
                rng.gen_range(1..=3),
                rng.gen_range(1..=28)
            );
            let person = if rng.gen_bool(0.15) {
                None
            } else {
                Some(skew(&mut rng, persons) as i64)
            };
            let a = Attributes {
                role: roles[skew(&mut rng, 3)],
                gender: genders[skew(&mut rng, 3)],
                age_band: AgeBand::Unknown,
                counterpart: Counterpart::Unknown,
                district: District::new("norrmalm").unwrap(),
                contact_type: *types.choose(&mut rng).unwrap(),
                referrals: refs[skew(&mut rng, refs.len())]
                    .parse::<Referrals>()
                    .unwrap(),
                trafficking: rng.gen_bool(0.1),
                concern: None,
                projects: uppsok::domain::ProjectSet::none(),
            };
            (date, person, a)
        })
        .collect()
}

/// Exact figures of `recs` grouped by `by`, over a period (first and last day) or all time.
fn compute_in(
    recs: &[(String, Option<i64>, Attributes)],
    by: &[Dimension],
    period: Option<(&str, &str)>,
) -> StatsResult {
    let districts = Districts::default();
    let q = Query {
        by: by.to_vec(),
        from: period.map(|p| uppsok::domain::parse_date(p.0).unwrap()),
        to: period.map(|p| uppsok::domain::parse_date(p.1).unwrap()),
        ..Query::default()
    };
    let mut first: HashMap<i64, u32> = HashMap::new();
    for (d, p, _) in recs {
        if let Some(p) = p {
            let c = date_code(d);
            let e = first.entry(*p).or_insert(c);
            *e = (*e).min(c);
        }
    }
    let mut acc = Accumulator::new(&q, &districts);
    for (d, p, a) in recs {
        acc.add(d, *p, a);
    }
    acc.finish(&first, 0, None)
}

/// The tables the check takes a table grouped by `by` together with, besides its own linked
/// tables (`family`): those of its siblings' families, as `stats --publish` counts them.
fn others_in(
    recs: &[(String, Option<i64>, Attributes)],
    family: &[StatsResult],
    period: Option<(&str, &str)>,
) -> Vec<StatsResult> {
    let mut out: Vec<StatsResult> = Vec::new();
    for g in sibling_groupings(&family.last().unwrap().by) {
        for l in linked_groupings(&g) {
            if !family.iter().chain(&out).any(|r| r.by == l) {
                out.push(compute_in(recs, &l, period));
            }
        }
    }
    out
}

/// One published count as the attacker sees it: a constant or a bounded unknown.
#[derive(Clone, Copy)]
enum Known {
    Exact(f64),
    Var(Variable),
}

impl Known {
    fn term(self, coef: f64, lhs: &mut Vec<(Variable, f64)>, rhs: &mut f64) {
        match self {
            Known::Exact(v) => *rhs -= coef * v,
            Known::Var(x) => lhs.push((x, coef)),
        }
    }
}

struct Attack {
    /// Whether the attacker takes every `..` not hiding a small count as at least the
    /// threshold (it cannot know which do, so this attacker knows more than any real one).
    strict: bool,
    /// Whether the hidden counts are whole numbers (an integer program), not real ones.
    integer: bool,
    problem: Problem,
    /// (description, variable, true value) of every hidden count.
    hidden: Vec<(String, Variable, u64)>,
}

impl Attack {
    fn known(&mut self, c: Cell, truth: u64, what: String) -> Known {
        match c {
            Cell::Shown(v) => {
                assert_eq!(v, truth, "{what}: a shown figure must be exact");
                Known::Exact(v as f64)
            }
            Cell::Small => {
                assert!(
                    (1..T).contains(&truth),
                    "{what}: <5 must be 1..4, is {truth}"
                );
                let x = if self.integer {
                    self.problem.add_integer_var(0.0, (1, T as i32 - 1))
                } else {
                    self.problem.add_var(0.0, (1.0, (T - 1) as f64))
                };
                self.hidden.push((what, x, truth));
                Known::Var(x)
            }
            Cell::Hidden => {
                // A `..` says "hidden, at least 1"; it is at least the threshold except where
                // a small count had nothing else to protect it. This attacker knows which.
                let low = if truth >= T && self.strict { T } else { 1 };
                let x = if self.integer {
                    self.problem.add_integer_var(0.0, (low as i32, BIG as i32))
                } else {
                    self.problem.add_var(0.0, (low as f64, BIG))
                };
                self.hidden.push((what, x, truth));
                Known::Var(x)
            }
        }
    }

    /// sum(coef * item) OP 0.
    fn relation(&mut self, items: &[(Known, f64)], op: ComparisonOp) {
        let mut lhs = Vec::new();
        let mut rhs = 0.0;
        for (k, c) in items {
            k.term(*c, &mut lhs, &mut rhs);
        }
        if lhs.is_empty() {
            return;
        }
        self.problem.add_constraint(LinearExpr::from(lhs), op, rhs);
    }
}

/// What `stats --publish` gives for a table and for each of its linked tables (every
/// subsequence of its dimensions, from the ungrouped totals to `by`), each asked on its own:
/// the tables it publishes, with their exact counts, and the groupings it refuses because the
/// attacker's check of the table with its linked tables failed.
#[derive(Default)]
struct Published {
    tables: Vec<(StatsResult, PublishedResult)>,
    refused: Vec<Vec<Dimension>>,
}

impl Published {
    /// Adds another run's tables and refusals (each grouping once).
    fn and(mut self, other: Published) -> Published {
        for t in other.tables {
            if !self.tables.iter().any(|(e, _)| e.by == t.0.by) {
                self.tables.push(t);
            }
        }
        for r in other.refused {
            if !self.refused.contains(&r) {
                self.refused.push(r);
            }
        }
        self
    }
}

fn published_family(recs: &[(String, Option<i64>, Attributes)], by: &[Dimension]) -> Published {
    published_family_in(recs, by, None)
}

fn published_family_in(
    recs: &[(String, Option<i64>, Attributes)],
    by: &[Dimension],
    period: Option<(&str, &str)>,
) -> Published {
    let exact: Vec<StatsResult> = linked_groupings(by)
        .iter()
        .map(|g| compute_in(recs, g, period))
        .collect();
    let mut out = Published::default();
    for k in 1..=exact.len() {
        // A table's own family: the subsequences of its grouping, in order.
        let own: Vec<StatsResult> = linked_groupings(&exact[k - 1].by)
            .iter()
            .map(|g| exact.iter().find(|r| &r.by == g).unwrap().clone())
            .collect();
        let by = &exact[k - 1].by;
        let others = others_in(recs, &own, period);
        match publish_checked(&own, &others, by, T) {
            Ok(p) => {
                assert_eq!(
                    p,
                    publish_linked(&own, T),
                    "the check changes nothing it passes"
                );
                out.tables.push((exact[k - 1].clone(), p));
            }
            Err(e) => {
                assert_eq!(&e.by, by);
                out.refused.push(by.clone());
            }
        }
    }
    out
}

/// Builds the attacker's problem for tables published from the same data, period and filters
/// (one table and its margins, or several runs), and checks every hidden count. Returns the
/// number of hidden counts and the descriptions of those pinned down.
fn attack(
    tables: &[(StatsResult, PublishedResult)],
    label: &str,
    strict: bool,
) -> (usize, Vec<String>) {
    attack_in(tables, label, strict, false)
}

/// [`attack`], in whole numbers when `integer` (each bound by an integer program).
fn attack_in(
    tables: &[(StatsResult, PublishedResult)],
    label: &str,
    strict: bool,
    integer: bool,
) -> (usize, Vec<String>) {
    let hidden_count: usize = tables.iter().map(|(_, p)| count_hidden(p)).sum();
    if hidden_count == 0 {
        return (0, Vec::new());
    }
    let mut pinned = Vec::new();
    let (probe_total, _) = build(tables, None, strict, integer);
    for k in 0..probe_total.hidden.len() {
        let mut lo_hi = [0.0f64; 2];
        for (i, dir) in [
            OptimizationDirection::Minimize,
            OptimizationDirection::Maximize,
        ]
        .into_iter()
        .enumerate()
        {
            let (a, target) = build(tables, Some((k, dir)), strict, integer);
            let target = target.expect("target");
            let value = match a.problem.solve() {
                Ok(SolveOutcome::Solution(s)) => s[target],
                other => panic!("{label}: the attacker's problem must be feasible: {other:?}"),
            };
            lo_hi[i] = value;
        }
        let (what, _, truth) = &probe_total.hidden[k];
        let lo = (lo_hi[0] - 1e-6).ceil();
        let hi = (lo_hi[1] + 1e-6).floor();
        assert!(
            lo <= *truth as f64 && *truth as f64 <= hi,
            "{label}: {what}: the truth {truth} must be within [{lo}, {hi}]"
        );
        if lo >= hi {
            pinned.push(format!("{what} = {truth}"));
        }
    }
    (hidden_count, pinned)
}

/// The one case the contract leaves no way to protect: an additive total shown as `<5` (so at
/// most 4) over exactly 4 non-zero groups, which must then be 1 each, since zero stays zero and
/// the groups are all listed.
fn inherent(p: &PublishedResult) -> bool {
    let time_only = !p.by.is_empty()
        && p.by
            .iter()
            .all(|d| matches!(d, Dimension::Year | Dimension::Month));
    let referral = p.by.contains(&Dimension::Referral);
    let check = |total: Cell, cells: Vec<Cell>| {
        total == Cell::Small
            && cells.iter().filter(|c| **c != Cell::Shown(0)).count() as u64 == T - 1
    };
    (!referral
        && check(
            p.totals.contacts,
            p.groups.iter().map(|g| g.figures.contacts).collect(),
        ))
        || (time_only
            && check(
                p.totals.new_individuals,
                p.groups.iter().map(|g| g.figures.new_individuals).collect(),
            ))
}

fn count_hidden(p: &PublishedResult) -> usize {
    let f = |x: &uppsok::stats::publish::PublishedFigures| {
        [
            x.contacts,
            x.individuals,
            x.new_individuals,
            x.unidentified_contacts,
        ]
        .iter()
        .filter(|c| c.is_hidden())
        .count()
    };
    f(&p.totals) + p.groups.iter().map(|g| f(&g.figures)).sum::<usize>()
}

fn is_time(d: &Dimension) -> bool {
    matches!(d, Dimension::Year | Dimension::Month)
}

/// The attacker's problem over several published tables of the same data. With
/// `target = Some((k, dir))` the k-th hidden count is the objective (microlp takes objective
/// coefficients when variables are added, so the problem is built afresh for each objective).
fn build(
    tables: &[(StatsResult, PublishedResult)],
    target: Option<(usize, OptimizationDirection)>,
    strict: bool,
    integer: bool,
) -> (Attack, Option<Variable>) {
    let dir = target.map_or(OptimizationDirection::Minimize, |t| t.1);
    let mut a = Attack {
        strict,
        integer,
        problem: Problem::new(dir),
        hidden: Vec::new(),
    };
    let mut target_var = None;
    // Each hidden variable is created through `known`; the target gets objective 1 by adding
    // an equal twin variable with coefficient 1.
    let mut known = |a: &mut Attack, c: Cell, truth: u64, what: String| -> Known {
        let k = a.known(c, truth, what);
        if let (Known::Var(x), Some((t, _))) = (k, target) {
            if a.hidden.len() - 1 == t {
                let twin = a.problem.add_var(1.0, (-BIG, BIG));
                a.problem.add_constraint(
                    LinearExpr::from(vec![(twin, 1.0), (x, -1.0)]),
                    ComparisonOp::Eq,
                    0.0,
                );
                target_var = Some(twin);
            }
        }
        k
    };
    use ComparisonOp::{Eq, Ge, Le};
    // Per table: its totals [contacts, individuals, new] and each group's.
    let mut all_totals: Vec<[Known; 3]> = Vec::new();
    let mut all_cells: Vec<Vec<[Known; 3]>> = Vec::new();
    for (exact, p) in tables {
        let name = format!("{:?}", p.by);
        let tt = &exact.totals;
        let pt = &p.totals;
        let tc = known(
            &mut a,
            pt.contacts,
            tt.contacts,
            format!("{name} total contacts"),
        );
        let ti = known(
            &mut a,
            pt.individuals,
            tt.individuals,
            format!("{name} total individuals"),
        );
        let tn = known(
            &mut a,
            pt.new_individuals,
            tt.new_individuals,
            format!("{name} total new"),
        );
        let tu = known(
            &mut a,
            pt.unidentified_contacts,
            tt.unidentified_contacts,
            format!("{name} total unidentified"),
        );
        a.relation(&[(tn, 1.0), (ti, -1.0)], Le);
        a.relation(&[(ti, 1.0), (tc, -1.0), (tu, 1.0)], Le);
        a.relation(&[(tu, 1.0), (tc, -1.0)], Le);
        let mut cells: Vec<[Known; 3]> = Vec::new();
        for (g, eg) in p.groups.iter().zip(&exact.groups) {
            assert_eq!(g.key, eg.key);
            let gname = format!("{name} {}", g.key.join("/"));
            let c = known(
                &mut a,
                g.figures.contacts,
                eg.figures.contacts,
                format!("{gname} contacts"),
            );
            let i = known(
                &mut a,
                g.figures.individuals,
                eg.figures.individuals,
                format!("{gname} individuals"),
            );
            let n = known(
                &mut a,
                g.figures.new_individuals,
                eg.figures.new_individuals,
                format!("{gname} new"),
            );
            a.relation(&[(n, 1.0), (i, -1.0)], Le);
            a.relation(&[(i, 1.0), (c, -1.0)], Le);
            // Returning individuals must not be shown as a small count by subtraction.
            if let (Cell::Shown(iv), Cell::Shown(nv)) =
                (g.figures.individuals, g.figures.new_individuals)
            {
                let r = iv - nv;
                assert!(
                    r == 0 || r >= T,
                    "returning {gname} = {r} follows by subtraction"
                );
            }
            cells.push([c, i, n]);
        }
        if let (Cell::Shown(iv), Cell::Shown(nv)) = (pt.individuals, pt.new_individuals) {
            let r = iv - nv;
            assert!(
                r == 0 || r >= T,
                "returning in total = {r} follows by subtraction"
            );
        }
        all_totals.push([tc, ti, tn]);
        all_cells.push(cells);
    }
    // Between every pair of tables where one's grouping is part of the other's: the same
    // totals; each group of the smaller one against the groups of the bigger one under it.
    for (x, (_, small)) in tables.iter().enumerate() {
        for (y, (_, big)) in tables.iter().enumerate() {
            let pos: Option<Vec<usize>> = small
                .by
                .iter()
                .map(|d| big.by.iter().position(|b| b == d))
                .collect();
            let Some(pos) = pos else { continue };
            if x == y || small.by.len() >= big.by.len() {
                continue;
            }
            for (&sx, &sy) in all_totals[x].iter().zip(&all_totals[y]) {
                a.relation(&[(sx, 1.0), (sy, -1.0)], Eq);
            }
            let summed: Vec<&Dimension> = big.by.iter().filter(|d| !small.by.contains(d)).collect();
            let contacts_add = summed
                .iter()
                .all(|d| !matches!(d, Dimension::Referral | Dimension::Project));
            let new_add = big.by.iter().all(is_time);
            let new_upper = !summed.iter().any(|d| is_time(d));
            // The groups of the small table, with the totals as the ungrouped one's group.
            let parents: Vec<(Vec<String>, [Known; 3])> = if small.by.is_empty() {
                vec![(Vec::new(), all_totals[x])]
            } else {
                small
                    .groups
                    .iter()
                    .zip(&all_cells[x])
                    .map(|(g, k)| (g.key.clone(), *k))
                    .collect()
            };
            for (key, parent) in parents {
                let under: Vec<[Known; 3]> = big
                    .groups
                    .iter()
                    .zip(&all_cells[y])
                    .filter(|(g, _)| pos.iter().zip(&key).all(|(&p, v)| &g.key[p] == v))
                    .map(|(_, k)| *k)
                    .collect();
                for f in 0..3 {
                    let mut sum: Vec<(Known, f64)> = under.iter().map(|c| (c[f], 1.0)).collect();
                    sum.push((parent[f], -1.0));
                    let additive = (f == 0 && contacts_add) || (f == 2 && new_add);
                    if additive {
                        a.relation(&sum, Eq);
                        continue;
                    }
                    if f != 2 || new_upper {
                        a.relation(&sum, Ge);
                    }
                    for c in &under {
                        a.relation(&[(c[f], 1.0), (parent[f], -1.0)], Le);
                    }
                }
            }
        }
    }
    (a, target_var)
}

const GROUPINGS: &[&[Dimension]] = &[
    &[],
    &[Dimension::Role],
    &[Dimension::Year],
    &[Dimension::Referral],
    &[Dimension::Role, Dimension::Gender],
    &[Dimension::Year, Dimension::Role],
    &[Dimension::Year, Dimension::Month],
    &[Dimension::Referral, Dimension::Gender],
    &[Dimension::ContactType, Dimension::Trafficking],
];

/// Checks a published table against its exact counts: zero stays zero, small counts are never
/// shown, groups are never dropped.
fn check_marks(exact: &StatsResult, p: &PublishedResult) {
    assert_eq!(p.groups.len(), exact.groups.len());
    for (g, e) in p.groups.iter().zip(&exact.groups) {
        for (c, v) in [
            (g.figures.contacts, e.figures.contacts),
            (g.figures.individuals, e.figures.individuals),
            (g.figures.new_individuals, e.figures.new_individuals),
        ] {
            if v == 0 {
                assert_eq!(c, Cell::Shown(0));
            }
            if (1..T).contains(&v) {
                assert!(c.is_hidden());
            }
        }
    }
}

/// Tallies of an attack campaign.
#[derive(Default, Debug)]
struct Campaign {
    tables: usize,
    /// Tables asked for (published or refused).
    asked: usize,
    /// Tables refused by the attacker's check.
    refused: usize,
    hidden: usize,
    inherent: usize,
    pinned: Vec<String>,
    /// Attacks in whole numbers (an integer program) instead of the linear relaxation.
    integer: bool,
}

impl Campaign {
    fn attack(&mut self, p: &Published, label: &str) {
        self.asked += p.tables.len() + p.refused.len();
        self.refused += p.refused.len();
        let published = &p.tables[..];
        // The attacker who knows which `..` stand for at least the threshold: the stronger one.
        let (hidden, pinned) = attack_in(published, label, true, self.integer);
        self.tables += 1;
        self.hidden += hidden;
        if pinned.is_empty() {
            return;
        }
        if published.iter().any(|(_, p)| inherent(p)) {
            // Documented in docs/statistics.md: not avoidable while zero stays zero.
            self.inherent += 1;
            return;
        }
        self.pinned.push(format!("{label}: {pinned:?}"));
    }
}

/// A table together with every table of fewer of its dimensions (its margins, which anyone
/// may publish by asking for them): no hidden count is pinned down by an LP over all of them.
#[test]
fn no_hidden_count_can_be_pinned_down() {
    let mut c = Campaign::default();
    for seed in 0..60u64 {
        let recs = data(seed);
        for by in GROUPINGS {
            let family = published_family(&recs, by);
            for (exact, p) in &family.tables {
                check_marks(exact, p);
            }
            c.attack(&family, &format!("seed {seed}, by {by:?} with its margins"));
        }
    }
    report(&c, 0);
}

/// Pairs of runs that share some dimensions (a lead publishes one this month and the other
/// next): an LP over both and all their margins pins no hidden count either.
#[test]
fn pairs_of_runs_cannot_be_differenced() {
    let pairs: &[(&[Dimension], &[Dimension])] = &[
        (
            &[Dimension::Gender, Dimension::Role],
            &[Dimension::Gender, Dimension::ContactType],
        ),
        (
            &[Dimension::Role, Dimension::Year],
            &[Dimension::Gender, Dimension::Year],
        ),
        (
            &[Dimension::Role, Dimension::Referral],
            &[Dimension::Role, Dimension::Gender],
        ),
        (
            &[Dimension::Gender],
            &[Dimension::Role, Dimension::District],
        ),
        (
            &[Dimension::Role, Dimension::Gender],
            &[Dimension::District, Dimension::ContactType],
        ),
        (
            &[Dimension::Role, Dimension::Gender, Dimension::Counterpart],
            &[Dimension::Gender, Dimension::District],
        ),
        (&[Dimension::Month], &[Dimension::Gender, Dimension::Year]),
    ];
    let mut c = Campaign::default();
    for seed in 0..40u64 {
        let recs = data(seed);
        for (x, y) in pairs {
            let all = published_family(&recs, x).and(published_family(&recs, y));
            c.attack(&all, &format!("seed {seed}, runs {x:?} and {y:?}"));
        }
    }
    report(&c, 0);
}

/// The same campaigns, fewer data sets, attacked in whole numbers: each hidden count bounded by
/// an integer program (the check works in whole numbers too, `stats::attack`), single tables
/// with their margins and pairs of runs alike.
#[test]
fn no_hidden_count_can_be_pinned_in_whole_numbers() {
    let mut c = Campaign {
        integer: true,
        ..Campaign::default()
    };
    for seed in 0..SEEDS_IN_WHOLE_NUMBERS {
        let recs = data(seed);
        for by in GROUPINGS {
            let family = published_family(&recs, by);
            c.attack(
                &family,
                &format!("seed {seed}, by {by:?}, in whole numbers"),
            );
        }
        let (x, y) = (
            [Dimension::Gender, Dimension::Role],
            [Dimension::Gender, Dimension::ContactType],
        );
        let all = published_family(&recs, &x).and(published_family(&recs, &y));
        c.attack(
            &all,
            &format!("seed {seed}, runs {x:?} and {y:?}, in whole numbers"),
        );
    }
    report(&c, 0);
}

/// Data sets of the campaign in whole numbers (an integer program per bound is slower).
const SEEDS_IN_WHOLE_NUMBERS: u64 = 30;

/// The pair the campaign found before the check took siblings: gender x role and gender x
/// contact type (seed 25), each safe with its own margins, together pin the hidden `man` (2):
/// one lists two contact types for men, the other leaves room for at most two. Checked with
/// its siblings, a table that would do so is refused.
#[test]
fn a_pair_sharing_a_hidden_margin_is_checked_together() {
    let recs = data(25);
    let x = [Dimension::Gender, Dimension::Role];
    let y = [Dimension::Gender, Dimension::ContactType];
    let family = |by: &[Dimension]| -> Vec<StatsResult> {
        linked_groupings(by)
            .iter()
            .map(|g| compute_in(&recs, g, None))
            .collect()
    };
    let (fx, fy) = (family(&x), family(&y));
    let (px, py) = (publish_linked_all(&fx, T), publish_linked_all(&fy, T));
    // Each alone passes the check of a table with its margins.
    assert_eq!(check(&fx, &px, T), Verdict::Safe);
    assert_eq!(check(&fy, &py, T), Verdict::Safe);
    // Together they pin hidden counts.
    let mut both: Vec<(StatsResult, PublishedResult)> = fx.iter().cloned().zip(px).collect();
    for (e, p) in fy.iter().cloned().zip(py) {
        if !both.iter().any(|(b, _)| b.by == e.by) {
            both.push((e, p));
        }
    }
    let (_, pinned) = attack(&both, "seed 25 pair, unchecked", true);
    assert!(
        pinned
            .iter()
            .any(|p| p.starts_with("[Gender] man contacts")),
        "{pinned:?}"
    );
    // With its siblings, at least one of them is refused; what is published pins nothing.
    let published = published_family(&recs, &x).and(published_family(&recs, &y));
    assert!(!published.refused.is_empty());
    let (_, pinned) = attack(&published.tables, "seed 25 pair, checked", true);
    assert!(pinned.is_empty(), "{pinned:?}");
}

/// The campaign's verdict. `percent`: the share of table sets in which some hidden count is
/// still pinned down, at most: zero, for a table with its margins and for pairs of separate
/// runs alike (the check takes a table together with the tables sharing a hidden margin with
/// it). Measured: 0 of 540 single tables with their margins (30 of 1,560 refused), 0 of 280
/// pairs of runs (52 of 1,800 refused; 1 of 120 pinned before the check took siblings, 7
/// before the check). At most a fifth of the tables asked for may be refused, so the check
/// cannot pass by refusing all.
fn report(c: &Campaign, percent: usize) {
    // The test must have had something to attack.
    assert!(c.hidden > 500, "only {} hidden counts: {c:?}", c.hidden);
    assert!(
        c.refused * 5 <= c.asked,
        "{} of {} refused",
        c.refused,
        c.asked
    );
    eprintln!(
        "{} of {} table sets with a pinned count: {:#?}; {} of {} tables refused",
        c.pinned.len(),
        c.tables,
        c.pinned,
        c.refused,
        c.asked
    );
    assert!(
        c.pinned.len() * 100 <= c.tables * percent,
        "{} of {} pinned: {:#?}",
        c.pinned.len(),
        c.tables,
        c.pinned
    );
    // The one case the contract cannot protect (docs/statistics.md, "Limits") stays rare.
    assert!(
        c.inherent * 100 <= c.tables,
        "{} of {} tables in the unprotectable case",
        c.inherent,
        c.tables
    );
}

/// The worst case by hand: two groups of 4 under a total of 8, which the ungrouped table
/// shows, would pin both groups down as `<5` `<5`; one is published as `..` (hidden, at least
/// 1) instead, and nothing is pinned.
#[test]
fn groups_at_their_upper_bound_are_protected() {
    let recs: Vec<_> = (0..8)
        .map(|i| {
            let mut a = data(0)[0].2.clone();
            a.role = if i < 4 { Role::Sells } else { Role::Buys };
            (format!("2020-01-{:02}", i + 1), Some(i as i64), a)
        })
        .collect();
    let family = published_family(&recs, &[Dimension::Role]);
    assert!(family.refused.is_empty());
    let (_, p) = family.tables.last().unwrap();
    assert_eq!(p.totals.contacts, Cell::Shown(8), "{p:#?}");
    let cells: Vec<Cell> = p.groups.iter().map(|g| g.figures.contacts).collect();
    assert!(
        cells.contains(&Cell::Hidden) && cells.contains(&Cell::Small),
        "{cells:?}"
    );
    let (_, pinned) = attack(&family.tables, "4 + 4", false);
    assert!(pinned.is_empty(), "{pinned:?}");
}

/// Through the binary: `--publish` in JSON gives null for every hidden count, and the same
/// hidden cells as the library; table, CSV and Markdown show `<5` and `..`.
#[test]
fn the_binary_publishes_the_same_cells() {
    let db = common::Db::new();
    let mut csv = String::from(common::HEADER);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut lines = BTreeMap::new();
    for i in 0..120 {
        let role = ["sells", "sells", "sells", "buys", "other"][rng.gen_range(0..5)];
        let gender = ["woman", "woman", "man", "trans"][rng.gen_range(0..4)];
        let code = format!("p{}", rng.gen_range(0..30));
        lines.insert(
            i,
            format!(
                "2020-02-{:02},{code},{role},{gender},25-34,men,norrmalm,outreach,,no,\n",
                rng.gen_range(1..28)
            ),
        );
    }
    for l in lines.values() {
        csv.push_str(l);
    }
    assert!(db.import(&csv).status.success());
    let v = db.stats_json(&["--by", "role,gender", "--publish"]);
    let exact = db.stats_json(&["--by", "role,gender"]);
    let groups = v["groups"].as_array().unwrap();
    let nulls = groups.iter().filter(|g| g["contacts"].is_null()).count();
    assert!(nulls >= 2, "{v}");
    for (g, e) in groups.iter().zip(exact["groups"].as_array().unwrap()) {
        let n = e["contacts"].as_u64().unwrap();
        if (1..T).contains(&n) {
            assert!(g["contacts"].is_null(), "{g}");
        } else if !g["contacts"].is_null() {
            assert_eq!(g["contacts"], e["contacts"]);
        }
    }
    let out = db
        .cmd()
        .args(["stats", "--by", "role,gender", "--publish"])
        .output()
        .unwrap();
    let text = common::stdout(&out);
    assert!(text.contains("<5") && text.contains(".."), "{text}");
    let out = db
        .cmd()
        .args([
            "stats",
            "--by",
            "role",
            "--publish",
            "--format",
            "csv",
            "--csv-separator",
            ";",
            "--bom",
        ])
        .output()
        .unwrap();
    let text = common::stdout(&out);
    assert!(
        text.starts_with("\u{feff}role;contacts;individuals;new_individuals;from;to\n"),
        "{text:?}"
    );
    // A threshold that protects nobody is refused.
    let out = db
        .cmd()
        .args(["stats", "--publish", "--threshold", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("--threshold"));
}

/// Red team, 2026-12-02 (docs/statistics.md, "Limits"): on realistic yearly data (120 contacts
/// in 2024, 28 individuals), `--by gender,district` with `--by gender`, `--by district` and the
/// total pinned three `<5` cells at 1 each: the district table, published on its own, protects a
/// small district with a partner whose cells are all 1, a move the two-way table cannot make.
/// The attacker's check now refuses the two-way table; its margins are published as before.
#[test]
fn red_team_a_two_way_table_and_its_margins_pin_small_counts() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/redteam_linked_2024.csv"),
    )
    .unwrap();
    let mut persons: HashMap<String, i64> = HashMap::new();
    let recs: Vec<(String, Option<i64>, Attributes)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let next = persons.len() as i64;
            let person =
                (!f[1].is_empty()).then(|| *persons.entry(f[1].to_string()).or_insert(next));
            let a = Attributes {
                role: f[2].parse().unwrap(),
                gender: f[3].parse().unwrap(),
                age_band: f[4].parse().unwrap(),
                counterpart: f[5].parse().unwrap(),
                district: District::new(f[6]).unwrap(),
                contact_type: f[7].parse().unwrap(),
                referrals: f[8].parse::<Referrals>().unwrap(),
                trafficking: f[9] == "yes",
                concern: None,
                projects: uppsok::domain::ProjectSet::none(),
            };
            (f[0].to_string(), person, a)
        })
        .collect();
    let family = published_family_in(
        &recs,
        &[Dimension::Gender, Dimension::District],
        Some(("2024-01-01", "2024-12-31")),
    );
    // Refused: the two-way table would pin them; its margins are published as before.
    assert_eq!(
        family.refused,
        [vec![Dimension::Gender, Dimension::District]]
    );
    assert_eq!(family.tables.len(), 3);
    let (_, pinned) = attack(&family.tables, "red team: gender × district, 2024", false);
    assert!(pinned.is_empty(), "{pinned:?}");
    // In a report's place: the first linked table of fewer dimensions that passes.
    let own: Vec<StatsResult> = linked_groupings(&[Dimension::Gender, Dimension::District])
        .iter()
        .map(|g| compute_in(&recs, g, Some(("2024-01-01", "2024-12-31"))))
        .collect();
    let others = others_in(&recs, &own, Some(("2024-01-01", "2024-12-31")));
    let instead = uppsok::stats::publish::publish_checked_or_coarser(
        &own,
        &others,
        &[Dimension::Gender, Dimension::District],
        T,
    )
    .unwrap();
    assert_eq!(instead.by, [Dimension::Gender]);
    assert_eq!(&instead, &family.tables[1].1);
    // The interface's published view withholds it the same way, and shows the margins.
    let exact: Vec<StatsResult> = linked_groupings(&[Dimension::Gender, Dimension::District])
        .iter()
        .map(|g| compute_in(&recs, g, Some(("2024-01-01", "2024-12-31"))))
        .collect();
    for (family, withheld) in [(exact.clone(), true), (exact[..2].to_vec(), false)] {
        let mut view = uppsok::tui::statistics::StatsView::new(Some(2024), Some(2024), 2024);
        let by = family.last().unwrap().by.clone();
        let others = others_in(&recs, &family, Some(("2024-01-01", "2024-12-31")));
        view.set_result(family, others, &by);
        assert!(!view.withheld, "the exact view is never withheld");
        view.toggle_published();
        assert_eq!(view.withheld, withheld, "{by:?}");
        assert_eq!(view.shown.as_ref().unwrap().groups.is_empty(), withheld);
    }
    // Without the check the same tables pin three small counts: what the check saw.
    let exact: Vec<StatsResult> = linked_groupings(&[Dimension::Gender, Dimension::District])
        .iter()
        .map(|g| compute_in(&recs, g, Some(("2024-01-01", "2024-12-31"))))
        .collect();
    let unchecked: Vec<(StatsResult, PublishedResult)> = publish_linked_all(&exact, T)
        .into_iter()
        .zip(exact)
        .map(|(p, e)| (e, p))
        .collect();
    let (_, pinned) = attack(&unchecked, "red team, unchecked", false);
    assert!(!pinned.is_empty());
}

/// Through the binary, on the red team's data: the two-way table that would pin small counts
/// is refused with advice and prints nothing; its margins and the cell key method publish; the
/// yearly report withholds a table it cannot publish safely, says so in its place, and shows
/// the rest.
#[test]
fn the_binary_refuses_a_table_the_check_fails_and_a_report_withholds_it() {
    let db = common::Db::new();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/redteam_linked_2024.csv"),
    )
    .unwrap();
    assert!(db.import(&text).status.success());
    // The same data for a unit that publishes by the cell key method (the publication register
    // refuses one period by both methods).
    let keyed = db.copy();
    let run = |args: &[&str]| db.cmd().args(args).output().unwrap();
    let two_way = [
        "stats",
        "--year",
        "2024",
        "--publish",
        "--by",
        "gender,district",
    ];
    for (lang, words) in [
        ("en", "cannot be published with suppression"),
        ("sv", "kan inte publiceras med undertryckning"),
    ] {
        let out = run(&[&two_way[..], &["--lang", lang]].concat());
        assert_eq!(out.status.code(), Some(2), "{lang}");
        assert_eq!(common::stdout(&out), "", "{lang}: nothing is printed");
        let err = common::stderr(&out);
        assert!(
            err.contains(words) && err.contains("--method cellkey"),
            "{err}"
        );
        assert!(err.contains("gender, district"), "{err}");
        // No category value reaches the message.
        let words: Vec<&str> = err.split(|c: char| !c.is_alphanumeric()).collect();
        for value in ["woman", "man", "trans", "norrmalm", "sodermalm", "kvinna"] {
            assert!(!words.contains(&value), "{err}");
        }
    }
    for by in ["gender", "district"] {
        let out = run(&["stats", "--year", "2024", "--publish", "--by", by]);
        assert!(out.status.success(), "{by}: {}", common::stderr(&out));
    }
    let out = keyed
        .cmd()
        .args([&two_way[..], &["--method", "cellkey", "--format", "json"]].concat())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(v["method"], "cellkey");
    assert!(v["groups"].as_array().unwrap().len() > 4, "{v}");

    // The report: whatever it withholds is said in its place, in both languages.
    for (lang, words) in [("en", "not published"), ("sv", "publiceras inte")] {
        let out = run(&["report", "--year", "2024", "--format", "md", "--lang", lang]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        let md = common::stdout(&out);
        let withheld = md.to_lowercase().matches(words).count();
        // The role × gender × counterpart table of this year is one of them.
        assert!(withheld >= 1, "{md}");
        // The contact types are there all the same.
        assert!(md.contains("counselling") || md.contains("samtal"), "{md}");
    }
}
