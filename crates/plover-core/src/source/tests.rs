use super::*;

fn files(specs: &[(&str, &str)]) -> Vec<SourceFile> {
    specs
        .iter()
        .map(|(path, sql)| SourceFile {
            path: (*path).to_owned(),
            contents: sql.as_bytes().to_vec(),
        })
        .collect()
}

/// Parses `specs` and renders the result as one line per migration, or the errors.
fn check(specs: &[(&str, &str)], expect: &str) {
    let actual = match parse_migrations("migrations", &files(specs)) {
        Ok(migrations) => migrations
            .iter()
            .map(|m| {
                let down = m.down.as_ref().map_or("-".to_owned(), |d| d.path.clone());
                format!(
                    "{} {} {} {} {:?}",
                    m.version, m.name, m.up.path, down, m.up.transaction
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(errors) => errors.to_string(),
    };
    assert_eq!(actual, expect);
}

#[test]
fn native_layout_with_optional_downs() {
    check(
        &[
            ("002_b.sql", "SELECT 2;"),
            ("001_a.sql", "SELECT 1;"),
            ("001_a.down.sql", "SELECT -1;"),
            ("README.md", "not a migration"),
        ],
        "1 a migrations/001_a.sql migrations/001_a.down.sql Single\n\
         2 b migrations/002_b.sql - Single",
    );
}

#[test]
fn up_down_layout() {
    check(
        &[
            (
                "20261121093000_a.up.sql",
                "-- plover:no-transaction\nSELECT 1;",
            ),
            ("20261121093000_a.down.sql", ""),
        ],
        "20261121093000 a migrations/20261121093000_a.up.sql migrations/20261121093000_a.down.sql None",
    );
}

#[test]
fn folder_layout_ignores_other_folders() {
    check(
        &[
            ("001_a/up.sql", "SELECT 1;"),
            ("001_a/down.sql", "SELECT -1;"),
            ("002_b/up.sql", "SELECT 2;"),
            ("seeds/users.sql", "INSERT 1;"),
        ],
        "1 a migrations/001_a/up.sql migrations/001_a/down.sql Single\n\
         2 b migrations/002_b/up.sql - Single",
    );
}

#[test]
fn mixed_layouts_are_refused() {
    check(
        &[
            ("001_a.sql", ""),
            ("002_b.up.sql", ""),
            ("003_c/up.sql", ""),
        ],
        "migrations mixes migration layouts: migrations/001_a.sql (<version>_<name>.sql) and \
         migrations/002_b.up.sql (<version>_<name>.up.sql) and migrations/003_c/up.sql (<version>_<name>/up.sql); \
         use one layout per directory",
    );
}

#[test]
fn duplicates_orphans_and_bad_names_are_all_reported() {
    check(
        &[
            ("001_a.sql", ""),
            ("1_b.sql", ""),
            ("002_c.down.sql", ""),
            ("add_users.sql", ""),
            ("003_d/notes.sql", ""),
            ("004_bad name/up.sql", ""),
        ],
        "migrations/add_users.sql: cannot read the file name: `add` is not a version: expected digits, like 3 or 20261121093000\n\
         migrations/003_d/notes.sql: cannot read the file name: a migration folder holds only up.sql and down.sql\n\
         migrations/004_bad name/up.sql: cannot read the file name: the name may hold letters, digits, `_` and `-`, not ' '\n\
         version 1 is used by more than one migration: migrations/001_a.sql, migrations/1_b.sql\n\
         migrations/002_c.down.sql: a down script without its up script (same version and name)",
    );
}

#[test]
fn a_down_with_another_name_is_an_orphan() {
    check(
        &[("001_a.sql", ""), ("001_b.down.sql", "")],
        "migrations/001_b.down.sql: a down script without its up script (same version and name)",
    );
}

#[test]
fn bad_bytes_and_directives_name_the_file() {
    let mut specs = files(&[("001_a.sql", "-- plover:nope\n")]);
    specs.push(SourceFile {
        path: "002_b.sql".to_owned(),
        contents: vec![b'a', 0xff],
    });
    let errors = parse_migrations("m", &specs).unwrap_err().to_string();
    assert_eq!(
        errors,
        "m/001_a.sql:1: unknown directive `plover:nope`; the directives are `-- plover:no-transaction` and `-- plover:allow RULE reason`\n\
         m/002_b.sql: not valid UTF-8 (byte 1)"
    );
}

#[test]
fn layout_detection() {
    assert_eq!(
        layout_of(&files(&[("1_a.up.sql", "")])),
        Some(Layout::UpDown)
    );
    assert_eq!(
        layout_of(&files(&[("1_a/up.sql", "")])),
        Some(Layout::Folder)
    );
    assert_eq!(layout_of(&files(&[])), None);
}
