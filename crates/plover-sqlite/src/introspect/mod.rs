//! Reading the schema model out of SQLite's `sqlite_schema` and pragmas.
//!
//! A schema reads in a handful of queries whatever its size ([`pragma`]): the schema table
//! once, then `pragma_table_xinfo`, `pragma_index_list` + `pragma_index_xinfo` and
//! `pragma_foreign_key_list` each once for all tables, joined as table-valued functions.
//! What the pragmas do not say (constraint names, CHECK constraints, collations, generated
//! expressions, index expressions and predicates, view queries) is read from the stored
//! `CREATE` text with Plover's SQL lexer ([`create_table`], [`statement`]).
//!
//! Definitions are whitespace- and comment-squashed and declared types lowercased, so DDL
//! written two ways reads the same; keyword case and spacing inside expressions are kept as
//! written. SQLite's constraints are unnamed unless written `CONSTRAINT name`; unnamed ones
//! get PostgreSQL's names (see [`constraint`]).

mod constraint;
mod create_table;
mod pragma;
mod read;
mod statement;
mod table;
mod tokens;

pub use read::introspect;
