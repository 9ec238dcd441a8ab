//! The attacker's check of a suppressed table (docs/statistics.md, "Linked tables"): before a
//! table is published, everything it and its linked tables publish is written down as a
//! linear program, exactly as someone holding all of them would write it, and every hidden
//! figure is tested: is there a table of counts, other than the true one, that agrees with
//! everything published and differs in this figure by at least one? If for some figure there
//! is none, the figure is *pinned*, and the table is not published by suppression.
//!
//! What the attacker is taken to know: every shown figure; that a `<5` is between 1 and the
//! threshold minus one and a `..` at least 1; that a table's total is the same in every linked
//! table; that groups add up to their margin where the figure is additive (contacts unless a
//! `referral` or `project` is summed over, new individuals grouped by time only) and otherwise
//! that each group is at most its margin and the groups together at least it, and, summed over
//! referral or project, that the `none` group and any other together are at most the margin
//! (a contact with none is in no other group); that a `..` whose true value is at least the
//! threshold is at least the threshold (an attacker who guesses so is nearly always right, so
//! the check takes the one who knows); that within a
//! group new individuals are at most individuals, and individuals at most contacts.
//!
//! The check works in whole numbers: it tests whether a table of whole numbers that agrees
//! with everything published has the figure at least the truth plus one, or at most the truth
//! minus one. It solves the linear relaxation first and takes its solutions as they are where
//! they are whole (for contacts of a two-way table with its margins every vertex is: the
//! constraint matrix is totally unimodular); where one is fractional it asks the integer
//! program (microlp's branch and bound), so integer reasoning pins nothing the check lets
//! through. Past the time limit the verdict is undecided.

use std::time::{Duration, Instant};

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, SolveOutcome, Variable};

use super::publish::{Cell, PublishedResult};
use super::{Dimension, StatsResult};

/// An upper bound on a hidden count no real table reaches.
const BIG: f64 = 1.0e9;

/// How long one check may take before the table counts as not shown to be safe.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Why a table failed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every hidden figure can differ by at least one from the truth.
    Safe,
    /// This many hidden figures are pinned to their true value.
    Pinned(usize),
    /// The program could not be decided within the time limit: not shown to be safe.
    Undecided,
}

/// A published figure as the attacker sees it: a constant or an unknown (its index).
#[derive(Clone, Copy)]
enum Known {
    Exact(f64),
    Var(usize),
}

/// sum(coef * unknown) OP rhs, the unknowns by index.
type Constraint = (Vec<(usize, f64)>, ComparisonOp, f64);

/// The attacker's program, written down once so that it can be solved for several
/// objectives (microlp takes objective coefficients when a variable is added).
struct Model {
    /// Bounds of each unknown; the hidden figures are all the unknowns.
    bounds: Vec<(f64, f64)>,
    /// The true value of each unknown.
    truth: Vec<u64>,
    /// sum(coef * unknown) OP rhs.
    constraints: Vec<Constraint>,
}

impl Model {
    fn known(&mut self, c: Cell, truth: u64, t: u64) -> Known {
        let bounds = match c {
            Cell::Shown(v) => return Known::Exact(v as f64),
            Cell::Small => (1.0, (t - 1) as f64),
            // A `..` is at least 1; nearly always at least the threshold, and an attacker may
            // guess so. The check takes the stronger attacker who knows which: at least the
            // threshold wherever it truly is.
            Cell::Hidden if truth >= t => (t as f64, BIG),
            Cell::Hidden => (1.0, BIG),
        };
        self.bounds.push(bounds);
        self.truth.push(truth);
        Known::Var(self.bounds.len() - 1)
    }

    /// sum(coef * item) OP 0; nothing when every item is a constant.
    fn relation(&mut self, items: &[(Known, f64)], op: ComparisonOp) {
        let mut lhs = Vec::new();
        let mut rhs = 0.0;
        for (k, coef) in items {
            match k {
                Known::Exact(v) => rhs -= coef * v,
                Known::Var(x) => lhs.push((*x, *coef)),
            }
        }
        if !lhs.is_empty() {
            self.constraints.push((lhs, op, rhs));
        }
    }

