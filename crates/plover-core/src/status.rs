//! Lining the migration files up against the history table.

use serde::Serialize;

use crate::{AppliedMigration, AppliedState, Migration, Version};

/// Where one migration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Applied (or baselined), and the file matches what was applied.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but the file changed since.
    Modified,
    /// Applied, but its file is gone.
    Missing,
    /// A `-- plover:no-transaction` migration that stopped part way.
    Partial,
    /// Applied; its file was removed and `plover accept` recorded that.
    Retired,
}

impl State {
    /// The state's name, as `status` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Partial => "partial",
            State::Retired => "retired",
        }
    }

    /// Whether this state stops `up` (a file edited or lost after it was applied).
    pub fn is_problem(self) -> bool {
        matches!(self, State::Modified | State::Missing)
    }
}

/// One migration's file and history row, side by side.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The version.
    pub version: Version,
    /// The file, when there is one.
    pub migration: Option<&'a Migration>,
    /// The history row, when there is one.
    pub applied: Option<&'a AppliedMigration>,
    /// Where it stands.
    pub state: State,
}

impl<'a> Entry<'a> {
    /// The name from the file, or from the history row when the file is gone.
    pub fn name(&self) -> &'a str {
        match (self.migration, self.applied) {
            (Some(m), _) => &m.name,
            (None, Some(a)) => &a.name,
            (None, None) => "",
        }
    }
}

/// Lines `available` files up against `applied` rows, both sorted by version.
pub fn status<'a>(available: &'a [Migration], applied: &'a [AppliedMigration]) -> Vec<Entry<'a>> {
    let mut entries = Vec::with_capacity(available.len().max(applied.len()));
    let (mut files, mut rows) = (available.iter().peekable(), applied.iter().peekable());
    loop {
        let entry = match (files.peek(), rows.peek()) {
            (None, None) => break,
            (Some(m), Some(a)) if m.version == a.version => {
                entry(Some(files.next().unwrap()), Some(rows.next().unwrap()))
            }
            (Some(m), Some(a)) if m.version < a.version => entry(files.next(), None),
            (Some(_), None) => entry(files.next(), None),
            (_, Some(_)) => entry(None, rows.next()),
        };
        entries.push(entry);
    }
    entries
}

fn entry<'a>(migration: Option<&'a Migration>, applied: Option<&'a AppliedMigration>) -> Entry<'a> {
    let state = match (migration, applied) {
        (Some(_), None) => State::Pending,
        (None, Some(a)) if a.state == AppliedState::Retired => State::Retired,
        (None, _) => State::Missing,
        (Some(m), Some(a)) if m.checksum() != a.checksum => State::Modified,
        (Some(_), Some(a)) if matches!(a.state, AppliedState::Partial { .. }) => State::Partial,
        (Some(_), Some(_)) => State::Applied,
    };
    let version = migration.map_or_else(|| applied.map(|a| a.version), |m| Some(m.version));
    Entry {
        version: version.expect("an entry has a file or a row"),
        migration,
        applied,
        state,
    }
}
