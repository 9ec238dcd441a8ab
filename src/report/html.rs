//! The report as one self-contained HTML page: inline style and SVG (see `svg`), no script,
//! no external resource, and a Content-Security-Policy that forbids the page to fetch anything
//! (so even a figure or label that looked like markup could not make it call out).

use std::fmt::Write as _;

use super::text::ReportText;
use super::Report;
use crate::i18n::Lang;

impl Report {
    /// The report as one self-contained HTML page: inline style and SVG, no script, no
    /// external resource.
    pub fn html(&self, lang: Lang) -> String {
        let t = ReportText::of(lang);
        let code = match lang {
            Lang::En => "en",
            Lang::Sv => "sv",
        };
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<!DOCTYPE html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>",
            esc(&self.title(lang)),
            STYLE
        );
        let _ = writeln!(o, "<h1>{}</h1>", esc(&self.title(lang)));
        let _ = writeln!(
            o,
            "<p class=\"period\">{}</p>",
            esc(&self.period_line(lang))
        );
        let _ = writeln!(
            o,
            "<h2>{}</h2>\n<p class=\"summary\">{}</p>",
            esc(t.summary),
            esc(&self.summary(lang))
        );
        let _ = writeln!(o, "<h2>{}</h2>", esc(t.key_figures));
        html_pairs(&mut o, &self.key_rows(lang));
        for (k, (heading, intro, header, rows, left, empty)) in
            self.sections(lang).into_iter().enumerate()
        {
            let _ = writeln!(o, "<h2>{}</h2>", esc(&heading));
            if !intro.is_empty() {
                let _ = writeln!(o, "<p>{}</p>", esc(&intro));
            }
            if rows.is_empty() {
                if !empty.is_empty() {
                    let _ = writeln!(o, "<p>{}</p>", esc(empty));
                }
                continue;
            }
            if k == 0 {
                o.push_str(&self.svg_chart(lang));
            }
            html_table(&mut o, &heading, &header, &rows, left);
        }
        let _ = writeln!(o, "<h2>{}</h2>", esc(t.estimate_heading));
        match &self.estimate {
            Ok(e) => {
                html_pairs(&mut o, &self.estimate_rows(e, lang));
                let _ = writeln!(o, "<p>{}</p>", esc(&t.estimate_sentence(e, lang)));
            }
            Err(true) => {
                let _ = writeln!(o, "<p>{}</p>", esc(t.estimate_withheld));
            }
            Err(false) => {
                let _ = writeln!(o, "<p>{}</p>", esc(t.estimate_empty));
            }
        }
        let _ = writeln!(o, "<h2>{}</h2>\n<ul>", esc(t.method));
        for n in self.method_notes(lang) {
            let _ = writeln!(o, "<li>{}</li>", esc(&n));
        }
        let _ = writeln!(o, "<li>{}</li>", esc(&self.legend(lang)));
        if let Some(cp) = &self.checkpoint {
            let _ = writeln!(
                o,
                "<li>{}: <code>{}</code></li>",
                code_spans(t.checkpoint),
                esc(cp)
            );
        }
        let _ = writeln!(o, "</ul>\n</body>\n</html>");
        o
    }
}

/// Escapes `text` and shows its `backquoted` spans as code, as the Markdown report does.
fn code_spans(text: &str) -> String {
    let mut o = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(o, "<code>{}</code>", esc(part));
        } else {
            o.push_str(&esc(part));
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
caption{caption-side:top;text-align:left;font-size:.85rem;color:#555;padding-bottom:.2rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .7rem;border-bottom:1px solid #e3e3e3}
th{text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.summary{font-size:1.1rem}.period{color:#555}
svg .contacts{fill:#2b6cb0}svg .individuals{fill:#dd6b20}svg .axis{stroke:#888}
svg .tick,svg .mark{font-size:11px;fill:#333}svg .value{font-size:9px;fill:#333}
@media print{body{margin:0}}
";

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn html_pairs(o: &mut String, rows: &[(String, String)]) {
    let _ = writeln!(o, "<table>");
    for (l, v) in rows {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td></tr>",
            esc(l),
            esc(v)
        );
    }
    let _ = writeln!(o, "</table>");
}

/// A table with its caption (the section's heading, for screen readers and for a table that a
/// page break separates from its heading) and header cells scoped to their columns.
fn html_table(o: &mut String, caption: &str, header: &[String], rows: &[Vec<String>], left: usize) {
    let class = |i: usize| if i < left { "" } else { " class=\"n\"" };
    let _ = write!(
        o,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(caption)
    );
    for (i, h) in header.iter().enumerate() {
        let _ = write!(o, "<th scope=\"col\"{}>{}</th>", class(i), esc(h));
    }
    let _ = writeln!(o, "</tr></thead>\n<tbody>");
    for r in rows {
        let _ = write!(o, "<tr>");
        for (i, c) in r.iter().enumerate() {
            let _ = write!(o, "<td{}>{}</td>", class(i), esc(c));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody>\n</table>");
}
