//! What the linter reports.

use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never stops anything.
    Info,
    /// Printed by `plover up`, which still runs.
    Warning,
    /// Stops `plover up` unless `--force` is given (and recorded).
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// The file, as shown to users.
    pub path: String,
    /// 1-based line of the offending SQL.
    pub line: usize,
    /// 1-based column (in characters) of the offending SQL.
    pub column: usize,
    /// Byte range of the offending SQL in the file.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// What is wrong, in one line.
    pub message: String,
    /// The safe recipe.
    pub recipe: String,
}
