//! Disclosure control for publication (CONTRACT.md, "Statistics", `--publish`): a pure function
//! from a [`StatsResult`] to a [`PublishedResult`] in which no small count can be read or worked
//! out.
//!
//! * **Primary suppression**: every count from 1 to `threshold - 1` is hidden ([`Cell::Small`],
//!   shown as `<5`). Zero stays zero: an empty cell singles nobody out.
//! * **Secondary suppression**: further counts are hidden ([`Cell::Hidden`], shown as `..`) so that
//!   no hidden count can be pinned down from what is shown. The attacker is assumed to know the
//!   method, so to know that a `<5` lies in `1..=threshold-1` and a `..` is at least 1 (nearly
//!   always at least `threshold`; the moves are chosen as if it always were, except in a table
//!   too small for that, where a small count is shown as `..`).
//! * **Linked tables** ([`publish_linked`]): a table is protected together with every table of
//!   fewer of its dimensions for the same period and filters, each published first exactly as it
//!   is on its own; the bigger table keeps their figures (its total and margins) and hides only
//!   its own cells. So no set of published tables of one period and filters undoes another.
//!
//! Two kinds of figure are treated differently (docs/statistics.md has the reasoning):
//!
//! * **Additive** figures, where groups add up exactly to their margins: `contacts` whenever its
//!   groups add up to the total (always unless the grouping includes `referral` or `project`;
//!   with those, when no contact counts in two groups), and `new_individuals` grouped by `year`
//!   and/or `month` only.
//!   For these the whole table of margins is protected together: the groups, the total and
//!   every margin (row and column totals of a two-way table, the two-way margins of a three-way
//!   table), which the linked tables publish. A hidden
//!   count is protected when there is a *move*: a change of ±1 to some hidden counts that keeps
//!   every shown count and every known sum the same and every hidden count within what the
//!   attacker knows of it. For a cell that is the classical alternating rectangle (cube in three
//!   dimensions) of hidden cells; for a margin the same one level up. Each hidden count is given
//!   such a move, choosing the one that hides the least; so two tables that differ only in a
//!   hidden count cannot be told apart, and nothing can be pinned down by any linear reasoning.
//! * **Non-additive** figures (`individuals`, which may count a person in several groups;
//!   `new_individuals` grouped by a category; `contacts` grouped by `referral` or `project`
//!   where a contact counts in two groups): the output only
//!   tells that each group is at most the total and that the total is at most the sum of the
//!   groups. That can pin a hidden count only when the hidden counts must all be at their upper
//!   bound; when they might, one more group (or the total) is hidden.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{CellKeys, Dimension, Figures, Query, StatsResult};

/// How `--publish` protects the figures: a unit's decision (docs/statistics.md, "Choosing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// Suppression: small counts hidden as `<5`, more hidden as `..`; figures shown are exact.
    #[default]
    Suppress,
    /// The cell key method: every count moved by at most 2, the same way for the same
    /// contacts in every table and run.
    Cellkey,
}

impl Method {
    /// Its one spelling (CLI, JSON, the log).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Suppress => "suppress",
            Method::Cellkey => "cellkey",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "suppress" => Some(Method::Suppress),
            "cellkey" => Some(Method::Cellkey),
            _ => None,
        }
    }
}

/// The default threshold: counts below it are hidden.
pub const DEFAULT_THRESHOLD: u64 = 5;
/// The smallest threshold that means anything: with 2, `<2` would say "exactly 1".
pub const MIN_THRESHOLD: u64 = 3;

/// One published count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cell {
    /// Shown as it is (zero is always shown).
    Shown(u64),
    /// Primary suppression: between 1 and threshold - 1.
    Small,
    /// Secondary suppression: at least the threshold, hidden so that a small count cannot be
    /// worked out.
    Hidden,
}

impl Cell {
    pub fn value(self) -> Option<u64> {
        match self {
            Cell::Shown(n) => Some(n),
            _ => None,
        }
    }
    pub fn is_hidden(self) -> bool {
        !matches!(self, Cell::Shown(_))
    }
}

/// The four counted figures, published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedFigures {
    pub contacts: Cell,
    pub individuals: Cell,
    pub new_individuals: Cell,
    pub unidentified_contacts: Cell,
}

impl PublishedFigures {
    /// Every figure shown exactly (no disclosure control).
    pub fn exact(f: &Figures) -> Self {
        PublishedFigures {
            contacts: Cell::Shown(f.contacts),
            individuals: Cell::Shown(f.individuals),
            new_individuals: Cell::Shown(f.new_individuals),
            unidentified_contacts: Cell::Shown(f.unidentified_contacts),
        }
    }
}

/// One group of a published result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedGroup {
    pub key: Vec<String>,
    /// `unidentified_contacts` is not given per group and is always `Shown(0)` here.
    pub figures: PublishedFigures,
}

/// A margin of a table grouped by two or three dimensions (a row or column total), as it may be
/// shown beside the table. Only for additive figures; `None` where the figure is not additive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMargin {
    /// Indices into `by` of the dimensions this margin keeps (the others are summed over).
    pub dims: Vec<usize>,
    /// The values of those dimensions.
    pub key: Vec<String>,
    pub contacts: Option<Cell>,
    pub new_individuals: Option<Cell>,
}

/// A result ready to print or publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedResult {
    pub from: Option<String>,
    pub to: Option<String>,
    /// The threshold applied, or `None` for exact (or perturbed) figures.
    pub threshold: Option<u64>,
    /// Perturbed by the cell key method: every figure may be off by up to 2, and groups need
    /// not add up to totals.
    pub perturbed: bool,
    pub totals: PublishedFigures,
    pub field_nights: u64,
    pub by: Vec<Dimension>,
    pub groups: Vec<PublishedGroup>,
    /// Margins of two- and three-way groupings (empty otherwise, and for exact results).
    pub margins: Vec<PublishedMargin>,
}

impl PublishedResult {
    /// The result with every figure exact: what `stats` prints without `--publish`.
    pub fn exact(r: &StatsResult) -> Self {
        PublishedResult::each(r, false, |f, _, _| PublishedFigures::exact(f))
    }

    /// `r` with each group's and the totals' figures published by `f`, given the figures,
    /// their cell keys and whether they are a group's (`perturbed`: by the cell key method).
    pub fn each(
        r: &StatsResult,
        perturbed: bool,
        f: impl Fn(&Figures, &CellKeys, bool) -> PublishedFigures,
    ) -> Self {
        PublishedResult {
            from: r.from.clone(),
            to: r.to.clone(),
            threshold: None,
            perturbed,
            totals: f(&r.totals, &r.keys, false),
            field_nights: r.field_nights,
            by: r.by.clone(),
            groups: r
                .groups
                .iter()
                .map(|g| PublishedGroup {
                    key: g.key.clone(),
                    figures: f(&g.figures, &g.keys, true),
                })
                .collect(),
            margins: Vec::new(),
        }
    }

    /// True if any figure is hidden.
    pub fn any_hidden(&self) -> bool {
        let hidden = |f: &PublishedFigures| {
            [
                f.contacts,
                f.individuals,
                f.new_individuals,
                f.unidentified_contacts,
            ]
            .iter()
            .any(|c| c.is_hidden())
        };
        hidden(&self.totals) || self.groups.iter().any(|g| hidden(&g.figures))
    }
}

/// The grouping a table grouped by `by` is protected as: with `year` before `month` where
/// `month` is asked without it. A month lies in one year, so the months of a year add up to
/// the year: a table by month is linked to the table by year as much as to the total.
pub fn canonical_grouping(by: &[Dimension]) -> Vec<Dimension> {
    let mut out = by.to_vec();
    if let (Some(m), false) = (
        out.iter().position(|d| *d == Dimension::Month),
        out.contains(&Dimension::Year),
    ) {
        out.insert(m, Dimension::Year);
    }
    out
}

/// Whether two groupings are of the same dimensions, in any order: the same table.
fn same_grouping(a: &[Dimension], b: &[Dimension]) -> bool {
    a.len() == b.len() && a.iter().all(|d| b.contains(d))
}

