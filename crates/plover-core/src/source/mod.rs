//! Turning the files of a migrations directory into [`Migration`]s.
//!
//! Three layouts are recognised, and one directory must use exactly one of them:
//!
//! - native: `001_add_users.sql`, with an optional `001_add_users.down.sql` beside it;
//! - up/down: `001_add_users.up.sql` + `001_add_users.down.sql` (sqlx, golang-migrate);
//! - folders: `001_add_users/up.sql` + `001_add_users/down.sql` (diesel).
//!
//! Files that are not `.sql`, and sub-folders whose names are not `<version>_<name>`, are
//! not migrations and are left alone.

pub mod directive;
mod error;
pub mod name;

use std::collections::BTreeMap;

pub use directive::{Allow, Directives, TransactionMode};
pub use error::{SourceError, SourceErrors};
use name::{FileRole, classify_file, parse_stem};

use crate::migration::{Migration, Script};
use crate::{Checksum, Version, checksum};

/// One file of a migrations directory: its path relative to the directory, `/`-separated
/// (`001_add_users.sql` or `001_add_users/up.sql`), and its bytes.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the migrations directory.
    pub path: String,
    /// The file's contents.
    pub contents: Vec<u8>,
}

/// The way a directory lays its migrations out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `001_name.sql` and `001_name.down.sql`.
    Native,
    /// `001_name.up.sql` and `001_name.down.sql`.
    UpDown,
    /// `001_name/up.sql` and `001_name/down.sql`.
    Folder,
}

/// Parses the files of the directory shown to users as `dir` into migrations sorted by
/// version. Every problem found is reported, not only the first.
pub fn parse_migrations(dir: &str, files: &[SourceFile]) -> Result<Vec<Migration>, SourceErrors> {
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    for file in files {
        match classify(file) {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(reason) => errors.push(SourceError::UnparseableName {
                path: display_path(dir, &file.path),
                reason,
            }),
        }
    }
    if let Err(error) = detect_layout(dir, &entries) {
        errors.push(error);
    }
    let migrations = assemble(dir, entries, &mut errors);
    if errors.is_empty() {
        Ok(migrations)
    } else {
        Err(SourceErrors(errors))
    }
}

/// The layout of `files`, or `None` when the directory holds no migrations yet.
pub fn layout_of(files: &[SourceFile]) -> Option<Layout> {
    let entries: Vec<Entry<'_>> = files
        .iter()
        .filter_map(|f| classify(f).ok().flatten())
        .collect();
    entries.iter().find_map(|e| e.kind.layout())
}

/// Joins the directory shown to users and a path inside it.
pub fn display_path(dir: &str, relative: &str) -> String {
    if dir.is_empty() || dir == "." {
        relative.to_owned()
    } else {
        format!("{}/{relative}", dir.trim_end_matches('/'))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    NativeUp,
    Up,
    FileDown,
    FolderUp,
    FolderDown,
}

impl Kind {
    fn layout(self) -> Option<Layout> {
        match self {
            Kind::NativeUp => Some(Layout::Native),
            Kind::Up => Some(Layout::UpDown),
            Kind::FolderUp | Kind::FolderDown => Some(Layout::Folder),
            Kind::FileDown => None,
        }
    }

    fn is_up(self) -> bool {
        matches!(self, Kind::NativeUp | Kind::Up | Kind::FolderUp)
    }
}

struct Entry<'a> {
    version: Version,
    name: String,
    kind: Kind,
    file: &'a SourceFile,
}

/// What one file is, `None` when it is not part of any migration.
fn classify(file: &SourceFile) -> Result<Option<Entry<'_>>, String> {
    let parts: Vec<&str> = file.path.split('/').collect();
    let (stem, kind) = match parts.as_slice() {
        [file_name] => match classify_file(file_name) {
            None => return Ok(None),
            Some((FileRole::NativeUp, stem)) => (stem, Kind::NativeUp),
            Some((FileRole::Up, stem)) => (stem, Kind::Up),
            Some((FileRole::Down, stem)) => (stem, Kind::FileDown),
        },
        [folder, file_name] => {
            // A folder that starts like a migration but does not parse is a mistake, not
            // someone else's folder (`seeds/`): say so rather than skip it.
            let looks_like_migration = folder
                .split('_')
                .next()
                .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
            match parse_stem(folder) {
                Err(reason) if looks_like_migration && file_name.ends_with(".sql") => {
                    return Err(reason);
                }
                Err(_) => return Ok(None),
                Ok(_) if !file_name.ends_with(".sql") => return Ok(None),
                Ok(_) => {}
            }
            match *file_name {
                "up.sql" => (*folder, Kind::FolderUp),
                "down.sql" => (*folder, Kind::FolderDown),
                _ => return Err("a migration folder holds only up.sql and down.sql".to_owned()),
            }
        }
        _ => return Ok(None),
    };
    let (version, name) = parse_stem(stem)?;
    Ok(Some(Entry {
        version,
        name,
        kind,
        file,
    }))
}

