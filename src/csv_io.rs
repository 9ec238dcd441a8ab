//! The contact CSV (CONTRACT.md): reading and validating it for `import`, writing it for
//! `export`. Pure: no storage, no keys.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

use crate::domain::{
    yes_no, ConcernAnswer, Contact, ContactInput, Date, Districts, NewContact, Projects,
};
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::msg::{Msg, Source, Written};
use crate::pii::IdentifierKind;
use zeroize::Zeroizing;

/// The columns, in the order export writes them: the eleven every file must have, then
/// the [`OPTIONAL`] ones.
pub const COLUMNS: [&str; 13] = [
    "date",
    "person_code",
    "role",
    "gender",
    "age_band",
    "counterpart",
    "district",
    "contact_type",
    "referrals",
    "trafficking",
    "note",
    "concern",
    "projects",
];

/// Columns a file may leave out (files of older versions have none): an absent column reads
/// as empty in every row. `concern` is the under-18 answer (report of concern), `projects`
/// the `;`-separated names of the funded projects the contact belongs to.
pub const OPTIONAL: [&str; 2] = ["concern", "projects"];

/// The columns every file must have.
fn required() -> impl Iterator<Item = &'static str> {
    COLUMNS.into_iter().filter(|c| !OPTIONAL.contains(c))
}

/// Columns an import accepts and ignores (export writes them).
const IGNORED: [&str; 2] = ["id", "field_night"];

/// What a spreadsheet takes for the start of a formula when a cell begins with it (OWASP, "CSV
/// Injection"): `=`, `+`, `-`, `@`, a tab and a carriage return.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The quote that export puts before a cell that begins with one of [`FORMULA_STARTS`], so
/// that a spreadsheet shows the text instead of running it.
const NEUTRALISING_QUOTE: char = '\'';

/// Whether export writes `cell` with a [`NEUTRALISING_QUOTE`] in front.
fn starts_a_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS)
}

/// A cell as export writes it: with a `'` in front if a spreadsheet would take it for a
/// formula, otherwise as it is.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if starts_a_formula(cell) {
        let mut s = String::with_capacity(cell.len() + 1);
        s.push(NEUTRALISING_QUOTE);
        s.push_str(cell);
        s.into()
    } else {
        cell.into()
    }
}

/// A cell as import reads it: exactly what [`neutralise`] added is taken off (a `'` followed
/// by one of [`FORMULA_STARTS`] loses the `'`); every other cell is kept as it is. So a note
/// that really begins with `'=` comes in as `=...`.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix(NEUTRALISING_QUOTE) {
        Some(rest) if starts_a_formula(rest) => rest,
        _ => cell,
    }
}

/// How many problems an import reports.
pub const MAX_REPORTED: usize = 20;

/// One thing wrong in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    /// The column, or `None` for a problem with the row as a whole.
    pub column: Option<&'static str>,
    /// What was found, when it may be shown (never a note or a code).
    pub value: Option<String>,
    pub what: RowProblem,
}

/// What is wrong in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    Field(crate::domain::FieldError),
    NoteIdentifier(IdentifierKind),
    /// Broken quoting or an I/O error, as the CSV reader tells it.
    Malformed(String),
    Width {
        found: usize,
        header: usize,
    },
    NotUtf8,
}

impl RowProblem {
    pub fn text(&self, lang: Lang) -> String {
        let sv = lang == Lang::Sv;
        match self {
            RowProblem::Field(e) => e.text(lang),
            RowProblem::NoteIdentifier(kind) if sv => format!(
                "anteckningen innehåller något som ser ut som {} ({}); ta bort det, eller importera med --allow-identifiers",
                kind.label(lang),
                kind.as_str()
            ),
            RowProblem::NoteIdentifier(kind) => format!(
                "the note contains what looks like {} ({}); remove it, or import with --allow-identifiers",
                kind.label(lang),
                kind.as_str()
            ),
            RowProblem::Malformed(e) if sv => format!("CSV-filen är felformaterad här: {e}"),
            RowProblem::Malformed(e) => format!("the CSV is malformed here: {e}"),
            RowProblem::Width { found, header } if sv => format!(
                "raden har {found} fält men rubrikraden har {header}; kontrollera kommatecken och citattecken"
            ),
            RowProblem::Width { found, header } => format!(
                "the row has {found} fields but the header has {header}; check the commas and quotes"
            ),
            RowProblem::NotUtf8 if sv => "inte giltig UTF-8; spara filen som UTF-8".into(),
            RowProblem::NotUtf8 => "not valid UTF-8; save the file as UTF-8".into(),
        }
    }
}

