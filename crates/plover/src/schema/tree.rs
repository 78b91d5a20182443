//! A tree of DDL files, concatenated in a deterministic order.
//!
//! The order is the configured directories in turn, each one's `.sql` files in path order
//! (byte order of the path relative to the base directory, `/`-separated), whatever order
//! the file system lists them in. An order file can pull files to the front. Every file is
//! normalised (byte-order mark dropped, CRLF made LF, one final newline) so that the same
//! tree hashes the same on every machine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use plover_core::Checksum;
use plover_core::body::line_at;

use super::error::SchemaError;

/// Where the DDL files are, as configured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeSettings {
    /// The directory paths are shown relative to (the config file's directory).
    pub base: PathBuf,
    /// The directories, in order.
    pub dirs: Vec<PathBuf>,
    /// Glob patterns of files to leave out, matched against the shown path.
    pub exclude: Vec<String>,
    /// A file listing paths (one per line) that go first, in the listed order.
    pub order_file: Option<PathBuf>,
}

/// One file of a concatenation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The file's path relative to the base directory, `/`-separated.
    pub path: String,
    /// Where its text starts in the concatenation (a byte offset).
    pub start: usize,
    /// Where its text ends.
    pub end: usize,
    /// The line of the concatenation its first line is on (1-based).
    pub first_line: usize,
}

/// The files of a tree, one after the other, each under a `-- file:` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concatenation {
    text: String,
    parts: Vec<Part>,
}

impl Concatenation {
    /// The whole text, as `schema build --output` writes it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The files, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The text of one file inside the concatenation.
    pub fn part_text(&self, part: &Part) -> &str {
        &self.text[part.start..part.end]
    }

    /// SHA-256 of the text.
    pub fn sha256(&self) -> Checksum {
        Checksum::of(&self.text)
    }

    /// The file and 1-based line (in that file) of byte `offset` inside file number `index`.
    pub fn locate(&self, index: usize, offset: usize) -> Option<(&str, usize)> {
        let part = self.parts.get(index)?;
        Some((&part.path, line_at(self.part_text(part), offset)))
    }
}

/// Reads and concatenates the DDL files of `settings`.
pub fn concatenate(settings: &TreeSettings, key: &str) -> Result<Concatenation, SchemaError> {
    let files = list_files(settings, key)?;
    let mut contents = Vec::with_capacity(files.len());
    for (shown, path) in &files {
        contents.push((shown.clone(), read_normalized(path)?));
    }
    Ok(join(&contents))
}

/// Joins `(path, text)` pairs under `-- file:` headers.
pub fn join(files: &[(String, String)]) -> Concatenation {
    let size: usize = files.iter().map(|(p, t)| p.len() + t.len() + 16).sum();
    let mut text = String::with_capacity(size + 64);
    text.push_str(&format!("-- plover schema build: {} files\n", files.len()));
    let mut line = 2;
    let mut parts = Vec::with_capacity(files.len());
    for (path, contents) in files {
        text.push_str("\n-- file: ");
        text.push_str(path);
        text.push('\n');
        line += 2;
        let start = text.len();
        text.push_str(contents);
        parts.push(Part {
            path: path.clone(),
            start,
            end: text.len(),
            first_line: line,
        });
        line += contents.matches('\n').count();
    }
    Concatenation { text, parts }
}

/// The `.sql` files of the tree as `(shown path, path on disk)`, in build order.
pub fn list_files(
    settings: &TreeSettings,
    key: &str,
) -> Result<Vec<(String, PathBuf)>, SchemaError> {
    let exclude = exclude_set(&settings.exclude)?;
    refuse_nested_dirs(&settings.dirs, key)?;
    let mut files = Vec::new();
    for dir in &settings.dirs {
        let mut found = Vec::new();
        walk(dir, &mut found).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SchemaError::Usage(format!(
                "the schema directory {} does not exist; create it or fix `{key}` in plover.toml",
                dir.display()
            )),
            _ => SchemaError::Io {
                path: dir.clone(),
                message: e.to_string(),
            },
        })?;
        let mut shown: Vec<(String, PathBuf)> = found
            .into_iter()
            .map(|path| (shown_path(&settings.base, &path), path))
            .filter(|(shown, _)| !exclude.is_match(shown))
            .collect();
        shown.sort();
        files.extend(shown);
    }
    match &settings.order_file {
        Some(order) => apply_order(files, &settings.base, order),
        None => Ok(files),
    }
}