/// Every grouping by a subsequence of `by` (dimensions in the same order), fewer dimensions
/// first, from the ungrouped totals to `by` itself: the tables linked to a table grouped by
/// `by`, which anyone may publish beside it (its margins). A grouping with `month` also has
/// `year` (see [`canonical_grouping`]): those with `month` but not `year` are the same tables.
pub fn linked_groupings(by: &[Dimension]) -> Vec<Vec<Dimension>> {
    let n = by.len();
    let mut masks: Vec<u32> = (0..(1u32 << n)).collect();
    masks.sort_by_key(|m| (m.count_ones(), *m));
    let has_year = by.contains(&Dimension::Year);
    masks
        .iter()
        .map(|m| {
            (0..n)
                .filter(|d| m & (1 << d) != 0)
                .map(|d| by[d])
                .collect::<Vec<_>>()
        })
        .filter(|g| !has_year || !g.contains(&Dimension::Month) || g.contains(&Dimension::Year))
        .collect()
}

/// The groupings of the tables that share a margin of at most one dimension with a table
/// grouped by `by` without being linked to it: for each such margin (the ungrouped total, or
/// one dimension of `by`), the margin with one dimension more that is not in `by`, as long as
/// that is a table of at most two dimensions ([`canonical_grouping`]). Two such tables are
/// published separately but tell something about the same margin: where that margin hides a
/// figure, the attacker's check takes them together ([`publish_checked`]). Canonical `by`.
pub fn sibling_groupings(by: &[Dimension]) -> Vec<Vec<Dimension>> {
    let mut out: Vec<Vec<Dimension>> = Vec::new();
    for margin in linked_groupings(by) {
        if margin.len() > 1 || margin.len() == by.len() {
            continue;
        }
        for d in Dimension::ALL {
            if by.contains(&d) {
                continue;
            }
            let mut g = margin.clone();
            g.push(d);
            let g = canonical_grouping(&g);
            if g.len() <= 2 && !g.iter().all(|x| by.contains(x)) && !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// Queries to be published, each with the queries of its linked tables, every distinct query
/// counted once: what [`publish_linked`] needs for each.
#[derive(Debug, Clone)]
pub struct LinkedQueries {
    queries: Vec<Query>,
    /// Per query asked, its grouping as asked.
    asked: Vec<Vec<Dimension>>,
    /// Per query asked, the indices in `queries` of its family, in [`linked_groupings`] order.
    families: Vec<Vec<usize>>,
    /// Per query asked, the indices in `queries` of the families of its
    /// [`sibling_groupings`] that are not in its own family.
    others: Vec<Vec<usize>>,
}

impl LinkedQueries {
    pub fn new(asked: &[Query]) -> LinkedQueries {
        let mut queries: Vec<Query> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut index = |q: Query| -> usize {
            *seen.entry(format!("{q:?}")).or_insert_with(|| {
                queries.push(q);
                queries.len() - 1
            })
        };
        let mut families = Vec::with_capacity(asked.len());
        let mut others = Vec::with_capacity(asked.len());
        for q in asked {
            let by = canonical_grouping(&q.by);
            let family: Vec<usize> = linked_groupings(&by)
                .into_iter()
                .map(|by| index(Query { by, ..q.clone() }))
                .collect();
            let mut more: Vec<usize> = Vec::new();
            if by.len() <= MAX_PUBLISHED_DIMENSIONS {
                for g in sibling_groupings(&by) {
                    for by in linked_groupings(&g) {
                        let i = index(Query { by, ..q.clone() });
                        if !family.contains(&i) && !more.contains(&i) {
                            more.push(i);
                        }
                    }
                }
            }
            families.push(family);
            others.push(more);
        }
        LinkedQueries {
            queries,
            asked: asked.iter().map(|q| q.by.clone()).collect(),
            families,
            others,
        }
    }

    /// Each asked query's table, published with [`publish_linked`] from the results of
    /// [`LinkedQueries::queries`] (in order) and grouped as asked, each only when it passes the
    /// attacker's check ([`publish_checked`]); the first that does not is the error. (There is
    /// no unchecked way to publish a table from here.)
    pub fn publish_checked(
        &self,
        results: &[StatsResult],
        threshold: u64,
    ) -> Result<Vec<PublishedResult>, NotSafe> {
        self.families(results)
            .iter()
            .zip(self.others(results))
            .zip(&self.asked)
            .map(|((f, o), by)| publish_checked(f, &o, by, threshold))
            .collect()
    }

    /// [`publish_checked_or_coarser`] for each asked table on its own: a table that fails
    /// the check does not stop the others (a report withholds it, shows the coarser table that
    /// passes in its place, and the rest).
    pub fn publish_each_checked(
        &self,
        results: &[StatsResult],
        threshold: u64,
    ) -> Vec<Result<PublishedResult, NotSafe>> {
        self.families(results)
            .iter()
            .zip(self.others(results))
            .zip(&self.asked)
            .map(|((f, o), by)| publish_checked_or_coarser(f, &o, by, threshold))
            .collect()
    }

    /// Each asked query's exact result, grouped as asked.
    pub fn exact(&self, results: &[StatsResult]) -> Vec<StatsResult> {
        self.families(results)
            .into_iter()
            .zip(&self.asked)
            .map(|(mut f, by)| as_asked(f.pop().expect("a family ends with its table"), by))
            .collect()
    }

    /// From the results of [`LinkedQueries::queries`] (in order), per asked query the tables
    /// of its [`sibling_groupings`]' families that are not in its own family: what
    /// [`publish_checked`] takes as `others`.
    pub fn others(&self, results: &[StatsResult]) -> Vec<Vec<StatsResult>> {
        self.others
            .iter()
            .map(|f| f.iter().map(|&i| results[i].clone()).collect())
            .collect()
    }

    /// Every query to count (the asked ones among them).
    pub fn queries(&self) -> &[Query] {
        &self.queries
    }

    /// From the results of [`LinkedQueries::queries`] (in order), each asked query's family,
    /// its own result last.
    pub fn families(&self, results: &[StatsResult]) -> Vec<Vec<StatsResult>> {
        self.families
            .iter()
            .map(|f| f.iter().map(|&i| results[i].clone()).collect())
            .collect()
    }
}

/// The most dimensions `--publish` groups by: a table of five is all small counts, and its 32
/// linked tables would each be counted and protected.
pub const MAX_PUBLISHED_DIMENSIONS: usize = 4;

/// Applies disclosure control to the last of `family` (threshold at least [`MIN_THRESHOLD`]; a
/// smaller one is raised to it), protecting it together with every table of fewer of its
/// dimensions, for the same period and filters. `family` holds one exact result per grouping
/// of [`linked_groupings`] of the table's `by`, in that order, the table itself last.
///
/// Each linked table is published first, the same way (from its own linked tables only), and
/// the table keeps every figure they show: what a smaller table shows is never hidden in a
/// bigger one, and what it hides stays hidden, with a move through the bigger table's cells.
/// So the table is what `stats --publish` gives for it, whichever tables of the same period
/// and filters were published before or after it. Pure: the same family and threshold always
/// give the same output.
///
/// # Panics
/// If `family` does not follow [`linked_groupings`].
pub fn publish_linked(family: &[StatsResult], threshold: u64) -> PublishedResult {
    publish_linked_all(family, threshold)
        .pop()
        .expect("a table to publish")
}

/// [`publish_linked`] for every table of `family`: each as `stats --publish` publishes it,
/// in the order of `family`.
///
/// # Panics
/// If `family` does not follow [`linked_groupings`].
pub fn publish_linked_all(family: &[StatsResult], threshold: u64) -> Vec<PublishedResult> {
    let top = family.last().expect("a table to publish");
    let groupings = linked_groupings(&top.by);
    assert_eq!(
        family.iter().map(|r| r.by.clone()).collect::<Vec<_>>(),
        groupings,
        "a family of linked tables in the order of linked_groupings"
    );
    let t = threshold.max(MIN_THRESHOLD);
    let mut done: Vec<PublishedResult> = Vec::with_capacity(family.len());
    for r in family {
        let subs: Vec<(&StatsResult, &PublishedResult)> = family
            .iter()
            .zip(&done)
            .filter(|(s, _)| s.by.len() < r.by.len() && is_subsequence(&s.by, &r.by))
            .collect();
        let p = publish_in(r, t, &subs);
        done.push(p);
    }
    done
}

/// [`publish_checked`], and when the table fails, the first of its linked tables that passes,
/// from those of most dimensions down to one (in [`linked_groupings`] order): what a report
/// shows in place of a table it withholds (its `by` then tells which). `Err` when none passes.
pub fn publish_checked_or_coarser(
    family: &[StatsResult],
    others: &[StatsResult],
    by: &[Dimension],
    threshold: u64,
) -> Result<PublishedResult, NotSafe> {
    let refused = match publish_checked(family, others, by, threshold) {
        Ok(p) => return Ok(p),
        Err(e) => e,
    };
    let top = family.last().map_or(0, |r| r.by.len());
    for dims in (1..top).rev() {
        for r in family.iter().filter(|r| r.by.len() == dims) {
            let sub: Vec<StatsResult> = linked_groupings(&r.by)
                .iter()
                .filter_map(|g| family.iter().find(|f| &f.by == g).cloned())
                .collect();
            let asked: Vec<Dimension> =
                r.by.iter()
                    .copied()
                    .filter(|d| *d != Dimension::Year || by.contains(&Dimension::Year))
                    .collect();
            if asked.is_empty() {
                continue;
            }
            // Its siblings are among the table's (or in its family).
            let rest: Vec<StatsResult> = family
                .iter()
                .chain(others)
                .filter(|f| !sub.iter().any(|x| x.by == f.by))
                .cloned()
                .collect();
            if let Ok(p) = publish_checked(&sub, &rest, &asked, threshold) {
                return Ok(p);
            }
        }
    }
    Err(refused)
}

/// A table that suppression cannot publish: together with its linked tables it would give
/// away a hidden count ([`super::attack::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSafe {
    /// The table's grouping, as asked.
    pub by: Vec<Dimension>,
    pub verdict: super::attack::Verdict,
    /// The table with no groups (and no margins): its period, totals and grouping, as the
    /// linked tables publish them, for a report to say in its place that it is withheld.
    pub withheld: Box<PublishedResult>,
}

/// [`publish_as_asked`], but only when the attacker's check passes ([`super::attack::check`]);
/// otherwise why not. The check takes the table together with every linked table (`family`),
/// and then, one at a time, together with each table of its [`sibling_groupings`] and that
/// table's own linked tables, wherever the two share a margin that hides a figure: two tables
/// published separately, each safe with its own margins, can still pin such a figure together
/// (gender x role and gender x contact type, where the gender table hides `man`). A sibling
/// that its own check refuses is never published, so it is left out. `others` holds the
/// siblings' tables (counted for the same period and filters; [`LinkedQueries::others`]).
///
/// # Panics
/// If a sibling's table is neither in `family` nor in `others`.
pub fn publish_checked(
    family: &[StatsResult],
    others: &[StatsResult],
    by: &[Dimension],
    threshold: u64,
) -> Result<PublishedResult, NotSafe> {
    use super::attack::{check_until, deadline, Verdict};
    let t = threshold.max(MIN_THRESHOLD);
    let all = publish_linked_all(family, threshold);
    let until = deadline();
    let mut verdict = check_until(family, &all, t, until);
    let top_by = family.last().expect("a table to publish").by.clone();
    if verdict == Verdict::Safe {
        for g in sibling_groupings(&top_by) {
            // A table is found whatever the order of its dimensions: a coarser table's sibling
            // (counterpart x gender of role x counterpart) is in the family as gender x
            // counterpart.
            let find = |by: &Vec<Dimension>| {
                family
                    .iter()
                    .chain(others)
                    .find(|r| same_grouping(&r.by, by))
                    .expect("a sibling's tables are counted")
                    .clone()
            };
            // Its margins in the order of the table as counted (a sibling has at most two
            // dimensions, so its margins have one and are found as they are).
            let top = find(&g);
            let sibling: Vec<StatsResult> = linked_groupings(&top.by).iter().map(find).collect();
            // Only a shared margin that hides something links the two tables.
            let shares_hidden = sibling.iter().any(|r| {
                family
                    .iter()
                    .position(|f| f.by == r.by)
                    .is_some_and(|i| all[i].any_hidden())
            });
            if !shares_hidden {
                continue;
            }
            let published = publish_linked_all(&sibling, threshold);
            match check_until(&sibling, &published, t, until) {
                Verdict::Safe => {}
                // Refused on its own, in any run: never published beside this table.
                Verdict::Pinned(_) => continue,
                // Not decided in the time left: it may be published, so this table is not
                // shown to be safe beside it.
                Verdict::Undecided => {
                    verdict = Verdict::Undecided;
                    break;
                }
            }
            let (mut exact, mut shown) = (family.to_vec(), all.clone());
            for (e, p) in sibling.into_iter().zip(published) {
                if !exact.iter().any(|x| x.by == e.by) {
                    exact.push(e);
                    shown.push(p);
                }
            }
            verdict = check_until(&exact, &shown, t, until);
            if verdict != Verdict::Safe {
                break;
            }
        }
    }
    let top = regroup_as_asked(all.into_iter().next_back().expect("a table to publish"), by);
    if verdict != Verdict::Safe {
        return Err(NotSafe {
            by: by.to_vec(),
            verdict,
            withheld: Box::new(PublishedResult {
                groups: Vec::new(),
                margins: Vec::new(),
                ..top
            }),
        });
    }
    Ok(top)
}

/// [`publish_linked`] of a family counted for [`canonical_grouping`]`(by)`, grouped as `by`
/// asked (without the `year` added for `month`: the same cells).
pub fn publish_as_asked(
    family: &[StatsResult],
    by: &[Dimension],
    threshold: u64,
) -> PublishedResult {
    regroup_as_asked(publish_linked(family, threshold), by)
}

/// A published result counted for [`canonical_grouping`]`(by)`, grouped as `by` asked.
fn regroup_as_asked(mut p: PublishedResult, by: &[Dimension]) -> PublishedResult {
    if let Some(y) = p.by.iter().position(|d| *d == Dimension::Year) {
        if !by.contains(&Dimension::Year) {
            p.by.remove(y);
            for g in &mut p.groups {
                g.key.remove(y);
            }
            p.margins.clear();
        }
    }
    p
}

/// An exact result counted for [`canonical_grouping`]`(by)`, grouped as `by` asked.
pub fn as_asked(mut r: StatsResult, by: &[Dimension]) -> StatsResult {
    if let Some(y) = r.by.iter().position(|d| *d == Dimension::Year) {
        if !by.contains(&Dimension::Year) {
            r.by.remove(y);
            for g in &mut r.groups {
                g.key.remove(y);
            }
        }
    }
    r
}

fn is_subsequence(small: &[Dimension], big: &[Dimension]) -> bool {
    let mut it = big.iter();
    small.iter().all(|d| it.any(|b| b == d))
}

/// The figures of the linked tables, as nodes of this table's lattice: per figure (contacts,
/// individuals, new individuals), each node's exact value and published cell.
type Links = [HashMap<Node, (u64, Cell)>; 3];

fn links_of(
    by: &[Dimension],
    index: &[HashMap<String, usize>],
    subs: &[(&StatsResult, &PublishedResult)],
) -> Links {
    let n = by.len();
    let mut links: Links = Default::default();
    for (exact, published) in subs {
        // Positions in `by` of the sub-table's dimensions.
        let mut pos = Vec::new();
        let mut from = 0;
        for d in &exact.by {
            let p = (from..n).find(|&i| by[i] == *d).expect("a subsequence");
            pos.push(p);
            from = p + 1;
        }
        let mask: u32 = pos.iter().map(|p| 1u32 << p).sum();
        let mut put = |mask: u32, key: Vec<usize>, e: &Figures, c: &PublishedFigures| {
            let node = (mask, key);
            links[0].insert(node.clone(), (e.contacts, c.contacts));
            links[1].insert(node.clone(), (e.individuals, c.individuals));
            links[2].insert(node, (e.new_individuals, c.new_individuals));
        };
        put(0, vec![NONE; n], &exact.totals, &published.totals);
        for (g, pg) in exact.groups.iter().zip(&published.groups) {
            let mut key = vec![NONE; n];
            let mut known = true;
            for (v, &p) in g.key.iter().zip(&pos) {
                match index[p].get(v) {
                    Some(&i) => key[p] = i,
                    None => known = false,
                }
            }
            if known {
                put(mask, key, &g.figures, &pg.figures);
            }
        }
    }
    links
}

/// Publishes one table, keeping what its linked tables (`subs`, already published) show and
/// hide.
fn publish_in(
    result: &StatsResult,
    t: u64,
    subs: &[(&StatsResult, &PublishedResult)],
) -> PublishedResult {
    let by = &result.by;
    let n = by.len();
    // Contacts are additive wherever their groups add up to the total: then every contact is
    // in exactly one group, also when grouped by referral or project (a contact with none is
    // in `none`), and the exact model is the additive one. Red team, issue 17: a referral or
    // project table with one value besides `none` was protected as non-additive, and the
    // total minus the shown `none` row gave the hidden row exactly. Where a contact counts in
    // several groups (the sum exceeds the total), `protect` falls back to the non-additive
    // bounds.
    let contacts_additive = true;
    let new_additive = n > 0
        && by
            .iter()
            .all(|d| matches!(d, Dimension::Year | Dimension::Month));

    // Each dimension's values, in the order the groups list them.
    let mut values: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut index: Vec<HashMap<String, usize>> = vec![HashMap::new(); n];
    for g in &result.groups {
        for (i, v) in g.key.iter().enumerate() {
            if !index[i].contains_key(v) {
                index[i].insert(v.clone(), values[i].len());
                values[i].push(v.clone());
            }
        }
    }
    let keys: Vec<Vec<usize>> = result
        .groups
        .iter()
        .map(|g| g.key.iter().enumerate().map(|(i, v)| index[i][v]).collect())
        .collect();

    let column = |f: fn(&Figures) -> u64| -> Vec<u64> {
        result.groups.iter().map(|g| f(&g.figures)).collect()
    };

    let links = links_of(by, &index, subs);
    let mut margins_out: BTreeMap<MarginKey, (Option<Cell>, Option<Cell>)> = BTreeMap::new();
    // Set when a figure found no move for some hidden count and hid all it could instead.
    let fell_back = std::cell::Cell::new(false);
    // Protects one figure (`slot`: 0 contacts, 1 individuals, 2 new individuals): its groups
    // and its total. `forced` are groups (and, ungrouped, `force_total` the total) to hide
    // whatever their value, with a move like any other hidden count; `extra` bounds what the
    // other figures tell of each group and of the total. Grouped, the total and every margin
    // are what the linked tables publish.
    let mut protect = |cells: &[u64],
                       total: u64,
                       additive: bool,
                       slot: usize,
                       forced: &[usize],
                       force_total: bool,
                       extra: &Extra| {
        if n == 0 {
            return (Vec::new(), primary_or(total, t, force_total));
        }
        let fixed = &links[slot];
        if additive {
            let mut forced: Vec<usize> = forced.to_vec();
            loop {
                let lattice = Lattice::new(
                    &keys,
                    cells,
                    values.iter().map(Vec::len).collect(),
                    t,
                    extra,
                    fixed,
                );
                // Margins (and the total) that are not the sums of the cells under them, where
                // a contact counts in several groups of a referral or project: bounds, checked
                // apart.
                let loose_fixed: HashMap<Node, (u64, Cell)> = fixed
                    .iter()
                    .filter(|(k, _)| lattice.loose.contains(&k.0))
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                let (cells_out, total_out, margins, fell) = lattice.protect(&forced);
                // The loose margins (and total) bound what the lattice hid: hide more where
                // they would pin a hidden cell, and protect again.
                if !loose_fixed.is_empty() {
                    let hidden: Vec<usize> = (0..cells.len())
                        .filter(|&i| cells_out[i].is_hidden())
                        .collect();
                    let (checked, _) =
                        non_additive(cells, total, &keys, t, &hidden, &loose_fixed, extra);
                    let more: Vec<usize> = (0..cells.len())
                        .filter(|&i| checked[i].is_hidden() && !cells_out[i].is_hidden())
                        .collect();
                    if !more.is_empty() {
                        forced.extend(more);
                        continue;
                    }
                }
                if fell {
                    fell_back.set(true);
                }
                if n >= 2 {
                    for (mask, key, cell) in margins {
                        let dims: Vec<usize> = (0..n).filter(|d| mask & (1 << d) != 0).collect();
                        let key: Vec<usize> = dims.iter().map(|&d| key[d]).collect();
                        let e = margins_out.entry((dims, key)).or_insert((None, None));
                        if slot == 0 {
                            e.0 = Some(cell);
                        } else {
                            e.1 = Some(cell);
                        }
                    }
                }
                return (cells_out, total_out);
            }
        }
        non_additive(cells, total, &keys, t, forced, fixed, extra)
    };

    let groups_n = result.groups.len();
    let none = Extra::none(groups_n);
    // Individuals first: they bound the others (new ≤ individuals ≤ contacts). Individuals
    // minus new individuals are the returning ones: where both would be shown and their
    // difference is a small count, the individuals are hidden too, until none is.
    let unidentified = primary(result.totals.unidentified_contacts, t);
    let shown = |c: Cell| c.value();
    let returning_small = |indiv: Cell, new: Cell| match (indiv, new) {
        (Cell::Shown(i), Cell::Shown(n)) => {
            let r = i.saturating_sub(n);
            r > 0 && r < t
        }
        _ => false,
    };
    let mut forced_individuals: Vec<usize> = Vec::new();
    let mut force_total_individuals = false;
    let (individuals, total_individuals, new, total_new) = loop {
        let (individuals, total_individuals) = protect(
            &column(|f| f.individuals),
            result.totals.individuals,
            false,
            1,
            &forced_individuals,
            force_total_individuals,
            &none,
        );
        let (_, individuals_hi) = derived_bounds(
            &individuals,
            result.totals.individuals,
            total_individuals,
            &keys,
            t,
            &links[1],
        );
        let new_extra = Extra {
            lo: vec![0; groups_n],
            hi: individuals_hi,
            total_lo: 0,
            total_hi: shown(total_individuals).unwrap_or(u64::MAX),
            // A linked table's new individuals are at most its individuals.
            nodes: links[1]
                .iter()
                .filter_map(|(k, (_, c))| c.value().map(|v| (k.clone(), (0, v))))
                .collect(),
        };
        let (new, total_new) = protect(
            &column(|f| f.new_individuals),
            result.totals.new_individuals,
            new_additive,
            2,
            &[],
            false,
            &new_extra,
        );
        let mut more = false;
        // New individuals that found no move are often held by the individuals above them:
        // hide those too (once), so that they bound nothing.
        if fell_back.replace(false) {
            for i in 0..groups_n {
                // Hidden new counts, and shown ones that the individuals pin (all new): they
                // bound what could move.
                let pinned_by = matches!((new[i], individuals[i]),
                    (Cell::Shown(a), Cell::Shown(b)) if a == b);
                if (new[i].is_hidden() || pinned_by)
                    && matches!(individuals[i], Cell::Shown(v) if v > 0)
                    && !forced_individuals.contains(&i)
                {
                    forced_individuals.push(i);
                    more = true;
                }
            }
            if total_new.is_hidden()
                && matches!(total_individuals, Cell::Shown(v) if v > 0)
                && !force_total_individuals
            {
                force_total_individuals = true;
                more = true;
            }
        }
        for i in 0..groups_n {
            // A hidden new count that the individuals shown above it leave one value (a `..`
            // is at least the threshold; new ≤ individuals): hide the individuals too.
            let held = match (new[i], individuals[i]) {
                (Cell::Hidden, Cell::Shown(v)) => v > 0 && v <= t,
                (Cell::Small, Cell::Shown(v)) => v == 1,
                _ => false,
            };
            if (held || returning_small(individuals[i], new[i])) && !forced_individuals.contains(&i)
            {
                forced_individuals.push(i);
                more = true;
            }
        }
        if returning_small(total_individuals, total_new) && !force_total_individuals {
            force_total_individuals = true;
            more = true;
        }
        if !more {
            break (individuals, total_individuals, new, total_new);
        }
    };
    // What the individuals' linked figures leave of each hidden individuals count: a lower
    // bound on the contacts (individuals ≤ contacts).
    let (individuals_lo, _) = derived_bounds(
        &individuals,
        result.totals.individuals,
        total_individuals,
        &keys,
        t,
        &links[1],
    );
    let contacts_extra = Extra {
        lo: individuals_lo,
        hi: vec![u64::MAX; groups_n],
        total_lo: shown(total_individuals).unwrap_or(0)
            + match unidentified {
                Cell::Shown(u) => u,
                _ => 1,
            },
        total_hi: u64::MAX,
        // A linked table's contacts are at least its individuals.
        nodes: links[1]
            .iter()
            .filter_map(|(k, (_, c))| c.value().map(|v| (k.clone(), (v, u64::MAX))))
            .collect(),
    };
    // Contacts, hiding those that would pin a hidden individuals count from above
    // (individuals ≤ contacts), until none does.
    let mut forced_contacts: Vec<usize> = Vec::new();
    let mut force_total_contacts = false;
    let (contacts, total_contacts) = loop {
        let (contacts, total_contacts) = protect(
            &column(|f| f.contacts),
            result.totals.contacts,
            contacts_additive,
            0,
            &forced_contacts,
            force_total_contacts,
            &contacts_extra,
        );
        let pins = |indiv: Cell, contacts: Cell, new: Cell| match (indiv, contacts) {
            (Cell::Hidden | Cell::Small, Cell::Shown(c)) => {
                let (lo, hi) = bounds(if indiv == Cell::Small { 1 } else { t }, t);
                let lo = lo.max(shown(new).unwrap_or(0));
                lo >= hi.min(c)
            }
            _ => false,
        };
        let mut more = false;
        for i in 0..groups_n {
            if pins(individuals[i], contacts[i], new[i]) && !forced_contacts.contains(&i) {
                forced_contacts.push(i);
                more = true;
            }
        }
        if pins(total_individuals, total_contacts, total_new) && !force_total_contacts {
            force_total_contacts = true;
            more = true;
        }
        if !more {
            break (contacts, total_contacts);
        }
    };

    let groups = result
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| PublishedGroup {
            key: g.key.clone(),
            figures: PublishedFigures {
                contacts: contacts[i],
                individuals: individuals[i],
                new_individuals: new[i],
                unidentified_contacts: Cell::Shown(0),
            },
        })
        .collect();
    let margins = margins_out
        .into_iter()
        .map(
            |((dims, key), (contacts, new_individuals))| PublishedMargin {
                key: dims
                    .iter()
                    .zip(&key)
                    .map(|(&d, &k)| values[d][k].clone())
                    .collect(),
                dims,
                contacts,
                new_individuals,
            },
        )
        .collect();
    PublishedResult {
        from: result.from.clone(),
        to: result.to.clone(),
        threshold: Some(t),
        perturbed: false,
        totals: PublishedFigures {
            contacts: total_contacts,
            individuals: total_individuals,
            new_individuals: total_new,
            unidentified_contacts: unidentified,
        },
        field_nights: result.field_nights,
        by: by.clone(),
        groups,
        margins,
    }
}

/// What other figures tell of each group and of the total: lower and upper bounds; and of
/// the linked tables' figures (`nodes`, where one is hidden here but another figure of the
/// same group is shown there: new individuals ≤ individuals ≤ contacts).
struct Extra {
    lo: Vec<u64>,
    hi: Vec<u64>,
    total_lo: u64,
    total_hi: u64,
    nodes: HashMap<Node, (u64, u64)>,
}

impl Extra {
    fn none(n: usize) -> Extra {
        Extra {
            lo: vec![0; n],
            hi: vec![u64::MAX; n],
            total_lo: 0,
            total_hi: u64::MAX,
            nodes: HashMap::new(),
        }
    }
}

/// A margin: the dimensions it keeps and their value indices.
type MarginKey = (Vec<usize>, Vec<usize>);

/// Primary suppression of one count.
fn primary(v: u64, t: u64) -> Cell {
    if v > 0 && v < t {
        Cell::Small
    } else {
        Cell::Shown(v)
    }
}

/// Primary suppression, or hidden regardless when `force` (and not zero).
fn primary_or(v: u64, t: u64, force: bool) -> Cell {
    match primary(v, t) {
        Cell::Shown(v) if force && v > 0 => Cell::Hidden,
        c => c,
    }
}

/// What the attacker knows of a count that is hidden: its interval.
fn bounds(v: u64, t: u64) -> (u64, u64) {
    if v < t {
        (1, t - 1)
    } else {
        (t, u64::MAX)
    }
}

/// What a non-additive figure's published cells and the figures above them (the total and
/// the linked tables' groups, `fixed`) tell of each cell: a lower and an upper bound (the value
/// itself where it is shown). Each cell is at most any figure above it; a figure above is at
/// most the sum of the cells under it, so a cell is at least that figure minus the others'
/// upper bounds.
fn derived_bounds(
    out: &[Cell],
    total: u64,
    total_cell: Cell,
    keys: &[Vec<usize>],
    t: u64,
    fixed: &HashMap<Node, (u64, Cell)>,
) -> (Vec<u64>, Vec<u64>) {
    let _ = total;
    let mut lo: Vec<u64> = out
        .iter()
        .map(|c| match c {
            Cell::Shown(v) => *v,
            Cell::Small => 1,
            Cell::Hidden => t,
        })
        .collect();
    let mut hi: Vec<u64> = out
        .iter()
        .map(|c| match c {
            Cell::Shown(v) => *v,
            Cell::Small => t - 1,
            Cell::Hidden => u64::MAX,
        })
        .collect();
    let n = keys.first().map_or(0, Vec::len);
    let full = (1u32 << n) - 1;
    let mut parents: BTreeMap<Node, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        for mask in 0..full {
            let node = project(mask, key);
            if mask == 0 || fixed.contains_key(&node) {
                parents.entry(node).or_default().push(i);
            }
        }
    }
    let shown_value = |node: &Node| -> Option<u64> {
        if node.0 == 0 {
            fixed.get(node).map_or(total_cell, |f| f.1).value()
        } else {
            fixed.get(node).and_then(|f| f.1.value())
        }
    };
    for _ in 0..2 {
        for (node, under) in &parents {
            let Some(p) = shown_value(node) else { continue };
            let upper_sum: u64 = under.iter().fold(0u64, |a, &i| a.saturating_add(hi[i]));
            for &i in under {
                hi[i] = hi[i].min(p);
                let others = upper_sum.saturating_sub(hi[i]);
                lo[i] = lo[i].max(p.saturating_sub(others));
            }
        }
    }
    (lo, hi)
}

