//! The identifier detector against the labelled note set in tests/data/pii_notes.csv (made by
//! tests/data/make_pii_notes.py): at least 300 Swedish and English outreach notes, half with
//! identifiers. Recall and precision are counted per (note, kind) and asserted as a floor;
//! docs/audit.md reports the figures.

use std::collections::BTreeSet;

use uppsok::pii::find_identifiers;

struct Scores {
    notes: usize,
    with_identifiers: usize,
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
    misses: Vec<String>,
}

fn score() -> Scores {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pii_notes.csv");
    let mut reader = csv::Reader::from_path(path).expect("the labelled set");
    let mut s = Scores {
        notes: 0,
        with_identifiers: 0,
        true_pos: 0,
        false_pos: 0,
        false_neg: 0,
        misses: Vec::new(),
    };
    for rec in reader.records() {
        let rec = rec.expect("a CSV record");
        let note = &rec[0];
        let want: BTreeSet<&str> = rec[1].split(';').filter(|k| !k.is_empty()).collect();
        let got: BTreeSet<&str> = find_identifiers(note).iter().map(|k| k.as_str()).collect();
        s.notes += 1;
        if !want.is_empty() {
            s.with_identifiers += 1;
        }
        s.true_pos += want.intersection(&got).count();
        let fp = got.difference(&want).count();
        let fneg = want.difference(&got).count();
        s.false_pos += fp;
        s.false_neg += fneg;
        if fp + fneg > 0 {
            s.misses
                .push(format!("{note:?}: labelled {want:?}, found {got:?}"));
        }
    }
    s
}

#[test]
fn the_labelled_set_is_large_and_balanced() {
    let s = score();
    assert!(s.notes >= 300, "{} notes", s.notes);
    let share = s.with_identifiers as f64 / s.notes as f64;
    assert!((0.4..=0.6).contains(&share), "{share}");
}

#[test]
fn recall_and_precision_are_at_least_98_percent() {
    let s = score();
    let recall = s.true_pos as f64 / (s.true_pos + s.false_neg) as f64;
    let precision = s.true_pos as f64 / (s.true_pos + s.false_pos) as f64;
    println!(
        "notes {} (with identifiers {}); identifiers labelled {}; found {}; missed {}; false alarms {}; recall {:.4}; precision {:.4}",
        s.notes,
        s.with_identifiers,
        s.true_pos + s.false_neg,
        s.true_pos,
        s.false_neg,
        s.false_pos,
        recall,
        precision
    );
    for m in &s.misses {
        println!("  {m}");
    }
    assert!(recall >= 0.98, "recall {recall:.4}");
    assert!(precision >= 0.98, "precision {precision:.4}");
}
