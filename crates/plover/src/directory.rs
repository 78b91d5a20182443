//! Reading a migrations directory from disk.

use std::io;
use std::path::{Path, PathBuf};

use plover_core::SourceFile;

/// A directory that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DirectoryError {
    message: String,
}

/// Reads the SQL files of `dir`: its top-level files and the files one level down (the
/// folder layout). Hidden entries are skipped; symbolic links are followed.
pub fn read_directory(dir: &Path) -> Result<Vec<SourceFile>, DirectoryError> {
    let mut files = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir {
            for inner in entries(&entry.path)? {
                if !inner.is_dir && is_sql(&inner)? {
                    files.push(read(&inner.path, format!("{}/{}", entry.name, inner.name))?);
                }
            }
        } else if is_sql(&entry)? {
            files.push(read(&entry.path, entry.name)?);
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Whether `entry` is an SQL file; `.SQL` (or any other case) is refused rather than
/// skipped: on a case-insensitive file system it would otherwise vanish without a word.
fn is_sql(entry: &Entry) -> Result<bool, DirectoryError> {
    let Some(dot) = entry.name.rfind('.') else {
        return Ok(false);
    };
    match &entry.name[dot..] {
        ".sql" => Ok(true),
        other if other.eq_ignore_ascii_case(".sql") => Err(DirectoryError {
            message: format!(
                "{}: migration files end in `.sql`, in lower case; rename it",
                entry.path.display()
            ),
        }),
        _ => Ok(false),
    }
}

struct Entry {
    path: PathBuf,
    name: String,
    is_dir: bool,
}

fn entries(dir: &Path) -> Result<Vec<Entry>, DirectoryError> {
    let listing = std::fs::read_dir(dir).map_err(|e| directory_error(dir, &e))?;
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| directory_error(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // The listing already knows the kind of entry; only a symbolic link costs a stat.
        let kind = entry.file_type().map_err(|e| directory_error(dir, &e))?;
        let path = entry.path();
        let is_dir = kind.is_dir() || (kind.is_symlink() && path.is_dir());
        entries.push(Entry { path, name, is_dir });
    }
    Ok(entries)
}

fn read(path: &Path, relative: String) -> Result<SourceFile, DirectoryError> {
    let contents = std::fs::read(path).map_err(|e| DirectoryError {
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    Ok(SourceFile {
        path: relative,
        contents,
    })
}

fn directory_error(dir: &Path, error: &io::Error) -> DirectoryError {
    let message = if error.kind() == io::ErrorKind::NotFound {
        format!(
            "the migrations directory {} does not exist; create it with `plover init`, or point --dir or migrations.dir in plover.toml at yours",
            dir.display()
        )
    } else {
        format!(
            "cannot read the migrations directory {}: {error}",
            dir.display()
        )
    };
    DirectoryError { message }
}