/// Non-additive figures: each group is at most every figure of fewer dimensions above it (the
/// total, a row of a linked table), and each such figure at most the sum of the groups under
/// it. A shown figure pins a hidden group down only when it forces every hidden group under
/// it to its upper bound; then the smallest shown group under it is hidden as well. A hidden
/// figure above (a linked table's, kept hidden here) is pinned down when the groups under it
/// leave it one value; then the largest shown group under it is hidden. Ungrouped, or where no
/// linked table gives the total, the total is hidden when nothing else can be.
fn non_additive(
    cells: &[u64],
    total: u64,
    keys: &[Vec<usize>],
    t: u64,
    forced: &[usize],
    fixed: &HashMap<Node, (u64, Cell)>,
    extra: &Extra,
) -> (Vec<Cell>, Cell) {
    let n = keys.first().map_or(0, Vec::len);
    let mut out: Vec<Cell> = cells
        .iter()
        .enumerate()
        .map(|(i, &v)| primary_or(v, t, forced.contains(&i)))
        .collect();
    let total_node = project(0, &vec![NONE; n]);
    let total_fixed = fixed.get(&total_node).map(|&(_, c)| c);
    let mut total_cell = total_fixed.unwrap_or_else(|| primary(total, t));
    // Every figure above the groups: the total and each linked table's group, with the groups
    // under it.
    let mut members: BTreeMap<Node, Vec<usize>> = BTreeMap::new();
    members.insert(total_node.clone(), (0..cells.len()).collect());
    let full = (1u32 << n) - 1;
    for (i, key) in keys.iter().enumerate() {
        for mask in 1..full {
            let node = project(mask, key);
            if fixed.contains_key(&node) {
                members.entry(node).or_default().push(i);
            }
        }
    }
    // Small groups published as `..` (any count from 1) where nothing else protects them.
    let mut relabeled = vec![false; cells.len()];
    let upper_of = |i: usize, c: Cell, above: u64, relabeled: &[bool]| match c {
        Cell::Shown(v) => v,
        Cell::Small if !relabeled[i] => t - 1,
        _ => above,
    };
    let lower_of = |i: usize, c: Cell, relabeled: &[bool]| match c {
        Cell::Shown(v) => v,
        _ if relabeled[i] => 1,
        Cell::Small => 1,
        Cell::Hidden => t,
    };
    loop {
        let mut changed = false;
        for (node, under) in &members {
            let (value, cell) = if *node == total_node {
                (total, total_cell)
            } else {
                fixed[node]
            };
            let (lo_bound, hi_bound) = if *node == total_node {
                (extra.total_lo, extra.total_hi)
            } else {
                extra.nodes.get(node).copied().unwrap_or((0, u64::MAX))
            };
            match cell {
                Cell::Shown(above) => {
                    // A hidden group c is pinned down when the smallest value `above` leaves it
                    // (above - shown - the others' upper bounds) reaches its own upper bound.
                    let shown: u64 = under.iter().filter_map(|&i| out[i].value()).sum();
                    let upper = |i: usize| upper_of(i, out[i], above, &relabeled).min(extra.hi[i]);
                    let hidden_upper: u64 = under
                        .iter()
                        .filter(|&&i| out[i].is_hidden())
                        .map(|&i| upper(i))
                        .fold(0u64, |a, b| a.saturating_add(b));
                    let pinned = under.iter().any(|&i| {
                        out[i].is_hidden() && {
                            let others = hidden_upper.saturating_sub(upper(i));
                            let lowest = above.saturating_sub(shown).saturating_sub(others);
                            let own_lowest = lower_of(i, out[i], &relabeled).max(extra.lo[i]);
                            lowest.max(own_lowest) >= upper(i).min(above)
                        }
                    });
                    if !pinned {
                        continue;
                    }
                    let pick = under
                        .iter()
                        .copied()
                        .filter(|&i| cells[i] >= t && out[i] == Cell::Shown(cells[i]))
                        .min_by_key(|&i| (cells[i], i));
                    match pick {
                        Some(i) => {
                            out[i] = Cell::Hidden;
                            changed = true;
                        }
                        None if *node == total_node && total_fixed.is_none() && total > 0 => {
                            total_cell = Cell::Hidden;
                            changed = true;
                        }
                        // Nothing left to hide under a figure a linked table shows: a small
                        // group under it is published as `..` instead of `<5`.
                        None => {
                            if let Some(i) = under
                                .iter()
                                .copied()
                                .find(|&i| out[i] == Cell::Small && !relabeled[i])
                            {
                                relabeled[i] = true;
                                changed = true;
                            }
                        }
                    }
                }
                Cell::Small | Cell::Hidden => {
                    // What the groups under it leave of it: at least the largest, at most the
                    // sum.
                    let (own_lo, own_hi) = bounds(value, t);
                    let lo = under
                        .iter()
                        .map(|&i| lower_of(i, out[i], &relabeled).max(extra.lo[i]))
                        .max()
                        .unwrap_or(0)
                        .max(own_lo)
                        .max(lo_bound);
                    let hi = under
                        .iter()
                        .map(|&i| upper_of(i, out[i], u64::MAX, &relabeled).min(extra.hi[i]))
                        .fold(0u64, |a, b| a.saturating_add(b))
                        .min(own_hi)
                        .min(hi_bound);
                    if lo < hi {
                        continue;
                    }
                    let pick = under
                        .iter()
                        .copied()
                        .filter(|&i| cells[i] >= t && out[i] == Cell::Shown(cells[i]))
                        .max_by_key(|&i| (cells[i], std::cmp::Reverse(i)));
                    if let Some(i) = pick {
                        out[i] = Cell::Hidden;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (c, r) in out.iter_mut().zip(&relabeled) {
        if *r {
            *c = Cell::Hidden;
        }
    }
    (out, total_cell)
}

/// A node of the table of margins: which dimensions it keeps (a bit mask) and their values
/// (`usize::MAX` for the dimensions summed over).
type Node = (u32, Vec<usize>);

/// The groups of an additive figure with all their margins, for protection by moves.
struct Lattice {
    n: usize,
    sizes: Vec<usize>,
    t: u64,
    /// Every node with a non-zero value (a node not here is zero).
    value: HashMap<Node, u64>,
    hidden: HashSet<Node>,
    protected: HashSet<Node>,
    /// Nodes a linked table shows: no move may change them.
    fixed_shown: HashSet<Node>,
    /// Masks that sum over a dimension with several values per contact: their figures are
    /// not the sums of the cells under them (checked apart, by bounds), so moves ignore them.
    loose: HashSet<u32>,
    /// What the linked tables publish, by node.
    fixed_cells: HashMap<Node, Cell>,
    /// Small cells published as `..` (hidden, any count from 1), where `<5` would leave some
    /// hidden count no move: only where a table is so small that nothing else protects it.
    relabeled: HashSet<Node>,
    /// Set for a table so small that it needs relabeled cells: every `..` then counts as what
    /// it says, at least 1, not as at least the threshold.
    weak: bool,
    cells: Vec<Vec<usize>>,
    /// The masks that are part of the table: all of them.
    full: u32,
    /// Bounds other figures put on a cell or the total.
    limits: HashMap<Node, (u64, u64)>,
}

const NONE: usize = usize::MAX;

impl Lattice {
    /// The lattice of `cells`, its margins taken from `fixed` (what the linked tables publish).
    /// A mask where a linked figure is not the sum of the cells under it is loose.
    fn new(
        keys: &[Vec<usize>],
        cells: &[u64],
        sizes: Vec<usize>,
        t: u64,
        extra: &Extra,
        fixed: &HashMap<Node, (u64, Cell)>,
    ) -> Lattice {
        let n = sizes.len();
        let full = (1u32 << n) - 1;
        let mut value: HashMap<Node, u64> = HashMap::new();
        for (key, &v) in keys.iter().zip(cells) {
            if v == 0 {
                continue;
            }
            for mask in 0..=full {
                *value.entry(project(mask, key)).or_insert(0) += v;
            }
        }
        let mut loose: HashSet<u32> = HashSet::new();
        for (node, (exact, _)) in fixed {
            if value.get(node).copied().unwrap_or(0) != *exact {
                loose.insert(node.0);
            }
        }
        let mut hidden = HashSet::new();
        let mut fixed_shown = HashSet::new();
        for (node, (_, cell)) in fixed {
            if loose.contains(&node.0) {
                continue;
            }
            if cell.is_hidden() {
                hidden.insert(node.clone());
            } else {
                fixed_shown.insert(node.clone());
            }
        }
        for (node, &v) in &value {
            if v < t && !fixed.contains_key(node) && !loose.contains(&node.0) {
                hidden.insert(node.clone());
            }
        }
        let mut limits: HashMap<Node, (u64, u64)> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            limits.insert(project(full, key), (extra.lo[i], extra.hi[i]));
        }
        for (node, &b) in &extra.nodes {
            limits.entry(node.clone()).or_insert(b);
        }
        limits.insert(project(0, &vec![NONE; n]), (extra.total_lo, extra.total_hi));
        Lattice {
            n,
            sizes,
            t,
            value,
            hidden,
            protected: HashSet::new(),
            fixed_shown,
            loose,
            fixed_cells: fixed.iter().map(|(k, v)| (k.clone(), v.1)).collect(),
            relabeled: HashSet::new(),
            weak: false,
            cells: keys.to_vec(),
            full,
            limits,
        }
    }

    fn get(&self, node: &Node) -> u64 {
        self.value.get(node).copied().unwrap_or(0)
    }

    /// What the attacker knows of a hidden node.
    fn node_bounds(&self, node: &Node) -> (u64, u64) {
        if self.relabeled.contains(node) || (self.weak && self.get(node) >= self.t) {
            (1, u64::MAX)
        } else {
            bounds(self.get(node), self.t)
        }
    }

    /// Protects every small count; returns the cells (in input order), the total and every
    /// margin strictly between them, as published.
    #[allow(clippy::type_complexity)]
    fn protect(
        mut self,
        forced: &[usize],
    ) -> (Vec<Cell>, Cell, Vec<(u32, Vec<usize>, Cell)>, bool) {
        let mut fell_back = false;
        for &i in forced {
            let node = project(self.full, &self.cells[i]);
            if self.get(&node) > 0 {
                self.hidden.insert(node);
            }
        }
        // Cells first (they are what is read most), then the margins from the finest down, each
        // in key order: deterministic.
        let mut todo: Vec<Node> = self.hidden.iter().cloned().collect();
        todo.sort_by(|a, b| {
            b.0.count_ones()
                .cmp(&a.0.count_ones())
                .then_with(|| a.cmp(b))
        });
        for node in todo {
            if self.protected.contains(&node) {
                continue;
            }
            match self.best_move(&node) {
                Some(mv) => {
                    for (m, _) in mv {
                        self.hidden.insert(m.clone());
                        self.protected.insert(m);
                    }
                }
                None => {
                    // No move within reach: hide every non-zero count of the table (the
                    // margins are the linked tables': they keep what those show).
                    fell_back = true;
                    // (Not those the other figures already pin down: hiding them says
                    // nothing and only seems to.)
                    let all: Vec<Node> = self
                        .value
                        .keys()
                        .filter(|m| m.0 == self.full)
                        .filter(|m| {
                            let (lo, hi) = self.node_bounds(m);
                            let (l, h) = self.limits.get(*m).copied().unwrap_or((0, u64::MAX));
                            lo.max(l) < hi.min(h)
                        })
                        .cloned()
                        .collect();
                    for m in all {
                        self.hidden.insert(m.clone());
                        self.protected.insert(m);
                    }
                    // Still no move (a table so small that its margins, which the linked
                    // tables show, pin it): publish the small cells under the node as `..`,
                    // which says only "hidden, at least 1", and look again.
                    if self.best_move(&node).is_none() {
                        let under: Vec<Node> = self
                            .value
                            .iter()
                            .filter(|(m, &v)| {
                                m.0 == self.full && v < self.t && project(node.0, &m.1) == node
                            })
                            .map(|(m, _)| m.clone())
                            .collect();
                        self.relabeled.extend(under);
                        self.weak = true;
                        if let Some(mv) = self.best_move(&node) {
                            for (m, _) in mv {
                                self.hidden.insert(m.clone());
                                self.protected.insert(m);
                            }
                        }
                    }
                }
            }
        }
        let cell = |s: &Lattice, node: &Node| {
            let v = s.get(node);
            if s.loose.contains(&node.0) {
                return s.fixed_cells.get(node).copied().unwrap_or(Cell::Hidden);
            }
            if !s.hidden.contains(node) {
                Cell::Shown(v)
            } else if v < s.t && !s.relabeled.contains(node) {
                Cell::Small
            } else {
                Cell::Hidden
            }
        };
        let cells = self
            .cells
            .iter()
            .map(|k| cell(&self, &project(self.full, k)))
            .collect();
        let total = cell(&self, &project(0, &vec![NONE; self.n]));
        let mut margins: Vec<(u32, Vec<usize>, Cell)> = Vec::new();
        let mut seen: HashSet<Node> = HashSet::new();
        for k in &self.cells {
            for mask in 1..self.full {
                let node = project(mask, k);
                if seen.insert(node.clone()) {
                    let c = cell(&self, &node);
                    margins.push((node.0, node.1, c));
                }
            }
        }
        (cells, total, margins, fell_back)
    }

    /// The cheapest move that changes `node`: a list of (node, change). `None` if none is
    /// found.
    fn best_move(&self, node: &Node) -> Option<Vec<(Node, i64)>> {
        let (mask, key) = node;
        let mut best: Option<(u64, Vec<(Node, i64)>)> = None;
        // The dimensions that vary in the move: all of the node's first, then fewer.
        let mut subsets: Vec<u32> = (0..=*mask).filter(|s| s & !mask == 0).collect();
        subsets.sort_by_key(|s| std::cmp::Reverse(s.count_ones()));
        for vary in subsets {
            let free: Vec<usize> = (0..self.n).filter(|d| mask & (1 << d) == 0).collect();
            let varying: Vec<usize> = (0..self.n).filter(|d| vary & (1 << d) != 0).collect();
            // Choices: an alternative value per varying dimension, a value per free one.
            let mut choices: Vec<Vec<usize>> = Vec::new();
            for &d in &varying {
                // Only values whose sibling of the node is not zero: the move changes it.
                choices.push(
                    (0..self.sizes[d])
                        .filter(|&v| {
                            v != key[d] && {
                                let mut k = key.clone();
                                k[d] = v;
                                self.get(&(*mask, k)) > 0
                            }
                        })
                        .collect(),
                );
            }
            for &d in &free {
                choices.push((0..self.sizes[d]).collect());
            }
            if choices.iter().any(Vec::is_empty) {
                continue;
            }
            let mut budget = 5_000usize;
            let mut pick = vec![0usize; choices.len()];
            'combos: loop {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let mut base = key.clone();
                let mut alt = key.clone();
                for (i, &d) in varying.iter().enumerate() {
                    alt[d] = choices[i][pick[i]];
                }
                for (j, &d) in free.iter().enumerate() {
                    let v = choices[varying.len() + j][pick[varying.len() + j]];
                    base[d] = v;
                    alt[d] = v;
                }
                if let Some(mv) = self.move_for(vary, &varying, &base, &alt) {
                    let cost = self.cost(&mv);
                    if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                        let zero = cost == 0;
                        best = Some((cost, mv));
                        if zero {
                            break 'combos;
                        }
                    }
                }
                // Next combination.
                let mut i = 0;
                loop {
                    if i == pick.len() {
                        break 'combos;
                    }
                    pick[i] += 1;
                    if pick[i] < choices[i].len() {
                        break;
                    }
                    pick[i] = 0;
                    i += 1;
                }
            }
            if best.is_some() {
                break;
            }
        }
        best.map(|(_, mv)| mv)
    }

    /// The move on the cube with corners `base`/`alt` in the dimensions `varying` (full cell
    /// keys): every node keeping all of `varying` changes by the corner's sign. `None` if a
    /// changed node is zero or would leave its bounds in both directions.
    fn move_for(
        &self,
        vary: u32,
        varying: &[usize],
        base: &[usize],
        alt: &[usize],
    ) -> Option<Vec<(Node, i64)>> {
        let mut changes: Vec<(Node, i64)> = Vec::new();
        for corner in 0..(1u32 << varying.len()) {
            let mut key = base.to_vec();
            let mut sign = 1i64;
            for (i, &d) in varying.iter().enumerate() {
                if corner & (1 << i) != 0 {
                    key[d] = alt[d];
                    sign = -sign;
                }
            }
            for mask in 0..=self.full {
                if mask & vary == vary && !self.loose.contains(&mask) {
                    let node = project(mask, &key);
                    if self.get(&node) == 0 || self.fixed_shown.contains(&node) {
                        return None;
                    }
                    changes.push((node, sign));
                }
            }
        }
        let fits = |dir: i64| {
            changes.iter().all(|(node, s)| {
                let v = self.get(node);
                let (lo, hi) = self.node_bounds(node);
                let (lo, hi) = match self.limits.get(node) {
                    Some(&(l, h)) => (lo.max(l), hi.min(h)),
                    None => (lo, hi),
                };
                let nv = v as i128 + i128::from(dir * s);
                nv >= i128::from(lo) && nv <= i128::from(hi)
            })
        };
        (fits(1) || fits(-1)).then_some(changes)
    }

    /// What a move costs in information: the counts it newly hides, margins dearer than cells
    /// and the total dearest.
    fn cost(&self, mv: &[(Node, i64)]) -> u64 {
        mv.iter()
            .filter(|(node, _)| !self.hidden.contains(node))
            .map(|(node, _)| {
                let level = self.n as u32 - node.0.count_ones();
                let weight = match level {
                    0 => 0,
                    _ if node.0 == 0 => 1_000_000_000,
                    l => 1_000_000 * u64::from(l),
                };
                weight + self.get(node)
            })
            .sum()
    }
}

fn project(mask: u32, key: &[usize]) -> Node {
    (
        mask,
        key.iter()
            .enumerate()
            .map(|(d, &v)| if mask & (1 << d) != 0 { v } else { NONE })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Group;

    /// Contacts as given; individuals about half of them (each person met about twice).
    fn result(by: Vec<Dimension>, groups: Vec<(Vec<&str>, u64)>) -> StatsResult {
        let total: u64 = groups.iter().map(|g| g.1).sum();
        StatsResult {
            from: None,
            to: None,
            totals: Figures {
                contacts: total,
                individuals: total / 2,
                new_individuals: 0,
                unidentified_contacts: 0,
            },
            field_nights: 0,
            by,
            groups: groups
                .into_iter()
                .map(|(k, v)| Group {
                    key: k.into_iter().map(String::from).collect(),
                    figures: Figures {
                        contacts: v,
                        individuals: v.div_ceil(2),
                        new_individuals: 0,
                        unidentified_contacts: 0,
                    },
                    keys: Default::default(),
                })
                .collect(),
            keys: Default::default(),
        }
    }

    /// The table and its linked tables, counted from its groups (contacts summed; individuals
    /// about half of them, as in `result`).
    fn family(r: &StatsResult) -> Vec<StatsResult> {
        linked_groupings(&r.by)
            .into_iter()
            .map(|by| {
                let pos: Vec<usize> = by
                    .iter()
                    .map(|d| r.by.iter().position(|x| x == d).unwrap())
                    .collect();
                let mut sums: BTreeMap<Vec<String>, u64> = BTreeMap::new();
                for g in &r.groups {
                    let key = pos.iter().map(|&p| g.key[p].clone()).collect();
                    *sums.entry(key).or_default() += g.figures.contacts;
                }
                let groups = if by.is_empty() { BTreeMap::new() } else { sums };
                if by == r.by {
                    return r.clone();
                }
                let mut sub = result(
                    by,
                    groups
                        .iter()
                        .map(|(k, &v)| (k.iter().map(String::as_str).collect(), v))
                        .collect(),
                );
                sub.totals = r.totals;
                sub
            })
            .collect()
    }

    fn publish(r: &StatsResult, t: u64) -> PublishedResult {
        publish_linked(&family(r), t)
    }

    #[test]
    fn linked_groupings_go_from_the_total_to_the_table() {
        let g = linked_groupings(&[Dimension::Role, Dimension::Gender, Dimension::Year]);
        assert_eq!(g.len(), 8);
        assert_eq!(g[0], []);
        assert_eq!(g[1], [Dimension::Role]);
        assert_eq!(g[4], [Dimension::Role, Dimension::Gender]);
        assert_eq!(g[7], [Dimension::Role, Dimension::Gender, Dimension::Year]);
    }

    #[test]
    fn siblings_share_a_margin_of_at_most_one_dimension() {
        use Dimension::*;
        let s = sibling_groupings(&[Gender, Role]);
        // Through gender, through role, and through the total.
        assert!(s.contains(&vec![Gender, ContactType]));
        assert!(s.contains(&vec![Role, District]));
        assert!(s.contains(&vec![District]));
        // Never the table, its margins, or a table of three dimensions.
        assert!(!s
            .iter()
            .any(|g| g.iter().all(|d| [Gender, Role].contains(d))));
        assert!(s.iter().all(|g| g.len() <= 2));
        // A month lies in a year: `--by gender,month` is a table of three.
        assert!(s.contains(&vec![Year, Month]));
        assert!(s
            .iter()
            .filter(|g| g.contains(&Month))
            .all(|g| g == &vec![Year, Month]));
        assert_eq!(
            s.len(),
            // 11 other dimensions through each of gender and role, but `month` adds `year`
            // (three dimensions); through the total, the 11 one-way tables (`month` as year x
            // month).
            10 + 10 + 11
        );
        let by_month = sibling_groupings(&canonical_grouping(&[Month]));
        assert!(by_month.contains(&vec![Year, Gender]));
        assert!(by_month.contains(&vec![Gender]));
        assert!(!by_month.contains(&vec![Year]));
    }

    /// The attack in small: a two-way table hides one cell in a row; the row's total
    /// is the one-way table's, published on its own, so the hidden cells must still be hidden
    /// in pairs within the row, never by hiding the row's total.
    #[test]
    fn a_two_way_table_keeps_the_one_way_tables_figures() {
        let r = result(
            vec![Dimension::Gender, Dimension::District],
            vec![
                (vec!["woman", "a"], 30),
                (vec!["woman", "b"], 20),
                (vec!["unknown", "a"], 9),
                (vec!["unknown", "b"], 1),
                (vec!["unknown", "c"], 7),
                (vec!["man", "a"], 12),
                (vec!["man", "c"], 15),
            ],
        );
        let two = publish(&r, 5);
        let by_gender = publish(&family(&r)[1], 5);
        let by_district = publish(&family(&r)[2], 5);
        // Every margin of the two-way table is what the one-way tables show.
        for m in &two.margins {
            let one = if m.dims == [0] {
                &by_gender
            } else {
                &by_district
            };
            let g = one.groups.iter().find(|g| g.key == m.key).unwrap();
            assert_eq!(m.contacts, Some(g.figures.contacts), "{m:?}");
        }
        assert_eq!(two.totals.contacts, by_gender.totals.contacts);
        // The small cell has a partner in its row and in its column.
        let hidden = |k: [&str; 2]| {
            two.groups
                .iter()
                .find(|g| g.key == k)
                .unwrap()
                .figures
                .contacts
                .is_hidden()
        };
        assert!(hidden(["unknown", "b"]));
        assert!(hidden(["unknown", "a"]) || hidden(["unknown", "c"]));
        assert!(hidden(["woman", "b"]));
    }

    #[test]
    fn a_lone_small_group_takes_a_partner() {
        let r = result(
            vec![Dimension::Role],
            vec![(vec!["sells"], 40), (vec!["buys"], 3), (vec!["other"], 9)],
        );
        let p = publish(&r, 5);
        let c: Vec<Cell> = p.groups.iter().map(|g| g.figures.contacts).collect();
        assert_eq!(c, [Cell::Shown(40), Cell::Small, Cell::Hidden]);
        assert_eq!(p.totals.contacts, Cell::Shown(52));
    }

    #[test]
    fn zero_stays_zero_and_large_counts_stay() {
        let r = result(
            vec![Dimension::Role],
            vec![(vec!["sells"], 40), (vec!["buys"], 0), (vec!["other"], 9)],
        );
        let p = publish(&r, 5);
        let c: Vec<Cell> = p.groups.iter().map(|g| g.figures.contacts).collect();
        assert_eq!(c, [Cell::Shown(40), Cell::Shown(0), Cell::Shown(9)]);
        assert!(!p.any_hidden());
    }

    #[test]
    fn the_total_is_the_ungrouped_tables() {
        // 4 + 4 = 8: the ungrouped table shows 8, so this one cannot hide it (the documented
        // limit: docs/statistics.md, "Limits").
        let r = result(
            vec![Dimension::Role],
            vec![(vec!["sells"], 4), (vec!["buys"], 4)],
        );
        let p = publish(&r, 5);
        assert_eq!(p.totals.contacts, Cell::Shown(8));
        assert_eq!(publish(&family(&r)[0], 5).totals.contacts, Cell::Shown(8));
    }

    #[test]
    fn two_way_tables_hide_a_rectangle() {
        let r = result(
            vec![Dimension::Role, Dimension::Gender],
            vec![
                (vec!["sells", "woman"], 50),
                (vec!["sells", "man"], 2),
                (vec!["buys", "woman"], 30),
                (vec!["buys", "man"], 20),
            ],
        );
        let p = publish(&r, 5);
        let hidden = p
            .groups
            .iter()
            .filter(|g| g.figures.contacts.is_hidden())
            .count();
        assert_eq!(hidden, 4, "{:?}", p.groups);
        assert_eq!(p.totals.contacts, Cell::Shown(102));
        // Margins are given and shown: the rectangle keeps every row and column sum.
        assert_eq!(p.margins.len(), 4);
        assert!(p
            .margins
            .iter()
            .all(|m| m.contacts.is_some_and(|c| !c.is_hidden())));
    }

    #[test]
    fn the_threshold_has_a_floor() {
        let r = result(vec![], vec![]);
        assert_eq!(publish(&r, 1).threshold, Some(MIN_THRESHOLD));
    }
}