impl Problem {
    /// The problem in `lang`: where, what was found (when it may be shown) and why.
    pub fn text(&self, lang: Lang) -> String {
        let sv = lang == Lang::Sv;
        let mut out = format!("{} {}", if sv { "rad" } else { "line" }, self.line);
        if let Some(c) = self.column {
            out.push_str(&format!(", {} {c}", if sv { "kolumn" } else { "column" }));
        }
        if let Some(v) = &self.value {
            out.push_str(&format!(", {} '{v}'", if sv { "värde" } else { "value" }));
        }
        out.push_str(": ");
        out.push_str(&self.what.text(lang));
        out
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Everything wrong in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub problems: Vec<Problem>,
}

/// A valid row, ready to be stored.
#[derive(Debug)]
pub struct ParsedRow {
    pub line: u64,
    pub contact: NewContact,
    /// Identifiers in the note that `--allow-identifiers` let through.
    pub identifiers: Vec<IdentifierKind>,
}

/// Every problem of an import (the first [`MAX_REPORTED`] kept), and how many there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    pub problems: Vec<Problem>,
    pub total_problems: usize,
    pub bad_rows: usize,
}

impl ImportErrors {
    pub fn push(&mut self, e: RowError) {
        self.bad_rows += 1;
        self.total_problems += e.problems.len();
        for p in e.problems {
            if self.problems.len() < MAX_REPORTED {
                self.problems.push(p);
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        self.bad_rows == 0
    }
}

impl std::error::Error for ImportErrors {}

impl ImportErrors {
    /// Every problem kept, in `lang`, after one line saying nothing was imported.
    pub fn text(&self, lang: Lang) -> String {
        let (rows, problems) = (self.bad_rows as u64, self.total_problems as u64);
        let mut out = match lang {
            Lang::En => format!(
                "nothing was imported: {} {} {} {} {}. Correct them and import the file again.\n",
                lang.number(rows),
                if rows == 1 { "row" } else { "rows" },
                if rows == 1 { "has" } else { "have" },
                lang.number(problems),
                if problems == 1 { "problem" } else { "problems" },
            ),
            Lang::Sv => format!(
                "inget importerades: {} {} har {} {}. Rätta dem och importera filen igen.\n",
                lang.number(rows),
                if rows == 1 { "rad" } else { "rader" },
                lang.number(problems),
                "fel",
            ),
        };
        for p in &self.problems {
            out.push_str(&format!("  {}\n", p.text(lang)));
        }
        if self.total_problems > self.problems.len() {
            let more = (self.total_problems - self.problems.len()) as u64;
            out.push_str(&match lang {
                Lang::En => format!("  ... and {} more\n", lang.number(more)),
                Lang::Sv => format!("  ... och {} till\n", lang.number(more)),
            });
        }
        out
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// Shows a bad value, shortened, with control characters escaped.
fn show(v: &str) -> String {
    let mut s: String = v.chars().take(40).flat_map(|c| c.escape_debug()).collect();
    if v.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// Reads and checks a header; returns the index of each of the [`COLUMNS`] (`usize::MAX` for
/// an optional one the file leaves out).
fn column_indices(header: &csv::ByteRecord) -> Result<[usize; COLUMNS.len()]> {
    let mut idx = [usize::MAX; COLUMNS.len()];
    for (i, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw)
            .map_err(|_| Error::Input(Msg::CsvHeaderNotUtf8))?
            .trim();
        if let Some(k) = COLUMNS.iter().position(|c| *c == name) {
            if idx[k] != usize::MAX {
                return Err(Error::Input(Msg::CsvColumnTwice {
                    column: name.to_string(),
                }));
            }
            idx[k] = i;
        } else if name.contains([',', ';', '\t']) {
            return Err(Error::Input(Msg::CsvMixedSeparators { column: show(name) }));
        } else if !IGNORED.contains(&name) {
            return Err(Error::Input(Msg::CsvUnknownColumn {
                column: show(name),
                columns: COLUMNS.join(", "),
            }));
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(idx)
        .filter(|(c, i)| *i == usize::MAX && !OPTIONAL.contains(c))
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Input(Msg::CsvMissingColumns {
            missing: missing.join(", "),
            required: required().collect::<Vec<_>>().join(", "),
            optional: OPTIONAL.join(", "),
        }));
    }
    Ok(idx)
}

/// Validates one record into a contact, or names every problem in it.
pub fn parse_record(
    fields: &[&str; COLUMNS.len()],
    line: u64,
    lists: (&Districts, &Projects),
    today: Date,
    allow_identifiers: bool,
) -> std::result::Result<ParsedRow, RowError> {
    let [date, code, role, gender, age_band, counterpart, district, contact_type, referrals, trafficking, note, concern, projects] =
        *fields;
    // As found (for messages), and trimmed (to check): a cell may have spaces around its value.
    let as_found = ContactInput {
        date,
        code,
        role,
        gender,
        age_band,
        counterpart,
        district,
        contact_type,
        referrals,
        trafficking,
        note,
        concern,
        projects,
        field_night: None,
    };
    let input = ContactInput {
        date: date.trim(),
        role: role.trim(),
        gender: gender.trim(),
        age_band: age_band.trim(),
        counterpart: counterpart.trim(),
        district: district.trim(),
        contact_type: contact_type.trim(),
        referrals: referrals.trim(),
        trafficking: trafficking.trim(),
        concern: concern.trim(),
        projects: projects.trim(),
        ..as_found
    };
    // Files of older versions have no answer for their under-18 contacts: empty is allowed.
    let parsed = input.parse(lists, today, ConcernAnswer::Optional);
    let mut problems: Vec<Problem> = match &parsed {
        Ok(_) => Vec::new(),
        Err(found) => found
            .iter()
            .map(|p| Problem {
                line,
                column: Some(p.field.column()),
                // The code and the note are never shown; every other value is, shortened.
                value: (p.field.may_show_value() && p.error.may_show_value())
                    .then(|| show(as_found.raw(p.field))),
                what: RowProblem::Field(p.error.clone()),
            })
            .collect(),
    };
    let identifiers = crate::pii::find_identifiers(note);
    if let (Some(kind), false) = (identifiers.first(), allow_identifiers) {
        problems.push(Problem {
            line,
            column: Some("note"),
            value: None,
            what: RowProblem::NoteIdentifier(*kind),
        });
    }
    match parsed {
        Ok(contact) if problems.is_empty() => Ok(ParsedRow {
            line,
            contact,
            identifiers,
        }),
        _ => Err(RowError { problems }),
    }
}

/// Reads contacts from CSV. The header is checked at once (an error names what is wrong with
/// it); the rows come one at a time from the returned iterator, so the file is never held in
/// memory.
pub fn read_contacts<R: Read>(
    input: R,
    (districts, projects): (Districts, Projects),
    today: Date,
    allow_identifiers: bool,
) -> Result<ContactRows<R>> {
    let newlines = Arc::new(Mutex::new(Newlines::default()));
    let counted = LineCounter {
        inner: input,
        offset: 0,
        newlines: Arc::clone(&newlines),
    };
    let mut buffered = BufReader::with_capacity(1 << 16, counted);
    // An optional UTF-8 byte-order mark.
    let head = buffered.fill_buf().map_err(|e| {
        Error::Input(Msg::CannotRead {
            source: Source::CsvFile,
            error: e.to_string(),
        })
    })?;
    let mut bom = 0;
    if head.starts_with(b"\xEF\xBB\xBF") {
        bom = 3;
    }
    let separator = detect_separator(&head[bom as usize..]);
    buffered.consume(bom as usize);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator)
        .from_reader(buffered);
    let mut header = csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return Err(Error::Input(Msg::CsvEmpty)),
        Err(e) => {
            return Err(Error::Input(Msg::CannotRead {
                source: Source::CsvHeader,
                error: e.to_string(),
            }))
        }
    }
    let columns = column_indices(&header)?;
    Ok(ContactRows {
        records: Records {
            reader,
            done: false,
            newlines,
            bom,
        },
        checker: RowChecker {
            columns,
            width: header.len(),
            districts,
            projects,
            today,
            allow_identifiers,
        },
        separator,
    })
}

/// The separator a file's header row uses: `,`, `;` (as a Swedish spreadsheet saves CSV) or a
/// tab, whichever occurs most often outside quotes in its first line (no column name holds
/// any of them); `,` when none does.
pub fn detect_separator(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        seps[best]
    }
}

/// The offsets of the line breaks read so far and not yet passed, and how many were passed.
#[derive(Default)]
struct Newlines {
    pending: std::collections::VecDeque<u64>,
    passed: u64,
    /// All of the input has been read; its length and its last two bytes.
    at_end: bool,
    total: u64,
    tail: [u8; 2],
}

impl Newlines {
    /// How many line breaks there are before byte `offset` (offsets asked for never go back).
    fn before(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&o| o < offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed
    }
}

/// Notes where the line breaks are in what passes through. The csv crate's own line numbers
/// do not count the `\n` of a CRLF line end or skipped blank lines before a record, so the
/// physical line where a record starts is found from these instead. Only the line breaks
/// read ahead of the parser are held, never the file.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    newlines: Arc<Mutex<Newlines>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut nl = self.newlines.lock().unwrap_or_else(|e| e.into_inner());
        match n {
            0 => nl.at_end = !buf.is_empty(),
            1 => nl.tail = [nl.tail[1], buf[0]],
            _ => nl.tail = [buf[n - 2], buf[n - 1]],
        }
        nl.total = self.offset + n as u64;
        let offset = self.offset;
        nl.pending
            .extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| offset + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

/// The rows of a contact CSV, validated one by one: the [`Records`] as read, each checked by
/// the [`RowChecker`]. An import splits the two ([`ContactRows::split`]) to check and seal
/// rows on several threads while one reads.
pub struct ContactRows<R: Read> {
    records: Records<R>,
    checker: RowChecker,
    separator: u8,
}

impl<R: Read> ContactRows<R> {
    /// The separator read from the header (`,`, `;` or a tab).
    pub fn separator(&self) -> u8 {
        self.separator
    }

