//! The audit report as text for people and as JSON (CONTRACT.md, "Audit").

use super::{AuditReport, Status};
use crate::i18n::Lang;

/// JSON exactly as CONTRACT.md shows, plus `checkpoint` when one was asked for.
pub fn json(report: &AuditReport, checkpoint: Option<&str>) -> String {
    let mut v = serde_json::to_value(report).expect("the report serialises");
    if let (Some(cp), Some(obj)) = (checkpoint, v.as_object_mut()) {
        obj.insert("checkpoint".into(), serde_json::Value::String(cp.into()));
    }
    serde_json::to_string_pretty(&v).expect("the report serialises")
}

/// A plain-text report: one line per check, then the findings.
pub fn text(report: &AuditReport, checkpoint: Option<&str>, lang: Lang) -> String {
    let t = lang.text();
    let mut out = String::new();
    for c in &report.checks {
        let status = match c.status {
            Status::Pass => t.audit_pass,
            Status::Warn => t.audit_warn,
            Status::Fail => t.audit_fail,
        };
        out.push_str(&format!(
            "{status:<5} {:<12} {}\n",
            c.id,
            c.counts.text(lang)
        ));
    }
    if !report.findings.is_empty() {
        out.push_str(&format!("\n{}\n", t.audit_findings));
        for f in &report.findings {
            out.push_str(&format!("  {:<12} {:<28} {}\n", f.check, f.record, f.kind));
        }
    }
    out.push('\n');
    out.push_str(if report.ok {
        t.audit_ok
    } else {
        t.audit_not_ok
    });
    out.push('\n');
    if let Some(fp) = &report.fingerprint {
        out.push_str(&format!("{} {fp}\n", t.audit_fingerprint));
    }
    if let Some(cp) = checkpoint {
        out.push_str(&format!(
            "{} {cp}\n{}\n",
            t.audit_checkpoint, t.audit_checkpoint_hint
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    fn report() -> AuditReport {
        AuditReport {
            ok: false,
            fingerprint: None,
            checks: vec![result(
                "pii",
                Status::Fail,
                Summary::Pii(summary::PiiSummary {
                    source: PiiSource::Scanned,
                    scanned: 3,
                    flagged: 1,
                    listed: None,
                }),
            )],
            findings: vec![Finding {
                check: "pii",
                record: "12".into(),
                kind: "phone".into(),
            }],
        }
    }

    #[test]
    fn json_follows_the_contract() {
        let v: serde_json::Value = serde_json::from_str(&json(&report(), None)).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["checks"][0]["id"], "pii");
        assert_eq!(v["checks"][0]["status"], "fail");
        assert_eq!(
            v["checks"][0]["summary"], "3 notes scanned; 1 hold what looks like an identifier",
            "JSON carries the English summary"
        );
        assert!(v["checks"][0].get("counts").is_none());
        assert_eq!(v["findings"][0]["record"], "12");
        assert_eq!(v["findings"][0]["kind"], "phone");
        assert!(v.get("checkpoint").is_none());
        let v: serde_json::Value = serde_json::from_str(&json(&report(), Some("5-00ff"))).unwrap();
        assert_eq!(v["checkpoint"], "5-00ff");
    }

    #[test]
    fn text_names_checks_and_findings_in_both_languages() {
        let en = text(&report(), Some("5-00ff"), Lang::En);
        assert!(
            en.contains("FAIL") && en.contains("pii") && en.contains("5-00ff"),
            "{en}"
        );
        assert!(
            en.contains("3 notes scanned; 1 hold what looks like an identifier"),
            "{en}"
        );
        let sv = text(&report(), None, Lang::Sv);
        assert!(sv.contains("FEL"), "{sv}");
        assert!(
            sv.contains("3 anteckningar genomsökta; 1 anteckning innehåller något som ser ut som en identitetsuppgift"),
            "{sv}"
        );
        assert!(!sv.contains("notes scanned"), "{sv}");
    }
}
