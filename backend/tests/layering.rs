//! The backend's imports run one way (DESIGN.md, "The backend's shape"): a module may import
//! its own layer and the layers below it, never one above. This test reads every file under
//! `src/`, takes each `crate::…` path (in `use` lines and in code, comments skipped) and fails on
//! an upward one. It also holds `db/` to rows: no file there may name a wire DTO (`…Response`).
//!
//! Known violations that other parts of issue #15 are removing right now are listed in
//! [`ALLOWED`], each with the part that removes it; an entry that no longer occurs fails the test,
//! so the list only ever shrinks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules by layer, top first. A module may import from its own layer or any below.
const LAYERS: &[(&str, &[&str])] = &[
    // Wiring and entry points: they build and start everything below.
    (
        "entry",
        &["main", "cli", "startup", "state", "healthcheck", "http"],
    ),
    // When things run; enqueues jobs only.
    ("scheduler", &["scheduler"]),
    // The one executor.
    ("jobs", &["jobs"]),
    // The domain: rules and transactions.
    (
        "services",
        &["access", "auth", "settings", "backups", "portal"],
    ),
    // The Plex client, the queries per table, and the audit trail's writer (rows into db/audit).
    ("plex/db", &["plex", "db", "audit", "notify"]),
    // Small leaves used by all.
    (
        "leaves",
        &[
            "config",
            "clock",
            "telemetry",
            "tls",
            "data_dir",
            "metrics",
            "logs",
            "suggest",
            "csv",
            "process",
        ],
    ),
];

/// Today's upward imports outside the accounts/auth/settings/audit areas, as
/// `(importing file, imported top-level module)`. Each is removed by the part of #15 named.
const ALLOWED: &[(&str, &str)] = &[];

/// `db/` files that still build a wire DTO, each removed by the part of #15 named.
const DTO_IN_DB_ALLOWED: &[&str] = &[];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/http/auth.rs` → `http/auth.rs`.
fn relative(path: &Path) -> String {
    path.strip_prefix(src_dir())
        .expect("under src")
        .to_string_lossy()
        .replace('\\', "/")
}

/// The top-level module a file belongs to (`http/auth.rs` → `http`, `clock.rs` → `clock`);
/// `None` for the crate root (`lib.rs`), which only declares the modules.
fn module_of(relative: &str) -> Option<&str> {
    let first = relative.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then_some(name)
}

/// Index into [`LAYERS`] (0 = top); `None` for a name that is not a module (a crate-root item
/// such as `crate::VERSION`).
fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The source without comments (line comments, doc comments, block comments); string contents
/// are kept, a `//` inside a string is not a comment.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let chars: Vec<char> = source.chars().collect();
    let (mut i, mut in_string, mut block_depth) = (0, false, 0usize);
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if block_depth > 0 {
            if c == '*' && next == Some('/') {
                block_depth -= 1;
                i += 2;
            } else if c == '/' && next == Some('*') {
                block_depth += 1;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = next {
                    out.push(n);
                }
                i += 2;
                continue;
            }
            if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (c, next) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                block_depth = 1;
                i += 2;
            }
            ('"', _) => {
                // A char literal '"' is not the start of a string.
                let is_char_literal = i > 0 && chars[i - 1] == '\'' && next == Some('\'');
                in_string = !is_char_literal;
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The first segment after every `crate::` (`crate::db::run` → `db`), including each item of a
/// `crate::{a, b::c}` group.
fn crate_imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // `plexward_crate::` or `mycrate::` are not `crate::`.
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let after = rest[at + "crate::".len()..].trim_start();
        if !preceded_by_ident {
            if let Some(group) = after.strip_prefix('{') {
                // Top-level items of the group: split on commas at brace depth 0.
                let (mut depth, mut start) = (0usize, 0usize);
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            found.insert(ident(group[start..i].trim()));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.insert(ident(group[start..i].trim()));
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                found.insert(ident(after));
            }
        }
        rest = &rest[at + "crate::".len()..];
    }
    found.remove("");
    found
}

