//! Tests of [`diff`](super::diff()) on hand-built catalogs.

use super::model::*;
use super::{Action, Change, ObjectKind, diff};

fn column(name: &str, data_type: &str) -> Column {
    Column {
        name: name.to_owned(),
        data_type: data_type.to_owned(),
        nullable: true,
        ..Column::default()
    }
}

fn users() -> Table {
    let mut table = Table {
        columns: vec![column("id", "bigint"), column("email", "text")],
        ..Table::default()
    };
    table.columns[0].nullable = false;
    table.constraints.insert(
        "users_pkey".to_owned(),
        Constraint {
            kind: ConstraintKind::PrimaryKey,
            columns: vec!["id".to_owned()],
            definition: "PRIMARY KEY (id)".to_owned(),
            deferral: Deferral::NotDeferrable,
            validated: true,
        },
    );
    table.indexes.insert(
        "users_email_idx".to_owned(),
        Index {
            method: "btree".to_owned(),
            keys: vec!["lower(email)".to_owned()],
            include: Vec::new(),
            unique: false,
            nulls_not_distinct: false,
            predicate: None,
            valid: true,
        },
    );
    table
}

fn catalog(edit: impl FnOnce(&mut Schema)) -> Catalog {
    let mut schema = Schema::default();
    schema.tables.insert("users".to_owned(), users());
    edit(&mut schema);
    let mut catalog = Catalog::default();
    catalog.schemas.insert("public".to_owned(), schema);
    catalog
}

fn users_of(schema: &mut Schema) -> &mut Table {
    schema.tables.get_mut("users").unwrap()
}

/// The changes as `(action, kind, name)`, for compact assertions.
fn summary(changes: &[Change]) -> Vec<(Action, ObjectKind, &str)> {
    changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.as_str()))
        .collect()
}

#[track_caller]
fn check(edit: impl FnOnce(&mut Schema), expect: &[(Action, ObjectKind, &str)]) {
    let changes = diff(&catalog(|_| {}), &catalog(edit));
    assert_eq!(summary(&changes), expect, "{changes:#?}");
}

#[test]
fn identical_catalogs_have_no_changes() {
    check(|_| {}, &[]);
}

#[test]
fn column_order_is_not_a_change() {
    check(|s| users_of(s).columns.reverse(), &[]);
}

#[test]
fn an_altered_column_names_the_fields_that_differ() {
    let after = catalog(|s| {
        let email = &mut users_of(s).columns[1];
        email.nullable = false;
        email.default = Some("''".to_owned());
    });
    let changes = diff(&catalog(|_| {}), &after);
    assert_eq!(
        summary(&changes),
        [(Action::Altered, ObjectKind::Column, "public.users.email")]
    );
    let fields: Vec<_> = changes[0]
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.before.as_deref(), f.after.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            ("nullable", Some("true"), Some("false")),
            ("default", None, Some("''"))
        ]
    );
    assert_eq!(changes[0].parent.as_deref(), Some("public.users"));
}

#[test]
fn added_and_removed_objects_carry_their_definition() {
    let changes = diff(
        &catalog(|_| {}),
        &catalog(|s| {
            users_of(s).columns.push(column("name", "text"));
            users_of(s).indexes.clear();
        }),
    );
    assert_eq!(
        summary(&changes),
        [
            (Action::Added, ObjectKind::Column, "public.users.name"),
            (
                Action::Removed,
                ObjectKind::Index,
                "public.users.users_email_idx"
            ),
        ]
    );
    assert_eq!(changes[0].definition.as_deref(), Some("name text"));
    assert_eq!(
        changes[1].definition.as_deref(),
        Some("CREATE INDEX users_email_idx ON public.users USING btree (lower(email));")
    );
}

#[test]
fn a_clear_rename_is_one_change() {
    check(
        |s| users_of(s).columns[1].name = "mail".to_owned(),
        &[(Action::Renamed, ObjectKind::Column, "public.users.mail")],
    );
    let table = catalog(|_| {}).schemas["public"].tables["users"].clone();
    check(
        |s| {
            s.tables.clear();
            s.tables.insert("people".to_owned(), table);
        },
        &[(Action::Renamed, ObjectKind::Table, "public.people")],
    );
}

#[test]
fn an_ambiguous_rename_is_a_removal_and_additions() {
    check(
        |s| {
            let t = users_of(s);
            t.columns[1].name = "mail".to_owned();
            t.columns.push(column("mail2", "text"));
        },
        &[
            (Action::Removed, ObjectKind::Column, "public.users.email"),
            (Action::Added, ObjectKind::Column, "public.users.mail"),
            (Action::Added, ObjectKind::Column, "public.users.mail2"),
        ],
    );
}

#[test]
fn names_that_need_quotes_are_quoted() {
    check(
        |s| users_of(s).columns.push(column("Display Name", "text")),
        &[(
            Action::Added,
            ObjectKind::Column,
            "public.users.\"Display Name\"",
        )],
    );
}

#[test]
fn functions_are_named_by_signature() {
    let f = Function {
        kind: FunctionKind::Function,
        arguments: "a integer".to_owned(),
        returns: Some("integer".to_owned()),
        language: "sql".to_owned(),
        volatility: Volatility::Immutable,
        security_definer: false,
        strict: false,
        body_sha256: "00".to_owned(),
        comment: None,
    };
    let before = catalog(|s| {
        s.functions.insert("double(integer)".to_owned(), f.clone());
    });
    let after = catalog(|s| {
        let mut g = f.clone();
        g.body_sha256 = "11".to_owned();
        s.functions.insert("double(integer)".to_owned(), g);
    });
    let changes = diff(&before, &after);
    assert_eq!(
        summary(&changes),
        [(
            Action::Altered,
            ObjectKind::Function,
            "public.double(integer)"
        )]
    );
    assert_eq!(changes[0].fields[0].field, "body_sha256");
}

#[test]
fn an_enum_value_is_an_altered_type() {
    let status = |labels: &[&str]| UserType {
        kind: TypeKind::Enum {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        },
        comment: None,
    };
    let before = catalog(|s| {
        s.types
            .insert("status".to_owned(), status(&["new", "done"]));
    });
    let after = catalog(|s| {
        s.types
            .insert("status".to_owned(), status(&["new", "active", "done"]));
    });
    let changes = diff(&before, &after);
    assert_eq!(
        summary(&changes),
        [(Action::Altered, ObjectKind::Type, "public.status")]
    );
    assert_eq!(
        changes[0].fields[0].after.as_deref(),
        Some("new, active, done")
    );
}

#[test]
fn the_model_round_trips_through_json() {
    let original = catalog(|s| s.comment = Some("main schema".to_owned()));
    let json = serde_json::to_string(&original).unwrap();
    let back: Catalog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, original);
}
