//! The cell key method (docs/statistics.md, "The cell key method"): the alternative to
//! suppression that statistical offices moved to (Thompson, Broadfoot and Elazar 2013 for the
//! Australian Bureau of Statistics; Giessing and Tent 2019; Statistik Austria's `cellKey` and
//! `ptable`).
//!
//! Every contact and every person has a record key, a uniform random number in `[0, 1)` (here
//! a `u32`, a fraction of 2^32, derived under a sealed secret of the database). A cell's key is
//! the fractional part of the sum of its records' keys ([`super::CellKeys`]): the same records
//! give the same cell key in every table and every run. The perturbation table turns a count
//! and its cell key into the published value, so the same cell is published the same way
//! wherever it appears, and differencing two tables (other groupings, overlapping periods)
//! gives only noise.
//!
//! The table ([`PTABLE`]), with its parameters checked by the tests below and by
//! `tests/cellkey_publish.rs` over many draws:
//! * **maximum deviation 2**: a published count is within 2 of the true one;
//! * **unbiased**: the expected deviation is 0 for every count;
//! * **variance 1** for counts of 5 or more (less for 3 and 4, where counts 1 and 2 are not
//!   allowed below them);
//! * **no 1 or 2 is ever published**: a true 1 or 2 becomes 0 or 3, a true 3 stays 3 (with at
//!   most 2 of deviation and no 1 or 2 there is nowhere unbiased to move it), a true 4 becomes
//!   3, 4 or 5;
//! * **zero stays zero**: an empty cell is published as 0, a non-empty one may be published as
//!   0 (only a true 1 or 2).
//!
//! Totals are perturbed as cells of their own, so groups need not add up to them.

use super::publish::{Cell, PublishedFigures, PublishedResult};
use super::{CellKeys, Figures, StatsResult};

/// The largest deviation of a published count from the true one.
pub const MAX_DEVIATION: u64 = 2;
/// The variance of the deviation for counts of [`STEADY_FROM`] or more.
pub const VARIANCE: f64 = 1.0;
/// From this count on, every count has the same distribution of deviations.
pub const STEADY_FROM: u64 = 5;
/// Probabilities are in 48ths: every row's entries are whole 48ths, so a cell key picks an
/// entry exactly.
const PARTS: u64 = 48;

/// One row of the perturbation table: (deviation, probability in 48ths), in order.
type Row = &'static [(i64, u64)];

/// The perturbation table, by true count: 0, 1, 2, 3, 4, and 5 or more.
pub const PTABLE: [Row; 6] = [
    &[(0, 48)],
    // 1 → 0 (2/3) or 3 (1/3): mean 1.
    &[(-1, 32), (2, 16)],
    // 2 → 0 (1/3) or 3 (2/3): mean 2.
    &[(-2, 16), (1, 32)],
    // 3 stays 3.
    &[(0, 48)],
    // 4 → 3 (1/4), 4 (1/2), 5 (1/4).
    &[(-1, 12), (0, 24), (1, 12)],
    // n → n-2 (1/16), n-1 (1/4), n (3/8), n+1 (1/4), n+2 (1/16).
    &[(-2, 3), (-1, 12), (0, 18), (1, 12), (2, 3)],
];

/// The row of the table for a true count.
pub fn row(count: u64) -> Row {
    PTABLE[count.min(STEADY_FROM) as usize]
}

/// The published value of a count with the given cell key.
pub fn perturb(count: u64, cell_key: u32) -> u64 {
    // The cell key's place among 48 equal parts of [0, 1): exact for a uniform key.
    let part = (u64::from(cell_key) * PARTS) >> 32;
    let mut below = 0;
    for &(deviation, p) in row(count) {
        below += p;
        if part < below {
            return count.saturating_add_signed(deviation);
        }
    }
    unreachable!("every row sums to {PARTS}")
}

fn figures(f: &Figures, k: &CellKeys, grouped: bool) -> PublishedFigures {
    PublishedFigures {
        contacts: Cell::Shown(perturb(f.contacts, k.contacts)),
        individuals: Cell::Shown(perturb(f.individuals, k.individuals)),
        new_individuals: Cell::Shown(perturb(f.new_individuals, k.new_individuals)),
        // Not given per group (always 0 there, as in suppression).
        unidentified_contacts: if grouped {
            Cell::Shown(0)
        } else {
            Cell::Shown(perturb(f.unidentified_contacts, k.unidentified_contacts))
        },
    }
}

/// Publishes a result by the cell key method: every count perturbed by its cell key. The
/// result must have been counted with record keys (its cell keys filled in).
pub fn publish_cellkey(r: &StatsResult) -> PublishedResult {
    PublishedResult::each(r, true, figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_distribution_within_the_parameters() {
        for count in 0..=STEADY_FROM + 3 {
            let r = row(count);
            assert_eq!(r.iter().map(|e| e.1).sum::<u64>(), PARTS, "row {count}");
            let mean: f64 = r.iter().map(|&(d, p)| d as f64 * p as f64).sum::<f64>() / 48.0;
            assert!(mean.abs() < 1e-12, "row {count} is biased: {mean}");
            let var: f64 = r
                .iter()
                .map(|&(d, p)| (d * d) as f64 * p as f64)
                .sum::<f64>()
                / 48.0;
            if count >= STEADY_FROM {
                assert!((var - VARIANCE).abs() < 1e-12, "row {count}: {var}");
            } else {
                assert!(var <= 2.0, "row {count}: {var}");
            }
            for &(d, _) in r {
                let out = count as i64 + d;
                assert!(out >= 0 && d.unsigned_abs() <= MAX_DEVIATION);
                assert!(out != 1 && out != 2, "row {count} publishes {out}");
            }
        }
        assert_eq!(row(0), &[(0, 48)]);
    }

    #[test]
    fn the_cell_key_picks_the_entry() {
        assert_eq!(perturb(0, u32::MAX), 0);
        assert_eq!(perturb(1, 0), 0);
        assert_eq!(perturb(1, u32::MAX), 3);
        assert_eq!(perturb(10, 0), 8);
        assert_eq!(perturb(10, u32::MAX), 12);
        assert_eq!(perturb(10, u32::MAX / 2), 10);
        // The same count and key, the same value.
        assert_eq!(perturb(37, 123_456_789), perturb(37, 123_456_789));
    }
}