    /// The records as they are read (in file order, each with its line), and what checks
    /// each into a contact (on any thread).
    pub fn split(self) -> (Records<R>, RowChecker) {
        (self.records, self.checker)
    }
}

/// One record of a contact CSV as read, with the line it starts on, not yet checked.
pub struct Record {
    line: u64,
    fields: csv::ByteRecord,
}

/// The records of a contact CSV, in file order: each [`Record`], or the error that ends the
/// file (an I/O error, broken quoting). Empty lines are skipped.
pub struct Records<R: Read> {
    reader: csv::Reader<BufReader<LineCounter<R>>>,
    done: bool,
    newlines: Arc<Mutex<Newlines>>,
    /// The length of the byte-order mark skipped before the parser saw the file.
    bom: u64,
}

impl<R: Read> Records<R> {
    /// The physical line (the header is line 1) where `record`, just read, starts: the line
    /// of its last byte, less the line breaks inside its quoted fields.
    fn record_line(&self, record: &csv::ByteRecord) -> u64 {
        // The parser stops right after the record's terminator (`\n`, or the `\r` of a
        // CRLF), or at the end of the file; the byte before that is the record's last.
        // At the end of the file, a line break that closes the last field was inside a quote
        // left open (the file ends `...\n`, not `..."\n`): it is the record's own last byte.
        let end = self.reader.position().byte() + self.bom;
        let mut nl = self.newlines.lock().unwrap_or_else(|e| e.into_inner());
        let open_quote_at_end = nl.at_end
            && end == nl.total
            && record.as_slice().ends_with(b"\n")
            && nl.tail[0] != b'"';
        let last = if open_quote_at_end {
            end
        } else {
            end.saturating_sub(1)
        };
        let last_line = nl.before(last) + 1;
        let inside = match memchr::memchr(b'\n', record.as_slice()) {
            None => 0, // most records: one line
            Some(_) => memchr::memchr_iter(b'\n', record.as_slice()).count() as u64,
        };
        last_line.saturating_sub(inside).max(2)
    }
}

impl<R: Read> Iterator for Records<R> {
    type Item = std::result::Result<Record, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let mut fields = csv::ByteRecord::with_capacity(128, COLUMNS.len());
            match self.reader.read_byte_record(&mut fields) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    // An I/O error or broken quoting ends the file here.
                    self.done = true;
                    return Some(Err(whole_row(line, RowProblem::Malformed(e.to_string()))));
                }
                Ok(true) => {}
            }
            // A completely empty line (csv yields it as one empty field) is skipped.
            if fields.len() == 1 && fields[0].is_empty() {
                continue;
            }
            let line = self.record_line(&fields);
            return Some(Ok(Record { line, fields }));
        }
    }
}

