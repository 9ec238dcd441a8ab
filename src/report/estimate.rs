//! The population estimate as `uppsok estimate` prints it: JSON as CONTRACT.md gives it, or
//! text for people with one sentence on what the figures mean.

use std::fmt::Write as _;

use super::text::{decimal, ReportText};
use crate::i18n::Lang;
use crate::stats::estimate::{one_decimal, Estimate, EstimateResult};

fn estimate_json(e: &Estimate) -> serde_json::Map<String, serde_json::Value> {
    let mut o = serde_json::Map::new();
    o.insert("observed".into(), e.observed.into());
    o.insert("f1".into(), e.f1.into());
    o.insert("f2".into(), e.f2.into());
    o.insert("estimate".into(), one_decimal(e.estimate).into());
    o.insert(
        "ci95".into(),
        vec![one_decimal(e.ci95.0), one_decimal(e.ci95.1)].into(),
    );
    o.insert("method".into(), "chao1-bc".into());
    o
}

/// JSON as CONTRACT.md gives it; with `--by year` also `groups`, one object per year.
pub fn json(r: &EstimateResult) -> String {
    let mut o = estimate_json(&r.all);
    if let Some(years) = &r.years {
        let groups: Vec<serde_json::Value> = years
            .iter()
            .map(|(y, e)| {
                let mut g = serde_json::Map::new();
                g.insert("year".into(), format!("{y:04}").into());
                g.extend(estimate_json(e));
                serde_json::Value::Object(g)
            })
            .collect();
        o.insert("groups".into(), groups.into());
    }
    let mut s = serde_json::to_string(&serde_json::Value::Object(o)).expect("JSON serialises");
    s.push('\n');
    s
}

/// Text for people: the figures, then one sentence on what they mean and assume.
pub fn text(r: &EstimateResult, lang: Lang) -> String {
    let t = ReportText::of(lang);
    let mut out = String::new();
    let period = match (&r.from, &r.to) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => lang.text().all_time.to_string(),
    };
    let _ = writeln!(out, "{}: {period}", lang.text().period);
    let e = &r.all;
    let rows = [
        (t.observed, lang.number(e.observed)),
        (t.f1, lang.number(e.f1)),
        (t.f2, lang.number(e.f2)),
        (t.estimate, decimal(e.estimate, lang)),
        (
            t.ci95,
            format!("{} – {}", decimal(e.ci95.0, lang), decimal(e.ci95.1, lang)),
        ),
    ];
    crate::stats::render::label_value_lines(&mut out, &rows);
    if let Some(years) = &r.years {
        out.push('\n');
        let header: Vec<String> = [lang.text().year, "S", "f1", "f2", t.estimate_short, t.ci95]
            .map(String::from)
            .to_vec();
        let body: Vec<Vec<String>> = years
            .iter()
            .map(|(y, e)| {
                vec![
                    format!("{y:04}"),
                    lang.number(e.observed),
                    lang.number(e.f1),
                    lang.number(e.f2),
                    decimal(e.estimate, lang),
                    format!("{} – {}", decimal(e.ci95.0, lang), decimal(e.ci95.1, lang)),
                ]
            })
            .collect();
        out.push_str(&crate::stats::render::aligned(&header, &body, 1));
    }
    out.push('\n');
    if e.observed == 0 {
        let _ = writeln!(out, "{}", t.estimate_empty);
    } else {
        let _ = writeln!(out, "{}", t.estimate_sentence(e, lang));
    }
    out
}