/// A directory listed twice, or inside another listed one, would build its files twice.
fn refuse_nested_dirs(dirs: &[PathBuf], key: &str) -> Result<(), SchemaError> {
    let resolved: Vec<PathBuf> = dirs
        .iter()
        .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()))
        .collect();
    for (i, outer) in resolved.iter().enumerate() {
        for (j, inner) in resolved.iter().enumerate() {
            let message = if i < j && inner == outer {
                format!("`{key}` lists {} twice", dirs[i].display())
            } else if i != j && inner != outer && inner.starts_with(outer) {
                format!(
                    "`{key}` lists {} and {}, which holds it",
                    dirs[j].display(),
                    dirs[i].display()
                )
            } else {
                continue;
            };
            return Err(SchemaError::Usage(format!(
                "{message}: its files would be built twice; list it once"
            )));
        }
    }
    Ok(())
}

fn exclude_set(patterns: &[String]) -> Result<GlobSet, SchemaError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| {
            SchemaError::Usage(format!(
                "schema.exclude: `{pattern}` is not a glob pattern: {e}"
            ))
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| SchemaError::Usage(format!("schema.exclude: {e}")))
}

/// Collects the `.sql` files under `dir`, skipping hidden entries.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "sql") {
            found.push(path);
        }
    }
    Ok(())
}

/// `path` relative to `base` when it is inside it, `/`-separated.
fn shown_path(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != ".")
        .collect();
    parts.join("/")
}

fn read_normalized(path: &Path) -> Result<String, SchemaError> {
    let bytes = std::fs::read(path).map_err(|e| SchemaError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let text = plover_core::checksum::normalize(&bytes)
        .map_err(|e| SchemaError::Usage(format!("{}: {e}", path.display())))?;
    let mut text = text;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Puts the files the order file lists first, in its order; the rest follow in path order.
fn apply_order(
    files: Vec<(String, PathBuf)>,
    base: &Path,
    order: &Path,
) -> Result<Vec<(String, PathBuf)>, SchemaError> {
    let text = std::fs::read_to_string(order).map_err(|e| SchemaError::Io {
        path: order.to_owned(),
        message: e.to_string(),
    })?;
    let shown_order = shown_path(base, order);
    let mut listed = Vec::new();
    let mut seen = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        let entry = line
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches("./");
        if entry.is_empty() {
            continue;
        }
        let at = format!("{shown_order}:{}", number + 1);
        if !seen.insert(entry.to_owned()) {
            return Err(SchemaError::Usage(format!(
                "{at}: `{entry}` is listed twice"
            )));
        }
        let Some(file) = files.iter().find(|(shown, _)| shown == entry) else {
            return Err(SchemaError::Usage(format!(
                "{at}: `{entry}` is not a .sql file of the schema directories (or it is excluded); paths are relative to {}",
                if shown_path(base, base).is_empty() {
                    "the config file's directory".to_owned()
                } else {
                    base.display().to_string()
                }
            )));
        };
        listed.push(file.clone());
    }
    let rest = files.into_iter().filter(|(shown, _)| !seen.contains(shown));
    listed.extend(rest);
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_inside_each_file() {
        let c = join(&[
            ("a.sql".to_owned(), "one;\ntwo;\n".to_owned()),
            ("b.sql".to_owned(), "three;\n".to_owned()),
        ]);
        assert_eq!(
            c.text(),
            "-- plover schema build: 2 files\n\n-- file: a.sql\none;\ntwo;\n\n-- file: b.sql\nthree;\n"
        );
        assert_eq!(c.parts()[0].first_line, 4);
        assert_eq!(c.parts()[1].first_line, 8);
        assert_eq!(c.locate(0, 6), Some(("a.sql", 2)));
        assert_eq!(c.locate(1, 0), Some(("b.sql", 1)));
        assert_eq!(c.part_text(&c.parts()[1]), "three;\n");
    }

    #[test]
    fn a_directory_listed_twice_or_inside_another_is_refused() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("schema/sub")).unwrap();
        std::fs::write(base.path().join("schema/sub/a.sql"), "SELECT 1;").unwrap();
        let check = |dirs: &[&str], expect: &str| {
            let settings = TreeSettings {
                base: base.path().to_owned(),
                dirs: dirs.iter().map(|d| base.path().join(d)).collect(),
                exclude: Vec::new(),
                order_file: None,
            };
            let error = list_files(&settings, "schema.dirs")
                .unwrap_err()
                .to_string();
            let error = error.replace(&format!("{}/", base.path().display()), "");
            assert_eq!(error, expect);
        };
        check(
            &["schema", "schema/sub"],
            "`schema.dirs` lists schema/sub and schema, which holds it: its files would be \
             built twice; list it once",
        );
        check(
            &["schema/sub", "./schema"],
            "`schema.dirs` lists schema/sub and ./schema, which holds it: its files would be \
             built twice; list it once",
        );
        check(
            &["schema", "schema/../schema"],
            "`schema.dirs` lists schema twice: its files would be built twice; list it once",
        );
    }
}