    /// The program with objective `sum(weight * unknown)`, minimised.
    /// With `integer`, every unknown is a whole number (the counts are), and microlp branches
    /// and bounds.
    fn problem(
        &self,
        weights: impl Fn(usize) -> f64,
        deadline: Instant,
        integer: bool,
    ) -> (Problem, Vec<Variable>) {
        let mut p = Problem::new(OptimizationDirection::Minimize);
        p.set_time_limit(deadline.saturating_duration_since(Instant::now()));
        let vars: Vec<Variable> = self
            .bounds
            .iter()
            .enumerate()
            .map(|(k, b)| {
                if integer {
                    p.add_integer_var(weights(k), (b.0 as i32, b.1 as i32))
                } else {
                    p.add_var(weights(k), *b)
                }
            })
            .collect();
        for (lhs, op, rhs) in &self.constraints {
            let expr: Vec<(Variable, f64)> = lhs.iter().map(|(x, c)| (vars[*x], *c)).collect();
            p.add_constraint(LinearExpr::from(expr), *op, *rhs);
        }
        (p, vars)
    }
}

fn is_time(d: &Dimension) -> bool {
    matches!(d, Dimension::Year | Dimension::Month)
}

/// Checks tables published from the same data, period and filters (a table with its linked
/// tables, in any order): `exact[i]` is what `published[i]` was published from, `t` the
/// threshold. Pure and deterministic.
///
/// # Panics
/// If `exact` and `published` differ in length or in their groups.
pub fn check(exact: &[StatsResult], published: &[PublishedResult], t: u64) -> Verdict {
    check_until(exact, published, t, deadline())
}

/// The deadline of a check started now: [`TIME_LIMIT`] from now.
pub fn deadline() -> Instant {
    Instant::now() + TIME_LIMIT
}