fn whole_row(line: u64, what: RowProblem) -> RowError {
    RowError {
        problems: vec![Problem {
            line,
            column: None,
            value: None,
            what,
        }],
    }
}

/// Checks a [`Record`] into a contact, or names every problem in it: the file's columns, the
/// unit's lists, today's date.
pub struct RowChecker {
    columns: [usize; COLUMNS.len()],
    width: usize,
    districts: Districts,
    projects: Projects,
    today: Date,
    allow_identifiers: bool,
}

impl RowChecker {
    pub fn check(&self, record: Record) -> std::result::Result<ParsedRow, RowError> {
        let Record { line, fields: row } = record;
        if row.len() != self.width {
            return Err(whole_row(
                line,
                RowProblem::Width {
                    found: row.len(),
                    header: self.width,
                },
            ));
        }
        let mut fields = [""; COLUMNS.len()];
        // The record's bytes checked once (most records are UTF-8), each field then cut from
        // them where it starts and ends on a character's boundary; else the field alone says.
        let whole = std::str::from_utf8(row.as_slice()).ok();
        for (k, &i) in self.columns.iter().enumerate() {
            if i == usize::MAX {
                continue; // an optional column the file leaves out: empty
            }
            let cut = whole.zip(row.range(i)).and_then(|(w, r)| w.get(r));
            match cut.map_or_else(|| std::str::from_utf8(&row[i]), Ok) {
                Ok(s) => fields[k] = unneutralise(s),
                Err(_) => {
                    return Err(RowError {
                        problems: vec![Problem {
                            line,
                            column: Some(COLUMNS[k]),
                            value: None,
                            what: RowProblem::NotUtf8,
                        }],
                    })
                }
            }
        }
        parse_record(
            &fields,
            line,
            (&self.districts, &self.projects),
            self.today,
            self.allow_identifiers,
        )
    }
}

