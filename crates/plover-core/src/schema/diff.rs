//! What differs between two schema models, as typed changes.
//!
//! Objects are matched by name within their parent. An object present on one side only is
//! added or removed, unless exactly one object of the same kind on the other side has the
//! same content under another name, which makes it clearly a rename. Column order is not
//! compared (see [`Table::columns`](super::model::Table::columns)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::Catalog;
use super::render::{self, qualified};

mod objects;

/// What happened to an object between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Only in the second (target) side.
    Added,
    /// Only in the first (source) side.
    Removed,
    /// On both sides, with different details.
    Altered,
    /// On both sides with the same content under different names.
    Renamed,
}

/// The kinds of object a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// An extension.
    Extension,
    /// A schema.
    Schema,
    /// A table.
    Table,
    /// A column of a table.
    Column,
    /// A constraint of a table.
    Constraint,
    /// An index of a table or materialized view.
    Index,
    /// A trigger of a table.
    Trigger,
    /// A row-level security policy of a table.
    Policy,
    /// A view or materialized view.
    View,
    /// A function or procedure.
    Function,
    /// A sequence.
    Sequence,
    /// An enum, domain or composite type.
    Type,
}

impl ObjectKind {
    /// The kind as a lowercase word, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Extension => "extension",
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
            ObjectKind::View => "view",
            ObjectKind::Function => "function",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Type => "type",
        }
    }
}

/// One difference between the two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Added, removed, altered or renamed.
    pub action: Action,
    /// What kind of object.
    pub kind: ObjectKind,
    /// The object's qualified name (`public.users.email`, `public.total(integer)`), as it is
    /// on the side that has it (the second side for a rename or an alteration).
    pub name: String,
    /// The table or view the object belongs to (`public.users`), for columns, constraints,
    /// indexes, triggers and policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For a rename, the name on the first side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// For an alteration, each detail that differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// For an addition or removal, the object as DDL-like text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// One detail of an altered object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Which detail (`data_type`, `default`, `definition`, ...).
    pub field: String,
    /// Its value on the first side; none when unset there.
    pub before: Option<String>,
    /// Its value on the second side; none when unset there.
    pub after: Option<String>,
}

/// Every difference between `before` (the source) and `after` (the target): what must be
/// added, removed or altered to turn the first into the second. Identical catalogs give
/// nothing.
pub fn diff(before: &Catalog, after: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    diff_map(
        &mut out,
        None,
        by_key(&before.extensions),
        by_key(&after.extensions),
    );
    diff_map(
        &mut out,
        None,
        by_key(&before.schemas),
        by_key(&after.schemas),
    );
    out
}

/// Where an object sits: the schema it is in and, for the parts of a table, the table.
#[derive(Clone, Copy)]
struct Place<'a> {
    schema: &'a str,
    parent: Option<&'a str>,
}

impl<'a> Place<'a> {
    /// Where the parts of the object at `path` (in `place`) live.
    fn inside(place: Option<Place<'a>>, path: &'a str) -> Place<'a> {
        Place {
            schema: place.map_or("", |p| p.schema),
            parent: Some(path),
        }
    }
}

/// What the diff needs to know about each kind of object.
trait Object: PartialEq {
    const KIND: ObjectKind;

    /// The details compared one by one, with their values as text.
    fn fields(&self) -> Vec<(&'static str, Option<String>)>;

    /// The qualified name of the object called `name` at `place`.
    fn path(place: Option<Place<'_>>, name: &str) -> String {
        match place {
            Some(Place {
                parent: Some(parent),
                ..
            }) => format!("{parent}.{}", render::ident(name)),
            Some(Place { schema, .. }) => qualified(schema, name),
            None => render::ident(name),
        }
    }

    /// The object as DDL-like text.
    fn render(&self, place: Option<Place<'_>>, name: &str) -> String;

    /// Whether two objects under different names are the same object renamed.
    fn same_content(&self, other: &Self) -> bool {
        self == other
    }

    /// Adds the differences between the parts of two versions of the object called `name`.
    fn diff_parts(
        &self,
        _after: &Self,
        _name: &str,
        _place: Option<Place<'_>>,
        _out: &mut Vec<Change>,
    ) {
    }
}

fn by_key<T>(map: &BTreeMap<String, T>) -> BTreeMap<&str, &T> {
    map.iter().map(|(k, v)| (k.as_str(), v)).collect()
}

fn diff_map<T: Object>(
    out: &mut Vec<Change>,
    place: Option<Place<'_>>,
    before: BTreeMap<&str, &T>,
    after: BTreeMap<&str, &T>,
) {
    let parent = place.and_then(|p| p.parent).map(str::to_owned);
    let change = |action, name: &str| Change {
        action,
        kind: T::KIND,
        name: T::path(place, name),
        parent: parent.clone(),
        renamed_from: None,
        fields: Vec::new(),
        definition: None,
    };
    let removed: Vec<&str> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .copied()
        .collect();
    let added: Vec<&str> = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .copied()
        .collect();
    let renames = pair_renames(&removed, &added, &before, &after);
    for name in &removed {
        if !renames.contains_key(name) {
            out.push(Change {
                definition: Some(before[name].render(place, name)),
                ..change(Action::Removed, name)
            });
        }
    }
    for (name, old) in &before {
        let Some(new) = after.get(name) else { continue };
        if old != new {
            let fields = changed_fields(old.fields(), new.fields());
            if !fields.is_empty() {
                out.push(Change {
                    fields,
                    ..change(Action::Altered, name)
                });
            }
            old.diff_parts(new, name, place, out);
        }
    }
    for (from, to) in &renames {
        out.push(Change {
            renamed_from: Some(T::path(place, from)),
            ..change(Action::Renamed, to)
        });
    }
    for name in &added {
        if !renames.values().any(|to| to == name) {
            out.push(Change {
                definition: Some(after[name].render(place, name)),
                ..change(Action::Added, name)
            });
        }
    }
}

/// Removed and added names whose objects are the same but for the name, paired one to one;
/// an object with more than one look-alike on the other side is not clearly renamed.
fn pair_renames<'a, T: Object>(
    removed: &[&'a str],
    added: &[&'a str],
    before: &BTreeMap<&str, &T>,
    after: &BTreeMap<&str, &T>,
) -> BTreeMap<&'a str, &'a str> {
    let matches = |old: &str| -> Vec<&'a str> {
        added
            .iter()
            .copied()
            .filter(|new| before[old].same_content(after[new]))
            .collect()
    };
    let mut renames = BTreeMap::new();
    for old in removed {
        let candidates = matches(old);
        if let [new] = candidates.as_slice() {
            let rivals = removed
                .iter()
                .filter(|o| before[*o].same_content(after[new]))
                .count();
            if rivals == 1 {
                renames.insert(*old, *new);
            }
        }
    }
    renames
}

/// The fields whose values differ, in the order the first side lists them, then the
/// fields only the second side has (a type that changed kind has different fields).
fn changed_fields(
    before: Vec<(&'static str, Option<String>)>,
    after: Vec<(&'static str, Option<String>)>,
) -> Vec<FieldChange> {
    let value = |fields: &[(&str, Option<String>)], name: &str| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    };
    let mut names: Vec<&str> = before.iter().map(|(n, _)| *n).collect();
    names.extend(
        after
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !before.iter().any(|(b, _)| b == n)),
    );
    names
        .into_iter()
        .map(|field| FieldChange {
            field: field.to_owned(),
            before: value(&before, field),
            after: value(&after, field),
        })
        .filter(|change| change.before != change.after)
        .collect()
}
