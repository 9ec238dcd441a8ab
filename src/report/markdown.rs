//! The report as Markdown, with a text bar chart.

use std::fmt::Write as _;

use super::text::ReportText;
use super::Report;
use crate::i18n::Lang;
use crate::stats::publish::Cell;

impl Report {
    /// The report as Markdown, with a text bar chart.
    pub fn markdown(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        let mut o = String::new();
        let _ = writeln!(o, "# {}\n", self.title(lang));
        let _ = writeln!(o, "{}\n", self.period_line(lang));
        let _ = writeln!(o, "## {}\n\n{}\n", t.summary, self.summary(lang));
        let _ = writeln!(o, "## {}\n", t.key_figures);
        md_pairs(&mut o, &self.key_rows(lang));
        for (k, (heading, intro, header, rows, left, empty)) in
            self.sections(lang).into_iter().enumerate()
        {
            let _ = writeln!(o, "\n## {heading}\n");
            if !intro.is_empty() {
                let _ = writeln!(o, "{intro}\n");
            }
            if rows.is_empty() {
                if !empty.is_empty() {
                    let _ = writeln!(o, "{empty}");
                }
                continue;
            }
            md_table(&mut o, &header, &rows, left);
            if k == 0 {
                let _ = writeln!(o, "\n```text\n{}```", self.text_chart(lang));
            }
        }
        let _ = writeln!(o, "\n## {}\n", t.estimate_heading);
        match &self.estimate {
            Ok(e) => {
                md_pairs(&mut o, &self.estimate_rows(e, lang));
                let _ = writeln!(o, "\n{}", t.estimate_sentence(e, lang));
            }
            Err(true) => {
                let _ = writeln!(o, "{}", t.estimate_withheld);
            }
            Err(false) => {
                let _ = writeln!(o, "{}", t.estimate_empty);
            }
        }
        let _ = writeln!(o, "\n## {}\n", t.method);
        for n in self.method_notes(lang) {
            let _ = writeln!(o, "- {n}");
        }
        let _ = writeln!(o, "- {}", self.legend(lang));
        if let Some(cp) = &self.checkpoint {
            let _ = writeln!(o, "- {}: `{cp}`", t.checkpoint);
        }
        o
    }

    /// Contacts and individuals per year as text bars (for Markdown).
    fn text_chart(&self, lang: Lang) -> String {
        let l = lang.text();
        let groups = &self.totals().groups;
        let max = self.chart_max();
        let mut o = String::new();
        let lw = l
            .contacts
            .chars()
            .count()
            .max(l.individuals.chars().count());
        for g in groups {
            for (label, c, ch) in [
                (l.contacts, g.figures.contacts, '█'),
                (l.individuals, g.figures.individuals, '▒'),
            ] {
                let bar = match c {
                    Cell::Shown(v) => ch.to_string().repeat(((v * 40).div_ceil(max)) as usize),
                    _ => String::new(),
                };
                let _ = writeln!(
                    o,
                    "{}  {label:<lw$}  {bar} {}",
                    g.key[0],
                    self.cell(c, lang)
                );
            }
        }
        o
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "\\<")
}

fn md_pairs(o: &mut String, rows: &[(String, String)]) {
    let _ = writeln!(o, "| | |\n|---|---:|");
    for (l, v) in rows {
        let _ = writeln!(o, "| {} | {} |", md_escape(l), md_escape(v));
    }
}

fn md_table(o: &mut String, header: &[String], rows: &[Vec<String>], left: usize) {
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let align: Vec<&str> = (0..header.len())
        .map(|i| if i < left { "---" } else { "---:" })
        .collect();
    let _ = writeln!(o, "|{}|", align.join("|"));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
}