/// [`check`], [`Verdict::Undecided`] when not decided by `deadline` (one deadline for several
/// checks of one table).
pub fn check_until(
    exact: &[StatsResult],
    published: &[PublishedResult],
    t: u64,
    deadline: Instant,
) -> Verdict {
    assert_eq!(exact.len(), published.len());
    let mut m = Model {
        bounds: Vec::new(),
        truth: Vec::new(),
        constraints: Vec::new(),
    };
    use ComparisonOp::{Eq, Ge, Le};
    // Per table: its totals [contacts, individuals, new, unidentified] and each group's
    // [contacts, individuals, new].
    let mut totals: Vec<[Known; 4]> = Vec::new();
    let mut cells: Vec<Vec<[Known; 3]>> = Vec::new();
    for (e, p) in exact.iter().zip(published) {
        let (et, pt) = (&e.totals, &p.totals);
        let tc = m.known(pt.contacts, et.contacts, t);
        let ti = m.known(pt.individuals, et.individuals, t);
        let tn = m.known(pt.new_individuals, et.new_individuals, t);
        let tu = m.known(pt.unidentified_contacts, et.unidentified_contacts, t);
        m.relation(&[(tn, 1.0), (ti, -1.0)], Le);
        m.relation(&[(ti, 1.0), (tu, 1.0), (tc, -1.0)], Le);
        m.relation(&[(tu, 1.0), (tc, -1.0)], Le);
        assert_eq!(e.groups.len(), p.groups.len());
        let mut own = Vec::with_capacity(p.groups.len());
        for (g, eg) in p.groups.iter().zip(&e.groups) {
            assert_eq!(g.key, eg.key);
            let c = m.known(g.figures.contacts, eg.figures.contacts, t);
            let i = m.known(g.figures.individuals, eg.figures.individuals, t);
            let n = m.known(g.figures.new_individuals, eg.figures.new_individuals, t);
            m.relation(&[(n, 1.0), (i, -1.0)], Le);
            m.relation(&[(i, 1.0), (c, -1.0)], Le);
            own.push([c, i, n]);
        }
        totals.push([tc, ti, tn, tu]);
        cells.push(own);
    }
    // Between every pair where one table's grouping is part of the other's.
    for (x, small) in published.iter().enumerate() {
        for (y, big) in published.iter().enumerate() {
            if x == y || small.by.len() >= big.by.len() {
                continue;
            }
            let Some(pos) = small
                .by
                .iter()
                .map(|d| big.by.iter().position(|b| b == d))
                .collect::<Option<Vec<usize>>>()
            else {
                continue;
            };
            for (&a, &b) in totals[x].iter().zip(&totals[y]) {
                m.relation(&[(a, 1.0), (b, -1.0)], Eq);
            }
            let summed: Vec<&Dimension> = big.by.iter().filter(|d| !small.by.contains(d)).collect();
            let contacts_add = summed
                .iter()
                .all(|d| !matches!(d, Dimension::Referral | Dimension::Project));
            let new_add = big.by.iter().all(is_time);
            let new_upper = !summed.iter().any(|d| is_time(d));
            // Summed over referral or project (one of them): a contact with none is in the
            // `none` group only, the others in one group or more; so `none` and any other
            // group together are at most the margin.
            let none_at = match summed[..] {
                [d] if matches!(d, Dimension::Referral | Dimension::Project) => {
                    big.by.iter().position(|b| b == d)
                }
                _ => None,
            };
            let parents: Vec<(&[String], [Known; 3])> = if small.by.is_empty() {
                let [c, i, n, _] = totals[x];
                vec![(&[][..], [c, i, n])]
            } else {
                small
                    .groups
                    .iter()
                    .zip(&cells[x])
                    .map(|(g, k)| (&g.key[..], *k))
                    .collect()
            };
            for (key, parent) in parents {
                let under: Vec<[Known; 3]> = big
                    .groups
                    .iter()
                    .zip(&cells[y])
                    .filter(|(g, _)| pos.iter().zip(key).all(|(&p, v)| &g.key[p] == v))
                    .map(|(_, k)| *k)
                    .collect();
                for f in 0..3 {
                    let mut sum: Vec<(Known, f64)> = under.iter().map(|c| (c[f], 1.0)).collect();
                    sum.push((parent[f], -1.0));
                    if (f == 0 && contacts_add) || (f == 2 && new_add) {
                        m.relation(&sum, Eq);
                        continue;
                    }
                    if f != 2 || new_upper {
                        m.relation(&sum, Ge);
                    }
                    if let (0, Some(at)) = (f, none_at) {
                        let keyed: Vec<(&String, Known)> = big
                            .groups
                            .iter()
                            .zip(&cells[y])
                            .filter(|(g, _)| pos.iter().zip(key).all(|(&p, v)| &g.key[p] == v))
                            .map(|(g, k)| (&g.key[at], k[0]))
                            .collect();
                        if let Some((_, none)) = keyed.iter().find(|(v, _)| *v == "none") {
                            for (_, other) in keyed.iter().filter(|(v, _)| *v != "none") {
                                m.relation(&[(*none, 1.0), (*other, 1.0), (parent[0], -1.0)], Le);
                            }
                        }
                    }
                    for c in &under {
                        m.relation(&[(c[f], 1.0), (parent[f], -1.0)], Le);
                    }
                }
            }
        }
    }
    decide(m, deadline)
}

