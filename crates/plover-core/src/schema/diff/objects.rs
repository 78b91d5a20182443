//! What the diff compares of each kind of object: its fields as text, how it is rendered,
//! and, for tables and schemas, the parts it holds.

use std::collections::BTreeMap;

use super::{Change, Object, ObjectKind, Place, by_key, diff_map};
use crate::schema::model::{
    Column, Constraint, Extension, Function, Index, Policy, Schema, Sequence, Table, Trigger,
    TypeKind, UserType, View,
};
use crate::schema::render::{self, qualified};

fn text(value: impl ToString) -> Option<String> {
    Some(value.to_string())
}

fn flag(value: bool) -> Option<String> {
    text(value)
}

fn debug_word(value: impl std::fmt::Debug) -> Option<String> {
    let word = format!("{value:?}");
    let mut snake = String::new();
    for (i, c) in word.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    Some(snake)
}

impl Object for Extension {
    const KIND: ObjectKind = ObjectKind::Extension;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("schema", text(&self.schema)),
            ("version", text(&self.version)),
        ]
    }

    fn render(&self, _place: Option<Place<'_>>, name: &str) -> String {
        render::extension(name, self)
    }

    fn same_content(&self, _other: &Self) -> bool {
        false
    }
}

impl Object for Schema {
    const KIND: ObjectKind = ObjectKind::Schema;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("comment", self.comment.clone())]
    }

    fn render(&self, _place: Option<Place<'_>>, name: &str) -> String {
        render::schema(name, self)
    }

    fn diff_parts(
        &self,
        after: &Self,
        name: &str,
        _place: Option<Place<'_>>,
        out: &mut Vec<Change>,
    ) {
        let place = Some(Place {
            schema: name,
            parent: None,
        });
        diff_map(out, place, by_key(&self.types), by_key(&after.types));
        diff_map(
            out,
            place,
            by_key(&self.sequences),
            by_key(&after.sequences),
        );
        diff_map(out, place, by_key(&self.tables), by_key(&after.tables));
        diff_map(out, place, by_key(&self.views), by_key(&after.views));
        diff_map(
            out,
            place,
            by_key(&self.functions),
            by_key(&after.functions),
        );
    }
}

impl Object for Table {
    const KIND: ObjectKind = ObjectKind::Table;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("row_security", debug_word(self.row_security)),
            ("partition_by", self.partition_by.clone()),
            ("comment", self.comment.clone()),
        ]
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::table(&Self::path(place, name), self)
    }

    fn diff_parts(
        &self,
        after: &Self,
        name: &str,
        place: Option<Place<'_>>,
        out: &mut Vec<Change>,
    ) {
        let path = Self::path(place, name);
        let place = Some(Place::inside(place, &path));
        diff_map(out, place, columns_by_name(self), columns_by_name(after));
        diff_map(
            out,
            place,
            by_key(&self.constraints),
            by_key(&after.constraints),
        );
        diff_map(out, place, by_key(&self.indexes), by_key(&after.indexes));
        diff_map(out, place, by_key(&self.triggers), by_key(&after.triggers));
        diff_map(out, place, by_key(&self.policies), by_key(&after.policies));
    }
}

fn columns_by_name(table: &Table) -> BTreeMap<&str, &Column> {
    table.columns.iter().map(|c| (c.name.as_str(), c)).collect()
}

impl Object for Column {
    const KIND: ObjectKind = ObjectKind::Column;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("data_type", text(&self.data_type)),
            ("nullable", flag(self.nullable)),
            ("default", self.default.clone()),
            ("identity", self.identity.and_then(debug_word)),
            ("generated", self.generated.clone()),
            ("collation", self.collation.clone()),
            ("comment", self.comment.clone()),
        ]
    }

    fn render(&self, _place: Option<Place<'_>>, _name: &str) -> String {
        render::column(self)
    }

    fn same_content(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

impl Object for Constraint {
    const KIND: ObjectKind = ObjectKind::Constraint;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("kind", debug_word(self.kind)),
            ("columns", text(self.columns.join(", "))),
            ("definition", text(&self.definition)),
            ("deferral", debug_word(self.deferral)),
            ("validated", flag(self.validated)),
        ]
    }

    fn render(&self, _place: Option<Place<'_>>, name: &str) -> String {
        render::constraint(name, self)
    }
}

