//! The chart of the HTML report: contacts and individuals per year as inline SVG.

use std::fmt::Write as _;

use super::html::esc;
use super::text::ReportText;
use super::Report;
use crate::i18n::Lang;
use crate::stats::publish::Cell;

impl Report {
    /// Contacts and individuals per year as an SVG bar chart; hidden counts get no bar, only
    /// their mark.
    pub(super) fn svg_chart(&self, lang: Lang) -> String {
        let l = lang.text();
        let t = ReportText::of(lang);
        let (table, months) = self.chart_groups();
        let groups = &table.groups;
        let max = Self::max_of(table);
        let title = if months {
            t.chart_title_months
        } else {
            t.chart_title
        };
        // A month as its short name (`2024-03` is "mar"), a year as itself.
        let label = |key: &str| -> String {
            match key.split_once('-') {
                Some((_, m)) if months => m
                    .parse::<usize>()
                    .ok()
                    .and_then(|m| t.months.get(m.wrapping_sub(1)))
                    .map_or(key.to_string(), |n| n.to_string()),
                _ => key.to_string(),
            }
        };
        let slot = 36u64;
        // Room above the bars for each bar's value, written upwards (a printed report has no
        // tooltips), and room on the right for the legend however few the groups.
        let (left, top, height) = (48u64, 64u64, 180u64);
        let legend_end = left + 134 + 8 * l.individuals.chars().count() as u64 + 8;
        let width = (left + slot * groups.len() as u64 + 16).max(legend_end);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"{}\">",
            top + height + 40,
            top + height + 40,
            esc(title)
        );
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>",
            top + height,
            width - 8,
            top + height
        );
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            left - 4,
            top + 4,
            esc(&lang.number(max))
        );
        for (i, g) in groups.iter().enumerate() {
            let x = left + slot * i as u64 + 4;
            for (j, (c, class)) in [
                (g.figures.contacts, "contacts"),
                (g.figures.individuals, "individuals"),
            ]
            .into_iter()
            .enumerate()
            {
                let bx = x + 14 * j as u64;
                match c {
                    Cell::Shown(v) => {
                        let h = (v * height).div_ceil(max);
                        let _ = writeln!(
                            o,
                            "<rect x=\"{bx}\" y=\"{}\" width=\"12\" height=\"{h}\" class=\"{class}\"><title>{} {}: {}</title></rect>",
                            top + height - h,
                            esc(&label(&g.key[0])),
                            esc(if j == 0 { l.contacts } else { l.individuals }),
                            esc(&lang.number(v))
                        );
                        let (vx, vy) = (bx + 9, top + height - h - 3);
                        let _ = writeln!(
                            o,
                            "<text x=\"{vx}\" y=\"{vy}\" class=\"value\" transform=\"rotate(-90 {vx} {vy})\">{}</text>",
                            esc(&lang.number(v))
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            o,
                            "<text x=\"{}\" y=\"{}\" class=\"mark\" text-anchor=\"middle\">{}</text>",
                            bx + 6,
                            top + height - 4,
                            esc(&self.cell(c, lang))
                        );
                    }
                }
            }
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\" transform=\"rotate(-45 {} {})\">{}</text>",
                x + 13,
                top + height + 16,
                x + 13,
                top + height + 16,
                esc(&label(&g.key[0]))
            );
        }
        let _ = writeln!(
            o,
            "<rect x=\"{left}\" y=\"6\" width=\"10\" height=\"10\" class=\"contacts\"/><text x=\"{}\" y=\"15\" class=\"tick\">{}</text>",
            left + 14,
            esc(l.contacts)
        );
        let _ = writeln!(
            o,
            "<rect x=\"{}\" y=\"6\" width=\"10\" height=\"10\" class=\"individuals\"/><text x=\"{}\" y=\"15\" class=\"tick\">{}</text>",
            left + 120,
            left + 134,
            esc(l.individuals)
        );
        let _ = writeln!(
            o,
            "</svg>\n<figcaption>{}</figcaption>\n</figure>",
            esc(title)
        );
        o
    }
}
