//! The summary sentence at the top of the report.

use std::fmt::Write as _;

use super::text::{group_phrase, rounded_words, ReportText};
use super::Report;
use crate::i18n::Lang;
use crate::stats::publish::Cell;

impl Report {
    /// The summary in the style of the seed: "Sedan 2004 har enheten haft kontakt med drygt
    /// 400 individer; de flesta var kvinnor som sålde sex till män." Only shown figures are
    /// used, in rounded words.
    pub fn summary(&self, lang: Lang) -> String {
        let tot = &self.totals().totals;
        let words = |c: Cell| match c {
            Cell::Shown(n) => Some(rounded_words(n, self.threshold, lang)),
            Cell::Small => Some(rounded_words(1, self.threshold, lang)),
            Cell::Hidden => None,
        };
        let Some(from) = &self.period.from else {
            return ReportText::of(lang).nothing.to_string();
        };
        if tot.contacts == Cell::Shown(0) {
            return ReportText::of(lang).nothing.to_string();
        }
        let since = &from[..4];
        let mut s = match (lang, self.period.year, self.city) {
            (Lang::Sv, Some(y), false) => format!("Under {y} hade enheten"),
            (Lang::Sv, None, false) => format!("Sedan {since} har enheten haft"),
            (Lang::En, Some(y), false) => format!("In {y} the unit had"),
            (Lang::En, None, false) => format!("Since {since} the unit has had"),
            (Lang::Sv, Some(y), true) => format!("Under {y} hade stadens enheter"),
            (Lang::Sv, None, true) => format!("Sedan {since} har stadens enheter haft"),
            (Lang::En, Some(y), true) => format!("In {y} the city's units had"),
            (Lang::En, None, true) => format!("Since {since} the city's units have had"),
        };
        match (words(tot.contacts), lang) {
            (Some(c), Lang::Sv) => write!(s, " {c} kontakter med"),
            (Some(c), Lang::En) => write!(s, " {c} contacts with"),
            (None, Lang::Sv) => write!(s, " kontakt med"),
            (None, Lang::En) => write!(s, " contact with"),
        }
        .expect("writing to a string");
        match (words(tot.individuals), lang) {
            (Some(i), Lang::Sv) => write!(s, " {i} individer"),
            (Some(i), Lang::En) => write!(s, " {i} individuals"),
            (None, Lang::Sv) => write!(s, " ett antal individer"),
            (None, Lang::En) => write!(s, " a number of individuals"),
        }
        .expect("writing to a string");
        if let (Some(nw), Cell::Shown(_)) = (words(tot.new_individuals), tot.individuals) {
            match lang {
                Lang::Sv => write!(s, ", varav {nw} nya"),
                Lang::En => write!(s, ", {nw} of them new"),
            }
            .expect("writing to a string");
        }
        // The largest role × gender × counterpart group, when it is shown and named naturally.
        let who = self.tables.get(1).filter(|w| w.by.len() == 3);
        if let (Some(who), Cell::Shown(total)) = (who, tot.individuals) {
            let largest = who
                .groups
                .iter()
                .filter_map(|g| g.figures.individuals.value().map(|v| (v, g)))
                .max_by_key(|(v, _)| *v);
            if let Some((v, g)) = largest {
                if v >= self.threshold {
                    if let Some(p) = group_phrase(&g.key[0], &g.key[1], &g.key[2], lang) {
                        let most = 2 * v > total;
                        let lead = match (lang, most) {
                            (Lang::Sv, true) => "de flesta var",
                            (Lang::Sv, false) => "den största gruppen var",
                            (Lang::En, true) => "most were",
                            (Lang::En, false) => "the largest group were",
                        };
                        write!(s, "; {lead} {p}").expect("writing to a string");
                    }
                }
            }
        }
        s.push('.');
        s
    }
}