#[test]
fn imports_only_point_down_the_layers() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    assert!(
        files.len() > 50,
        "found the sources ({} files)",
        files.len()
    );

    let mut upward = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for path in &files {
        let file = relative(path);
        let Some(module) = module_of(&file) else {
            continue;
        };
        let Some(own) = layer_of(module) else {
            unknown.insert(format!("{file}: module `{module}` has no layer"));
            continue;
        };
        let code = strip_comments(&std::fs::read_to_string(path).expect("readable"));
        for imported in crate_imports(&code) {
            match layer_of(&imported) {
                Some(theirs) if theirs < own => {
                    upward.insert((file.clone(), imported));
                }
                Some(_) => {}
                // A crate-root item (`crate::VERSION`, `crate::install_crypto_provider`).
                None if imported.chars().next().is_some_and(|c| c.is_uppercase()) => {}
                None if imported == "install_crypto_provider" => {}
                None => {
                    unknown.insert(format!("{file}: `crate::{imported}` has no layer"));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "give every module a layer in LAYERS:\n{}",
        unknown.into_iter().collect::<Vec<_>>().join("\n")
    );

    let allowed: BTreeSet<(String, String)> = ALLOWED
        .iter()
        .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
        .collect();
    let new: Vec<String> = upward
        .difference(&allowed)
        .map(|(file, module)| format!("{file} imports crate::{module} (a layer above it)"))
        .collect();
    assert!(
        new.is_empty(),
        "upward imports (move the code down, or the rule into the layer that owns it):\n{}",
        new.join("\n")
    );
    let gone: Vec<String> = allowed
        .difference(&upward)
        .map(|(file, module)| format!("({file:?}, {module:?})"))
        .collect();
    assert!(
        gone.is_empty(),
        "fixed, so remove from ALLOWED: {}",
        gone.join(", ")
    );
}

#[test]
fn db_returns_rows_never_wire_dtos() {
    let mut files = Vec::new();
    rust_files(&src_dir().join("db"), &mut files);
    let mut building = BTreeSet::new();
    for path in &files {
        let code = strip_comments(&std::fs::read_to_string(path).expect("readable"));
        // A wire DTO is a `plexward_shared` type named `…Response`.
        let names_dto = code
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| {
                w.len() > "Response".len()
                    && w.ends_with("Response")
                    && w.starts_with(char::is_uppercase)
            });
        if names_dto {
            building.insert(relative(path));
        }
    }
    let allowed: BTreeSet<String> = DTO_IN_DB_ALLOWED.iter().map(|f| (*f).to_owned()).collect();
    let new: Vec<_> = building.difference(&allowed).cloned().collect();
    assert!(
        new.is_empty(),
        "db/ builds wire DTOs in {new:?}: return rows and map them in http/dto.rs"
    );
    let gone: Vec<_> = allowed.difference(&building).cloned().collect();
    assert!(
        gone.is_empty(),
        "fixed, so remove from DTO_IN_DB_ALLOWED: {gone:?}"
    );
}

#[test]
fn only_the_entry_layer_speaks_actix() {
    // Services and below run on the main runtime and know nothing of HTTP: no actix types, no
    // spawning onto actix's worker runtimes.
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut speaking = Vec::new();
    for path in &files {
        let file = relative(path);
        let Some(layer) = module_of(&file).and_then(layer_of) else {
            continue;
        };
        let code = strip_comments(&std::fs::read_to_string(path).expect("readable"));
        if layer > 0 && (code.contains("actix_web") || code.contains("actix_multipart")) {
            speaking.push(file);
        }
    }
    assert!(
        speaking.is_empty(),
        "below http/ but naming actix: {speaking:?}"
    );
}

#[test]
fn the_reader_finds_paths_and_skips_comments() {
    let code = strip_comments(
        "use crate::db::{self, DbPool};\n\
         use crate::{audit, http::error::ApiError};\n\
         //! see crate::startup\n\
         let url = \"http://x\"; // crate::jobs\n\
         /* crate::scheduler */ let t = crate::clock::system();\n\
         let c = '\"'; let s = \"crate::tls\";",
    );
    let found = crate_imports(&code);
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["audit", "clock", "db", "http", "tls"]
    );
}