/// Tests every hidden figure: pinned when neither its truth plus one nor its truth minus one
/// is feasible (the truth itself always is), in whole numbers: the attacker knows that counts
/// are integers, so only a solution in whole numbers shows that a figure can differ. A few
/// solutions of the linear program under fixed objectives of mixed signs first move most
/// figures of a safe table off their truth at once (when they are whole: for contacts of a
/// two-way table with its margins every vertex is); each figure none of them moved is then
/// tested on its own, by the linear program warm-started with one more bound, and where that
/// gives a fractional solution, by the integer program.
fn decide(m: Model, deadline: Instant) -> Verdict {
    let n = m.truth.len();
    if n == 0 {
        return Verdict::Safe;
    }
    if Instant::now() > deadline {
        return Verdict::Undecided;
    }
    let mut moved = vec![false; n];
    let whole = |s: &microlp::Solution, vars: &[Variable]| {
        vars.iter().all(|x| (s[*x] - s[*x].round()).abs() < 1e-6)
    };
    // Only a solution in whole numbers is a table the attacker cannot rule out.
    let mark = |s: &microlp::Solution, vars: &[Variable], moved: &mut Vec<bool>| {
        if !whole(s, vars) {
            return;
        }
        for (k, x) in vars.iter().enumerate() {
            if (s[*x] - m.truth[k] as f64).abs() >= 1.0 - 1e-6 {
                moved[k] = true;
            }
        }
    };
    // Objectives: all down, all up, and two fixed patterns of signs (deterministic).
    let patterns: [fn(usize) -> f64; 4] = [
        |_| 1.0,
        |_| -1.0,
        |k| if k % 2 == 0 { 1.0 } else { -1.0 },
        |k| if (k / 2) % 2 == 0 { -1.0 } else { 1.0 },
    ];
    let mut base = None;
    for w in patterns {
        let (p, vars) = m.problem(w, deadline, false);
        match p.solve() {
            Ok(SolveOutcome::Solution(s)) => {
                mark(&s, &vars, &mut moved);
                if base.is_none() {
                    base = Some((s, vars));
                }
            }
            // The true table is feasible, so only a time limit or an internal error lands here.
            _ => return Verdict::Undecided,
        }
        if Instant::now() > deadline {
            return Verdict::Undecided;
        }
    }
    let (base, vars) = base.expect("solved");
    let mut pinned = 0;
    for k in 0..n {
        if moved[k] {
            continue;
        }
        if Instant::now() > deadline {
            return Verdict::Undecided;
        }
        let truth = m.truth[k] as f64;
        let mut free = false;
        for (op, rhs) in [
            (ComparisonOp::Ge, truth + 1.0),
            (ComparisonOp::Le, truth - 1.0),
        ] {
            if rhs < 0.0 {
                continue;
            }
            match base
                .clone()
                .add_constraint(LinearExpr::from(vec![(vars[k], 1.0)]), op, rhs)
            {
                Ok(SolveOutcome::Solution(s)) if whole(&s, &vars) => {
                    mark(&s, &vars, &mut moved);
                    free = true;
                    break;
                }
                // A fractional table: is there one in whole numbers?
                Ok(SolveOutcome::Solution(_)) => {
                    let (mut p, ivars) = m.problem(|_| 0.0, deadline, true);
                    p.add_constraint(LinearExpr::from(vec![(ivars[k], 1.0)]), op, rhs);
                    match p.solve() {
                        Ok(SolveOutcome::Solution(s)) => {
                            mark(&s, &ivars, &mut moved);
                            free = true;
                            break;
                        }
                        Err(microlp::Error::Infeasible) => {}
                        _ => return Verdict::Undecided,
                    }
                }
                Ok(SolveOutcome::Interrupted(_)) => return Verdict::Undecided,
                Err(microlp::Error::Infeasible) => {}
                Err(_) => return Verdict::Undecided,
            }
        }
        if !free {
            pinned += 1;
        }
    }
    if pinned == 0 {
        Verdict::Safe
    } else {
        Verdict::Pinned(pinned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::publish::{PublishedFigures, PublishedGroup};
    use crate::stats::{CellKeys, Figures, Group};

    /// Only whole numbers count: x = 2y with 1 <= x <= 3 lets the linear program move x to
    /// 1 or 3 (y a half), but in whole numbers x is 2. The check says pinned; a figure that
    /// whole numbers leave free (x = 4 beside 2 when x <= 4) is free.
    #[test]
    fn a_figure_pinned_only_in_whole_numbers_is_pinned() {
        let model = |upper: f64| Model {
            bounds: vec![(1.0, upper), (0.0, 10.0)],
            truth: vec![2, 1],
            constraints: vec![(vec![(0, 1.0), (1, -2.0)], ComparisonOp::Eq, 0.0)],
        };
        let far = Instant::now() + TIME_LIMIT;
        assert_eq!(decide(model(3.0), far), Verdict::Pinned(2));
        assert_eq!(decide(model(4.0), far), Verdict::Safe);
    }

    /// Contacts only (nobody identified), so individuals and new individuals are all 0.
    fn figures(contacts: u64) -> Figures {
        Figures {
            contacts,
            individuals: 0,
            new_individuals: 0,
            unidentified_contacts: contacts,
        }
    }

    fn published(contacts: Cell, unidentified: Cell) -> PublishedFigures {
        PublishedFigures {
            contacts,
            individuals: Cell::Shown(0),
            new_individuals: Cell::Shown(0),
            unidentified_contacts: unidentified,
        }
    }

    /// A table by `by` with these groups: (key, exact contacts, published contacts).
    fn table(by: &[Dimension], groups: &[(&[&str], u64, Cell)]) -> (StatsResult, PublishedResult) {
        let total: u64 = groups.iter().map(|g| g.1).sum();
        let exact = StatsResult {
            from: None,
            to: None,
            totals: figures(total),
            field_nights: 0,
            by: by.to_vec(),
            groups: groups
                .iter()
                .map(|(k, n, _)| Group {
                    key: k.iter().map(|s| s.to_string()).collect(),
                    figures: figures(*n),
                    keys: CellKeys::default(),
                })
                .collect(),
            keys: CellKeys::default(),
        };
        let p = PublishedResult {
            from: None,
            to: None,
            threshold: Some(5),
            perturbed: false,
            totals: published(Cell::Shown(total), Cell::Shown(total)),
            field_nights: 0,
            by: by.to_vec(),
            groups: groups
                .iter()
                .map(|(k, _, c)| PublishedGroup {
                    key: k.iter().map(|s| s.to_string()).collect(),
                    figures: published(*c, Cell::Shown(0)),
                })
                .collect(),
            margins: Vec::new(),
        };
        (exact, p)
    }

    fn verdict(tables: &[(StatsResult, PublishedResult)]) -> Verdict {
        let (e, p): (Vec<_>, Vec<_>) = tables.iter().cloned().unzip();
        check(&e, &p, 5)
    }

    const ROLE: &[Dimension] = &[Dimension::Role];
    const ROLE_GENDER: &[Dimension] = &[Dimension::Role, Dimension::Gender];

    #[test]
    fn a_lone_small_count_under_a_shown_total_is_pinned() {
        let t = [
            table(&[], &[(&[], 10, Cell::Shown(10))]),
            table(
                ROLE,
                &[(&["sells"], 8, Cell::Shown(8)), (&["buys"], 2, Cell::Small)],
            ),
        ];
        assert_eq!(verdict(&t), Verdict::Pinned(1));
    }

    #[test]
    fn a_small_count_with_a_partner_is_safe() {
        let t = [
            table(&[], &[(&[], 10, Cell::Shown(10))]),
            table(
                ROLE,
                &[(&["sells"], 7, Cell::Hidden), (&["buys"], 3, Cell::Small)],
            ),
        ];
        assert_eq!(verdict(&t), Verdict::Safe);
        // Nothing hidden: nothing to pin.
        let t = [
            table(&[], &[(&[], 10, Cell::Shown(10))]),
            table(ROLE, &[(&["sells"], 10, Cell::Shown(10))]),
        ];
        assert_eq!(verdict(&t), Verdict::Safe);
    }

    /// Red team, second round: a `..` of exactly 5 beside a `<5` of 1 under a shown 6 is
    /// pinned for the attacker who takes the `..` as at least 5 (nearly always right).
    #[test]
    fn a_partner_at_the_threshold_leaves_no_room() {
        let t = [
            table(&[], &[(&[], 6, Cell::Shown(6))]),
            table(
                ROLE,
                &[(&["sells"], 5, Cell::Hidden), (&["buys"], 1, Cell::Small)],
            ),
        ];
        assert_eq!(verdict(&t), Verdict::Pinned(2));
        let t = [
            table(&[], &[(&[], 7, Cell::Shown(7))]),
            table(
                ROLE,
                &[(&["sells"], 6, Cell::Hidden), (&["buys"], 1, Cell::Small)],
            ),
        ];
        assert_eq!(verdict(&t), Verdict::Safe);
    }

    /// Red team, second round: role `other` has 8 contacts, 7 of them with no referral, and
    /// `shelter` is the only other group: a contact with none is in no other group, so shelter
    /// is exactly 1, although groups by referral need not add up.
    #[test]
    fn the_none_group_bounds_the_others_under_their_margin() {
        const ROLE_REFERRAL: &[Dimension] = &[Dimension::Role, Dimension::Referral];
        let (role_exact, role) = table(ROLE, &[(&["other"], 8, Cell::Shown(8))]);
        let (mut e, mut p) = table(
            ROLE_REFERRAL,
            &[
                (&["other", "none"], 7, Cell::Shown(7)),
                (&["other", "shelter"], 1, Cell::Small),
            ],
        );
        // The margin is 8, not the sum.
        e.totals = role_exact.totals;
        p.totals = role.totals;
        let t = [
            table(&[], &[(&[], 8, Cell::Shown(8))]),
            (role_exact.clone(), role.clone()),
            (e.clone(), p.clone()),
        ];
        assert_eq!(verdict(&t), Verdict::Pinned(1));
        // With 5 of 8 with none, shelter and legal (3 contacts with referrals between them)
        // may each be 1 to 3: nothing is pinned.
        let (mut e, mut p) = table(
            ROLE_REFERRAL,
            &[
                (&["other", "none"], 5, Cell::Shown(5)),
                (&["other", "shelter"], 1, Cell::Small),
                (&["other", "legal"], 3, Cell::Small),
            ],
        );
        e.totals = role_exact.totals;
        p.totals = role.totals;
        let t = [
            table(&[], &[(&[], 8, Cell::Shown(8))]),
            (role_exact, role),
            (e, p),
        ];
        assert_eq!(verdict(&t), Verdict::Safe);
    }

    /// The red team's case in small: the one-way table hides two roles (2 and 6, so 8
    /// together); the two-way table lists eight groups under them, each at least 1, so each
    /// is 1, whatever the two-way table hides.
    #[test]
    fn groups_listed_under_a_hidden_pair_that_must_all_be_one_are_pinned() {
        let genders = ["g1", "g2", "g3", "g4", "g5", "g6"];
        let mut cells: Vec<(Vec<&str>, u64, Cell)> = Vec::new();
        for (role, n) in [("sells", 2), ("buys", 6)] {
            for g in genders.iter().cycle().take(n) {
                if let Some(c) = cells.iter_mut().find(|c| c.0 == [role, g]) {
                    c.1 += 1;
                } else {
                    cells.push((vec![role, g], 1, Cell::Small));
                }
            }
        }
        cells.push((vec!["other", "woman"], 20, Cell::Shown(20)));
        let two: Vec<(&[&str], u64, Cell)> =
            cells.iter().map(|(k, n, c)| (&k[..], *n, *c)).collect();
        let t = [
            table(&[], &[(&[], 28, Cell::Shown(28))]),
            table(
                ROLE,
                &[
                    (&["sells"], 2, Cell::Small),
                    (&["buys"], 6, Cell::Hidden),
                    (&["other"], 20, Cell::Shown(20)),
                ],
            ),
            table(ROLE_GENDER, &two),
        ];
        // Eight cells of 1 and the two hidden roles (2 and 6).
        assert_eq!(verdict(&t), Verdict::Pinned(10));
        // The same one-way table alone is safe.
        assert_eq!(verdict(&t[..2]), Verdict::Safe);
    }
}
