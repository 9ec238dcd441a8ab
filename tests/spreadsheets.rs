//! Spreadsheets both ways: every export imports back unchanged, whatever its separator, byte
//! order mark or line ends, and a file as Swedish Excel or LibreOffice saves it (`;`, a byte
//! order mark, CRLF, Swedish words) imports.

mod common;

use common::{add_args, stderr, stdout, Db};

/// A database with contacts whose cells test the quoting: a note with `;`, `,`, quotes, a line
/// break and å ä ö, a note that a spreadsheet would take for a formula, two referrals (a `;`
/// inside a cell), an unidentified contact, an under-18 contact with its answer, and one person
/// met twice.
fn source() -> Db {
    let db = Db::new();
    let notes: [&[&str]; 6] = [
        &[
            "--code",
            "AB 85",
            "--note",
            "Ville prata; om boende, \"snart\".\nRing tillbaka (åäö).",
        ],
        &[
            "--code",
            "AB 85",
            "--referrals",
            "health;housing",
            "--note",
            "=SUM(A1)",
        ],
        &[
            "--role",
            "buys",
            "--district",
            "online",
            "--contact-type",
            "online",
        ],
        &[
            "--code",
            "CD 01",
            "--age-band",
            "under18",
            "--concern",
            "made",
            "--trafficking",
            "yes",
        ],
        &["--code", "EF 02", "--note=-ingen fara"],
        &[
            "--code",
            "GH 03",
            "--gender",
            "nonbinary",
            "--counterpart",
            "both",
        ],
    ];
    for extra in notes {
        // `add_args`'s values, each replaced where the extras give another.
        let base = add_args(&[]);
        let mut args: Vec<String> = vec![base[0].clone()];
        for pair in base[1..].chunks(2) {
            if !extra.contains(&pair[0].as_str()) {
                args.extend(pair.iter().cloned());
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = db.cmd().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    db
}

fn export(db: &Db, extra: &[&str]) -> Vec<u8> {
    let out = db.cmd().arg("export").args(extra).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out.stdout
}

/// The rows of a comma-separated export without `id` and `field_night` (a new database gives
/// new ids and no field nights), with each pseudonym replaced by the order in which its person
/// first appears (another database keys codes with its own key): what must survive.
fn comparable(csv: &[u8]) -> Vec<Vec<String>> {
    let mut rd = csv::Reader::from_reader(csv);
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| header[i] != "id" && header[i] != "field_night")
        .collect();
    let code = header.iter().position(|h| h == "person_code").unwrap();
    let mut persons: Vec<String> = Vec::new();
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            keep.iter()
                .map(|&i| {
                    if i == code && !r[i].is_empty() {
                        let n = persons.iter().position(|p| p == &r[i]).unwrap_or_else(|| {
                            persons.push(r[i].to_string());
                            persons.len() - 1
                        });
                        format!("person {n}")
                    } else {
                        r[i].to_string()
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_export_imports_back_unchanged() {
    let db = source();
    let reference = comparable(&export(&db, &[]));
    assert_eq!(reference.len(), 6);
    for (separator, name) in [(",", "comma"), (";", "semicolon"), ("tab", "tab")] {
        for bom in [false, true] {
            for crlf in [false, true] {
                let mut args = vec!["--csv-separator", separator];
                if bom {
                    args.push("--bom");
                }
                let mut bytes = export(&db, &args);
                assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), bom, "{name}");
                if crlf {
                    let text = String::from_utf8(bytes).unwrap();
                    // Line ends between records only: the note's own line break is inside quotes
                    // and stays as it is, as a spreadsheet keeps it.
                    bytes = text.replace(",\n", ",\r\n").into_bytes();
                    let mut fixed = Vec::new();
                    let mut quoted = false;
                    for b in String::from_utf8(bytes).unwrap().bytes() {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        if b == b'\n' && !quoted && fixed.last() != Some(&b'\r') {
                            fixed.push(b'\r');
                        }
                        fixed.push(b);
                    }
                    bytes = fixed;
                }
                let other = Db::new();
                let file = other.dir.path().join("in.csv");
                std::fs::write(&file, &bytes).unwrap();
                let out = other.cmd().arg("import").arg(&file).output().unwrap();
                assert!(
                    out.status.success(),
                    "{name} bom={bom} crlf={crlf}: {}",
                    stderr(&out)
                );
                let said = stdout(&out);
                assert!(said.contains("Imported 6 contacts"), "{said}");
                assert_eq!(
                    said.contains(&format!("from a {name}-separated file")),
                    name != "comma",
                    "the summary names a separator other than a comma: {said}"
                );
                assert_eq!(
                    comparable(&export(&other, &[])),
                    reference,
                    "{name} bom={bom} crlf={crlf}"
                );
            }
        }
    }
}

#[test]
fn a_file_saved_by_a_swedish_spreadsheet_imports() {
    // `;`, a byte order mark, CRLF, Swedish words as the interface shows them, a referral list
    // in quotes (it holds the separator), and a date column that is not first.

    let file = "\u{feff}date;person_code;role;gender;age_band;counterpart;district;contact_type;referrals;trafficking;note\r\n\
        2025-01-30;AB85;säljer;kvinna;25-34;män;Södermalm;uppsökande;\"hälso- och sjukvård;boende\";nej;Samtal om boende, pengar\r\n\
        2025-01-31;;köper;man;35-44;kvinnor;internet;internet;;nej;\r\n";
    let db = Db::new();
    let path = db.file("kontakter.csv", file);
    let out = db
        .cmd()
        .args(["--lang", "sv", "import"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("Importerade 2 kontakter (1 ny person) från en semikolonseparerad fil."),
        "{}",
        stdout(&out)
    );
    let exported = String::from_utf8(export(&db, &[])).unwrap();
    assert!(
        exported.contains(",sells,woman,25-34,men,sodermalm,outreach,health;housing,no,\"Samtal om boende, pengar\""),
        "{exported}"
    );
    assert!(
        exported.contains(",buys,man,35-44,women,online,online,,no,"),
        "{exported}"
    );
}

#[test]
fn a_header_that_mixes_separators_is_named_and_nothing_is_imported() {
    let db = Db::new();
    let path = db.file(
        "mixed.csv",
        "date;person_code;role;gender;age_band;counterpart;district;contact_type;referrals;trafficking,note\n",
    );
    let out = db.cmd().arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("mixes separators") && err.contains("trafficking,note"),
        "{err}"
    );
}
