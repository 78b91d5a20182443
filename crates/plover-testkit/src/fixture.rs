//! Migration directories written into temporary folders.

use std::path::{Path, PathBuf};

use plover::core::Driver;
use plover::migrator::RunReport;
use plover::{Error, Migrator, Options, Silent};
use tempfile::TempDir;

/// A temporary migrations directory.
#[derive(Debug)]
pub struct Fixture {
    dir: TempDir,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    /// An empty directory.
    pub fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes `contents` to `relative` (folders created as needed).
    pub fn file(self, relative: &str, contents: &str) -> Self {
        self.write(relative, contents);
        self
    }

    /// Writes or overwrites `relative`.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(path, contents).expect("write fixture file");
    }

    /// Removes `relative`.
    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.dir.path().join(relative)).expect("remove fixture file");
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `relative` inside the directory.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// A migrator over this directory with default options.
    pub fn migrator(&self) -> Migrator {
        self.migrator_with(Options::default())
    }

    /// A migrator over this directory with `options`.
    pub fn migrator_with(&self, options: Options) -> Migrator {
        Migrator::from_directory(self.path(), options).expect("fixture migrations parse")
    }

    /// Applies every pending migration with default options, observed by no one.
    pub async fn up(&self, db: &mut dyn Driver) -> Result<RunReport, Error> {
        self.migrator().up(db, None, &mut Silent).await
    }
}
