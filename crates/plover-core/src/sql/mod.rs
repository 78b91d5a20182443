//! SQL text handling: lexing, statement splitting, quoting and statement classification.

pub mod classify;
pub mod index;
pub mod lexer;
pub mod quote;
pub mod split;

pub use classify::{StatementPattern, matches_pattern};
pub use index::{created_index_name, dropped_index_name};
pub use lexer::Syntax;
pub use quote::{QualifiedName, quote_ident, quote_literal};
pub use split::{Statement, Unterminated, leading_words, split, split_checked};
