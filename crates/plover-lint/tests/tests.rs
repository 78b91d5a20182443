//! The rule corpus and the linter's behaviour on whole files.

mod corpus;
mod docs;
mod files;
