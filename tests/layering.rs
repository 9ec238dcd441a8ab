//! The layering of the crate, checked by reading the source (docs/architecture.md):
//!
//! - nothing but the command line (`src/command/`, `cli.rs`, `main.rs`, `lib.rs`) names
//!   `command`;
//! - the modules below the vault name nothing above them (`vault`, `command`, `tui`, `demo`,
//!   `cli`);
//! - the interface (`src/tui/`) never names `command`;
//! - `rusqlite` appears only under `src/storage/sqlite/`, the `postgres` client only under
//!   `src/storage/pg/`.
//!
//! Every `.rs` file under `src/` is read with its comments and string literals blanked out,
//! and every path is resolved to the crate-level module it starts in: `crate::x`, `$crate::x`,
//! `uppsok::x`, `self::x` and `super::...::x` (resolved from the file's place, and from inline
//! `mod name { ... }` blocks), including every item of a `use crate::{x, y::z}` group. A failure
//! names each offending file and line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The modules below the vault: the vault uses them, they never use it (or anything above it).
const BELOW_VAULT: &[&str] = &[
    "audit",
    "audit_log",
    "crypto",
    "csv_io",
    "demo",
    "domain",
    "msg",
    "error",
    "i18n",
    "pii",
    "process",
    "progress",
    "report",
    "stats",
    "storage",
];

/// The vault and everything above it.
const VAULT_AND_ABOVE: &[&str] = &["vault", "command", "tui", "cli"];

/// Files that are a crate root rather than a module (`crate::` in `main.rs` is the binary).
const ROOTS: &[&str] = &["src/lib.rs", "src/main.rs"];

/// Known breaks of a rule, each with the issue that removes it. A break is allowed only in the
/// named file and only for paths that start with the named module path; any other path from
/// that file still fails.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