fn detect_layout(dir: &str, entries: &[Entry<'_>]) -> Result<Option<Layout>, SourceError> {
    let mut seen: BTreeMap<&'static str, &str> = BTreeMap::new();
    let mut layout = None;
    for entry in entries {
        if let Some(found) = entry.kind.layout() {
            seen.entry(layout_name(found)).or_insert(&entry.file.path);
            layout = Some(found);
        }
    }
    if seen.len() > 1 {
        let examples = seen
            .iter()
            .map(|(k, p)| format!("{} ({k})", display_path(dir, p)));
        return Err(SourceError::MixedLayouts {
            dir: dir.to_owned(),
            examples: examples.collect(),
        });
    }
    Ok(layout)
}

fn layout_name(layout: Layout) -> &'static str {
    match layout {
        Layout::Native => "<version>_<name>.sql",
        Layout::UpDown => "<version>_<name>.up.sql",
        Layout::Folder => "<version>_<name>/up.sql",
    }
}

fn assemble(dir: &str, entries: Vec<Entry<'_>>, errors: &mut Vec<SourceError>) -> Vec<Migration> {
    let mut ups: BTreeMap<Version, Vec<Entry<'_>>> = BTreeMap::new();
    let mut downs: Vec<Entry<'_>> = Vec::new();
    for entry in entries {
        if entry.kind.is_up() {
            ups.entry(entry.version).or_default().push(entry);
        } else {
            downs.push(entry);
        }
    }
    let mut migrations = BTreeMap::new();
    for (version, mut group) in ups {
        if group.len() > 1 {
            let paths = group
                .iter()
                .map(|e| display_path(dir, &e.file.path))
                .collect();
            errors.push(SourceError::DuplicateVersion { version, paths });
            continue;
        }
        let up = group.remove(0);
        match script(dir, up.file) {
            Ok(script) => {
                migrations.insert(
                    version,
                    Migration {
                        version,
                        name: up.name,
                        up: script,
                        down: None,
                    },
                );
            }
            Err(error) => errors.push(error),
        }
    }
    attach_downs(dir, downs, &mut migrations, errors);
    migrations.into_values().collect()
}

fn attach_downs(
    dir: &str,
    downs: Vec<Entry<'_>>,
    migrations: &mut BTreeMap<Version, Migration>,
    errors: &mut Vec<SourceError>,
) {
    for down in downs {
        let path = display_path(dir, &down.file.path);
        let Some(migration) = migrations
            .get_mut(&down.version)
            .filter(|m| m.name == down.name)
        else {
            errors.push(SourceError::OrphanDown { path });
            continue;
        };
        match script(dir, down.file) {
            Ok(script) => migration.down = Some(script),
            Err(error) => errors.push(error),
        }
    }
}

fn script(dir: &str, file: &SourceFile) -> Result<Script, SourceError> {
    script_from(display_path(dir, &file.path), &file.contents)
}

/// One SQL file on its own (not necessarily named like a migration), as `path`: normalised,
/// checksummed, its directives read.
pub fn script_from(path: String, contents: &[u8]) -> Result<Script, SourceError> {
    let sql = checksum::normalize(contents).map_err(|source| SourceError::NotUtf8 {
        path: path.clone(),
        source,
    })?;
    let directives = directive::parse(&path, &sql)?;
    let checksum = Checksum::of(&sql);
    Ok(Script {
        path,
        sql,
        checksum,
        transaction: directives.transaction,
        allow: directives.allow,
    })
}

#[cfg(test)]
mod tests;
