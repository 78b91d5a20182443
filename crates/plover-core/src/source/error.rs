//! Problems with the files of a migrations directory.

use std::fmt;

use crate::{Version, checksum::NotUtf8};

/// One problem with one file of a migrations directory.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A `.sql` file whose name is not `<version>_<name>`.
    #[error("{path}: cannot read the file name: {reason}")]
    UnparseableName {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two files claim the same version.
    #[error("version {version} is used by more than one migration: {}", paths.join(", "))]
    DuplicateVersion {
        /// The version.
        version: Version,
        /// The files that share it.
        paths: Vec<String>,
    },
    /// A down script without its up script.
    #[error("{path}: a down script without its up script (same version and name)")]
    OrphanDown {
        /// The down script.
        path: String,
    },
    /// Files of more than one layout in one directory.
    #[error("{dir} mixes migration layouts: {}; use one layout per directory", examples.join(" and "))]
    MixedLayouts {
        /// The directory.
        dir: String,
        /// One file of each layout found.
        examples: Vec<String>,
    },
    /// A file that is not UTF-8.
    #[error("{path}: {source}")]
    NotUtf8 {
        /// The file.
        path: String,
        /// Where the bad byte is.
        source: NotUtf8,
    },
    /// A `-- plover:` directive Plover does not know.
    #[error(
        "{path}:{line}: unknown directive `plover:{directive}`; the directives are `-- plover:no-transaction` and `-- plover:allow RULE reason`"
    )]
    UnknownDirective {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
        /// The directive as written.
        directive: String,
    },
    /// A `-- plover:allow` without its rule or its reason.
    #[error(
        "{path}:{line}: `-- plover:allow` needs a rule and a reason: `-- plover:allow RULE why it is safe here`"
    )]
    AllowWithoutReason {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
    },
    /// A `-- plover:` directive after the first statement.
    #[error(
        "{path}:{line}: `-- plover:` directives belong in the header, before the first statement"
    )]
    MisplacedDirective {
        /// The file.
        path: String,
        /// The 1-based line.
        line: usize,
    },
}

/// Every problem found in a migrations directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceErrors(pub Vec<SourceError>);

impl fmt::Display for SourceErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceErrors {}
