//! The documentation that lists values is checked against the values themselves, so it cannot
//! drift from the code.

use uppsok::domain::{AgeBand, ConcernReport, ContactType, Counterpart, Gender, Referral, Role};
use uppsok::i18n::Lang;

/// Every row `| column | `spelling` | English | Swedish |` of docs/csv-format.md's value table.
fn documented_values() -> Vec<(String, String, String, String)> {
    let doc = std::fs::read_to_string("docs/csv-format.md").unwrap();
    doc.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 6 && cells[2].starts_with('`') && cells[1] != "column").then(|| {
                (
                    cells[1].to_string(),
                    cells[2].trim_matches('`').to_string(),
                    cells[3].to_string(),
                    cells[4].to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn the_csv_format_lists_every_value_with_both_labels() {
    let mut expected: Vec<(String, String, String, String)> = Vec::new();
    macro_rules! all {
        ($column:literal, $t:ty) => {
            for v in <$t>::ALL {
                expected.push((
                    $column.into(),
                    v.as_str().into(),
                    v.label(Lang::En).into(),
                    v.label(Lang::Sv).into(),
                ));
            }
        };
    }
    all!("role", Role);
    all!("gender", Gender);
    all!("age_band", AgeBand);
    all!("counterpart", Counterpart);
    all!("contact_type", ContactType);
    all!("referrals", Referral);
    for b in [true, false] {
        expected.push((
            "trafficking".into(),
            uppsok::domain::yes_no(b).into(),
            uppsok::domain::yes_no_label(b, Lang::En).into(),
            uppsok::domain::yes_no_label(b, Lang::Sv).into(),
        ));
    }
    all!("concern", ConcernReport);
    assert_eq!(
        documented_values(),
        expected,
        "docs/csv-format.md's value table"
    );
}

#[test]
fn the_csv_format_names_every_column() {
    let doc = std::fs::read_to_string("docs/csv-format.md").unwrap();
    for column in uppsok::csv_io::COLUMNS {
        assert!(doc.contains(&format!("| `{column}` |")), "{column}");
    }
}

#[test]
fn the_activity_values_are_listed_with_both_labels() {
    use uppsok::domain::{ActivityKind, Audience};
    let doc = std::fs::read_to_string("docs/commands.md").unwrap();
    let documented: Vec<(String, String, String, String)> = doc
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 6
                && cells[2].starts_with('`')
                && matches!(cells[1], "kind" | "audience"))
            .then(|| {
                (
                    cells[1].to_string(),
                    cells[2].trim_matches('`').to_string(),
                    cells[3].to_string(),
                    cells[4].to_string(),
                )
            })
        })
        .collect();
    let mut expected = Vec::new();
    for k in ActivityKind::ALL {
        expected.push((
            "kind".into(),
            k.as_str().into(),
            k.label(Lang::En).into(),
            k.label(Lang::Sv).into(),
        ));
    }
    for a in Audience::ALL {
        expected.push((
            "audience".into(),
            a.as_str().into(),
            a.label(Lang::En).into(),
            a.label(Lang::Sv).into(),
        ));
    }
    assert_eq!(documented, expected, "docs/commands.md's activity values");
}

/// docs/deploy.md's grants for the application's role are those the code and the tests use
/// (`storage::pg::app_grants`), and bench/pg_compare.py reads them from there.
#[test]
fn the_deploy_guides_grants_are_the_applications() {
    let deploy = std::fs::read_to_string("docs/deploy.md").expect("docs/deploy.md");
    let block = deploy
        .split("```sql\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .find(|b| b.starts_with("GRANT USAGE ON SCHEMA uppsok TO uppsok_app;"))
        .expect("the application's grants in docs/deploy.md");
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        lines(block),
        lines(&uppsok::storage::pg::app_grants("uppsok_app"))
    );
}
