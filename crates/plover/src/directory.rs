//! Reading a migrations directory from disk.

use std::io;
use std::path::Path;

use plover_core::SourceFile;

/// A directory that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DirectoryError {
    message: String,
}

/// Reads the SQL files of `dir`: its top-level files and the files one level down (the
/// folder layout). Hidden entries are skipped.
pub fn read_directory(dir: &Path) -> Result<Vec<SourceFile>, DirectoryError> {
    let mut files = Vec::new();
    for entry in entries(dir)? {
        let (path, name) = entry;
        if path.is_dir() {
            for (inner, inner_name) in entries(&path)? {
                if inner.is_file() && inner_name.ends_with(".sql") {
                    files.push(read(&inner, format!("{name}/{inner_name}"))?);
                }
            }
        } else if name.ends_with(".sql") {
            files.push(read(&path, name)?);
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn entries(dir: &Path) -> Result<Vec<(std::path::PathBuf, String)>, DirectoryError> {
    let listing = std::fs::read_dir(dir).map_err(|e| directory_error(dir, &e))?;
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| directory_error(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            entries.push((entry.path(), name));
        }
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