impl<R: Read> Iterator for ContactRows<R> {
    type Item = std::result::Result<ParsedRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.records.next()?.and_then(|r| self.checker.check(r)))
    }
}

/// Writes contacts as CSV: the [`COLUMNS`], then `id` and `field_night`.
pub struct CsvWriter<W: Write> {
    w: csv::Writer<W>,
    /// To write each contact's projects by name.
    projects: Projects,
}

impl<W: Write> CsvWriter<W> {
    /// A comma-separated file without a byte order mark.
    pub fn new(out: W, projects: Projects) -> Result<Self> {
        Self::with(out, b',', false, projects)
    }

    /// A file separated by `separator` (`,`, `;` or a tab), with a UTF-8 byte order mark
    /// first when `bom` (spreadsheets then read it as UTF-8).
    pub fn with(mut out: W, separator: u8, bom: bool, projects: Projects) -> Result<Self> {
        if bom {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| write_error(e.into()))?;
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(separator)
            .from_writer(out);
        let mut header: Vec<&str> = COLUMNS.to_vec();
        header.extend(IGNORED);
        w.write_record(&header).map_err(write_error)?;
        Ok(CsvWriter { w, projects })
    }

    pub fn write(&mut self, c: &Contact) -> Result<()> {
        let a = &c.attributes;
        let code = c
            .pseudonym
            .map(|p| crate::crypto::pseudonym_hex(&p))
            .unwrap_or_default();
        let date = c.date.to_string();
        let referrals = a.referrals.to_csv();
        let id = c.id.to_string();
        let night = c.field_night.map(|n| n.to_string()).unwrap_or_default();
        // The note is the one cell a person writes freely; its neutralised copy is wiped too.
        let note = match neutralise(&c.note) {
            std::borrow::Cow::Owned(s) => Some(Zeroizing::new(s)),
            std::borrow::Cow::Borrowed(_) => None,
        };
        let note = note.as_deref().map_or(c.note.as_str(), String::as_str);
        let concern = a.concern().map_or("", |r| r.as_str());
        let projects = self.projects.names(&a.projects);
        let cells = [
            date.as_str(),
            &code,
            a.role.as_str(),
            a.gender.as_str(),
            a.age_band.as_str(),
            a.counterpart.as_str(),
            a.district.as_str(),
            a.contact_type.as_str(),
            &referrals,
            yes_no(a.trafficking),
        ];
        // Only the note can start a formula today; every other cell is neutralised too, so the
        // rule holds for every column whatever values they come to take.
        let mut record: Vec<std::borrow::Cow<'_, str>> =
            cells.iter().map(|c| neutralise(c)).collect();
        record.push(note.into());
        record.push(neutralise(concern));
        record.push(neutralise(&projects));
        record.push(id.as_str().into());
        record.push(night.as_str().into());
        self.w
            .write_record(record.iter().map(|c| c.as_bytes()))
            .map_err(write_error)
    }

    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| write_error(e.into()))
    }
}

