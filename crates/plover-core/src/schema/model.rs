//! The schema model: what a database contains, as plain data.
//!
//! Every collection is ordered (maps by name, columns by position), so two introspections of
//! the same database serialise byte for byte the same. Definitions are kept as the database
//! prints them, normalised by [`normalize`](super::normalize) so that catalog noise
//! (whitespace, redundant casts) never reads as a change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything Plover models in one database (or in the schemas of it that were asked for).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Installed extensions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Extension>,
    /// Schemas (namespaces) by name; SQLite has one, `main`.
    #[serde(default)]
    pub schemas: BTreeMap<String, Schema>,
}

/// An installed extension.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The schema its objects live in.
    pub schema: String,
    /// The installed version.
    pub version: String,
}

/// One schema (namespace) and the objects in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// `COMMENT ON SCHEMA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Tables by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, Table>,
    /// Views and materialized views by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    /// Functions and procedures by signature, `name(argument types)`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, Function>,
    /// Sequences by name, except those behind identity columns (part of the column).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<String, Sequence>,
    /// Enum, domain and composite types by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, UserType>,
}

/// A table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Columns in their position order. Order is shown but not compared: a column added
    /// by a later migration sits last, the same column written into DDL may not.
    pub columns: Vec<Column>,
    /// Primary key, unique, check, exclusion and foreign-key constraints by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraints: BTreeMap<String, Constraint>,
    /// Indexes by name, except those a constraint owns (part of the constraint).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
    /// Triggers by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, Trigger>,
    /// Row-level security policies by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: BTreeMap<String, Policy>,
    /// Whether row-level security is enabled, and forced on the owner too.
    #[serde(default, skip_serializing_if = "RowSecurity::is_off")]
    pub row_security: RowSecurity,
    /// `PARTITION BY ...` for a partitioned table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// `COMMENT ON TABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Table {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Row-level security on a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSecurity {
    /// Off (the default).
    #[default]
    Off,
    /// `ENABLE ROW LEVEL SECURITY`.
    Enabled,
    /// Enabled and `FORCE ROW LEVEL SECURITY`.
    Forced,
}

impl RowSecurity {
    /// Whether row-level security is off.
    pub fn is_off(&self) -> bool {
        *self == RowSecurity::Off
    }
}

/// A column of a table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its type as the database prints it (`character varying(20)`, `integer[]`).
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its default expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `GENERATED ... AS IDENTITY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// A collation other than the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// `COMMENT ON COLUMN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// How an identity column generates values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// What kind of constraint.
    pub kind: ConstraintKind,
    /// The columns it is on, in order (empty for a check on an expression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Its body as the database prints it (`CHECK ((price > 0))`, `FOREIGN KEY (a)
    /// REFERENCES t(id) ON DELETE CASCADE`), without the deferrability and `NOT VALID`
    /// clauses, which are the fields below.
    pub definition: String,
    /// Whether and how checking can be deferred.
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferral: Deferral,
    /// False for a constraint added `NOT VALID` and not validated since.
    pub validated: bool,
}

/// The kinds of table constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// `PRIMARY KEY`.
    PrimaryKey,
    /// `UNIQUE`.
    Unique,
    /// `CHECK`.
    Check,
    /// `EXCLUDE`.
    Exclusion,
    /// `FOREIGN KEY`.
    ForeignKey,
}

/// When a constraint is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferral {
    /// Checked at once (the default).
    #[default]
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    InitiallyDeferred,
}

impl Deferral {
    /// Whether this is the default, not deferrable.
    pub fn is_not_deferrable(&self) -> bool {
        *self == Deferral::NotDeferrable
    }
}

/// An index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The access method (`btree`, `gin`, ...).
    pub method: String,
    /// The key columns or expressions, each with its opclass, ordering and collation when
    /// not the default (`lower(email)`, `created_at DESC`).
    pub keys: Vec<String>,
    /// `INCLUDE (...)` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `NULLS NOT DISTINCT`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// The `WHERE` predicate of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// False for an index a failed `CREATE INDEX CONCURRENTLY` left behind.
    pub valid: bool,
}

/// A trigger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Its definition as the database prints it (`CREATE TRIGGER ... EXECUTE FUNCTION ...`).
    pub definition: String,
    /// False when disabled with `ALTER TABLE ... DISABLE TRIGGER`.
    pub enabled: bool,
}

/// A row-level security policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The command it applies to: `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// `PERMISSIVE` (true) or `RESTRICTIVE`.
    pub permissive: bool,
    /// The roles it applies to, sorted (`public` for everyone).
    pub roles: Vec<String>,
    /// The `USING` expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// The `WITH CHECK` expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
}

/// A view or materialized view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Whether it is materialized.
    #[serde(default, skip_serializing_if = "is_false")]
    pub materialized: bool,
    /// Its query as the database prints it, whitespace normalised.
    pub definition: String,
    /// Indexes on a materialized view, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
    /// `COMMENT ON VIEW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A function, procedure or aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Function, procedure or aggregate.
    pub kind: FunctionKind,
    /// Its arguments as declared, with names and defaults.
    pub arguments: String,
    /// What it returns (`integer`, `SETOF users`, `TABLE(id int)`); none for a procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// The language it is written in.
    pub language: String,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE`.
    pub volatility: Volatility,
    /// `SECURITY DEFINER`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    /// `STRICT` (returns NULL on NULL input).
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    /// SHA-256 of the body, in hex.
    pub body_sha256: String,
    /// `COMMENT ON FUNCTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The kinds of routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    /// `CREATE FUNCTION`.
    Function,
    /// `CREATE PROCEDURE`.
    Procedure,
    /// `CREATE AGGREGATE`.
    Aggregate,
    /// A window function.
    Window,
}

/// How a function's result depends on the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    /// `IMMUTABLE`.
    Immutable,
    /// `STABLE`.
    Stable,
    /// `VOLATILE`.
    Volatile,
}

/// A sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// `AS smallint | integer | bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
    /// `OWNED BY table.column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
}

/// A user-defined type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserType {
    /// What kind of type, with its parts.
    #[serde(flatten)]
    pub kind: TypeKind,
    /// `COMMENT ON TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The kinds of user-defined type Plover models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// `CREATE TYPE ... AS ENUM`, with its labels in sort order.
    Enum {
        /// The labels, in the enum's order.
        labels: Vec<String>,
    },
    /// `CREATE DOMAIN`.
    Domain {
        /// The underlying type.
        base_type: String,
        /// Whether it accepts NULL.
        nullable: bool,
        /// Its default expression.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
        /// Its check constraints, by name, as the database prints them.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        checks: BTreeMap<String, String>,
    },
    /// `CREATE TYPE ... AS (...)`.
    Composite {
        /// The attributes in order, as `(name, type)`.
        attributes: Vec<(String, String)>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}