#[test]
fn nothing_outside_the_command_line_names_command() {
    let allowed = |file: &str| {
        file.starts_with("src/command/") || file == "src/cli.rs" || ROOTS.contains(&file)
    };
    let broken: Vec<String> = references()
        .into_iter()
        .filter(|r| !allowed(&r.file) && r.top() == "command" && !r.known_exception())
        .map(|r| r.describe("only src/command/, cli.rs, main.rs and lib.rs may name `command`"))
        .collect();
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn nothing_below_the_vault_names_the_vault_or_anything_above_it() {
    let crate_modules = top_level_modules();
    let unplaced: Vec<&String> = crate_modules
        .iter()
        .filter(|m| !BELOW_VAULT.contains(&m.as_str()) && !VAULT_AND_ABOVE.contains(&m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules in neither layer: {unplaced:?}; add each to BELOW_VAULT or VAULT_AND_ABOVE in tests/layering.rs"
    );
    let broken: Vec<String> = references()
        .into_iter()
        .filter(|r| BELOW_VAULT.contains(&r.file_module().as_str()))
        .filter(|r| VAULT_AND_ABOVE.contains(&r.top()) && !r.known_exception())
        .map(|r| {
            let why = format!(
                "`{}` sits below the vault and must not name `{}`",
                r.file_module(),
                r.top()
            );
            r.describe(&why)
        })
        .collect();
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn the_interface_never_names_command() {
    let broken: Vec<String> = references()
        .into_iter()
        .filter(|r| r.file.starts_with("src/tui/") && r.top() == "command")
        .filter(|r| !r.known_exception())
        .map(|r| r.describe("the interface (src/tui/) must not name `command`"))
        .collect();
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

/// Where a database library's name appears outside its adapter: `file:line` of each.
fn library_outside(library: &str, adapter: &str) -> Vec<String> {
    let mut broken = Vec::new();
    for file in source_files() {
        let name = relative(&file);
        if name.starts_with(adapter) {
            continue;
        }
        let code = blank_comments_and_strings(&read(&file));
        for t in tokens(&code) {
            if t.kind == Kind::Ident && t.text == library {
                broken.push(format!(
                    "{name}:{}: names `{library}`; only {adapter} may",
                    t.line
                ));
            }
        }
    }
    broken
}

#[test]
fn rusqlite_appears_only_in_storage_sqlite() {
    let broken = library_outside("rusqlite", "src/storage/sqlite/");
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn the_postgres_client_appears_only_in_storage_pg() {
    let broken = library_outside("postgres", "src/storage/pg/");
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
    // The rule sees the client where it is used: it can fail.
    assert!(!library_outside("postgres", "src/storage/sqlite/").is_empty());
}

/// The checker itself, on small samples: a rule that cannot fail checks nothing.
#[test]
fn the_checker_resolves_every_spelling_of_a_path() {
    let found = |file: &str, code: &str| -> Vec<String> {
        references_in(file, code)
            .into_iter()
            .map(|r| r.path.join("::"))
            .collect()
    };
    let code = r#"
        use crate::{domain::Date, vault::{self, Vault}, command};
        use super::super::command::stats;
        // crate::vault in a comment is not a reference
        const S: &str = "crate::vault in a string is not one either";
        fn f() { let _ = crate::vault::now_timestamp(); let c = 'x'; let _l: &'static str = ""; }
        mod tests { use super::*; use self::inner::x; }
        pub(crate) fn g() { $crate::pii::find(); uppsok::tui::run(); }
        use crate::audit_log::{self as log, Action as A};
    "#;
    assert_eq!(
        found("src/stats/render.rs", code),
        [
            "domain::Date",
            "vault",
            "vault::Vault",
            "command",
            "command::stats",
            "vault::now_timestamp",
            "stats::render",
            "stats::render::tests::inner::x",
            "pii::find",
            "tui::run",
            "audit_log",
            "audit_log::Action",
        ]
    );
    // `super` from a top-level file and from a `mod.rs` reaches different places.
    assert_eq!(found("src/pii.rs", "use super::vault;"), ["vault"]);
    assert_eq!(
        found("src/audit/mod.rs", "use super::vault;"),
        ["vault"],
        "mod.rs is its folder's module"
    );
    assert_eq!(
        found("src/audit/log.rs", "use super::vault;"),
        ["audit::vault"]
    );
    // Lines are counted from 1, through blanked comments and strings.
    let refs = references_in("src/pii.rs", "/* a\n b */ \"x\ny\"\nuse crate::vault;");
    assert_eq!(refs[0].line, 4);
    assert_eq!(
        refs[0].describe("why"),
        "src/pii.rs:4: `crate::vault` (why)"
    );
}

// ----- references ---------------------------------------------------------------------------

/// One path in the source, resolved from the crate root.
#[derive(Debug)]
struct Reference {
    /// The file, relative to the crate (`src/tui/app.rs`).
    file: String,
    line: usize,
    /// Resolved module path, without `crate` (`["command", "stats", "compute"]`).
    path: Vec<String>,
}

impl Reference {
    /// The crate-level module the path starts in.
    fn top(&self) -> &str {
        self.path.first().map(String::as_str).unwrap_or("")
    }

    /// The crate-level module the file belongs to (`""` for a crate root).
    fn file_module(&self) -> String {
        module_of(&self.file).into_iter().next().unwrap_or_default()
    }

    fn known_exception(&self) -> bool {
        let path = self.path.join("::");
        KNOWN_EXCEPTIONS.iter().any(|(file, prefix)| {
            self.file == *file && (path == *prefix || path.starts_with(&format!("{prefix}::")))
        })
    }

    fn describe(&self, why: &str) -> String {
        format!(
            "{}:{}: `crate::{}` ({why})",
            self.file,
            self.line,
            self.path.join("::")
        )
    }
}

/// Every reference in every file under `src/`.
fn references() -> Vec<Reference> {
    let files = source_files();
    assert!(
        files.len() > 20,
        "found only {} files under src/: is the test running from the crate?",
        files.len()
    );
    files
        .iter()
        .flat_map(|f| references_in(&relative(f), &read(f)))
        .collect()
}

/// The references in one file's text; `file` is its path relative to the crate.
fn references_in(file: &str, text: &str) -> Vec<Reference> {
    let code = blank_comments_and_strings(text);
    let toks = tokens(&code);
    let file_module = module_of(file);
    let mut out = Vec::new();
    // Inline `mod name {` blocks: (name, brace depth inside the block).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match t.kind {
            Kind::Open => {
                depth += 1;
                i += 1;
                continue;
            }
            Kind::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            _ => {}
        }
        if t.is_ident("mod")
            && toks.get(i + 1).is_some_and(|n| n.kind == Kind::Ident)
            && toks.get(i + 2).is_some_and(|n| n.kind == Kind::Open)
        {
            inline.push((toks[i + 1].text.clone(), depth + 1));
            i += 2; // the `{` is counted by the loop
            continue;
        }
        let after_sep = i > 0 && toks[i - 1].kind == Kind::PathSep;
        let starts_path = t.kind == Kind::Ident
            && !after_sep
            && toks.get(i + 1).is_some_and(|n| n.kind == Kind::PathSep);
        let root = matches!(t.text.as_str(), "crate" | "$crate" | "uppsok");
        let relative = matches!(t.text.as_str(), "self" | "super");
        if starts_path && (root || relative) {
            let line = t.line;
            let (paths, end) = if root {
                parse_tail(&toks, i + 2, Vec::new())
            } else {
                let mut here = file_module.clone();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                parse_tail(&toks, i, here)
            };
            out.extend(
                paths
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(|path| Reference {
                        file: file.to_string(),
                        line,
                        path,
                    }),
            );
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// Reads a path from `toks[i]` on, below `prefix`; returns every path it names (more than one
/// for a `{...}` group) and the index after it.
fn parse_tail(toks: &[Token], mut i: usize, mut prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    loop {
        let Some(t) = toks.get(i) else {
            return (vec![prefix], i);
        };
        match t.kind {
            Kind::Ident => {
                match t.text.as_str() {
                    "self" => {}
                    "super" => {
                        prefix.pop();
                    }
                    name => prefix.push(name.to_string()),
                }
                i += 1;
                if toks.get(i).is_some_and(|n| n.kind == Kind::PathSep) {
                    i += 1;
                    continue;
                }
                return (vec![prefix], i);
            }
            Kind::Open => {
                i += 1;
                let mut paths = Vec::new();
                while let Some(t) = toks.get(i) {
                    match t.kind {
                        Kind::Close => {
                            i += 1;
                            break;
                        }
                        Kind::Comma => i += 1,
                        _ => {
                            let (p, end) = parse_tail(toks, i, prefix.clone());
                            paths.extend(p);
                            i = end.max(i + 1);
                            // Skip `as name` up to the next item.
                            while toks
                                .get(i)
                                .is_some_and(|t| !matches!(t.kind, Kind::Comma | Kind::Close))
                            {
                                i += 1;
                            }
                        }
                    }
                }
                return (paths, i);
            }
            // `*` and anything else: the path ends here.
            _ => return (vec![prefix], i),
        }
    }
}

// ----- reading the source ---------------------------------------------------------------------

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn source_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&crate_dir().join("src"), &mut out);
    out.sort();
    out
}

fn relative(file: &Path) -> String {
    file.strip_prefix(crate_dir())
        .expect("a file under the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()))
}

/// The module path of a file: `src/tui/ui/mod.rs` → `[tui, ui]`, `src/tui/app.rs` →
/// `[tui, app]`, a crate root → `[]`.
fn module_of(file: &str) -> Vec<String> {
    if ROOTS.contains(&file) {
        return Vec::new();
    }
    let inner = file
        .strip_prefix("src/")
        .and_then(|f| f.strip_suffix(".rs"))
        .unwrap_or(file);
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The crate-level modules: every `src/x.rs` and `src/x/` except the crate roots.
fn top_level_modules() -> BTreeSet<String> {
    source_files()
        .iter()
        .map(|f| relative(f))
        .filter(|f| !ROOTS.contains(&f.as_str()))
        .filter_map(|f| module_of(&f).into_iter().next())
        .collect()
}

/// The text with every comment and every string, byte-string and character literal replaced
/// by spaces (line breaks kept, so lines still count), so that only code is checked.
fn blank_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, from: &[char]| {
        for &ch in from {
            out.push(if ch == '\n' { '\n' } else { ' ' });
        }
    };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        let prev_ident = i > 0 && ident(c[i - 1]);
        // Line comment (also `///` and `//!`).
        if rest.starts_with(&['/', '/']) {
            let end = rest.iter().position(|&ch| ch == '\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
            continue;
        }
        // Block comment, nested.
        if rest.starts_with(&['/', '*']) {
            let (mut j, mut level) = (2, 1);
            while j < rest.len() && level > 0 {
                if rest[j..].starts_with(&['/', '*']) {
                    level += 1;
                    j += 2;
                } else if rest[j..].starts_with(&['*', '/']) {
                    level -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
            continue;
        }
        // Raw strings: r"..", r#".."#, br"..", cr"..".
        if !prev_ident {
            let skip = match rest {
                ['r', ..] => 1,
                ['b' | 'c', 'r', ..] => 2,
                _ => 0,
            };
            if skip > 0 {
                let hashes = rest[skip..].iter().take_while(|&&ch| ch == '#').count();
                if rest.get(skip + hashes) == Some(&'"') {
                    let open = skip + hashes + 1;
                    let close: Vec<char> = std::iter::once('"')
                        .chain(std::iter::repeat_n('#', hashes))
                        .collect();
                    let end = (open..rest.len())
                        .find(|&j| rest[j..].starts_with(&close))
                        .map(|j| j + close.len())
                        .unwrap_or(rest.len());
                    blank(&mut out, &rest[..end]);
                    i += end;
                    continue;
                }
            }
        }
        // Strings: "..", b"..", c"..".
        let quote = match rest {
            ['"', ..] => Some(0),
            ['b' | 'c', '"', ..] if !prev_ident => Some(1),
            _ => None,
        };
        if let Some(q) = quote {
            let mut j = q + 1;
            while j < rest.len() && rest[j] != '"' {
                j += if rest[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
            continue;
        }
        // Character literals ('x', '\n', '\u{..}', b'x'); a lifetime ('a) is left alone.
        let tick = match rest {
            ['\'', ..] => Some(0),
            ['b', '\'', ..] if !prev_ident => Some(1),
            _ => None,
        };
        if let Some(q) = tick {
            let body = &rest[q + 1..];
            let len = match body {
                ['\\', ..] => body
                    .iter()
                    .skip(1)
                    .position(|&ch| ch == '\'')
                    .map(|p| p + 2),
                [_, '\'', ..] => Some(1),
                _ => None,
            };
            if let Some(len) = len {
                let end = q + 1 + len + 1;
                blank(&mut out, &rest[..end]);
                i += end;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    PathSep,
    Open,
    Close,
    Comma,
    Other,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    text: String,
    line: usize,
}

impl Token {
    fn is_ident(&self, s: &str) -> bool {
        self.kind == Kind::Ident && self.text == s
    }
}

/// Identifiers (with `$crate` and raw `r#name` as one), `::`, braces and commas; everything
/// else is `Other`. Runs on code whose comments and strings are blanked.
fn tokens(code: &str) -> Vec<Token> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        let start = if ch == '$' && c.get(i + 1).is_some_and(|&n| ident(n)) {
            Some(i + 1)
        } else if ch == 'r' && c.get(i + 1) == Some(&'#') && c.get(i + 2).is_some_and(|&n| ident(n))
        {
            Some(i + 2)
        } else if ident(ch) {
            Some(i)
        } else {
            None
        };
        if let Some(s) = start {
            let end = (s..c.len()).find(|&j| !ident(c[j])).unwrap_or(c.len());
            let mut text: String = c[s..end].iter().collect();
            if ch == '$' {
                text.insert(0, '$');
            }
            out.push(Token {
                kind: Kind::Ident,
                text,
                line,
            });
            i = end;
            continue;
        }
        let (kind, len) = match (ch, c.get(i + 1)) {
            (':', Some(':')) => (Kind::PathSep, 2),
            ('{', _) => (Kind::Open, 1),
            ('}', _) => (Kind::Close, 1),
            (',', _) => (Kind::Comma, 1),
            _ => (Kind::Other, 1),
        };
        out.push(Token {
            kind,
            text: c[i..i + len].iter().collect(),
            line,
        });
        i += len;
    }
    out
}
