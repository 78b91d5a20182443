//! The schema model, and what differs between two of them.
//!
//! Drivers introspect a database into a [`Catalog`] (pure data, serialisable, stably
//! ordered); [`diff()`] compares two catalogs into typed [`Change`]s; [`render`] prints a
//! catalog or a change as readable DDL-like text.

pub mod diff;
#[cfg(test)]
mod diff_tests;
pub mod model;
pub mod normalize;
pub mod render;
pub mod scope;

pub use diff::{Action, Change, FieldChange, ObjectKind, diff};
pub use model::{
    Catalog, Column, Constraint, ConstraintKind, Deferral, Extension, Function, FunctionKind,
    Identity, Index, Policy, RowSecurity, Schema, Sequence, Table, Trigger, TypeKind, UserType,
    View, Volatility,
};
pub use scope::Scope;
