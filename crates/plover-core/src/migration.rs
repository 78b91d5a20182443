//! A migration as read from its files.

use crate::source::Allow;
use crate::{Checksum, TransactionMode, Version};

/// One versioned migration: its up script and, when there is one, its down script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The version, from the file name.
    pub version: Version,
    /// The name, from the file name (`add_users`).
    pub name: String,
    /// The script that applies it.
    pub up: Script,
    /// The script that reverts it, if any.
    pub down: Option<Script>,
}

impl Migration {
    /// The checksum recorded when the migration is applied: that of its up script.
    pub fn checksum(&self) -> Checksum {
        self.up.checksum
    }
}

/// One SQL file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The file, as shown to users (`migrations/001_add_users.sql`).
    pub path: String,
    /// Its normalised text (see [`crate::checksum::normalize`]).
    pub sql: String,
    /// The checksum of `sql`.
    pub checksum: Checksum,
    /// How its statements are wrapped in transactions.
    pub transaction: TransactionMode,
    /// The lint rules its header allows it to break (`-- plover:allow RULE reason`).
    pub allow: Vec<Allow>,
}