fn write_error(e: csv::Error) -> Error {
    Error::Failed(Msg::CannotWrite {
        what: Written::Export,
        error: e.to_string(),
    })
}

/// One contact as a JSON object (CONTRACT.md: the columns, `referrals` as an array, `id`,
/// `field_night`; `concern` is `null` for no answer; `projects` an array of names).
pub fn contact_json(c: &Contact, projects: &Projects) -> serde_json::Value {
    let a = &c.attributes;
    serde_json::json!({
        "id": c.id,
        "date": c.date.to_string(),
        "person_code": c.pseudonym.map(|p| crate::crypto::pseudonym_hex(&p)).unwrap_or_default(),
        "role": a.role.as_str(),
        "gender": a.gender.as_str(),
        "age_band": a.age_band.as_str(),
        "counterpart": a.counterpart.as_str(),
        "district": a.district.as_str(),
        "contact_type": a.contact_type.as_str(),
        "referrals": a.referrals.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "trafficking": yes_no(a.trafficking),
        "note": c.note.as_str(),
        "concern": a.concern().map(|r| r.as_str()),
        "projects": projects.name_list(&a.projects),
        "field_night": c.field_night,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Result<Vec<std::result::Result<ParsedRow, RowError>>> {
        let today = crate::domain::parse_date("2025-01-01").unwrap();
        Ok(read_contacts(csv.as_bytes(), Default::default(), today, false)?.collect())
    }

    const HEADER: &str =
        "date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note\n";

    #[test]
    fn reads_a_good_file_with_bom_and_any_column_order() {
        let csv = format!(
            "\u{feff}{HEADER}2024-03-01,AB 85,sells,woman,25-34,men,norrmalm,outreach,health;shelter,no,\"sa \"\"hej\"\"\"\n"
        );
        let r = rows(&csv).unwrap();
        assert_eq!(r.len(), 1);
        let p = r[0].as_ref().unwrap();
        assert_eq!(p.line, 2);
        assert_eq!(p.contact.note.as_str(), "sa \"hej\"");
        let swapped = "note,trafficking,referrals,contact_type,district,counterpart,age_band,gender,role,person_code,date,id\nx,no,,online,online,men,18-24,man,buys,,2024-01-01,77\n";
        let r = rows(swapped).unwrap();
        assert!(r[0].is_ok());
    }

    #[test]
    fn a_field_that_is_not_utf8_is_named_even_where_the_record_is() {
        let today = crate::domain::parse_date("2025-01-01").unwrap();
        let read = |body: &[u8]| {
            let mut csv = HEADER.as_bytes().to_vec();
            csv.extend_from_slice(body);
            read_contacts(&csv[..], Default::default(), today, false)
                .unwrap()
                .collect::<Vec<_>>()
        };
        // The first byte of `å` ends the district and its second begins the contact type:
        // the record's bytes together are UTF-8, those two fields are not.
        let r = read(b"2024-01-01,x,sells,woman,25-34,men,norrmalm\xC3,\xA5outreach,,no,\n");
        let e = r[0].as_ref().unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].column, Some("district"));
        assert_eq!(e.problems[0].what, RowProblem::NotUtf8);
        // A record that is not UTF-8 at all: the column that is not is named.
        let r = read(b"2024-01-01,x,sells,woman,25-34,men,norrmalm,outreach,,no,hej \xff\n");
        let e = r[0].as_ref().unwrap_err();
        assert_eq!(e.problems[0].column, Some("note"));
        // Valid text in every field: read as it stands.
        let r = read(
            "2024-01-01,å-85,sells,woman,25-34,men,norrmalm,outreach,,no,följde med\n".as_bytes(),
        );
        assert_eq!(r[0].as_ref().unwrap().contact.note.as_str(), "följde med");
    }

    #[test]
    fn names_every_bad_value_with_line_and_column() {
        let csv = format!(
            "{HEADER}2024-13-01,x,seller,woman,25-34,men,norrmalm,outreach,,no,\n2024-01-01,x,sells,woman,25-34,men,atlantis,outreach,,maybe,\n"
        );
        let r = rows(&csv).unwrap();
        let e1 = r[0].as_ref().unwrap_err();
        assert_eq!(e1.problems.len(), 2);
        assert_eq!(e1.problems[0].column, Some("date"));
        assert_eq!(e1.problems[1].column, Some("role"));
        assert_eq!(e1.problems[1].value.as_deref(), Some("seller"));
        let e2 = r[1].as_ref().unwrap_err();
        assert_eq!(e2.problems[0].line, 3);
        assert!(e2.problems.iter().any(|p| p.column == Some("district")));
        assert!(e2.problems.iter().any(|p| p.column == Some("trafficking")));
    }

    #[test]
    fn bad_headers_are_refused() {
        assert!(rows("date,person_code\n").is_err());
        assert!(rows(&HEADER.replace("note", "notes")).is_err());
        assert!(rows(&HEADER.replace("\n", ",extra\n")).is_err());
        assert!(rows("").is_err());
    }

    #[test]
    fn a_note_with_an_identifier_is_refused_without_showing_it() {
        let csv = format!(
            "{HEADER}2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,ring 070-123 45 67\n"
        );
        let r = rows(&csv).unwrap();
        let e = r[0].as_ref().unwrap_err();
        let text = e.problems[0].to_string();
        assert!(text.contains("phone"), "{text}");
        assert!(!text.contains("070"), "{text}");
    }

    #[test]
    fn cells_that_start_a_formula_are_neutralised_and_read_back() {
        for cell in ["=1+1", "+ mer", "-2 dagar", "@home", "\tx", "\rx", "=", "-"] {
            let written = neutralise(cell);
            assert_eq!(written, format!("'{cell}"));
            assert_eq!(unneutralise(&written), cell);
        }
        for cell in ["", "x", "'", "'x", "''=x", " =x", "1-2", "55+"] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(unneutralise(cell), cell);
        }
        // The one cell that does not come back: one that really starts with `'` and a
        // formula start loses its quote on import (documented).
        assert_eq!(neutralise("'=x"), "'=x");
        assert_eq!(unneutralise("'=x"), "=x");
        let csv = format!(
            "{HEADER}2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,\"'=HYPERLINK(\"\"x\"\")\"\n"
        );
        let r = rows(&csv).unwrap();
        assert_eq!(
            r[0].as_ref().unwrap().contact.note.as_str(),
            "=HYPERLINK(\"x\")"
        );
    }

    #[test]
    fn the_concern_column_is_optional_and_checked_against_the_age_band() {
        // Without the column (files of older versions): an under-18 contact has no answer.
        let old = format!("{HEADER}2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,\n");
        let r = rows(&old).unwrap();
        assert_eq!(r[0].as_ref().unwrap().contact.attributes.concern, None);
        let header = HEADER.replace("note\n", "note,concern\n");
        let csv = format!(
            "{header}2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,,made\n\
             2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,, \n\
             2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,,not-made\n\
             2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,,perhaps\n"
        );
        let r = rows(&csv).unwrap();
        assert_eq!(
            r[0].as_ref().unwrap().contact.attributes.concern,
            Some(crate::domain::ConcernReport::Made)
        );
        assert_eq!(r[1].as_ref().unwrap().contact.attributes.concern, None);
        for (i, line) in [(2, 4), (3, 5)] {
            let e = r[i].as_ref().unwrap_err();
            assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
            assert_eq!(e.problems[0].line, line);
            assert_eq!(e.problems[0].column, Some("concern"));
        }
        assert!(r[3].as_ref().unwrap_err().problems[0]
            .to_string()
            .contains("value 'perhaps'"));
    }

    #[test]
    fn export_writes_the_concern_after_the_note_and_reads_back() {
        let today = crate::domain::parse_date("2025-01-01").unwrap();
        let header = HEADER.replace("note\n", "note,concern\n");
        let csv = format!(
            "{header}2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,hej,will-be-made\n"
        );
        let parsed = rows(&csv).unwrap().remove(0).unwrap();
        let contact = Contact {
            id: 7,
            date: parsed.contact.date,
            pseudonym: None,
            field_night: None,
            attributes: parsed.contact.attributes.clone(),
            note: parsed.contact.note.clone(),
        };
        let mut out = Vec::new();
        let mut w = CsvWriter::new(&mut out, Projects::default()).unwrap();
        w.write(&contact).unwrap();
        w.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note,concern,projects,id,field_night"
        );
        assert_eq!(
            lines.next().unwrap(),
            "2024-01-01,,sells,woman,under18,men,norrmalm,outreach,,no,hej,will-be-made,,7,"
        );
        let again: Vec<_> = read_contacts(text.as_bytes(), Default::default(), today, false)
            .unwrap()
            .collect();
        assert_eq!(
            again[0].as_ref().unwrap().contact.attributes,
            contact.attributes
        );
        assert_eq!(
            contact_json(&contact, &Projects::default())["concern"],
            "will-be-made"
        );
    }

    #[test]
    fn line_numbers_count_physical_lines_of_multiline_records() {
        let csv = format!(
            "{HEADER}2024-01-01,,sells,woman,25-34,men,norrmalm,outreach,,no,\"two\nlines\"\n2024-01-01,,bad,woman,25-34,men,norrmalm,outreach,,no,\n"
        );
        let r = rows(&csv).unwrap();
        assert!(r[0].is_ok());
        assert_eq!(r[1].as_ref().unwrap_err().problems[0].line, 4);
    }
}