impl Object for Index {
    const KIND: ObjectKind = ObjectKind::Index;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("method", text(&self.method)),
            ("keys", text(self.keys.join(", "))),
            ("include", text(self.include.join(", "))),
            ("unique", flag(self.unique)),
            ("nulls_not_distinct", flag(self.nulls_not_distinct)),
            ("predicate", self.predicate.clone()),
            ("valid", flag(self.valid)),
        ]
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::index(place.and_then(|p| p.parent).unwrap_or(""), name, self)
    }
}

impl Object for Trigger {
    const KIND: ObjectKind = ObjectKind::Trigger;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("definition", text(&self.definition)),
            ("enabled", flag(self.enabled)),
        ]
    }

    fn render(&self, _place: Option<Place<'_>>, _name: &str) -> String {
        render::trigger(self)
    }

    // A trigger's definition names the trigger, so a renamed one never looks the same.
    fn same_content(&self, _other: &Self) -> bool {
        false
    }
}

impl Object for Policy {
    const KIND: ObjectKind = ObjectKind::Policy;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("command", text(&self.command)),
            ("permissive", flag(self.permissive)),
            ("roles", text(self.roles.join(", "))),
            ("using", self.using.clone()),
            ("with_check", self.with_check.clone()),
        ]
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::policy(place.and_then(|p| p.parent).unwrap_or(""), name, self)
    }
}

impl Object for View {
    const KIND: ObjectKind = ObjectKind::View;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("materialized", flag(self.materialized)),
            ("definition", text(&self.definition)),
            ("comment", self.comment.clone()),
        ]
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::view(&Self::path(place, name), self)
    }

    fn diff_parts(
        &self,
        after: &Self,
        name: &str,
        place: Option<Place<'_>>,
        out: &mut Vec<Change>,
    ) {
        let path = Self::path(place, name);
        let place = Some(Place::inside(place, &path));
        diff_map(out, place, by_key(&self.indexes), by_key(&after.indexes));
    }
}

impl Object for Function {
    const KIND: ObjectKind = ObjectKind::Function;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("kind", debug_word(self.kind)),
            ("arguments", text(&self.arguments)),
            ("returns", self.returns.clone()),
            ("language", text(&self.language)),
            ("volatility", debug_word(self.volatility)),
            ("security_definer", flag(self.security_definer)),
            ("strict", flag(self.strict)),
            ("body_sha256", text(&self.body_sha256)),
            ("comment", self.comment.clone()),
        ]
    }

    // A signature is `name(types)`; quoting applies to the name only.
    fn path(place: Option<Place<'_>>, signature: &str) -> String {
        let schema = place.map_or("", |p| p.schema);
        let (name, arguments) = signature.split_at(signature.find('(').unwrap_or(signature.len()));
        format!("{}{arguments}", qualified(schema, name))
    }

    fn render(&self, place: Option<Place<'_>>, signature: &str) -> String {
        render::function(place.map_or("", |p| p.schema), signature, self)
    }
}

impl Object for Sequence {
    const KIND: ObjectKind = ObjectKind::Sequence;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("data_type", text(&self.data_type)),
            ("start", text(self.start)),
            ("increment", text(self.increment)),
            ("min", text(self.min)),
            ("max", text(self.max)),
            ("cache", text(self.cache)),
            ("cycle", flag(self.cycle)),
            ("owned_by", self.owned_by.clone()),
        ]
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::sequence(&Self::path(place, name), self)
    }
}

impl Object for UserType {
    const KIND: ObjectKind = ObjectKind::Type;

    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let mut fields = match &self.kind {
            TypeKind::Enum { labels } => vec![("labels", text(labels.join(", ")))],
            TypeKind::Domain {
                base_type,
                nullable,
                default,
                checks,
            } => {
                let checks: Vec<String> = checks.iter().map(|(n, c)| format!("{n}: {c}")).collect();
                vec![
                    ("base_type", text(base_type)),
                    ("nullable", flag(*nullable)),
                    ("default", default.clone()),
                    ("checks", text(checks.join("; "))),
                ]
            }
            TypeKind::Composite { attributes } => {
                let attributes: Vec<String> =
                    attributes.iter().map(|(n, t)| format!("{n} {t}")).collect();
                vec![("attributes", text(attributes.join(", ")))]
            }
        };
        fields.insert(0, ("kind", text(type_kind_word(&self.kind))));
        fields.push(("comment", self.comment.clone()));
        fields
    }

    fn render(&self, place: Option<Place<'_>>, name: &str) -> String {
        render::user_type(&Self::path(place, name), self)
    }
}

fn type_kind_word(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Enum { .. } => "enum",
        TypeKind::Domain { .. } => "domain",
        TypeKind::Composite { .. } => "composite",
    }
}
